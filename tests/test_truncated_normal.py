"""The truncated normal family: moments, entropy and KL against SciPy's ``truncnorm``
and quadrature, at random parameters, with the support conditions on both sides (an
interval inside the other's, or sticking out of it; a normal law against a truncated
one, infinite because the interval is never the whole line)."""

from __future__ import annotations

import math
from functools import cache

import mpmath
import pytest
from catalog_reference import MP_LOGPDF, numeric_kl
from conftest import rendering_tests, run_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from sympy import Rational, Symbol, oo

import kl_derive
from kl_derive.families import get_family
from kl_derive.strategies.table import ENTROPY, OUTCOMES

SETTINGS = settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
locations = st.integers(-48, 48).map(lambda i: i / 16)
scales = st.integers(4, 48).map(lambda i: i / 16)
ends = st.integers(-64, 64).map(lambda i: i / 16)
widths = st.integers(2, 64).map(lambda i: i / 16)


def _direct(p_values, q_values=None) -> float:
    """KL(P || Q), or with ``q_values=None`` the entropy of P, by tanh-sinh quadrature at
    30 digits over P's interval, from the log densities of ``catalog_reference`` (SciPy's
    truncnorm rounds the ends of its support, which made an equal end look like mass
    outside Q's interval)."""
    p = MP_LOGPDF["truncated_normal"](*p_values)
    q = MP_LOGPDF["truncated_normal"](*q_values) if q_values else None
    a, b = p_values[2], p_values[3]
    with mpmath.workdps(30):

        def integrand(x):
            lp = p.logpdf(x)
            return mpmath.exp(lp) * ((lp - q.logpdf(x)) if q else -lp)

        return float(mpmath.quad(integrand, [a, (a + b) / 2, b]))


def _scipy(mu: float, s: float, a: float, b: float):
    return stats.truncnorm((a - mu) / s, (b - mu) / s, loc=mu, scale=s)


@cache
def _derive(p: str, q: str):
    return kl_derive.derive(p, q)


def _value(derivation, **values: float) -> float:
    s = {str(x): x for x in derivation.result.free_symbols}
    return float(derivation.result.xreplace({s[k]: v for k, v in values.items()}).evalf(30))


@SETTINGS
@given(mu=locations, s=scales, a=ends, w=widths)
def test_moments_match_scipy(mu, s, a, w) -> None:
    z = Symbol("z", real=True)
    args = tuple(Rational(v) for v in (mu, s, a, a + w))
    table = get_family("truncated_normal").moment_table(z, args)
    law = _scipy(mu, s, a, a + w)
    assert float(table[z].value.evalf(30)) == pytest.approx(law.mean(), rel=1e-9, abs=1e-9)
    second = law.var() + law.mean() ** 2
    assert float(table[z**2].value.evalf(30)) == pytest.approx(second, rel=1e-8, abs=1e-9)


@SETTINGS
@given(mu=locations, s=scales, a=ends, w=widths)
@pytest.mark.slow
def test_entropy_matches_scipy(mu, s, a, w) -> None:
    derivation = kl_derive.entropy("truncated_normal")
    values = {"mu": mu, "sigma": s, "a": a, "b": a + w}
    derived = _value(derivation, **values)
    expected = _direct((mu, s, a, a + w))
    assert derived == pytest.approx(expected, rel=1e-8, abs=1e-9)
    scipy_value = float(_scipy(mu, s, a, a + w).entropy())
    if math.isfinite(scipy_value):  # SciPy gives nan far in a tail (the interval at 11 sigma)
        assert derived == pytest.approx(scipy_value, rel=1e-6, abs=1e-8)


@SETTINGS
@given(mu1=locations, s1=scales, a=ends, w=widths, mu2=locations, s2=scales)
@pytest.mark.slow
def test_kl_to_a_normal_law(mu1, s1, a, w, mu2, s2) -> None:
    derivation = _derive("truncated_normal", "normal")
    derived = _value(derivation, mu_1=mu1, sigma_1=s1, a_1=a, b_1=a + w, mu_2=mu2, sigma_2=s2)
    expected = numeric_kl("truncated_normal", (mu1, s1, a, a + w), "normal", (mu2, s2))
    assert derived == pytest.approx(expected, rel=1e-8, abs=1e-9)


@SETTINGS
@given(mu1=locations, s1=scales, a=ends, w=widths, mu2=locations, s2=scales)
@pytest.mark.slow
def test_kl_between_two_on_a_shared_interval(mu1, s1, a, w, mu2, s2) -> None:
    derivation = _derive("truncated_normal(m_1, s_1, a, b)", "truncated_normal(m_2, s_2, a, b)")
    derived = _value(derivation, m_1=mu1, s_1=s1, a=a, b=a + w, m_2=mu2, s_2=s2)
    expected = _direct((mu1, s1, a, a + w), (mu2, s2, a, a + w))
    assert derived == pytest.approx(expected, rel=1e-8, abs=1e-9)


@SETTINGS
@given(mu1=locations, s1=scales, a1=ends, w1=widths, mu2=locations, s2=scales, a2=ends, w2=widths)
@pytest.mark.slow
def test_kl_between_two_intervals_is_finite_exactly_when_they_nest(
    mu1, s1, a1, w1, mu2, s2, a2, w2
) -> None:
    derivation = _derive("truncated_normal", "truncated_normal")
    assert derivation.result.is_Piecewise
    values = dict(mu_1=mu1, sigma_1=s1, a_1=a1, b_1=a1 + w1)
    values.update(mu_2=mu2, sigma_2=s2, a_2=a2, b_2=a2 + w2)
    derived = _value(derivation, **values)
    nested = a2 <= a1 and a1 + w1 <= a2 + w2
    if not nested:
        assert derived == math.inf
        return
    expected = _direct((mu1, s1, a1, a1 + w1), (mu2, s2, a2, a2 + w2))
    assert derived == pytest.approx(expected, rel=1e-8, abs=1e-9)


def test_a_normal_law_against_a_truncated_one_is_infinite() -> None:
    assert _derive("normal", "truncated_normal").result == oo
    assert OUTCOMES[("normal", "truncated_normal")] == "infinite"
    assert OUTCOMES[("truncated_normal", "normal")] == "finite"
    assert OUTCOMES[("truncated_normal", "truncated_normal")] == "conditional"


@pytest.mark.slow
def test_bad_intervals_are_refused_in_one_line() -> None:
    for spec in ("truncated_normal(0, 1, 2, 1)", "truncated_normal(0, -1, 0, 1)"):
        done = run_module([spec, "normal"])
        assert done.returncode == 2, done.stdout
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_registered_listed_and_coded() -> None:
    assert get_family("TruncatedNormal") is get_family("truncated_normal")
    assert "truncated_normal" in ENTROPY
    families = run_module(["families"])
    assert "truncated_normal(loc, scale, low, high)" in families.stdout
    code = run_module(["code", "truncated_normal", "normal"])
    assert code.returncode == 0, code.stderr
    assert "erf" in code.stdout


def _all_derivations():
    return [
        kl_derive.entropy("truncated_normal"),
        _derive("truncated_normal", "normal"),
        _derive("truncated_normal", "truncated_normal"),
    ]


test_markdown_renders_with_katex, test_latex_compiles_with_pdflatex = rendering_tests(
    _all_derivations
)
