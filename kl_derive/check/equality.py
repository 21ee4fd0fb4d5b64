"""Deciding whether two forms are the same KL term.

A line with a structural form ``sum_j f(c_j, d)`` (see :mod:`kl_derive.check.semantics`)
equals ``sum_j kl(c_j)`` for every latent dimension and every vector exactly when
``f - kl`` is identically zero (for a fixed d, vary one coordinate: the difference is a
constant c(d) with d * c(d) = 0), so equality is decided coordinate by coordinate: first
numerically at a few fixed random points (30 significant digits), which refutes quickly,
and then symbolically (``expand_log`` and ``expand``, then ``simplify``), which proves.

Categorical probabilities sum to one over the category axis, so there a line may differ
from the KL by a term that sums to zero (``sum_j q_j * log(K)`` is ``log K``): the sum of
``g = f - kl`` vanishes on the simplex exactly when g is affine in the probabilities,
``a q + b p + c``, with ``a + b + c d = 0``. That is tested numerically on random points of
the simplex and then proved the same way.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import sympy as sp

from .numeric import DIGITS, SEED, close, coordinate_points, value
from .targets import BATCH, D, Form, Target

__all__ = [
    "DIFFERENT",
    "NUMERIC",
    "PROVED",
    "dimension_condition",
    "literal_sizes",
    "prove_zero",
    "same_form",
]

PROVED, NUMERIC, DIFFERENT = "proved", "numeric", "different"

#: Largest estimated number of terms an expansion may produce before a proof is attempted.
MAX_TERMS = 4000
#: The numbers of categories the simplex is sampled in.
_SIMPLEX_SIZES = (2, 3, 5)


def _terms(expr: sp.Basic) -> int:
    """An upper estimate of the number of terms ``expand`` makes of ``expr`` (capped)."""
    if isinstance(expr, sp.Add):
        return min(sum(_terms(arg) for arg in expr.args), MAX_TERMS + 1)
    if isinstance(expr, sp.Mul):
        return min(math.prod(_terms(arg) for arg in expr.args), MAX_TERMS + 1)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and int(expr.exp) > 1:
        base, power = _terms(expr.base), int(expr.exp)
        if base == 1:
            return 1
        if base > MAX_TERMS or power > MAX_TERMS:
            return MAX_TERMS + 1
        # the monomials of a k-term sum to the n-th power: C(n + k - 1, k - 1)
        return min(math.comb(power + base - 1, base - 1), MAX_TERMS + 1)
    inner = max((_terms(arg) for arg in expr.args), default=1)
    return inner if inner > MAX_TERMS else 1


def prove_zero(expr: sp.Expr) -> bool:
    """Whether SymPy shows ``expr`` is identically zero (sound under the symbols' assumptions).

    An expression whose expansion would be huge is not attempted (the answer is False).
    """
    if expr == 0:
        return True
    if _terms(expr) > MAX_TERMS:
        return False
    for transform in (lambda e: sp.expand(sp.expand_log(e, deep=True, force=False)), sp.simplify):
        try:
            if transform(expr) == 0:
                return True
        except Exception:  # pragma: no cover - a SymPy failure is not a proof
            continue
    return False


def same_form(a: Form, b: Form, target: Target) -> str:
    """:data:`PROVED`, :data:`NUMERIC` (equal at every point, no proof) or :data:`DIFFERENT`."""
    if a.kind != b.kind:
        return DIFFERENT
    if target.simplex and a.kind == "red":
        return _same_on_simplex(a.expr - b.expr, target)
    defined = 0
    for point in coordinate_points(target):
        u, v = value(a.expr, point), value(b.expr, point)
        if u is None and v is None:
            continue
        if u is None or v is None or not close(u, v):
            return DIFFERENT
        defined += 1
    if not defined:
        return DIFFERENT
    return PROVED if prove_zero(a.expr - b.expr) else NUMERIC


def _simplex_sums(difference: sp.Expr, target: Target, sizes: tuple[int, ...]) -> bool:
    """Whether sum_j g(c_j) vanishes at random points of the simplex for each size d."""
    rng = random.Random(SEED)
    for d in sizes:
        for _ in range(3):
            point: dict = {D: d, BATCH: 1}
            coordinates: list[dict] = [{} for _ in range(d)]
            for c in target.coordinates:
                raw = [rng.randint(c.low, c.high) for _ in range(d)]
                total = sum(raw) if c.symbol in target.simplex else 100
                for j in range(d):
                    coordinates[j][c.symbol] = mpmath.mpf(raw[j]) / total
            with mpmath.workdps(DIGITS):
                terms = [value(difference, {**point, **coordinates[j]}) for j in range(d)]
            if any(t is None for t in terms) or not close(math.fsum(terms), 0.0):  # type: ignore[arg-type]
                return False
    return True


def _affine_on_simplex(difference: sp.Expr, target: Target, size: sp.Expr = D) -> bool:
    """The proof: g = sum_s a_s s + c with sum_s a_s + c d = 0 (a_s, c free of the s)."""
    simplex = target.simplex
    slopes = []
    for s in simplex:
        slope = sp.diff(difference, s)
        if not all(prove_zero(sp.diff(slope, t)) for t in simplex):
            return False
        slopes.append(slope)
    rest = difference - sum(a * s for a, s in zip(slopes, simplex, strict=True))
    if any(prove_zero(sp.diff(rest, t)) is False for t in target.symbols if t not in simplex):
        return False
    return prove_zero(sum(slopes) + rest * size)


def _same_on_simplex(difference: sp.Expr, target: Target) -> str:
    if not _simplex_sums(difference, target, _SIMPLEX_SIZES):
        return DIFFERENT
    return PROVED if _affine_on_simplex(difference, target) else NUMERIC


def dimension_condition(
    a: Form, b: Form, target: Target, sizes: list[int]
) -> tuple[int, bool] | None:
    """The number of categories (one of ``sizes``) for which a line equals the KL, if only one.

    ``q * (log(q) - log(1/10))`` is the KL to the uniform prior exactly when there are 10
    categories: the line is right under that condition. Returns the number and whether
    the equality was proved for it.
    """
    if not target.simplex or a.kind != "red" or b.kind != "red":
        return None
    difference = a.expr - b.expr
    found = [k for k in sizes if k > 1 and _simplex_sums(difference, target, (k,))]
    if len(found) != 1:
        return None
    k = found[0]
    return k, _affine_on_simplex(difference.subs(D, k), target, sp.Integer(k))


def literal_sizes(numbers: list[Fraction]) -> list[int]:
    """Candidate numbers of categories among a line's literals (10 in ``log(1/10)``)."""
    sizes = set()
    for number in numbers:
        for candidate in (number, 1 / number if number else Fraction(0)):
            if candidate.denominator == 1 and 1 < candidate <= 100_000:
                sizes.add(int(candidate))
    return sorted(sizes)
