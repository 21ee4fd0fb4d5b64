r"""The Student-t family ``student_t(df, loc, scale)``: :math:`t_{\nu}(\mu, \sigma)` on the
real line, density

.. math::

    \frac{\Gamma\left(\frac{\nu + 1}{2}\right)}{\Gamma\left(\frac{\nu}{2}\right)
    \sqrt{\nu\pi}\,\sigma}\left(1 + \frac{(z - \mu)^2}{\nu\sigma^2}\right)^{-\frac{\nu + 1}{2}}.

``df`` is the number of degrees of freedom :math:`\nu > 0`, ``loc`` the centre
:math:`\mu`, ``scale`` :math:`\sigma > 0` (PyTorch's names and order). The mean
:math:`\mu` exists only for :math:`\nu > 1` and :math:`E[(z - \mu)^2] = \nu\sigma^2/(\nu -
2)` only for :math:`\nu > 2`; with :math:`z = \mu + \sigma\sqrt{\nu}\tan\theta`,
:math:`\theta` having density :math:`\propto\cos^{\nu - 1}\theta` on
:math:`(-\pi/2, \pi/2)`, one finds

.. math::

    E\left[\log\left((z - \mu)^2 + \nu\sigma^2\right)\right]
      = \log(\nu\sigma^2) + \psi\left(\tfrac{\nu + 1}{2}\right) - \psi\left(\tfrac{\nu}{2}\right).

:math:`E[\log((z - a)^2 + b^2)]` at any other point :math:`a` or width :math:`b` has no
closed form for a general :math:`\nu` (a Gauss hypergeometric function of the shift); at
:math:`\nu = 1` the law is the Cauchy law and the Cauchy family's Poisson kernel answers.
"""

from __future__ import annotations

from sympy import Expr, Symbol, digamma, gamma, oo, pi, simplify

from ..symbolic.display import add, display_form, div, ln, mul, neg, power, root, square, sub
from .base import Moment, Parameter, UnivariateFamily
from .cauchy import FAMILY as CAUCHY
from .cauchy import log_square_distance

__all__ = ["FAMILY", "StudentT"]


class StudentT(UnivariateFamily):
    """Student's t distribution with :math:`\\nu` degrees of freedom, centre and scale."""

    name = "student_t"
    latex_name = r"\operatorname{t}"
    parameters = (
        Parameter("df", "nu", "positive", "degrees of freedom"),
        Parameter("loc", "mu", "real", "location (median)"),
        Parameter("scale", "sigma", "positive", "scale"),
    )
    standard = (1, 0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-oo, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        df, loc, scale = args
        half = div(add(df, 1), 2)
        return mul(
            div(gamma(half), mul(gamma(div(df, 2)), root(mul(df, pi)), scale)),
            power(
                add(1, div(square(sub(variable, loc)), mul(df, square(scale)))),
                neg(half),
            ),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        df, loc, scale = args
        return add(
            ln(gamma(div(add(df, 1), 2))),
            neg(ln(gamma(div(df, 2)))),
            mul(div(df, 2), ln(df)),
            mul(df, ln(scale)),
            neg(mul(div(1, 2), ln(pi))),
            neg(
                mul(
                    div(add(df, 1), 2),
                    ln(add(square(sub(variable, loc)), mul(df, square(scale)))),
                )
            ),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        df, loc, scale = args
        z = variable
        second = add(square(loc), div(mul(df, square(scale)), sub(df, 2)))
        return {
            z: Moment(z, loc, "mean", df > 1),
            z**2: Moment(z**2, second, "second_moment", df > 2),
        }

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        from ..symbolic.display import evaluate

        df, loc, scale = args
        found = log_square_distance(evaluate(statistic), variable)
        if found is None:
            return super().expectation(statistic, variable, args)
        if df == 1:  # the Cauchy law: any point, any width
            return CAUCHY.expectation(statistic, variable, (loc, scale))
        a, b = found
        if simplify(a - loc) != 0 or simplify(b**2 - df * scale**2) != 0:
            return None  # no closed form off the centre or at another width
        value = add(
            ln(mul(df, square(scale))),
            digamma(div(add(df, 1), 2)),
            neg(digamma(div(df, 2))),
        )
        return Moment(evaluate(statistic), display_form(value), "student_t_log_moment")


FAMILY = StudentT()
