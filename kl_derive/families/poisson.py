r"""The Poisson family ``poisson(rate)``: :math:`\operatorname{Poisson}(\lambda)` on
:math:`\{0, 1, 2, \dots\}`, mass function :math:`\frac{\lambda^{k} e^{-\lambda}}{k!}`.

``rate`` is the mean :math:`\lambda > 0` (PyTorch's name). The factorial stays a statistic
of the log mass function (:math:`-\log k!`): it cancels between two Poisson laws, and
:math:`\mathbb{E}[\log k!]` has no closed form otherwise.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, exp, factorial, oo

from ..symbolic.display import add, div, expo, ln, mul, neg, power
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Poisson"]


class Poisson(UnivariateFamily):
    """The number of events of a Poisson process with mean :math:`\\lambda`."""

    name = "poisson"
    latex_name = r"\operatorname{Poisson}"
    parameters = (Parameter("rate", "lambda", "positive", "mean number of events"),)
    standard = (1,)
    discrete = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (rate,) = args
        return div(mul(power(rate, variable), expo(neg(rate))), factorial(variable))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (rate,) = args
        return add(mul(variable, ln(rate)), neg(rate), neg(ln(factorial(variable))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (rate,) = args
        return {variable: Moment(variable, rate, "mean")}

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (rate,) = args
        return NaturalForm((variable,), (ln(rate),), exp(ETA[0]), div(1, factorial(variable)))


FAMILY = Poisson()
