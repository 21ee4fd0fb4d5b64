r"""The gamma family ``gamma(concentration, rate)``: :math:`\operatorname{Gamma}(\alpha,
\beta)` on :math:`(0, \infty)`, density
:math:`\frac{\beta^{\alpha}}{\Gamma(\alpha)} z^{\alpha - 1} e^{-\beta z}`.

``concentration`` is the shape :math:`\alpha > 0`, ``rate`` is :math:`\beta > 0`
(PyTorch's names and order); the mean is :math:`\alpha/\beta`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, digamma, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, square, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Gamma"]


class Gamma(UnivariateFamily):
    """The gamma distribution with shape :math:`\\alpha` and rate :math:`\\beta`."""

    name = "gamma"
    latex_name = r"\operatorname{Gamma}"
    parameters = (
        Parameter("concentration", "alpha", "positive", "shape"),
        Parameter("rate", "beta", "positive", "rate (inverse scale)"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        shape, rate = args
        return mul(
            div(power(rate, shape), gamma(shape)),
            power(variable, sub(shape, 1)),
            expo(neg(mul(rate, variable))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        shape, rate = args
        return add(
            mul(shape, ln(rate)),
            neg(ln(gamma(shape))),
            mul(sub(shape, 1), ln(variable)),
            neg(mul(rate, variable)),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        shape, rate = args
        z = variable
        return {
            z: Moment(z, div(shape, rate), "mean"),
            z**2: Moment(z**2, div(mul(shape, add(shape, 1)), square(rate)), "second_moment"),
            log(z): Moment(log(z), sub(digamma(shape), ln(rate)), "log_partition"),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        shape, rate = args
        return power(sub(1, div(t, rate)), neg(shape)), t < rate

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        shape, rate = args
        e1, e2 = ETA[:2]
        return NaturalForm(
            (log(variable), variable),
            (sub(shape, 1), neg(rate)),
            log(gamma(e1 + 1)) - (e1 + 1) * log(-e2),
        )

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\Gamma(\\alpha + t) / (\\Gamma(\\alpha) \\beta^{t})`, finite for
        :math:`t > -\\alpha`."""
        shape, rate = args
        return (
            div(gamma(display_form(shape + t)), mul(gamma(shape), power(rate, t))),
            t > -shape,
        )


FAMILY = Gamma()
