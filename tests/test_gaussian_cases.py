"""The Gaussian cases beyond the univariate one: diagonal and full-covariance normals.

Each derivation's result is compared with the closed form a textbook gives and with
numbers computed independently: two-dimensional quadrature for a diagonal Gaussian,
Monte Carlo (with a stated tolerance) for a full covariance. Every step must be
verified, and broken steps must be rejected.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from kl_derive import derive
from kl_derive.engine import draft_for
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.convert import bind_pair


def _symbols(expr: sp.Expr) -> dict[str, sp.Symbol]:
    return {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}


# -- diagonal Gaussians -------------------------------------------------------------------


@pytest.fixture(scope="module")
def diag_symbolic():
    return derive("diag_normal")


def test_diag_symbolic_result_is_the_sum_of_coordinate_kls(diag_symbolic) -> None:
    result = diag_symbolic.result
    d = next(s for s in result.free_symbols if s.name == "d")
    mu, sigma = sp.IndexedBase("mu", real=True), sp.IndexedBase("sigma", positive=True)
    for n in (1, 2, 4):
        expected = sum(
            (mu[j] ** 2 + sigma[j] ** 2 - sp.log(sigma[j] ** 2) - 1) / 2 for j in range(1, n + 1)
        )
        assert sp.simplify(result.subs(d, n).doit() - expected) == 0


def test_diag_logvar_ends_in_the_vae_loss_line() -> None:
    d = derive("diag_normal", param="logvar")
    mu, lv = sp.IndexedBase("mu", real=True), sp.IndexedBase("logvar", real=True)
    j = next(s for s in d.result.atoms(sp.Symbol) if s.name == "j")
    dim = next(s for s in d.result.free_symbols if s.name == "d")
    expected = -sp.Rational(1, 2) * sp.Sum(1 + lv[j] - mu[j] ** 2 - sp.exp(lv[j]), (j, 1, dim))
    assert sp.simplify((d.result - expected).subs(dim, 3).doit()) == 0
    assert r"- \frac{1}{2} \sum_{j=1}^{d}" in d.to_latex()


def test_diag_steps_are_all_verified(diag_symbolic) -> None:
    assert diag_symbolic.steps
    assert all(step.check == "instances" for step in diag_symbolic.steps)


@settings(max_examples=5, deadline=None)
@given(
    m=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2),
    s=st.lists(st.floats(0.5, 1.8), min_size=2, max_size=2),
    a=st.lists(st.floats(-1.0, 1.0), min_size=2, max_size=2),
    b=st.lists(st.floats(0.6, 1.6), min_size=2, max_size=2),
)
def test_diag_explicit_agrees_with_2d_quadrature(m, s, a, b) -> None:
    d = derive("diag_normal([m1, m2], [s1, s2])", "diag_normal([a1, a2], [b1, b2])")
    names = _symbols(d.result)
    values = {
        names["m1"]: m[0],
        names["m2"]: m[1],
        names["s1"]: s[0],
        names["s2"]: s[1],
        names["a1"]: a[0],
        names["a2"]: a[1],
        names["b1"]: b[0],
        names["b2"]: b[1],
    }
    closed = float(d.result.subs(values))

    def log_normal_pdf(x: float, mean: float, scale: float) -> float:
        # the textbook log density in plain floats: SciPy's logpdf costs ~0.5 ms a call
        # (argument checks and broadcasting), minutes for a double quadrature
        return -(((x - mean) / scale) ** 2) / 2 - math.log(scale) - math.log(2 * math.pi) / 2

    assert log_normal_pdf(0.3, m[0], s[0]) == pytest.approx(
        stats.norm.logpdf(0.3, m[0], s[0]), rel=1e-14, abs=1e-14
    )

    def integrand(y: float, x: float) -> float:
        lq = log_normal_pdf(x, m[0], s[0]) + log_normal_pdf(y, m[1], s[1])
        lp = log_normal_pdf(x, a[0], b[0]) + log_normal_pdf(y, a[1], b[1])
        return math.exp(lq) * (lq - lp)

    numeric, _ = integrate.dblquad(
        integrand,
        m[0] - 10 * s[0],
        m[0] + 10 * s[0],
        m[1] - 10 * s[1],
        m[1] + 10 * s[1],
        epsabs=1e-9,
        epsrel=1e-9,
    )
    assert closed == pytest.approx(numeric, rel=1e-6, abs=1e-7)


# -- full covariance ----------------------------------------------------------------------


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return a @ a.T + n * 0.5 * np.eye(n)


def _closed_form(m1, s1, m2, s2) -> float:
    n = len(m1)
    inv2 = np.linalg.inv(s2)
    diff = m2 - m1
    return 0.5 * (
        np.trace(inv2 @ s1) + diff @ inv2 @ diff - n + np.log(np.linalg.det(s2) / np.linalg.det(s1))
    )


@pytest.fixture(scope="module")
def mvn_general():
    return derive("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)")


def _evaluate_mvn(result: sp.Expr, m1, s1, m2, s2) -> float:
    n = len(m1)
    names = {s.name: s for s in result.atoms(sp.MatrixSymbol)}
    d = next(s for s in result.free_symbols if getattr(s, "name", "") == "d")
    mapping = {
        names["mu1"]: sp.ImmutableMatrix(m1),
        names["Sigma1"]: sp.ImmutableMatrix(s1),
        names["mu2"]: sp.ImmutableMatrix(m2),
        names["Sigma2"]: sp.ImmutableMatrix(s2),
        d: n,
    }
    return float(sp.N(result.xreplace(mapping)))


@settings(max_examples=4, deadline=None)
@given(n=st.sampled_from([2, 3]), seed=st.integers(0, 2**32 - 1))
def test_mvn_symbolic_result_matches_closed_form_and_monte_carlo(mvn_general, n, seed) -> None:
    rng = np.random.default_rng(seed)
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = _spd(rng, n), _spd(rng, n)
    value = _evaluate_mvn(mvn_general.result, m1, s1, m2, s2)
    assert value == pytest.approx(_closed_form(m1, s1, m2, s2), rel=1e-10)
    # Monte Carlo: 400k samples; tolerance 5 standard errors
    z = rng.multivariate_normal(m1, s1, size=400_000)
    samples = stats.multivariate_normal(m1, s1).logpdf(z) - stats.multivariate_normal(
        m2, s2
    ).logpdf(z)
    stderr = samples.std() / np.sqrt(len(samples))
    assert abs(value - samples.mean()) < 5 * stderr


def test_mvn_result_equals_the_textbook_formula_symbolically(mvn_general) -> None:
    """At d = 2 with symbolic means and covariances L L^T, entry by entry."""
    n = 2
    means = [sp.Matrix(sp.symbols(f"a{k}1 a{k}2", real=True)) for k in (1, 2)]
    covs = []
    for k in (1, 2):
        l11, l22 = sp.symbols(f"p{k}11 p{k}22", positive=True)
        l21 = sp.Symbol(f"p{k}21", real=True)
        lower = sp.Matrix([[l11, 0], [l21, l22]])
        covs.append(lower * lower.T)
    names = {s.name: s for s in mvn_general.result.atoms(sp.MatrixSymbol)}
    d = next(s for s in mvn_general.result.free_symbols if getattr(s, "name", "") == "d")
    value = mvn_general.result.xreplace(
        {
            names["mu1"]: sp.ImmutableMatrix(means[0]),
            names["mu2"]: sp.ImmutableMatrix(means[1]),
            names["Sigma1"]: sp.ImmutableMatrix(covs[0]),
            names["Sigma2"]: sp.ImmutableMatrix(covs[1]),
            d: n,
        }
    )
    diff = means[1] - means[0]
    inv2 = covs[1].inv()
    textbook = (
        (inv2 * covs[0]).trace()
        + (diff.T * inv2 * diff)[0, 0]
        - n
        + sp.log(covs[1].det())
        - sp.log(covs[0].det())
    ) / 2
    assert sp.simplify(sp.expand_log(value - textbook, force=True)) == 0


def test_mvn_standard_prior_form() -> None:
    d = derive("multivariate_normal")
    text = d.to_latex()
    assert (
        r"\frac{1}{2}\left(\operatorname{tr}(\Sigma) + \mu^{T} \mu - d - \log \det \Sigma\right)"
        in text
    )


def test_mvn_explicit_numbers_match_numpy() -> None:
    d = derive(
        "multivariate_normal([1, 2, 0], [[2, 1, 0], [1, 3, 1], [0, 1, 2]])",
        "multivariate_normal([0, 1, 1], [[1, 0, 0], [0, 2, 0], [0, 0, 1]])",
    )
    expected = _closed_form(
        np.array([1.0, 2, 0]),
        np.array([[2.0, 1, 0], [1, 3, 1], [0, 1, 2]]),
        np.array([0.0, 1, 1]),
        np.diag([1.0, 2, 1]),
    )
    assert float(d.result) == pytest.approx(expected, rel=1e-12)
    assert all(step.verified for step in d.steps)


def test_mvn_symbolic_entries_and_dims_give_the_same_closed_form() -> None:
    listed = derive("multivariate_normal([m1, m2], [[s11, s12], [s12, s22]])").result
    m1, m2, s11, s12, s22 = (
        next(s for s in listed.free_symbols if s.name == n)
        for n in ("m1", "m2", "s11", "s12", "s22")
    )
    expected = (s11 + s22 + m1**2 + m2**2 - 2 - sp.log(s11 * s22 - s12**2)) / 2
    assert sp.simplify(listed - expected) == 0
    by_dims = derive("multivariate_normal", dims=2).result
    names = {s.name: s for s in by_dims.free_symbols}
    renamed = by_dims.xreplace(
        {
            names["mu_1"]: m1,
            names["mu_2"]: m2,
            names["Sigma_11"]: s11,
            names["Sigma_12"]: s12,
            names["Sigma_22"]: s22,
        }
    )
    assert sp.simplify(renamed - expected) == 0


def test_mvn_rejects_a_non_positive_definite_covariance() -> None:
    from kl_derive.errors import SpecError

    with pytest.raises(SpecError, match="positive definite"):
        derive("multivariate_normal([0, 0], [[1, 2], [2, 1]])")
    with pytest.raises(SpecError, match="symmetric"):
        derive("multivariate_normal([0, 0], [[1, 2], [0, 1]])")


@pytest.mark.parametrize(
    "specs",
    [
        ("diag_normal", None),
        ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)"),
    ],
)
def test_broken_steps_are_rejected(specs) -> None:
    p, q = specs
    draft = draft_for(*bind_pair(parse_spec(p), parse_spec(q) if q else None))
    steps = [step for stage in draft.stages for step in stage.steps]
    assert len(steps) >= 10
    for step in steps:
        wrong = step.after * 2 if step.after != 0 else sp.S.One
        with pytest.raises(VerificationError):
            verify_step(replace(step, after=wrong), draft.contexts[step.facts])


# -- parametrizations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "scale_of"),
    [
        ("scale", lambda v: v),
        ("variance", np.sqrt),
        ("logvar", lambda v: np.exp(v / 2)),
        ("logscale", np.exp),
    ],
)
def test_parametrizations_agree_with_quadrature(param, scale_of) -> None:
    d = derive("normal", param=param)
    loc, reading = sorted(d.result.free_symbols, key=lambda s: s.name != "mu")

    @settings(max_examples=8, deadline=None)
    @given(
        mu=st.floats(-2, 2),
        v=st.floats(0.3, 2.0) if param in ("scale", "variance") else st.floats(-1.5, 1.5),
    )
    def check(mu: float, v: float) -> None:
        sigma = float(scale_of(v))
        closed = float(d.result.subs({loc: mu, reading: v}))

        def integrand(x: float) -> float:
            lq = stats.norm.logpdf(x, mu, sigma)
            return float(np.exp(lq) * (lq - stats.norm.logpdf(x, 0, 1)))

        numeric, _ = integrate.quad(integrand, mu - 12 * sigma, mu + 12 * sigma, epsabs=1e-11)
        assert closed == pytest.approx(numeric, rel=1e-7, abs=1e-9)

    check()


def test_logvar_derivation_ends_in_the_vae_form_with_the_substitution_shown() -> None:
    d = derive("normal", param="logvar")
    rules = [step.rule for step in d.steps]
    assert "parameter.substitute" in rules and rules[-1] == "algebra.vae_form"
    mu, lv = sorted(d.result.free_symbols, key=lambda s: s.name != "mu")
    assert sp.simplify(d.result - (-(1 + lv - mu**2 - sp.exp(lv)) / 2)) == 0
    assert d.to_latex().rstrip().count(r"- \frac{1}{2}\left(1 + \mathrm{logvar} - \mu^{2}") >= 1
