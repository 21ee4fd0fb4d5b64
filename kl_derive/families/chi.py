r"""The chi family ``chi(df)``: :math:`\chi(k)` on :math:`(0, \infty)`, density
:math:`\frac{z^{k - 1} e^{-z^2/2}}{2^{k/2 - 1}\Gamma(k/2)}`.

``df`` is the degrees of freedom :math:`k > 0`: the length of a vector of :math:`k`
independent standard normals (:math:`z^2 \sim \chi^2(k)`). :math:`E[z^2] = k`,
:math:`E[\log z] = (\psi(k/2) + \log 2)/2` and
:math:`E[z^t] = 2^{t/2}\Gamma((k + t)/2)/\Gamma(k/2)`.
"""

from __future__ import annotations

from sympy import Expr, Rational, S, Symbol, digamma, gamma, log, oo

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, root, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Chi"]


class Chi(UnivariateFamily):
    """The chi distribution with :math:`k` degrees of freedom."""

    name = "chi"
    latex_name = r"\chi"
    parameters = (Parameter("df", "k", "positive", "degrees of freedom"),)
    standard = (1,)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (df,) = args
        return div(
            mul(power(variable, sub(df, 1)), expo(neg(div(square(variable), 2)))),
            mul(power(2, sub(div(df, 2), 1)), gamma(div(df, 2))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (df,) = args
        return add(
            neg(mul(sub(div(df, 2), 1), ln(2))),
            neg(ln(gamma(div(df, 2)))),
            mul(sub(df, 1), ln(variable)),
            neg(div(square(variable), 2)),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (df,) = args
        z = variable
        mean = div(mul(root(2), gamma(display_form((df + 1) / 2))), gamma(div(df, 2)))
        return {
            z: Moment(z, mean, "mean"),
            z**2: Moment(z**2, df, "second_moment"),
            log(z): Moment(
                log(z),
                mul(Rational(1, 2), add(digamma(div(df, 2)), ln(2))),
                "log_moment",
            ),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        (df,) = args
        return (
            div(
                mul(power(2, display_form(t / 2)), gamma(display_form((df + t) / 2))),
                gamma(div(df, 2)),
            ),
            t > -df,
        )


FAMILY = Chi()
