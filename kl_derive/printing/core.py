"""What the LaTeX and Unicode printers share: how an expression is read for printing.

The two printers (:mod:`.latex`, :mod:`.unicode`) are dialects of one reading: a sum is
a run of terms each joined by its sign (:func:`signed_terms`); a product is a sign, a
rational coefficient, a numerator and a denominator (:func:`fraction_parts`); a factor
is bracketed when it is a sum or carries a sign (:func:`needs_brackets`). This module
holds that reading; each dialect says how the pieces are written (``\\frac`` or ``/``,
``-`` or ``−``, ``\\left(`` or ``(``).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Add, Expr, Indexed, Mul, Number, Pow, Rational, S, Symbol
from sympy.core.function import AppliedUndef

from ..symbolic.matrices import MatDet

__all__ = [
    "fraction_parts",
    "has_inverse",
    "is_inverse",
    "is_number",
    "is_simple",
    "needs_brackets",
    "signed_terms",
    "split_sign",
]


def is_number(e: Expr) -> bool:
    return isinstance(e, Number)


def is_inverse(e: Expr) -> bool:
    """A factor that belongs in a denominator: ``x**-1``, ``x**-2``, ``x**(-1/2)``."""
    return isinstance(e, Pow) and is_number(e.exp) and e.exp.is_negative


def has_inverse(e: Expr) -> bool:
    """A product with a factor that belongs in a denominator."""
    return isinstance(e, Mul) and any(is_inverse(f) for f in e.args)


def is_simple(e: Expr) -> bool:
    """Short enough to follow ``log`` (or ``e^``) without brackets: a symbol, a function
    value, a coordinate, a determinant, a positive whole number, or a symbol's positive
    whole power."""
    if isinstance(e, (Symbol, AppliedUndef, Indexed, MatDet)):
        return True
    if is_number(e):
        return bool(e.is_positive and e.is_Integer)
    if isinstance(e, Pow):
        return isinstance(e.base, (Symbol, Indexed)) and e.exp.is_Integer and e.exp.is_positive
    return False


def split_sign(term: Expr) -> tuple[bool, Expr]:
    """``(True, x)`` for ``-x`` (a negative number or a product with a negative coefficient)."""
    if is_number(term) and term.is_negative:
        return True, -term
    if isinstance(term, Mul):
        args = list(term.args)
        for i, factor in enumerate(args):
            if is_number(factor):
                if factor.is_negative:
                    rest = args[:i] + ([-factor] if factor != -1 else []) + args[i + 1 :]
                    if not rest:
                        return True, S.One
                    if len(rest) == 1:
                        return True, rest[0]
                    return True, Mul(*rest, evaluate=False)
                break
    return False, term


def signed_terms(expr: Add, term: Callable[[Expr], str]) -> list[tuple[bool, str]]:
    """The terms of a sum in order, each as ``(negative, text of its magnitude)``, the
    text written by ``term``; a dialect joins them with its signs."""
    out = []
    for summand in expr.args:
        negative, magnitude = split_sign(summand)
        out.append((negative, term(magnitude)))
    return out


def fraction_parts(magnitude: Mul) -> tuple[Rational, list[Expr], list[Expr]]:
    """A product (its sign already split off) as ``(coefficient, numerator,
    denominator)``: a leading rational coefficient, the factors above the line and those
    below it (``x**-2`` below as ``x**2``; a fraction under a fraction kept whole)."""
    coeff: Rational = S.One
    numerator: list[Expr] = []
    denominator: list[Expr] = []
    for factor in magnitude.args:
        if isinstance(factor, Rational) and factor.q != 1 and not numerator and coeff == 1:
            coeff = factor
        elif is_inverse(factor):
            if factor.exp == -1 and has_inverse(factor.base):
                denominator.append(factor.base)  # a fraction over a fraction
            elif factor.exp == -1:
                denominator.extend(Mul.make_args(factor.base))
            else:
                denominator.append(Pow(factor.base, -factor.exp, evaluate=False))
        else:
            numerator.append(factor)
    return coeff, numerator, denominator


def needs_brackets(factor: Expr) -> bool:
    """Whether a factor of a product is bracketed: a sum, a negative number, or a product
    that carries a minus sign."""
    if isinstance(factor, Add):
        return True
    if is_number(factor) and factor.is_negative:
        return True
    return isinstance(factor, Mul) and split_sign(factor)[0]
