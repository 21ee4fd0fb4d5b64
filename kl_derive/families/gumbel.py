r"""The Gumbel family ``gumbel(loc, scale)``: :math:`\operatorname{Gumbel}(\mu, \beta)` on
the real line, density
:math:`\frac{1}{\beta} \exp\left(-\frac{z - \mu}{\beta} - e^{-(z - \mu)/\beta}\right)`.

``loc`` is the mode :math:`\mu`, ``scale`` is :math:`\beta > 0` (PyTorch's names and
order): the law of the maximum of many independent light-tailed variables. The mean is
:math:`\mu + \gamma\beta` (:math:`\gamma` is Euler's constant), the variance
:math:`\pi^2\beta^2/6`, and :math:`E[e^{tz}] = \Gamma(1 - \beta t) e^{\mu t}` for
:math:`t < 1/\beta`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, Rational, Symbol, expand, gamma, pi

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, square
from .base import LocationScaleFamily, Moment, Parameter

__all__ = ["FAMILY", "Gumbel"]


class Gumbel(LocationScaleFamily):
    """The Gumbel (type I extreme value) distribution with mode :math:`\\mu` and scale
    :math:`\\beta`."""

    name = "gumbel"
    latex_name = r"\operatorname{Gumbel}"
    parameters = (
        Parameter("loc", "mu", "real", "location (mode)"),
        Parameter("scale", "beta", "positive", "scale"),
    )

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        _loc, scale = args
        y = self.standardized(variable, args)
        return mul(div(1, scale), expo(neg(add(y, expo(neg(y))))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        _loc, scale = args
        y = self.standardized(variable, args)
        return add(neg(ln(scale)), neg(y), neg(expo(neg(y))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale = args
        z = variable
        mean = add(loc, mul(EulerGamma, scale))
        return {
            z: Moment(z, mean, "mean"),
            z**2: Moment(
                z**2,
                add(square(mean), mul(Rational(1, 6), square(pi), square(scale))),
                "second_moment",
            ),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        loc, scale = args
        shape = display_form(expand(1 - scale * t))
        return mul(gamma(shape), expo(display_form(loc * t))), t < 1 / scale


FAMILY = Gumbel()
