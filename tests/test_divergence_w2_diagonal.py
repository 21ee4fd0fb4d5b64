"""The squared 2-Wasserstein distance between diagonal Gaussians: symbolic dimension,
listed vectors (names and numbers), a univariate normal broadcast against a diagonal law;
checked at random parameters against numerics written here, independently of the engine:
each coordinate's quantile integral by SciPy quadrature of norm.ppf, and the whole by the
Gaussian formula ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S2^1/2 S1 S2^1/2)^1/2) with
scipy.linalg.sqrtm; a false step is refused; the generated code agrees."""

from __future__ import annotations

import random
from functools import cache

import numpy as np
import pytest
from scipy import integrate, linalg, stats
from sympy import Indexed, Sum

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import pairs
from kl_derive.divergences.wasserstein_diagonal import diagonal_draft
from kl_derive.errors import VerificationError
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.objects import DIMENSION


@cache
def _w2(p: str, q: str):
    return kl_derive.divergence("wasserstein", p, q)


def _quantile_sum(m1, s1, m2, s2) -> float:
    """Sum over the coordinates of int_0^1 (F1^-1(u) - F2^-1(u))^2 du."""
    total = 0.0
    for a, b, c, d in zip(m1, s1, m2, s2, strict=True):
        value, _ = integrate.quad(
            lambda u, a=a, b=b, c=c, d=d: (stats.norm.ppf(u, a, b) - stats.norm.ppf(u, c, d)) ** 2,
            0,
            1,
            limit=200,
        )
        total += value
    return total


def _gaussian(m1, s1, m2, s2) -> float:
    """The Gaussian W_2^2 with matrix square roots by SciPy."""
    c1, c2 = np.diag(np.square(s1)), np.diag(np.square(s2))
    root = linalg.sqrtm(c2)
    middle = linalg.sqrtm(root @ c1 @ root)
    return float(np.sum((np.array(m1) - m2) ** 2) + np.trace(c1 + c2 - 2 * middle).real)


def _value(result, vectors: dict[str, list[float]]) -> float:
    """The result at vectors given by name (a Sum over j = 1..d written out)."""
    n = len(next(iter(vectors.values())))
    e = result.xreplace({DIMENSION: n})
    e = e.replace(lambda x: isinstance(x, Sum), lambda x: x.doit())
    values = {x: vectors[str(x.base.label)][int(x.indices[0]) - 1] for x in e.atoms(Indexed)}
    return float(e.xreplace(values).evalf(30))


def test_listed() -> None:
    listed = pairs("wasserstein")
    for pair in [("diag_normal", "diag_normal"), ("normal", "diag_normal")]:
        assert (*pair, "finite") in listed


@pytest.mark.slow
def test_symbolic_dimension_against_two_numerics() -> None:
    d = _w2("diag_normal(mu, sigma)", "diag_normal(m, s)")
    assert all(step.verified for step in d.steps)
    rng = random.Random("w2-diag")
    for n in (1, 2, 3, 5):
        m1 = [rng.uniform(-2, 2) for _ in range(n)]
        m2 = [rng.uniform(-2, 2) for _ in range(n)]
        s1 = [rng.uniform(0.2, 3) for _ in range(n)]
        s2 = [rng.uniform(0.2, 3) for _ in range(n)]
        got = _value(d.result, {"mu": m1, "sigma": s1, "m": m2, "s": s2})
        assert got == pytest.approx(_quantile_sum(m1, s1, m2, s2), rel=1e-8)
        assert got == pytest.approx(_gaussian(m1, s1, m2, s2), rel=1e-8)


def test_listed_vectors_with_names_and_numbers() -> None:
    d = _w2("diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])")
    assert all(step.verified for step in d.steps)
    rng = random.Random("w2-diag-lists")
    for _ in range(5):
        a, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        s, t = rng.uniform(0.2, 3), rng.uniform(0.2, 3)
        values = {"a": a, "b": b, "s": s, "t": t}
        got = float(d.result.xreplace({x: values[x.name] for x in d.result.free_symbols}))
        assert got == pytest.approx(_gaussian([a, 1], [s, 2], [0, b], [1, t]), rel=1e-9)
    numbers = _w2("diag_normal([0, 1], [1, 2])", "diag_normal([1, 1], [2, 3])")
    assert numbers.result == 3
    same = _w2("diag_normal([0, 1], [1, 2])", "diag_normal([0, 1], [1, 2])")
    assert same.result == 0


@pytest.mark.slow
def test_a_normal_in_every_coordinate() -> None:
    d = _w2("normal(c, r)", "diag_normal(m, s)")
    assert all(step.verified for step in d.steps)
    rng = random.Random("w2-broadcast")
    c, r = rng.uniform(-1, 1), rng.uniform(0.5, 2)
    m2 = [rng.uniform(-2, 2) for _ in range(3)]
    s2 = [rng.uniform(0.2, 3) for _ in range(3)]
    e = d.result.xreplace(
        {x: {"c": c, "r": r}[x.name] for x in d.result.free_symbols if x.name in "cr"}
    )
    got = _value(e, {"m": m2, "s": s2})
    assert got == pytest.approx(_gaussian([c] * 3, [r] * 3, m2, s2), rel=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("dimension", ["symbolic", "listed"])
def test_a_false_step_is_refused(dimension: str) -> None:
    p, q = (
        ("diag_normal(mu, sigma)", "diag_normal(m, s)")
        if dimension == "symbolic"
        else ("diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])")
    )
    first, second = bind(p, q, None, "en")
    draft = diagonal_draft(first, second)
    context = draft.contexts["main"]
    ((chain,),) = (stage.chains for stage in draft.stages)
    independent, coordinate = chain.steps[:2]
    # sigma + s instead of sigma - s in each coordinate (s_j, or the listed s and t)
    scales = {x for x in coordinate.after.atoms(Indexed) if str(x.base.label) == "s"}
    scales |= {x for x in coordinate.after.free_symbols if str(x) in ("s", "t")}
    assert scales
    wrong = coordinate.after.xreplace({x: -x for x in scales})
    with pytest.raises(VerificationError):
        verify_step(Step("wasserstein.coordinate", coordinate.before, wrong), context)
    # twice the sum of the coordinates
    with pytest.raises(VerificationError):
        verify_step(
            Step("wasserstein.independent", independent.before, 2 * independent.after), context
        )


@pytest.mark.slow
def test_generated_code_matches_the_gaussian_formula() -> None:
    from test_codegen import load

    from kl_derive.codegen import code_for

    source = code_for("diag_normal(mu, sigma)", "diag_normal(m, s)", divergence="wasserstein")
    function = load(source, "wasserstein")
    rng = np.random.default_rng(11)
    m1, m2 = rng.uniform(-2, 2, (2, 4, 3))
    s1, s2 = rng.uniform(0.2, 3, (2, 4, 3))
    got = function(m1, s1, m2, s2)
    expected = [_gaussian(m1[i], s1[i], m2[i], s2[i]) for i in range(4)]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
