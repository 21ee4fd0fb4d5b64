r"""Monte-Carlo estimators of KL(q || p) for two laws of one exponential family.

The closed forms come from the log-partition function :math:`A` alone
(:mod:`.estimator_family_facts`). The stages:

1. the densities, the ratio and the three estimators (definitions, as for normal laws);
2. the log ratio, linear in the sufficient statistic:
   :math:`\log r = \langle \eta_p - \eta_q, T \rangle - A(\eta_p) + A(\eta_q)`;
3. the moment generating function of the log ratio,
   :math:`\mathbb{E}_q[r^t] = e^{K(t)}` with
   :math:`K(t) = A(\eta_q + t(\eta_p - \eta_q)) - (1 - t) A(\eta_q) - t A(\eta_p)`, finite
   where :math:`\eta_q + t(\eta_p - \eta_q)` is a natural parameter, and the cumulants
   :math:`\kappa_n = K^{(n)}(0)`: the central moments of the log ratio;
4. :math:`\mathbb{E}_q[k_1] = -\kappa_1 = \mathrm{KL}(q \| p)`,
   :math:`\operatorname{Var}_q[k_1] = \kappa_2`;
5. :math:`\mathbb{E}_q[r] = 1`, :math:`\mathbb{E}_q[k_3] = \mathrm{KL}`, :math:`k_3 \ge 0`,
   :math:`\mathbb{E}_q[r \log r] = \mathrm{KL}(p \| q) = K'(1)` and
   :math:`\mathbb{E}_q[r^2] = e^{K(2)}`, finite only where :math:`2\eta_p - \eta_q` is a
   natural parameter (stated as the condition of every step that uses it);
6. :math:`\mathbb{E}_q[k_2]`, its bias, and
   :math:`\operatorname{Var}_q[k_2] = \tfrac14(4\kappa_1^2\kappa_2 + 4\kappa_1\kappa_3
   + \kappa_4 + 2\kappa_2^2)`, in the laws' own parameters.

Every equality is verified by the engine; those with the ratio inside an expectation by
quadrature (or by sums, for a mass function).
"""

from __future__ import annotations

from sympy import Eq, Expr, Function, LessThan, S, Symbol, log

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, expo, ln, mul, neg, power, square, sub
from ..symbolic.objects import KL, Bracket, Expect
from .draft import Draft
from .estimator_family_facts import (
    FamilyEstimatorFacts,
    T,
    cgf,
    check_family_pair,
    family_estimator_facts,
    log_partition_at,
    natural_forms,
)
from .laws import make_law, parameter_conditions, total_over, variable_for
from .tidy import tidy

__all__ = ["derive_family_estimators"]

NAME = "estimators"
LOG_PARTITION = Function("A")
KAPPA = tuple(Symbol(f"kappa_{n}", real=True) for n in (1, 2, 3, 4))
#: K^{(n)}(0), n = 1..4, and K'(1), shown as such (defined by differentiating K)
DERIVATIVES = {n: Function(f"Kd{n}") for n in (1, 2, 3, 4)}
SLOPE_AT_ONE = Function("Kslope")
DERIVATIVE_DISPLAY = {f"Kd{n}": f"K^{{({n})}}(0)" for n in (1, 2, 3, 4)}


def derive_family_estimators(
    first: Distribution, second: Distribution, facts: FamilyEstimatorFacts | None = None
) -> Draft:
    """Draft the estimators' derivation for two laws of one exponential family;
    ``facts``: their :func:`family_estimator_facts`, when the caller has them already."""
    check_family_pair(first, second)
    z = variable_for(first)
    fq, fp = natural_forms(first, second, z)
    facts = family_estimator_facts(first, second) if facts is None else facts
    q, p = make_law(first, "q", z), make_law(second, "p", z)
    qf, pf = q.function, p.function
    rf = Function("r")(z)
    k1, k2, k3 = (Function(f"k{i}")(z) for i in (1, 2, 3))
    v1, v2, v3 = (Function(f"V{i}")(z) for i in (1, 2, 3))
    kfun = Function("K")(T)
    kappas = facts.cumulants
    values = _displayed(first, second, facts)
    conditions = parameter_conditions(first, second)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    eta_q, eta_p = fq.natural, fp.natural
    a_q, a_p = LOG_PARTITION(*eta_q), LOG_PARTITION(*eta_p)
    between = tuple(add(a, mul(T, Bracket(sub(b, a)))) for a, b in zip(eta_q, eta_p, strict=True))
    doubled = tuple(sub(mul(2, b), a) for a, b in zip(eta_q, eta_p, strict=True))
    a_t, a_2 = LOG_PARTITION(*between), LOG_PARTITION(*doubled)
    k_value = cgf(fq, fp)
    definitions = {
        rf: pf / qf,
        k1: -log(rf),
        k2: log(rf) ** 2 / 2,
        k3: rf - 1 - log(rf),
        v1: Expect(k1**2, qf) - Expect(k1, qf) ** 2,
        v2: Expect(k2**2, qf) - Expect(k2, qf) ** 2,
        v3: Expect(k3**2, qf) - Expect(k3, qf) ** 2,
        evaluate(a_q): evaluate(log_partition_at(fq, eta_q)),
        evaluate(a_p): evaluate(log_partition_at(fq, eta_p)),
        evaluate(a_t): evaluate(log_partition_at(fq, between)),
        evaluate(a_2): evaluate(log_partition_at(fq, doubled)),
        kfun: evaluate(k_value),
        **{DERIVATIVES[n](z): value for n, value in enumerate(kappas, start=1)},
        **{kappa: DERIVATIVES[n](z) for n, kappa in enumerate(KAPPA, start=1)},
        SLOPE_AT_ONE(z): facts.reverse_kl,
    }
    main = bare
    for name, value in definitions.items():
        main = main.define(name, value)
    stages: list[Stage] = []
    log_r = ln(rf)

    # 1. the setting -----------------------------------------------------------------
    stages.append(
        Stage(
            "estimators_setting",
            (
                Chain((Step("density.formula", qf, q.density, params={"law": first}),)),
                Chain((Step("density.formula", pf, p.density, params={"law": second}),)),
                Chain((Step("estimator.ratio", rf, mul(pf, power(qf, -1))),)),
                Chain((Step("estimator.k1", k1, neg(log_r)),)),
                Chain((Step("estimator.k2", k2, mul(S.Half, square(log_r))),)),
                Chain((Step("estimator.k3", k3, add(sub(rf, 1), neg(log_r), flatten=False)),)),
            ),
            params={"r": rf},
        )
    )

    # 2. the log ratio, linear in T --------------------------------------------------------
    linear = add(
        *[
            mul(Bracket(sub(b, a)), display_form(t))
            for a, b, t in zip(eta_q, eta_p, fq.statistics, strict=True)
        ],
        neg(a_p),
        a_q,
    )
    written = add(
        *[
            mul(Bracket(sub(b, a)), display_form(t))
            for a, b, t in zip(eta_q, eta_p, fq.statistics, strict=True)
        ],
        neg(Bracket(display_form(log_partition_at(fq, eta_p)))),
        Bracket(display_form(log_partition_at(fq, eta_q))),
    )
    stages.append(
        Stage(
            "estimators_family_log_ratio",
            (
                Chain(
                    (
                        Step("log.quotient", log_r, sub(ln(pf), ln(qf))),
                        Step("estimator.family_natural", sub(ln(pf), ln(qf)), linear),
                        Step("log_partition.insert", linear, written),
                    )
                ),
            ),
            params={
                "statistics": tuple(display_form(t) for t in fq.statistics),
                "log_partition": Eq(
                    LOG_PARTITION(*_etas(fq)), display_form(fq.log_partition), evaluate=False
                ),
                "law": first,
            },
        )
    )

    # 3. the moment generating function and the cumulants --------------------------------
    mgf = Expect(power(rf, T), qf)
    inside = facts_space(first, between)
    mgf_chain = Chain(
        (
            Step(
                "estimator.family_mgf_sum",
                mgf,
                total_over(mul(power(qf, sub(1, T)), power(pf, T)), q),
            ),
            Step(
                "estimator.family_mgf",
                total_over(mul(power(qf, sub(1, T)), power(pf, T)), q),
                expo(add(a_t, neg(mul(Bracket(sub(1, T)), a_q)), neg(mul(T, a_p)))),
                condition=inside,
            ),
        ),
    )
    cumulant_chains = [mgf_chain]
    centred = sub(log_r, KAPPA[0])
    targets = (
        Expect(log_r, qf),
        Expect(square(centred), qf),
        Expect(power(centred, 3), qf),
        sub(Expect(power(centred, 4), qf), mul(3, square(KAPPA[1]))),
    )
    for n, target in enumerate(targets, start=1):
        derivative = DERIVATIVES[n](z)
        cumulant_chains.append(
            Chain(
                (
                    Step("estimator.family_cumulant", target, KAPPA[n - 1]),
                    Step("estimator.family_cumulant_value", KAPPA[n - 1], derivative),
                    Step("estimator.family_cumulant_insert", derivative, values[f"kappa{n}"]),
                )
            )
        )
    stages.append(
        Stage(
            "estimators_family_cumulants",
            tuple(cumulant_chains),
            params={
                "k": Eq(kfun, log(mgf), evaluate=False),
                "t": T,
                "kappa": Symbol("kappa_n", real=True),
            },
        )
    )

    # 4. k1 -------------------------------------------------------------------------------
    kl = KL(qf, pf)
    e_k1 = Expect(k1, qf)
    kl_value = values["kl"]
    k1_chain = Chain(
        (
            Step("kl.expectation", kl, Expect(ln(mul(qf, power(pf, -1))), qf)),
            Step("estimator.minus_log_ratio", Expect(ln(mul(qf, power(pf, -1))), qf), e_k1),
            Step("estimator.family_minus_kappa", e_k1, neg(KAPPA[0])),
            Step("estimator.family_cumulant_insert", neg(KAPPA[0]), kl_value),
        )
    )
    var_k1 = Chain(
        (
            Step("variance.definition", v1, sub(Expect(square(k1), qf), square(e_k1))),
            Step(
                "estimator.family_centre",
                sub(Expect(square(k1), qf), square(e_k1)),
                Expect(square(centred), qf),
            ),
            Step("estimator.family_cumulant", Expect(square(centred), qf), KAPPA[1]),
            Step("estimator.family_cumulant_insert", KAPPA[1], values["kappa2"]),
        )
    )
    stages.append(Stage("estimators_family_k1", (k1_chain, var_k1)))

    # 5. k3 --------------------------------------------------------------------------------
    stages.append(_k3_stage(first, (facts, values), q, p, rf, k1, k3, v1, v3, kfun, a_q, a_p, a_2))

    # 6. k2 --------------------------------------------------------------------------------
    e_k2 = Expect(k2, qf)
    half_square = mul(S.Half, Expect(square(log_r), qf))
    in_kappas = mul(S.Half, add(KAPPA[1], square(KAPPA[0])))
    k2_mean = Chain(
        (
            Step("estimator.k2_linearity", e_k2, half_square),
            Step("estimator.family_raw_moments", half_square, in_kappas),
            Step("estimator.k2_in_kl", in_kappas, add(mul(S.Half, square(kl)), mul(S.Half, v1))),
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
    fourth = mul(
        S(1) / 4,
        Bracket(sub(Expect(power(log_r, 4), qf), square(Expect(square(log_r), qf)))),
    )
    var_k2_kappas = mul(
        S(1) / 4,
        Bracket(
            add(
                mul(4, square(KAPPA[0]), KAPPA[1]),
                mul(4, KAPPA[0], KAPPA[2]),
                KAPPA[3],
                mul(2, square(KAPPA[1])),
            )
        ),
    )
    var_k2 = Chain(
        (
            Step("variance.definition", v2, sub(Expect(square(k2), qf), square(e_k2))),
            Step("estimator.family_fourth", sub(Expect(square(k2), qf), square(e_k2)), fourth),
            Step("estimator.family_raw_moments", fourth, var_k2_kappas),
            Step("estimator.family_cumulant_insert", var_k2_kappas, values["var_k2"]),
        )
    )
    stages.append(Stage("estimators_family_k2", (k2_mean, bias, var_k2)))

    name = "k" if q.facts.discrete else "z"
    return Draft(
        NAME,
        tuple(stages),
        {"main": main},
        kl_value,
        functions={
            "q": f"q({name})",
            "p": f"p({name})",
            "r": f"r({name})",
            "k1": f"k_{{1}}({name})",
            "k2": f"k_{{2}}({name})",
            "k3": f"k_{{3}}({name})",
            "V1": r"\operatorname{Var}_{q}[k_{1}]",
            "V2": r"\operatorname{Var}_{q}[k_{2}]",
            "V3": r"\operatorname{Var}_{q}[k_{3}]",
            "chi2": r"\chi^{2}(p \,\|\, q)",
            **DERIVATIVE_DISPLAY,
            "Kslope": "K'(1)",
        },
        expect_subscripts=True,
        setting="catalog",
        quantity="estimators",
    )


def _displayed(first: Distribution, second: Distribution, facts) -> dict[str, Expr]:
    """The closed forms as the derivation prints them: for two categorical laws the exact
    finite sums over the categories (:mod:`.estimator_categorical`), otherwise the
    cumulants and the rest tidied."""
    if first.family.name == "categorical":
        from .estimator_categorical import categorical_sums

        return categorical_sums(first, second)
    second_moment = facts.second_moment_ratio
    if facts.condition not in (S.true, S.false):
        second_moment = second_moment.args[0][0]
    return {
        **{f"kappa{n}": shown(v) for n, v in enumerate(facts.cumulants, start=1)},
        "kl": tidy(facts.kl),
        "reverse": tidy(facts.reverse_kl),
        "second": tidy(second_moment),
        "var_k2": shown(facts.variance["k2"]),
    }


def shown(value: Expr) -> Expr:
    """The shorter of the tidied expression and the simplified one as it stands (tidying
    expands the powers of a logarithm, log(a/b)^3, into many terms); a long one as it
    stands."""
    from sympy import count_ops

    plain = display_form(value)
    if count_ops(value) > 40:  # tidying a long one costs seconds and only lengthens it
        return plain
    tidied = tidy(value)
    return plain if count_ops(plain) < count_ops(tidied) else tidied


def facts_space(first: Distribution, point: tuple[Expr, ...]) -> Expr:
    """The condition that ``point`` is a natural parameter of ``first``'s family."""
    from .estimator_family_facts import in_natural_space

    return in_natural_space(first.family.name, tuple(evaluate(e) for e in point))


def _k3_stage(first, known, q, p, rf, k1, k3, v1, v3, kfun, a_q, a_p, a_2) -> Stage:
    facts, values = known
    qf, pf = q.function, p.function
    kl = KL(qf, pf)
    e_r = Expect(rf, qf)
    unit = Chain(
        (
            Step("expectation.definition", e_r, total_over(mul(qf, rf), q)),
            Step("estimator.ratio_cancels", total_over(mul(qf, rf), q), total_over(pf, q)),
            Step("density.normalized", total_over(pf, q), S.One),
        )
    )
    e_k1, e_k3 = Expect(k1, qf), Expect(k3, qf)
    k3_terms = add(sub(e_r, 1), e_k1)
    k3_mean = Chain(
        (
            Step("estimator.k3_linearity", e_k3, k3_terms),
            Step("estimator.insert_mean_ratio", k3_terms, e_k1),
            Step("estimator.unbiased", e_k1, kl),
        )
    )
    value = Symbol("r", positive=True)
    positive = Chain(
        (
            Step(
                "estimator.k3_integral",
                add(sub(value, 1), neg(ln(value)), flatten=False),
                _integral_one_minus(value),
                params={"r": value, "log_bound": LessThan(ln(value), sub(value, 1))},
            ),
        )
    )
    condition = facts.condition
    stated = None if condition in (S.true, S.false) else facts.condition_shown
    cov = add(sub(Expect(square(rf), qf), 1), v1, neg(mul(2, Bracket(add(KL(pf, qf), kl)))))
    variance = Chain(
        (
            Step("variance.definition", v3, sub(Expect(square(k3), qf), square(e_k3))),
            Step(
                "estimator.k3_variance",
                sub(Expect(square(k3), qf), square(e_k3)),
                cov,
                condition=stated,
            ),
        )
    )
    reverse = Chain(
        (
            Step("estimator.weighted_log_ratio", Expect(mul(rf, ln(rf)), qf), KL(pf, qf)),
            Step("estimator.family_reverse", KL(pf, qf), SLOPE_AT_ONE(q.facts.variable)),
            Step(
                "estimator.family_cumulant_insert",
                SLOPE_AT_ONE(q.facts.variable),
                values["reverse"],
            ),
        )
    )
    chains = [unit, k3_mean, positive, variance, reverse]
    finite = condition is not S.false
    m_r2 = Expect(square(rf), qf)
    if finite:
        chains.append(
            Chain(
                (
                    Step(
                        "estimator.family_ratio_square",
                        m_r2,
                        total_over(mul(square(pf), power(qf, -1)), q),
                        condition=stated,
                    ),
                    Step(
                        "estimator.family_mgf_at_two",
                        total_over(mul(square(pf), power(qf, -1)), q),
                        expo(add(a_2, neg(mul(2, a_p)), a_q)),
                        condition=stated,
                    ),
                    Step(
                        "estimator.family_cumulant_insert",
                        expo(add(a_2, neg(mul(2, a_p)), a_q)),
                        values["second"],
                        condition=stated,
                    ),
                )
            )
        )
    if condition is S.true:
        key = "estimators_family_k3_always"
    else:
        key = "estimators_family_k3" if finite else "estimators_family_k3_infinite"
    return Stage(
        key,
        tuple(chains),
        params={
            "condition": facts.condition_shown,
            "law": first,
        },
    )


def _integral_one_minus(value: Expr) -> Expr:
    from sympy import Integral

    t = Symbol("t", positive=True)
    return Integral(sub(1, mul(1, power(t, -1))), (t, 1, value))


def _etas(form) -> tuple[Symbol, ...]:
    from ..families.base import ETA

    return ETA[: len(form.statistics)]
