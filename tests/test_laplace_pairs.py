"""X ‖ Laplace (issue 17): E|z - m| under each law, split at the kink, with the cases
m below the support, inside it and (for an interval) above it.

Every result is compared at random parameters, on each side of each case, with the
definition computed here by SciPy: the quadrature of p log(p/q) with SciPy's own
densities (split at the kink m). Where the mean is infinite (Pareto, inverse gamma with
alpha <= 1) the divergence must be +oo.
"""

from __future__ import annotations

import inspect
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import oo

import kl_derive
from kl_derive.strategies import PAIRS
from kl_derive.strategies.table import OUTCOMES

#: family -> (spec, SciPy law from the values, lower end, upper end, parameter sampler)
LAWS = {
    "exponential": ("exponential(r)", lambda v: stats.expon(scale=1 / v["r"]), 0, math.inf),
    "gamma": ("gamma(a1, r)", lambda v: stats.gamma(v["a1"], scale=1 / v["r"]), 0, math.inf),
    "half_normal": ("half_normal(s)", lambda v: stats.halfnorm(scale=v["s"]), 0, math.inf),
    "log_normal": (
        "log_normal(u, s)",
        lambda v: stats.lognorm(v["s"], scale=math.exp(v["u"])),
        0,
        math.inf,
    ),
    "pareto": ("pareto(x0, a1)", lambda v: stats.pareto(v["a1"], scale=v["x0"]), "x0", math.inf),
    "beta": ("beta(a1, a2)", lambda v: stats.beta(v["a1"], v["a2"]), 0, 1),
    "gumbel": ("gumbel(u, s)", lambda v: stats.gumbel_r(v["u"], v["s"]), -math.inf, math.inf),
    "chi2": ("chi2(k)", lambda v: stats.chi2(v["k"]), 0, math.inf),
    "rayleigh": ("rayleigh(s)", lambda v: stats.rayleigh(scale=v["s"]), 0, math.inf),
    "weibull": ("weibull(s, k)", lambda v: stats.weibull_min(v["k"], scale=v["s"]), 0, math.inf),
    "chi": ("chi(k)", lambda v: stats.chi(v["k"]), 0, math.inf),
    "continuous_bernoulli": (
        "continuous_bernoulli(l)",
        lambda v: _ContinuousBernoulli(v["l"]),
        0,
        1,
    ),
    "inverse_gamma": (
        "inverse_gamma(a1, r)",
        lambda v: stats.invgamma(v["a1"], scale=v["r"]),
        0,
        math.inf,
    ),
}
LAPLACE = "laplace(m, b)"


class _ContinuousBernoulli:
    """The continuous Bernoulli law (Loaiza-Ganem & Cunningham 2019), which SciPy lacks:
    C(l) l^z (1 - l)^(1 - z) on [0, 1], C(l) = 2 artanh(1 - 2l) / (1 - 2l)."""

    def __init__(self, shape: float) -> None:
        self.l = shape

    def logpdf(self, z: float) -> float:
        if not 0 <= z <= 1:
            return -math.inf
        c = 2 * math.atanh(1 - 2 * self.l) / (1 - 2 * self.l)
        return math.log(c) + z * math.log(self.l) + (1 - z) * math.log1p(-self.l)

    def ppf(self, q: float) -> float:  # only the ends of the support are asked for
        return 0.0 if q < 0.5 else 1.0


def _values(rng: np.random.Generator, family: str) -> dict[str, float]:
    v = {
        "r": rng.uniform(0.4, 2.5),
        "a1": rng.uniform(1.3, 4.0),  # > 1: a finite mean for pareto and inverse_gamma
        "a2": rng.uniform(0.6, 4.0),
        "s": rng.uniform(0.4, 1.8),
        "u": rng.uniform(-1, 1),
        "x0": rng.uniform(0.5, 2),
        "k": rng.uniform(1.2, 5),
        "b": rng.uniform(0.4, 2.5),
        # the continuous Bernoulli shape, on either side of 1/2 (where C(l) is a limit)
        "l": rng.choice([rng.uniform(0.05, 0.45), rng.uniform(0.55, 0.95)]),
    }
    if family == "inverse_gamma":
        v["a1"] = rng.uniform(2.2, 5.0)  # a moderate tail for the quadrature
    return v


def _points(v: dict[str, float], family: str, rng: np.random.Generator) -> list[float]:
    """The kink m below the support, inside it, and above it for an interval."""
    lower, upper = LAWS[family][2], LAWS[family][3]
    lower = v[lower] if isinstance(lower, str) else lower
    if lower == -math.inf:
        return [rng.uniform(-3, 3) for _ in range(3)]
    inside_end = min(upper, lower + 3)
    points = [lower - rng.uniform(0.1, 2), rng.uniform(lower + 0.05, inside_end - 0.05)]
    if upper < math.inf:
        points.append(upper + rng.uniform(0.1, 2))
    return points


def _reference(law, v: dict[str, float], m: float, lower: float, upper: float) -> float:
    def log_q(z: float) -> float:  # written out: SciPy's laplace.logpdf underflows far out
        return -math.log(2 * v["b"]) - abs(z - m) / v["b"]

    def integrand(z: float) -> float:
        logp = law.logpdf(z)
        return 0.0 if not np.isfinite(logp) else math.exp(logp) * (logp - log_q(z))

    a, b = law.ppf(1e-15), law.ppf(1 - 1e-15)
    a, b = max(a, lower), min(b, upper)
    # the kink, and decades for a heavy tail (one quad over [x0, 1e7] misses most of it)
    inner = [x for x in (m, *(10.0**k for k in range(1, 8))) if a < x < b]
    cuts = sorted({a, b, *inner})
    total = 0.0
    for left, right in itertools.pairwise(cuts):
        piece, _ = integrate.quad(integrand, left, right, epsabs=1e-12, epsrel=1e-11, limit=400)
        total += piece
    return total


@pytest.mark.parametrize("family", list(LAWS))
@pytest.mark.slow
def test_kl_to_laplace_matches_quadrature_on_each_side_of_the_kink(family: str) -> None:
    spec, scipy_law, lower, upper = LAWS[family]
    assert (family, "laplace") in PAIRS
    assert OUTCOMES[(family, "laplace")] != "none"
    d = kl_derive.derive(spec, LAPLACE)
    assert all(step.verified for step in d.steps)
    symbols = {str(s): s for s in d.result.free_symbols}
    rng = np.random.default_rng(sum(map(ord, family)))
    for _ in range(2):
        v = _values(rng, family)
        for m in _points(v, family, rng):
            values = {**v, "m": m}
            got = float(d.result.xreplace({symbols[k]: values[k] for k in symbols}))
            low = v[lower] if isinstance(lower, str) else lower
            expected = _reference(scipy_law(v), v, m, low, upper)
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-9), (family, values)


@pytest.mark.parametrize("family", ["pareto", "inverse_gamma"])
def test_an_infinite_mean_makes_the_divergence_infinite(family: str) -> None:
    spec = LAWS[family][0]
    d = kl_derive.derive(spec, LAPLACE)
    symbols = {str(s): s for s in d.result.free_symbols}
    values = {"a1": 0.8, "r": 1.0, "x0": 1.0, "m": 0.5, "b": 1.0}
    assert d.result.xreplace({symbols[k]: values[k] for k in symbols}) == oo
    # and the reference agrees: the integral of the tail grows without bound
    law = LAWS[family][1](values)
    assert law.mean() == math.inf or not math.isfinite(law.mean())


def test_the_cases_are_stated_as_conditions() -> None:
    text = kl_derive.derive("exponential(r)", LAPLACE).to_latex()
    assert r"m \leq 0" in text and r"\text{otherwise}" in text
    beta = kl_derive.derive("beta(a1, a2)", LAPLACE).to_latex()
    assert r"m \geq 1" in beta


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_renders(lang: str) -> None:
    from kl_derive.render import FORMATS

    d = kl_derive.derive("gamma(a1, r)", LAPLACE)
    for fmt in FORMATS:
        out = d.render(fmt, lang)
        assert out.strip() and "{" + "lhs}" not in out


@pytest.mark.parametrize("family", sorted(LAWS))
@pytest.mark.slow
def test_numpy_code_agrees_with_quadrature(family: str) -> None:
    from kl_derive.codegen.convenience import code_for

    spec, scipy_law, lower, upper = LAWS[family]
    source = code_for(spec, LAPLACE, framework="numpy", reduce="none")
    namespace: dict = {}
    exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
    rng = np.random.default_rng(len(family))
    v = _values(rng, family)
    for m in _points(v, family, rng):
        values = {**v, "m": m}
        names = list(inspect.signature(namespace["kl_divergence"]).parameters)
        args = [np.array([values[n]]) for n in names]
        got = float(namespace["kl_divergence"](*args)[0])
        low = v[lower] if isinstance(lower, str) else lower
        assert got == pytest.approx(_reference(scipy_law(v), v, m, low, upper), rel=1e-6)
