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
with one log density give the entropy and the cross-entropy (:func:`derive_entropy`,
:func:`derive_cross_entropy`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sympy import (
    Abs,
    Add,
    And,
    Dummy,
    Expr,
    Function,
    Integral,
    Mul,
    Pow,
    S,
    Sum,
    Symbol,
    expand,
    log,
    oo,
)

from ..errors import KLDeriveError
from ..families.base import Distribution, Moment, absolute_deviation_point
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..steps.support import support_condition
from ..symbolic.display import add, display_form, evaluate, ln, mul, sub, substitute
from ..symbolic.objects import (
    COUNT,
    KL,
    POSITIVE_VARIABLE,
    VARIABLE,
    Between,
    Bracket,
    Expect,
    OnSupport,
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
from .tidy import tidy, tidy_coefficient

__all__ = [
    "derive",
    "derive_cross_entropy",
    "derive_entropy",
    "log_density_steps",
    "variable_for",
]

NAME = "moments"


class NoClosedForm(KLDeriveError):
    """The pair has no closed form the catalog knows (a one-line error, not a hang)."""


def variable_for(distribution: Distribution) -> Symbol:
    """The variable a derivation integrates (or sums) over: ``k`` for a count, a positive
    ``z`` on the half-line (so that ``log z`` may be split), else a real ``z``."""
    family = distribution.family
    if family.discrete:
        return COUNT
    lower, _ = family.support(distribution.args)
    return POSITIVE_VARIABLE if S(lower).is_nonnegative else VARIABLE


@dataclass(frozen=True)
class _Law:
    """A distribution as one derivation uses it: its density function and facts."""

    distribution: Distribution
    function: Expr
    facts: DensityFacts
    density: Expr  # display

    @property
    def args(self) -> tuple[Expr, ...]:
        return self.distribution.args

    @property
    def density_with_support(self) -> Expr:
        """The density written with the set it lives on, ``{formula if z in support; 0
        otherwise}``: how it is shown where the two laws' supports differ."""
        facts = self.facts
        condition = support_condition(facts.variable, facts.support, facts.discrete)
        if condition is S.true or condition == S.true:
            return self.density
        return OnSupport(self.density, condition)


def _law(distribution: Distribution, name: str, variable: Symbol) -> _Law:
    family = distribution.family
    function = Function(name)(variable)
    density = family.density(variable, distribution.args)
    facts = DensityFacts(
        function,
        variable,
        tuple(S(b) for b in family.support(distribution.args)),
        evaluate(density),
        discrete=family.discrete,
    )
    return _Law(distribution, function, facts, density)


def _total(integrand: Expr, law: _Law) -> Expr:
    """``\\int_{support} integrand dz`` (or the sum over ``k``)."""
    limits = (law.facts.variable, *law.facts.support)
    return Sum(integrand, limits) if law.facts.discrete else Integral(integrand, limits)


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
    q, p = _law(first, "q", variable), _law(second, "p", variable)
    conditions = _parameter_conditions(first, second)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    kl = KL(q.function, p.function)
    outside = _support_relation(q, p)
    stages = [_definition_stage(q, p, kl, differ=outside is True or bool(outside))]
    if outside is True:  # q has mass where p is zero, for every parameter value
        stages.append(Stage("support_outside", (Chain((support_outside_step(kl, q, p),)),)))
        return _draft(stages, {"main": bare, "lemma": bare}, oo, q, p)

    support_conditions = outside  # a tuple of conditions (empty when nested for sure)
    lq_steps, lp_steps = log_density_steps(q), log_density_steps(p)
    lq, lp = lq_steps[-1], lp_steps[-1]
    stages.append(Stage("log_densities", (Chain(lq_steps), Chain(lp_steps))))

    ratio = ln(Mul(q.function, p.function**-1, evaluate=False))
    difference = sub(group(lq.after), group(lp.after))
    statistics, constant = _collect(evaluate(lq.after) - evaluate(lp.after), variable)
    collected = _collected_display(constant, statistics)
    steps = [Step("log.quotient", ratio, sub(ln(q.function), ln(p.function)))]
    steps.append(Step("log_density.insert", steps[-1].after, difference))
    if collected != difference:
        steps.append(Step("algebra.collect_statistics", difference, collected))
    stages.append(Stage("log_ratio_statistics", (Chain(tuple(steps)),)))

    found = _found_moments(q, [t for t, _ in statistics], fallback=False)
    if any(m is None for m in found):
        # an expectation with no finite value: the divergence may be infinite because of it
        divergent = _divergent_stages(kl, ratio, collected, q, constant, statistics, found)
        if divergent is None:
            # a finite one no family states: SymPy may integrate it (the fallback)
            found = _found_moments(q, [t for t, _ in statistics])
        if divergent is None and all(m is not None for m in found):
            divergent = []
        elif divergent is None or support_conditions:
            raise _no_closed_form(q, statistics, found, p, support_conditions)
    if any(m is None for m in found):
        stages.extend(divergent)
        expectations = {m.statistic: evaluate(m.value) for m in found if m is not None}
        main = bare.with_expectations("q", expectations)
        return _draft(stages, {"main": main, "lemma": bare}, oo, q, p)
    moments = list(found)
    expectation_stage, _expanded = _expectation_stage(
        kl, ratio, collected, q, constant, statistics, support=support_conditions
    )
    stages.append(expectation_stage)
    if moments:  # (a uniform law against another: a constant log ratio, no expectation)
        stages.append(_moment_stage(q, moments, support_conditions))
    conditions_needed = tuple(c for m in moments for c in _conjuncts(m.condition))
    closing, final = result_steps(
        kl, constant, statistics, moments, support_conditions, conditions_needed
    )
    contexts = moment_contexts(
        bare, moments, stated_conditions(support_conditions, conditions_needed)
    )
    # parameters given as expressions are substituted back by the caller (placeholders.py)
    stages.append(Stage("result", tuple(closing)))
    return _draft(stages, contexts, final, q, p)


def _draft(stages, contexts, result, q: _Law, p: _Law) -> Draft:
    name = "k" if q.facts.discrete else "z"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        result,
        functions={"q": f"q({name})", "p": f"p({name})"},
        setting="catalog",
    )


def group(e: Expr) -> Expr:
    """A sum kept whole (printed in parentheses when it stands inside another sum)."""
    return e if not isinstance(e, Add) else Add(*e.args, evaluate=False)


def _definition_stage(q: _Law, p: _Law, kl: Expr, differ: bool = False) -> Stage:
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
                    Step(rule, kl, _total(integrand, q)),
                    Step("density.substitute", _total(integrand, q), _total(written, q)),
                )
            ),
        ),
        params={"support": _support_set(q)},
    )


def support_outside_step(lhs: Expr, q: _Law, p: _Law) -> Step:
    """``lhs = oo``: ``q`` puts probability where ``p`` is zero (the sets shown)."""
    return Step(
        "support.outside",
        lhs,
        oo,
        params={
            "q_name": "q",
            "p_name": "p",
            "outside": _outside_set(q, p),
            "q_support": _support_set(q),
            "p_support": _support_set(p),
        },
    )


def _support_set(law: _Law) -> Expr:
    from sympy import Interval, Range

    lower, upper = law.facts.support
    if law.facts.discrete:
        return Range(lower, upper + 1) if upper.is_finite else Range(lower, oo)
    return Interval(lower, upper, left_open=True, right_open=True)


def _outside_set(q: _Law, p: _Law) -> Expr:
    from sympy import Interval

    if q.facts.discrete:
        from sympy import Range

        _lower_q, upper_q = q.facts.support
        _, upper_p = p.facts.support
        return Range(upper_p + 1, upper_q + 1 if upper_q.is_finite else oo)
    return Interval(*q.facts.support) - Interval(*p.facts.support)


def _support_relation(q: _Law, p: _Law):
    """``True`` when ``q``'s support is certainly not inside ``p``'s; otherwise the
    conditions (a tuple, empty when certainly inside) under which it is inside."""
    (lq, uq), (lp, up) = q.facts.support, p.facts.support
    conditions = []
    for relation in (lp <= lq, uq <= up):
        if relation is S.true or relation == S.true:
            continue
        if relation is S.false or relation == S.false:
            return True
        conditions.append(relation.canonical)  # written one way: a_1 >= a_2
    return tuple(conditions)


def _parameter_conditions(*laws: Distribution) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for law in laws:
        for parameter, arg in zip(law.family.parameters, law.args, strict=False):
            # a list of probabilities (categorical) states its conditions itself
            if parameter.domain == "unit" and not arg.is_number and isinstance(arg, Expr):
                out.append(arg < 1)
        out.extend(law.family.conditions(law.args))
    return tuple(dict.fromkeys(out))


def _conjuncts(condition: Expr) -> tuple[Expr, ...]:
    if condition is S.true or condition == S.true:
        return ()
    if isinstance(condition, And):
        return tuple(condition.args)
    return (condition,)


# ---------------------------------------------------------------------------
# log densities and the log ratio
# ---------------------------------------------------------------------------


def _log_density_chain(law: _Law) -> Step:
    family = law.distribution.family
    written = family.log_density(law.facts.variable, law.args)
    return Step("log_density.expand", ln(law.function), written, params={"law": law.distribution})


def log_density_steps(law: _Law) -> tuple[Step, ...]:
    """The log density written out, then any further forms the family shows before the
    statistics are collected (``cos(z - mu)`` expanded for a von Mises law)."""
    steps = [_log_density_chain(law)]
    family = law.distribution.family
    rewrites = getattr(family, "log_density_rewrites", None)
    for rule, after in rewrites(law.facts.variable, law.args) if rewrites else ():
        steps.append(Step(rule, steps[-1].after, after))
    return tuple(steps)


def _collect(value: Expr, variable: Symbol) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """``value`` as ``constant + sum coefficient_i * T_i(variable)``: the statistics with
    their coefficients, in a stable order, and the constant."""
    groups: dict[Expr, Expr] = {}
    # the logarithm of a sum (a Cauchy law's log((z - mu)^2 + gamma^2)) stays as written
    # and so does a logit, log(z / (1 - z)), one statistic of a logit-normal law
    kept = {a: Dummy() for a in value.atoms(log) if _kept_whole(a, variable)}
    restore = {d: a for a, d in kept.items()}
    for term in Add.make_args(expand(value.xreplace(kept))):
        coefficient, statistic = term.xreplace(restore).as_independent(variable, as_Add=False)
        groups[statistic] = groups.get(statistic, S.Zero) + coefficient
    constant = groups.pop(S.One, S.Zero)
    statistics = [(t, c) for t, c in groups.items() if c != 0]
    statistics.sort(key=lambda tc: _statistic_key(tc[0], variable))
    return statistics, constant


def _kept_whole(logarithm: Expr, variable: Symbol) -> bool:
    """Whether a logarithm is one statistic: of a sum (``log((z - mu)^2 + gamma^2)``) or
    of a ratio with a sum below (the logit ``log(z / (1 - z))``)."""
    arg = logarithm.args[0]
    if not arg.has(variable):
        return False
    if arg.is_Add:
        return True
    return isinstance(arg, Mul) and any(
        f.is_Pow and f.exp.is_negative and f.base.is_Add for f in arg.args
    )


def _statistic_key(statistic: Expr, variable: Symbol) -> tuple:
    base, exponent = statistic.as_base_exp()
    if base == variable and exponent.is_Integer:
        return (0, -int(exponent), "")
    if isinstance(statistic, log):
        return (1, 0, str(statistic))
    return (2, 0, str(statistic))


def _collected_display(constant: Expr, statistics: list[tuple[Expr, Expr]]) -> Expr:
    terms = [tidy(constant)] if constant != 0 else []
    for statistic, coefficient in statistics:
        terms.append(_term(tidy_coefficient(coefficient), display_form(statistic)))
    return add(*terms)


# ---------------------------------------------------------------------------
# the expectation and the moments
# ---------------------------------------------------------------------------


def _found_moments(q: _Law, statistics: list[Expr], fallback: bool = True) -> list[Moment | None]:
    """Each statistic's expectation under ``q``, ``None`` where the family has none (and,
    with ``fallback``, SymPy cannot integrate it within its budget)."""
    from .direct_integration import integrate_expectation

    family = q.distribution.family
    found = [family.expectation(t, q.facts.variable, q.args) for t in statistics]
    if not fallback:
        return found
    # the general fallback: SymPy integrates what no family states, within a time budget
    return [
        m if m is not None else integrate_expectation(evaluate(t), q.facts)
        for t, m in zip(statistics, found, strict=True)
    ]


def _no_closed_form(
    q: _Law, statistics, found, p: _Law | None = None, support_conditions=()
) -> NoClosedForm:
    """The one-line refusal: the expectation that has no closed form; where the
    divergence is nevertheless known to be infinite (the supports do not nest), that
    case as a condition; and, between two laws of one family with different counts, that
    the same count gives a closed form (the binomial coefficients then cancel)."""
    statistic = next(t for (t, _), m in zip(statistics, found, strict=True) if m is None)
    mapping = dict(q.distribution.substitutions)
    if p is not None:
        mapping.update(p.distribution.substitutions)
    statistic = statistic.xreplace(mapping)  # in the user's names
    unknown = (
        f"no closed form known for E[{statistic}] under {q.distribution.family.name}; the "
        "divergence has no closed form in the catalog"
    )
    condition = joined_conditions(
        c for c in (s.xreplace(mapping) for s in support_conditions) if c != S.true
    )
    if condition is not None:
        unknown = (
            f"the divergence is infinite when {(~condition).simplify()} (the first law then "
            f"puts probability where the second has none); when {condition}, {unknown}"
        )
    if p is not None and _counts_differ(q.distribution, p.distribution):
        unknown += "; with the same total_count in both laws it has one"
    return NoClosedForm(unknown)


def _counts_differ(first: Distribution, second: Distribution) -> bool:
    """Two laws of one family whose counts (``total_count``) differ."""
    if first.family is not second.family:
        return False
    return any(
        parameter.domain == "count" and a != b
        for parameter, a, b in zip(first.family.parameters, first.args, second.args, strict=False)
    )


def _moments(q: _Law, statistics: list[Expr]) -> list[Moment]:
    # the entropy and cross-entropy: no table says in advance which integrals SymPy
    # answers quickly, so no direct integration (a KL pair reaches it only when the
    # table, built with it, lists the pair)
    found = _found_moments(q, statistics, fallback=False)
    if any(m is None for m in found):
        raise _no_closed_form(q, [(t, 1) for t in statistics], found)
    return list(found)


def _common_factor(h: Expr, variable: Symbol) -> tuple[Expr, Expr]:
    """``(c, g)`` with ``h = c g`` and ``c`` free of the variable (the constant content)."""
    from sympy import factor_terms

    c, g = factor_terms(h).as_independent(variable, as_Add=False)
    g = expand(g)
    terms = sorted(
        Add.make_args(g), key=lambda t: _statistic_key(t.as_independent(variable)[1], variable)
    )
    lead = terms[0].as_independent(variable, as_Add=False)[0]
    if lead.is_number and lead != 0:  # monic inside: (1/(2 sigma^2)) E[z^2 - 2 mu z]
        c, g = c * lead, expand(g / lead)
    if c.could_extract_minus_sign():
        c, g = -c, -g
    return c, expand(g)


def _divergent_stages(kl, ratio, collected, q: _Law, constant, statistics, found):
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
    expectation, linear = _expectation_stage(
        kl, ratio, collected, q, constant, [t for t, _ in known], grouped=(h_shown, factor_out)
    )
    moments_stage = _moment_stage(q, [m for _, m in known])
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


def _expectation_stage(
    kl, ratio, collected, q: _Law, constant, statistics, grouped=None, support=()
):
    """KL as the expectation of the log ratio, then term by term: the constant and
    ``coefficient * E[statistic]`` for each statistic, and ``factor * E[h]`` for the
    ``grouped`` terms ``(h, factor)`` of an infinite divergence. Inserting the log ratio
    holds where ``p`` is its formula wherever ``q`` is positive: under the ``support``
    conditions (stated on the step). Returns the stage and the linear form."""
    integral = _total(mul(q.function, ratio), q)
    inserted = _total(mul(q.function, group(collected)), q)
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


def kl_of(q: _Law) -> Expr:
    return KL(q.function, Function("p")(q.facts.variable))


def _moment_stage(q: _Law, moments: list[Moment], support=()) -> Stage:
    """Each expectation with its reason, stated where it holds: where its own condition
    does (a finite moment), and, for a statistic that is not finite everywhere (``log z``,
    ``1/z``), where the supports nest (the ``support`` conditions)."""
    chains = []
    for moment in moments:
        singular = _singular(moment.statistic, q.facts.variable)
        own = _conjuncts(moment.condition)
        condition = joined_conditions(stated_conditions(support if singular else (), own))
        chains.append(
            Chain(tuple(replace(step, condition=condition) for step in _moment_steps(q, moment)))
        )
    return Stage("moments", tuple(chains), params={"law": q.distribution})


def _singular(statistic: Expr, variable: Symbol) -> bool:
    """Whether a statistic may be infinite or undefined somewhere on the real line: a
    logarithm or a negative power of the variable."""
    return any(a.has(variable) for a in statistic.atoms(log)) or any(
        a.base.has(variable) and a.exp.is_negative for a in statistic.atoms(Pow)
    )


def _moment_steps(q: _Law, moment: Moment) -> tuple[Step, ...]:
    split = _split_at_kink(q, moment)
    if split is not None:
        return split
    if moment.reason == "direct_integral":
        return _direct_integral_steps(q, moment)
    return (
        Step(
            "moment.known",
            Expect(display_form(moment.statistic), q.function),
            moment.value,
            params={
                "law": q.distribution,
                "reason": moment.reason,
                **_source(q, moment),
                **dict(moment.params),
            },
            facts="lemma",
        ),
    )


def _source(q: _Law, moment: Moment) -> dict:
    """What a moment's reason refers to: the power moment ``E[z^t] = M(t)`` that a
    log-moment is differentiated from."""
    if moment.source is None:
        return {}
    from sympy import Eq

    t = next(iter(s for s in moment.source.free_symbols if s.name == "t"), Symbol("t"))
    power_moment = Eq(Expect(q.facts.variable**t, q.function), moment.source, evaluate=False)
    return {"source": power_moment, "t": t, "t_zero": Eq(t, 0, evaluate=False)}


def _direct_integral_steps(q: _Law, moment: Moment) -> tuple[Step, ...]:
    """``E[T] = integral of T q = value``: an expectation SymPy integrated directly."""
    shown = Expect(display_form(moment.statistic), q.function)
    integral = _total(mul(display_form(moment.statistic), q.function), q)
    definition = Step("expectation.definition", shown, integral, facts="lemma")
    antiderivative = dict(moment.params).get("antiderivative")
    if antiderivative is None:
        return (
            definition,
            Step(
                "moment.known",
                integral,
                tidy(moment.value),
                params={"law": q.distribution, "reason": "direct_integral"},
                facts="lemma",
            ),
        )
    # [F(z)]_a^b with F an antiderivative SymPy's rules found, then evaluated at the ends
    variable = q.facts.variable
    lower, upper = q.facts.support
    shown_antiderivative = display_form(antiderivative, variable)
    evaluated = Between(shown_antiderivative, variable, lower, upper)
    at_ends = sub(
        substitute(shown_antiderivative, {variable: upper}),
        substitute(shown_antiderivative, {variable: lower}),
    )
    return (
        definition,
        Step(
            "integral.antiderivative",
            integral,
            evaluated,
            params={"law": q.distribution, "antiderivative": display_form(antiderivative)},
            facts="lemma",
        ),
        Step("integral.limits", evaluated, at_ends, facts="lemma"),
    )


def _split_at_kink(q: _Law, moment: Moment) -> tuple[Step, ...] | None:
    """``E|z - a|`` by piecewise integration: the integral split at ``a``, where the
    absolute value changes sign, each piece without it."""
    statistic = moment.statistic
    variable = q.facts.variable
    point = None if q.facts.discrete else absolute_deviation_point(statistic, variable)
    if point is None:
        return None
    lower, upper = q.facts.support
    if (lower, upper) != (S.NegativeInfinity, S.Infinity):
        return None
    shown = Expect(display_form(statistic), q.function)
    whole = Integral(
        mul(Abs(sub(variable, point), evaluate=False), q.function), (variable, lower, upper)
    )
    pieces = add(
        Integral(mul(Bracket(sub(point, variable)), q.function), (variable, lower, point)),
        Integral(mul(Bracket(sub(variable, point)), q.function), (variable, point, upper)),
    )
    return (
        Step("expectation.definition", shown, whole, facts="lemma"),
        Step("integral.split_at_kink", whole, pieces, params={"point": point}, facts="lemma"),
        Step(
            "moment.known",
            pieces,
            moment.value,
            params={"law": q.distribution, "reason": "piecewise"},
            facts="lemma",
        ),
    )


# ---------------------------------------------------------------------------
# entropy and cross-entropy: the same stages with one log density
# ---------------------------------------------------------------------------


def derive_entropy(first: Distribution) -> Draft:
    """Derive the (differential) entropy H(first) = -E[log q] (see :mod:`.entropy`)."""
    from .entropy import derive_entropy

    return derive_entropy(first)


def derive_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive the cross-entropy H(first, second) = -E_first[log p] (see :mod:`.entropy`)."""
    from .entropy import derive_cross_entropy

    return derive_cross_entropy(first, second)
