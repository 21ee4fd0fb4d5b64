r"""The divergences of :mod:`.alpha` (Rényi, Bhattacharyya, Hellinger, chi-square) between
two categorical laws given by their lists of :math:`K` probabilities.

The integral is a sum with one term per category,

.. math::

    \sum_{k=1}^{K} q(k)^\alpha p(k)^{1-\alpha} = \sum_{i=1}^{K} q_i^\alpha p_i^{1-\alpha},

finite for every order: each probability of a categorical law lies strictly between 0 and
1 (a probability 0 is not a parameter of the family), so no term is infinite. The
derivation writes the sum out term by term (each step verified like every step) and puts
it into the divergence's definition; no condition is needed.
"""

from __future__ import annotations

from sympy import S

from ..families.base import Distribution
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, div, evaluate, mul, power, root, sub
from .alpha import KINDS, remark, renyi_definition
from .masses import finite_masses
from .objects import Renyi
from .renyi_limit import limit_stage

__all__ = ["alpha_masses_draft"]


def alpha_masses_draft(
    first: Distribution, second: Distribution, quantity: str, alpha=None
) -> Draft:
    """Derive the divergence ``quantity`` (a key of :data:`.alpha.KINDS`) of two
    categorical laws given by their lists."""
    kind = KINDS[quantity]
    order = kind.order if kind.order is not None else alpha
    found = finite_masses(first, second)
    q, p = found.q, found.p
    rest = sub(1, order) if order.free_symbols else 1 - order
    lhs = kind.lhs(q.function, p.function, order)
    if order == S.Half:
        summand = root(mul(q.function, p.function))
        terms = [root(mul(a, b)) for _, a, b in found.points]
    elif order == 2:
        summand = div(power(q.function, 2), p.function)
        terms = [div(power(a, 2), b) for _, a, b in found.points]
    else:
        summand = mul(power(q.function, order), power(p.function, rest))
        terms = [mul(power(a, order), power(b, rest)) for _, a, b in found.points]
    definition = kind.definition(found.total(summand), order)
    written = kind.definition(add(*terms), order)
    context = found.context.define(evaluate(lhs), evaluate(definition))
    steps = [
        Step(f"{quantity}.definition", lhs, definition),
        Step("alpha_masses.terms", definition, written),
    ]
    if all(a.is_number for _, a, _ in found.points) and all(
        b.is_number for _, _, b in found.points
    ):  # numbers: the sum's value, kept exact
        value = evaluate(kind.definition(evaluate(add(*terms)), order))
        if value != written:
            steps.append(Step("algebra.simplify", written, value))
    chains = [Chain(tuple(steps))]
    contexts = {"main": context, "result": context}
    if quantity == "chi_square":  # the remark's D_2, by its definition
        renyi = Renyi(q.function, p.function, S(2))
        contexts["remark"] = context.define(
            evaluate(renyi), evaluate(renyi_definition(found.total(summand), S(2)))
        )
    extra = remark(quantity, lhs, q, p, order, None, context)
    if extra is not None:
        chains.append(extra)
    stages = (Stage(f"{quantity}_categorical", tuple(chains)),)
    limit = limit_stage(first, second, lhs, steps[-1].after, order, context)
    if quantity == "renyi" and limit is not None:
        stages = (*stages, limit[0])
        contexts["limit"] = limit[1]
    return Draft(
        "mass_functions",
        stages,
        contexts,
        steps[-1].after,
        functions={"q": "q(k)", "p": "p(k)"},
        setting="catalog",
        quantity=quantity,
    )
