r"""The beta family ``beta(concentration1, concentration0)``.

:math:`\operatorname{Beta}(\alpha, \beta)` lives on :math:`(0, 1)` with density
:math:`z^{\alpha - 1} (1 - z)^{\beta - 1} / \mathrm{B}(\alpha, \beta)`.

``concentration1`` is :math:`\alpha > 0` (the exponent of :math:`z`) and
``concentration0`` is :math:`\beta > 0` (of :math:`1 - z`), in PyTorch's order; the
mean is :math:`\alpha / (\alpha + \beta)`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, beta, digamma, gamma, log, polygamma

from ..symbolic.display import add, display_form, div, ln, mul, neg, power, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Beta"]


class Beta(UnivariateFamily):
    """The beta distribution on the unit interval."""

    name = "beta"
    latex_name = r"\operatorname{Beta}"
    parameters = (
        Parameter("concentration1", "alpha", "positive", "exponent of z, plus one"),
        Parameter("concentration0", "beta", "positive", "exponent of 1 - z, plus one"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        a, b = args
        return div(mul(power(variable, sub(a, 1)), power(sub(1, variable), sub(b, 1))), beta(a, b))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        a, b = args
        return add(
            neg(ln(beta(a, b))),
            mul(sub(a, 1), ln(variable)),
            mul(sub(b, 1), ln(sub(1, variable))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        a, b = args
        z = variable
        total = add(a, b)
        logit = log(z / (1 - z))
        shown = (
            ("statistics", (ln(z), ln(sub(1, z)))),
            ("variance", add(polygamma(1, a), polygamma(1, b))),
        )
        return {
            z: Moment(z, div(a, total), "mean"),
            z**2: Moment(z**2, div(mul(a, add(a, 1)), mul(total, add(total, 1))), "second_moment"),
            log(z): Moment(log(z), sub(digamma(a), digamma(total)), "log_partition"),
            log(1 - z): Moment(log(1 - z), sub(digamma(b), digamma(total)), "log_partition"),
            # the logit: the difference of the two statistics, whose covariance is
            # -psi'(a + b), so that its variance is psi'(a) + psi'(b)
            logit: Moment(logit, sub(digamma(a), digamma(b)), "beta_logit", params=shown),
            logit**2: Moment(
                logit**2,
                add(power(sub(digamma(a), digamma(b)), 2), polygamma(1, a), polygamma(1, b)),
                "beta_logit",
                params=shown,
            ),
        }

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        a, b = args
        e1, e2 = ETA[:2]
        return NaturalForm(
            (log(variable), log(1 - variable)),
            (sub(a, 1), sub(b, 1)),
            log(gamma(e1 + 1)) + log(gamma(e2 + 1)) - log(gamma(e1 + e2 + 2)),
        )

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = \\mathrm{B}(\\alpha + t, \\beta) / \\mathrm{B}(\\alpha, \\beta)`,
        finite for :math:`t > -\\alpha`."""
        a, b = args
        return div(beta(display_form(a + t), b), beta(a, b)), t > -a


FAMILY = Beta()
