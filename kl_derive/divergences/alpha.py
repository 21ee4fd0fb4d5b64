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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Piecewise, S, oo

from ..families.base import Distribution
from ..steps.step import Chain, Sentence, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import div, evaluate, ln, mul, neg, power, root, sub
from ..symbolic.objects import Bracket
from .exponential import alpha_integral, exp_form, log_form, total
from .objects import (
    BhattacharyyaDistance,
    ChiSquare,
    DivergenceObject,
    HellingerSquared,
    Renyi,
)
from .renyi_limit import limit_stage

__all__ = ["KINDS", "Kind", "alpha_draft", "remark", "renyi_definition"]


@dataclass(frozen=True)
class Kind:
    """How one divergence is made of the integral ``I``."""

    quantity: str
    #: the order alpha the integral is taken at (``None``: the divergence's own option)
    order: Expr | None
    #: the object, from the two densities (and the order)
    lhs: Callable[[Expr, Expr, Expr], DivergenceObject]
    #: the definition, from the integral (as shown) and the order
    definition: Callable[[Expr, Expr], Expr]
    #: the closed form, from the integral's exponent and the order
    value: Callable[[Expr, Expr], Expr]


def renyi_definition(integral: Expr, alpha: Expr) -> Expr:
    if alpha == 2:
        return ln(integral)
    return mul(div(1, sub(alpha, 1) if alpha.free_symbols else alpha - 1), ln(integral))


def _renyi_value(exponent: Expr, alpha: Expr) -> Expr:
    return log_form(exponent, 1 / (alpha - 1))


KINDS: dict[str, Kind] = {
    "renyi": Kind("renyi", None, Renyi, renyi_definition, _renyi_value),
    "bhattacharyya": Kind(
        "bhattacharyya",
        S.Half,
        lambda q, p, a: BhattacharyyaDistance(q, p),
        lambda integral, a: neg(ln(integral)),
        lambda exponent, a: log_form(exponent, -1),
    ),
    "hellinger": Kind(
        "hellinger",
        S.Half,
        lambda q, p, a: HellingerSquared(q, p),
        lambda integral, a: sub(1, integral),
        lambda exponent, a: sub(1, exp_form(exponent)),
    ),
    "chi_square": Kind(
        "chi_square",
        S(2),
        lambda q, p, a: ChiSquare(q, p),
        lambda integral, a: sub(integral, 1),
        lambda exponent, a: sub(exp_form(exponent), 1),
    ),
}


def alpha_draft(first: Distribution, second: Distribution, quantity: str, alpha=None) -> Draft:
    """Derive the divergence ``quantity`` (a key of :data:`KINDS`) of ``second`` from
    ``first``, two laws of one exponential family."""
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
        result = Piecewise((final, condition), (oo, True), evaluate=False)
        step = Step(
            "support.piecewise",
            lhs,
            result,
            params={
                "q_name": "q",
                "p_name": "p",
                "support_conditions": (),
                "condition": condition,
                "otherwise": Sentence("divergence_reason.alpha_integral"),
            },
            facts="result",
        )
        chains.append(Chain((step,)))
    contexts = {**found.contexts, "result": context}
    if quantity == "chi_square":  # the remark's D_2, by its definition
        renyi = Renyi(q.function, p.function, S(2))
        contexts["remark"] = context.define(
            evaluate(renyi), evaluate(renyi_definition(found.integral, S(2)))
        )
    extra = remark(quantity, lhs, q, p, order, condition, context)
    if extra is not None:
        chains.append(extra)
    stages = (*found.stages, Stage(f"{quantity}_result", tuple(chains)))
    limit = limit_stage(first, second, lhs, result, order, context)
    if quantity == "renyi" and limit is not None:
        stages = (*stages, limit[0])
        contexts["limit"] = limit[1]
    name = "k" if q.facts.discrete else "z"
    return Draft(
        "exponential_family",
        stages,
        contexts,
        result,
        functions={"q": f"q({name})", "p": f"p({name})"},
        setting="catalog",
        quantity=quantity,
    )


def _integral_shown(integral: Expr, q, p, order: Expr) -> Expr:
    """``int sqrt(q p)`` for alpha = 1/2, ``int q^2 / p`` for alpha = 2."""
    if order == S.Half:
        return total(root(mul(q.function, p.function)), q)
    if order == 2:
        return total(div(power(q.function, 2), p.function), q)
    return integral


def remark(quantity, lhs, q, p, order, condition, context) -> Chain | None:
    """Another form of the divergence, verified like every step."""
    if quantity == "hellinger":
        half = mul(S.Half, total(power(Bracket(sub(root(q.function), root(p.function))), 2), q))
        return Chain((Step("hellinger.half_squared", lhs, half, facts="result"),))
    if quantity == "chi_square":
        renyi = Renyi(q.function, p.function, S(2))
        return Chain(
            (
                Step(
                    "chi_square.renyi",
                    lhs,
                    sub(power(S.Exp1, renyi), 1),
                    facts="remark",
                    condition=condition,
                ),
            )
        )
    return None
