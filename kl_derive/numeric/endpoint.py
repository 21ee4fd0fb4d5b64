"""An integrand written in the distance ``d`` to a finite end of its range, without
cancellation.

Quadrature reaches an end ``E`` through ``z = E + s d`` with ``d`` down to ``e^{-10^4}``
(the verifier's 30-digit quadrature, and the double-precision one of :mod:`.quadrature`).
Substituting naively, ``z`` rounds to ``E`` once ``d`` is below the working precision,
and ``1 - z^a`` at ``z = 1 - d`` becomes ``0`` (its true value is ``a d``): a
Kumaraswamy law with ``b = 1/10`` keeps a tenth of its mass where ``1 - z^a < 10^{-10}``,
so the flushed values lose digits that no tolerance covers.
Here ``z^c`` becomes ``E^c e^{c log1p(s d / E)}``, ``log z`` becomes
``log E + log1p(s d / E)``, and a sum ``k - k e^{t}`` becomes ``-k expm1(t)``: each
value is then computed to full relative precision however small ``d`` is.
"""

from __future__ import annotations

from sympy import Add, Expr, Mul, Pow, S, Symbol, exp, log
from sympy.codegen.cfunctions import expm1, log1p

__all__ = ["near_end"]


def near_end(f: Expr, variable: Symbol, end: Expr, sign: int, d: Symbol) -> Expr:
    """``f`` at ``variable = end + sign * d``, rewritten without cancellation where
    ``end`` is a positive number (elsewhere, and at ``end = 0``, the plain substitution,
    which loses nothing at ``0``)."""
    end = S(end)
    if not (end.is_number and end.is_positive):
        return f.xreplace({variable: end + sign * d})
    shift = log1p(sign * d / end)

    def power(e: Expr) -> Expr:
        return end**e.exp * exp(e.exp * shift)

    f = f.replace(lambda e: isinstance(e, Pow) and e.base == variable, power)
    f = f.replace(
        lambda e: isinstance(e, log) and e.args[0] == variable, lambda e: log(end) + shift
    )
    f = f.xreplace({variable: end + sign * d})
    return f.replace(lambda e: isinstance(e, Add), _expm1_terms)


def _expm1_terms(total: Expr) -> Expr:
    """``k + ... - k e^{t}`` as ``... - k expm1(t)`` (``t`` depending on ``d``)."""
    terms = list(Add.make_args(total))
    if len(terms) < 2:
        return total
    for i, term in enumerate(terms):
        factors = Mul.make_args(term)
        exponentials = [f for f in factors if isinstance(f, exp)]
        if len(exponentials) != 1:
            continue
        (exponential,) = exponentials
        coefficient = Mul(*(f for f in factors if f is not exponential))
        for j, other in enumerate(terms):
            if j != i and (other + coefficient) == 0:
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                merged = Mul(coefficient, expm1(exponential.args[0]), evaluate=False)
                return _expm1_terms(Add(*rest, merged)) if rest else merged
    return total
