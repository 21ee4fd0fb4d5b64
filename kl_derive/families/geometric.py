r"""The geometric family ``geometric(probs)``: :math:`\operatorname{Geom}(p)` on
:math:`\{0, 1, 2, \dots\}`, mass function :math:`(1 - p)^{k} p`.

PyTorch's convention: :math:`k` counts the failures before the first success, each trial
succeeding with probability ``probs`` :math:`= p`, strictly between 0 and 1. The mean is
:math:`(1 - p)/p`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, exp, log, oo

from ..symbolic.display import add, div, ln, mul, power, sub
from .base import ETA, Moment, NaturalForm, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Geometric"]


class Geometric(UnivariateFamily):
    """The number of failures before the first success, with success probability :math:`p`."""

    name = "geometric"
    latex_name = r"\operatorname{Geom}"
    parameters = (Parameter("probs", "p", "unit", "probability of a success"),)
    standard = (S.Half,)
    logits = "sigmoid"
    discrete = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (p,) = args
        return mul(power(sub(1, p), variable), p)

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (p,) = args
        return add(ln(p), mul(variable, ln(sub(1, p))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (p,) = args
        return {variable: Moment(variable, div(sub(1, p), p), "mean")}

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family (used by the Bregman strategy)."""
        (probs,) = args
        return NaturalForm((variable,), (ln(sub(1, probs)),), -log(1 - exp(ETA[0])))


FAMILY = Geometric()
