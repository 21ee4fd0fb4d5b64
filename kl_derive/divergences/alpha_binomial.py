r"""The divergences of :mod:`.alpha` between two binomial laws with different numbers of
trials, both given as numbers: ``binomial(3, a)`` against ``binomial(5, b)``.

With :math:`q = \mathrm{Bin}(n_q, \cdot)` and :math:`p = \mathrm{Bin}(n_p, \cdot)` the
supports are :math:`\{0, \dots, n_q\}` and :math:`\{0, \dots, n_p\}`; no log-partition
function is shared, so the integral is a finite sum, written out term by term:

* where :math:`q(k) = 0` (:math:`k > n_q`) the term :math:`q(k)^\alpha p(k)^{1-\alpha}` is
  0 for every order :math:`\alpha > 0`;
* where :math:`p(k) = 0 < q(k)` (:math:`n_p < k \le n_q`) the term is 0 for
  :math:`\alpha < 1` and :math:`+\infty` for :math:`\alpha > 1` (:math:`0^{1-\alpha}`).

Hence with :math:`n_q < n_p` the sum runs over :math:`k \le n_q` and is finite for every
order; with :math:`n_q > n_p` it runs over :math:`k \le n_p` and is finite exactly when
:math:`\alpha < 1` (a symbolic order gives ``{closed form if alpha < 1; oo otherwise}``;
a numeric order above 1, chi-square among them, is infinite for every value of the
probabilities, said in one line). The sum of :math:`\binom{n_q}{k}^\alpha
\binom{n_p}{k}^{1-\alpha} \dots` has no closed form in general: the terms are written out,
at most :data:`MAX_TERMS` of them.
"""

from __future__ import annotations

from sympy import Integer, Ne, S, Sum, binomial

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, evaluate, mul, power, sub
from ..symbolic.objects import COUNT
from .alpha_parts import (
    KINDS,
    alpha_result,
    alpha_term,
    exact_value,
    infinite_otherwise,
    remark,
)
from .exponential import law, parameter_conditions, total

__all__ = ["MAX_TERMS", "alpha_binomial_draft", "is_trials_pair"]

#: the most terms written out (the smaller number of trials, plus one)
MAX_TERMS = 9


def is_trials_pair(first: Distribution, second: Distribution) -> bool:
    """Two binomial laws whose numbers of trials differ (both numbers)."""
    if (first.family.name, second.family.name) != ("binomial", "binomial"):
        return False
    n, m = first.args[0], second.args[0]
    return n != m and n.is_number and m.is_number


def _mass(n: Integer, prob, k: int):
    """``C(n, k) prob^k (1 - prob)^(n - k)`` as a textbook writes it at a number ``k``."""
    parts = [binomial(n, k)] if binomial(n, k) != 1 else []
    if k:
        parts.append(power(prob, k) if k > 1 else prob)
    if n - k:
        rest = sub(1, prob) if prob.free_symbols else 1 - prob
        parts.append(power(rest, n - k) if n - k > 1 else rest)
    return mul(*parts) if parts else S.One


def alpha_binomial_draft(
    first: Distribution, second: Distribution, quantity: str, alpha=None
) -> Draft:
    """Derive the divergence ``quantity`` of two binomial laws with different numbers of
    trials."""
    kind = KINDS[quantity]
    order = kind.order if kind.order is not None else alpha
    (nq, pq), (np_, pp) = first.args, second.args
    common = int(min(nq, np_))
    if nq > np_ and order.is_number and order > 1:
        counts = f"{common + 1}" if common + 1 == nq else f"{common + 1}, ..., {nq}"
        raise KLDeriveError(
            f"the divergence is infinite for every value of the probabilities: "
            f"Bin({nq}, ·) puts mass on {counts}, where Bin({np_}, ·) puts none, "
            f"and the order {order} > 1 makes those terms q(k)^{order} p(k)^(1 - {order}) "
            "infinite"
        )
    if common + 1 > MAX_TERMS:
        raise KLDeriveError(
            f"between binomial laws with {nq} and {np_} trials the sum has {common + 1} terms "
            f"and no closed form; kl-derive writes out at most {MAX_TERMS}"
        )
    q, p = law(first, "q", COUNT), law(second, "p", COUNT)
    summand = alpha_term(q.function, p.function, order)
    terms = [alpha_term(_mass(nq, pq, k), _mass(np_, pp, k), order) for k in range(common + 1)]
    condition = (order < 1) if nq > np_ and order.free_symbols else None
    conditions = parameter_conditions(first, second)
    if order.free_symbols:  # an order alpha > 0 other than 1
        conditions = (*conditions, order > 0, Ne(order, 1))
    lhs = kind.lhs(q.function, p.function, order)
    definition = kind.definition(total(summand, q), order)
    common_sum = kind.definition(Sum(summand, (COUNT, 0, common)), order)
    written = kind.definition(add(*terms), order)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    context = bare.define(evaluate(lhs), evaluate(definition))
    steps = [Step(f"{quantity}.definition", lhs, definition, facts="result")]
    if nq > np_:  # the counts where p has no mass: terms 0 below order 1
        steps.append(
            Step(
                "alpha_masses.common_support",
                definition,
                common_sum,
                params={"common": Integer(common)},
                facts="result",
                condition=condition,
            )
        )
    steps.append(
        Step("alpha_masses.terms", steps[-1].after, written, facts="result", condition=condition)
    )
    if not (pq.free_symbols or pp.free_symbols or order.free_symbols):
        steps.extend(exact_value(kind, terms, order, written, facts="result"))
    chains = [Chain(tuple(steps))]
    result = steps[-1].after
    if condition is not None:
        everywhere, result = infinite_otherwise(
            lhs, result, condition, "divergence_reason.more_trials"
        )
        chains.append(everywhere)
    # chi-square as e^{D_2} - 1, as the other alpha routes end (finite here: q has fewer
    # trials, or it was refused above); not Hellinger's half squared distance of the
    # roots, a sum over the support of p as well, which is larger than that of q here
    remark_contexts: dict[str, Context] = {}
    if quantity == "chi_square":
        extra, remark_contexts = remark(quantity, lhs, q, p, condition, context, total(summand, q))
        chains.extend(extra)
    stage = Stage(
        f"{quantity}_binomial_trials",
        tuple(chains),
        params={
            "common": Integer(common),
            "n_q": nq,
            "n_p": np_,
            "term": summand,
            "below": order < 1,
            "above": order > 1,
        },
    )
    return alpha_result(
        "mass_functions",
        quantity,
        (stage,),
        {"main": context, "result": context, **remark_contexts},
        result,
        {"q": "q(k)", "p": "p(k)"},
        laws=(first, second),
        lhs=lhs,
        order=order,
        context=context,
    )
