r"""The multinomial family ``multinomial(total_count, probs)``:
:math:`\operatorname{Mult}(n; p_1, \dots, p_K)`, PyTorch's ``Multinomial``.

A draw is the vector of counts :math:`\mathbf{k} = (k_1, \dots, k_K)` of :math:`n`
independent categorical trials: nonnegative integers with :math:`k_1 + \dots + k_K = n`,
mass function :math:`\frac{n!}{k_1! \cdots k_K!} p_1^{k_1} \cdots p_K^{k_K}`.

``total_count`` is :math:`n`, a positive whole number or a name (shared by the two laws of
a divergence, as for the binomial family); ``probs`` is an explicit list of the :math:`K`
probabilities, as for :mod:`~kl_derive.families.categorical` (numbers summing to one, or
symbols assumed to). Each count :math:`k_i` is binomial, :math:`\operatorname{Bin}(n, p_i)`
(the trials that land in category :math:`i`), so :math:`\mathbb{E}[k_i] = n p_i`.

Two laws with different explicit counts have disjoint supports (their counts sum to
different totals), so their divergence is infinite; kl-derive says so in a one-line
error rather than deriving it. The entropy has no closed form and is not derived.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, S, Symbol, Tuple, factorial

from ..errors import SpecError
from ..symbolic.display import add, div, ln, mul, neg, power
from .base import Parameter, UnivariateFamily
from .categorical import probabilities

__all__ = ["FAMILY", "Multinomial", "counts"]


def counts(size: int) -> tuple[Symbol, ...]:
    """The count variables :math:`k_1, \\dots, k_K`."""
    return tuple(Symbol(f"k_{i}", integer=True, nonnegative=True) for i in range(1, size + 1))


class Multinomial(UnivariateFamily):
    """The counts of :math:`n` independent draws among :math:`K` categories."""

    name = "multinomial"
    latex_name = r"\operatorname{Mult}"
    parameters = (
        Parameter("total_count", "n", "count", "number of trials"),
        Parameter("probs", "p", "unit", "the probabilities of the categories"),
    )
    standard = ()
    logits = "softmax"
    discrete = True
    vector = True

    def split(self, args: tuple[Expr, ...]) -> tuple[Expr, tuple[Expr, ...]]:
        """``(n, (p_1, ..., p_K))``, the list checked."""
        if len(args) != 2:
            raise SpecError("multinomial has no standard member; give the second law as well")
        n, probs = args
        if isinstance(n, Tuple):
            raise SpecError("the total_count of multinomial is one number or name, not a list")
        return n, probabilities(self.name, (probs,))

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        from ..symbolic.display import display_form

        n, probs = self.split(args)
        inner = ", ".join(latex(display_form(a)) for a in probs)
        return f"{self.latex_name}({latex(n)}; {inner})"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        n, _ = self.split(args)
        return (S.Zero, n)

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        _, probs = self.split(args)
        return tuple(c for p in probs if not p.is_number for c in (p > 0, p < 1))

    def density(self, variable: Symbol | None, args: tuple[Expr, ...]) -> Expr:
        n, probs = self.split(args)
        ks = counts(len(probs))
        coefficient = div(factorial(n), mul(*(factorial(k) for k in ks)))
        return mul(coefficient, *(power(p, k) for p, k in zip(probs, ks, strict=True)))

    def log_density(self, variable: Symbol | None, args: tuple[Expr, ...]) -> Expr:
        n, probs = self.split(args)
        ks = counts(len(probs))
        return add(
            ln(factorial(n)),
            *(neg(ln(factorial(k))) for k in ks),
            *(mul(k, ln(p)) for p, k in zip(probs, ks, strict=True)),
        )


FAMILY = Multinomial()
