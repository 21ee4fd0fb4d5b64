r"""The inverse-gamma family ``inverse_gamma(concentration, rate)``:
:math:`\operatorname{InvGamma}(\alpha, \beta)` on :math:`(0, \infty)`, density
:math:`\frac{\beta^{\alpha}}{\Gamma(\alpha)} z^{-\alpha - 1} e^{-\beta/z}`.

``concentration`` is the shape :math:`\alpha > 0`, ``rate`` the scale :math:`\beta > 0`
(the names of the gamma law whose reciprocal it is: :math:`1/z \sim
\operatorname{Gamma}(\alpha, \beta)`). :math:`E[1/z] = \alpha/\beta`, :math:`E[\log z]
= \log\beta - \psi(\alpha)`, :math:`E[z^t] = \beta^t\Gamma(\alpha - t)/\Gamma(\alpha)`
for :math:`t < \alpha` (the mean, :math:`t = 1`, needs :math:`\alpha > 1`).
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, digamma, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "InverseGamma"]


class InverseGamma(UnivariateFamily):
    """The inverse-gamma distribution with shape :math:`\\alpha` and scale :math:`\\beta`."""

    name = "inverse_gamma"
    latex_name = r"\operatorname{InvGamma}"
    parameters = (
        Parameter("concentration", "alpha", "positive", "shape"),
        Parameter("rate", "beta", "positive", "scale (the rate of 1/z)"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        shape, rate = args
        return mul(
            div(power(rate, shape), gamma(shape)),
            power(variable, sub(neg(shape), 1)),
            expo(neg(div(rate, variable))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        shape, rate = args
        return add(
            mul(shape, ln(rate)),
            neg(ln(gamma(shape))),
            neg(mul(add(shape, 1), ln(variable))),
            neg(div(rate, variable)),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        shape, rate = args
        z = variable
        return {
            1 / z: Moment(1 / z, div(shape, rate), "reciprocal"),
            log(z): Moment(log(z), sub(ln(rate), digamma(shape)), "log_partition"),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        shape, rate = args
        return (
            div(mul(power(rate, t), gamma(display_form(shape - t))), gamma(shape)),
            t < shape,
        )


FAMILY = InverseGamma()
