"""Where an integrand stops being smooth in its variable: the points (in the parameters)
where quadrature splits its range, shared by the verifier's 30-digit quadrature and the
double-precision one of :mod:`.quadrature`."""

from __future__ import annotations

from sympy import Abs, Add, Expr, Piecewise, Symbol, expand
from sympy.core.relational import Relational

__all__ = ["kinks"]


def kinks(f: Expr, variable: Symbol) -> list[Expr]:
    """Where an absolute value in ``f`` changes sign (in the parameters): quadrature
    splits there. A linear argument, or the difference of two positive terms whose log
    ratio is a polynomial of degree 1 or 2 in the variable (two densities of one
    exponential family: ``|q - p|``), whose roots are written out (a complex pair at some
    parameter values is dropped there by the caller)."""
    out = []
    for atom in f.atoms(Abs):
        inner = expand(atom.args[0])
        slope = inner.coeff(variable)
        rest = expand(inner - slope * variable)
        if not slope.has(variable) and slope != 0 and not rest.has(variable):
            out.append(-rest / slope)
            continue
        out.extend(_crossings(atom.args[0], variable))
    out.extend(_jumps(f, variable))
    return out


def _jumps(f: Expr, variable: Symbol) -> list[Expr]:
    """Where a piecewise part of ``f`` (a density zero outside its support, ``a < z``)
    changes branch: the root of each condition linear in the variable."""
    out = []
    for piecewise in f.atoms(Piecewise):
        for _, condition in piecewise.args:
            for relation in condition.atoms(Relational):
                inner = expand(relation.lhs - relation.rhs)
                slope = inner.coeff(variable)
                rest = expand(inner - slope * variable)
                if slope.is_number and slope != 0 and not rest.has(variable):
                    out.append(-rest / slope)
    return out


def _crossings(inner: Expr, variable: Symbol) -> list[Expr]:
    """The roots of ``a - b = 0`` for ``inner = a - b`` (``a, b > 0``) with ``log(a/b)``
    a polynomial of degree at most 2 in ``variable`` (none otherwise)."""
    from sympy import Poly, PolynomialError, expand_log, log, sqrt

    terms = Add.make_args(inner)
    if len(terms) != 2:
        return []
    first, second = terms
    if first.could_extract_minus_sign():
        first, second = second, first
    if not second.could_extract_minus_sign() or first.could_extract_minus_sign():
        return []
    ratio = expand(expand_log(log(first) - log(-second), force=True))
    try:
        poly = Poly(ratio, variable)
    except PolynomialError:
        return []
    if poly.degree() == 1:
        b, c = poly.all_coeffs()
        return [-c / b]
    if poly.degree() == 2:
        a, b, c = poly.all_coeffs()
        root = sqrt(b**2 - 4 * a * c)
        # with a = 0 at some parameter values (equal scales) the one root is -c/b there
        return [(-b - root) / (2 * a), (-b + root) / (2 * a), -c / b]
    return []
