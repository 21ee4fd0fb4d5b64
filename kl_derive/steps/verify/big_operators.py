"""Sums and products with numeric bounds written out (and the multivariate gamma and
digamma functions of a numeric order, a product and a sum)."""

from __future__ import annotations

from sympy import Add, Expr, Integral, Mul, Product, S, Sum

from ...symbolic.objects import COUNT

__all__ = ["expand_big_operators"]


def expand_big_operators(e: Expr) -> Expr:
    """Write out sums and products whose bounds are (finite) numbers; a sum over the
    values of a discrete variable (its index is nonnegative) stays a sum. The
    multivariate gamma and digamma functions of a numeric order are a product and a sum
    too, and are written out likewise."""
    from ...symbolic.matrices import MultiDigamma, MultiGamma

    e = e.replace(
        lambda x: isinstance(x, (MultiGamma, MultiDigamma)) and x.args[1].is_Integer,
        lambda x: x.doit(deep=False),
    )
    return e.replace(
        lambda x: (
            isinstance(x, (Sum, Product))
            and all(b.is_number and b.is_finite for b in x.limits[0][1:])
            and x.limits[0][0] != COUNT
        ),
        _written_out,
    )


def _written_out(x: Sum | Product) -> Expr:
    """A sum or product with numeric bounds, written out. A term holding an integral
    over a variable indexed by the summation index (``int f(z_j) dz_j``) hides the index
    from SymPy, whose ``doit`` would take the term as constant: it is substituted term by
    term instead."""
    if not x.function.has(Integral) or len(x.limits) != 1:
        return x.doit(deep=False)
    index, lower, upper = x.limits[0]
    terms = [x.function.xreplace({index: S(k)}) for k in range(int(lower), int(upper) + 1)]
    return (Add if isinstance(x, Sum) else Mul)(*terms)
