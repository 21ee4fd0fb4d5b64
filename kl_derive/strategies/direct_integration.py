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

The work SymPy may do is bounded by counting, not by the clock, so that the same command
gives the same answer on any machine and under any load (and in any thread): each of the
three computations (the integral and its simplification; the antiderivative and its
check; the condition) may make at most :data:`WORK_BUDGET` Python function calls, counted
by a trace function (:func:`sys.settrace`, per thread). What is over budget is given up,
and the expectation then has no closed form here. The count for a given integral does
not depend on time or load; it can differ by a few percent with the order SymPy happens
to visit sets in, so the budget is set well above what any integral that succeeds needs
(the slowest, a Rayleigh law's :math:`E[e^{-z/\beta}]`, takes about a fifth of it).

The integrals the catalog's pairs need are moreover settled ahead of time: the table in
:mod:`kl_derive.strategies.integrals`, written by
``python -m kl_derive.strategies.build_integrals`` with this very code, holds each
result under a canonical form of the integrand (its parameters renamed, their assumptions
kept), and is consulted first. A table entry is an integral SymPy found, stated again;
the derivation still verifies it like every step (by quadrature, and the antiderivative
by differentiation), so a stale entry could not pass unnoticed.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import permutations

from sympy import Expr, Integral, S, Symbol, Tuple, count_ops, integrate, nan, oo, srepr, zoo
from sympy import gamma as gamma_function
from sympy.functions.special.hyper import hyper, meijerg

from ..families.base import Moment
from ..steps.context import DensityFacts

__all__ = ["MAX_OPS", "WORK_BUDGET", "integrate_expectation", "settled_key"]

#: Python function calls SymPy may make for one of the three computations of one
#: expectation (about 4 s of CPU on the project's 2-core machine, under the trace)
WORK_BUDGET = 4_000_000
#: the longest closed form accepted (SymPy's operation count)
MAX_OPS = 60
#: an integrand with more parameters than this is not looked up in the table (the
#: canonical form tries every order of the parameters)
_MAX_KEYED = 5


class OutOfWork(BaseException):  # not caught by SymPy's own `except Exception`
    """The work budget of a computation is spent."""


@contextmanager
def work_limit(calls: int) -> Iterator[None]:
    """Raise :class:`OutOfWork` in the code run inside once it has made more than
    ``calls`` Python function calls (in this thread). Any trace function already set (a
    debugger, a coverage tool) is put back afterwards."""
    previous = sys.gettrace()
    left = [calls]

    def count(frame, event, arg) -> None:  # pragma: no cover - runs under the trace
        left[0] -= 1
        if left[0] < 0:
            raise OutOfWork
        return None

    sys.settrace(count)
    try:
        yield
    finally:
        sys.settrace(previous)


def _bounded(compute: Callable[[], object]) -> object | None:
    """``compute()`` within the work budget; ``None`` when it runs out of work or SymPy
    gives up."""
    try:
        with work_limit(WORK_BUDGET):
            return compute()
    except OutOfWork:
        return None
    except (NotImplementedError, ValueError, TypeError, RecursionError, ZeroDivisionError):
        return None


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
    """``E[statistic]`` under the density of ``facts``: from the table of settled
    integrals, else by SymPy's ``integrate`` within :data:`WORK_BUDGET`; ``None`` when
    neither gives a readable closed form."""
    if facts.discrete:
        return None
    settled = _settled(statistic, facts)
    if settled is not None:
        return settled
    return compute_expectation(statistic, facts)


def compute_expectation(statistic: Expr, facts: DensityFacts) -> Moment | None:
    """``E[statistic]`` by SymPy within the work budget, without the table (what
    ``build_integrals`` records in it)."""
    variable = facts.variable
    lower, upper = facts.support
    value = _bounded(lambda: _integral(statistic * facts.value, variable, lower, upper))
    if value is None or not _closed(value, variable) or count_ops(value) > MAX_OPS:
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


def _integral(integrand: Expr, variable, lower, upper) -> Expr | None:
    from sympy import simplify

    value = integrate(integrand, (variable, lower, upper), conds="none")
    if not _closed(value, variable):
        return None
    simpler = simplify(value)
    return simpler if count_ops(simpler) < count_ops(value) else value


# ---------------------------------------------------------------------------
# the table of integrals settled ahead of time
# ---------------------------------------------------------------------------


def settled_key(statistic: Expr, facts: DensityFacts) -> tuple[str, dict] | None:
    """The key of ``E[statistic]`` under ``facts`` in the table (the SHA-256 of its
    canonical form: the integrand and the support written by ``srepr`` with the variable
    and the parameters renamed ``_z``, ``c0``, ``c1``, ..., their assumptions kept, in
    the order of the parameters whose text comes first), and the renaming; ``None`` for
    too many parameters."""
    variable = facts.variable
    whole = Tuple(statistic * facts.value, *map(S, facts.support))
    parameters = sorted(whole.free_symbols - {variable}, key=str)
    if len(parameters) > _MAX_KEYED or not isinstance(variable, Symbol):
        return None
    z = Symbol("_z", **variable.assumptions0)
    best: tuple[str, dict] | None = None
    for order in permutations(range(len(parameters))):
        renaming = {variable: z}
        renaming.update(
            (p, Symbol(f"c{i}", **p.assumptions0)) for p, i in zip(parameters, order, strict=True)
        )
        text = srepr(whole.xreplace(renaming))
        if best is None or text < best[0]:
            best = (text, renaming)
    if best is None:  # pragma: no cover - there is always one order
        return None
    return hashlib.sha256(best[0].encode()).hexdigest()[:32], best[1]


def _settled(statistic: Expr, facts: DensityFacts) -> Moment | None:
    from .integrals import settled

    keyed = settled_key(statistic, facts)
    if keyed is None:
        return None
    key, renaming = keyed
    entry = settled().get(key)
    if entry is None:
        return None
    back = {new: old for old, new in renaming.items()}
    value, antiderivative, condition = (e.xreplace(back) if e is not None else None for e in entry)
    if antiderivative is None:
        return Moment(statistic, value, "direct_integral", condition)
    params = (("antiderivative", antiderivative),)
    return Moment(statistic, value, "direct_integral", condition, params=params)


# ---------------------------------------------------------------------------
# the antiderivative and the condition
# ---------------------------------------------------------------------------


def _integrable(statistic: Expr, antiderivative: Expr, variable, lower, upper) -> Expr | None:
    """When the integral over ``[lower, upper]`` is finite: a point where ``statistic``
    is singular and the antiderivative is not finite (``1/z`` at 0, whose antiderivative
    is ``log z``) must lie outside the interval; an integrable one (``log z`` at 0) may
    lie anywhere. ``None`` when that cannot be decided."""
    from sympy import And, Or, limit, singularities

    def condition() -> Expr | None:
        points = singularities(statistic, variable, S.Reals)
        if not points.is_FiniteSet:
            return None if points != S.EmptySet else S.true
        outside = []
        for point in points:
            ends = [limit(antiderivative, variable, point, d) for d in ("+", "-")]
            if all(e.is_finite for e in ends):
                continue
            outside.append(Or(lower > point, upper < point))
        return And(*outside)

    return _bounded(condition)  # type: ignore[return-value]


def _antiderivative(integrand: Expr, variable, lower, upper) -> Expr | None:
    """An antiderivative of ``integrand`` by SymPy's rule-based ``manualintegrate`` (the
    rules a person would apply), for an interval with finite ends; ``None`` if it finds
    none within the budget, or one that is not a readable closed form there."""
    from sympy import Piecewise, diff, simplify
    from sympy.integrals.manualintegrate import manualintegrate

    if not (lower.is_finite and upper.is_finite):
        return None

    def antiderivative() -> Expr | None:
        found = manualintegrate(integrand, variable)
        if found.has(Integral, Piecewise) or count_ops(found) > MAX_OPS:
            return None
        if simplify(diff(found, variable) - integrand) != 0:
            return None
        return found

    return _bounded(antiderivative)  # type: ignore[return-value]
