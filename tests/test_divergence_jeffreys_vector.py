"""Jeffreys' divergence between two Dirichlet laws: KL both ways, summed.

It ended in an internal error (the sum was checked by quadrature over a line, and a
Dirichlet law is a law of a vector). Each KL is now inserted as the result derived and
verified in the same derivation. Checked against SciPy: quadrature of the Beta densities
for K = 2, Monte Carlo with a fixed seed for K = 3.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import Rational

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import get_divergence
from kl_derive.errors import VerificationError
from kl_derive.steps.verify import verify_step


@pytest.fixture(scope="module")
def symbolic() -> kl_derive.Derivation:
    return kl_derive.divergence("jeffreys", "dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])")


def _value(d: kl_derive.Derivation, first: list[float], second: list[float]) -> float:
    names = {s.name: s for s in d.result.free_symbols}
    values = {names[f"a{i + 1}"]: a for i, a in enumerate(first)}
    values.update({names[f"b{i + 1}"]: b for i, b in enumerate(second)})
    return float(d.result.subs(values))


@pytest.mark.slow
def test_three_categories_against_monte_carlo(symbolic: kl_derive.Derivation) -> None:
    rng = random.Random(7)
    sampler = np.random.default_rng(11)
    for _ in range(3):
        first = [round(rng.uniform(0.4, 4), 2) for _ in range(3)]
        second = [round(rng.uniform(0.4, 4), 2) for _ in range(3)]
        p, q = stats.dirichlet(first), stats.dirichlet(second)
        x = sampler.dirichlet(first, 200_000)
        y = sampler.dirichlet(second, 200_000)
        forward = p.logpdf(x.T) - q.logpdf(x.T)
        backward = q.logpdf(y.T) - p.logpdf(y.T)
        estimate = forward.mean() + backward.mean()
        error = np.sqrt(forward.var() / len(forward) + backward.var() / len(backward))
        assert abs(_value(symbolic, first, second) - estimate) < 5 * error + 1e-12


@pytest.mark.slow
def test_two_categories_against_quadrature() -> None:
    d = kl_derive.divergence("jeffreys", "dirichlet([a1, a2])", "dirichlet([b1, b2])")
    for first, second in (([0.7, 2.5], [3.0, 1.2]), ([2.0, 2.0], [1.5, 4.0])):
        p, q = stats.beta(*first), stats.beta(*second)

        def integrand(z: float, p=p, q=q) -> float:
            return (p.pdf(z) - q.pdf(z)) * (p.logpdf(z) - q.logpdf(z))

        reference = integrate.quad(integrand, 0, 1, limit=200)[0]
        assert _value(d, first, second) == pytest.approx(reference, rel=1e-7)


def test_a_false_sum_is_refused() -> None:
    entry = get_divergence("jeffreys")
    first, second = bind("dirichlet([a1, a2])", "dirichlet([b1, b2])", None, "en")
    draft = entry.draft(first, second)
    insert = next(
        s
        for stage in draft.stages
        for chain in stage.chains
        for s in chain.steps
        if s.rule == "jeffreys.insert"
    )
    context = draft.contexts[insert.facts]
    verify_step(insert, context, {})  # the true step holds
    for wrong in (insert.after + 1, insert.after * Rational(10**7 + 1, 10**7)):
        with pytest.raises(VerificationError):
            verify_step(replace(insert, after=wrong), context, {})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("p", "q"),
    [
        ("diag_normal([m1, m2], [s1, s2])", "diag_normal([n1, n2], [t1, t2])"),
        ("multivariate_normal([m1, m2], [[a, b], [b, c]])", "diag_normal([n1, n2], [t1, t2])"),
    ],
)
def test_gaussian_laws_of_a_vector_against_monte_carlo(p: str, q: str) -> None:
    """The Gaussians in two dimensions (an internal error before, for every Gaussian
    pair that ``kl-derive pairs --divergence jeffreys`` lists)."""
    d = kl_derive.divergence("jeffreys", p, q)
    names = {s.name: s for s in d.result.free_symbols}
    rng = random.Random(3)
    sampler = np.random.default_rng(5)
    for _ in range(2):
        m = [rng.uniform(-1, 1) for _ in range(2)]
        n = [rng.uniform(-1, 1) for _ in range(2)]
        s = [rng.uniform(0.5, 2) for _ in range(2)]
        t = [rng.uniform(0.5, 2) for _ in range(2)]
        a, c = rng.uniform(1, 2), rng.uniform(1, 2)
        b = rng.uniform(-0.5, 0.5)
        values = {"m1": m[0], "m2": m[1], "n1": n[0], "n2": n[1], "t1": t[0], "t2": t[1]}
        values.update({"s1": s[0], "s2": s[1], "a": a, "b": b, "c": c})
        cov = [[a, b], [b, c]] if "multivariate" in p else np.diag(np.square(s))
        first = stats.multivariate_normal(m, cov)
        second = stats.multivariate_normal(n, np.diag(np.square(t)))
        x, y = first.rvs(200_000, random_state=sampler), second.rvs(200_000, random_state=sampler)
        forward = first.logpdf(x) - second.logpdf(x)
        backward = second.logpdf(y) - first.logpdf(y)
        estimate = forward.mean() + backward.mean()
        error = np.sqrt(forward.var() / len(x) + backward.var() / len(y))
        value = float(d.result.subs({names[k]: v for k, v in values.items() if k in names}))
        assert abs(value - estimate) < 5 * error


@pytest.mark.slow
def test_the_normalizers_cancel_between_full_covariances() -> None:
    """log det Σ₁/det Σ₂ from one KL and log det Σ₂/det Σ₁ from the other cancel."""
    d = kl_derive.divergence("jeffreys", "multivariate_normal", "multivariate_normal")
    assert "log" not in str(d.result)
    assert "det" not in d.render("text").split("Putting the steps together")[-1]
