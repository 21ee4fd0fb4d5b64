r"""The divergences that are functions of :math:`\int q^\alpha p^{1-\alpha}` (Rényi,
Bhattacharyya, Hellinger, chi-square), between two laws of one exponential family.

:func:`alpha_draft` puts :mod:`.exponential`'s closed form of the integral into the
divergence's definition, in one closing stage:

1. the definition (``D_alpha = log(int q^alpha p^(1 - alpha)) / (alpha - 1)``);
2. the integral's closed form inserted, and the result tidied, both stated under the
   condition that the integral is finite;
3. where there is such a condition, the divergence everywhere: the closed form where it
   holds, :math:`\infty` otherwise (``support.piecewise``: the verifier shows the mean of
   :meth:`~.objects.DivergenceObject.defining_mean` infinite where it fails);
4. a remark that ties the divergence to another form of it (Hellinger's
   :math:`\tfrac12 \int (\sqrt q - \sqrt p)^2`, chi-square as :math:`e^{D_2} - 1`), each
   verified like every step.

The pieces the other routes share are in :mod:`.alpha_parts`.
"""

from __future__ import annotations

from sympy import Expr, S

from ..families.base import Distribution
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import evaluate
from .alpha_parts import KINDS, alpha_result, alpha_term, infinite_otherwise, remark
from .exponential import alpha_integral, total

__all__ = ["alpha_draft"]


def alpha_draft(first: Distribution, second: Distribution, quantity: str, alpha=None) -> Draft:
    """Derive the divergence ``quantity`` (a key of :data:`.alpha_parts.KINDS`) of
    ``second`` from ``first``, two laws of one exponential family."""
    kind = KINDS[quantity]
    order = kind.order if kind.order is not None else alpha
    found = alpha_integral(first, second, order)
    q, p = found.q, found.p
    lhs = kind.lhs(q.function, p.function, order)
    # the integral as the definition writes it: sqrt(q p), q^2 / p
    shown = _integral_shown(found.integral, q, p, order)
    definition = kind.definition(shown, order)
    context = found.contexts["definitions"].define(evaluate(lhs), evaluate(definition))
    condition = found.condition
    inserted = kind.definition(found.value, order)
    final = kind.value(found.exponent, order)
    steps = [Step(f"{quantity}.definition", lhs, definition, facts="result")]
    if shown != found.integral:  # sqrt(q p) as q^(1/2) p^(1/2)
        written = kind.definition(found.integral, order)
        steps.append(Step("alpha_integral.form", definition, written, facts="result"))
    steps.append(
        Step(
            "alpha_integral.insert",
            steps[-1].after,
            inserted,
            facts="result",
            condition=condition,
        )
    )
    if final != inserted:
        steps.append(Step("algebra.simplify", inserted, final, facts="result", condition=condition))
    chains = [Chain(tuple(steps))]
    result = final
    if condition is not None:
        everywhere, result = infinite_otherwise(
            lhs, final, condition, "divergence_reason.alpha_integral"
        )
        chains.append(everywhere)
    extra, remark_contexts = remark(quantity, lhs, q, p, condition, context, found.integral)
    contexts = {**found.contexts, "result": context, **remark_contexts}
    stages = (*found.stages, Stage(f"{quantity}_result", (*chains, *extra)))
    name = "k" if q.facts.discrete else "z"
    if isinstance(q.facts.variable, tuple):  # a Dirichlet law: the vector z
        name = r"\boldsymbol{z}"
    return alpha_result(
        "exponential_family",
        quantity,
        stages,
        contexts,
        result,
        {"q": f"q({name})", "p": f"p({name})"},
        laws=(first, second),
        lhs=lhs,
        order=order,
        context=context,
    )


def _integral_shown(integral: Expr, q, p, order: Expr) -> Expr:
    """``int sqrt(q p)`` for alpha = 1/2, ``int q^2 / p`` for alpha = 2."""
    if order == S.Half or order == 2:
        return total(alpha_term(q.function, p.function, order), q)
    return integral
