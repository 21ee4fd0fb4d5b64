r"""KL between two univariate laws as far as the moments go, then one exact integral.

For a pair whose log ratio holds a statistic with no known expectation under ``q``
(:math:`E[\log((z - a)^2 + b^2)]` under a normal or Student-t law off the centre of ``p``,
:math:`E[\log(1 - z)]` under a Kumaraswamy law), the moment method (:mod:`.
expected_log_ratio`) stops. This strategy takes its stages as they are (the densities,
the log densities, the log ratio collected by statistic, the divergence as the
expectation of the log ratio term by term, each known expectation with its reason), puts
in the expectations that are known, and writes each remaining one as what it is, the
integral of the statistic against the density of ``q``: every step to it verified, no
closed form claimed. When every parameter is a number the value of the whole expression
is computed by :func:`~kl_derive.numeric.integral_value.integral_value` (mpmath,
30 digits, shown to 12) and stated as a numerical value, not as a derived equality.

Where the moments do close (the same law on both sides, a Cauchy law, ``df = 1``, whose
Poisson kernel gives every such expectation), the closed form of :mod:`.
expected_log_ratio` is returned instead.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Eq,
    Expr,
    Float,
    GreaterThan,
    Integral,
    S,
    StrictGreaterThan,
    Sum,
    Symbol,
    digamma,
    exp,
    gamma,
    log,
    oo,
)

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, div, evaluate, ln, mul, neg, power, sub
from ..symbolic.objects import KL, Expect
from .closing import term
from .draft import Draft
from .expected_log_ratio import (
    definition_stage,
    expectation_stage,
    log_ratio_stages,
)
from .expected_log_ratio import derive as derive_by_moments
from .laws import Law, make_law, parameter_conditions, support_relation, variable_for
from .moments import found_moments, moment_stage
from .tidy import tidy, tidy_coefficient

__all__ = ["NAME", "derive"]

NAME = "integral"


def derive(first: Distribution, second: Distribution) -> Draft:
    """KL(first || second) in closed form where the moments close, else up to the exact
    integral of what does not."""
    variable = variable_for(first)
    q, p = make_law(first, "q", variable), make_law(second, "p", variable)
    if first.family.discrete or second.family.discrete or support_relation(q, p) != ():
        return derive_by_moments(first, second)  # only two laws on one support here
    kl = KL(q.function, p.function)
    more, ratio, collected, statistics, constant = log_ratio_stages(q, p)
    found = found_moments(q, [t for t, _ in statistics], fallback=False)
    known = [(tc, m) for tc, m in zip(statistics, found, strict=True) if m is not None]
    unknown = [tc for tc, m in zip(statistics, found, strict=True) if m is None]
    if len(unknown) != 1 or any(m.condition != S.true for _, m in known):
        # the moments close (a Cauchy law; the same centre and width), or more is missing
        # than one integral with every other moment finite for every parameter
        return derive_by_moments(first, second)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    stages = [definition_stage(q, p, kl), *more]
    expectations, _linear = expectation_stage(kl, ratio, collected, q, constant, statistics)
    stages.append(expectations)
    if known:
        stages.append(moment_stage(q, [m for _, m in known]))
    value = constant + sum((c * evaluate(m.value) for (_, c), m in known), S.Zero)
    finite = tidy(value)
    remainder = [(c, display_form(t, variable)) for t, c in unknown]
    with_moments = add(
        *([finite] if finite != 0 else []),
        *(term(tidy_coefficient(c), Expect(t, q.function)) for c, t in remainder),
    )
    integrals = [Integral(mul(q.function, t), (variable, *q.facts.support)) for _, t in remainder]
    written = [Integral(mul(q.density, t), (variable, *q.facts.support)) for _, t in remainder]
    final = add(
        *([finite] if finite != 0 else []),
        *(term(tidy_coefficient(c), w) for (c, _), w in zip(remainder, written, strict=True)),
    )
    expectations_known = {m.statistic: evaluate(m.value) for _, m in known}
    main = bare.with_expectations("q", expectations_known)
    (_, statistic), integral, shown = remainder[0], integrals[0], written[0]
    chains = (
        Chain(
            (
                Step("expectation.as_integral", Expect(statistic, q.function), integral),
                Step("integral.density_written", integral, shown),
            )
        ),
        Chain(
            (
                Step("moment.insert", kl, with_moments),
                Step("integral.insert", with_moments, final),
            )
        ),
    )
    params: dict[str, object] = {"integral": Expect(remainder[0][1], q.function)}
    number = numeric_value(finite, remainder, q)
    key = "kl_integral"
    if number is not None:
        params["value"] = number
        key = "kl_integral_value"
    stages.append(Stage(key, chains, params=params))
    series = series_stage(q, finite, remainder[0], with_moments)
    if series is not None:
        stages.append(series[0])
        final = series[1]
    return Draft(
        NAME,
        tuple(stages),
        {"main": main, "lemma": bare},
        final,
        functions={"q": f"q({variable})", "p": f"p({variable})"},
        setting="catalog",
    )


def series_stage(q: Law, finite: Expr, remaining, with_moments: Expr):
    """Where the remaining expectation is :math:`E[\\log(1 - z)]` under a law that states
    its logarithmic series (the Kumaraswamy law), the stage that writes it as that series
    with the bound on its tail after :math:`M` terms, and the divergence with the series
    in place: ``(stage, result)``; ``None`` otherwise."""
    coefficient, statistic = remaining
    family = q.distribution.family
    z = q.facts.variable
    summand_of = getattr(family, "log_one_minus_series", None)
    if summand_of is None or evaluate(statistic) != log(1 - z):
        return None
    index, terms = (
        Symbol("m", integer=True, positive=True),
        Symbol("M", integer=True, positive=True),
    )
    summand = summand_of(index, q.args)
    bound = family.tail_bound(terms, q.args)
    expectation = Expect(statistic, q.function)
    expansion = Step(
        "series.log_expansion",
        expectation,
        neg(Sum(summand, (index, 1, oo))),
        params={"tail_bound": bound, "terms": terms},
    )
    series = Sum(summand, (index, 1, oo))
    result = add(
        *([finite] if finite != 0 else []),
        term(tidy_coefficient(-coefficient), series),
    )
    insert = Step(
        "series.insert",
        with_moments,
        result,
        params={"expectation": expectation, "series": neg(series)},
    )
    a, b = q.args
    x = Symbol("x", positive=True)
    params = {
        "minus_log": neg(ln(sub(1, z))),
        "log_series": Sum(div(power(z, index), index), (index, 1, oo)),
        "u": power(z, a),
        "moment": Eq(
            Expect(power(z, index), q.function),
            div(mul(gamma(add(b, 1)), gamma(x)), gamma(add(x, b))),
            evaluate=False,
        ),
        "x_at": Eq(x, add(1, div(index, a)), evaluate=False),
        "convexity": GreaterThan(
            ln(gamma(add(x, b))), add(ln(gamma(x)), mul(b, digamma(x))), evaluate=False
        ),
        "digamma_bound": StrictGreaterThan(digamma(x), sub(ln(x), div(1, x)), evaluate=False),
        "moment_bound": mul(
            gamma(add(b, 1)),
            power(a, b),
            power(index, neg(b)),
            exp(div(mul(a, b), add(a, terms, 1))),
        ),
        "power": power(index, sub(neg(b), 1)),
        "power_tail": div(power(terms, neg(b)), b),
        "rate": power(terms, neg(b)),
        "a": a,
        "b": b,
        "series": series,
        "partial": Sum(summand, (index, 1, terms)),
        "bound": mul(Abs(coefficient), bound) if coefficient != 1 else bound,
        "terms": terms,
    }
    key = "kl_series"
    if not (evaluate(params["bound"]).free_symbols - {terms}):  # numbers: the bound at M
        key = "kl_series_value"
        for count in (10, 100, 1000):
            value = evaluate(params["bound"]).xreplace({terms: count}).evalf(30)
            params[f"at_{count}"] = Float(value, 3)
    return Stage(key, (Chain((expansion,)), Chain((insert,))), params=params), result


def numeric_value(finite: Expr, remainder, q: Law) -> Float | None:
    """The divergence's value to :data:`~kl_derive.numeric.integral_value.DECIMALS`
    decimal places when every parameter is a number: the closed part exactly (30
    digits) plus each remaining integral by quadrature, whose error estimates, times
    the coefficients, stay below a hundredth of the last place shown (``None``
    otherwise)."""
    import mpmath

    from ..numeric.integral_value import DECIMALS, PRECISION, integral_value, mp_number, rounded

    z = q.facts.variable
    closed = S(evaluate(finite))
    if closed.free_symbols:
        return None
    centre, width = _where_the_mass_is(q)
    with mpmath.workdps(PRECISION):
        total = mp_number(closed)
        error = mpmath.mpf(0)
        for coefficient, statistic in remainder:
            coefficient = S(evaluate(coefficient))
            integrand = evaluate(q.facts.value) * evaluate(statistic)
            found = integral_value(integrand, z, *q.facts.support, centre=centre, width=width)
            if found is None or coefficient.free_symbols:
                return None
            c = mp_number(coefficient)
            total += c * found[0]
            error += abs(c) * found[1]
        if error > mpmath.mpf(10) ** (-DECIMALS - 2):
            return None
        return rounded(total)


def _where_the_mass_is(q: Law) -> tuple[Expr, Expr]:
    """A centre and a width for the whole-line substitution: the law's location and
    scale parameters where it has them."""
    names = [parameter.name for parameter in q.distribution.family.parameters]
    args = dict(zip(names, q.args, strict=True))
    return args.get("loc", S.Zero), args.get("scale", S.One)
