r"""The integral :math:`\int q^\alpha p^{1-\alpha}` between two laws of one exponential family.

For :math:`q = h\,e^{\langle \eta_q, T \rangle - A(\eta_q)}` and
:math:`p = h\,e^{\langle \eta_p, T \rangle - A(\eta_p)}`, the product
:math:`q^\alpha p^{1-\alpha}` is :math:`h\,e^{\langle \eta_\alpha, T \rangle}` times
:math:`e^{-\alpha A(\eta_q) - (1-\alpha) A(\eta_p)}` with the mixed natural parameter
:math:`\eta_\alpha = \alpha \eta_q + (1-\alpha) \eta_p`, and

.. math::

    \int h\,e^{\langle \eta, T \rangle} = e^{A(\eta)}

exactly where :math:`\eta` lies in the natural parameter space (:data:`DOMAINS`, where
that integral is finite); elsewhere it is :math:`+\infty`. Hence

.. math::

    \int q^\alpha p^{1-\alpha} = e^{A(\eta_\alpha) - \alpha A(\eta_q) - (1-\alpha) A(\eta_p)}
    \quad\text{if } \eta_\alpha \in \Xi, \qquad +\infty \text{ otherwise},

the route to the Rényi divergences, the Bhattacharyya coefficient, the Hellinger distance
and Pearson's chi-square (:func:`alpha_integral`). The condition is stated, never
assumed: it is the natural parameter space's inequalities at :math:`\eta_\alpha`,
written in the laws' parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import (
    Add,
    And,
    Expr,
    Function,
    I,
    Integral,
    Mul,
    Ne,
    Rational,
    S,
    Sum,
    Symbol,
    binomial,
    count_ops,
    exp,
    expand,
    expand_log,
    factor,
    fraction,
    gamma,
    log,
    powdenest,
    powsimp,
    simplify,
    sstr,
    together,
)
from sympy.core.relational import Relational

from ..errors import KLDeriveError
from ..families.base import ETA, Distribution, NaturalForm
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..strategies.bregman import LOG_PARTITION, natural_form
from ..strategies.tidy import tidy, tidy_coefficient
from ..symbolic.display import add, display_form, div, evaluate, expo, ln, mul, neg, power, sub
from ..symbolic.objects import Bracket

__all__ = [
    "DOMAINS",
    "AlphaIntegral",
    "Law",
    "alpha_integral",
    "alpha_pairs",
    "conditional",
    "exp_form",
    "is_order",
    "law",
    "log_form",
    "log_parts",
    "parameter_conditions",
    "total",
]

#: the natural parameter space of each family, as inequalities in eta_1, eta_2, ...:
#: where the integral (sum) of h e^{<eta, T>} over the support is finite
DOMAINS: dict[str, Callable[[tuple[Symbol, ...]], tuple[Expr, ...]]] = {
    "normal": lambda e: (e[1] < 0,),  # int e^{eta_1 z + eta_2 z^2} dz
    "exponential": lambda e: (e[0] < 0,),  # int_0^oo e^{eta z} dz
    "gamma": lambda e: (e[0] > -1, e[1] < 0),  # int_0^oo z^{eta_1} e^{eta_2 z} dz
    "beta": lambda e: (e[0] > -1, e[1] > -1),  # int_0^1 z^{eta_1} (1 - z)^{eta_2} dz
    "half_normal": lambda e: (e[0] < 0,),  # int_0^oo e^{eta z^2} dz
    "rayleigh": lambda e: (e[0] < 0,),  # int_0^oo z e^{eta z^2} dz
    "geometric": lambda e: (e[0] < 0,),  # sum_k e^{eta k}
    "poisson": lambda e: (),  # sum_k e^{eta k} / k! = e^{e^eta}: every eta
    "chi2": lambda e: (e[0] > -1,),  # int_0^oo z^{eta} e^{-z/2} dz
    "bernoulli": lambda e: (),  # 1 + e^eta: every eta
    "binomial": lambda e: (),  # sum_k C(n, k) e^{eta k} = (1 + e^eta)^n: every eta
    # int over the simplex of prod_i z_i^{eta_i} (the Dirichlet integral): every eta_i > -1
    "dirichlet": lambda e: tuple(x > -1 for x in e),
}


@dataclass(frozen=True)
class Law:
    """A law as a derivation uses it: its density's name and what the verifier knows."""

    distribution: Distribution
    function: Expr
    facts: DensityFacts
    density: Expr  # as shown


def law(distribution: Distribution, name: str, variable: Symbol) -> Law:
    family = distribution.family
    density = family.density(variable, distribution.args)
    facts = DensityFacts(
        Function(name)(variable),
        variable,
        tuple(S(b) for b in family.support(distribution.args)),
        evaluate(density),
        discrete=family.discrete,
    )
    return Law(distribution, facts.function, facts, density)


def parameter_conditions(*laws: Distribution) -> tuple[Expr, ...]:
    """What the laws' parameters satisfy (a probability below 1, ``low < high``)."""
    out: list[Expr] = []
    for one in laws:
        for parameter, arg in zip(one.family.parameters, one.args, strict=False):
            if parameter.domain == "unit" and not arg.is_number and isinstance(arg, Expr):
                out.append(arg < 1)
        out.extend(one.family.conditions(one.args))
    return tuple(dict.fromkeys(out))


def total(integrand: Expr, one: Law) -> Expr:
    """``int_{support} integrand dz`` (the sum over ``k`` for a mass function; over the
    simplex, written ``int ... dz`` in the vector ``z``, for a Dirichlet law)."""
    if isinstance(one.facts.variable, tuple):
        return Integral(integrand, one.function.args[0])
    limits = (one.facts.variable, *one.facts.support)
    return Sum(integrand, limits) if one.facts.discrete else Integral(integrand, limits)


@dataclass(frozen=True)
class AlphaIntegral:
    """The stages that bring ``int q^alpha p^(1 - alpha)`` to a closed form."""

    q: Law
    p: Law
    stages: tuple[Stage, ...]
    contexts: dict[str, Context]
    #: the integral, as shown
    integral: Expr
    #: its value where ``condition`` holds, as shown (``exp(...)``) and its exponent
    value: Expr
    exponent: Expr
    #: where it is finite (``None``: for every value of the parameters)
    condition: Expr | None


def alpha_integral(first: Distribution, second: Distribution, alpha: Expr) -> AlphaIntegral:
    """Derive ``int q^alpha p^(1-alpha)`` for two laws of one exponential family."""
    family = first.family
    if family.name != second.family.name or family.name not in DOMAINS:
        raise KLDeriveError(
            f"the closed form through the log-partition function needs two laws of one "
            f"exponential family ({', '.join(sorted(DOMAINS))}); got {family.name} and "
            f"{second.family.name}"
        )
    if family.name == "binomial" and first.args[0] != second.args[0]:
        raise KLDeriveError(
            "between two binomial laws the closed form through the log-partition function "
            f"needs one number of trials; got {first.args[0]} and {second.args[0]} "
            "(write binomial(n, p_1) binomial(n, p_2), or give both numbers of trials as "
            "numbers: the sum is then written out)"
        )
    if family.vector:  # a Dirichlet law: coordinates z_1, ..., z_K
        from ..strategies.bregman import vector_law

        variable = family.variables(first.args)
        if len(second.family.variables(second.args)) != len(variable):
            raise KLDeriveError("the two laws have different numbers of coordinates")
        q, p = vector_law(first, "q", variable), vector_law(second, "p", variable)
    else:
        variable = _variable(first)
        q, p = law(first, "q", variable), law(second, "p", variable)
    fq, fp = _natural_form(first, variable), _natural_form(second, variable)
    n = len(fq.statistics)
    etas = ETA[:n]
    rest = sub(1, alpha) if alpha.free_symbols else 1 - alpha  # 1 - alpha, as shown
    mixed = tuple(
        eq
        if ep == eq
        else add(mul(alpha, eq), mul(rest, ep))
        if alpha.free_symbols
        else tidy(evaluate(alpha * eq + rest * ep))
        for eq, ep in zip(fq.natural, fp.natural, strict=True)
    )
    a_q, a_p, a_mix = (LOG_PARTITION(*x) for x in (fq.natural, fp.natural, mixed))
    conditions = parameter_conditions(first, second)
    if alpha.free_symbols:  # an order alpha > 0 other than 1
        conditions = (*conditions, alpha > 0, Ne(alpha, 1))
    # the natural parameter space is convex: an order in (0, 1) mixes two of its points
    # and stays inside it (what SymPy cannot always see, as for log(1 - p) < 0); the
    # condition is read before A is evaluated (A outside the space may not simplify)
    inside = alpha.is_number and 0 < alpha < 1
    condition = None if inside else _condition(family.name, mixed, conditions)
    if condition is S.false:  # the answer is +oo: said in one line, with its reason
        point = ", ".join(sstr(evaluate(m)) for m in mixed)
        raise KLDeriveError(
            "the divergence is infinite for every value of the parameters (its value is +oo, "
            f"with no formula to derive): the integral of q^a p^(1 - a) at order a = "
            f"{sstr(alpha)} diverges, since a*eta_q + (1 - a)*eta_p = ({point}) lies outside "
            f"the natural parameter space of the {family.name} family"
        )
    value = {
        key: _partition(fq.log_partition, etas, naturals)
        for key, naturals in (("q", fq.natural), ("p", fp.natural), ("mix", mixed))
    }
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    definitions = (
        bare.define(evaluate(a_q), evaluate(value["q"]))
        .define(evaluate(a_p), evaluate(value["p"]))
        .define(evaluate(a_mix), evaluate(value["mix"]))
    )

    # 1. the natural forms (as the Bregman strategy writes them)
    chains = []
    for one, form, applied in ((q, fq, a_q), (p, fp, a_p)):
        inner = add(*[mul(eta, t) for eta, t in zip(form.natural, form.statistics, strict=True)])
        shown = mul(form.base, expo(sub(inner, applied)))
        step = Step(
            "exponential_family.form",
            one.function,
            shown,
            params={"law": one.distribution},
            facts="definitions",
        )
        chains.append(Chain((step,)))
    log_partition = Function("A")(*etas)
    stage_params = {
        "statistics": tuple(display_form(t) for t in fq.statistics),
        "log_partition": _equation(log_partition, display_form(fq.log_partition)),
        "law": first,
    }
    stages = [Stage("natural_form", tuple(chains), params=stage_params)]

    # 2. the integral: one exponential family member, unnormalized
    integral = total(mul(power(q.function, alpha), power(p.function, rest)), q)
    inner = add(
        *[mul(Bracket(m) if m.is_Add else m, t) for m, t in zip(mixed, fq.statistics, strict=True)]
    )
    outside = add(neg(mul(alpha, a_q)), neg(mul(rest, a_p)))
    combined = mul(expo(outside), total(mul(fq.base, expo(inner)), q))
    exponent_shown = add(a_mix, outside)
    normalized = expo(exponent_shown)
    written = add(
        _bracketed(display_form(value["mix"])),
        neg(mul(alpha, _bracketed(display_form(value["q"])))),
        neg(mul(rest, _bracketed(display_form(value["p"])))),
    )
    exponent = _two_point(first, second, alpha) or evaluate(written)
    steps = [
        Step("alpha_family.combine", integral, combined, facts="definitions"),
        Step(
            "alpha_family.normalize",
            combined,
            normalized,
            params={"condition": condition} if condition is not None else {},
            facts="definitions",
            condition=condition,
        ),
        Step("log_partition.insert", normalized, expo(written), facts="definitions"),
    ]
    value = exp_form(exponent)
    steps.append(
        Step("algebra.simplify", expo(written), value, facts="definitions", condition=condition)
    )
    mixed_params = {
        "mixed": tuple(_equation(Symbol(f"eta_{i + 1}"), m) for i, m in enumerate(mixed))
    }
    if condition is not None:
        mixed_params["condition"] = condition
    stages.append(
        Stage(
            "alpha_integral" if condition is None else "alpha_integral_conditional",
            (Chain(tuple(steps)),),
            params=mixed_params,
        )
    )
    contexts = {"definitions": definitions, "main": definitions}
    return AlphaIntegral(q, p, tuple(stages), contexts, integral, value, exponent, condition)


def _natural_form(distribution: Distribution, variable: Symbol) -> NaturalForm:
    """The family's natural form; the chi-squared family's and the binomial family's (for
    a number of trials ``n`` shared by both laws), which their modules do not give, are
    written here: ``T = log z``, ``eta = nu/2 - 1``, ``h = e^{-z/2}``,
    ``A = log Gamma(eta + 1) + (eta + 1) log 2``; ``T = k``, ``eta = log(p / (1 - p))``,
    ``h = C(n, k)``, ``A = n log(1 + e^eta)``."""
    if distribution.family.name == "binomial":
        n, probs = distribution.args
        return NaturalForm(
            (variable,),
            (ln(div(probs, sub(1, probs))),),
            n * log(1 + exp(ETA[0])),
            binomial(n, variable),
        )
    if distribution.family.name != "chi2":
        return natural_form(distribution, variable)
    (df,) = distribution.args
    e = ETA[0]
    return NaturalForm(
        (log(variable),),
        (sub(div(df, 2), 1),),
        log(gamma(e + 1)) + (e + 1) * log(2),
        expo(neg(div(variable, 2))),
    )


def _two_point(first: Distribution, second: Distribution, alpha: Expr) -> Expr | None:
    """For Bernoulli and binomial laws (``n`` trials, ``n = 1`` for Bernoulli), the exponent
    as a textbook writes it, ``n log(p_q^alpha p_p^(1 - alpha) + (1 - p_q)^alpha
    (1 - p_p)^(1 - alpha))`` (the step to it is verified like every step)."""
    if first.family.name == "bernoulli":
        n, (pq,), (pp,) = S.One, first.args, second.args
    elif first.family.name == "binomial":
        (n, pq), (_, pp) = first.args, second.args
    else:
        return None
    inner = pq**alpha * pp ** (1 - alpha) + (1 - pq) ** alpha * (1 - pp) ** (1 - alpha)
    return n * log(inner)


def _variable(first: Distribution) -> Symbol:
    from ..strategies.expected_log_ratio import variable_for

    return variable_for(first)


def _equation(lhs: Expr, rhs: Expr) -> Expr:
    from sympy import Eq

    return Eq(lhs, rhs, evaluate=False)


def _bracketed(e: Expr) -> Expr:
    return Bracket(e) if e.is_Add else e


def _partition(log_partition: Expr, etas: tuple[Symbol, ...], naturals: tuple[Expr, ...]) -> Expr:
    """``A`` at the given natural parameters, in the laws' parameters."""
    value = log_partition.xreplace({e: evaluate(v) for e, v in zip(etas, naturals, strict=True)})
    simplified = expand_log(simplify(value), force=True)
    if simplified.has(I):  # log(1 + p/(1 - p)) is -log(1 - p), not log(p - 1) + i pi
        simplified = -log(1 / together(value.args[0])) if isinstance(value, log) else value
    return simplified if count_ops(simplified) <= count_ops(value) else value


def _condition(family: str, mixed: tuple[Expr, ...], known: tuple[Expr, ...]) -> Expr | None:
    """The natural parameter space's inequalities at ``mixed``, each written with the
    parameters on one side (``sigma_1^2 < 2 sigma_2^2``); those that hold for every value
    of the parameters are dropped; ``false`` where one fails for every value."""
    relations = DOMAINS[family](tuple(evaluate(m) for m in mixed))
    kept = []
    for relation in relations:
        if isinstance(relation, Relational):
            relation = _cleared(relation)
        if relation is S.true or relation == S.true:
            continue
        if relation is S.false or relation == S.false:
            return S.false  # infinite for every value of the parameters
        kept.append(relation)
    return And(*kept) if kept else None


def _cleared(relation: Relational) -> Expr:
    """``a < b`` as ``numerator(a - b) < 0`` when the denominator is positive, written as
    ``x < y`` with both sides free of minus signs where that is possible."""
    difference = together(relation.lhs - relation.rhs)
    numerator, denominator = fraction(difference)
    if denominator.is_positive:
        difference = numerator.expand()
    elif denominator.is_negative:
        difference = -numerator.expand()
        relation = relation.reversed
    if difference.is_number:
        return relation.func(difference, 0)
    positive = S.Zero
    negative = S.Zero
    for term in difference.as_ordered_terms():
        if term.could_extract_minus_sign():
            negative -= term
        else:
            positive += term
    if positive == 0 or negative == 0:
        return relation.func(difference, 0)
    factor = Rational(1)
    return relation.func(positive * factor, negative * factor)


def is_order(alpha: Expr) -> bool:
    """Whether ``alpha`` is a valid order: a positive number other than 1, or a symbol."""
    return bool(alpha.free_symbols) or (alpha.is_positive and alpha != 1)


def alpha_pairs(order_above_one: bool) -> list[tuple[str, str, str]]:
    """The pairs of the divergences of :mod:`.alpha` (``kl-derive pairs --divergence``):
    with an order that may exceed 1 a bounded natural parameter space makes the result
    conditional."""
    out = []
    for family in DOMAINS:
        outcome = "finite"
        if order_above_one and conditional(family):
            outcome = "conditional"
        out.append((family, family, outcome))
    return out


def conditional(family: str) -> bool:
    """Whether the family's natural parameter space is bounded (an order alpha > 1 may
    then leave it: the integral is finite only under a condition)."""
    return bool(DOMAINS[family](ETA[:2]))


def log_parts(exponent: Expr) -> tuple[Expr, Expr]:
    """``exponent`` as ``log(factor) + rest``: its logarithms gathered into one, whose
    argument is simplified (``s^2 / (sigma sqrt(2 s^2 - sigma^2))``), and the rest over a
    common denominator. The argument is positive where the integral is finite; the steps
    that use this are verified there."""
    whole = evaluate(exponent)
    coefficient, part = whole.as_independent(log, as_Add=False)
    if isinstance(part, log) and part.args[0].is_Add and not coefficient.has(log):
        # one logarithm of a sum (Bernoulli, binomial laws): the sum kept as written
        return part.args[0] ** coefficient, S.Zero
    logs, rest = [], []
    for term in Add.make_args(expand(whole)):
        coefficient, part = term.as_independent(log, as_Add=False)
        if isinstance(part, log) and not coefficient.has(log):
            logs.append((coefficient, part.args[0]))
        else:
            rest.append(term)
    argument = Mul(*[factor(together(x)) ** c for c, x in logs])
    argument = powsimp(powdenest(argument, force=True), force=True)
    remainder = Add(*rest)
    if argument.has(I) or any(b.could_extract_minus_sign() for b in _bases(argument)):
        # a negative factor (p - 1) would bring the logarithm's branch in: left as it is
        return S.One, evaluate(exponent)
    return argument, (factor(together(remainder)) if remainder != 0 else S.Zero)


def _bases(e: Expr) -> list[Expr]:
    return [factor.as_base_exp()[0] for factor in Mul.make_args(e)]


def exp_form(exponent: Expr) -> Expr:
    """``e^exponent`` as a textbook writes it: ``factor * e^rest``."""
    argument, rest = log_parts(exponent)
    if rest == 0:
        return _shown(argument)
    if argument == 1:
        return expo(tidy(rest))
    return mul(_shown(argument), expo(tidy(rest)))


def _shown(argument: Expr) -> Expr:
    """A sum of powers as written (``p_1^alpha p_2^(1 - alpha) + ...``, which tidying
    would turn into ``p_2 p_1^alpha / p_2^alpha``); anything else tidied."""
    if argument.is_Add or (argument.is_Pow and argument.base.is_Add):
        return display_form(argument)
    return tidy(argument)


def log_form(exponent: Expr, scale: Expr = S.One) -> Expr:
    """``scale * exponent`` as ``scale * log(factor) + scale * rest`` (a logarithm of a
    reciprocal turned round: ``-log(1/x)`` is ``log x``)."""
    argument, rest = log_parts(exponent)
    scale = S(scale)
    if argument.is_Pow and argument.base.is_Add:  # log((a + b)^n) as n log(a + b)
        scale, argument = scale * argument.exp, argument.base
    if scale.could_extract_minus_sign() and argument != 1 and not argument.is_Add:
        scale, argument = -scale, 1 / argument
        rest = -rest
    terms = []
    if rest != 0:
        terms.append(tidy(scale * rest))
    if argument != 1:
        logarithm = ln(_shown(argument))
        terms.append(logarithm if scale == 1 else mul(tidy_coefficient(scale), logarithm))
    return add(*terms) if terms else S.Zero
