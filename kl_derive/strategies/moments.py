r"""The expectations of a law's statistics, with the reason each holds.

:func:`found_moments` asks the family for :math:`\mathbb{E}[T(z)]` of each statistic (and,
as a fallback, SymPy's integration within a budget); :func:`moment_stage` is the stage that
states each of them where it holds (a finite moment's own condition; where the supports
nest, for a statistic that is not finite everywhere); :func:`no_closed_form` is the
one-line refusal when one is unknown. Shared by the KL and (cross-)entropy strategies.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import (
    Abs,
    Expr,
    Integral,
    Pow,
    S,
    Symbol,
    log,
)

from ..errors import KLDeriveError
from ..families.base import Distribution, Moment, absolute_deviation_point
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, mul, sub, substitute
from ..symbolic.objects import (
    Between,
    Bracket,
    Expect,
)
from .closing import (
    joined_conditions,
    stated_conditions,
)
from .laws import Law, conjuncts, total_over
from .tidy import tidy

__all__ = [
    "NoClosedForm",
    "found_moments",
    "known_moments",
    "moment_stage",
    "no_closed_form",
]


class NoClosedForm(KLDeriveError):
    """The pair has no closed form the catalog knows (a one-line error, not a hang)."""


def found_moments(q: Law, statistics: list[Expr], fallback: bool = True) -> list[Moment | None]:
    """Each statistic's expectation under ``q``, ``None`` where the family has none (and,
    with ``fallback``, SymPy cannot integrate it within its budget)."""
    from .direct_integration import integrate_expectation

    family = q.distribution.family
    found = [family.expectation(t, q.facts.variable, q.args) for t in statistics]
    # a moment whose condition fails at the given parameters (E[z^2] of a t law with
    # nu = 3/2) is not finite: none, and not integrated either (the divergent stages or a
    # refusal take it from there)
    infinite = [m is not None and m.condition == S.false for m in found]
    found = [None if out else m for m, out in zip(found, infinite, strict=True)]
    if not fallback:
        return found
    # the general fallback: SymPy integrates what no family states, within a time budget
    return [
        m if m is not None or out else integrate_expectation(evaluate(t), q.facts)
        for t, m, out in zip(statistics, found, infinite, strict=True)
    ]


def no_closed_form(
    q: Law, statistics, found, p: Law | None = None, support_conditions=()
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


def known_moments(q: Law, statistics: list[Expr]) -> list[Moment]:
    # the entropy and cross-entropy: no table says in advance which integrals SymPy
    # answers quickly, so no direct integration (a KL pair reaches it only when the
    # table, built with it, lists the pair)
    found = found_moments(q, statistics, fallback=False)
    if any(m is None for m in found):
        raise no_closed_form(q, [(t, 1) for t in statistics], found)
    return list(found)


def moment_stage(q: Law, moments: list[Moment], support=()) -> Stage:
    """Each expectation with its reason, stated where it holds: where its own condition
    does (a finite moment), and, for a statistic that is not finite everywhere (``log z``,
    ``1/z``), where the supports nest (the ``support`` conditions)."""
    chains = []
    for moment in moments:
        singular = _singular(moment.statistic, q.facts.variable)
        own = conjuncts(moment.condition)
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


def _moment_steps(q: Law, moment: Moment) -> tuple[Step, ...]:
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


def _source(q: Law, moment: Moment) -> dict:
    """What a moment's reason refers to: the power moment ``E[z^t] = M(t)`` that a
    log-moment is differentiated from."""
    if moment.source is None:
        return {}
    from sympy import Eq

    t = next(iter(s for s in moment.source.free_symbols if s.name == "t"), Symbol("t"))
    power_moment = Eq(Expect(q.facts.variable**t, q.function), moment.source, evaluate=False)
    return {"source": power_moment, "t": t, "t_zero": Eq(t, 0, evaluate=False)}


def _direct_integral_steps(q: Law, moment: Moment) -> tuple[Step, ...]:
    """``E[T] = integral of T q = value``: an expectation SymPy integrated directly."""
    shown = Expect(display_form(moment.statistic), q.function)
    integral = total_over(mul(display_form(moment.statistic), q.function), q)
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


def _split_at_kink(q: Law, moment: Moment) -> tuple[Step, ...] | None:
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
