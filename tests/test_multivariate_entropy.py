"""Entropies (and cross-entropies where closed) of Dirichlet, Wishart and multinomial laws
(issue 17), through ``kl-derive entropy`` / ``cross-entropy``.

Checked at random parameters against references computed here with SciPy's own
distributions: ``scipy.stats.dirichlet/wishart/multinomial(...).entropy()``, the
cross-entropy of two Dirichlet laws by quadrature of the first coordinate (K = 2: a Beta
law) and by Monte Carlo with SciPy's log densities (K = 3). Nothing of kl-derive's
densities is used.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_module
from render_checks import assert_renders
from scipy import integrate, stats
from sympy import MatrixSymbol

import kl_derive
from kl_derive.errors import KLDeriveError


def _value(expr, values: dict[str, float]) -> float:
    names = {s: values[s.name] for s in expr.free_symbols}
    return float(expr.xreplace(names).evalf(30))


# -- Dirichlet --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 4])
def test_dirichlet_entropy_matches_scipy(k: int) -> None:
    names = [f"a{i}" for i in range(1, k + 1)]
    h = kl_derive.entropy(f"dirichlet([{', '.join(names)}])")
    assert all(step.verified for step in h.steps)
    rng = np.random.default_rng(k)
    for _ in range(6):
        alpha = rng.uniform(0.15, 6, size=k)
        got = _value(h.result, dict(zip(names, alpha, strict=True)))
        assert got == pytest.approx(stats.dirichlet(alpha).entropy(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("alpha", [[1, 2, 3], [1, 1], [0.5, 0.5], [2, 5, 1, 3], [0.5, 1.5, 2]])
def test_dirichlet_entropy_of_numbers(alpha: list[float]) -> None:
    spec = f"dirichlet([{', '.join(str(a) if a != 0.5 else '1/2' for a in alpha)}])".replace(
        "1.5", "3/2"
    )
    h = kl_derive.entropy(spec)
    assert h.result.is_number
    assert float(h.result) == pytest.approx(stats.dirichlet(alpha).entropy(), rel=1e-12)


def _beta_cross_entropy(a: np.ndarray, b: np.ndarray) -> float:
    """-E_q[log p] for q = Dir(a), p = Dir(b) with two coordinates: the first coordinate is
    Beta(a1, a2), and the density on the simplex is the Beta density of that coordinate."""
    q, p = stats.beta(*a), stats.beta(*b)
    value, _ = integrate.quad(
        lambda z: -q.pdf(z) * p.logpdf(z), 0, 1, epsabs=1e-13, epsrel=1e-12, limit=400
    )
    return value


def test_dirichlet_cross_entropy_matches_quadrature_and_monte_carlo() -> None:
    c = kl_derive.cross_entropy("dirichlet([a1, a2])", "dirichlet([b1, b2])")
    assert all(step.verified for step in c.steps)
    rng = np.random.default_rng(5)
    for _ in range(5):
        a, b = rng.uniform(0.6, 5, size=2), rng.uniform(0.6, 5, size=2)
        values = {"a1": a[0], "a2": a[1], "b1": b[0], "b2": b[1]}
        assert _value(c.result, values) == pytest.approx(_beta_cross_entropy(a, b), rel=1e-8)
    three = kl_derive.cross_entropy("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])")
    a, b = np.array([1.3, 2.2, 0.8]), np.array([2.5, 0.9, 1.7])
    values = {**{f"a{i + 1}": a[i] for i in range(3)}, **{f"b{i + 1}": b[i] for i in range(3)}}
    samples = stats.dirichlet(a).rvs(size=200_000, random_state=np.random.default_rng(11))
    samples = np.clip(samples, 1e-300, None)
    logs = -stats.dirichlet(b).logpdf(samples.T / samples.sum(axis=1))
    error = logs.std(ddof=1) / np.sqrt(len(logs))
    assert abs(_value(three.result, values) - logs.mean()) < 5 * error
    # the cross-entropy with itself is the entropy
    same = kl_derive.cross_entropy("dirichlet([a1, a2, a3])", "dirichlet([a1, a2, a3])")
    assert _value(same.result, values) == pytest.approx(stats.dirichlet(a).entropy(), rel=1e-10)


# -- Wishart ----------------------------------------------------------------------------


def _spd(rng: np.random.Generator, size: int) -> np.ndarray:
    lower = np.tril(rng.normal(size=(size, size)))
    np.fill_diagonal(lower, rng.uniform(0.5, 2, size=size))
    return lower @ lower.T


def test_wishart_entropy_of_named_entries_matches_scipy() -> None:
    h = kl_derive.entropy("wishart(n, [[a, b], [b, c]])")
    assert all(step.verified for step in h.steps)
    rng = np.random.default_rng(3)
    for _ in range(6):
        v = _spd(rng, 2)
        n = rng.uniform(1.1, 12)
        values = {"n": n, "a": v[0, 0], "b": v[0, 1], "c": v[1, 1]}
        expected = stats.wishart(df=n, scale=v).entropy()
        assert _value(h.result, values) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(
    ("spec", "df", "scale"),
    [
        ("wishart(5, [[2, 1], [1, 3]])", 5, [[2, 1], [1, 3]]),
        ("wishart(7/2, [[1, 0, 0], [0, 2, 1], [0, 1, 3]])", 3.5, [[1, 0, 0], [0, 2, 1], [0, 1, 3]]),
        ("wishart(3, [[1, 0], [0, 1]])", 3, [[1, 0], [0, 1]]),
    ],
)
def test_wishart_entropy_of_numbers(spec: str, df: float, scale: list) -> None:
    h = kl_derive.entropy(spec)
    assert all(step.verified for step in h.steps)
    expected = stats.wishart(df=df, scale=np.array(scale, float)).entropy()
    assert float(h.result.evalf(30)) == pytest.approx(expected, rel=1e-12)


def test_wishart_entropy_in_a_symbolic_dimension() -> None:
    h = kl_derive.entropy("wishart(n, V)")
    assert all(step.verified for step in h.steps)
    assert h.instance_sizes == (2, 3)
    (v,) = h.result.atoms(MatrixSymbol)
    (p,) = (s for s in h.result.free_symbols if s.name == "p")
    (n,) = (s for s in h.result.free_symbols if s.name == "n")
    rng = np.random.default_rng(9)
    for size in (2, 3, 4):
        scale = _spd(rng, size)
        df = size - 1 + rng.uniform(0.2, 5)
        from sympy import ImmutableMatrix

        value = h.result.subs(p, size).xreplace(
            {MatrixSymbol(v.name, size, size): ImmutableMatrix(scale), n: df}
        )
        got = float(value.doit().evalf(30))
        assert got == pytest.approx(stats.wishart(df=df, scale=scale).entropy(), rel=1e-9)


# -- multinomial ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 6])
@pytest.mark.slow
def test_multinomial_entropy_matches_scipy(n: int) -> None:
    h = kl_derive.entropy(f"multinomial({n}, [a, b, 1 - a - b])")
    assert all(step.verified for step in h.steps)
    rng = np.random.default_rng(n)
    for _ in range(5):
        probs = rng.dirichlet([2, 2, 2])
        got = _value(h.result, {"a": probs[0], "b": probs[1]})
        assert got == pytest.approx(stats.multinomial(n, probs).entropy(), rel=1e-10)


def test_multinomial_entropy_of_numbers() -> None:
    h = kl_derive.entropy("multinomial(2, [1/2, 1/4, 1/4])")
    assert float(h.result) == pytest.approx(stats.multinomial(2, [0.5, 0.25, 0.25]).entropy())
    assert float(h.result) == pytest.approx(19 / 8 * np.log(2))


# -- what is refused, in one line -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["entropy", "multinomial(n, [a, 1 - a])"], "no closed form in n"),
        (["entropy", "multinomial(400, [a, b, 1 - a - b])"], "too large"),
        (["entropy", "dirichlet"], "give the dirichlet law's parameters"),
        (["entropy", "dirichlet(alpha)"], "as a list"),
        (["cross-entropy", "dirichlet([a, b])"], "needs the second law"),
        (["cross-entropy", "dirichlet([a, b])", "dirichlet([a, b, c])"], "coordinates"),
        (["cross-entropy", "dirichlet([a, b])", "beta"], "against another dirichlet"),
        (["cross-entropy", "wishart(n, V)", "wishart(m, [[1, 0], [0, 1]])"], "both as names"),
        (["entropy", "dirichlet([a, b])", "--param", "logvar"], "univariate laws"),
        (["entropy", "wishart(1/2, [[1, 0], [0, 1]])"], "must exceed p - 1"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = run_module(args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    with pytest.raises(KLDeriveError, match=message):
        if args[0] == "entropy":
            kl_derive.entropy(args[1], **({"param": "logvar"} if "--param" in args else {}))
        else:
            kl_derive.cross_entropy(*args[1:])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path, monkeypatch) -> None:
    sample = {
        "entropy-dirichlet": ("entropy", "dirichlet([a1, a2, a3])", None, {}),
        "cross-entropy-dirichlet": (
            "cross_entropy",
            "dirichlet([a1, a2])",
            "dirichlet([b1, b2])",
            {},
        ),
        "entropy-wishart": ("entropy", "wishart(n, [[a, b], [b, c]])", None, {}),
        "entropy-wishart-p": ("entropy", "wishart(n, V)", None, {}),
        "entropy-multinomial": ("entropy", "multinomial(3, [a, b, 1 - a - b])", None, {}),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)
