"""The closed forms against numerical quadrature of the KL integral, at random parameters."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import norm
from sympy import lambdify

from kl_derive import derive
from kl_derive.derivation import Derivation

TOLERANCE = 1e-7
EXAMPLES = settings(max_examples=40, deadline=None)

locs = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)
scales = st.floats(min_value=0.2, max_value=4, allow_nan=False, allow_infinity=False)
log_scales = st.floats(min_value=-1.5, max_value=1.3, allow_nan=False, allow_infinity=False)


def kl_quadrature(m1: float, s1: float, m2: float, s2: float) -> float:
    """KL(N(m1, s1^2) || N(m2, s2^2)) as the integral of p log(p/q) over the real line."""

    def integrand(x: float) -> float:
        log_p = norm.logpdf(x, loc=m1, scale=s1)
        log_q = norm.logpdf(x, loc=m2, scale=s2)
        return math.exp(log_p) * (log_p - log_q)

    options = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200}
    left, _ = quad(integrand, -math.inf, m1, **options)
    right, _ = quad(integrand, m1, math.inf, **options)
    return left + right


def close(got: float, want: float) -> bool:
    return abs(got - want) <= TOLERANCE + TOLERANCE * abs(want)


def as_function(d: Derivation, names: tuple[str, ...]) -> Callable[..., float]:
    by_name = {s.name: s for s in d.result.free_symbols}
    assert set(by_name) == set(names)
    return lambdify([by_name[n] for n in names], d.result, modules="math")


@pytest.fixture(scope="module")
def standard() -> Callable[..., float]:
    return as_function(derive("normal"), ("mu", "sigma"))


@pytest.fixture(scope="module")
def general() -> Callable[..., float]:
    return as_function(derive("normal(m1, s1)", "normal(m2, s2)"), ("m1", "s1", "m2", "s2"))


@pytest.fixture(scope="module")
def log_scale() -> Callable[..., float]:
    return as_function(derive("normal(m, exp(s))"), ("m", "s"))


def test_quadrature_reference_is_sound() -> None:
    # the reference itself, on cases worked by hand: zero for equal laws, and
    assert abs(kl_quadrature(0.3, 1.7, 0.3, 1.7)) < 1e-12
    # KL(N(1, 1) || N(0, 4)) = log 2 + (1 + 1) / 8 - 1/2
    assert close(kl_quadrature(1.0, 1.0, 0.0, 2.0), math.log(2) + 0.25 - 0.5)


@EXAMPLES
@given(mu=locs, sigma=scales)
def test_standard_normal_matches_quadrature(
    standard: Callable[..., float], mu: float, sigma: float
) -> None:
    got = float(standard(mu, sigma))
    want = kl_quadrature(mu, sigma, 0.0, 1.0)
    assert close(got, want), (mu, sigma, got, want)


@EXAMPLES
@given(m1=locs, s1=scales, m2=locs, s2=scales)
def test_general_pair_matches_quadrature(
    general: Callable[..., float], m1: float, s1: float, m2: float, s2: float
) -> None:
    got = float(general(m1, s1, m2, s2))
    want = kl_quadrature(m1, s1, m2, s2)
    assert close(got, want), (m1, s1, m2, s2, got, want)


@EXAMPLES
@given(m=locs, s=log_scales)
def test_log_scale_matches_quadrature(log_scale: Callable[..., float], m: float, s: float) -> None:
    got = float(log_scale(m, s))
    want = kl_quadrature(m, math.exp(s), 0.0, 1.0)
    assert close(got, want), (m, s, got, want)
