"""kl-derive estimators for two categorical laws given as lists: every mean and variance an
exact finite sum over the categories, checked against a direct enumeration written here
(mpmath, from the lists alone), at random probabilities with K = 2..4 categories, and by
Monte Carlo with fixed seeds."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from sympy import Rational, log

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.steps.rules import RULES

mpmath.mp.dps = 40


def _enumerate(q: list[Fraction], p: list[Fraction]) -> dict[str, mpmath.mpf]:
    """Each quantity as a sum over the categories, r_i = p_i / q_i taken with probability
    q_i: KL(q || p), the moments of L = log r, E[r^2], E[k2], Var of each estimator."""
    qs = [mpmath.mpf(x.numerator) / x.denominator for x in q]
    ps = [mpmath.mpf(x.numerator) / x.denominator for x in p]

    def mean(f) -> mpmath.mpf:
        return mpmath.fsum(a * f(b / a) for a, b in zip(qs, ps, strict=True))

    kl = mean(lambda r: -mpmath.log(r))
    k2 = mean(lambda r: mpmath.log(r) ** 2 / 2)
    k3 = mean(lambda r: r - 1 - mpmath.log(r))
    return {
        "kl": kl,
        "reverse": mpmath.fsum(b * mpmath.log(b / a) for a, b in zip(qs, ps, strict=True)),
        "k3": k3,
        "k2": k2,
        "bias": k2 - kl,
        "r2": mean(lambda r: r**2),
        "var1": mean(lambda r: mpmath.log(r) ** 2) - kl**2,
        "var2": mean(lambda r: mpmath.log(r) ** 4 / 4) - k2**2,
        "var3": mean(lambda r: (r - 1 - mpmath.log(r)) ** 2) - k3**2,
    }


def _spec(probs: list[Fraction]) -> str:
    return "categorical([" + ", ".join(f"{x.numerator}/{x.denominator}" for x in probs) + "])"


def _random_law(rng, k: int) -> list[Fraction]:
    weights = [int(w) for w in rng.integers(1, 40, size=k)]
    total = sum(weights)
    return [Fraction(w, total) for w in weights]


def _close(value, expected, rel: float = 1e-20) -> bool:
    return abs(mpmath.mpf(value) - expected) <= rel * max(1, abs(expected))


def _number(expr) -> mpmath.mpf:
    return mpmath.mpf(str(expr.evalf(40)))


@pytest.mark.parametrize(
    ("k", "seed"),
    [
        (2, 1),
        pytest.param(3, 2, marks=pytest.mark.slow),
        pytest.param(4, 3, marks=pytest.mark.slow),
    ],
)
def test_facts_and_result_against_direct_enumeration(k, seed) -> None:
    rng = np.random.default_rng(seed)
    q, p = _random_law(rng, k), _random_law(rng, k)
    d = kl_derive.estimators(_spec(q), _spec(p))
    n = _enumerate(q, p)
    facts = d.facts
    assert _close(_number(d.result), n["kl"])
    assert _close(_number(facts.kl), n["kl"])
    assert _close(_number(facts.reverse_kl), n["reverse"])
    assert _close(_number(facts.mean["k3"]), n["k3"])
    assert _close(_number(facts.mean["k2"]), n["k2"])
    assert _close(_number(facts.bias_k2), n["bias"])
    assert _close(_number(facts.second_moment_ratio), n["r2"])
    for name, key in (("k1", "var1"), ("k2", "var2"), ("k3", "var3")):
        assert _close(_number(facts.variance[name]), n[key]), name
    # the third estimator's variance is finite for any two laws (both give every category
    # a positive probability): the chi-square condition holds
    assert math.isfinite(float(facts.variance["k3"]))
    # every value the derivation prints is the one enumerated here
    printed = {
        str(step.before): step.after
        for stage in d.stages
        for step in stage.steps
        if step.rule == "estimator.family_cumulant_insert"
    }
    assert _close(_number(printed["-kappa_1"]), n["kl"])
    assert _close(_number(printed["Kslope(k)"]), n["reverse"])
    var_k2 = next(v for key, v in printed.items() if "kappa_4" in key)
    assert _close(_number(var_k2), n["var2"])


@pytest.mark.slow
def test_every_step_is_verified() -> None:
    d = kl_derive.estimators("categorical([1/5, 3/10, 1/2])", "categorical([1/10, 3/5, 3/10])")
    assert [s.key for s in d.stages][4] == "estimators_family_k3_always"
    for step in d.steps:
        assert step.check in ("symbolic", "numeric"), step.rule
        assert step.rule in RULES
    # the moments are printed as finite sums over the three categories
    kappa = next(
        s.after
        for s in d.steps
        if s.rule == "estimator.family_cumulant_insert" and str(s.before) == "Kd1(k)"
    )
    assert kappa.is_Add and len(kappa.args) == 3
    expected = (
        Rational(1, 5) * log(Rational(1, 2))
        + Rational(3, 10) * log(2)
        + Rational(1, 2) * log(Rational(3, 5))
    )
    assert abs((kappa - expected).evalf(50)) < 1e-40


@pytest.mark.slow
def test_monte_carlo_within_a_few_standard_errors() -> None:
    q = [Fraction(1, 6), Fraction(1, 3), Fraction(1, 2)]
    p = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    d = kl_derive.estimators(_spec(q), _spec(p))
    rng = np.random.default_rng(20261207)
    n = 200_000
    draws = rng.choice(3, size=n, p=[float(x) for x in q])
    r = np.array([float(b / a) for a, b in zip(q, p, strict=True)])[draws]
    samples = {"k1": -np.log(r), "k2": np.log(r) ** 2 / 2, "k3": r - 1 - np.log(r)}
    for name, values in samples.items():
        mean, error = values.mean(), values.std() / math.sqrt(n)
        assert abs(mean - float(d.facts.mean[name])) < 4 * error, name
        spread = values.var()
        assert abs(spread - float(d.facts.variance[name])) < 0.02 * spread, name
    assert np.all(samples["k3"] >= 0)


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("categorical([1/2, 1/2, 0])", "categorical([1/3, 1/3, 1/3])", "positive"),
        ("categorical([1/3, 1/3, 1/3])", "categorical([1/2, 1/2, 0])", "positive"),
        ("categorical([1/2, 1/2])", "categorical([1/3, 1/3, 1/3])", "categories"),
        ("categorical([1/2, 1/4])", "categorical([1/3, 2/3])", "sum to one"),
        ("categorical([1/2, 1/2])", None, "second law"),
        ("categorical([a, 1 - a])", "categorical([b, 1 - b])", "as numbers"),
    ],
)
def test_refused_pairs_are_clear_errors(p, q, message) -> None:
    with pytest.raises(KLDeriveError, match=message):
        kl_derive.estimators(p, q)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang) -> None:
    d = kl_derive.estimators("categorical([1/5, 3/10, 1/2])", "categorical([1/10, 3/5, 3/10])")
    for fmt in ("latex", "markdown", "html", "json", "text", "ipynb", "typst"):
        assert d.render(fmt, lang).strip()
    assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
    data = json.loads(d.render("json", lang))
    assert all(step["verified"] for step in data["steps"])
    from conftest import katex_blocks

    katex_blocks([d], lang)
