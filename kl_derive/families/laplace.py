r"""The Laplace family ``laplace(loc, scale)``: :math:`\operatorname{Laplace}(\mu, b)` on
the real line, density :math:`\frac{1}{2b} e^{-|z - \mu|/b}`.

``loc`` is the location (and median) :math:`\mu`, ``scale`` is :math:`b > 0`; the
variance is :math:`2b^{2}`. Its log density has :math:`|z - \mu|`, whose expectation is
found by splitting the integral at the kink.
"""

from __future__ import annotations

from sympy import Abs, Expr, Symbol, oo

from ..symbolic.display import add, div, evaluate, expo, ln, mul, neg, power, square, sub
from .base import Moment, Parameter, UnivariateFamily, absolute_deviation_point

__all__ = ["FAMILY", "Laplace"]


class Laplace(UnivariateFamily):
    """The Laplace (double exponential) distribution."""

    name = "laplace"
    latex_name = r"\operatorname{Laplace}"
    parameters = (
        Parameter("loc", "mu", "real", "location (median)"),
        Parameter("scale", "b", "positive", "scale"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-oo, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return mul(div(1, mul(2, scale)), expo(neg(div(Abs(sub(variable, loc)), scale))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return add(neg(ln(mul(2, scale))), neg(div(Abs(sub(variable, loc)), scale)))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale = args
        z = variable
        return {
            z: Moment(z, loc, "mean"),
            z**2: Moment(z**2, add(square(loc), mul(2, square(scale))), "second_moment"),
        }

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        loc, scale = args
        statistic = evaluate(statistic)
        point = absolute_deviation_point(statistic, variable)  # |z - point|
        if point is not None:
            gap = Abs(sub(loc, point)) if point != 0 else Abs(loc)
            if evaluate(gap) == 0:  # the mean absolute deviation about the median
                return Moment(statistic, scale, "abs_moment")
            value = add(gap, mul(scale, expo(neg(div(gap, scale)))))
            return Moment(statistic, value, "abs_moment")
        return super().expectation(statistic, variable, args)

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        loc, scale = args
        value = div(expo(mul(loc, t)), sub(1, mul(square(scale), square(t))))
        return value, Abs(t) < power(scale, -1)


FAMILY = Laplace()
