r"""A limit step, ``lim_{x -> a} f = g``: checked by approaching the point from both sides.

The normal form has no rule for a SymPy :class:`~sympy.Limit` (SymPy's own ``limit`` may
hang or answer wrongly on the expressions a derivation holds). The check here is
numerical and deterministic: at three parameter points drawn under the context's
conditions (fixed seeds), ``f`` is evaluated at ``a + t`` and ``a - t`` for
``t = 10^-8, 10^-16, 10^-32`` with :data:`DIGITS` significant digits, and ``g`` at the
same parameters. The step holds when, on each side, the distance ``|f(a +- t) - g|``

* never grows as ``t`` shrinks (beyond the working precision), and
* is at most :data:`TOLERANCE` (relative to ``max(1, |g|)``) at the smallest ``t``.

A limit :math:`+\infty` (``g = oo``, the Rényi divergence where the KL divergence is
infinite) is checked on each side by growth: at every ``t`` the value is :math:`+\infty`,
or the values are finite, grow by at least :data:`GROWTH` from one ``t`` to the next (a
pole like ``C / t`` grows by ``10^8`` and ``10^16``; a function with a finite limit
does not grow) and exceed ``10^20`` at the smallest ``t``.

A function analytic at the point (the Rényi divergence in its order, whose value at 1 is
a removable singularity) approaches its limit like ``C t``: the distance at ``10^-32`` is
about ``10^-32 C``, far below the tolerance, while a wrong ``g`` leaves a distance that
does not shrink. A two-sided limit is checked on both sides; ``dir='+'`` or ``'-'`` on
one.
"""

from __future__ import annotations

import itertools
import random

import mpmath
from sympy import Expr, Float, Limit, S, oo

from ...errors import VerificationError
from ...symbolic.display import evaluate
from ..context import Context
from ..step import Step
from .sampling import sample_parameters

__all__ = ["DIGITS", "TOLERANCE", "verify_limit"]

#: the working precision (the Rényi divergence at 1 + 10^-32 loses about 32 digits)
DIGITS = 80
#: the largest relative distance accepted at t = 10^-32
TOLERANCE = mpmath.mpf("1e-20")
_STEPS = (S(10) ** -8, S(10) ** -16, S(10) ** -32)
#: the least growth, from one t to the next, of a function said to tend to +oo
GROWTH = mpmath.mpf(10) ** 6


def verify_limit(step: Step, context: Context) -> str:
    """``"numeric"`` when ``step.before`` (a :class:`~sympy.Limit`) tends to
    ``step.after``; raise :class:`VerificationError` otherwise."""
    before = step.before
    if not isinstance(before, Limit):
        raise VerificationError(step.rule, f"{before} is not a limit")
    function, variable, point, direction = before.args
    if not point.is_number or not point.is_finite:
        raise VerificationError(step.rule, "only a limit at a finite number is checked")
    sides = {"+": (1,), "-": (-1,), "+-": (1, -1)}[str(direction)]
    function, target = evaluate(function), evaluate(step.after)
    for _ in range(3):  # a name the context defines (the divergence: its verified value)
        function = function.xreplace(context.definitions)
    symbols = (function.free_symbols | target.free_symbols) - {variable}
    conditions = [c for c in context.conditions if variable not in c.free_symbols]
    rng = random.Random(f"limit {step.rule}")
    for _ in range(3 if symbols else 1):
        values = sample_parameters(symbols, conditions, rng) if symbols else {}
        if values is None:
            raise VerificationError(step.rule, "no parameters satisfy the conditions")
        values = {k: v for k, v in values.items() if k != variable}
        if target == oo:
            for side in sides:
                _grows_without_bound(step, function, values, variable, point + 0, side)
            continue
        goal = _value(target, values)
        if goal is None:
            raise VerificationError(step.rule, f"{target} is not a finite number")
        scale = max(mpmath.mpf(1), abs(goal))
        for side in sides:
            distances = []
            for t in _STEPS:
                at = _value(function, {**values, variable: point + side * t})
                if at is None:
                    raise VerificationError(step.rule, f"{function} is not finite near {point}")
                distances.append(abs(at - goal) / scale)
            slack = mpmath.mpf(10) ** (10 - DIGITS)
            grows = any(b > a + slack for a, b in itertools.pairwise(distances))
            if grows or distances[-1] > TOLERANCE:
                raise VerificationError(
                    step.rule,
                    f"{function} does not tend to {target} as {variable} -> {point} "
                    f"(relative distances {[mpmath.nstr(d, 3) for d in distances]})",
                )
    return "numeric"


def _grows_without_bound(
    step: Step, function: Expr, values: dict, variable, point: Expr, side: int
) -> None:
    """``function`` tends to +oo as ``variable -> point`` from ``side`` (see the module)."""
    found = []
    for t in _STEPS:
        at = {**values, variable: point + side * t}
        exact = {k: v if v.is_Integer else Float(v, DIGITS) for k, v in at.items()}
        if function.xreplace(exact).evalf(DIGITS) == oo:
            found.append(mpmath.inf)
            continue
        found.append(_value(function, at))
    if all(v == mpmath.inf for v in found):
        return
    if any(v is None or v == mpmath.inf for v in found):
        raise VerificationError(step.rule, f"{function} is not finite near {point} on one side")
    grows = all(b > GROWTH * a > 0 for a, b in itertools.pairwise(found))
    if not grows or found[-1] < mpmath.mpf(10) ** 20:
        raise VerificationError(
            step.rule,
            f"{function} does not grow without bound as {variable} -> {point} "
            f"(values {[mpmath.nstr(v, 3) for v in found]})",
        )


def _value(e: Expr, values: dict) -> mpmath.mpf | None:
    """``e`` at ``values`` to :data:`DIGITS` digits (``None``: not a finite real number)."""
    # every value a float of DIGITS digits: an exact power such as 6^(1 + 10^-32) would
    # send SymPy looking for exact roots
    exact = {k: v if v.is_Integer else Float(v, DIGITS) for k, v in values.items()}
    try:
        value = e.xreplace(exact).evalf(DIGITS)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not value.is_number or not value.is_finite or value.is_real is False:
        return None
    with mpmath.workdps(DIGITS):
        return mpmath.mpf(str(value))
