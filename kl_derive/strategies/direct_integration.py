r"""Direct integration: the general fallback for an expectation no family states.

When a law does not know :math:`\mathbb{E}[T(z)]` (a Gumbel law's :math:`e^{-z/\beta}`
under a Rayleigh law), SymPy's ``integrate`` is asked for
:math:`\int T(z)\, q(z)\, dz` over the support, within a time budget. An answer is taken
only when it is a closed form a reader can use: no unevaluated integral, no Meijer G or
Lerch function, no polar numbers, not too long. The derivation then shows the expectation
as the integral and its value, and the verifier checks that value by quadrature like any
other step (SymPy drops the convergence conditions it cannot decide, so the check at
random parameter values is what makes the answer trustworthy).

The budget is enforced with ``SIGALRM``, so only in the main thread; elsewhere (a
notebook's worker thread) the fallback is skipped rather than risk a hang.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from sympy import Expr, Integral, count_ops, integrate, nan, oo, zoo
from sympy import gamma as gamma_function
from sympy.functions.special.hyper import hyper, meijerg

from ..families.base import Moment
from ..steps.context import DensityFacts

__all__ = ["BUDGET", "integrate_expectation"]

#: seconds SymPy may spend on one expectation
BUDGET = 2.0
#: the longest closed form accepted (SymPy's operation count)
MAX_OPS = 60


class _OutOfTime(BaseException):  # not caught by SymPy's own `except Exception`
    pass


@contextmanager
def _time_limit(seconds: float):
    def expire(signum, frame):  # pragma: no cover - timing dependent
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _closed(value: Expr, variable) -> bool:
    """No integral left, no function a reader would have to look up, nothing infinite."""
    from sympy import exp_polar, lerchphi, polar_lift, polylog

    if value.has(Integral, meijerg, hyper, lerchphi, polylog, exp_polar, polar_lift):
        return False
    # a gamma function that may sit on a pole (Gamma(1 - alpha) at alpha = 2): SymPy's
    # answer is then a limit it did not take
    if any(not g.args[0].is_positive for g in value.atoms(gamma_function)):
        return False
    return not (value.has(oo, -oo, zoo, nan) or value.has(variable))


def integrate_expectation(statistic: Expr, facts: DensityFacts) -> Moment | None:
    """``E[statistic]`` under the density of ``facts`` by SymPy's ``integrate``, or
    ``None`` (no readable closed form within :data:`BUDGET`, or not in the main thread)."""
    if facts.discrete or threading.current_thread() is not threading.main_thread():
        return None
    variable = facts.variable
    lower, upper = facts.support
    try:
        with _time_limit(BUDGET):
            value = integrate(statistic * facts.value, (variable, lower, upper), conds="none")
            if not _closed(value, variable):
                return None
            from sympy import simplify

            simpler = simplify(value)
            if count_ops(simpler) < count_ops(value):
                value = simpler
    except _OutOfTime:
        return None
    except (NotImplementedError, ValueError, TypeError, RecursionError, ZeroDivisionError):
        return None
    if not _closed(value, variable) or count_ops(value) > MAX_OPS:
        return None
    return Moment(statistic, value, "direct_integral")
