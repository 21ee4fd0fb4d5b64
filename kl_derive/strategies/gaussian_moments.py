r"""KL between two univariate normals by the moment method of the reference derivation.

The six stages:

1. the definition, with both densities written out;
2. the log ratio split into a constant and a quadratic polynomial :math:`g(z)`;
3. the integral split by linearity;
4. the constant's integral, using that a density integrates to one;
5. :math:`\int q\,g = \mathbb{E}[g(z)]`, with :math:`\mathbb{E}[z]` and
   :math:`\mathbb{E}[z^2]` derived from the reparametrization :math:`z = \mu + \sigma\varepsilon`,
   then the algebra;
6. the two parts combined (and, for parameters given as expressions such as ``exp(s)``,
   substituted back).

The first distribution is written :math:`q(z \mid x)` and the second :math:`p(z)`, as in
the VAE literature the derivation serves.
"""

from __future__ import annotations

from sympy import (
    Add,
    Eq,
    Expr,
    Function,
    Integral,
    Mul,
    Number,
    S,
    Symbol,
    count_ops,
    exp,
    expand,
    expand_log,
    factor_terms,
    fraction,
    gcd,
    lcm,
    log,
    pi,
    together,
)

from ..families.base import Distribution
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import (
    add,
    display_form,
    div,
    evaluate,
    expo,
    hand_order,
    ln,
    mul,
    neg,
    power,
    root,
    square,
    sub,
    times_one,
)
from ..symbolic.objects import KL, VARIABLE, Bracket, Expect
from .draft import Draft
from .placeholders import substitute_back

__all__ = ["derive"]

NAME = "moments"

Z = VARIABLE
EPSILON = Symbol("epsilon", real=True)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two normal distributions."""
    family = first.family
    (m1, s1), (m2, s2) = first.args, second.args
    qf, pf = Function("q")(Z), Function("p")(Z)
    phi, gf = Function("phi")(EPSILON), Function("g")(Z)
    support = family.support(first.args)
    lim = (Z, *support)
    dq, dp = family.density(Z, first.args), family.density(Z, second.args)

    densities = {
        "q": DensityFacts(qf, Z, support, evaluate(dq)),
        "p": DensityFacts(pf, Z, support, evaluate(dp)),
        "phi": DensityFacts(
            phi,
            EPSILON,
            (S.NegativeInfinity, S.Infinity),
            evaluate(family.density(EPSILON, family.standard)),
        ),
    }
    bare = Context(densities)
    kl = KL(qf, pf)
    stages: list[Stage] = []

    # 1. definition ---------------------------------------------------------
    stages.append(
        Stage(
            "definition",
            (
                Chain((Step("density.formula", qf, dq, params={"law": first}),)),
                Chain((Step("density.formula", pf, dp, params={"law": second}),)),
                Chain(
                    (
                        Step("kl.definition", kl, Integral(mul(qf, ln(div(qf, pf))), lim)),
                        Step(
                            "density.substitute",
                            Integral(mul(qf, ln(div(qf, pf))), lim),
                            Integral(mul(dq, ln(div(dq, dp))), lim),
                        ),
                    )
                ),
            ),
        )
    )

    # 2. the log ratio --------------------------------------------------------
    cq, cp = _normalizer(s1), _normalizer(s2)
    aq, ap = _exponent(m1, s1), _exponent(m2, s2)
    ratio = ln(div(qf, pf))
    difference = sub(aq, ap)
    steps = [
        Step("log.split_ratio", ratio, ln(mul(div(cq, cp), div(expo(aq), expo(ap))))),
    ]
    steps.append(
        Step("log.product", steps[-1].after, add(ln(div(cq, cp)), ln(div(expo(aq), expo(ap)))))
    )
    steps.append(Step("log.exp", steps[-1].after, add(ln(div(cq, cp)), difference, flatten=False)))
    constant = ln(div(s2, s1))
    _extend(steps, "normal.normalizer_ratio", add(constant, difference, flatten=False))
    if s2 == 1 and s1 != 1:
        constant = neg(ln(s1))
        _extend(steps, "log.reciprocal", add(constant, difference, flatten=False))
    polynomial_steps, g_display, coefficients = _collect(difference, m1, s1, m2, s2)
    stages.append(
        Stage(
            "log_ratio",
            tuple(Chain(tuple(chain)) for chain in (steps, polynomial_steps) if chain),
            params={"constant": constant, "g": g_display},
        )
    )

    # 3. split the integral ---------------------------------------------------
    definitions = bare.define(gf, evaluate(g_display))
    main_chains: list[Chain] = []
    constant_integral = Integral(
        mul(qf, Bracket(constant) if _negative(constant) else constant), lim
    )
    g_integral = Integral(mul(qf, g_display), lim)
    if constant != 0:
        main_chains.append(
            Chain(
                (
                    Step("kl.definition", kl, Integral(mul(qf, ratio), lim)),
                    Step(
                        "log_ratio.split_integral",
                        Integral(mul(qf, ratio), lim),
                        add(constant_integral, g_integral),
                    ),
                )
            )
        )
        stages.append(Stage("split", tuple(main_chains), params={"constant": constant}))
        # 4. the constant term ----------------------------------------------
        steps = [
            Step(
                "integral.constant",
                constant_integral,
                mul(constant, Integral(qf, lim)),
                params={"constant": constant},
            )
        ]
        steps.append(Step("density.normalized", steps[-1].after, times_one(constant)))
        constant_final = _constant_final(constant, s1, s2)
        steps.append(
            Step(
                "log.square" if constant_final != constant else "algebra.simplify",
                steps[-1].after,
                constant_final,
                params={"lhs_scale": s1 if s2 == 1 else s2},
            )
        )
        stages.append(Stage("normalization", (Chain(tuple(steps)),)))
    else:
        constant_final = S.Zero
        stages.append(
            Stage(
                "insert",
                (
                    Chain(
                        (
                            Step("kl.definition", kl, Integral(mul(qf, ratio), lim)),
                            Step("log_ratio.insert", Integral(mul(qf, ratio), lim), g_integral),
                        )
                    ),
                ),
            )
        )

    # 5. the expectation -----------------------------------------------------
    degrees = sorted(coefficients, reverse=True)
    linear = add(
        *[mul(_fraction_display(coefficients[k]), Expect(power(Z, k), qf)) for k in degrees]
    )
    expectation_chain = Chain(
        (
            Step("expectation.definition", Integral(mul(qf, gf), lim), Expect(gf, qf)),
            Step("expectation.linearity", Expect(gf, qf), linear),
        )
    )
    base_chains, moment_chains, moments = family.moment_chains(
        first.args, qf, phi, [k for k in sorted(coefficients) if k > 0] or [1]
    )
    substituted = add(*[_times_moment(coefficients[k], moments[k]) for k in degrees])
    algebra = [
        Step(
            "moment.insert",
            Expect(gf, qf),
            substituted,
            params={"moments": tuple(moments[k] for k in sorted(moments) if k > 0)},
        )
    ]
    expectation_final = _algebra(algebra, coefficients, moments, degrees)
    if not (m2 == 0 and s2 == 1):
        # the textbook form: (sigma_1^2 + (mu_1 - mu_2)^2) / (2 sigma_2^2) - 1/2
        usual = add(div(add(square(s1), square(sub(m1, m2))), mul(2, square(s2))), S(-1) / 2)
        if usual != expectation_final and not evaluate(usual).is_number:
            algebra.append(Step("algebra.complete_square", algebra[-1].after, usual))
            expectation_final = usual
    stages.append(
        Stage(
            "expectation",
            (
                Chain((Step("define", gf, g_display),)),
                expectation_chain,
                *base_chains,
                *moment_chains,
                Chain(tuple(algebra)),
            ),
            params={
                "reparametrization": Eq(
                    Z, family.reparametrization(first.args, EPSILON), evaluate=False
                )
            },
        )
    )

    # 6. combine ---------------------------------------------------------------
    total = add(constant_final, expectation_final)
    steps = [Step("combine.stages", kl, total)]
    combined = _combine(constant_final, expectation_final)
    if combined is not None and combined != total:
        steps.append(Step("algebra.combine", total, combined, params={"factor": combined.args[0]}))
    main = definitions.with_moments("q", moments).with_moments(
        "phi", family.base_moments(max(moments))
    )
    # parameters given as expressions (exp(logvar/2)) substituted back, each term
    # simplified in place
    mapping = {**first.substitutions, **second.substitutions}
    extra, _final, substituted_context = substitute_back(
        steps[-1].after, mapping, main, simplify=_simplify_terms
    )
    steps.extend(extra)
    if mapping:
        vae = _vae_form(first, second)
        if vae is not None and vae != steps[-1].after:
            logvar = vae.args[1].args[1]
            code = Code(f"-0.5 * sum(1 + {logvar} - {first.user_args[0]}**2 - exp({logvar}))")
            steps.append(
                Step(
                    "algebra.vae_form",
                    steps[-1].after,
                    vae,
                    params={"minus_half": S(-1) / 2, "code": code},
                )
            )
    stages.append(Stage("combine", (Chain(tuple(steps)),)))

    contexts = {
        "main": main,
        "substitute": substituted_context,
        "lemma": definitions.with_moments("phi", family.base_moments(max(moments))),
        "none": bare,
    }
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        steps[-1].after,
        functions={"q": r"q(z \mid x)", "p": "p(z)", "phi": r"\varphi(\varepsilon)", "g": "g(z)"},
    )


# ---------------------------------------------------------------------------
# pieces of the normal density
# ---------------------------------------------------------------------------


def _normalizer(scale: Expr) -> Expr:
    return div(1, root(mul(2, pi, square(scale))))


def _exponent(loc: Expr, scale: Expr) -> Expr:
    return neg(div(square(sub(Z, loc)), mul(2, square(scale))))


def _extend(steps: list[Step], rule: str, after: Expr) -> None:
    if after != steps[-1].after:
        steps.append(Step(rule, steps[-1].after, after))


def _negative(e: Expr) -> bool:
    return (isinstance(e, Number) and e.is_negative) or (
        isinstance(e, Mul) and isinstance(e.args[0], Number) and e.args[0].is_negative
    )


def _constant_final(constant: Expr, s1: Expr, s2: Expr) -> Expr:
    """``-log sigma`` is written ``-1/2 log sigma^2`` to match the textbook closing line."""
    if s2 == 1 and isinstance(s1, Symbol):
        return mul(S(-1) / 2, ln(square(s1)))
    if s1 == 1 and isinstance(s2, Symbol):
        return mul(S.Half, ln(square(s2)))
    return constant


# ---------------------------------------------------------------------------
# the quadratic g(z)
# ---------------------------------------------------------------------------


def _fraction_display(value: Expr) -> Expr:
    """``value`` as one fraction with a hand-ordered numerator, sign in front."""
    value = together(value)
    numerator, denominator = fraction(value)
    numerator = expand(numerator)
    if isinstance(numerator, Number) and isinstance(denominator, Number):
        return numerator / denominator
    sign = 1
    lead = Add.make_args(numerator)[0].as_coeff_Mul()[0] if not isinstance(numerator, Add) else None
    if lead is not None and lead.is_negative:
        sign, numerator = -1, -numerator
    shown = div(hand_order(numerator), _monomial(denominator))
    return neg(shown) if sign < 0 else shown


def _monomial(e: Expr) -> Expr:
    coeff, rest = e.as_coeff_Mul()
    return mul(coeff, *Mul.make_args(rest)) if rest != 1 else coeff


def _collect(difference: Expr, m1: Expr, s1: Expr, m2: Expr, s2: Expr):
    """Steps from ``A_q - A_p`` to ``a z^2 + b z + c``; the display and the coefficients."""
    steps: list[Step] = []
    expanded = add(
        neg(div(hand_order(expand((Z - m1) ** 2), Z), mul(2, square(s1)))),
        div(hand_order(expand((Z - m2) ** 2), Z), mul(2, square(s2))),
    )
    if expanded != difference:
        steps.append(Step("algebra.expand_square", difference, expanded))
    value = expand(evaluate(difference))
    coefficients: dict[int, Expr] = {}
    for k in (2, 1, 0):
        c = value.coeff(Z, k)
        if c != 0:
            coefficients[k] = c
    collected = add(*[mul(_fraction_display(c), power(Z, k)) for k, c in coefficients.items()])
    if collected != (steps[-1].after if steps else difference):
        steps.append(Step("algebra.collect", steps[-1].after if steps else difference, collected))
    return steps, collected, coefficients


# ---------------------------------------------------------------------------
# stage 5 algebra
# ---------------------------------------------------------------------------


def _times_moment(coefficient: Expr, moment: Expr) -> Expr:
    shown = _fraction_display(coefficient)
    if moment == 1:
        return times_one(shown)
    if shown == 1:
        return moment
    return mul(shown, Bracket(hand_order(moment)))


def _algebra(steps: list[Step], coefficients, moments, degrees) -> Expr:
    """Append the algebra after substituting the moments; return the final display."""
    value = sum((coefficients[k] * moments[k] for k in degrees), S.Zero)
    value = expand(value)
    if value.is_number:
        steps.append(Step("algebra.simplify", steps[-1].after, value))
        return value
    # each product as one fraction
    terms = []
    for k in degrees:
        numerator, denominator = fraction(together(coefficients[k]))
        moment = moments[k]
        if isinstance(moment, Add) and numerator != 1:
            top = mul(hand_order(numerator), hand_order(moment))
        else:
            top = hand_order(expand(numerator * moment))
        sign_top = top
        negative = _negative(sign_top) or (isinstance(sign_top, Number) and sign_top.is_negative)
        shown = div(neg(top) if negative else top, _monomial(denominator))
        terms.append(neg(shown) if negative else shown)
    distributed = add(*terms)
    _extend(steps, "algebra.distribute", distributed)
    # over a common denominator
    denominators = [fraction(together(coefficients[k]))[1] for k in degrees]
    common = denominators[0]
    for d in denominators[1:]:
        common = lcm(common, d)
    numerator = expand(value * common)
    if common != 1:
        _extend(steps, "algebra.common_denominator", div(hand_order(numerator), _monomial(common)))
        shared = gcd(numerator, common)
        if shared != 1 and not shared.is_number:
            _extend(
                steps,
                "algebra.factor",
                div(mul(shared, hand_order(expand(numerator / shared))), _monomial(common)),
            )
    final = _half_form(value)
    _extend(steps, "algebra.cancel", final)
    return final


def _half_form(value: Expr) -> Expr:
    """``mu**2/2 + sigma**2/2 - 1/2`` -> ``1/2 (mu^2 + sigma^2 - 1)``."""
    factored = factor_terms(value)
    coeff, rest = factored.as_coeff_Mul()
    if coeff != 1 and isinstance(rest, Add):
        return mul(coeff, hand_order(rest))
    _numerator, denominator = fraction(together(value))
    if denominator != 1:
        return _fraction_display(value)
    return hand_order(value)


def _combine(constant: Expr, expectation: Expr) -> Expr | None:
    """Both parts under one coefficient when they share it (the textbook closing line)."""
    if constant == 0:
        return None
    value = evaluate(add(constant, expectation))
    factored = factor_terms(value)
    coeff, rest = factored.as_coeff_Mul()
    if coeff != 1 and isinstance(rest, Add):
        return mul(coeff, hand_order(rest))
    if not value.free_symbols:
        return display_form(value)
    return None


def _vae_form(first: Distribution, second: Distribution) -> Expr | None:
    """``-1/2 (1 + logvar - mu^2 - e^logvar)``: the line in VAE code, for a log-variance."""
    loc, scale = first.user_args
    if tuple(second.args) != (0, 1) or not isinstance(loc, Symbol) or not scale.has(exp):
        return None
    logvar = expand_log(2 * log(scale), force=True)
    if not isinstance(logvar, Symbol):
        return None
    return mul(S(-1) / 2, add(1, logvar, neg(square(loc)), neg(expo(logvar))))


def _simplify_terms(expr: Expr) -> Expr:
    """Simplify each term of a (possibly scaled) sum where it stands, keeping the order."""
    if isinstance(expr, Mul) and isinstance(expr.args[0], Number) and len(expr.args) == 2:
        return mul(expr.args[0], _simplify_terms(expr.args[1]))
    if isinstance(expr, Add):
        return add(*[_simplify_term(t) for t in expr.args])
    return _simplify_term(expr)


def _simplify_term(term: Expr) -> Expr:
    """A term simplified where it stands; the logarithm of a product of positive factors
    split (``log(sigma e^{-logvar/2}) = log sigma - logvar/2``) when that is shorter."""
    value = evaluate(term)
    split = expand_log(value)
    return display_form(split if count_ops(split) < count_ops(value) else value)
