r"""Direct integration: the general fallback for an expectation no family states.

When a law does not know :math:`\mathbb{E}[T(z)]` (a Gumbel law's :math:`e^{-z/\beta}`
under a Rayleigh law), SymPy's ``integrate`` is asked for
:math:`\int T(z)\, q(z)\, dz` over the support, within a time budget. An answer is taken
only when it is a closed form a reader can use: no unevaluated integral, no Meijer G or
Lerch function, no polar numbers, not too long. The derivation then shows the expectation
as the integral and its value, and the verifier checks that value by quadrature like any
other step (SymPy drops the convergence conditions it cannot decide, so the check at
random parameter values is what makes the answer trustworthy).

On a bounded interval, where SymPy's rule-based ``manualintegrate`` (the rules a person
would apply) finds an antiderivative :math:`F`, the integral is shown as
:math:`[F(z)]_a^b` and then evaluated at the ends; the verifier proves that step by
differentiating :math:`F`. A point where the statistic has a pole that the integral does
not survive (``1/z`` at 0) must then lie outside the interval: that is the moment's
condition.

The budget is enforced with ``SIGALRM``, so only in the main thread; elsewhere (a
notebook's worker thread) the fallback is skipped rather than risk a hang.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from sympy import Expr, Integral, S, count_ops, integrate, nan, oo, zoo
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
    lower, upper = S(lower), S(upper)
    antiderivative = _antiderivative(statistic * facts.value, variable, lower, upper)
    if antiderivative is None:
        return Moment(statistic, value, "direct_integral")
    condition = _integrable(statistic, antiderivative, variable, lower, upper)
    if condition is None:
        return None
    params = (("antiderivative", antiderivative),)
    return Moment(statistic, value, "direct_integral", condition, params=params)


def _integrable(statistic: Expr, antiderivative: Expr, variable, lower, upper) -> Expr | None:
    """When the integral over ``[lower, upper]`` is finite: a point where ``statistic``
    is singular and the antiderivative is not finite (``1/z`` at 0, whose antiderivative
    is ``log z``) must lie outside the interval; an integrable one (``log z`` at 0) may
    lie anywhere. ``None`` when that cannot be decided."""
    from sympy import And, Or, limit, singularities

    try:
        with _time_limit(BUDGET):
            points = singularities(statistic, variable, S.Reals)
            if not points.is_FiniteSet:
                return None if points != S.EmptySet else S.true
            outside = []
            for point in points:
                ends = [limit(antiderivative, variable, point, d) for d in ("+", "-")]
                if all(e.is_finite for e in ends):
                    continue
                outside.append(Or(lower > point, upper < point))
    except _OutOfTime:
        return None
    except (NotImplementedError, ValueError, TypeError):
        return None
    return And(*outside)


def _antiderivative(integrand: Expr, variable, lower, upper) -> Expr | None:
    """An antiderivative of ``integrand`` by SymPy's rule-based ``manualintegrate`` (the
    rules a person would apply), for an interval with finite ends; ``None`` if it finds
    none within the budget, or one that is not a readable closed form there."""
    from sympy import Piecewise, diff, simplify
    from sympy.integrals.manualintegrate import manualintegrate

    if not (lower.is_finite and upper.is_finite):
        return None
    try:
        with _time_limit(BUDGET):
            antiderivative = manualintegrate(integrand, variable)
            if antiderivative.has(Integral, Piecewise) or count_ops(antiderivative) > MAX_OPS:
                return None
            if simplify(diff(antiderivative, variable) - integrand) != 0:
                return None
    except _OutOfTime:
        return None
    except (NotImplementedError, ValueError, TypeError, RecursionError, ZeroDivisionError):
        return None
    return antiderivative
