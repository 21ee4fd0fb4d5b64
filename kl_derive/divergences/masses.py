"""The masses of two finite discrete laws on one set of values (Bernoulli laws on
{0, 1}, categorical laws given by their lists on {1, ..., K}), written out term by term
for the divergences that are sums over the values (Jensen–Shannon, total variation)."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, S, Sum, Symbol, Tuple

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..symbolic.display import sub
from ..symbolic.objects import COUNT
from .exponential import Law, law, parameter_conditions

__all__ = ["FINITE_FAMILIES", "Masses", "finite_masses", "is_finite_pair"]

#: the families whose laws have finitely many values, written out here
FINITE_FAMILIES = ("bernoulli", "categorical")


@dataclass(frozen=True)
class Masses:
    """Two laws' mass functions and their values at each point of the common support."""

    q: Law
    p: Law
    #: the points and the two masses there: ``[(k, q(k), p(k))]``
    points: tuple[tuple[int, Expr, Expr], ...]
    context: Context

    def total(self, summand: Expr) -> Expr:
        """``sum_k summand`` over the support (``summand`` in ``q(k)``, ``p(k)``)."""
        low, high = self.points[0][0], self.points[-1][0]
        return Sum(summand, (COUNT, low, high))

    @property
    def variable(self) -> Symbol:
        return COUNT


def is_finite_pair(first: Distribution, second: Distribution) -> bool:
    """Whether both laws are Bernoulli, or both categorical given by lists."""
    names = (first.family.name, second.family.name)
    if names == ("bernoulli", "bernoulli"):
        return True
    if names != ("categorical", "categorical"):
        return False
    return all(isinstance(one.args[0], Tuple) for one in (first, second))


def _values(distribution: Distribution) -> list[tuple[int, Expr]]:
    if distribution.family.name == "bernoulli":
        (p,) = distribution.args
        return [(0, sub(1, p)), (1, p)]
    (probs,) = distribution.args
    return [(i, S(x)) for i, x in enumerate(probs, 1)]


def finite_masses(first: Distribution, second: Distribution) -> Masses:
    """The two laws' masses, point by point."""
    if not is_finite_pair(first, second):
        raise KLDeriveError(
            "a sum over the values needs two Bernoulli laws or two categorical laws given "
            f"by their lists (got {first.family.name} and {second.family.name})"
        )
    one, two = _values(first), _values(second)
    if len(one) != len(two):
        raise KLDeriveError(
            f"the two categorical laws have {len(one)} and {len(two)} categories; give both "
            "the same number (a probability 0 is not a parameter of the family)"
        )
    points = tuple((k, a, b) for (k, a), (_, b) in zip(one, two, strict=True))
    q, p = law(first, "q", COUNT), law(second, "p", COUNT)
    context = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    return Masses(q, p, points, context)
