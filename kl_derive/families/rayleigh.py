r"""The Rayleigh family ``rayleigh(scale)``: :math:`\operatorname{Rayleigh}(\sigma)` on
:math:`(0, \infty)`, density :math:`\frac{z}{\sigma^2} e^{-z^2/(2\sigma^2)}`.

``scale`` is :math:`\sigma > 0`: the length of a two-dimensional vector with independent
:math:`\mathcal{N}(0, \sigma^2)` coordinates. :math:`E[z] = \sigma\sqrt{\pi/2}`,
:math:`E[z^2] = 2\sigma^2`, :math:`E[\log z] = \log\sigma + (\log 2 - \gamma)/2`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, Rational, S, Symbol, gamma, log, oo, pi

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, root, square, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Rayleigh"]


class Rayleigh(UnivariateFamily):
    """The Rayleigh distribution with scale :math:`\\sigma`."""

    name = "rayleigh"
    latex_name = r"\operatorname{Rayleigh}"
    parameters = (Parameter("scale", "sigma", "positive", "scale"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return mul(
            div(variable, square(scale)),
            expo(neg(div(square(variable), mul(2, square(scale))))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return add(
            ln(variable),
            neg(mul(2, ln(scale))),
            neg(div(square(variable), mul(2, square(scale)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (scale,) = args
        z = variable
        return {
            z: Moment(z, mul(scale, root(div(pi, 2))), "mean"),
            z**2: Moment(z**2, mul(2, square(scale)), "second_moment"),
            log(z): Moment(
                log(z),
                add(ln(scale), mul(Rational(1, 2), sub(ln(2), EulerGamma))),
                "log_moment",
            ),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        (scale,) = args
        return (
            mul(power(mul(root(2), scale), t), gamma(display_form(1 + t / 2))),
            t > -2,
        )

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (scale,) = args
        return NaturalForm(
            (variable**2,), (neg(div(1, mul(2, square(scale)))),), -log(-2 * ETA[0]), variable
        )


FAMILY = Rayleigh()
