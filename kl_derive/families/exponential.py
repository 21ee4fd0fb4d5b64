r"""The exponential family ``exponential(rate)``: :math:`\operatorname{Exp}(\lambda)` on
:math:`(0, \infty)`, density :math:`\lambda e^{-\lambda z}`.

``rate`` is :math:`\lambda > 0` (PyTorch's name); the mean is :math:`1/\lambda`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, S, Symbol, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, square, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Exponential"]


class Exponential(UnivariateFamily):
    """The exponential distribution with rate :math:`\\lambda`."""

    name = "exponential"
    latex_name = r"\operatorname{Exp}"
    parameters = (Parameter("rate", "lambda", "positive", "rate (inverse mean)"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (rate,) = args
        return mul(rate, expo(neg(mul(rate, variable))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (rate,) = args
        return add(ln(rate), neg(mul(rate, variable)))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (rate,) = args
        z = variable
        return {
            z: Moment(z, div(1, rate), "mean"),
            z**2: Moment(z**2, div(2, square(rate)), "second_moment"),
            log(z): Moment(log(z), sub(neg(EulerGamma), ln(rate)), "log_moment"),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        (rate,) = args
        return div(rate, sub(rate, t)), t < rate

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (rate,) = args
        return NaturalForm((variable,), (neg(rate),), -log(-ETA[0]))

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\Gamma(1 + t) / \\lambda^{t}`, finite for :math:`t > -1`."""
        (rate,) = args
        return div(gamma(display_form(1 + t)), power(rate, t)), t > -1


FAMILY = Exponential()
