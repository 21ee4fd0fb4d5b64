r"""The Bernoulli family ``bernoulli(probs)``: :math:`\operatorname{Bern}(p)` on
:math:`\{0, 1\}`, mass function :math:`p^{k} (1 - p)^{1 - k}`.

``probs`` is the probability :math:`p` of a one, strictly between 0 and 1 (PyTorch's
name); the mean is :math:`p`. Its support is finite, so every expectation is a sum of two
terms (:meth:`Bernoulli.expectation`).
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, exp, log

from ..symbolic.display import add, div, ln, mul, power, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily
from .finite import finite_expectation

__all__ = ["FAMILY", "Bernoulli"]


class Bernoulli(UnivariateFamily):
    """One trial that succeeds (``k = 1``) with probability :math:`p`."""

    name = "bernoulli"
    latex_name = r"\operatorname{Bern}"
    parameters = (Parameter("probs", "p", "unit", "probability of a one"),)
    standard = (S.Half,)
    logits = "sigmoid"
    discrete = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (p,) = args
        return mul(power(p, variable), power(sub(1, p), sub(1, variable)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (p,) = args
        return add(mul(variable, ln(p)), mul(sub(1, variable), ln(sub(1, p))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (p,) = args
        return {variable: Moment(variable, p, "mean")}

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        known = super().expectation(statistic, variable, args)
        return known or finite_expectation(self, statistic, variable, args)

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (probs,) = args
        return NaturalForm((variable,), (ln(div(probs, sub(1, probs))),), log(1 + exp(ETA[0])))


FAMILY = Bernoulli()
