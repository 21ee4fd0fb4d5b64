"""The total variation distance beyond Bernoulli laws: listed categorical laws against the
sum (1/2) sum_k |q_k - p_k|, two normal and two exponential laws against SciPy quadrature of
(1/2) int |q - p| (split where a grid scan finds the densities cross, found here, not by
the engine), at random parameters, on both sides of the case split (equal scales or not);
Pinsker's inequality against the derived KL."""

from __future__ import annotations

import itertools
import math
import random
from functools import cache

import numpy as np
import pytest
from conftest import one_line_error, run_module
from scipy import integrate, optimize, stats

import kl_derive
from kl_derive.divergences import pairs


@cache
def _tv(p: str, q: str):
    return kl_derive.divergence("total-variation", p, q)


def _at(e, values: dict[str, float]) -> float:
    return float(e.xreplace({s: values[s.name] for s in e.free_symbols}).evalf(30))


def _quadrature(l1, l2, lo: float, hi: float) -> float:
    """(1/2) int |q - p|, split at the sign changes of q - p found on a fine grid."""

    def diff(z):
        return l1.pdf(z) - l2.pdf(z)

    grid = np.linspace(lo, hi, 20001)
    values = diff(grid)
    roots = [
        optimize.brentq(diff, a, b)
        for a, b, x, y in zip(grid, grid[1:], values, values[1:], strict=False)
        if x * y < 0
    ]
    points = [lo, *roots, hi]
    total = sum(
        integrate.quad(lambda z: abs(diff(z)), a, b, limit=200, epsabs=1e-14)[0]
        for a, b in itertools.pairwise(points)
    )
    return total / 2


def test_categorical_lists() -> None:
    d = _tv("categorical([a, b, 1 - a - b])", "categorical([1/2, 1/4, 1/4])")
    assert all(step.verified for step in d.steps)
    rng = random.Random("tv-categorical")
    for _ in range(10):
        a, b = rng.uniform(0.02, 0.6), rng.uniform(0.02, 0.38)
        first, second = [a, b, 1 - a - b], [0.5, 0.25, 0.25]
        expected = 0.5 * sum(abs(x - y) for x, y in zip(first, second, strict=True))
        assert _at(d.result, {"a": a, "b": b}) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    same = _tv("categorical([1/5, 4/5])", "categorical([1/5, 4/5])")
    assert same.result == 0


@pytest.mark.slow
def test_two_normals_both_cases() -> None:
    d = _tv("normal", "normal")
    assert all(step.verified for step in d.steps)
    rng = random.Random("tv-normal")
    for case in range(8):
        m1, m2 = rng.uniform(-2, 2), rng.uniform(-2, 2)
        s1 = rng.uniform(0.3, 2.5)
        s2 = s1 if case % 2 else rng.uniform(0.3, 2.5)  # both sides of sigma_1 = sigma_2
        values = {"mu_1": m1, "mu_2": m2, "sigma_1": s1, "sigma_2": s2}
        l1, l2 = stats.norm(m1, s1), stats.norm(m2, s2)
        expected = _quadrature(l1, l2, -40, 40)
        assert _at(d.result, values) == pytest.approx(expected, rel=1e-7, abs=1e-10)
        if case % 2:
            closed = 2 * stats.norm.cdf(abs(m1 - m2) / (2 * s1)) - 1
            assert _at(d.result, values) == pytest.approx(closed, rel=1e-12, abs=1e-14)


@pytest.mark.slow
def test_equal_variances_given_by_one_name() -> None:
    d = _tv("normal(m, s)", "normal(0, s)")
    assert "Piecewise" not in str(d.result)
    for m, s in ((0.7, 1.3), (-2.0, 0.5)):
        expected = _quadrature(stats.norm(m, s), stats.norm(0, s), -40, 40)
        assert _at(d.result, {"m": m, "s": s}) == pytest.approx(expected, rel=1e-8)
    assert _at(d.result, {"m": 0.0, "s": 1.0}) == pytest.approx(0, abs=1e-15)


@pytest.mark.slow
def test_two_normals_with_numbers() -> None:
    d = _tv("normal(0, 1)", "normal(1, 2)")
    expected = _quadrature(stats.norm(0, 1), stats.norm(1, 2), -40, 40)
    assert float(d.result) == pytest.approx(expected, rel=1e-9)


@pytest.mark.slow
def test_two_exponentials_both_cases() -> None:
    d = _tv("exponential", "exponential")
    assert all(step.verified for step in d.steps)
    rng = random.Random("tv-exponential")
    for case in range(6):
        a = rng.uniform(0.2, 4)
        b = a if case % 2 else rng.uniform(0.2, 4)
        l1, l2 = stats.expon(scale=1 / a), stats.expon(scale=1 / b)
        expected = _quadrature(l1, l2, 0, 200 / min(a, b))
        got = _at(d.result, {"lambda_1": a, "lambda_2": b})
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-10)


@pytest.mark.slow
def test_pinsker_and_range() -> None:
    tv = _tv("normal", "normal").result
    kl = kl_derive.derive("normal(mu_1, sigma_1)", "normal(mu_2, sigma_2)").result
    rng = random.Random("pinsker")
    for _ in range(10):
        values = {
            "mu_1": rng.uniform(-3, 3),
            "mu_2": rng.uniform(-3, 3),
            "sigma_1": rng.uniform(0.2, 3),
            "sigma_2": rng.uniform(0.2, 3),
        }
        got = _at(tv, values)
        assert 0 <= got <= 1
        assert got <= math.sqrt(_at(kl, values) / 2) + 1e-12


def test_far_apart_laws_approach_one() -> None:
    d = _tv("exponential", "exponential")
    assert _at(d.result, {"lambda_1": 1e-4, "lambda_2": 1e4}) == pytest.approx(1, abs=1e-3)
    n = _tv("normal", "normal")
    values = {"mu_1": 0.0, "mu_2": 50.0, "sigma_1": 1.0, "sigma_2": 1.0}
    assert _at(n.result, values) == pytest.approx(1, abs=1e-12)


def test_listing_and_refusal() -> None:
    listed = {(a, b) for a, b, _ in pairs("total-variation")}
    assert {("normal", "normal"), ("exponential", "exponential")} <= listed
    one_line_error(run_module(["total-variation", "normal", "laplace"]), "normal laws")
