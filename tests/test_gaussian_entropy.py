"""Entropy and cross-entropy of multivariate normals (issue 17): full, low-rank and
diagonal covariances, ``kl-derive entropy`` / ``cross-entropy``.

Each result is checked at random parameters against SciPy, written independently of
kl-derive: ``multivariate_normal(...).entropy()`` for the entropy and a two-dimensional
quadrature of -p log q with SciPy's densities for the cross-entropy.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compile_fragments, katex_blocks, run_module
from scipy import integrate, stats
from sympy import ImmutableMatrix, MatrixSymbol

import kl_derive
from kl_derive.errors import KLDeriveError

DIAG = "diag_normal([m1, m2], [s1, s2])"
MVN = "multivariate_normal([a1, a2], [[c11, c12], [c12, c22]])"
LOW = "low_rank_multivariate_normal([a1, a2], [[w1], [w2]], [d1, d2])"


def _random_values(rng: np.random.Generator) -> dict[str, float]:
    lower = np.array([[rng.uniform(0.5, 2), 0.0], [rng.normal(), rng.uniform(0.5, 2)]])
    cov = lower @ lower.T
    values = {f"m{i}": rng.normal() for i in (1, 2, 3)}
    values.update({f"s{i}": rng.uniform(0.3, 2.5) for i in (1, 2, 3)})
    values.update({"a1": rng.normal(), "a2": rng.normal()})
    values.update({"c11": cov[0, 0], "c12": cov[0, 1], "c22": cov[1, 1]})
    values.update({"w1": rng.normal(), "w2": rng.normal()})
    values.update({"d1": rng.uniform(0.3, 2), "d2": rng.uniform(0.3, 2)})
    return values


def _law(spec: str, v: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    if spec == DIAG:
        return np.array([v["m1"], v["m2"]]), np.diag([v["s1"] ** 2, v["s2"] ** 2])
    if spec == MVN:
        return np.array([v["a1"], v["a2"]]), np.array([[v["c11"], v["c12"]], [v["c12"], v["c22"]]])
    if spec == LOW:
        w = np.array([[v["w1"]], [v["w2"]]])
        return np.array([v["a1"], v["a2"]]), w @ w.T + np.diag([v["d1"], v["d2"]])
    raise AssertionError(spec)


def _value(derivation, values: dict[str, float]) -> float:
    symbols = {str(s): s for s in derivation.result.free_symbols}
    return float(derivation.result.xreplace({symbols[k]: values[k] for k in symbols}))


@pytest.mark.parametrize("spec", [DIAG, MVN, LOW])
def test_entropy_matches_scipy(spec: str) -> None:
    d = kl_derive.entropy(spec)
    assert d.quantity == "entropy" and all(step.verified for step in d.steps)
    rng = np.random.default_rng(len(spec))
    for _ in range(4):
        values = _random_values(rng)
        mean, cov = _law(spec, values)
        expected = stats.multivariate_normal(mean, cov).entropy()
        assert _value(d, values) == pytest.approx(expected, rel=1e-10)


def test_entropy_of_three_independent_coordinates() -> None:
    d = kl_derive.entropy("independent(normal([m1, m2, m3], [s1, s2, s3]), 1)")
    values = _random_values(np.random.default_rng(3))
    scales = [values["s1"], values["s2"], values["s3"]]
    expected = sum(stats.norm(0, s).entropy() for s in scales)
    assert _value(d, values) == pytest.approx(expected, rel=1e-10)


def _cross_quadrature(m1, c1, m2, c2) -> float:
    p, q = stats.multivariate_normal(m1, c1), stats.multivariate_normal(m2, c2)
    half = 9 * np.sqrt(np.diag(c1))

    def integrand(y: float, x: float) -> float:
        z = np.array([x, y])
        return float(-np.exp(p.logpdf(z)) * q.logpdf(z))

    value, _ = integrate.dblquad(
        integrand,
        m1[0] - half[0],
        m1[0] + half[0],
        m1[1] - half[1],
        m1[1] + half[1],
        epsabs=1e-10,
        epsrel=1e-9,
    )
    return value


@pytest.mark.parametrize(("p", "q"), [(DIAG, MVN), (MVN, DIAG), (LOW, DIAG), (MVN, LOW)])
@pytest.mark.slow
def test_cross_entropy_matches_quadrature(p: str, q: str) -> None:
    d = kl_derive.cross_entropy(p, q)
    assert d.quantity == "cross_entropy" and all(step.verified for step in d.steps)
    values = _random_values(np.random.default_rng(len(p) + 7 * len(q)))
    if (p, q) == (MVN, LOW):  # the two laws share a1, a2 here: shift one of them
        d_other = kl_derive.cross_entropy(MVN, LOW.replace("[a1, a2]", "[m1, m2]"))
        (m1, c1), (m2, c2) = _law(MVN, values), _law(LOW, values)
        m2 = np.array([values["m1"], values["m2"]])
        assert _value(d_other, values) == pytest.approx(_cross_quadrature(m1, c1, m2, c2), rel=1e-6)
        return
    (m1, c1), (m2, c2) = _law(p, values), _law(q, values)
    expected = _cross_quadrature(m1, c1, m2, c2)
    assert _value(d, values) == pytest.approx(expected, rel=1e-6)
    # the cross-entropy is the entropy plus the divergence
    total = _value(kl_derive.entropy(p), values) + _value(kl_derive.derive(p, q), values)
    assert _value(d, values) == pytest.approx(total, rel=1e-10)


@pytest.mark.slow
def test_named_parameters_keep_the_dimension_symbolic() -> None:
    h = kl_derive.entropy("multivariate_normal(mu, Sigma)")
    assert all(step.verified for step in h.steps)
    cov = ImmutableMatrix([[2.0, 0.5], [0.5, 1.0]])
    (sigma,) = (m for m in h.result.atoms(MatrixSymbol) if m.name == "Sigma")
    (d,) = (s for s in h.result.free_symbols if s.name == "d")
    value = h.result.xreplace({sigma: cov, d: 2}).doit()
    assert float(value) == pytest.approx(stats.multivariate_normal([0, 0], cov).entropy())
    c = kl_derive.cross_entropy("multivariate_normal(mu, Sigma)")  # against N(0, I)
    assert all(step.verified for step in c.steps)
    (mu,) = (m for m in c.result.atoms(MatrixSymbol) if m.name == "mu")
    loc = ImmutableMatrix([0.3, -1.2])
    got = float(c.result.xreplace({sigma: cov, mu: loc, d: 2}).doit())
    expected = _cross_quadrature(
        np.array([0.3, -1.2]), np.array(cov.tolist(), float), np.zeros(2), np.eye(2)
    )
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cross-entropy", "diag_normal(mu, sigma)", "multivariate_normal(m, S)"],
            "lists of parameters",
        ),
        (["cross-entropy", "mvn(mu, Sigma)", "normal"], "against a multivariate normal"),
        (["entropy", "mvn", "--param", "logvar"], "univariate laws"),
        (["entropy", "multivariate_normal([1, 2], [[1, 2], [2, 1]])"], "positive definite"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = run_module(args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    with pytest.raises(KLDeriveError, match=message):
        (kl_derive.entropy if args[0] == "entropy" else kl_derive.cross_entropy)(
            *[a for a in args[1:] if not a.startswith("-") and a != "logvar"],
            **({"param": "logvar"} if "--param" in args else {}),
        )


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(lang: str, tmp_path) -> None:
    from kl_derive.render import FORMATS

    h, c = kl_derive.entropy(MVN), kl_derive.cross_entropy(DIAG, MVN)
    for d in (h, c):
        for fmt in FORMATS:
            out = d.render(fmt, lang)
            assert out.strip() and "{" + "lhs}" not in out
    title = {"en": ("Entropy of", "Cross-entropy of"), "ko": ("엔트로피", "교차 엔트로피")}[lang]
    assert title[0] in h.to_markdown(lang) and title[1] in c.to_markdown(lang)
    katex_blocks([h, c, kl_derive.entropy("multivariate_normal(mu, Sigma)")], lang)
    compile_fragments(tmp_path, [h.to_latex(lang), c.to_latex(lang)], lang)
