"""The discrete families beyond what the generic catalog test sees: PyTorch's closed forms,
pairs with explicit counts and lists, infinite divergences, and one-line errors."""

from __future__ import annotations

import math

import pytest
from conftest import one_line_error, run_module
from scipy import stats
from sympy import oo

from kl_derive import derive
from kl_derive.errors import KLDeriveError


def _value(result, **values: float) -> float:
    names = {s.name: s for s in result.free_symbols}
    return float(result.xreplace({names[k]: v for k, v in values.items()}).evalf(30))


def _sum_kl(p, q, upper: int) -> float:
    """KL(p || q) by summing SciPy's mass functions over 0..upper."""
    total = 0.0
    for k in range(upper + 1):
        a = p.logpmf(k)
        if a > -700:
            total += math.exp(a) * (a - q.logpmf(k))
    return total


def test_binomial_same_count_is_pytorchs_formula() -> None:
    d = derive("binomial(n, p)", "binomial(n, r)")
    assert all(step.verified for step in d.steps)
    for n, p, r in [(1, 0.3, 0.6), (4, 0.9, 0.2), (10, 0.5, 0.45)]:
        # PyTorch's _kl_binomial_binomial for equal total_count
        torch = n * (p * math.log(p / r) + (1 - p) * math.log((1 - p) / (1 - r)))
        assert _value(d.result, n=n, p=p, r=r) == pytest.approx(torch, rel=1e-12)


def test_bare_binomials_share_their_count() -> None:
    d = derive("binomial", "binomial")
    assert {s.name for s in d.result.free_symbols} == {"n", "p_1", "p_2"}
    value = _value(d.result, n=7, p_1=0.3, p_2=0.6)
    assert value == pytest.approx(_sum_kl(stats.binom(7, 0.3), stats.binom(7, 0.6), 7))


def test_binomial_with_more_trials_than_the_second_is_infinite() -> None:
    assert derive("binomial(5, p)", "binomial(3, r)").result == oo


def test_binomial_with_fewer_trials_is_a_finite_sum() -> None:
    d = derive("binomial(3, p)", "binomial(5, r)")
    expected = _sum_kl(stats.binom(3, 0.3), stats.binom(5, 0.7), 3)
    assert _value(d.result, p=0.3, r=0.7) == pytest.approx(expected, rel=1e-12)


def test_bernoulli_poisson_is_finite_and_poisson_bernoulli_infinite() -> None:
    d = derive("bernoulli(p)", "poisson(lambda)")
    # PyTorch's _kl_bernoulli_poisson: (1 - p) log(1 - p) + p log p - p log(rate) + rate
    p, rate = 0.3, 1.7
    torch = (1 - p) * math.log(1 - p) + p * math.log(p) - p * math.log(rate) + rate
    assert _value(d.result, p=p, **{"lambda": rate}) == pytest.approx(torch)
    assert derive("poisson(a)", "bernoulli(p)").result == oo
    assert derive("poisson(a)", "binomial(n, p)").result == oo
    assert derive("geometric(p)", "bernoulli(r)").result == oo


def test_poisson_and_geometric_closed_forms() -> None:
    d = derive("poisson(a)", "poisson(b)")
    assert _value(d.result, a=2.5, b=0.7) == pytest.approx(2.5 * math.log(2.5 / 0.7) - 2.5 + 0.7)
    g = derive("geometric(p)", "geometric(r)")
    expected = _sum_kl(stats.geom(0.4, loc=-1), stats.geom(0.7, loc=-1), 400)
    assert _value(g.result, p=0.4, r=0.7) == pytest.approx(expected, rel=1e-10)


def test_negative_binomial_same_count() -> None:
    d = derive("negative_binomial(r, p)", "negative_binomial(r, s)")
    expected = _sum_kl(stats.nbinom(3, 1 - 0.4), stats.nbinom(3, 1 - 0.2), 600)
    assert _value(d.result, r=3, p=0.4, s=0.2) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("family", ["categorical", "one_hot_categorical"])
def test_categorical_lists(family: str) -> None:
    d = derive(f"{family}([a, b, 1 - a - b])", f"{family}([r, s, 1 - r - s])")
    assert all(step.verified for step in d.steps)
    p, q = [0.2, 0.5, 0.3], [0.6, 0.1, 0.3]
    expected = sum(x * math.log(x / y) for x, y in zip(p, q, strict=True))
    assert _value(d.result, a=0.2, b=0.5, r=0.6, s=0.1) == pytest.approx(expected)
    for lang in ("en", "ko"):
        assert d.to_markdown(lang)
    shorter = derive(f"{family}([1/2, 1/2])", f"{family}([1/4, 1/4, 1/2])")
    assert float(shorter.result) == pytest.approx(math.log(2))
    assert derive(f"{family}([1/4, 1/4, 1/2])", f"{family}([1/2, 1/2])").result == oo


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("bernoulli(2)", "bernoulli(p)", "strictly between 0 and 1"),
        ("categorical([1/2, 1/3])", "categorical([1/2, 1/2])", "must sum to one"),
        # bare names now mean K categories (tests/test_multinomial_logits.py); a name
        # against a list is still refused
        ("categorical(p)", "categorical([a, 1 - a])", "as lists, or both as names"),
        ("multinomial", "multinomial", "as a list"),
        ("binomial(n, p)", "binomial(m, r)", "no closed form"),
        ("binomial(2.5, p)", "binomial(2, p)", "whole number"),
    ],
)
def test_one_line_errors(p: str, q: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message):
        derive(p, q)


def test_no_closed_form_from_the_command_line() -> None:
    one_line_error(run_module(["binomial(n, p)", "binomial(m, r)"]), "no closed form")
