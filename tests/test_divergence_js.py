"""The Jensen–Shannon divergence: closed forms for finite laws against SciPy's own
(``scipy.spatial.distance.jensenshannon``, natural logarithm, squared), the continuous
pairs up to the integral against SciPy quadrature of the definition, and the conventions
(JS(P, P) = 0, JS <= log 2, log 2 for disjoint supports)."""

from __future__ import annotations

import math
import random
from functools import cache

import pytest
from conftest import one_line_error, run_module
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon
from sympy import Integral, oo

import kl_derive
from kl_derive.divergences import pairs


@cache
def _js(p: str, q: str):
    return kl_derive.divergence("jensen-shannon", p, q)


def _at(e, values: dict[str, float]) -> float:
    return float(e.xreplace({s: values[s.name] for s in e.free_symbols}))


def test_bernoulli_against_scipy() -> None:
    d = _js("bernoulli", "bernoulli")
    assert all(step.verified for step in d.steps) and not d.result.has(Integral)
    rng = random.Random("js-bernoulli")
    for _ in range(10):
        p1, p2 = rng.uniform(0.01, 0.99), rng.uniform(0.01, 0.99)
        expected = jensenshannon([1 - p1, p1], [1 - p2, p2]) ** 2
        got = _at(d.result, {"p_1": p1, "p_2": p2})
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-14)
        assert -1e-15 <= got <= math.log(2)
    # disjoint supports in the limit: Bern(0) against Bern(1)
    assert _at(d.result, {"p_1": 1e-15, "p_2": 1 - 1e-15}) == pytest.approx(math.log(2))


def test_categorical_lists_against_scipy() -> None:
    d = _js("categorical([a, b, 1 - a - b])", "categorical([c, 1/4, 3/4 - c])")
    assert all(step.verified for step in d.steps)
    rng = random.Random("js-categorical")
    for _ in range(10):
        a, b = rng.uniform(0.05, 0.45), rng.uniform(0.05, 0.45)
        c = rng.uniform(0.05, 0.7)
        expected = jensenshannon([a, b, 1 - a - b], [c, 0.25, 0.75 - c]) ** 2
        assert _at(d.result, {"a": a, "b": b, "c": c}) == pytest.approx(expected, rel=1e-10)
    numbers = _js("categorical([1/2, 1/3, 1/6])", "categorical([1/6, 1/6, 2/3])")
    expected = jensenshannon([1 / 2, 1 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]) ** 2
    assert float(numbers.result) == pytest.approx(expected, rel=1e-12)


def test_equal_laws_give_zero() -> None:
    d = _js("bernoulli(a)", "bernoulli(a)")
    assert _at(d.result, {"a": 0.3}) == pytest.approx(0, abs=1e-15)
    same = _js("categorical([1/5, 4/5])", "categorical([1/5, 4/5])")
    assert float(same.result) == pytest.approx(0, abs=1e-15)


CONTINUOUS = [
    ("normal", lambda a: stats.norm(a[0], a[1]), ((-2, 2), (0.4, 2.5))),
    ("exponential", lambda a: stats.expon(scale=1 / a[0]), ((0.3, 3),)),
    ("gamma", lambda a: stats.gamma(a[0], scale=1 / a[1]), ((0.7, 3), (0.5, 3))),
    ("laplace", lambda a: stats.laplace(a[0], a[1]), ((-2, 2), (0.4, 2.5))),
]


def _scipy_js(l1, l2) -> float:
    """(1/2) int q log(2q/(q + p)) + (1/2) int p log(2p/(q + p)), by SciPy."""

    def f(z):
        a, b = l1.pdf(z), l2.pdf(z)
        out = 0.0
        if a > 0:
            out += 0.5 * a * math.log(2 * a / (a + b))
        if b > 0:
            out += 0.5 * b * math.log(2 * b / (a + b))
        return out

    lo = min(l1.ppf(1e-14), l2.ppf(1e-14))
    hi = max(l1.ppf(1 - 1e-14), l2.ppf(1 - 1e-14))
    kinks = sorted({float(l1.mean()), float(l2.mean())})
    return integrate.quad(f, lo, hi, points=kinks, limit=400, epsabs=1e-13)[0]


@pytest.mark.parametrize(("family", "law", "ranges"), CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
@pytest.mark.slow
def test_continuous_value_against_quadrature(family, law, ranges) -> None:
    rng = random.Random(family)
    for _ in range(2):
        a1 = tuple(round(rng.uniform(*r), 3) for r in ranges)
        a2 = tuple(round(rng.uniform(*r), 3) for r in ranges)
        d = _js(f"{family}({', '.join(map(str, a1))})", f"{family}({', '.join(map(str, a2))})")
        assert all(step.verified for step in d.steps)
        assert d.result.has(Integral)  # no closed form claimed
        (stage,) = d.stages
        value = stage.params["value"]
        assert float(value) == pytest.approx(_scipy_js(law(a1), law(a2)), rel=1e-8, abs=1e-12)
        assert 0 <= float(value) <= math.log(2)
        assert "approximately" in d.to_markdown() and "약" in d.to_markdown("ko")
        assert f"{float(value):.6f}"[:7] in d.to_text().replace("\n", " ")


def test_continuous_symbolic_stops_at_the_integral() -> None:
    d = _js("normal(mu_1, sigma_1)", "normal(mu_2, sigma_2)")
    assert all(step.verified for step in d.steps)
    (stage,) = d.stages
    assert stage.key == "jensen_shannon_integral" and "value" not in stage.params
    assert d.result.has(Integral) and d.result.has(oo)
    text = d.to_text()
    assert "no closed form" in text and "stops here" in text


def test_far_apart_laws_approach_log_2_and_equal_laws_zero() -> None:
    from kl_derive.divergence_api import bind
    from kl_derive.divergences.jensen_shannon import draft

    # the value the draft states (its steps are those verified above, at other numbers)
    (far,) = draft(*bind("normal(0, 1)", "normal(60, 1)", None, "en")).stages
    assert float(far.params["value"]) == pytest.approx(math.log(2), rel=1e-10)
    (same,) = _js("exponential(2)", "exponential(2)").stages
    assert float(same.params["value"]) == 0


@pytest.mark.slow
def test_listing_and_refusals() -> None:
    listed = {(a, b): outcome for a, b, outcome in pairs("jensen-shannon")}
    assert listed[("bernoulli", "bernoulli")] == "finite"
    assert listed[("normal", "normal")] == "integral"
    one_line_error(run_module(["jensen-shannon", "normal", "laplace"]), "Jensen")
    one_line_error(
        run_module(["jensen-shannon", "categorical([1/2, 1/2])", "categorical([1/3, 1/3, 1/3])"]),
        "categories",
    )
    done = run_module(["pairs", "--divergence", "jensen-shannon"])
    assert done.returncode == 0 and "no closed form" in done.stdout
