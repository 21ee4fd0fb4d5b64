r"""The Pareto family ``pareto(scale, alpha)``: :math:`\operatorname{Pareto}(x_{m},
\alpha)` on :math:`(x_{m}, \infty)`, density :math:`\frac{\alpha x_{m}^{\alpha}}{z^{\alpha +
1}}`.

``scale`` is the lower end :math:`x_{m} > 0` of the support, ``alpha`` the tail index
:math:`\alpha > 0` (PyTorch's names and order). The mean is finite only for
:math:`\alpha > 1` and the second moment only for :math:`\alpha > 2`.
"""

from __future__ import annotations

from sympy import Expr, Symbol, log, oo

from ..symbolic.display import add, display_form, div, ln, mul, neg, power, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Pareto"]


class Pareto(UnivariateFamily):
    """The Pareto (type I) distribution."""

    name = "pareto"
    latex_name = r"\operatorname{Pareto}"
    parameters = (
        Parameter("scale", "x_m", "positive", "lower end of the support"),
        Parameter("alpha", "alpha", "positive", "tail index"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (args[0], oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        scale, alpha = args
        return div(mul(alpha, power(scale, alpha)), power(variable, add(alpha, 1)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        scale, alpha = args
        return add(ln(alpha), mul(alpha, ln(scale)), neg(mul(add(alpha, 1), ln(variable))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        scale, alpha = args
        z = variable
        return {
            log(z): Moment(log(z), add(ln(scale), div(1, alpha)), "log_moment"),
            z: Moment(z, div(mul(alpha, scale), sub(alpha, 1)), "mean", alpha > 1),
            z**2: Moment(
                z**2, div(mul(alpha, square(scale)), sub(alpha, 2)), "second_moment", alpha > 2
            ),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\alpha x_m^{t} / (\\alpha - t)`, finite for :math:`t < \\alpha`."""
        scale, alpha = args
        return div(mul(alpha, power(scale, t)), display_form(alpha - t)), t < alpha


FAMILY = Pareto()
