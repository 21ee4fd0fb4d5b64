r"""KL between two multinomial laws with the same number of trials.

:math:`D_{\mathrm{KL}}(\operatorname{Mult}(n; \mathbf{p}) \,\|\, \operatorname{Mult}(n;
\mathbf{q}))`, a sum over the count vectors :math:`\mathbf{k}` with :math:`k_1 + \dots +
k_K = n`, written as the expectation of the log ratio under the first law:

1. the two mass functions and the divergence as :math:`\mathbb{E}[\log (q/p)]`;
2. the two log mass functions, :math:`\log n! - \sum_i \log k_i! + \sum_i k_i \log p_i`;
3. the log ratio: the multinomial coefficients cancel (shown as a step of its own), and
   what is left is linear in the counts, :math:`\sum_i k_i \log (p_i/q_i)`;
4. the expectation term by term;
5. :math:`\mathbb{E}[k_i] = n p_i` (each count is binomial, :math:`\operatorname{Bin}(n,
   p_i)`); the verifier checks it by summing over every count vector;
6. :math:`n \sum_i p_i \log (p_i/q_i)`.
"""

from __future__ import annotations

from sympy import Expr, Function, Mul, S, Symbol, expand, factorial

from ..errors import SpecError
from ..families.base import Distribution
from ..families.multinomial import counts
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Sentence, Stage, Step
from ..symbolic.display import add, div, evaluate, group, ln, mul, neg, sub
from ..symbolic.objects import COUNT, KL, Bracket, Expect
from .draft import Draft

__all__ = ["derive"]

NAME = "moments"

#: the most count vectors the verifier sums over (a larger explicit n is refused)
MAX_VECTORS = 20_000


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two multinomial laws."""
    family = first.family
    n, p = family.split(first.args)
    m, q = second.family.split(second.args)
    if n != m:
        if n.is_number and m.is_number:
            raise SpecError(
                f"KL({first.spec} || {second.spec}) is infinite: the counts of the first law "
                f"sum to {n} and those of the second to {m}, so their supports are disjoint"
            )
        raise SpecError(
            "the two multinomial laws must have the same total_count (as for binomial); "
            f"got {n} and {m}"
        )
    if len(p) != len(q):
        raise SpecError(
            f"the two multinomial laws must have the same number of categories; got {len(p)} "
            f"and {len(q)}"
        )
    if n.is_number and _vectors(int(n), len(p)) > MAX_VECTORS:
        raise SpecError(
            f"total_count {n} with {len(p)} categories is too large to check by summation; "
            "give it as a name, e.g. multinomial(n, [...])"
        )
    ks = counts(len(p))
    qf, pf = Function("q")(COUNT), Function("p")(COUNT)
    q_density, p_density = family.density(None, first.args), family.density(None, second.args)
    ratio = ln(Mul(qf, pf**-1, evaluate=False))
    kl = KL(qf, pf)

    definition = Stage(
        "multinomial_definition",
        (
            Chain((Step("density.formula", qf, q_density, params={"law": first}),)),
            Chain((Step("density.formula", pf, p_density, params={"law": second}),)),
            Chain((Step("kl.expectation", kl, Expect(ratio, qf)),)),
        ),
        params={
            "law": first,
            "n": n,
            "vector": _vector(ks),
            "sums": tuple(
                (add(*probs), S.One) for probs in (p, q) if expand(sum(probs, S.Zero) - 1) != 0
            ),
            "sums_note": Sentence(
                "multinomial_note.sums"
                if _sum_to_one(p) or _sum_to_one(q)
                else "multinomial_note.none"
            ),
        },
    )

    lq = family.log_density(None, first.args)
    lp = family.log_density(None, second.args)
    logs = Stage(
        "log_densities",
        (
            Chain((Step("log_density.expand", ln(qf), lq, params={"law": first}),)),
            Chain((Step("log_density.expand", ln(pf), lp, params={"law": second}),)),
        ),
    )

    linear_q = add(*(mul(k, ln(a)) for k, a in zip(ks, p, strict=True)))
    linear_p = add(*(mul(k, ln(b)) for k, b in zip(ks, q, strict=True)))
    collected = add(*(mul(k, ln(div(a, b))) for k, a, b in zip(ks, p, q, strict=True) if a != b))
    coefficient = div(factorial(n), mul(*(factorial(k) for k in ks)))
    ratio_chain = (
        Step("log.quotient", ratio, sub(ln(qf), ln(pf))),
        Step("log_density.insert", sub(ln(qf), ln(pf)), sub(group(lq), group(lp))),
        Step(
            "multinomial.coefficient_cancels",
            sub(group(lq), group(lp)),
            sub(linear_q, group(linear_p)),
            params={"coefficient": coefficient},
        ),
        Step("algebra.collect_statistics", sub(linear_q, group(linear_p)), collected),
    )
    log_ratio = Stage("log_ratio_statistics", (Chain(ratio_chain),))

    pairs = [(k, a, b) for k, a, b in zip(ks, p, q, strict=True) if a != b]
    linear = add(*(mul(ln(div(a, b)), Expect(k, qf)) for k, a, b in pairs))
    expectation = Stage(
        "expectation_statistics",
        (
            Chain(
                (
                    Step("kl.expectation", kl, Expect(ratio, qf)),
                    Step(
                        "log_ratio.insert",
                        Expect(ratio, qf),
                        Expect(group(collected), qf),
                        # the supports are the same count vectors: nothing to add
                        params={"inside": Sentence("support_note.none")},
                    ),
                    Step("expectation.term_by_term", Expect(group(collected), qf), linear),
                )
            ),
        ),
    )

    means = {k: mul(n, a) for k, a in zip(ks, p, strict=True)}
    moment_chains = tuple(
        Chain(
            (
                Step(
                    "moment.known",
                    Expect(k, qf),
                    means[k],
                    params={"law": first, "reason": "multinomial", "n": n},
                    facts="lemma",
                ),
            )
        )
        for k, _, _ in pairs
    )
    moments = Stage("moments", moment_chains, params={"law": first})

    substituted = add(*(mul(ln(div(a, b)), Bracket(means[k])) for k, a, b in pairs))
    inner = add(*(mul(a, ln(div(a, b))) for _, a, b in pairs))
    final = mul(n, group(inner)) if len(pairs) > 1 else mul(n, inner)
    closing = [Step("moment.insert", kl, substituted)]
    if evaluate(final) != evaluate(substituted) or final != substituted:
        closing.append(Step("algebra.simplify", substituted, final))

    conditions = tuple(
        dict.fromkeys((*family.conditions(first.args), *family.conditions(second.args)))
    )
    bare_p = DensityFacts(pf, ks, (0, n), evaluate(p_density), discrete=True)
    # probabilities read from logits are placeholders; the sum over the count vectors
    # needs their values (which add up to one)
    mapping = {**first.substitutions, **second.substitutions}
    # probabilities given by name add up to one: the last name stands for one minus the
    # others (a mean n p_i holds only then), for the verifier as for the reader
    sums = {**_sum_to_one(p), **_sum_to_one(q)}
    lemma = Context(
        {
            "q": DensityFacts(
                qf, ks, (0, n), evaluate(q_density).xreplace(mapping).xreplace(sums), {}, True
            ),
            "p": DensityFacts(
                pf, ks, (0, n), evaluate(p_density).xreplace(mapping).xreplace(sums), {}, True
            ),
        },
        conditions=conditions,
    )
    for placeholder, value in (*mapping.items(), *sums.items()):
        lemma = lemma.define(placeholder, value)
    known = {
        tuple(1 if j == i else 0 for j in range(len(ks))): evaluate(means[k])
        for i, k in enumerate(ks)
    }
    main = Context(
        {"q": DensityFacts(qf, ks, (0, n), evaluate(q_density), known, True), "p": bare_p},
        conditions=conditions,
    )
    # the probabilities read from logits are substituted back by the caller (placeholders.py)
    result = Stage("result", (Chain(tuple(closing)),))
    stages = (definition, logs, log_ratio, expectation, moments, result)
    return Draft(
        NAME,
        stages,
        {"main": main, "lemma": lemma},
        final if pairs else neg(0),
        functions={"q": "q(k)", "p": "p(k)"},
        setting="catalog",
    )


def _sum_to_one(probs: tuple[Expr, ...]) -> dict[Symbol, Expr]:
    """``{p_K: 1 - p_1 - ... - p_{K-1}}`` for probabilities given by name that do not add
    up to one as written (none when they do: ``[a, b, 1 - a - b]``)."""
    total = sum(probs, S.Zero)
    if expand(total - 1) == 0:
        return {}
    named = [x for x in probs if isinstance(x, Symbol)]
    if not named:  # expressions only: solved for one of their names, when linear in it
        for symbol in sorted(total.free_symbols, key=str):
            if total.diff(symbol).is_number and total.diff(symbol) != 0:
                return {symbol: expand(symbol - (total - 1) / total.diff(symbol))}
        return {}
    last = named[-1]
    return {last: expand(1 - (total - last))}


def _vector(ks) -> Expr:
    from sympy import Tuple

    return Tuple(*ks)


def _vectors(n: int, size: int) -> int:
    """How many count vectors of ``size`` entries sum to ``n``."""
    from math import comb

    return comb(n + size - 1, size - 1)
