r"""Entropy and cross-entropy of univariate laws, by the expected-log-ratio machinery.

The same stages as :mod:`.expected_log_ratio`, with one log density instead of a ratio:

1. the density (or densities) and the definition, :math:`\mathrm{H}(q) = -\int q \log q`
   or :math:`\mathrm{H}(q, p) = -\int q \log p` (a sum over ``k`` for a mass function);
2. for the cross-entropy, where the densities are positive: if ``q`` puts probability
   where ``p`` is zero the cross-entropy is infinite;
3. the log density written as a constant plus ``coefficient * statistic`` terms;
4. the expectation under ``q``, term by term;
5. each :math:`\mathbb{E}[T(z)]` under ``q`` (from ``family.expectation``), with its reason;
6. the expectations substituted and the result tidied (piecewise with :math:`\infty` where
   a support condition or a finite moment is needed).
"""

from __future__ import annotations

from sympy import Add, Expr, Function, Mul, Rational, S, besseli, expand, gcd, log, oo

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, ln, mul, neg
from ..symbolic.objects import CrossEntropy, Entropy, Expect
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
    support_outside_step,
    support_relation,
    support_set,
    total_over,
    variable_for,
)
from .moments import NoClosedForm, found_moments, known_moments, moment_stage
from .tidy import tidy, tidy_coefficient

__all__ = ["derive_cross_entropy", "derive_entropy"]

NAME = "moments"


def derive_entropy(first: Distribution) -> Draft:
    """Derive the (differential) entropy H(first) = -E[log q]."""
    return _one_sided(first, None)


def derive_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive the cross-entropy H(first, second) = -E_first[log p]."""
    if first.family.discrete != second.family.discrete:
        raise NoClosedForm(
            f"H({first.family.name}, {second.family.name}) pairs a mass function with a "
            "density; the cross-entropy is not defined"
        )
    return _one_sided(first, second)


def _one_sided(first: Distribution, second: Distribution | None) -> Draft:
    variable = variable_for(first)
    q = make_law(first, "q", variable)
    p = make_law(second, "p", variable) if second is not None else q
    entropy = second is None
    densities = {"q": q.facts} if entropy else {"q": q.facts, "p": p.facts}
    conditions = parameter_conditions(first) if entropy else parameter_conditions(first, second)
    bare = Context(densities, conditions=conditions)
    lhs = Entropy(q.function) if entropy else CrossEntropy(q.function, p.function)
    outside = () if entropy else support_relation(q, p)
    stages = [_definition_stage(q, p, lhs, entropy, differ=outside is True or bool(outside))]

    support_conditions: tuple[Expr, ...] = ()
    if not entropy:
        if outside is True:  # q has mass where p is zero, for every parameter value
            step = support_outside_step(lhs, q, p)
            stages.append(Stage("cross_entropy_support_outside", (Chain((step,)),)))
            return _draft(stages, {"main": bare, "lemma": bare}, oo, q, p, "cross_entropy")
        support_conditions = outside

    # the log density, as a constant plus coefficient * statistic
    written = log_density_steps(p)
    expand_step = written[-1]
    statistics, constant = collect_statistics(evaluate(expand_step.after), variable)
    collected = collected_display(S.Zero, statistics)
    if constant != 0:
        collected = add(_tidy(constant), collected)
    steps = list(written)
    if collected != expand_step.after:
        steps.append(Step("algebra.collect_statistics", expand_step.after, collected))
    stages.append(
        Stage("entropy_log_density", (Chain(tuple(steps)),), params={"law": p.distribution})
    )

    try:
        moments = known_moments(q, [t for t, _ in statistics])
    except NoClosedForm as error:
        what = "entropy" if entropy else "cross-entropy"
        infinite = _infinite_because_of(q, statistics)
        if infinite is not None:  # it is +oo: say so, not "no closed form"
            raise NoClosedForm(
                f"the {what} is infinite: E[{infinite}] under {q.distribution.family.name} "
                "is +oo and every other expectation it needs is finite (this case is not "
                "written out as a derivation)"
            ) from None
        raise NoClosedForm(str(error).replace("the divergence has", f"the {what} has")) from None
    stages.append(
        _expectation_stage(lhs, q, p, collected, constant, statistics, support_conditions)
    )
    if moments:
        stages.append(moment_stage(q, moments, support_conditions))
    conditions_needed = tuple(c for m in moments for c in conjuncts(m.condition))
    closing, final = result_steps(
        lhs,
        constant,
        statistics,
        moments,
        support_conditions,
        conditions_needed,
        sign=-1,  # H = -E[log density]
        tidier=_tidy,
        p_name="q" if entropy else "p",
    )
    stages.append(Stage("entropy_result", tuple(closing)))
    contexts = moment_contexts(
        bare, moments, stated_conditions(support_conditions, conditions_needed)
    )
    return _draft(stages, contexts, final, q, p, "entropy" if entropy else "cross_entropy")


def _infinite_because_of(q: Law, statistics) -> Expr | None:
    """The terms of ``-log p`` whose mean under ``q`` is shown to be +oo (the others
    finite for every parameter value), or ``None``."""
    from ..steps.divergence import divergent_ends

    found = found_moments(q, [t for t, _ in statistics], fallback=False)
    if any(m is not None and m.condition != S.true for m in found):
        return None
    h = sum((-c * t for (t, c), m in zip(statistics, found, strict=True) if m is None), S.Zero)
    return h if divergent_ends(h, q.facts) is not None else None


def _draft(stages, contexts, result, q: Law, p: Law, quantity: str) -> Draft:
    name = "k" if q.facts.discrete else "z"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        result,
        functions={"q": f"q({name})", "p": f"p({name})"},
        setting="catalog",
        quantity=quantity,
        tidier=_tidy,
    )


def _definition(q: Law, p: Law, written: bool, p_shown: Expr | None = None) -> Expr:
    """``-\\int q log p`` (``p`` is ``q`` for the entropy), with the densities written
    out when ``written`` (``p`` as ``p_shown``, with its support, when given)."""
    if written:
        return neg(total_over(mul(q.density, ln(p_shown if p_shown is not None else p.density)), q))
    return neg(total_over(mul(q.function, ln(p.function)), q))


def _definition_stage(q: Law, p: Law, lhs: Expr, entropy: bool, differ: bool = False) -> Stage:
    """The density (or densities) and the definition; where the supports may differ, each
    density is written with its support (see :mod:`.expected_log_ratio`)."""
    q_shown = q.density_with_support if differ else q.density
    p_shown = p.density_with_support if differ else p.density
    chains = [
        Chain((Step("density.formula", q.function, q_shown, params={"law": q.distribution}),))
    ]
    if not entropy:
        chains.append(
            Chain((Step("density.formula", p.function, p_shown, params={"law": p.distribution}),))
        )
    kind = "entropy" if entropy else "cross_entropy"
    rule = f"{kind}.definition_sum" if q.facts.discrete else f"{kind}.definition"
    chains.append(
        Chain(
            (
                Step(rule, lhs, _definition(q, p, False)),
                Step(
                    "density.substitute",
                    _definition(q, p, False),
                    _definition(q, p, True, p_shown if differ else None),
                ),
            )
        )
    )
    return Stage(f"{kind}_definition", tuple(chains), params={"support": support_set(q)})


def _expectation_stage(lhs, q: Law, p: Law, collected, constant, statistics, support=()) -> Stage:
    integral = _definition(q, p, False)
    inserted = neg(total_over(mul(q.function, group(collected)), q))
    terms = [_tidy(-constant)] if constant != 0 else []
    for statistic, coefficient in statistics:
        terms.append(
            _term(tidy_coefficient(-coefficient), Expect(display_form(statistic), q.function))
        )
    linear = add(*terms)
    rule = "entropy" if isinstance(lhs, Entropy) else "cross_entropy"
    rule += ".definition_sum" if q.facts.discrete else ".definition"
    chain = Chain(
        (
            Step(rule, lhs, integral),
            Step(
                "log_density.insert",
                integral,
                inserted,
                params=support_note(support),
                condition=joined_conditions(support),
            ),
            Step("expectation.term_by_term", inserted, linear),
        )
    )
    return Stage("entropy_expectation", (chain,))


def _tidy(value: Expr) -> Expr:
    """:func:`.tidy`, with the logarithms gathered into one as a textbook writes an
    entropy: ``log sigma + log(2)/2 + log(pi)/2`` is ``(1/2) log(2 pi sigma^2)``."""
    logs, rest = [], []
    for term in Add.make_args(expand(value)):
        coefficient, part = term.as_coeff_Mul()
        if (
            isinstance(part, log)
            and coefficient.is_Rational
            # log Gamma(alpha) stays as it is; log I_0(kappa) joins log(2 pi)
            and not (part.args[0].atoms(Function) - part.args[0].atoms(besseli))
        ):
            logs.append((coefficient, part.args[0]))
        else:
            rest.append(term)
    if len(logs) < 2:
        return tidy(value)
    common = S.Zero
    for coefficient, _ in logs:
        common = gcd(common, coefficient)
    common = Rational(common)
    if all(c < 0 for c, _ in logs):
        common = -common
    argument = Mul(*(a ** (c / common) for c, a in logs))
    merged = log(argument) if common == 1 else mul(common, log(argument))
    remainder = Add(*rest)
    return add(merged, tidy(remainder)) if remainder != 0 else merged
