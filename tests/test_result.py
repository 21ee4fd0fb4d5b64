"""The closed forms kl-derive arrives at, checked against the textbook formulas."""

from __future__ import annotations

import json

import pytest
from sympy import Expr, Rational, Symbol, exp, log, simplify, sympify

from kl_derive import derive
from kl_derive.derivation import Derivation


def symbols_of(expr: Expr) -> dict[str, Symbol]:
    """The free symbols of ``expr`` by name (the derivation's own, assumptions included)."""
    found = {s.name: s for s in expr.free_symbols if isinstance(s, Symbol)}
    assert len(found) == len(expr.free_symbols), "two symbols share a name"
    return found


def assert_equal(result: Expr, expected: Expr) -> None:
    assert simplify(result - expected) == 0, f"{result} != {expected}"


@pytest.fixture(scope="module")
def standard() -> Derivation:
    return derive("normal")


def test_standard_normal_result(standard: Derivation) -> None:
    names = symbols_of(standard.result)
    assert set(names) == {"mu", "sigma"}
    mu, sigma = names["mu"], names["sigma"]
    assert sigma.is_positive
    expected = (mu**2 + sigma**2 - log(sigma**2) - 1) / 2
    assert_equal(standard.result, expected)


def test_result_is_not_trivially_accepted(standard: Derivation) -> None:
    # the comparison above must be able to fail: a formula off by a little is not equal
    names = symbols_of(standard.result)
    mu, sigma = names["mu"], names["sigma"]
    wrong = (mu**2 + sigma**2 - log(sigma**2)) / 2
    assert simplify(standard.result - wrong) != 0


def test_result_display_evaluates_to_result(standard: Derivation) -> None:
    assert simplify(standard.result - standard.result_display.doit()) == 0


def test_explicit_standard_pair_renders_identically(standard: Derivation) -> None:
    explicit = derive("normal(mu, sigma)", "normal(0, 1)")
    assert explicit.to_latex() == standard.to_latex()
    assert explicit.to_markdown() == standard.to_markdown()
    assert explicit.to_json() == standard.to_json()
    assert explicit.to_latex(standalone=True) == standard.to_latex(standalone=True)


def test_general_pair() -> None:
    d = derive("normal(m1, s1)", "normal(m2, s2)")
    names = symbols_of(d.result)
    assert set(names) == {"m1", "s1", "m2", "s2"}
    m1, s1, m2, s2 = (names[k] for k in ("m1", "s1", "m2", "s2"))
    expected = log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - Rational(1, 2)
    assert_equal(d.result, expected)


def test_both_bare_families_get_distinct_symbols() -> None:
    d = derive("normal", "normal")
    names = symbols_of(d.result)
    assert set(names) == {"mu_1", "sigma_1", "mu_2", "sigma_2"}
    m1, s1, m2, s2 = (names[k] for k in ("mu_1", "sigma_1", "mu_2", "sigma_2"))
    expected = log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - Rational(1, 2)
    assert_equal(d.result, expected)


def test_log_scale_parametrization() -> None:
    d = derive("normal(m, exp(s))")
    names = symbols_of(d.result)
    assert set(names) == {"m", "s"}
    m, s = names["m"], names["s"]
    assert_equal(d.result, (m**2 + exp(2 * s) - 2 * s - 1) / 2)


def test_log_variance_parametrization() -> None:
    d = derive("normal(m, exp(logvar/2))")
    names = symbols_of(d.result)
    m, logvar = names["m"], names["logvar"]
    assert_equal(d.result, (m**2 + exp(logvar) - logvar - 1) / 2)


def test_numeric_parameters() -> None:
    d = derive("normal(0.5, 1/3)")
    assert not d.result.free_symbols
    sigma = Rational(1, 3)
    expected = (Rational(1, 4) + sigma**2 - log(sigma**2) - 1) / 2
    assert_equal(d.result, expected)


@pytest.mark.parametrize(
    ("p", "q"),
    [("normal(mu, sigma)", "normal(mu, sigma)"), ("normal(0, 1)", None)],
)
def test_divergence_of_a_distribution_from_itself_is_zero(p: str, q: str | None) -> None:
    assert simplify(derive(p, q).result) == 0


@pytest.mark.parametrize(
    ("p", "q"),
    [("normal", None), ("normal(m1, s1)", "normal(m2, s2)"), ("normal(m, exp(s))", None)],
)
def test_json_result_reads_back(p: str, q: str | None) -> None:
    d = derive(p, q)
    data = json.loads(d.to_json())
    read = sympify(data["result"]["sympy"])
    # sympify makes plain symbols; map them by name onto the derivation's own
    own = symbols_of(d.result)
    assert {s.name for s in read.free_symbols} == set(own)
    read = read.xreplace({s: own[s.name] for s in read.free_symbols})
    assert_equal(read, d.result)
