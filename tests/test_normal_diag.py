"""A univariate normal against a diagonal Gaussian (issue 17): the normal law read in every
coordinate, independently (PyTorch's broadcast ``Independent(Normal(m, s), 1)``); and the
entropy of a diagonal Gaussian in a symbolic dimension d.

Checked at random parameters against references computed here: SciPy quadrature of one
coordinate's q log(q/p), summed over the coordinates, and SciPy's own entropy of the
multivariate normal with a diagonal covariance. Nothing of kl-derive's densities is used.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_module
from render_checks import assert_renders
from scipy import integrate, stats
from sympy import Indexed, Symbol

import kl_derive


def _coordinate_kl(m1: float, s1: float, m2: float, s2: float) -> float:
    p, q = stats.norm(m1, s1), stats.norm(m2, s2)
    value, _ = integrate.quad(
        lambda z: np.exp(p.logpdf(z)) * (p.logpdf(z) - q.logpdf(z)),
        m1 - 14 * s1,
        m1 + 14 * s1,
        epsabs=1e-12,
        epsrel=1e-11,
        limit=200,
    )
    return value


def _evaluate(expr, scalars: dict[str, float], vectors: dict[str, np.ndarray], d: int) -> float:
    """The result at ``d`` coordinates: ``mu[j]`` from the vectors, names from scalars."""
    expr = expr.xreplace({Symbol("d", integer=True, positive=True): d})
    expr = expr.subs({s: d for s in expr.free_symbols if s.name == "d"}).doit()
    values = {}
    for x in expr.atoms(Indexed):
        values[x] = vectors[str(x.base.label)][int(x.indices[0]) - 1]
    for s in expr.free_symbols:
        if s.name in scalars:
            values[s] = scalars[s.name]
        elif s.name in vectors:  # written out: mu_1, ...
            pass
    expr = expr.xreplace(values)
    named = {}
    for s in expr.free_symbols:
        base, _, index = s.name.rpartition("_")
        named[s] = vectors[base][int(index) - 1]
    return float(expr.xreplace(named))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.slow
def test_symbolic_dimension_matches_quadrature(reverse: bool) -> None:
    p, q = "normal(m, s)", "diag_normal(mu, sigma)"
    d = kl_derive.derive(*((q, p) if reverse else (p, q)))
    assert all(step.verified for step in d.steps)
    assert d.stages[0].key == "normal_in_each_coordinate"
    rng = np.random.default_rng(17 + reverse)
    for size in (1, 2, 4):
        m, s = rng.normal(), rng.uniform(0.3, 2.5)
        mu, sigma = rng.normal(size=size), rng.uniform(0.3, 2.5, size=size)
        got = _evaluate(d.result, {"m": m, "s": s}, {"mu": mu, "sigma": sigma}, size)
        pairs = [((m, s), (a, b)) for a, b in zip(mu, sigma, strict=True)]
        expected = sum(
            _coordinate_kl(*(two if reverse else one), *(one if reverse else two))
            for one, two in pairs
        )
        assert got == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_lists_and_expressions() -> None:
    d = kl_derive.derive("diag_normal([1, 2], [a, 3])", "normal(m, exp(t))")
    assert all(step.verified for step in d.steps)
    names = {str(s): s for s in d.result.free_symbols}
    assert set(names) == {"a", "m", "t"}
    a, m, t = 0.7, -0.4, 0.3
    got = float(d.result.xreplace({names["a"]: a, names["m"]: m, names["t"]: t}))
    expected = _coordinate_kl(1, a, m, np.exp(t)) + _coordinate_kl(2, 3, m, np.exp(t))
    assert got == pytest.approx(expected, rel=1e-9)
    # with one coordinate it is the univariate divergence
    one = kl_derive.derive("normal(m, s)", "diag_normal([a], [b])")
    uni = kl_derive.derive("normal(m, s)", "normal(a, b)")
    values = {"m": 0.3, "s": 1.7, "a": -0.2, "b": 0.6}
    assert float(one.result.subs({x: values[x.name] for x in one.result.free_symbols})) == (
        pytest.approx(float(uni.result.subs({x: values[x.name] for x in uni.result.free_symbols})))
    )


def test_pairs_lists_both_orders() -> None:
    done = run_module(["pairs"])
    assert done.returncode == 0
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert any("normal || diag_normal" in line or "normal ‖ diag_normal" in line for line in lines)


def test_code_broadcasts_the_univariate_law() -> None:
    from kl_derive.codegen.convenience import code_for

    source = code_for("normal(m, s)", "diag_normal(mu, sigma)", framework="numpy")
    namespace: dict = {}
    exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
    mu, sigma = np.array([[0.2, -1.0, 0.5]]), np.array([[0.5, 2.0, 1.1]])
    got = namespace["kl_divergence"](0.3, 1.4, mu, sigma)
    expected = sum(_coordinate_kl(0.3, 1.4, a, b) for a, b in zip(mu[0], sigma[0], strict=True))
    assert float(got[0]) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "spec", ["diag_normal(mu, sigma)", "diag_normal(mu, exp(logvar/2))", "diag_normal(m, 2)"]
)
def test_entropy_in_a_symbolic_dimension_matches_scipy(spec: str) -> None:
    h = kl_derive.entropy(spec)
    assert all(step.verified for step in h.steps)
    assert h.instance_sizes == (2, 3)
    rng = np.random.default_rng(sum(map(ord, spec)))
    for size in (1, 3, 5):
        mu = rng.normal(size=size)
        if "sigma" in spec:
            vectors = {"mu": mu, "sigma": rng.uniform(0.2, 3, size=size)}
            scale = vectors["sigma"]
        elif "logvar" in spec:
            vectors = {"mu": mu, "logvar": rng.normal(size=size)}
            scale = np.exp(vectors["logvar"] / 2)
        else:
            vectors, scale = {"m": mu}, np.full(size, 2.0)
        got = _evaluate(h.result, {}, vectors, size)
        expected = stats.multivariate_normal(mu, np.diag(scale**2)).entropy()
        assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.slow
def test_cross_entropy_in_a_symbolic_dimension_is_entropy_plus_kl() -> None:
    # derived since the diagonal cross-entropy takes a symbolic d (it was refused before):
    # it must equal H(P) + KL(P || Q), each derived on its own route
    from sympy import simplify

    cross = kl_derive.cross_entropy("diag_normal(mu, sigma)", "diag_normal(0, 1)")
    assert all(step.check for step in cross.steps)
    entropy = kl_derive.entropy("diag_normal(mu, sigma)")
    kl = kl_derive.derive("diag_normal(mu, sigma)", "diag_normal(0, 1)")
    difference = (cross.result - entropy.result - kl.result).doit()
    assert simplify(difference) == 0, difference
    done = run_module(["cross-entropy", "diag_normal(mu, sigma)", "diag_normal(0, 1)"])
    assert done.returncode == 0 and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path, monkeypatch) -> None:
    sample = {
        "normal-diag": ("kl", "normal(m, s)", "diag_normal(mu, sigma)", {}),
        "diag-normal-lists": ("kl", "diag_normal([1, 2], [a, 3])", "normal(m, exp(t))", {}),
        "entropy-diag": ("entropy", "diag_normal(mu, exp(logvar/2))", None, {}),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)
