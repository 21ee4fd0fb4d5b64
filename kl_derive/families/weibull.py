r"""The Weibull family ``weibull(scale, concentration)``:
:math:`\operatorname{Weibull}(\lambda, k)` on :math:`(0, \infty)`, density
:math:`\frac{k}{\lambda}\left(\frac{z}{\lambda}\right)^{k - 1} e^{-(z/\lambda)^{k}}`.

``scale`` is :math:`\lambda > 0` and ``concentration`` the shape :math:`k > 0`
(PyTorch's names and order): a lifetime law whose hazard grows (:math:`k > 1`) or falls
(:math:`k < 1`) as a power of time. :math:`E[z^t] = \lambda^t \Gamma(1 + t/k)` for
:math:`t > -k` and :math:`E[\log z] = \log\lambda - \gamma/k`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, S, Symbol, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Weibull"]


class Weibull(UnivariateFamily):
    """The Weibull distribution with scale :math:`\\lambda` and shape :math:`k`."""

    name = "weibull"
    latex_name = r"\operatorname{Weibull}"
    parameters = (
        Parameter("scale", "lambda", "positive", "scale"),
        Parameter("concentration", "k", "positive", "shape"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        scale, shape = args
        ratio = div(variable, scale)
        return mul(div(shape, scale), power(ratio, sub(shape, 1)), expo(neg(power(ratio, shape))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        scale, shape = args
        return add(
            ln(shape),
            neg(mul(shape, ln(scale))),
            mul(sub(shape, 1), ln(variable)),
            neg(power(div(variable, scale), shape)),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        scale, shape = args
        z = variable
        return {
            log(z): Moment(log(z), sub(ln(scale), div(EulerGamma, shape)), "log_moment"),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        scale, shape = args
        return mul(power(scale, t), gamma(display_form(1 + t / shape))), t > -shape


FAMILY = Weibull()
