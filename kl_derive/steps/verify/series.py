r"""The logarithmic series of an expectation: :math:`E[\log(1 - z)] = -\sum_{m \ge 1}
s(m)` for a law on :math:`[0, 1]`.

The step rests on :math:`-\log(1 - z) = \sum_{m \ge 1} z^m/m` for :math:`0 \le z < 1`,
whose terms are of one sign, so that the expectation is taken term by term (Tonelli):
:math:`E[\log(1 - z)] = -\sum_{m \ge 1} E[z^m]/m`. The check establishes what is
particular to the step: that the law lives on :math:`[0, 1]`; that the summand
:math:`s(m)` it states is :math:`E[z^m]/m` (at :data:`CHECKED_TERMS`, each moment by the
verifier's quadrature, :mod:`.quadrature`, to a relative :data:`TOLERANCE`, at
pseudo-random parameter values with a fixed seed); and, when
the step states a bound on the tail after :math:`M` terms, that the bound holds there for
the :data:`CHECKED_TRUNCATIONS` (the quadrature value of the expectation less the
partial sum lies between 0 and the bound).
"""

from __future__ import annotations

import random

from sympy import Expr, Integral, S, Sum, Symbol, lambdify, log

from ...symbolic.display import evaluate
from ...symbolic.objects import Expect
from ..context import Context
from ..step import Step
from .quadrature import DivergentIntegral, quadrature
from .sampling import sample_parameters

__all__ = ["CHECKED_TERMS", "CHECKED_TRUNCATIONS", "verify_log_series", "verify_series_step"]

#: the terms whose summand is compared with E[z^m]/m, and the truncations whose tail
#: bound is checked
CHECKED_TERMS = (1, 2, 3, 7, 20)
CHECKED_TRUNCATIONS = (5, 40)
#: parameter draws, working digits, and the tolerance of a comparison
DRAWS = 3
DIGITS = 30
TOLERANCE = S(10) ** -12


def verify_log_series(step: Step, context: Context) -> bool:
    """Whether ``step`` is ``E[log(1 - z)] = -Sum(s(m), (m, 1, oo))`` with ``s(m) =
    E[z^m]/m`` under its law, and its stated tail bound (if any) holds."""
    import mpmath

    before, after = step.before, evaluate(step.after)
    if not isinstance(before, Expect):
        return False
    facts = context.density_of(before.args[1])
    if facts is None or facts.discrete:
        return False
    z = facts.variable
    if evaluate(before.args[0]) != log(1 - z):
        return False
    low, high = facts.support
    if not (bool(S(low) >= 0) and bool(S(high) <= 1)):
        return False
    series = -after
    if not isinstance(series, Sum) or len(series.limits) != 1:
        return False
    index, first, last = series.limits[0]
    if first != 1 or last != S.Infinity:
        return False
    summand = series.function
    bound = step.params.get("tail_bound")
    terms = step.params.get("terms")
    symbols = (summand.free_symbols | facts.value.free_symbols) - {index, z}
    rng = random.Random(20261207)
    with mpmath.workdps(DIGITS):
        for _ in range(DRAWS):
            point = sample_parameters(symbols, context.conditions, rng)
            if point is None:
                return False
            term = lambdify(index, summand.xreplace(point), "mpmath")
            for m in CHECKED_TERMS:
                moment = _expectation(z**m * facts.value, z, low, high, point)
                if abs(moment / m - term(m)) > TOLERANCE * max(1, abs(moment)):
                    return False
            if bound is None:
                continue
            if not isinstance(terms, Symbol):
                return False
            whole = _expectation(log(1 - z) * facts.value, z, low, high, point)
            limit = lambdify(terms, evaluate(bound).xreplace(point), "mpmath")
            for count in CHECKED_TRUNCATIONS:
                tail = -whole - mpmath.fsum(term(m) for m in range(1, count + 1))
                if tail < -TOLERANCE or tail > limit(count) + TOLERANCE:
                    return False
    return True


def _expectation(integrand: Expr, z: Symbol, low: Expr, high: Expr, point: dict):
    """The verifier's own quadrature (ends reached through exponential substitutions)."""
    return quadrature(Integral(integrand, (z, low, high)), point, fast=False)


def verify_series_insert(step: Step) -> bool:
    """Whether ``step`` puts the series stated by the step before it (its ``series``
    for its ``expectation``, an equality checked by :func:`verify_log_series`) in place
    of that expectation, and nothing else changes."""
    expectation, series = step.params.get("expectation"), step.params.get("series")
    if not isinstance(expectation, Expect) or series is None:
        return False
    before = evaluate(step.before).xreplace({evaluate(expectation): evaluate(series)})
    from sympy import expand, simplify

    return simplify(expand(before - evaluate(step.after))) == 0


def verify_series_step(step: Step, context: Context) -> bool:
    """The check of a ``series.*`` step."""
    if step.rule == "series.log_expansion":
        try:
            return verify_log_series(step, context)
        except DivergentIntegral:
            return False  # a moment that diverges is no number to compare
    return verify_series_insert(step)
