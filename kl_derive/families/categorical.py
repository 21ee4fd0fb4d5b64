r"""The categorical family ``categorical(probs)``: :math:`\operatorname{Cat}(p_1, \dots,
p_K)` on the categories :math:`\{1, \dots, K\}`, mass function
:math:`q(k) = \prod_{i=1}^{K} p_i^{[k = i]}` (:math:`[k = i]` is one when :math:`k = i`,
else zero).

``probs`` is an explicit list of the :math:`K` probabilities, ``categorical([p1, p2,
p3])`` or ``categorical([1/2, 1/4, 1/4])`` (PyTorch's name). The categories are numbered
from one here, as in a textbook; PyTorch's value is :math:`k - 1`.

The probabilities must sum to one. Numbers are checked (a one-line error otherwise);
symbols are *assumed* to (stated in the family's documentation, not checked: write the last
one as ``1 - p1 - p2`` to make it explicit). Each probability is strictly between 0 and 1.
The log mass function is :math:`\sum_i [k = i] \log p_i`, whose statistics are the
indicators :math:`[k = i]` with :math:`\mathbb{E}[[k = i]] = p_i`.
"""

from __future__ import annotations

from sympy import Expr, IndexedBase, KroneckerDelta, S, Symbol, Tuple

from ..errors import SpecError
from ..symbolic.display import add, ln, mul, power
from .base import Moment, Parameter, UnivariateFamily
from .finite import finite_expectation

__all__ = ["FAMILY", "Categorical", "probabilities"]

#: the largest number of categories written out
MAX_CATEGORIES = 12


def probabilities(name: str, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
    """The list of probabilities, checked: a list (not a name), numbers summing to one."""
    if len(args) != 1:
        raise SpecError(f"{name} has no standard member; give the second law as well")
    (probs,) = args
    if not isinstance(probs, Tuple):
        raise SpecError(
            f"give the probabilities of {name} as a list, e.g. {name}([a, b, 1 - a - b]) or "
            f"{name}([1/2, 1/4, 1/4])"
        )
    if not 2 <= len(probs) <= MAX_CATEGORIES:
        raise SpecError(f"{name} takes between 2 and {MAX_CATEGORIES} probabilities")
    total = sum(probs, S.Zero)
    if total.is_number and total != 1:
        raise SpecError(f"the probabilities of {name} must sum to one, got {total}")
    return tuple(probs)


class Categorical(UnivariateFamily):
    """One draw among :math:`K` categories, category :math:`i` with probability
    :math:`p_i`."""

    name = "categorical"
    latex_name = r"\operatorname{Cat}"
    parameters = (Parameter("probs", "p", "unit", "the probabilities of the categories"),)
    standard = ()
    logits = "softmax"
    discrete = True
    vector = True

    def notation(self, args: tuple[Expr, ...], latex) -> str:
        from ..symbolic.display import display_form

        if len(args) == 1 and isinstance(args[0], IndexedBase):  # K categories, by name
            return f"{self.latex_name}({latex(Symbol(str(args[0].label)))})"
        inner = ", ".join(latex(display_form(a)) for a in probabilities(self.name, args))
        return f"{self.latex_name}({inner})"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.One, S(len(probabilities(self.name, args))))

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        return tuple(
            c for p in probabilities(self.name, args) if not p.is_number for c in (p > 0, p < 1)
        )

    def indicator(self, variable: Symbol, i: int) -> Expr:
        """:math:`[k = i]`."""
        return KroneckerDelta(variable, i)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        probs = probabilities(self.name, args)
        return mul(*(power(p, self.indicator(variable, i)) for i, p in enumerate(probs, 1)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        probs = probabilities(self.name, args)
        return add(*(mul(self.indicator(variable, i), ln(p)) for i, p in enumerate(probs, 1)))

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        probs = probabilities(self.name, args)
        return {
            self.indicator(variable, i): Moment(self.indicator(variable, i), p, "indicator")
            for i, p in enumerate(probs, 1)
        }

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        # an indicator of a category the law does not have (a longer second list) is 0
        known = super().expectation(statistic, variable, args)
        return known or finite_expectation(self, statistic, variable, args)


FAMILY = Categorical()
