"""Every divergence over laws given with expression parameters (``normal(mu, exp(s))``,
``gamma(exp(a), b)``, ``exponential(1/(1+exp(-t)))``, ...): a verified result or a
one-line refusal, never an internal error; each closed form checked against SciPy
quadrature or sums (written here, independently of the engine) at random parameters,
on both sides of a result's condition.

A derivation with placeholders (``sigma`` for ``exp(s)``) ends by substituting the
user's expressions back; a divergence that compares quantities the verifier unfolds
(Jeffreys' ``KL(q, p) + KL(p, q)``, the Rényi limit alpha -> 1) with results in the
user's parameters needs its densities in those parameters too.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import integrate, special, stats
from sympy import Integral, Sum

from kl_derive.divergence_api import divergence
from kl_derive.errors import KLDeriveError

pytestmark = pytest.mark.slow

sigmoid = special.expit

#: (first law, second law or None for the standard member, the parameters' ranges, the
#: two laws as SciPy distributions at those parameters)
CASES = {
    "normal-exp": (
        "normal(mu, exp(s))",
        None,
        {"mu": (-1, 1), "s": (-0.6, 0.6)},
        lambda v: (stats.norm(v["mu"], math.exp(v["s"])), stats.norm(0, 1)),
    ),
    "normal-logvar": (
        "normal(mu, exp(logvar/2))",
        None,
        {"mu": (-1, 1), "logvar": (-1, 1)},
        lambda v: (stats.norm(v["mu"], math.exp(v["logvar"] / 2)), stats.norm(0, 1)),
    ),
    "normal-sqrt": (
        "normal(m, sqrt(v))",
        None,
        {"m": (-1, 1), "v": (0.4, 1.8)},
        lambda v: (stats.norm(v["m"], math.sqrt(v["v"])), stats.norm(0, 1)),
    ),
    "normal-both": (
        "normal(mu, exp(s))",
        "normal(m, exp(t))",
        {"mu": (-1, 1), "s": (-0.5, 0.5), "m": (-1, 1), "t": (-0.5, 0.5)},
        lambda v: (stats.norm(v["mu"], math.exp(v["s"])), stats.norm(v["m"], math.exp(v["t"]))),
    ),
    "gamma-exp": (
        "gamma(exp(a), b)",
        "gamma(c, d)",
        {"a": (-0.3, 1), "b": (0.6, 2), "c": (0.8, 3), "d": (0.6, 2)},
        lambda v: (
            stats.gamma(math.exp(v["a"]), scale=1 / v["b"]),
            stats.gamma(v["c"], scale=1 / v["d"]),
        ),
    ),
    "exponential-sigmoid": (
        "exponential(1/(1+exp(-t)))",
        "exponential(l)",
        {"t": (-1.5, 1.5), "l": (0.3, 1.5)},
        lambda v: (stats.expon(scale=1 / sigmoid(v["t"])), stats.expon(scale=1 / v["l"])),
    ),
    "beta-square": (
        "beta(a**2+1, b)",
        "beta(c, d)",
        {"a": (-1, 1), "b": (1, 3), "c": (1, 3), "d": (1, 3)},
        lambda v: (stats.beta(v["a"] ** 2 + 1, v["b"]), stats.beta(v["c"], v["d"])),
    ),
    "beta-standard": (
        "beta(a**2+1, b)",
        None,
        {"a": (-1, 1), "b": (0.7, 3)},
        lambda v: (stats.beta(v["a"] ** 2 + 1, v["b"]), stats.beta(1, 1)),
    ),
    "poisson-exp": (
        "poisson(exp(t))",
        "poisson(l)",
        {"t": (-1, 1.2), "l": (0.5, 3)},
        lambda v: (stats.poisson(math.exp(v["t"])), stats.poisson(v["l"])),
    ),
    "bernoulli-sigmoid": (
        "bernoulli(1/(1+exp(-t)))",
        "bernoulli(r)",
        {"t": (-2, 2), "r": (0.1, 0.9)},
        lambda v: (stats.bernoulli(sigmoid(v["t"])), stats.bernoulli(v["r"])),
    ),
    "laplace-exp": (
        "laplace(m, exp(s))",
        None,
        {"m": (-1, 1), "s": (-0.5, 0.5)},
        lambda v: (stats.laplace(v["m"], math.exp(v["s"])), stats.laplace(0, 1)),
    ),
}

#: the order of the Rényi divergence, named apart from every law's parameters
ORDER = "r"


def _integral(f, one, two) -> float:
    """``int f(log P density, log Q density)`` over the two supports (a sum for mass
    functions); zero where both densities are."""
    if hasattr(one, "pmf"):
        top = int(max(one.ppf(1 - 1e-16), two.ppf(1 - 1e-16))) + 20
        total = 0.0
        for k in range(top + 1):
            a, b = one.logpmf(k), two.logpmf(k)
            total += 0.0 if a == b == -math.inf else f(a, b)
        return total
    lower, upper = one.support()
    lower2, upper2 = two.support()
    lower, upper = min(lower, lower2), max(upper, upper2)

    def integrand(x: float) -> float:
        a, b = one.logpdf(x), two.logpdf(x)
        # far out in the tails SciPy's log density underflows to -inf (log of a density
        # that underflowed): where the other is tiny too, nothing there counts
        return 0.0 if min(a, b) == -math.inf and max(a, b) < -300 else f(a, b)

    points = [x for x in (0.0, one.mean(), two.mean()) if lower < x < upper]
    if np.isfinite(lower) and np.isfinite(upper):
        return integrate.quad(integrand, lower, upper, points=points, limit=400)[0]
    middle = sorted(points)[len(points) // 2] if points else 0.0
    left = integrate.quad(integrand, lower, middle, limit=400)[0]
    right = integrate.quad(integrand, middle, upper, limit=400)[0]
    return left + right


def _reference(name: str, one, two, order: float) -> float:
    """The divergence of ``one`` from ``two`` by its definition (natural logarithm)."""
    exp = math.exp
    if name == "jeffreys":
        return _integral(lambda a, b: (exp(a) - exp(b)) * (a - b), one, two)
    if name == "renyi":
        total = _integral(lambda a, b: exp(order * a + (1 - order) * b), one, two)
        return math.log(total) / (order - 1)
    if name == "bhattacharyya":
        return -math.log(_integral(lambda a, b: exp((a + b) / 2), one, two))
    if name == "hellinger":  # the squared Hellinger distance, 1 - int sqrt(p q)
        return 1 - _integral(lambda a, b: exp((a + b) / 2), one, two)
    if name == "chi-square":
        return _integral(lambda a, b: exp(2 * a - b), one, two) - 1
    if name == "total-variation":
        return 0.5 * _integral(lambda a, b: abs(exp(a) - exp(b)), one, two)
    if name == "wasserstein":  # the squared 2-Wasserstein distance, by the quantiles
        value = integrate.quad(lambda u: (one.ppf(u) - two.ppf(u)) ** 2, 0, 1, limit=400)
        return value[0]
    raise AssertionError(name)


DIVERGENCES = (
    "jeffreys",
    "renyi",
    "bhattacharyya",
    "hellinger",
    "chi-square",
    "total-variation",
    "wasserstein",
    "jensen-shannon",
)


def _draw(ranges: dict, rng: random.Random) -> dict:
    return {k: rng.uniform(lo, hi) for k, (lo, hi) in ranges.items()}


@pytest.mark.parametrize("name", DIVERGENCES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_verified_or_refused_and_right(name: str, case: str) -> None:
    first, second, ranges, laws = CASES[case]
    options = {"alpha": ORDER} if name == "renyi" else {}
    try:
        derived = divergence(name, first, second, **options)
    except KLDeriveError as error:  # a refusal: one clear line
        assert "\n" not in str(error) and "internal" not in str(error).lower()
        return
    if name == "jensen-shannon" or derived.result.has(Integral, Sum):
        return  # an integral left unevaluated: no closed form to compare
    rng = random.Random(f"{name} {case}")
    checked = 0
    for _ in range(40):
        values = _draw(ranges, rng)
        if name == "renyi":
            values[ORDER] = rng.choice((rng.uniform(0.2, 0.9), rng.uniform(1.1, 2.5)))
        one, two = laws(values)
        try:
            value = derived.value(values)
        except KLDeriveError:
            continue
        if math.isinf(value):
            # the other side of the condition: the defining integral diverges, and its
            # truncation to a wider range grows (checked where the closed form is finite)
            continue
        reference = _reference(name, one, two, values.get(ORDER, 0.0))
        assert value == pytest.approx(reference, rel=1e-6, abs=1e-8), (values, value, reference)
        checked += 1
        if checked == 4:
            break
    assert checked >= 2, "too few finite values drawn"


def _truncated(one, two, width: float) -> float:
    """``int q^2 / p`` over ``(-width, width)``, or for a law on the positive axis over
    ``(e^-width, width)`` (in ``u = log z``, where a divergence at 0 shows as well)."""

    def ratio(x: float) -> float:
        return math.exp(2 * one.logpdf(x) - two.logpdf(x))

    if one.support()[0] == 0:
        value = integrate.quad(lambda u: ratio(math.exp(u)) * math.exp(u), -width, 0, limit=400)
        if one.support()[1] == 1:  # (e^-width, 1): a divergence at 0 shows
            return value[0]
        return value[0] + integrate.quad(ratio, 1, width, limit=400)[0]
    return integrate.quad(ratio, -width, width, points=[0.0], limit=400)[0]


#: chi-square against the standard member, on both sides of its condition
SIDES = [
    ("normal(mu, exp(s))", {"mu": 0.3, "s": 0.2}, lambda v: stats.norm(v["mu"], math.exp(v["s"]))),
    ("normal(mu, exp(s))", {"mu": 0.3, "s": 0.5}, lambda v: stats.norm(v["mu"], math.exp(v["s"]))),
    ("normal(m, sqrt(v))", {"m": -0.4, "v": 1.5}, lambda v: stats.norm(v["m"], math.sqrt(v["v"]))),
    ("normal(m, sqrt(v))", {"m": -0.4, "v": 2.5}, lambda v: stats.norm(v["m"], math.sqrt(v["v"]))),
    # 2 lambda > 1, on one parameter: the infinite side is sampled below its root
    ("exponential(l)", {"l": 0.8}, lambda v: stats.expon(scale=1 / v["l"])),
    ("exponential(l)", {"l": 0.3}, lambda v: stats.expon(scale=1 / v["l"])),
    ("exponential(1/(1+exp(-t)))", {"t": 0.7}, lambda v: stats.expon(scale=1 / sigmoid(v["t"]))),
    ("exponential(1/(1+exp(-t)))", {"t": -1.2}, lambda v: stats.expon(scale=1 / sigmoid(v["t"]))),
    # a polynomial denominator z^2 (1 - z)^2, expanded by the normal form, is factored
    # before quadrature (its digits were lost next to z = 1)
    ("beta(a, b)", {"a": 0.8, "b": 1.5}, lambda v: stats.beta(v["a"], v["b"])),
    ("beta(a, b)", {"a": 0.4, "b": 1.5}, lambda v: stats.beta(v["a"], v["b"])),
    ("gamma(a, b)", {"a": 0.9, "b": 1.3}, lambda v: stats.gamma(v["a"], scale=1 / v["b"])),
    ("gamma(a, b)", {"a": 0.4, "b": 1.3}, lambda v: stats.gamma(v["a"], scale=1 / v["b"])),
    (
        "gamma(exp(a), b)",
        {"a": 0.2, "b": 1.3},
        lambda v: stats.gamma(math.exp(v["a"]), scale=1 / v["b"]),
    ),
    (
        "gamma(exp(a), b)",
        {"a": -1.2, "b": 1.3},
        lambda v: stats.gamma(math.exp(v["a"]), scale=1 / v["b"]),
    ),
]


@pytest.mark.parametrize(("first", "values", "law"), SIDES)
def test_chi_square_both_sides_of_its_condition(first: str, values: dict, law) -> None:
    derived = divergence("chi-square", first)
    one = law(values)
    standard = {"normal": stats.norm(0, 1), "exponential": stats.expon(), "gamma": stats.gamma(1)}
    two = {**standard, "beta": stats.beta(1, 1)}[first.split("(")[0]]
    value = derived.value(values)
    if math.isfinite(value):
        assert value == pytest.approx(_reference("chi-square", one, two, 0), rel=1e-6)
        assert _truncated(one, two, 40) < 1.01 * _truncated(one, two, 20)
    else:  # the truncated integral keeps growing: the divergence is infinite
        assert _truncated(one, two, 40) > 5 * _truncated(one, two, 20)
