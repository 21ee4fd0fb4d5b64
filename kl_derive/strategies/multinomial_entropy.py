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

The cross-entropy :math:`\mathrm{H}(q, p) = -\mathbb{E}_q[\log p]` between two laws with
the same :math:`n` takes the same stages with the log mass function of :math:`p`: the
probabilities of :math:`p` enter only through :math:`-n\sum_i p_i \log r_i`.
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
from ..symbolic.objects import COUNT, Bracket, CrossEntropy, Entropy, Expect
from .draft import Draft
from .multinomial_counts import MAX_VECTORS

__all__ = ["derive_multinomial_cross_entropy", "derive_multinomial_entropy"]

NAME = "moments"


def derive_multinomial_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a multinomial law with a numeric total count."""
    return _derive(first, None)


def derive_multinomial_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) = -E_first[log second] for two multinomial laws with the same
    numeric total count and the same number of categories."""
    return _derive(first, second)


def _derive(first: Distribution, second: Distribution | None) -> Draft:
    family = first.family
    n, probs = family.split(first.args)
    what = "entropy" if second is None else "cross-entropy"
    if not n.is_number:
        raise SpecError(
            f"the {what} of {first.spec} has no closed form in n: it needs E[log k!] under "
            f"Bin({n}, p_i), a sum of {n} - 1 terms; give total_count as a number"
        )
    n2, logs_of = n, probs
    if second is not None:
        n2, logs_of = family.split(second.args)
        if n2 != n or len(logs_of) != len(probs):
            raise SpecError(
                f"the cross-entropy of two multinomial laws needs the same total_count and the "
                f"same number of categories (else the second is zero where the first has mass), "
                f"got {first.spec} and {second.spec}"
            )
    size = len(probs)
    if comb(int(n) + size - 1, size - 1) > MAX_VECTORS:
        raise SpecError(
            f"total_count {n} with {size} categories is too large to check by summation "
            f"(more than {MAX_VECTORS} count vectors)"
        )
    ks = counts(size)
    qf = Function("q")(COUNT)
    pf = qf if second is None else Function("p")(COUNT)
    other = first if second is None else second
    key = "multinomial_entropy" if second is None else "multinomial_cross_entropy"
    lhs = Entropy(qf) if second is None else CrossEntropy(qf, pf)
    rule = "entropy.definition_expectation" if second is None else "cross_entropy.expectation"
    formulas = [
        Chain((Step("density.formula", qf, family.density(None, first.args), {"law": first}),))
    ]
    if second is not None:
        formulas.append(
            Chain(
                (Step("density.formula", pf, family.density(None, second.args), {"law": second}),)
            )
        )
    stages = [
        Stage(
            f"{key}_definition",
            (*formulas, Chain((Step(rule, lhs, neg(Expect(ln(pf), qf))),))),
            params={"law": first, "n": n, "k": Tuple(*ks), "other": other},
        )
    ]
    log_q = family.log_density(None, other.args)
    stages.append(
        Stage(
            f"{key}_log",
            (Chain((Step("log_density.expand", ln(pf), log_q, {"law": other}),)),),
        )
    )
    # 3. term by term
    log_factorials = [Expect(ln(factorial(k)), qf) for k in ks]
    means = [Expect(k, qf) for k in ks]
    linear = add(
        neg(ln(factorial(n))),
        *log_factorials,
        *(neg(mul(ln(r), e)) for r, e in zip(logs_of, means, strict=True) if r != 1),
    )
    stages.append(
        Stage(
            f"{key}_expectation",
            (
                Chain(
                    (
                        Step("log_density.insert", neg(Expect(ln(pf), qf)), neg(Expect(log_q, qf))),
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
    stages.append(Stage(f"{key}_moments", tuple(chains), params={"law": first}))
    # 5. the result
    inserted = linear.xreplace({e: Bracket(v) if v.is_Add else v for e, v in values.items()})
    final = add(
        neg(ln(factorial(n))),
        neg(
            mul(
                n,
                group(add(*(mul(a, ln(r)) for a, r in zip(probs, logs_of, strict=True) if r != 1))),
            )
        ),
        *(values[e] for e in log_factorials),
    )
    if all(a.is_number for a in (*probs, *logs_of)):  # one rational multiple per logarithm
        final = display_form(expand(expand_log(evaluate(final), force=True)))
    steps = [Step("moment.insert", lhs, inserted)]
    if evaluate(final) != evaluate(inserted) or final != inserted:
        steps.append(Step("algebra.simplify", inserted, final))
    stages.append(Stage(f"{key}_result", (Chain(tuple(steps)),)))

    conditions = family.conditions(first.args)
    if second is not None:
        conditions = (*conditions, *family.conditions(second.args))
    density = evaluate(family.density(None, first.args))
    facts = DensityFacts(qf, ks, (0, n), density, {}, True)
    lemma = Context({"q": facts}, conditions=conditions)
    known = {
        tuple(1 if j == i else 0 for j in range(size)): evaluate(n * a) for i, a in enumerate(probs)
    }
    densities = {"q": DensityFacts(qf, ks, (0, n), density, known, True)}
    if second is not None:
        second_density = evaluate(family.density(None, second.args))
        densities["p"] = DensityFacts(pf, ks, (0, n), second_density, {}, True)
    main = Context(densities, conditions=conditions)
    return Draft(
        NAME,
        tuple(stages),
        {"main": main, "lemma": lemma},
        final,
        functions={"q": "q(k)"} if second is None else {"q": "q(k)", "p": "p(k)"},
        setting="catalog",
        quantity="entropy" if second is None else "cross_entropy",
    )


def _log_factorial_mean(n: int, p: Expr) -> Expr:
    """``sum_{j=2}^{n} C(n, j) p^j (1 - p)^(n - j) log j!``, written out."""
    terms = []
    for j in range(2, n + 1):
        rest = display_form(expand(1 - evaluate(p)))
        weight = mul(comb(n, j), power(p, j), power(rest, n - j) if n - j else S.One)
        terms.append(mul(weight, ln(factorial(j))))
    return add(*terms) if terms else S.Zero
