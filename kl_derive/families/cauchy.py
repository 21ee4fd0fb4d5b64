r"""The Cauchy family ``cauchy(loc, scale)``: :math:`\operatorname{Cauchy}(\mu, \gamma)` on
the real line, density :math:`\frac{\gamma}{\pi\left((z - \mu)^2 + \gamma^2\right)}`.

``loc`` is the median :math:`\mu`, ``scale`` the half width at half maximum
:math:`\gamma > 0` (PyTorch's names and order). The law has no mean; what the catalog
needs is :math:`E[\log((z - a)^2 + b^2)] = \log((\mu - a)^2 + (\gamma + b)^2)` for
:math:`b \ge 0`: the density is the Poisson kernel of the upper half-plane, and
:math:`\log|z - (a - ib)|^2` is harmonic there, so its mean is its value at
:math:`\mu + i\gamma`.
"""

from __future__ import annotations

from sympy import Expr, Poly, PolynomialError, Symbol, log, oo, pi, sqrt

from ..symbolic.display import add, display_form, div, ln, mul, neg, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Cauchy", "log_square_distance"]


def log_square_distance(statistic: Expr, variable: Symbol) -> tuple[Expr, Expr] | None:
    """``(a, b)`` with ``b >= 0`` when ``statistic`` is ``log((variable - a)^2 + b^2)``."""
    if not isinstance(statistic, log):
        return None
    try:
        poly = Poly(statistic.args[0], variable)
    except PolynomialError:
        return None
    if poly.degree() != 2 or poly.LC() != 1:
        return None
    _, c1, c0 = poly.all_coeffs()
    a = -c1 / 2
    b = sqrt((c0 - a**2).factor())
    if not b.is_nonnegative or b.has(variable):
        return None
    return a, b


class Cauchy(UnivariateFamily):
    """The Cauchy distribution with median :math:`\\mu` and scale :math:`\\gamma`."""

    name = "cauchy"
    latex_name = r"\operatorname{Cauchy}"
    parameters = (
        Parameter("loc", "mu", "real", "location (median)"),
        Parameter("scale", "gamma", "positive", "scale (half width at half maximum)"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-oo, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return div(scale, mul(pi, add(square(sub(variable, loc)), square(scale))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return add(
            ln(scale),
            neg(ln(pi)),
            neg(ln(add(square(sub(variable, loc)), square(scale)))),
        )

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        from ..symbolic.display import evaluate

        loc, scale = args
        statistic = evaluate(statistic)
        found = log_square_distance(statistic, variable)
        if found is None:
            return None
        a, b = found
        value = ln(
            add(
                square(display_form(loc - a)),
                square(display_form(scale + b)),
            )
        )
        return Moment(statistic, value, "poisson_kernel")


FAMILY = Cauchy()
