"""Expectations under a mass function given by numbers on a short list of integers.

For such a law (two categorical laws given as lists of numbers, ``bernoulli(1/3)``), the
expectation of a statistic with no other symbol is the finite sum
:math:`\\mathbb{E}_q[f] = \\sum_k q(k) f(k)`, by definition. When each term is a rational
number times a polynomial in logarithms of positive rational numbers, the sum is written
in the verifier's normal form at once, as a polynomial over the logarithms of a coprime
basis (:mod:`.prime_logs`, exact fractions): the moments of the log ratio of two
categorical laws, ``E[(log r - kappa_1)^4]``, are then a few hundred exact coefficients
instead of a SymPy expansion in every logarithm that appears (minutes for three
categories). Anything else is left to the general normal form.
"""

from __future__ import annotations

from sympy import Derivative, Expr, Integral, Sum
from sympy.core.function import AppliedUndef

from ...symbolic.objects import Expect
from ..context import DensityFacts
from .prime_logs import as_prime_logs

__all__ = ["MAX_POINTS", "finite_sum"]

#: the largest support summed term by term
MAX_POINTS = 64


def finite_sum(f: Expr, facts: DensityFacts) -> Expr | None:
    """``E[f]`` under ``facts`` as the normal form of the finite sum, or ``None`` when
    the law or ``f`` is not of the kind above. ``f`` has its densities unfolded."""
    if not facts.discrete or isinstance(facts.variable, tuple):
        return None
    lower, upper = facts.support
    if not (lower.is_Integer and upper.is_Integer) or not 0 < upper - lower + 1 <= MAX_POINTS:
        return None
    variable = facts.variable
    if facts.value.free_symbols - {variable} or f.free_symbols - {variable}:
        return None
    if f.has(Expect, Integral, Sum, Derivative) or f.atoms(AppliedUndef):
        return None
    terms = [
        facts.value.xreplace({variable: k}) * f.xreplace({variable: k})
        for k in range(int(lower), int(upper) + 1)
    ]
    return as_prime_logs(sum(terms[1:], terms[0]))
