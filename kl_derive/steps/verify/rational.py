"""A fast exact test that an expression is zero as a rational function of its parts.

Every part of the expression that is not a sum, a product, an integer power or a rational
number (a symbol, ``log(a)``, ``exp(1/b)``, ``sqrt(c)``, an unevaluated expectation) is
taken as an independent indeterminate, and the expression is rebuilt in the field of
rational functions of them over the rationals (SymPy's sparse ``FracField``), bottom up,
without expanding it as an expression first. If the result is zero, the expression is
zero wherever it is defined, whatever the parts stand for. Relations between the parts
(``log(ab) = log a + log b``, ``exp(a + b) = exp(a) exp(b)``) are not used, but powers
are read as powers of one root of each base (``c^(3/2)`` as ``sqrt(c)^3``, ``c`` beside
it as ``sqrt(c)^2``) and ``exp(-u)`` as ``1/exp(u)``, so a false "not zero" here
proves nothing: :func:`~kl_derive.steps.verify.normal_form.is_zero` then decides as
before (``cancel``). On a true zero this is typically ten times faster than ``cancel``,
which expands the expression before it builds the same polynomials.
"""

from __future__ import annotations

import operator
from functools import reduce

from sympy import QQ, Expr, Pow, Rational, S, exp, ilcm, nan, oo, zoo
from sympy.polys.fields import FracField
from sympy.polys.orderings import lex

__all__ = [
    "MAX_EQUALS_DIGITS",
    "digits",
    "zero_as_rational_function",
    "zero_in_prime_logarithms",
]


def _reciprocal(e: Expr) -> Expr | None:
    """``exp(u)`` for ``e = exp(-u)`` (so that ``exp(-u) = 1/exp(u)`` is used)."""
    if isinstance(e, exp) and e.args[0].could_extract_minus_sign():
        return exp(-e.args[0])
    return None


def _parts(e: Expr, plain: set[Expr], roots: dict[Expr, int]) -> None:
    """The parts of ``e``: ``plain`` ones, and for each base under a fractional power
    ``b^(p/q)`` the least common multiple of the ``q`` (in ``roots``)."""
    if e.is_Rational:
        return
    if e.is_Add or e.is_Mul:
        for a in e.args:
            _parts(a, plain, roots)
        return
    if e.is_Pow and e.exp.is_Integer:
        _parts(e.base, plain, roots)
        return
    if e.is_Pow and e.exp.is_Rational:
        roots[e.base] = ilcm(roots.get(e.base, 1), int(e.exp.q))
        return
    flipped = _reciprocal(e)
    plain.add(e if flipped is None else flipped)


def zero_as_rational_function(e: Expr) -> bool:
    """Whether ``e`` is zero as a rational function of its parts (see the module): a
    ``True`` is a proof; ``False`` means only that this test does not show it."""
    if not e.is_commutative or e.has(oo, -oo, zoo, nan, S.ImaginaryUnit):
        return False
    plain: set[Expr] = set()
    roots: dict[Expr, int] = {}
    _parts(e, plain, roots)
    # b^(p/q) as (b^(1/L))^(pL/q), L the lcm of the q, and b itself, if it is a part, as
    # (b^(1/L))^L: one part for each base
    radicals = {b: Pow(b, Rational(1, q), evaluate=False) for b, q in roots.items()}
    parts = (plain - set(radicals)) | set(radicals.values())
    if not parts:
        return e == 0
    ordered = sorted(parts, key=lambda p: p.sort_key())
    field = FracField(tuple(ordered), QQ, lex)
    mapping = dict(zip(ordered, field.gens, strict=True))

    def rebuild(x: Expr):
        found = mapping.get(x)
        if found is not None:
            return found
        if x in radicals:
            return mapping[radicals[x]] ** roots[x]
        if x.is_Rational:
            return field(QQ(int(x.p), int(x.q)))
        if x.is_Add:
            return reduce(operator.add, map(rebuild, x.args))
        if x.is_Mul:
            return reduce(operator.mul, map(rebuild, x.args))
        if x.is_Pow and x.exp.is_Integer:
            return rebuild(x.base) ** int(x.exp)
        if x.is_Pow and x.exp.is_Rational:
            power = x.exp * roots[x.base]  # an integer: roots[b] is a multiple of q
            return mapping[radicals[x.base]] ** int(power)
        return field.one / mapping[_reciprocal(x)]  # exp(-u), see _parts

    try:
        return not rebuild(e)
    except (ZeroDivisionError, ValueError, TypeError, RecursionError):
        return False


def zero_in_prime_logarithms(e: Expr) -> bool:
    """Whether ``e``, a constant, is zero once each logarithm of a positive rational number
    is written over the primes (``log(3/5) = log 3 - log 5``; a factor with no prime
    below 1000 is kept whole, in a coprime basis: :mod:`.prime_logs`): then it is a
    rational function of those logarithms, tested by :func:`zero_as_rational_function`. A
    proof when it says zero (the rewriting is an identity); "not zero" proves nothing.
    Fast where SymPy's ``equals`` tries to solve for a polynomial in several logarithms
    (the moments of the log ratio of two categorical laws).

    A constant made of rational numbers and such logarithms alone is decided exactly by
    :func:`.prime_logs.prime_log_polynomial` (Python fractions, no SymPy expansion); one
    with other parts as well (``pi``, a square root) as below."""
    from sympy import log

    from .prime_logs import logarithms_over_basis, prime_log_polynomial

    polynomial = prime_log_polynomial(e)
    if polynomial is not None:
        return not polynomial
    logs = [x for x in e.atoms(log) if x.args[0].is_Rational and x.args[0] > 0]
    if not logs:
        return False
    over = logarithms_over_basis({x.args[0] for x in logs})
    return zero_as_rational_function(e.xreplace({x: over[x.args[0]] for x in logs}))


#: the most decimal digits of an integer (a numerator, a denominator, a power's base
#: raised to its exponent) in a constant that SymPy's ``equals`` is asked about
MAX_EQUALS_DIGITS = 40


def digits(e: Expr) -> int:
    """The decimal digits of the largest integer ``e`` writes, a power of a rational
    counted as its value would be (``3**100`` has 48)."""
    import math

    from sympy import Pow, Rational

    largest = 0
    from sympy import preorder_traversal

    for node in preorder_traversal(e):
        if isinstance(node, Rational):
            largest = max(largest, len(str(abs(node.p))), len(str(node.q)))
        elif isinstance(node, Pow) and node.base.is_Rational and node.exp.is_Rational:
            base = max(abs(node.base.p), node.base.q)
            if base > 1:
                largest = max(largest, int(abs(node.exp) * math.log10(base)) + 1)
    return largest
