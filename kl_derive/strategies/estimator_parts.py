r"""The closed forms behind ``kl-derive estimators`` (two normal laws) and its last stage.

:func:`estimator_facts` gives, in the laws' own symbols, the means and variances of the
estimators k1, k2, k3, the bias of k2, E_q[r^2] with the condition under which it is
finite, and the expected gradients in mu_1 and sigma_1; :func:`gradient_stage` and
:func:`scale_gradient_stage` are the derivation's stages on those gradients.
:mod:`.estimators` drafts the derivation from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import Expr, Function, Gt, Piecewise, S, Symbol, diff, exp, log, oo, simplify, sqrt

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, neg, power, square, sub
from ..symbolic.objects import VARIABLE, Bracket, Expect
from .estimator_family_facts import check_estimator_families

__all__ = [
    "EstimatorFacts",
    "check_normal_pair",
    "coefficient_names",
    "estimator_facts",
    "gradient_stage",
    "kl_display",
    "kl_normal",
    "log_ratio_coefficients",
    "mean_k2",
    "ratio_second_moment",
    "ratio_second_moment_display",
    "reference_gradients",
    "scale_gradient_stage",
]

Z = VARIABLE


@dataclass(frozen=True)
class EstimatorFacts:
    """The closed forms the derivation ends in, in the user's symbols: the means and
    variances of k1, k2, k3 under q, the bias of k2, E_q[r^2] and the condition under
    which it (and Var k3) is finite."""

    kl: Expr
    reverse_kl: Expr
    mean: dict[str, Expr]
    variance: dict[str, Expr]
    bias_k2: Expr
    second_moment_ratio: Expr
    condition: Expr
    #: d/d mu_1 of E_q[k] with the sample held fixed, for k1, k2, k3
    gradient: dict[str, Expr]
    #: the same in sigma_1: E_q[d k / d sigma_1] with the sample held fixed
    gradient_scale: dict[str, Expr] = field(default_factory=dict)
    #: E_q[d k / d phi] in the reference law's parameters, phi = mu_2, sigma_2 (where each
    #: is a symbol): q does not depend on phi, so this is d E_q[k] / d phi exactly
    gradient_reference: dict[str, dict[str, Expr]] = field(default_factory=dict)


def check_normal_pair(first: Distribution, second: Distribution) -> None:
    check_estimator_families(first.family.name, second.family.name)
    if first.family.name != "normal":
        raise KLDeriveError(
            f"{first.family.name} laws are derived by the exponential-family estimators "
            "(kl_derive.estimators dispatches them)"
        )


def log_ratio_coefficients(first: Distribution, second: Distribution) -> tuple[Expr, Expr, Expr]:
    """log r = A + B eps + C eps^2, as ordinary expressions."""
    (m1, s1), (m2, s2) = first.args, second.args
    delta = m1 - m2
    a = log(s1 / s2) - delta**2 / (2 * s2**2)
    b = -delta * s1 / s2**2
    c = S.Half - s1**2 / (2 * s2**2)
    return a, b, c


def coefficient_names(first: Distribution, second: Distribution) -> tuple[Symbol, Symbol, Symbol]:
    taken = {str(s) for law in (first, second) for a in law.args for s in a.free_symbols}
    taken |= {str(s) for law in (first, second) for a in law.user_args for s in a.free_symbols}
    for names in (("A", "B", "C"), ("a", "b", "c"), ("A_0", "B_0", "C_0")):
        if not taken & set(names):
            return tuple(Symbol(n, real=True) for n in names)  # type: ignore[return-value]
    raise KLDeriveError("the parameter names leave no letters for the coefficients A, B, C")


def kl_normal(m1: Expr, s1: Expr, m2: Expr, s2: Expr) -> Expr:
    return log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - S.Half


def kl_display(m1: Expr, s1: Expr, m2: Expr, s2: Expr) -> Expr:
    """log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)/(2 sigma_2^2) - 1/2."""
    return add(
        ln(div(s2, s1)),
        div(add(square(s1), square(sub(m1, m2))), mul(2, square(s2))),
        S(-1) / 2,
    )


def ratio_second_moment(m1: Expr, s1: Expr, m2: Expr, s2: Expr) -> Expr:
    """E_q[r^2] = int p^2/q, where 2 sigma_1^2 > sigma_2^2."""
    return s1**2 / (s2 * sqrt(2 * s1**2 - s2**2)) * exp((m1 - m2) ** 2 / (2 * s1**2 - s2**2))


def ratio_second_moment_display(m1: Expr, s1: Expr, m2: Expr, s2: Expr) -> Expr:
    gap = sub(mul(2, square(s1)), square(s2))
    return mul(
        div(square(s1), mul(s2, power(gap, S.Half))),
        exp(div(square(sub(m1, m2)), gap), evaluate=False),
    )


def estimator_facts(first: Distribution, second: Distribution) -> EstimatorFacts:
    """The closed forms of :class:`EstimatorFacts` (for the laws' own symbols)."""
    check_normal_pair(first, second)
    (m1, s1), (m2, s2) = first.args, second.args
    a, b, c = log_ratio_coefficients(first, second)
    kl = kl_normal(m1, s1, m2, s2)
    reverse = kl_normal(m2, s2, m1, s1)
    m, v = a + c, b**2 + 2 * c**2
    s3, s4 = 6 * b**2 * c + 8 * c**3, 3 * b**4 + 60 * b**2 * c**2 + 60 * c**4
    var_k2 = (4 * m**2 * v + 4 * m * s3 + s4 - v**2) / 4
    second_moment = ratio_second_moment(m1, s1, m2, s2)
    condition = Gt(2 * s1**2, s2**2)
    var_k3 = second_moment - 1 + v - 2 * (kl + reverse)
    finite = condition
    mean_k2 = (v + kl**2) / 2
    return EstimatorFacts(
        kl=kl,
        reverse_kl=reverse,
        mean={"k1": kl, "k2": mean_k2, "k3": kl},
        variance={
            "k1": v,
            "k2": var_k2,
            "k3": Piecewise((var_k3, finite), (oo, True)),
        },
        bias_k2=mean_k2 - kl,
        second_moment_ratio=Piecewise((second_moment, finite), (oo, True)),
        condition=condition,
        gradient={
            "k1": S.Zero,
            "k2": diff(kl, m1) if m1.is_Symbol else S.Zero,
            "k3": diff(reverse, m1) if m1.is_Symbol else S.Zero,
        },
        gradient_scale={
            "k1": S.Zero,
            "k2": diff(kl, s1) if s1.is_Symbol else S.Zero,
            "k3": diff(reverse, s1) if s1.is_Symbol else S.Zero,
        },
        gradient_reference=reference_gradients(first, second),
    )


def mean_k2(first: Distribution, second: Distribution) -> Expr:
    """E_q[k2] = (Var k1 + KL^2) / 2, as an ordinary expression."""
    (m1, s1), (m2, s2) = first.args, second.args
    _, b, c = log_ratio_coefficients(first, second)
    return ((b**2 + 2 * c**2) + kl_normal(m1, s1, m2, s2) ** 2) / 2


def reference_gradients(first: Distribution, second: Distribution) -> dict[str, dict[str, Expr]]:
    """E_q[d k / d phi] for phi = mu_2 and sigma_2 (where each is a symbol), k1, k2, k3."""
    (m1, s1), (m2, s2) = first.args, second.args
    kl = kl_normal(m1, s1, m2, s2)
    out: dict[str, dict[str, Expr]] = {}
    for name, phi in (("mu_2", m2), ("sigma_2", s2)):
        if not phi.is_Symbol:
            continue
        forward = diff(kl, phi)
        out[name] = {"k1": forward, "k2": diff(mean_k2(first, second), phi), "k3": forward}
    return out


def gradient_stage(
    first: Distribution, second: Distribution, qf: Expr, pf: Expr, rf: Expr, main: Context
) -> Stage:
    """E_q[d k / d mu_1] with z held fixed, for each estimator, against the derivatives of
    the two divergences."""
    (m1, s1), (m2, s2) = first.args, second.args
    score = div(sub(Z, m1), square(s1))  # d log q / d mu_1
    chains = []
    # k1 = log q - log p: its derivative is the score, of mean zero
    chains.append(Chain((Step("estimator.gradient_k1", Expect(score, qf), S.Zero),)))
    # k2 = (log q/p)^2 / 2: its derivative is log(q/p) times the score
    g2 = mul(neg(ln(rf)), score)
    forward = diff(kl_normal(m1, s1, m2, s2), m1)
    chains.append(
        Chain((Step("estimator.gradient_k2", Expect(g2, qf), div(sub(m1, m2), square(s2))),))
    )
    g3 = mul(Bracket(sub(1, rf)), score)
    reverse = diff(kl_normal(m2, s2, m1, s1), m1)
    chains.append(
        Chain(
            (
                Step(
                    "estimator.gradient_k3",
                    Expect(g3, qf),
                    sub(Expect(score, qf), Expect(mul(rf, score), qf)),
                ),
                Step(
                    "estimator.gradient_k3_value",
                    sub(Expect(score, qf), Expect(mul(rf, score), qf)),
                    div(sub(m1, m2), square(s1)),
                    params={"score_term": Expect(mul(Function("k3")(Z), score), qf)},
                ),
            )
        )
    )
    _same(forward, (m1 - m2) / s2**2)
    _same(reverse, (m1 - m2) / s1**2)
    return Stage(
        "estimators_gradient",
        tuple(chains),
        params={
            "score": score,
            "forward": div(sub(m1, m2), square(s2)),
            "reverse": div(sub(m1, m2), square(s1)),
            "mu": m1,
            "log_q": ln(qf),
        },
    )


def _same(value: Expr, written: Expr) -> None:
    """The derivative as written for display equals its SymPy value (a display
    expression keeps its brackets and unevaluated numbers: ``(1 - m)^2`` held as a
    bracket would not cancel against SymPy's ``(m - 1)^2``)."""
    if simplify(evaluate(value) - evaluate(written)) != 0:
        raise AssertionError(f"{written} is not {value}")


def scale_gradient_stage(first: Distribution, second: Distribution, qf: Expr, rf: Expr) -> Stage:
    """E_q[d k / d sigma_1] with z held fixed, for each estimator: the score in sigma_1 is
    ((z - mu_1)^2 - sigma_1^2) / sigma_1^3; k2 gives the gradient of KL(q || p), k3 that of
    KL(p || q)."""
    (m1, s1), (m2, s2) = first.args, second.args
    score = div(sub(square(sub(Z, m1)), square(s1)), power(s1, 3))  # d log q / d sigma_1
    forward = sub(div(s1, square(s2)), div(1, s1))  # d KL(q || p) / d sigma_1
    reverse = sub(div(1, s1), div(add(square(s2), square(Bracket(sub(m1, m2)))), power(s1, 3)))
    _same(diff(kl_normal(m1, s1, m2, s2), s1), forward)
    _same(diff(kl_normal(m2, s2, m1, s1), s1), reverse)
    g2 = mul(neg(ln(rf)), score)
    g3 = mul(Bracket(sub(1, rf)), score)
    split = sub(Expect(score, qf), Expect(mul(rf, score), qf))
    chains = (
        Chain((Step("estimator.gradient_k1", Expect(score, qf), S.Zero),)),
        Chain((Step("estimator.gradient_k2", Expect(g2, qf), forward),)),
        Chain(
            (
                Step("estimator.gradient_k3", Expect(g3, qf), split),
                Step(
                    "estimator.gradient_k3_value",
                    split,
                    reverse,
                    params={"score_term": Expect(mul(Function("k3")(Z), score), qf)},
                ),
            )
        ),
    )
    params = {"score": score, "forward": forward, "reverse": reverse, "sigma": s1}
    return Stage("estimators_gradient_scale", chains, params={**params, "log_q": ln(qf)})
