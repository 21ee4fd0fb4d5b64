r"""The entropy of a multinomial law with a given number of trials, as an exact finite sum.

For :math:`q = \operatorname{Mult}(n; \mathbf{p})` on the count vectors :math:`\mathbf{k}`
with :math:`k_1 + \dots + k_K = n`:

1. the mass function and :math:`\mathrm{H}(q) = -\mathbb{E}_q[\log q]`;
2. :math:`\log q(\mathbf{k}) = \log n! - \sum_i \log k_i! + \sum_i k_i \log p_i`;
3. the expectation term by term;
4. :math:`\mathbb{E}[k_i] = n p_i`, and :math:`\mathbb{E}[\log k_i!] = \sum_{j=2}^{n}
   \binom{n}{j} p_i^j (1-p_i)^{n-j} \log j!` (each count is :math:`\operatorname{Bin}(n,
   p_i)`; the terms :math:`j = 0, 1` vanish), checked by summing over every count vector;
5. :math:`-\log n! - n\sum_i p_i \log p_i + \sum_i \mathbb{E}[\log k_i!]`.

There is no closed form in general: :math:`\mathbb{E}[\log k!]` under a binomial law is a sum
of :math:`n - 1` terms with no closed form in :math:`n`. So :math:`n` must be a number (a
name is refused in one line saying why), and not so large that the verifier cannot sum
over the count vectors (:data:`.multinomial_counts.MAX_VECTORS`).
"""

from __future__ import annotations

from math import comb

from sympy import Expr, Function, S, Tuple, expand, expand_log, factorial

from ..errors import SpecError
from ..families.base import Distribution
from ..families.multinomial import counts
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, group, ln, mul, neg, power
from ..symbolic.objects import COUNT, Bracket, Entropy, Expect
from .draft import Draft
from .multinomial_counts import MAX_VECTORS

__all__ = ["derive_multinomial_entropy"]

NAME = "moments"


def derive_multinomial_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a multinomial law with a numeric total count."""
    family = first.family
    n, probs = family.split(first.args)
    if not n.is_number:
        raise SpecError(
            f"the entropy of {first.spec} has no closed form in n: it needs E[log k!] under "
            f"Bin({n}, p_i), a sum of {n} - 1 terms; give total_count as a number"
        )
    size = len(probs)
    if comb(int(n) + size - 1, size - 1) > MAX_VECTORS:
        raise SpecError(
            f"total_count {n} with {size} categories is too large to check by summation "
            f"(more than {MAX_VECTORS} count vectors)"
        )
    ks = counts(size)
    qf = Function("q")(COUNT)
    lhs = Entropy(qf)
    stages = [
        Stage(
            "multinomial_entropy_definition",
            (
                Chain(
                    (Step("density.formula", qf, family.density(None, first.args), {"law": first}),)
                ),
                Chain((Step("entropy.definition_expectation", lhs, neg(Expect(ln(qf), qf))),)),
            ),
            params={"law": first, "n": n, "k": Tuple(*ks)},
        )
    ]
    log_q = family.log_density(None, first.args)
    stages.append(
        Stage(
            "multinomial_entropy_log",
            (Chain((Step("log_density.expand", ln(qf), log_q, {"law": first}),)),),
        )
    )
    # 3. term by term
    log_factorials = [Expect(ln(factorial(k)), qf) for k in ks]
    means = [Expect(k, qf) for k in ks]
    linear = add(
        neg(ln(factorial(n))),
        *log_factorials,
        *(neg(mul(ln(a), e)) for a, e in zip(probs, means, strict=True) if a != 1),
    )
    stages.append(
        Stage(
            "multinomial_entropy_expectation",
            (
                Chain(
                    (
                        Step("log_density.insert", neg(Expect(ln(qf), qf)), neg(Expect(log_q, qf))),
                        Step("expectation.term_by_term", neg(Expect(log_q, qf)), linear),
                    )
                ),
            ),
        )
    )
    # 4. the means
    chains = []
    values = {}
    for k, a, mean, log_factorial in zip(ks, probs, means, log_factorials, strict=True):
        values[mean] = mul(n, a)
        chains.append(
            Chain(
                (
                    Step(
                        "moment.known",
                        mean,
                        values[mean],
                        {"law": first, "reason": "multinomial", "n": n},
                        facts="lemma",
                    ),
                )
            )
        )
        values[log_factorial] = _log_factorial_mean(int(n), a)
        chains.append(
            Chain(
                (
                    Step(
                        "multinomial.log_factorial",
                        log_factorial,
                        values[log_factorial],
                        {"k": k, "p": a, "n": n},
                        facts="lemma",
                    ),
                )
            )
        )
    stages.append(Stage("multinomial_entropy_moments", tuple(chains), params={"law": first}))
    # 5. the result
    inserted = linear.xreplace({e: Bracket(v) if v.is_Add else v for e, v in values.items()})
    final = add(
        neg(ln(factorial(n))),
        neg(mul(n, group(add(*(mul(a, ln(a)) for a in probs if a != 1))))),
        *(values[e] for e in log_factorials),
    )
    if all(a.is_number for a in probs):  # a number: one rational multiple per logarithm
        final = display_form(expand(expand_log(evaluate(final), force=True)))
    steps = [Step("moment.insert", lhs, inserted)]
    if evaluate(final) != evaluate(inserted) or final != inserted:
        steps.append(Step("algebra.simplify", inserted, final))
    stages.append(Stage("multinomial_entropy_result", (Chain(tuple(steps)),)))

    conditions = family.conditions(first.args)
    density = evaluate(family.density(None, first.args))
    facts = DensityFacts(qf, ks, (0, n), density, {}, True)
    lemma = Context({"q": facts}, conditions=conditions)
    known = {
        tuple(1 if j == i else 0 for j in range(size)): evaluate(n * a) for i, a in enumerate(probs)
    }
    main = Context({"q": DensityFacts(qf, ks, (0, n), density, known, True)}, conditions=conditions)
    return Draft(
        NAME,
        tuple(stages),
        {"main": main, "lemma": lemma},
        final,
        functions={"q": "q(k)"},
        setting="catalog",
        quantity="entropy",
    )


def _log_factorial_mean(n: int, p: Expr) -> Expr:
    """``sum_{j=2}^{n} C(n, j) p^j (1 - p)^(n - j) log j!``, written out."""
    terms = []
    for j in range(2, n + 1):
        rest = display_form(expand(1 - evaluate(p)))
        weight = mul(comb(n, j), power(p, j), power(rest, n - j) if n - j else S.One)
        terms.append(mul(weight, ln(factorial(j))))
    return add(*terms) if terms else S.Zero
