r"""The negative binomial family ``negative_binomial(total_count, probs)``:
:math:`\operatorname{NB}(r, p)` on :math:`\{0, 1, 2, \dots\}`, mass function
:math:`\binom{k + r - 1}{k} p^{k} (1 - p)^{r}`.

PyTorch's convention: :math:`k` counts the successes, each of probability ``probs``
:math:`= p` (strictly between 0 and 1), before the :math:`r`-th failure;
``total_count`` is :math:`r > 0`. The mean is :math:`r p / (1 - p)`. The binomial
coefficient stays a statistic of the log mass function: it cancels between two laws with
the same :math:`r`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, binomial, oo

from ..symbolic.display import add, div, ln, mul, power, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "NegativeBinomial"]


class NegativeBinomial(UnivariateFamily):
    """The successes before the :math:`r`-th failure, success probability :math:`p`."""

    name = "negative_binomial"
    latex_name = r"\operatorname{NB}"
    parameters = (
        Parameter("total_count", "r", "count", "number of failures that ends the trials"),
        Parameter("probs", "p", "unit", "probability of a success"),
    )
    standard = (1, S.Half)
    logits = "sigmoid"
    discrete = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def _coefficient(self, variable: Symbol, r: Expr) -> Expr:
        return binomial(add(variable, r, -1), variable)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        r, p = args
        return mul(self._coefficient(variable, r), power(p, variable), power(sub(1, p), r))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        r, p = args
        return add(ln(self._coefficient(variable, r)), mul(variable, ln(p)), mul(r, ln(sub(1, p))))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        r, p = args
        return {variable: Moment(variable, div(mul(r, p), sub(1, p)), "mean")}


FAMILY = NegativeBinomial()
