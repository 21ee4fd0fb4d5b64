"""Cross-entropies of the multivariate laws that `kl-derive cross-entropy` refused (issue 17):
two Wishart laws (scales as lists and by name).

Checked at random parameters against a Monte Carlo mean of -log p(X) over draws X ~ q from
scipy.stats.wishart, with SciPy's log density, and against H(q) + KL(q || p) from SciPy's
entropy and the divergence derived (and tested) separately.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_module
from scipy import stats

import kl_derive


def _random_scale(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return np.round(a @ a.T / d + 0.5 * np.eye(d), 3)


def _spec(df: float, scale: np.ndarray) -> str:
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in scale)
    return f"wishart({df!r}, [{rows}])"


def _monte_carlo(one: tuple, two: tuple, n: int, seed: int) -> tuple[float, float]:
    draws = stats.wishart(df=one[0], scale=one[1]).rvs(size=n, random_state=seed)
    minus_log = -stats.wishart(df=two[0], scale=two[1]).logpdf(np.moveaxis(draws, 0, -1))
    return float(minus_log.mean()), float(minus_log.std(ddof=1) / np.sqrt(n))


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.slow
def test_wishart_numbers(d: int) -> None:
    rng = np.random.default_rng(40 + d)
    for trial in range(2):
        one = (round(d - 1 + rng.uniform(1, 5), 3), _random_scale(rng, d))
        two = (round(d - 1 + rng.uniform(1, 5), 3), _random_scale(rng, d))
        derivation = kl_derive.cross_entropy(_spec(*one), _spec(*two))
        assert all(step.verified for step in derivation.steps)
        assert derivation.quantity == "cross_entropy"
        got = float(derivation.result.doit().evalf(30))
        mean, error = _monte_carlo(one, two, 20_000, seed=trial)
        assert abs(got - mean) < 5 * error, (got, mean, error)
        # H(q, p) = H(q) + KL(q || p), each from elsewhere
        kl = float(kl_derive.derive(_spec(*one), _spec(*two)).result.doit().evalf(30))
        entropy = stats.wishart(df=one[0], scale=one[1]).entropy()
        assert got == pytest.approx(entropy + kl, rel=1e-10)


@pytest.mark.slow
def test_wishart_names() -> None:
    """Entries by name, and scales by name (symbolic size p, verified in p = 2, 3)."""
    listed = kl_derive.cross_entropy("wishart(n, [[a, b], [b, c]])", "wishart(m, [[e, f], [f, g]])")
    named = kl_derive.cross_entropy("wishart(n, V)", "wishart(m, U)")
    assert all(step.verified for step in (*listed.steps, *named.steps))
    assert named.instance_sizes == (2, 3)
    rng = np.random.default_rng(5)
    for trial in range(2):
        one = (1 + rng.uniform(1, 5), _random_scale(rng, 2))
        two = (1 + rng.uniform(1, 5), _random_scale(rng, 2))
        values = {"n": one[0], "m": two[0], "a": one[1][0, 0], "b": one[1][0, 1]}
        values |= {"c": one[1][1, 1], "e": two[1][0, 0], "f": two[1][0, 1], "g": two[1][1, 1]}
        result = listed.result.xreplace({s: values[s.name] for s in listed.result.free_symbols})
        got = float(result.doit().evalf(30))
        mean, error = _monte_carlo(one, two, 20_000, seed=10 + trial)
        assert abs(got - mean) < 5 * error, (got, mean, error)
    text = str(named.result)
    assert "MatTrace" in text and "MultiDigamma(n/2, p)" in text


@pytest.mark.slow
def test_wishart_cli() -> None:
    done = run_module(
        ["cross-entropy", "wishart(4, [[2, 1], [1, 3]])", "wishart(3, [[1, 0], [0, 1]])"]
    )
    assert done.returncode == 0, done.stderr
    mixed = run_module(["cross-entropy", "wishart(4, [[2, 1], [1, 3]])", "wishart(3, V)"])
    assert mixed.returncode == 2 and len(mixed.stderr.strip().splitlines()) == 1


def _diag_value(result, n: int, arrays: dict[str, np.ndarray]) -> float:
    from sympy import Indexed, Symbol

    written = result.xreplace({Symbol("d", integer=True, positive=True): n}).doit()
    values = {
        x: float(arrays[str(x.base.label)][int(x.indices[0]) - 1]) for x in written.atoms(Indexed)
    }
    return float(written.xreplace(values).evalf(30))


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ("diag_normal(mu, sigma)", "diag_normal(nu, tau)"),
        ("diag_normal(mu, sigma)", "diag_normal(0, 1)"),
        ("diag_normal(mu, exp(s))", "diag_normal(0, t)"),
    ],
)
@pytest.mark.slow
def test_diag_normal_symbolic_d(p: str, q: str) -> None:
    """A symbolic dimension d: the sum of the coordinates' cross-entropies, checked at
    d = 2, 3, 4 against 1-D quadrature of -q_j log p_j per coordinate (SciPy's norm)."""
    from scipy import integrate

    derivation = kl_derive.cross_entropy(p, q)
    assert all(step.verified for step in derivation.steps)
    assert derivation.instance_sizes == (2, 3)
    rng = np.random.default_rng(len(p) + len(q))
    for n in (2, 3, 4):
        arrays = {
            "mu": rng.normal(size=n),
            "nu": rng.normal(size=n),
            "sigma": rng.uniform(0.3, 2, n),
            "tau": rng.uniform(0.3, 2, n),
            "s": rng.normal(scale=0.5, size=n),
            "t": rng.uniform(0.3, 2, n),
        }
        loc1 = arrays["mu"]
        scale1 = np.exp(arrays["s"]) if "exp(s)" in p else arrays["sigma"]
        loc2 = arrays["nu"] if "nu" in q else np.zeros(n)
        scale2 = arrays["tau"] if "tau" in q else arrays["t"] if "t)" in q else np.ones(n)
        expected = 0.0
        for j in range(n):
            first, second = stats.norm(loc1[j], scale1[j]), stats.norm(loc2[j], scale2[j])
            expected += integrate.quad(
                lambda z, a=first, b=second: -a.pdf(z) * b.logpdf(z), -np.inf, np.inf
            )[0]
        got = _diag_value(derivation.result, n, arrays)
        assert got == pytest.approx(expected, rel=1e-8)


def _multinomial_reference(n: int, first: list[float], second: list[float]) -> float:
    """-sum_k q(k) log p(k) over every count vector, with SciPy's multinomial."""
    from itertools import product

    q, p = stats.multinomial(n, first), stats.multinomial(n, second)
    total = 0.0
    for k in product(range(n + 1), repeat=len(first)):
        if sum(k) == n:
            total -= q.pmf(k) * p.logpmf(k)
    return total


@pytest.mark.slow
def test_multinomial_numbers_and_names() -> None:
    rng = np.random.default_rng(11)
    named = kl_derive.cross_entropy(
        "multinomial(4, [a, b, 1 - a - b])", "multinomial(4, [c, d, 1 - c - d])"
    )
    assert all(step.verified for step in named.steps)
    for _ in range(3):
        first, second = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3))
        values = {"a": first[0], "b": first[1], "c": second[0], "d": second[1]}
        got = float(named.result.xreplace({s: values[s.name] for s in named.result.free_symbols}))
        expected = _multinomial_reference(4, list(first), list(second))
        assert got == pytest.approx(expected, rel=1e-10)
    numbers = kl_derive.cross_entropy(
        "multinomial(5, [1/2, 1/3, 1/6])", "multinomial(5, [1/4, 1/4, 1/2])"
    )
    expected = _multinomial_reference(5, [1 / 2, 1 / 3, 1 / 6], [1 / 4, 1 / 4, 1 / 2])
    assert float(numbers.result) == pytest.approx(expected, rel=1e-12)
    # the same law: the entropy
    same = kl_derive.cross_entropy("multinomial(3, [1/2, 1/2])", "multinomial(3, [1/2, 1/2])")
    assert float(same.result) == pytest.approx(stats.multinomial(3, [0.5, 0.5]).entropy())


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("multinomial(3, [a, 1 - a])", "multinomial(4, [b, 1 - b])", "same total_count"),
        ("multinomial(n, [a, 1 - a])", "multinomial(n, [b, 1 - b])", "no closed form in n"),
    ],
)
@pytest.mark.slow
def test_multinomial_refusals(p: str, q: str, message: str) -> None:
    done = run_module(["cross-entropy", p, q])
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path, monkeypatch) -> None:
    from render_checks import assert_renders

    sample = {
        "wishart-cross": (
            "cross_entropy",
            "wishart(n, [[a, b], [b, c]])",
            "wishart(m, [[1, 0], [0, 2]])",
            {},
        ),
        "wishart-cross-named": ("cross_entropy", "wishart(n, V)", "wishart(m, U)", {}),
        "diag-cross": ("cross_entropy", "diag_normal(mu, sigma)", "diag_normal(nu, tau)", {}),
        "multinomial-cross": (
            "cross_entropy",
            "multinomial(3, [a, b, 1 - a - b])",
            "multinomial(3, [c, d, 1 - c - d])",
            {},
        ),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)
