r"""The binomial family ``binomial(total_count, probs)``: :math:`\operatorname{Bin}(n, p)`
on :math:`\{0, 1, \dots, n\}`, mass function :math:`\binom{n}{k} p^{k} (1 - p)^{n - k}`.

``total_count`` is the number of trials :math:`n`, a positive integer; ``probs`` is the
probability :math:`p` of a success in each, strictly between 0 and 1 (PyTorch's names and
order). The mean is :math:`n p`. The binomial coefficient stays a statistic of the log
mass function: between two laws with the same :math:`n` it cancels, and otherwise the
divergence needs :math:`\mathbb{E}[\log \binom{m}{k}]`, which has a closed form only as a
finite sum when :math:`n` is a number.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, binomial

from ..symbolic.display import add, ln, mul, power, sub
from .base import Moment, Parameter, UnivariateFamily
from .finite import finite_expectation

__all__ = ["FAMILY", "Binomial"]


class Binomial(UnivariateFamily):
    """The number of successes in :math:`n` independent trials of probability :math:`p`."""

    name = "binomial"
    latex_name = r"\operatorname{Bin}"
    parameters = (
        Parameter("total_count", "n", "count", "number of trials"),
        Parameter("probs", "p", "unit", "probability of a success"),
    )
    standard = (1, S.Half)
    logits = "sigmoid"
    discrete = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        n, _ = args
        return (S.Zero, n)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        n, p = args
        return mul(binomial(n, variable), power(p, variable), power(sub(1, p), sub(n, variable)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        n, p = args
        return add(
            ln(binomial(n, variable)),
            mul(variable, ln(p)),
            mul(sub(n, variable), ln(sub(1, p))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        n, p = args
        return {variable: Moment(variable, mul(n, p), "mean")}

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        known = super().expectation(statistic, variable, args)
        return known or finite_expectation(self, statistic, variable, args)


FAMILY = Binomial()
