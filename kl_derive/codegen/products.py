"""A divergence that is a function of a product over independent coordinates (Hellinger
and chi-square between diagonal Gaussians), as code: the logarithms of the coordinates'
factors, summed over the latent axis, and the function of that sum."""

from __future__ import annotations

from sympy import Expr, Product, Sum, Symbol, log

from ..errors import KLDeriveError

__all__ = ["product_logarithms"]


def product_logarithms(result: Expr, what: str) -> tuple[Expr, Expr]:
    """A result ``1 - prod_j f_j`` (Hellinger) or ``{prod_j f_j - 1 if C_j; oo}`` (chi-square)
    as the sum over the coordinates of ``log f_j`` (infinite where ``C_j`` fails), and the
    function of that sum ``d`` the code returns (``1 - e^d``, ``e^d - 1``)."""
    from sympy import Piecewise, exp, expand_log, oo

    (product,) = result.atoms(Product) or (None,)
    total = Symbol("d")
    condition = None
    shape = result
    if isinstance(result, Piecewise) and len(result.args) == 2 and result.args[1][0] == oo:
        (shape, condition), _ = result.args
    if product is None or len(result.atoms(Product)) != 1:
        raise KLDeriveError(f"the {what} is not one product over the coordinates; no code")
    if shape == 1 - product:
        combine = 1 - exp(total)
    elif shape == product - 1:
        combine = exp(total) - 1
    else:
        raise KLDeriveError(f"the {what} is not 1 - prod or prod - 1 over the coordinates")
    summed = Sum(expand_log(log(product.function), force=True), *product.limits)
    if condition is not None:
        summed = Piecewise((summed, condition), (oo, True))
    return summed, combine
