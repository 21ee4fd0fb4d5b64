r"""KL between two univariate laws as the expectation of their log ratio.

The moment method of the reference derivation, for any pair of families that can say
what their log density is and which expectations they know:

1. the two densities and the definition :math:`\int q \log (q/p)`;
2. where the densities are positive: if ``q`` puts probability where ``p`` is zero the
   divergence is infinite, and the derivation ends there;
3. each log density written out as a sum of a constant and ``coefficient * statistic``
   terms (``(\alpha - 1)\log z - \beta z``);
4. the log ratio, collected by statistic;
5. the divergence as the expectation of the log ratio, taken term by term;
6. each expectation :math:`\mathbb{E}[T(z)]` under ``q`` (a mean, a log-moment, a moment
   generating function), with the reason it holds;
7. the expectations substituted and the result tidied; where the closed form needs a
   condition (a support inside another, a finite moment) it is a piecewise result with
   :math:`\infty` elsewhere.

A discrete law is summed over its values ``k`` instead of integrated. The same stages
with one log density give the entropy and the cross-entropy (:mod:`.entropy`); the law
model is :mod:`.laws` and the expectations of the statistics :mod:`.moments`.
"""

from __future__ import annotations

from sympy import (
    Add,
    Expr,
    Function,
    Mul,
    Pow,
    S,
    Symbol,
    expand,
    oo,
)

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, ln, mul, sub
from ..symbolic.objects import (
    KL,
    Expect,
)
from .closing import (
    joined_conditions,
    moment_contexts,
    result_steps,
    stated_conditions,
    support_note,
)
from .closing import term as _term
from .draft import Draft
from .laws import (
    Law,
    collect_statistics,
    collected_display,
    conjuncts,
    group,
    log_density_steps,
    make_law,
    parameter_conditions,
    statistic_key,
    support_outside_step,
    support_relation,
    support_set,
    total_over,
    variable_for,
)
from .moments import NoClosedForm, found_moments, moment_stage, no_closed_form
from .tidy import tidy, tidy_coefficient

__all__ = [
    "NAME",
    "NoClosedForm",
    "definition_stage",
    "derive",
    "expectation_stage",
    "kl_of",
    "log_ratio_stages",
    "support_outside_step",
]

NAME = "moments"


# ---------------------------------------------------------------------------
# the divergence
# ---------------------------------------------------------------------------


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two univariate laws."""
    if first.family.discrete != second.family.discrete:
        raise NoClosedForm(
            f"KL({first.family.name} || {second.family.name}) compares a mass function with a "
            "density; the divergence is not defined"
        )
    variable = variable_for(first)
    q, p = make_law(first, "q", variable), make_law(second, "p", variable)
    conditions = parameter_conditions(first, second)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    kl = KL(q.function, p.function)
    outside = support_relation(q, p)
    stages = [definition_stage(q, p, kl, differ=outside is True or bool(outside))]
    if outside is True:  # q has mass where p is zero, for every parameter value
        stages.append(Stage("support_outside", (Chain((support_outside_step(kl, q, p),)),)))
        return _draft(stages, {"main": bare, "lemma": bare}, oo, q, p)

    support_conditions = outside  # a tuple of conditions (empty when nested for sure)
    more, ratio, collected, statistics, constant = log_ratio_stages(q, p)
    stages.extend(more)

    found = found_moments(q, [t for t, _ in statistics], fallback=False)
    if any(m is None for m in found):
        # an expectation with no finite value: the divergence may be infinite because of it
        divergent = _divergent_stages(kl, ratio, collected, q, constant, statistics, found)
        if divergent is None:
            # a finite one no family states: SymPy may integrate it (the fallback)
            found = found_moments(q, [t for t, _ in statistics])
        if divergent is None and all(m is not None for m in found):
            divergent = []
        elif divergent is None or support_conditions:
            raise no_closed_form(q, statistics, found, p, support_conditions)
    if any(m is None for m in found):
        stages.extend(divergent)
        expectations = {m.statistic: evaluate(m.value) for m in found if m is not None}
        main = bare.with_expectations("q", expectations)
        return _draft(stages, {"main": main, "lemma": bare}, oo, q, p)
    moments = list(found)
    expectations_stage, _expanded = expectation_stage(
        kl, ratio, collected, q, constant, statistics, support=support_conditions
    )
    stages.append(expectations_stage)
    if moments:  # (a uniform law against another: a constant log ratio, no expectation)
        stages.append(moment_stage(q, moments, support_conditions))
    conditions_needed = tuple(c for m in moments for c in conjuncts(m.condition))
    closing, final = result_steps(
        kl, constant, statistics, moments, support_conditions, conditions_needed
    )
    contexts = moment_contexts(
        bare, moments, stated_conditions(support_conditions, conditions_needed)
    )
    # parameters given as expressions are substituted back by the caller (placeholders.py)
    stages.append(Stage("result", tuple(closing)))
    return _draft(stages, contexts, final, q, p)


def log_ratio_stages(q: Law, p: Law):
    """The two log densities written out, then the log ratio collected by statistic:
    ``(stages, ratio, collected, statistics, constant)``."""
    lq_steps, lp_steps = log_density_steps(q), log_density_steps(p)
    lq, lp = lq_steps[-1], lp_steps[-1]
    ratio = ln(Mul(q.function, p.function**-1, evaluate=False))
    difference = sub(group(lq.after), group(lp.after))
    statistics, constant = collect_statistics(
        evaluate(lq.after) - evaluate(lp.after), q.facts.variable
    )
    collected = collected_display(constant, statistics)
    steps = [Step("log.quotient", ratio, sub(ln(q.function), ln(p.function)))]
    steps.append(Step("log_density.insert", steps[-1].after, difference))
    if collected != difference:
        steps.append(Step("algebra.collect_statistics", difference, collected))
    stages = [
        Stage("log_densities", (Chain(lq_steps), Chain(lp_steps))),
        Stage("log_ratio_statistics", (Chain(tuple(steps)),)),
    ]
    return stages, ratio, collected, statistics, constant


def _draft(stages, contexts, result, q: Law, p: Law) -> Draft:
    name = "k" if q.facts.discrete else "z"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        result,
        functions={"q": f"q({name})", "p": f"p({name})"},
        setting="catalog",
    )


def definition_stage(q: Law, p: Law, kl: Expr, differ: bool = False) -> Stage:
    """The two densities and the definition; where the supports may differ, each density
    is written with its support (``p`` is zero where it is not positive, and the integral
    of the definition is then infinite), ``q`` inside its own support as its formula."""
    q_shown = q.density_with_support if differ else q.density
    p_shown = p.density_with_support if differ else p.density
    integrand = mul(q.function, ln(Mul(q.function, p.function**-1, evaluate=False)))
    # q/p as a fraction of the two densities: p**-1 would distribute over p's factors
    # (log(1/(b1 - a1) (b2 - a2)) instead of the ratio of 1/(b1 - a1) to 1/(b2 - a2))
    written = mul(q.density, ln(Mul(q.density, Pow(p_shown, -1, evaluate=False), evaluate=False)))
    rule = "kl.definition_sum" if q.facts.discrete else "kl.definition"
    return Stage(
        "catalog_definition",
        (
            Chain((Step("density.formula", q.function, q_shown, params={"law": q.distribution}),)),
            Chain((Step("density.formula", p.function, p_shown, params={"law": p.distribution}),)),
            Chain(
                (
                    Step(rule, kl, total_over(integrand, q)),
                    Step("density.substitute", total_over(integrand, q), total_over(written, q)),
                )
            ),
        ),
        params={"support": support_set(q)},
    )


# ---------------------------------------------------------------------------
# log densities and the log ratio
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# the expectation and the moments
# ---------------------------------------------------------------------------


def _common_factor(h: Expr, variable: Symbol) -> tuple[Expr, Expr]:
    """``(c, g)`` with ``h = c g`` and ``c`` free of the variable (the constant content)."""
    from sympy import factor_terms

    c, g = factor_terms(h).as_independent(variable, as_Add=False)
    g = expand(g)
    terms = sorted(
        Add.make_args(g), key=lambda t: statistic_key(t.as_independent(variable)[1], variable)
    )
    lead = terms[0].as_independent(variable, as_Add=False)[0]
    if lead.is_number and lead != 0:  # monic inside: (1/(2 sigma^2)) E[z^2 - 2 mu z]
        c, g = c * lead, expand(g / lead)
    if c.could_extract_minus_sign():
        c, g = -c, -g
    return c, expand(g)


def _divergent_stages(kl, ratio, collected, q: Law, constant, statistics, found):
    """The stages of an infinite divergence: the terms of the log ratio whose mean is
    unknown form ``h``, whose mean is shown to be :math:`+\\infty` (see
    :mod:`kl_derive.steps.divergence`) while every other term has a finite mean; or
    ``None`` when that cannot be shown."""
    from ..steps.divergence import divergent_ends

    known = [(tc, m) for tc, m in zip(statistics, found, strict=True) if m is not None]
    unknown = [tc for tc, m in zip(statistics, found, strict=True) if m is None]
    if any(m.condition != S.true for _, m in known):
        return None
    h = sum((c * t for t, c in unknown), S.Zero)
    ends = divergent_ends(h, q.facts)
    if ends is None:
        return None
    # a common factor of h stands outside the expectation: (1/b) E|z - mu|
    factor_out, inner = _common_factor(h, q.facts.variable)
    h_shown = display_form(inner, q.facts.variable)
    expectation, linear = expectation_stage(
        kl, ratio, collected, q, constant, [t for t, _ in known], grouped=(h_shown, factor_out)
    )
    moments_stage = moment_stage(q, [m for _, m in known])
    divergent = Step(
        "moment.divergent",
        Expect(h_shown, q.function),
        oo,
        params={
            "q_name": "q",
            "h": h_shown,
            "ends": ends,
            "variable": q.facts.variable,
            "law": q.distribution,
        },
        facts="lemma",
    )
    moments_stage = Stage(
        "moments_divergent",
        (*moments_stage.chains, Chain((divergent,))),
        params=dict(moments_stage.params),
    )
    value = constant + sum((c * evaluate(m.value) for (_, c), m in known), S.Zero)
    finite = tidy(value)
    with_infinity = Add(finite, oo, evaluate=False)
    insert = Step(
        "divergence.insert",
        kl,
        with_infinity,
        params={
            "linear": linear,
            "constant": constant,
            "finite_terms": tuple((t, c) for (t, c), _ in known),
            "h": h_shown,
            "factor": factor_out,
            "q_name": "q",
        },
    )
    absorb = Step("divergence.absorb", with_infinity, oo)
    return [expectation, moments_stage, Stage("result_divergent", (Chain((insert, absorb)),))]


def expectation_stage(kl, ratio, collected, q: Law, constant, statistics, grouped=None, support=()):
    """KL as the expectation of the log ratio, then term by term: the constant and
    ``coefficient * E[statistic]`` for each statistic, and ``factor * E[h]`` for the
    ``grouped`` terms ``(h, factor)`` of an infinite divergence. Inserting the log ratio
    holds where ``p`` is its formula wherever ``q`` is positive: under the ``support``
    conditions (stated on the step). Returns the stage and the linear form."""
    integral = total_over(mul(q.function, ratio), q)
    inserted = total_over(mul(q.function, group(collected)), q)
    linear_terms = [tidy(constant)] if constant != 0 else []
    for statistic, coefficient in statistics:
        linear_terms.append(
            _term(tidy_coefficient(coefficient), Expect(display_form(statistic), q.function))
        )
    if grouped is not None:
        h, factor = grouped
        linear_terms.append(_term(tidy_coefficient(factor), Expect(h, q.function)))
    linear = add(*linear_terms)
    chain = Chain(
        (
            Step("kl.definition_sum" if q.facts.discrete else "kl.definition", kl_of(q), integral),
            Step(
                "log_ratio.insert",
                integral,
                inserted,
                params=support_note(support, "support_note.inside"),
                condition=joined_conditions(support),
            ),
            Step("expectation.term_by_term", inserted, linear),
        )
    )
    return Stage("expectation_statistics", (chain,)), linear


def kl_of(q: Law) -> Expr:
    return KL(q.function, Function("p")(q.facts.variable))


# ---------------------------------------------------------------------------
# entropy and cross-entropy: the same stages with one log density
# ---------------------------------------------------------------------------
