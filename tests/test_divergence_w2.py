"""The squared 2-Wasserstein distance between two laws of one location-scale family against
SciPy quadrature of int_0^1 (F_1^-1(u) - F_2^-1(u))^2 du over SciPy's own quantile
functions (``ppf``), at random parameters."""

from __future__ import annotations

import random
from functools import cache

import pytest
from scipy import integrate, stats

import kl_derive
from kl_derive.divergences import pairs


@cache
def _w2(p: str, q: str):
    return kl_derive.divergence("wasserstein", p, q)


CASES = [
    ("laplace", ("mu", "b"), lambda a: stats.laplace(a[0], a[1]), ((-2, 2), (0.3, 3))),
    ("gumbel", ("mu", "beta"), lambda a: stats.gumbel_r(a[0], a[1]), ((-2, 2), (0.3, 3))),
    ("exponential", ("lambda",), lambda a: stats.expon(scale=1 / a[0]), ((0.3, 3),)),
    ("rayleigh", ("sigma",), lambda a: stats.rayleigh(scale=a[0]), ((0.3, 3),)),
    ("half_normal", ("sigma",), lambda a: stats.halfnorm(scale=a[0]), ((0.3, 3),)),
]


def _quantile_integral(l1, l2) -> float:
    def f(u):
        return (l1.ppf(u) - l2.ppf(u)) ** 2

    return integrate.quad(f, 0, 1, points=[0.5], limit=400, epsabs=1e-13, epsrel=1e-12)[0]


@pytest.mark.parametrize(("family", "names", "law", "ranges"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.slow
def test_against_quantile_quadrature(family, names, law, ranges) -> None:
    d = _w2(family, family)
    assert all(step.verified for step in d.steps)
    rng = random.Random(family)
    for _ in range(4):
        a1 = tuple(rng.uniform(*r) for r in ranges)
        a2 = tuple(rng.uniform(*r) for r in ranges)
        values = {f"{n}_1": x for n, x in zip(names, a1, strict=True)}
        values |= {f"{n}_2": x for n, x in zip(names, a2, strict=True)}
        got = float(d.result.xreplace({s: values[s.name] for s in d.result.free_symbols}))
        assert got == pytest.approx(_quantile_integral(law(a1), law(a2)), rel=1e-8, abs=1e-12)


def test_uniform_laws() -> None:
    d = _w2("uniform(a_1, b_1)", "uniform(a_2, b_2)")
    assert all(step.verified for step in d.steps)
    rng = random.Random("uniform")
    for _ in range(5):
        a1, a2 = rng.uniform(-2, 2), rng.uniform(-2, 2)
        b1, b2 = a1 + rng.uniform(0.1, 3), a2 + rng.uniform(0.1, 3)
        values = {"a_1": a1, "b_1": b1, "a_2": a2, "b_2": b2}
        got = float(d.result.xreplace({s: values[s.name] for s in d.result.free_symbols}))
        l1, l2 = stats.uniform(a1, b1 - a1), stats.uniform(a2, b2 - a2)
        assert got == pytest.approx(_quantile_integral(l1, l2), rel=1e-9)


def test_a_law_with_itself_and_the_listing() -> None:
    assert _w2("laplace(m, s)", "laplace(m, s)").result == 0
    listed = {(a, b) for a, b, _ in pairs("wasserstein")}
    assert {(c[0], c[0]) for c in CASES} <= listed and ("normal", "normal") in listed
