r"""The total variation distance :math:`\mathrm{TV}(P, Q) = \tfrac12 \sum_k |p(k) - q(k)|`,
for two Bernoulli laws: the sum has two terms, equal, and TV is :math:`|p_1 - p_2|`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from sympy import Abs, S, Sum

    from ..errors import KLDeriveError
    from ..steps.context import Context
    from ..steps.step import Chain, Stage, Step
    from ..strategies.draft import Draft
    from ..symbolic.display import add, evaluate, mul, sub
    from ..symbolic.objects import COUNT
    from .exponential import law, parameter_conditions
    from .objects import TotalVariation

    if (first.family.name, second.family.name) != ("bernoulli", "bernoulli"):
        raise KLDeriveError(
            "the total variation distance is derived between two Bernoulli laws "
            f"(got {first.family.name} and {second.family.name})"
        )
    q, p = law(first, "q", COUNT), law(second, "p", COUNT)
    (p1,), (p2,) = first.args, second.args
    lhs = TotalVariation(q.function, p.function)
    definition = mul(S.Half, Sum(Abs(sub(q.function, p.function)), (COUNT, 0, 1)))
    context = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    context = context.define(evaluate(lhs), evaluate(definition))
    terms = mul(S.Half, add(Abs(sub(sub(1, p1), sub(1, p2))), Abs(sub(p1, p2))))
    final = Abs(sub(p1, p2))
    steps = (
        Step("total_variation.definition", lhs, definition),
        Step("total_variation.terms", definition, terms),
        Step("algebra.simplify", terms, final),
    )
    stage = Stage("total_variation_result", (Chain(steps),))
    return Draft(
        "mass_functions",
        (stage,),
        {"main": context},
        final,
        functions={"q": "q(k)", "p": "p(k)"},
        setting="catalog",
        quantity="total_variation",
    )


def pairs() -> list[tuple[str, str, str]]:
    return [("bernoulli", "bernoulli", "finite")]


DIVERGENCE = register(
    Divergence(
        name="total-variation",
        quantity="total_variation",
        summary="total variation distance",
        definition="TV(P, Q) = (1/2) ∫ |p - q| (a sum for mass functions)",
        convention="with the factor 1/2, so TV is in [0, 1]",
        draft=draft,
        pairs=pairs,
    )
)
