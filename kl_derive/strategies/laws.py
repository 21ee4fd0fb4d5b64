r"""The law model of the moment strategy: a distribution as one derivation uses it.

A :class:`Law` is a distribution with the function name it is written with (``q``, ``p``),
its density and the facts the verifier knows about it (:class:`~kl_derive.steps.context.
DensityFacts`). Around it: the variable a derivation integrates or sums over
(:func:`variable_for`), the integral or sum over the support (:func:`total_over`), the
supports as sets and how two of them nest (:func:`support_relation`), the parameters'
conditions, and the log density written out and collected as a constant plus
``coefficient * statistic`` terms (:func:`log_density_steps`, :func:`collect_statistics`).

Shared by the KL (:mod:`.expected_log_ratio`), entropy and cross-entropy (:mod:`.entropy`)
and Bregman (:mod:`.bregman`) strategies; the expectations of the statistics are in
:mod:`.moments`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Add,
    And,
    Dummy,
    Expr,
    Function,
    Integral,
    Mul,
    S,
    Sum,
    Symbol,
    expand,
    log,
    oo,
)

from ..families.base import Distribution
from ..steps.context import DensityFacts
from ..steps.step import Step
from ..steps.support_sets import support_condition
from ..symbolic.display import add, display_form, evaluate, ln
from ..symbolic.objects import (
    COUNT,
    POSITIVE_VARIABLE,
    VARIABLE,
    OnSupport,
)
from .closing import term as _term
from .tidy import tidy, tidy_coefficient

__all__ = [
    "Law",
    "collect_statistics",
    "collected_display",
    "conjuncts",
    "group",
    "log_density_steps",
    "make_law",
    "outside_set",
    "parameter_conditions",
    "statistic_key",
    "support_outside_step",
    "support_relation",
    "support_set",
    "total_over",
    "variable_for",
]


def variable_for(distribution: Distribution) -> Symbol:
    """The variable a derivation integrates (or sums) over: ``k`` for a count, a positive
    ``z`` on the half-line (so that ``log z`` may be split), else a real ``z``."""
    family = distribution.family
    if family.discrete:
        return COUNT
    lower, _ = family.support(distribution.args)
    return POSITIVE_VARIABLE if S(lower).is_nonnegative else VARIABLE


@dataclass(frozen=True)
class Law:
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


def make_law(distribution: Distribution, name: str, variable: Symbol) -> Law:
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
    return Law(distribution, function, facts, density)


def total_over(integrand: Expr, law: Law) -> Expr:
    """``\\int_{support} integrand dz`` (or the sum over ``k``)."""
    limits = (law.facts.variable, *law.facts.support)
    return Sum(integrand, limits) if law.facts.discrete else Integral(integrand, limits)


def group(e: Expr) -> Expr:
    """A sum kept whole (printed in parentheses when it stands inside another sum)."""
    return e if not isinstance(e, Add) else Add(*e.args, evaluate=False)


def support_outside_step(lhs: Expr, q: Law, p: Law) -> Step:
    """``lhs = oo``: ``q`` puts probability where ``p`` is zero (the sets shown)."""
    return Step(
        "support.outside",
        lhs,
        oo,
        params={
            "q_name": "q",
            "p_name": "p",
            "outside": outside_set(q, p),
            "q_support": support_set(q),
            "p_support": support_set(p),
        },
    )


def support_set(law: Law) -> Expr:
    from sympy import Interval, Range

    lower, upper = law.facts.support
    if law.facts.discrete:
        return Range(lower, upper + 1) if upper.is_finite else Range(lower, oo)
    return Interval(lower, upper, left_open=True, right_open=True)


def outside_set(q: Law, p: Law) -> Expr:
    from sympy import Interval

    if q.facts.discrete:
        from sympy import Range

        _lower_q, upper_q = q.facts.support
        _, upper_p = p.facts.support
        return Range(upper_p + 1, upper_q + 1 if upper_q.is_finite else oo)
    return Interval(*q.facts.support) - Interval(*p.facts.support)


def support_relation(q: Law, p: Law):
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
    if conditions and _never_together((*conditions, lq < uq)):
        return True  # uniform(u1, -1/2) against (0, 1): u1 >= 0 and u1 < -1/2 never both
    return tuple(conditions)


def _never_together(relations: tuple[Expr, ...]) -> bool:
    """Whether relations in one real unknown (a support's end) cannot all hold; ``False``
    when there are several unknowns or SymPy cannot decide."""
    from sympy import reduce_inequalities

    unknowns = set().union(*(r.free_symbols for r in relations))
    if len(unknowns) != 1:
        return False
    (unknown,) = unknowns
    if not unknown.is_real:
        return False
    try:
        return reduce_inequalities(list(relations), unknown) is S.false
    except (NotImplementedError, TypeError, ValueError):
        return False


def parameter_conditions(*laws: Distribution) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for law in laws:
        for parameter, arg in zip(law.family.parameters, law.args, strict=False):
            # a list of probabilities (categorical) states its conditions itself
            if parameter.domain == "unit" and not arg.is_number and isinstance(arg, Expr):
                out.append(arg < 1)
        out.extend(law.family.conditions(law.args))
    return tuple(dict.fromkeys(out))


def conjuncts(condition: Expr) -> tuple[Expr, ...]:
    if condition is S.true or condition == S.true:
        return ()
    if isinstance(condition, And):
        return tuple(condition.args)
    return (condition,)


def _log_density_chain(law: Law) -> Step:
    family = law.distribution.family
    written = family.log_density(law.facts.variable, law.args)
    return Step("log_density.expand", ln(law.function), written, params={"law": law.distribution})


def log_density_steps(law: Law) -> tuple[Step, ...]:
    """The log density written out, then any further forms the family shows before the
    statistics are collected (``cos(z - mu)`` expanded for a von Mises law)."""
    steps = [_log_density_chain(law)]
    family = law.distribution.family
    rewrites = getattr(family, "log_density_rewrites", None)
    for rule, after in rewrites(law.facts.variable, law.args) if rewrites else ():
        steps.append(Step(rule, steps[-1].after, after))
    return tuple(steps)


def collect_statistics(value: Expr, variable: Symbol) -> tuple[list[tuple[Expr, Expr]], Expr]:
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
    statistics.sort(key=lambda tc: statistic_key(tc[0], variable))
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


def statistic_key(statistic: Expr, variable: Symbol) -> tuple:
    base, exponent = statistic.as_base_exp()
    if base == variable and exponent.is_Integer:
        return (0, -int(exponent), "")
    if isinstance(statistic, log):
        return (1, 0, str(statistic))
    return (2, 0, str(statistic))


def collected_display(constant: Expr, statistics: list[tuple[Expr, Expr]]) -> Expr:
    terms = [tidy(constant)] if constant != 0 else []
    for statistic, coefficient in statistics:
        terms.append(_term(tidy_coefficient(coefficient), display_form(statistic)))
    return add(*terms)
