r"""The half-Cauchy family ``half_cauchy(scale)``: :math:`\operatorname{HalfCauchy}(\gamma)`
on :math:`(0, \infty)`, density :math:`\frac{2\gamma}{\pi (z^2 + \gamma^2)}`.

``scale`` is :math:`\gamma > 0` (PyTorch's name): the law of :math:`|x|` for
:math:`x \sim \operatorname{Cauchy}(0, \gamma)`, a common prior on scale parameters. It
has no mean; by symmetry the expectations of :math:`\log(z^2 + b^2)` and :math:`\log z`
are those of the Cauchy law, :math:`2\log(\gamma + b)` and :math:`\log\gamma`.
"""

from __future__ import annotations

from sympy import And, Expr, S, Symbol, cos, log, oo, pi

from ..symbolic.display import add, display_form, div, ln, mul, neg, power, square
from .base import Moment, Parameter, UnivariateFamily
from .cauchy import log_square_distance

__all__ = ["FAMILY", "HalfCauchy"]


class HalfCauchy(UnivariateFamily):
    """The half-Cauchy distribution with scale :math:`\\gamma`."""

    name = "half_cauchy"
    latex_name = r"\operatorname{HalfCauchy}"
    parameters = (Parameter("scale", "gamma", "positive", "scale (the median)"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return div(mul(2, scale), mul(pi, add(square(variable), square(scale))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return add(
            ln(mul(2, scale)),
            neg(ln(pi)),
            neg(ln(add(square(variable), square(scale)))),
        )

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        from ..symbolic.display import evaluate

        (scale,) = args
        statistic = evaluate(statistic)
        if statistic == log(variable):
            return Moment(statistic, ln(scale), "poisson_kernel")
        found = log_square_distance(statistic, variable)
        if found is None or found[0] != 0:
            return super().expectation(statistic, variable, args)
        value = mul(2, ln(display_form(scale + found[1])))
        return Moment(statistic, value, "poisson_kernel")

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\gamma^{t} / \\cos(\\pi t / 2)`, finite for :math:`-1 < t < 1`."""
        (scale,) = args
        return div(power(scale, t), cos(display_form(pi * t / 2))), And(t > -1, t < 1)


FAMILY = HalfCauchy()
