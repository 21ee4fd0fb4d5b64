"""A cheap numeric screen before an expensive symbolic zero test.

``cancel(e) == 0`` proves an identity of rational functions in ``e``'s generators
(symbols, ``log(a)``, ``exp(b)``...), which then holds at every point where ``e`` is
defined. Evaluated at one generic point, to 30 digits, an ``e`` that is clearly not zero
there cannot cancel to zero, and the costly cancellation (seconds for a difference of
logarithms and exponentials that is not zero) is skipped; the verifier then goes on to
its numeric checks as it would have after a failed cancellation. Anything doubtful (a
point outside the domain, a complex value, a function without an mpmath counterpart, a
value that might be rounding) is not screened.
"""

from __future__ import annotations

import random

import mpmath
from sympy import Add, Expr, Symbol

from .evaluate import Unknown, compile_mp

__all__ = ["clearly_nonzero"]


def clearly_nonzero(e: Expr) -> bool:
    """Whether ``e`` is, beyond doubt, not identically zero."""
    try:
        terms = [compile_mp(term, strict=True) for term in Add.make_args(e)]
    except Unknown:
        return False
    if not all(isinstance(s, Symbol) for s in e.free_symbols):
        return False
    rng = random.Random(str(sorted(map(str, e.free_symbols))))
    # a point in (0, 1) first (a probability), then a wider one
    return any(
        _clearly_nonzero_at(terms, {s: _generic(s, rng, wide) for s in e.free_symbols})
        for wide in (False, True)
    )


def _clearly_nonzero_at(terms: list, env: dict) -> bool:
    with mpmath.workdps(30):
        try:
            values = [term(env) for term in terms]
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError):
            return False
        if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in values):
            return False
        total = mpmath.fsum(values)
        scale = max([mpmath.mpf(1), *(abs(v) for v in values)])
        return abs(total) > mpmath.mpf(10) ** -15 * scale


def _generic(symbol: Symbol, rng: random.Random, wide: bool) -> mpmath.mpf:
    """A value with the symbol's assumptions (sign, integer, even or odd), on which
    SymPy's automatic simplifications of ``e`` may rest."""
    sign = -1 if symbol.is_negative or symbol.is_nonpositive else 1
    if symbol.is_integer:
        k = rng.randint(1, 4)
        k = 2 * k if symbol.is_even else 2 * k + 1 if symbol.is_odd else k + 1
        return mpmath.mpf(sign * k)
    value = mpmath.mpf(rng.randint(5000, 20000) if wide else rng.randint(500, 9500)) / 9973
    return sign * value
