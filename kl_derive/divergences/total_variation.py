r"""The total variation distance :math:`\mathrm{TV}(P, Q) = \tfrac12 \int |p - q|` (a sum
for mass functions).

Between two finite discrete laws (Bernoulli, categorical given by lists) the sum is
written out term by term; between two normal or two exponential laws the integral is
taken through the points where the densities cross (:mod:`.total_variation_crossing`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from .masses import is_finite_pair

    if is_finite_pair(first, second):
        return _finite(first, second)
    if first.family.name == second.family.name == "uniform":
        from .total_variation_uniform import uniform_draft

        return uniform_draft(first, second)
    from .total_variation_crossing import crossing_draft

    return crossing_draft(first, second)


def _finite(first: Distribution, second: Distribution) -> Draft:
    from sympy import Abs, S

    from ..steps.step import Chain, Stage, Step
    from ..strategies.tidy import tidy
    from ..symbolic.display import add, evaluate, mul, sub
    from .describe import catalog_draft
    from .masses import finite_masses
    from .objects import TotalVariation

    found = finite_masses(first, second)
    qf, pf = found.q.function, found.p.function
    lhs = TotalVariation(qf, pf)
    definition = mul(S.Half, found.total(Abs(sub(qf, pf))))
    context = found.context.define(evaluate(lhs), evaluate(definition))
    terms = mul(S.Half, add(*[Abs(sub(a, b)) for _, a, b in found.points]))
    collected = evaluate(add(*[Abs(a - b) for _, a, b in found.points]) / 2)
    if len(collected.atoms(Abs)) < len(found.points):  # equal terms (Bernoulli) gathered
        final = tidy(collected)
    else:
        final = mul(S.Half, add(*[Abs(tidy(evaluate(a - b))) for _, a, b in found.points]))
    steps = [
        Step("total_variation.definition", lhs, definition),
        Step("total_variation.terms", definition, terms),
    ]
    if final != terms:
        steps.append(Step("algebra.simplify", terms, final))
    key = "result" if first.family.name == "bernoulli" else "categorical"
    stage = Stage(f"total_variation_{key}", (Chain(tuple(steps)),))
    return catalog_draft("mass_functions", stage, context, final, "total_variation", variable="k")


def pairs() -> list[tuple[str, str, str]]:
    return [
        ("bernoulli", "bernoulli", "finite"),
        ("categorical", "categorical", "finite"),
        ("normal", "normal", "finite"),
        ("exponential", "exponential", "finite"),
        ("uniform", "uniform", "finite"),
    ]


DIVERGENCE = register(
    Divergence(
        name="total-variation",
        quantity="total_variation",
        summary="total variation distance",
        definition="TV(P, Q) = (1/2) ∫ |p - q| (a sum for mass functions)",
        convention="with the factor 1/2, so TV is in [0, 1] (1 for disjoint supports); "
        "= sup over events A of |P(A) - Q(A)|",
        draft=draft,
        pairs=pairs,
    )
)
