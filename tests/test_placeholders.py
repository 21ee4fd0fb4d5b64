"""Parameters given as expressions are derived as placeholders and substituted back at
the end (``kl_derive.strategies.placeholders``); a placeholder never takes the name of
the other law's own parameter."""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sympy import Symbol, lambdify, log

from kl_derive import cross_entropy, derive, entropy

POSITIVE = st.floats(min_value=0.3, max_value=3.0)


def _value(result, **values: float) -> float:
    names = sorted(result.free_symbols, key=str)
    f = lambdify(names, result, modules="mpmath")
    return float(f(*(values[s.name] for s in names)))


def _kl_by_quadrature(q, p, lower, upper) -> float:
    """KL(q || p) of two densities (functions of a float) by mpmath quadrature."""
    return float(mpmath.quad(lambda z: q(z) * mpmath.log(q(z) / p(z)), [lower, upper]))


@settings(max_examples=8, deadline=None)
@given(l_=POSITIVE, rate=POSITIVE)
def test_expression_against_a_bare_law_of_the_same_family(l_: float, rate: float) -> None:
    """exponential(2*l) || exponential: the placeholder for 2l is not the second law's
    lambda (it once was, and the divergence came out 0)."""
    d = derive("exponential(2*l)", "exponential")
    assert {s.name for s in d.result.free_symbols} == {"l", "lambda"}
    expected = _kl_by_quadrature(
        lambda z: 2 * l_ * mpmath.exp(-2 * l_ * z),
        lambda z: rate * mpmath.exp(-rate * z),
        0,
        mpmath.inf,
    )
    assert _value(d.result, l=l_, **{"lambda": rate}) == pytest.approx(expected, rel=1e-8)


@settings(max_examples=8, deadline=None)
@given(mu=st.floats(-2, 2), logvar=st.floats(-2, 2), sigma=POSITIVE)
def test_log_variance_against_a_bare_normal(mu: float, logvar: float, sigma: float) -> None:
    d = derive("normal(mu, exp(logvar/2))", "normal")
    assert {s.name for s in d.result.free_symbols} == {"logvar", "sigma"}
    expected = math.log(sigma) - logvar / 2 + math.exp(logvar) / (2 * sigma**2) - 0.5
    got = _value(d.result, mu=mu, logvar=logvar, sigma=sigma)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # the logarithm of the product is split as a textbook writes it
    assert r"\log \sigma" in d.to_latex()


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(a=POSITIVE, b=POSITIVE, alpha=POSITIVE, beta=POSITIVE)
def test_gamma_with_an_expression_against_a_bare_gamma(
    a: float, b: float, alpha: float, beta: float
) -> None:
    d = derive("gamma(2*a, b)", "gamma")
    assert {s.name for s in d.result.free_symbols} == {"a", "b", "alpha", "beta"}

    def density(shape: float, rate: float):
        return lambda z: (
            rate**shape * z ** (shape - 1) * mpmath.exp(-rate * z) / mpmath.gamma(shape)
        )

    expected = _kl_by_quadrature(density(2 * a, b), density(alpha, beta), 0, mpmath.inf)
    got = _value(d.result, a=a, b=b, alpha=alpha, beta=beta)
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_substitution_then_simplification() -> None:
    """The closing steps: the expressions written in, then the result tidied, each
    verified; a simplification that would only split a logarithm is not taken."""
    d = derive("exponential(2*l)", "exponential")
    rules = [s.rule for s in d.steps]
    assert rules[-2:] == ["parameter.substitute", "algebra.simplify"]
    assert all(s.verified for s in d.steps)
    logs = d.result.atoms(log)
    assert len(logs) == 1, d.result  # log(2l/lambda), not log 2 + log l - log lambda


def test_piecewise_result_substituted_in_its_pieces() -> None:
    """uniform(-pi, pi): the placeholders a, b are substituted into the finite piece and
    its condition, which then holds, so the result is that piece alone."""
    d = derive("von_mises", "uniform(-pi, pi)")
    assert {s.name for s in d.result.free_symbols} == {"kappa"}
    kappa = Symbol("kappa", positive=True)
    value = float(d.result.subs(kappa, 1.5).evalf())
    ratio = float(mpmath.besseli(1, 1.5) / mpmath.besseli(0, 1.5))
    assert value == pytest.approx(1.5 * ratio - math.log(float(mpmath.besseli(0, 1.5))))


def test_two_bare_laws_with_a_parametrization_get_numbered_names() -> None:
    """normal normal --param logvar: N(mu_1, e^{logvar_1}) against N(mu_2, sigma_2^2),
    not two laws silently sharing mu."""
    d = derive("normal", "normal", param="logvar")
    assert {s.name for s in d.result.free_symbols} == {"mu_1", "logvar_1", "mu_2", "sigma_2"}
    values = {"mu_1": 0.3, "logvar_1": -0.4, "mu_2": -1.1, "sigma_2": 1.7}
    expected = math.log(1.7) + 0.2 + ((0.3 + 1.1) ** 2 + math.exp(-0.4)) / (2 * 1.7**2) - 0.5
    assert _value(d.result, **values) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# every quantity and every strategy ends in the user's names (issue 11)
# ---------------------------------------------------------------------------

#: H(P) at s = 0.3, a = 0.7, mu = 0.2 against SciPy's own entropy
ENTROPIES = [
    ("normal(mu, exp(s))", lambda: stats.norm(0.2, math.exp(0.3)).entropy()),
    ("gumbel(mu, sqrt(2))", lambda: stats.gumbel_r(0.2, math.sqrt(2)).entropy()),
    ("chi2(exp(s))", lambda: stats.chi2(math.exp(0.3)).entropy()),
    # PyTorch's geometric law counts the failures before the first success
    ("geometric(1/(1 + exp(-a)))", lambda: stats.geom(1 / (1 + math.exp(-0.7))).entropy()),
    ("continuous_bernoulli(1/(1 + exp(-a)))", lambda: _continuous_bernoulli_entropy(0.7)),
]


def _continuous_bernoulli_entropy(a: float) -> float:
    lam = 1 / (1 + math.exp(-a))
    norm = 2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam)

    def log_density(x: float) -> float:
        return math.log(norm) + x * math.log(lam) + (1 - x) * math.log(1 - lam)

    return -float(mpmath.quad(lambda x: math.exp(log_density(x)) * log_density(x), [0, 1]))


@pytest.mark.parametrize(("spec", "expected"), ENTROPIES, ids=[s for s, _ in ENTROPIES])
def test_entropy_with_expression_parameters_is_in_the_users_names(spec: str, expected) -> None:
    d = entropy(spec)
    names = {"mu": 0.2, "s": 0.3, "a": 0.7}
    assert {s.name for s in d.result.free_symbols} <= set(names), d.result
    assert d.steps[-1].verified and d.steps[-1].rule in ("parameter.substitute", "algebra.simplify")
    assert _value(d.result, **names) == pytest.approx(float(expected()), rel=1e-9)


def test_cross_entropy_with_expression_parameters_is_in_the_users_names() -> None:
    d = cross_entropy("normal(mu, exp(s))", "normal(m, exp(t))")
    assert {s.name for s in d.result.free_symbols} == {"mu", "s", "m", "t"}
    mu, s, m, t = 0.2, 0.3, -0.5, 0.1
    expected = (
        0.5 * math.log(2 * math.pi) + t + (math.exp(2 * s) + (mu - m) ** 2) / (2 * math.exp(2 * t))
    )
    assert _value(d.result, mu=mu, s=s, m=m, t=t) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("p", "q", "names"),
    [
        ("exponential(exp(s))", "exponential(2*l)", {"s": 0.3, "l": 0.8}),
        ("bernoulli(logits=a)", "bernoulli(logits=b)", {"a": 0.4, "b": -1.2}),
        ("normal(m, exp(s))", "normal(0, 1)", {"m": 0.3, "s": -0.2}),
    ],
)
def test_bregman_strategy_substitutes_back_too(p: str, q: str, names: dict) -> None:
    """The Bregman strategy once left the placeholders in its result (sigma for exp(s))."""
    d = derive(p, q, strategy="bregman")
    moments = derive(p, q)
    assert {s.name for s in d.result.free_symbols} == set(names), d.result
    assert _value(d.result, **names) == pytest.approx(_value(moments.result, **names), rel=1e-12)
