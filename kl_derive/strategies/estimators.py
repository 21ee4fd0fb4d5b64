r"""Monte-Carlo estimators of KL(q || p) for two univariate normal laws.

With :math:`r(z) = p(z)/q(z)` and :math:`z \sim q`, the three per-sample estimators
:math:`k_1 = -\log r`, :math:`k_2 = \tfrac12 (\log r)^2` and :math:`k_3 = (r - 1) - \log r`
(Schulman's names). The stages:

1. the densities, the ratio and the three estimators (definitions);
2. the log ratio as a quadratic in the standardized variable
   :math:`\varepsilon = (z - \mu_1)/\sigma_1`: :math:`\log r = A + B\varepsilon + C\varepsilon^2`;
3. the moments of :math:`\varepsilon` under ``q`` (checked by quadrature);
4. :math:`\mathbb{E}_q[k_1] = \mathrm{KL}(q \| p)` and :math:`\operatorname{Var}_q[k_1]`;
5. :math:`\mathbb{E}_q[r] = 1`, hence :math:`\mathbb{E}_q[k_3] = \mathrm{KL}`; :math:`k_3 \ge 0`
   pointwise (an integral of :math:`1 - 1/t`); :math:`\operatorname{Var}_q[k_3]`, which needs
   :math:`\mathbb{E}_q[r^2] = 1 + \chi^2(p \| q)`, finite only when
   :math:`2\sigma_1^2 > \sigma_2^2`;
6. :math:`\mathbb{E}_q[k_2]`, its bias and its variance;
7. what the gradient of each estimator estimates when :math:`z` is drawn from ``q`` and the
   sample is held fixed (as automatic differentiation of a penalty does): for the
   location :math:`\mu_1` of ``q``.

Every equality is verified by the engine; those with :math:`r` inside an expectation
by quadrature.
"""

from __future__ import annotations

from sympy import (
    Eq,
    Expr,
    Function,
    Integral,
    LessThan,
    S,
    StrictGreaterThan,
    Symbol,
    expand,
    factorial2,
    log,
    pi,
)

from ..families.base import Distribution
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, neg, power, square, sub
from ..symbolic.objects import KL, VARIABLE, Bracket, Expect
from .draft import Draft
from .estimator_gradients import reference_gradient_stage
from .estimator_parts import (
    EstimatorFacts,
    check_normal_pair,
    coefficient_names,
    estimator_facts,
    gradient_stage,
    kl_display,
    log_ratio_coefficients,
    ratio_second_moment_display,
    scale_gradient_stage,
)
from .tidy import simplified_steps

__all__ = ["derive_estimators"]

NAME = "estimators"
Z = VARIABLE
EPSILON = Symbol("epsilon", real=True)
T = Symbol("t", positive=True)
#: the highest moment of the standardized variable the variances need (Var k_2: 8)
MOMENTS = 8


def derive_estimators(
    first: Distribution, second: Distribution, facts: EstimatorFacts | None = None
) -> Draft:
    """Draft the estimators' derivation for two normal laws (see the module docstring);
    ``facts``: their :func:`estimator_facts`, when the caller has them already."""
    check_normal_pair(first, second)
    (m1, s1), (m2, s2) = first.args, second.args
    family = first.family
    qf, pf, rf = Function("q")(Z), Function("p")(Z), Function("r")(Z)
    k1, k2, k3 = (Function(f"k{i}")(Z) for i in (1, 2, 3))
    v1, v2, v3 = (Function(f"V{i}")(Z) for i in (1, 2, 3))
    lim = (Z, S.NegativeInfinity, S.Infinity)
    dq, dp = family.density(Z, first.args), family.density(Z, second.args)
    a_sym, b_sym, c_sym = coefficient_names(first, second)
    a, b, c = log_ratio_coefficients(first, second)
    facts = estimator_facts(first, second) if facts is None else facts

    densities = {
        "q": DensityFacts(qf, Z, (S.NegativeInfinity, S.Infinity), evaluate(dq)),
        "p": DensityFacts(pf, Z, (S.NegativeInfinity, S.Infinity), evaluate(dp)),
    }
    bare = Context(densities)
    log_r = ln(rf)
    definitions = {
        rf: pf / qf,
        k1: -log(rf),
        k2: log(rf) ** 2 / 2,
        k3: rf - 1 - log(rf),
        v1: Expect(k1**2, qf) - Expect(k1, qf) ** 2,
        v2: Expect(k2**2, qf) - Expect(k2, qf) ** 2,
        v3: Expect(k3**2, qf) - Expect(k3, qf) ** 2,
        EPSILON: (Z - m1) / s1,
        a_sym: a,
        b_sym: b,
        c_sym: c,
    }
    defined = bare
    for name, value in definitions.items():
        defined = defined.define(name, value)
    # the moments of z under q from those of eps (stage 3): E[z^k] = E[(mu + sigma eps)^k]
    eps_moments = {k: (S.Zero if k % 2 else factorial2(k - 1)) for k in range(1, MOMENTS + 1)}
    z_moments = {k: _moment_from_standard(m1, s1, k, eps_moments) for k in range(1, MOMENTS + 1)}
    main = defined.with_moments("q", z_moments)
    stages: list[Stage] = []

    # 1. the setting -----------------------------------------------------------------
    stages.append(
        Stage(
            "estimators_setting",
            (
                Chain((Step("density.formula", qf, dq, params={"law": first}),)),
                Chain((Step("density.formula", pf, dp, params={"law": second}),)),
                Chain((Step("estimator.ratio", rf, div(pf, qf)),)),
                Chain((Step("estimator.k1", k1, neg(log_r)),)),
                Chain((Step("estimator.k2", k2, mul(S.Half, square(log_r))),)),
                Chain((Step("estimator.k3", k3, add(sub(rf, 1), neg(log_r), flatten=False)),)),
            ),
            params={"r": rf},
        )
    )

    # 2. the log ratio, standardized -------------------------------------------------------
    delta = sub(m1, m2)
    spread = add(
        ln(div(s1, s2)),
        div(square(sub(Z, m1)), mul(2, square(s1))),
        neg(div(square(sub(Z, m2)), mul(2, square(s2)))),
    )
    quadratic = add(a_sym, mul(b_sym, EPSILON), mul(c_sym, square(EPSILON)))
    stages.append(
        Stage(
            "estimators_log_ratio",
            (
                Chain(
                    (
                        Step(
                            "log.quotient",
                            log_r,
                            sub(ln(pf), ln(qf)),
                            params={"log_two_pi": mul(S.Half, ln(mul(2, pi)))},
                        ),
                        Step("estimator.log_densities", sub(ln(pf), ln(qf)), spread),
                        Step("estimator.standardize", spread, quadratic),
                    )
                ),
                Chain(
                    (
                        Step(
                            "estimator.coefficient",
                            a_sym,
                            add(ln(div(s1, s2)), neg(div(square(delta), mul(2, square(s2))))),
                        ),
                    )
                ),
                Chain(
                    (
                        Step(
                            "estimator.coefficient",
                            b_sym,
                            neg(div(mul(delta, s1), square(s2))),
                        ),
                    )
                ),
                Chain(
                    (
                        Step(
                            "estimator.coefficient",
                            c_sym,
                            div(sub(square(s2), square(s1)), mul(2, square(s2))),
                        ),
                    )
                ),
            ),
            params={"epsilon_definition": _eq(EPSILON, div(sub(Z, m1), s1))},
        )
    )

    # 3. the moments of eps -------------------------------------------------------------
    moment_chains = tuple(
        Chain((Step("estimator.standard_moment", Expect(power(EPSILON, k), qf), value),))
        for k, value in eps_moments.items()
    )
    stages.append(Stage("estimators_moments", moment_chains))

    # 4. k1 -------------------------------------------------------------------------------
    kl = KL(qf, pf)
    kl_value = kl_display(m1, s1, m2, s2)
    e_k1 = Expect(k1, qf)
    mean_a_c = neg(Bracket(add(a_sym, c_sym)))
    k1_chain = Chain(
        (
            Step("kl.expectation", kl, Expect(ln(div(qf, pf)), qf)),
            Step("estimator.minus_log_ratio", Expect(ln(div(qf, pf)), qf), e_k1),
        )
    )
    numeric = not any(a.free_symbols for a in (*first.args, *second.args))
    k1_steps = simplified_steps(
        [
            Step("estimator.insert_quadratic", e_k1, neg(Expect(quadratic, qf))),
            Step("estimator.moments_insert", neg(Expect(quadratic, qf)), mean_a_c),
            Step("estimator.coefficients_insert", mean_a_c, kl_value),
        ],
        numeric,
    )
    k1_value = Chain(tuple(k1_steps))
    centred = add(mul(b_sym, EPSILON), mul(c_sym, Bracket(sub(square(EPSILON), 1))))
    var_k1_value = add(square(b_sym), mul(2, square(c_sym)))
    var_k1 = Chain(
        tuple(
            simplified_steps(
                [
                    Step("variance.definition", v1, sub(Expect(square(k1), qf), square(e_k1))),
                    Step(
                        "estimator.centre",
                        sub(Expect(square(k1), qf), square(e_k1)),
                        Expect(square(centred), qf),
                    ),
                    Step("estimator.moments_insert", Expect(square(centred), qf), var_k1_value),
                    Step(
                        "estimator.coefficients_insert",
                        var_k1_value,
                        add(
                            div(mul(square(delta), square(s1)), power(s2, 4)),
                            mul(S.Half, square(sub(1, div(square(s1), square(s2))))),
                        ),
                    ),
                ],
                numeric,
            )
        )
    )
    stages.append(Stage("estimators_k1", (k1_chain, k1_value, var_k1)))

    # 5. k3 ---------------------------------------------------------------------------------
    e_r = Expect(rf, qf)
    unit = Chain(
        (
            Step("expectation.definition", e_r, Integral(mul(qf, rf), lim)),
            Step("estimator.ratio_cancels", Integral(mul(qf, rf), lim), Integral(pf, lim)),
            Step("density.normalized", Integral(pf, lim), S.One),
        )
    )
    e_k3 = Expect(k3, qf)
    k3_terms = add(sub(e_r, 1), e_k1)
    k3_mean = Chain(
        (
            Step("estimator.k3_linearity", e_k3, k3_terms),
            Step("estimator.insert_mean_ratio", k3_terms, e_k1),
            Step("estimator.unbiased", e_k1, kl),
        )
    )
    value = Symbol("r", positive=True)  # the value r(z) takes at a point
    positive = Chain(
        (
            Step(
                "estimator.k3_integral",
                add(sub(value, 1), neg(ln(value)), flatten=False),
                Integral(sub(1, div(1, T)), (T, 1, value)),
                params={"r": value, "log_bound": LessThan(ln(value), sub(value, 1))},
            ),
        )
    )
    stage5: list[Chain] = [unit, k3_mean, positive]
    condition = facts.condition
    m_r2 = Expect(square(rf), qf)
    cov = add(
        sub(Expect(square(rf), qf), 1),
        v1,
        neg(mul(2, Bracket(add(KL(pf, qf), kl)))),
    )
    stage5.append(
        Chain(
            (
                Step("variance.definition", v3, sub(Expect(square(k3), qf), square(e_k3))),
                Step(
                    "estimator.k3_variance",
                    sub(Expect(square(k3), qf), square(e_k3)),
                    cov,
                    condition=None if condition in (S.true, S.false) else condition,
                ),
            )
        )
    )
    stage5.append(
        Chain(
            (
                Step("estimator.weighted_log_ratio", Expect(mul(rf, ln(rf)), qf), KL(pf, qf)),
                *simplified_steps(
                    [Step("kl.closed_form", KL(pf, qf), kl_display(m2, s2, m1, s1))], numeric
                ),
            )
        )
    )
    finite = condition is not S.false
    shown = StrictGreaterThan(mul(2, square(s1)), square(s2), evaluate=False)
    chi2 = Eq(
        Function("chi2")(Z),
        Integral(div(square(sub(pf, qf)), qf), lim),
        evaluate=False,
    )
    if finite:
        stated = None if condition is S.true else condition
        stage5.append(
            Chain(
                (
                    Step(
                        "estimator.ratio_square",
                        m_r2,
                        Integral(div(square(pf), qf), lim),
                        params={"condition": shown, "chi2": chi2},
                        condition=stated,
                    ),
                    *simplified_steps(
                        [
                            Step(
                                "estimator.gaussian_integral",
                                Integral(div(square(pf), qf), lim),
                                ratio_second_moment_display(m1, s1, m2, s2),
                                condition=stated,
                            )
                        ],
                        numeric,
                    ),
                )
            )
        )
    stages.append(
        Stage(
            "estimators_k3" if finite else "estimators_k3_infinite",
            tuple(stage5),
            params={"condition": shown, "law": first},
        )
    )

    # 6. k2 ----------------------------------------------------------------------------------
    e_k2 = Expect(k2, qf)
    half_square = mul(S.Half, Expect(square(quadratic), qf))
    k2_value = mul(S.Half, add(square(Bracket(add(a_sym, c_sym))), var_k1_value))
    k2_mean = Chain(
        (
            Step("estimator.k2_linearity", e_k2, half_square),
            Step("estimator.moments_insert", half_square, k2_value),
            Step(
                "estimator.k2_in_kl",
                k2_value,
                add(mul(S.Half, square(kl)), mul(S.Half, v1)),
            ),
        )
    )
    bias = Chain(
        (
            Step(
                "estimator.bias",
                sub(e_k2, kl),
                add(mul(S.Half, v1), mul(S.Half, square(kl)), neg(kl)),
            ),
        )
    )
    v_sym = var_k1_value
    s3 = add(mul(6, square(b_sym), c_sym), mul(8, power(c_sym, 3)))
    s4 = add(
        mul(3, power(b_sym, 4)),
        mul(60, square(b_sym), square(c_sym)),
        mul(60, power(c_sym, 4)),
    )
    var_k2_value = mul(
        S(1) / 4,
        Bracket(
            add(
                mul(4, square(Bracket(add(a_sym, c_sym))), Bracket(v_sym)),
                mul(4, Bracket(add(a_sym, c_sym)), Bracket(s3)),
                Bracket(s4),
                neg(square(Bracket(v_sym))),
            )
        ),
    )
    var_k2 = Chain(
        (
            Step("variance.definition", v2, sub(Expect(square(k2), qf), square(e_k2))),
            Step(
                "estimator.k2_fourth",
                sub(Expect(square(k2), qf), square(e_k2)),
                mul(
                    S(1) / 4,
                    Bracket(
                        sub(
                            Expect(power(quadratic, 4), qf),
                            square(Expect(square(quadratic), qf)),
                        )
                    ),
                ),
            ),
            Step(
                "estimator.moments_insert",
                mul(
                    S(1) / 4,
                    Bracket(
                        sub(
                            Expect(power(quadratic, 4), qf),
                            square(Expect(square(quadratic), qf)),
                        )
                    ),
                ),
                var_k2_value,
            ),
        )
    )
    stages.append(Stage("estimators_k2", (k2_mean, bias, var_k2)))

    # 7. gradients in mu_1, the sample held fixed --------------------------------------------
    if m1.is_Symbol:
        stages.append(gradient_stage(first, second, qf, pf, rf, main))
    if s1.is_Symbol:  # and in sigma_1
        stages.append(scale_gradient_stage(first, second, qf, rf))
    # 8. gradients in the reference law's parameters (q does not move with them) -------
    for which, reference in facts.gradient_reference.items():  # mu_2, sigma_2: the symbols
        stages.append(reference_gradient_stage(first, second, qf, pf, rf, which, reference))

    # the result: the two unbiased estimators' mean -------------------------------------
    contexts = {"main": main, "none": bare, "bare": defined}
    stages[2] = stages[2].with_facts("bare")  # the moments of eps, by quadrature
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        k1_steps[-1].after,
        functions={
            "q": "q(z)",
            "p": "p(z)",
            "r": "r(z)",
            "k1": "k_{1}(z)",
            "k2": "k_{2}(z)",
            "k3": "k_{3}(z)",
            "V1": r"\operatorname{Var}_{q}[k_{1}]",
            "V2": r"\operatorname{Var}_{q}[k_{2}]",
            "V3": r"\operatorname{Var}_{q}[k_{3}]",
            "chi2": r"\chi^{2}(p \,\|\, q)",
        },
        expect_subscripts=True,
        setting="catalog",
        quantity="estimators",
    )


def _moment_from_standard(m: Expr, s: Expr, k: int, eps_moments: dict[int, Expr]) -> Expr:
    """E[(m + s eps)^k] from the moments of eps."""
    total = S.Zero
    for term in expand((m + s * EPSILON) ** k).as_ordered_terms():
        coeff, power_ = term.as_coeff_exponent(EPSILON)
        total += coeff * (1 if power_ == 0 else eps_moments[int(power_)])
    return expand(total)


def _eq(lhs: Expr, rhs: Expr) -> Expr:
    return Eq(lhs, rhs, evaluate=False)
