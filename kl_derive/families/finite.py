"""Expectations under a mass function with a finite support given by numbers.

Any statistic then has a closed-form expectation: the finite sum
:math:`\\sum_k T(k)\\, q(k)` written out term by term (``moment_reason.sum``). The
Bernoulli family uses it for every statistic (``E[log k!] = 0``), the binomial family
when its ``total_count`` is a number.
"""

from __future__ import annotations

from sympy import Expr, Symbol

from ..symbolic.display import add, evaluate, mul
from .base import Family, Moment

__all__ = ["finite_expectation"]

#: the largest support written out as a sum
MAX_TERMS = 12


def finite_expectation(
    family: Family, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]
) -> Moment | None:
    """``E[statistic]`` as the sum over the support, when the support is a short list of
    numbers; ``None`` otherwise."""
    lower, upper = family.support(args)
    if not (lower.is_Integer and upper.is_Integer) or upper - lower + 1 > MAX_TERMS:
        return None
    density = evaluate(family.density(variable, args))
    value = evaluate(statistic)
    terms = []
    for k in range(int(lower), int(upper) + 1):
        t = value.xreplace({variable: k})
        if t == 0:
            continue
        terms.append(mul(t, density.xreplace({variable: k})))
    return Moment(statistic, add(*terms), "sum")
