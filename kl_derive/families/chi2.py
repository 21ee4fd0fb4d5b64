r"""The chi-squared family ``chi2(df)``: :math:`\chi^2(\nu)` on :math:`(0, \infty)`,
density :math:`\frac{1}{2^{\nu/2}\Gamma(\nu/2)} z^{\nu/2 - 1} e^{-z/2}`.

``df`` is the degrees of freedom :math:`\nu > 0` (PyTorch's name; any positive real):
the law of a sum of :math:`\nu` squared standard normals, a gamma law with shape
:math:`\nu/2` and rate :math:`1/2`. The mean is :math:`\nu`, :math:`E[\log z] =
\psi(\nu/2) + \log 2` and :math:`E[z^t] = 2^t\Gamma(\nu/2 + t)/\Gamma(\nu/2)`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, digamma, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "ChiSquared"]


class ChiSquared(UnivariateFamily):
    """The chi-squared distribution with :math:`\\nu` degrees of freedom."""

    name = "chi2"
    latex_name = r"\chi^2"
    parameters = (Parameter("df", "nu", "positive", "degrees of freedom"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (df,) = args
        half = div(df, 2)
        return mul(
            div(1, mul(power(2, half), gamma(half))),
            power(variable, sub(half, 1)),
            expo(neg(div(variable, 2))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (df,) = args
        half = div(df, 2)
        return add(
            neg(mul(half, ln(2))),
            neg(ln(gamma(half))),
            mul(sub(half, 1), ln(variable)),
            neg(div(variable, 2)),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (df,) = args
        z = variable
        return {
            z: Moment(z, df, "mean"),
            z**2: Moment(z**2, mul(df, add(df, 2)), "second_moment"),
            log(z): Moment(log(z), add(digamma(div(df, 2)), ln(2)), "log_moment"),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        (df,) = args
        return (
            div(mul(power(2, t), gamma(display_form(df / 2 + t))), gamma(div(df, 2))),
            t > -df / 2,
        )

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        (df,) = args
        return power(sub(1, mul(2, t)), neg(div(df, 2))), t < S.Half


FAMILY = ChiSquared()
