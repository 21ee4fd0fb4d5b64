r"""The half-normal family ``half_normal(scale)``: :math:`\operatorname{HalfNormal}(\sigma)`
on :math:`(0, \infty)`, density
:math:`\frac{\sqrt{2}}{\sigma\sqrt{\pi}} e^{-z^2/(2\sigma^2)}`.

``scale`` is :math:`\sigma > 0` (PyTorch's name): the law of :math:`|x|` for
:math:`x \sim \mathcal{N}(0, \sigma^2)`. The mean is :math:`\sigma\sqrt{2/\pi}`, the
second moment :math:`\sigma^2`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, Rational, S, Symbol, erf, gamma, log, oo, pi, sqrt

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, root, square, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "HalfNormal"]


class HalfNormal(UnivariateFamily):
    """The half-normal distribution with scale :math:`\\sigma`."""

    name = "half_normal"
    latex_name = r"\operatorname{HalfNormal}"
    parameters = (Parameter("scale", "sigma", "positive", "scale of the folded normal"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return mul(
            div(root(2), mul(scale, root(pi))),
            expo(neg(div(square(variable), mul(2, square(scale))))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (scale,) = args
        return add(
            mul(S.Half, ln(div(2, pi))),
            neg(ln(scale)),
            neg(div(square(variable), mul(2, square(scale)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (scale,) = args
        z = variable
        return {
            z: Moment(z, mul(scale, root(div(2, pi))), "mean"),
            z**2: Moment(z**2, square(scale), "second_moment"),
            log(z): Moment(
                log(z),
                sub(ln(scale), mul(Rational(1, 2), add(EulerGamma, ln(2)))),
                "log_moment",
            ),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        (scale,) = args
        st = scale * t
        return (
            mul(expo(div(square(st), 2)), add(1, erf(div(st, sqrt(2))))),
            S.true,
        )

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (scale,) = args
        return NaturalForm(
            (variable**2,),
            (neg(div(1, mul(2, square(scale)))),),
            -log(-2 * ETA[0]) / 2,
            root(div(2, pi)),
        )

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\sigma^{t} 2^{t/2} \\Gamma((1 + t)/2) / \\sqrt{\\pi}`, finite
        for :math:`t > -1`."""
        (scale,) = args
        return (
            div(
                mul(
                    power(scale, t), power(2, display_form(t / 2)), gamma(display_form((1 + t) / 2))
                ),
                root(pi),
            ),
            t > -1,
        )


FAMILY = HalfNormal()
