r"""Entropy and cross-entropy of Dirichlet laws, through the log-partition function.

For :math:`q = \operatorname{Dir}(\boldsymbol{\alpha})` and
:math:`p = \operatorname{Dir}(\boldsymbol{\beta})` on the simplex of :math:`K` coordinates,
both members of the exponential family with statistics :math:`T_j = \log z_j`, natural
parameters :math:`\eta_j = \alpha_j - 1`, base measure 1 and log-partition function
:math:`A(\eta) = \sum_j \log\Gamma(\eta_j + 1) - \log\Gamma(\sum_j \eta_j + K)`:

1. each density in its natural form;
2. :math:`\mathrm{H}(q, p) = -\mathbb{E}_q[\log p] = A(\eta_p) - \langle \eta_p,
   \mathbb{E}_q[T] \rangle` (:math:`p = q` for the entropy), with :math:`A` written out;
3. :math:`\mathbb{E}_q[\log z_j] = \partial A/\partial\eta_j = \psi(\alpha_j) -
   \psi(\alpha_0)`, by differentiation (:func:`.bregman.moments_by_gradient`);
4. the closed form, :math:`\log B(\boldsymbol\beta) + (\beta_0 - K)\psi(\alpha_0) -
   \sum_j (\beta_j - 1)\psi(\alpha_j)`; for the entropy (:math:`\beta = \alpha`)
   :math:`\log B(\boldsymbol\alpha) + (\alpha_0 - K)\psi(\alpha_0) - \sum_j(\alpha_j -
   1)\psi(\alpha_j)`, with :math:`\log B(\boldsymbol\alpha) = \sum_j \log\Gamma(\alpha_j) -
   \log\Gamma(\alpha_0)`.

The concentrations are lists (the number of categories :math:`K` explicit), as for the
divergence.
"""

from __future__ import annotations

from sympy import (
    Add,
    Eq,
    Expr,
    count_ops,
    digamma,
    exp,
    expand_log,
    gamma,
    logcombine,
    loggamma,
    simplify,
)

from ..errors import KLDeriveError
from ..families.base import ETA, Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, ln, mul, neg, sub
from ..symbolic.objects import CrossEntropy, Entropy, Expect
from .bregman import (
    LOG_PARTITION,
    moments_by_gradient,
    natural_form,
    natural_form_chain,
    vector_law,
)
from .draft import Draft
from .laws import parameter_conditions

__all__ = ["derive_dirichlet_cross_entropy", "derive_dirichlet_entropy"]

NAME = "bregman"


def derive_dirichlet_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a Dirichlet law given by a list."""
    return _derive(first, None)


def derive_dirichlet_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) = -E_first[log second] for two Dirichlet laws."""
    return _derive(first, second)


def _derive(first: Distribution, second: Distribution | None) -> Draft:
    entropy = second is None
    variable = first.family.variables(first.args)
    if second is not None and len(second.family.variables(second.args)) != len(variable):
        raise KLDeriveError("the two Dirichlet laws have different numbers of categories")
    q = vector_law(first, "q", variable)
    p = q if entropy else vector_law(second, "p", variable)
    fq = natural_form(first, variable)
    fp = fq if entropy else natural_form(p.distribution, variable)
    a_p = LOG_PARTITION(*fp.natural)
    value_p = _partition_value(fp)
    laws = (first,) if entropy else (first, second)
    bare = Context(
        {"q": q.facts} if entropy else {"q": q.facts, "p": p.facts},
        conditions=parameter_conditions(*laws),
    )
    definitions = bare.define(evaluate(a_p), evaluate(value_p))
    if not entropy:  # q's natural form names A at q's parameters too
        a_q = LOG_PARTITION(*fq.natural)
        definitions = definitions.define(evaluate(a_q), evaluate(_partition_value(fq)))

    # 1. the natural form(s)
    chains = []
    for law, form in ((q, fq),) if entropy else ((q, fq), (p, fp)):
        chains.append(natural_form_chain(law, form))
    etas = ETA[: len(fq.statistics)]
    stages = [
        Stage(
            "natural_form_entropy",
            tuple(chains),
            params={
                "statistics": tuple(display_form(t) for t in fq.statistics),
                "log_partition": _equation(LOG_PARTITION(*etas), fq.log_partition),
            },
        )
    ]

    # 2. the cross-entropy through A
    lhs = Entropy(q.function) if entropy else CrossEntropy(q.function, p.function)
    definition = neg(Expect(ln(p.function), q.function))
    pairing = add(
        *[
            mul(eta, Expect(display_form(t), q.function))
            for eta, t in zip(fp.natural, fp.statistics, strict=True)
        ]
    )
    through_a = add(a_p, neg(pairing))
    written = add(display_form(value_p), neg(pairing))
    rule = "entropy.definition" if entropy else "cross_entropy.definition"
    stages.append(
        Stage(
            "entropy_log_partition",
            (
                Chain(
                    (
                        Step(rule, lhs, definition),
                        Step(
                            "exponential_family.entropy",
                            definition,
                            through_a,
                            facts="definitions",
                        ),
                        Step("log_partition.insert_one", through_a, written, facts="definitions"),
                    )
                ),
            ),
        )
    )

    # 3. the means by differentiation
    gradient, moments = moments_by_gradient(first, fq, q)
    stages.append(gradient)

    # 4. the closed form
    substituted = add(
        display_form(value_p),
        neg(
            add(
                *[
                    mul(eta, moments[evaluate(t)])
                    for eta, t in zip(fp.natural, fp.statistics, strict=True)
                ]
            )
        ),
    )
    alphas = tuple(first.args[0])
    betas = alphas if entropy else tuple(second.args[0])
    final = _closed_form(alphas, betas)
    steps = [
        Step("moment.insert", lhs, substituted, facts="main"),
        Step("algebra.simplify", substituted, final, facts="main"),
    ]
    stages.append(Stage("dirichlet_entropy_result", (Chain(tuple(steps)),)))
    main = definitions.with_expectations("q", moments)
    contexts = {"definitions": definitions, "lemma": bare, "main": main}
    functions = {"q": r"q(\boldsymbol{z})", "A": "A"}
    if not entropy:
        functions["p"] = r"p(\boldsymbol{z})"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        final,
        functions=functions,
        setting="catalog",
        quantity="entropy" if entropy else "cross_entropy",
    )


def _equation(lhs: Expr, rhs: Expr) -> Expr:
    return Eq(lhs, display_form(rhs), evaluate=False)


def _partition_value(form) -> Expr:
    """``A(eta)`` at the law's natural parameters: ``sum_j log Gamma(alpha_j) - log
    Gamma(alpha_0)``, written with the user's parameters."""
    etas = ETA[: len(form.natural)]
    return form.log_partition.xreplace(
        {e: evaluate(v) for e, v in zip(etas, form.natural, strict=True)}
    )


def _numeric(value: Expr) -> Expr:
    """A number as a rational plus one logarithm where the logarithms combine
    (``57/20 + log 2 - log 120`` is ``57/20 - log 60``)."""
    constant, logs = value.as_coeff_Add()
    argument = simplify(exp(logs))
    if logs == 0 or not argument.is_Rational:
        combined = logcombine(expand_log(value, force=True), force=True)
        return display_form(combined if count_ops(combined) < count_ops(value) else value)
    shown = neg(ln(1 / argument)) if argument < 1 else ln(argument)
    return add(constant, shown) if constant != 0 else shown


def _closed_form(alphas: tuple[Expr, ...], betas: tuple[Expr, ...]) -> Expr:
    r"""``log B(beta) + (beta_0 - K) psi(alpha_0) - sum_j (beta_j - 1) psi(alpha_j)``, with
    ``log B`` written out and numbers evaluated."""
    k = len(alphas)
    alpha0, beta0 = Add(*alphas), Add(*betas)
    if all(a.is_number for a in (*alphas, *betas)):
        value = (
            sum(loggamma(b) for b in betas)
            - loggamma(beta0)
            + (beta0 - k) * digamma(alpha0)
            - sum((b - 1) * digamma(a) for a, b in zip(alphas, betas, strict=True))
        )
        return _numeric(value)
    log_b = add(*[ln(gamma(b)) for b in betas], neg(ln(gamma(beta0))))
    terms = [log_b]
    if sub(beta0, k) != 0:
        terms.append(mul(display_form(evaluate(sub(beta0, k))), digamma(alpha0)))
    for a, b in zip(alphas, betas, strict=True):
        coefficient = evaluate(sub(b, 1))
        if coefficient != 0:
            terms.append(neg(mul(display_form(coefficient), digamma(a))))
    return add(*terms)
