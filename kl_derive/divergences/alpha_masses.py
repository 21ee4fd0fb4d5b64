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

from ..families.base import Distribution
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, evaluate
from .alpha_parts import KINDS, alpha_result, alpha_term, exact_value, remark
from .masses import finite_masses

__all__ = ["alpha_masses_draft"]


def alpha_masses_draft(
    first: Distribution, second: Distribution, quantity: str, alpha=None
) -> Draft:
    """Derive the divergence ``quantity`` (a key of :data:`.alpha_parts.KINDS`) of two
    categorical laws given by their lists."""
    kind = KINDS[quantity]
    order = kind.order if kind.order is not None else alpha
    found = finite_masses(first, second)
    q, p = found.q, found.p
    lhs = kind.lhs(q.function, p.function, order)
    summand = alpha_term(q.function, p.function, order)
    terms = [alpha_term(a, b, order) for _, a, b in found.points]
    definition = kind.definition(found.total(summand), order)
    written = kind.definition(add(*terms), order)
    context = found.context.define(evaluate(lhs), evaluate(definition))
    steps = [
        Step(f"{quantity}.definition", lhs, definition),
        Step("alpha_masses.terms", definition, written),
    ]
    if all(a.is_number and b.is_number for _, a, b in found.points):
        steps.extend(exact_value(kind, terms, order, written))
    extra, remark_contexts = remark(quantity, lhs, q, p, None, context, found.total(summand))
    stages = (Stage(f"{quantity}_categorical", (Chain(tuple(steps)), *extra)),)
    return alpha_result(
        "mass_functions",
        quantity,
        stages,
        {"main": context, "result": context, **remark_contexts},
        steps[-1].after,
        {"q": "q(k)", "p": "p(k)"},
        laws=(first, second),
        lhs=lhs,
        order=order,
        context=context,
    )
