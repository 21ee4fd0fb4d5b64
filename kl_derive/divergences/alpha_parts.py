r"""What the routes of the divergences of :math:`\int q^\alpha p^{1-\alpha}` share (Rényi,
Bhattacharyya, Hellinger, chi-square): two laws of one exponential family
(:mod:`.alpha`), two categorical laws given by their lists (:mod:`.alpha_masses`), two
binomial laws with different numbers of trials (:mod:`.alpha_binomial`).

* :data:`KINDS`: how each divergence is made of the integral;
* :func:`alpha_term`: the integrand :math:`q^\alpha p^{1-\alpha}` as a textbook writes
  it (:math:`\sqrt{qp}` at :math:`\alpha = \tfrac12`, :math:`q^2/p` at :math:`\alpha = 2`);
* :func:`exact_value`: with numbers, the sum's value kept exact, one more step;
* :func:`infinite_otherwise`: the divergence everywhere, the closed form where its
  condition holds and :math:`\infty` otherwise (``support.piecewise``);
* :func:`remark`: another form of the divergence (Hellinger's :math:`\tfrac12 \int
  (\sqrt q - \sqrt p)^2`, chi-square as :math:`e^{D_2} - 1`), verified like every step;
* :func:`alpha_result`: the draft, with the limit :math:`\alpha \to 1` (the KL) after a
  Rényi divergence of symbolic order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Piecewise, S, oo

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Sentence, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, div, evaluate, ln, mul, neg, power, root, sub
from ..symbolic.objects import Bracket
from .exponential import exp_form, log_form, total
from .objects import (
    BhattacharyyaDistance,
    ChiSquare,
    DivergenceObject,
    HellingerSquared,
    Renyi,
)
from .renyi_limit import limit_stage

__all__ = [
    "KINDS",
    "Kind",
    "alpha_result",
    "alpha_term",
    "exact_value",
    "infinite_otherwise",
    "remark",
    "renyi_definition",
]


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


def alpha_term(a: Expr, b: Expr, order: Expr) -> Expr:
    """``a^order b^(1 - order)`` as a textbook writes it: ``sqrt(a b)`` at 1/2, ``a^2 / b``
    at 2."""
    if order == S.Half:
        return root(mul(a, b))
    if order == 2:
        return div(power(a, 2), b)
    rest = sub(1, order) if order.free_symbols else 1 - order
    return mul(power(a, order), power(b, rest))


def exact_value(
    kind: Kind, terms: list[Expr], order: Expr, written: Expr, facts: str = "main"
) -> tuple[Step, ...]:
    """With numbers for the masses, one more step: the divergence of the sum of ``terms``
    (``written``), its value kept exact."""
    value = evaluate(kind.definition(evaluate(add(*terms)), order))
    return (Step("algebra.simplify", written, value, facts=facts),) if value != written else ()


def infinite_otherwise(
    lhs: Expr, value: Expr, condition: Expr, reason: str, coordinates: bool = False
) -> tuple[Chain, Expr]:
    """The chain ``lhs = {value if condition; oo otherwise}`` (``reason``: the sentence
    that says why it is infinite otherwise), and that piecewise result; ``coordinates``:
    laws with independent coordinates, whose infinite side the verifier checks
    coordinate by coordinate."""
    result = Piecewise((value, condition), (oo, True), evaluate=False)
    step = Step(
        "support.piecewise",
        lhs,
        result,
        params={
            "q_name": "q",
            "p_name": "p",
            "support_conditions": (),
            "condition": condition,
            "otherwise": Sentence(reason),
            **({"coordinates": True} if coordinates else {}),
        },
        facts="result",
    )
    return Chain((step,)), result


def remark(
    quantity: str, lhs: Expr, q, p, condition: Expr | None, context: Context, integral: Expr
) -> tuple[tuple[Chain, ...], dict[str, Context]]:
    """Another form of the divergence, verified like every step, and the context it needs:
    Hellinger's half squared distance of the roots; chi-square as ``e^{D_2} - 1``, with
    ``D_2`` by its definition from ``integral`` (the integral of ``q^2 / p``)."""
    if quantity == "hellinger":
        half = mul(S.Half, total(power(Bracket(sub(root(q.function), root(p.function))), 2), q))
        return (Chain((Step("hellinger.half_squared", lhs, half, facts="result"),)),), {}
    if quantity == "chi_square":
        renyi = Renyi(q.function, p.function, S(2))
        defined = context.define(evaluate(renyi), evaluate(renyi_definition(integral, S(2))))
        step = Step(
            "chi_square.renyi",
            lhs,
            sub(power(S.Exp1, renyi), 1),
            facts="remark",
            condition=condition,
        )
        return (Chain((step,)),), {"remark": defined}
    return (), {}


def alpha_result(
    strategy: str,
    quantity: str,
    stages: tuple[Stage, ...],
    contexts: dict[str, Context],
    result: Expr,
    functions: dict[str, str],
    *,
    laws: tuple[Distribution, Distribution],
    lhs: Expr,
    order: Expr,
    context: Context,
) -> Draft:
    """The draft of the divergence ``quantity``; a Rényi divergence of symbolic order ends
    with the stage ``lim_{alpha -> 1} lhs = KL`` where the KL has a closed form."""
    limit = limit_stage(*laws, lhs, result, order, context) if quantity == "renyi" else None
    if limit is not None:
        stages = (*stages, limit[0])
        contexts = {**contexts, "limit": limit[1]}
    return Draft(
        strategy,
        stages,
        contexts,
        result,
        functions=functions,
        setting="catalog",
        quantity=quantity,
    )
