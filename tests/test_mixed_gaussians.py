"""Gaussians in mixed representations (issue 17): diag_normal against multivariate_normal
and low_rank_multivariate_normal both ways, and PyTorch's ``Independent(Normal, 1)``
spelling of diag_normal.

Each result is checked at random parameters against the definition computed here: a
two-dimensional SciPy quadrature of p log(p/q) with SciPy's own densities, and the
textbook Gaussian formula written out with NumPy. Nothing of kl-derive's densities is used.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compile_fragments, katex_blocks, run_module
from scipy import integrate, stats

import kl_derive
from kl_derive.errors import KLDeriveError

DIAG = "diag_normal([m1, m2], [s1, s2])"
MVN = "multivariate_normal([a1, a2], [[c11, c12], [c12, c22]])"
LOW = "low_rank_multivariate_normal([a1, a2], [[w1], [w2]], [d1, d2])"
PAIRS = {
    "diag-mvn": (DIAG, MVN),
    "mvn-diag": (MVN, DIAG),
    "diag-low": (DIAG, LOW),
    "low-diag": (LOW, DIAG),
}


def _formula(m1, c1, m2, c2) -> float:
    inverse = np.linalg.inv(c2)
    diff = m2 - m1
    return 0.5 * (
        np.trace(inverse @ c1)
        + diff @ inverse @ diff
        - len(m1)
        + np.log(np.linalg.det(c2) / np.linalg.det(c1))
    )


def _quadrature(m1, c1, m2, c2) -> float:
    p, q = stats.multivariate_normal(m1, c1), stats.multivariate_normal(m2, c2)
    half = 9 * np.sqrt(np.diag(c1))

    def integrand(y: float, x: float) -> float:
        z = np.array([x, y])
        return float(np.exp(p.logpdf(z)) * (p.logpdf(z) - q.logpdf(z)))

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


def _random_values(rng: np.random.Generator) -> dict[str, float]:
    lower = np.array([[rng.uniform(0.5, 2), 0.0], [rng.normal(), rng.uniform(0.5, 2)]])
    cov = lower @ lower.T
    return {
        "m1": rng.normal(),
        "m2": rng.normal(),
        "s1": rng.uniform(0.3, 2.5),
        "s2": rng.uniform(0.3, 2.5),
        "a1": rng.normal(),
        "a2": rng.normal(),
        "c11": cov[0, 0],
        "c12": cov[0, 1],
        "c22": cov[1, 1],
        "w1": rng.normal(),
        "w2": rng.normal(),
        "d1": rng.uniform(0.3, 2),
        "d2": rng.uniform(0.3, 2),
    }


def _law(spec: str, v: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a spec of this file, computed here."""
    if spec == DIAG:
        return np.array([v["m1"], v["m2"]]), np.diag([v["s1"] ** 2, v["s2"] ** 2])
    if spec == MVN:
        cov = np.array([[v["c11"], v["c12"]], [v["c12"], v["c22"]]])
        return np.array([v["a1"], v["a2"]]), cov
    w = np.array([[v["w1"]], [v["w2"]]])
    return np.array([v["a1"], v["a2"]]), w @ w.T + np.diag([v["d1"], v["d2"]])


@pytest.mark.parametrize("pair", list(PAIRS))
@pytest.mark.slow
def test_mixed_pair_matches_quadrature_and_the_formula(pair: str) -> None:
    p, q = PAIRS[pair]
    derivation = kl_derive.derive(p, q)
    assert all(step.verified for step in derivation.steps)
    assert derivation.stages[0].key == "diagonal_as_mvn"
    symbols = {str(s): s for s in derivation.result.free_symbols}
    rng = np.random.default_rng(sum(map(ord, pair)))
    for trial in range(4):
        values = _random_values(rng)
        got = float(derivation.result.xreplace({symbols[k]: values[k] for k in symbols}))
        (m1, c1), (m2, c2) = _law(p, values), _law(q, values)
        assert got == pytest.approx(_formula(m1, c1, m2, c2), rel=1e-9, abs=1e-12)
        if trial == 0:
            assert got == pytest.approx(_quadrature(m1, c1, m2, c2), rel=1e-6, abs=1e-8)


def test_numbers_and_expressions() -> None:
    d = kl_derive.derive(
        "diag_normal([1, 2], [3, 4])", "multivariate_normal([0, 0], [[2, 1], [1, 2]])"
    )
    expected = _formula(
        np.array([1.0, 2.0]), np.diag([9.0, 16.0]), np.zeros(2), np.array([[2.0, 1], [1, 2]])
    )
    assert float(d.result) == pytest.approx(expected, rel=1e-12)
    # a vector given by name is written out in the other law's dimension; exp(logvar/2)
    e = kl_derive.derive(
        "diag_normal(mu, exp(logvar/2))", "multivariate_normal([0, 0], [[2, 1], [1, 2]])"
    )
    names = {str(s): s for s in e.result.free_symbols}
    assert set(names) == {"mu_1", "mu_2", "logvar_1", "logvar_2"}
    values = {"mu_1": 0.3, "mu_2": -1.1, "logvar_1": 0.4, "logvar_2": -0.7}
    got = float(e.result.xreplace({names[k]: v for k, v in values.items()}))
    cov1 = np.diag(np.exp([values["logvar_1"], values["logvar_2"]]))
    loc1 = np.array([values["mu_1"], values["mu_2"]])
    reference = _formula(loc1, cov1, np.zeros(2), np.array([[2.0, 1], [1, 2]]))
    assert got == pytest.approx(reference, rel=1e-12)


def test_standard_diagonal_law_against_a_named_covariance() -> None:
    # diag_normal(0, 1) is N(0, I) in any dimension: the same result as the full form
    for p, q in (
        ("diag_normal(0, 1)", "multivariate_normal(mu, Sigma)"),
        ("multivariate_normal(mu, Sigma)", "diag_normal(0, 1)"),
    ):
        mixed = kl_derive.derive(p, q)
        full = kl_derive.derive(*(s.replace("diag_normal", "multivariate_normal") for s in (p, q)))
        assert all(step.verified for step in mixed.steps)
        assert mixed.result == full.result


def test_named_vectors_on_both_sides_need_a_dimension() -> None:
    with pytest.raises(KLDeriveError, match="needs the dimension"):
        kl_derive.derive("diag_normal(mu, sigma)", "multivariate_normal(mu, Sigma)")


def test_a_list_is_not_confused_with_a_named_matrix() -> None:
    # the list's covariance and the user's Sigma must not print alike (Sigma vs Sigma_1)
    d = kl_derive.derive(DIAG, "multivariate_normal(mu, Sigma)")
    latex = d.to_latex()
    assert r"\Sigma_{1}" in latex and r"\mu_{1}" in latex
    assert r"\operatorname{tr}\left(\Sigma^{-1} \Sigma\right)" not in latex


def test_independent_is_diag_normal() -> None:
    for wrapped in (
        "independent(normal(mu, sigma), 1)",
        "Independent(Normal(mu, sigma), reinterpreted_batch_ndims=1)",
    ):
        assert kl_derive.derive(wrapped).result == kl_derive.derive("diag_normal(mu, sigma)").result
    mixed = kl_derive.derive("independent(normal([m1, m2], [s1, s2]), 1)", MVN)
    assert mixed.result == kl_derive.derive(DIAG, MVN).result


def test_independent_reads_every_spelling_of_normal() -> None:
    """The spellings independent(...) accepts are the normal family's name and aliases."""
    from kl_derive.families import ALIASES
    from kl_derive.independent import PRODUCTS

    spellings = {"normal", *(k for k, v in ALIASES.items() if v == "normal")}
    assert set(PRODUCTS) == spellings


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("independent(normal(mu, sigma), 2)", "only reinterpreted_batch_ndims = 1"),
        ("independent(normal(mu, sigma), 1.0)", "only reinterpreted_batch_ndims = 1"),
        ("independent(normal(mu, sigma))", "cannot read"),
        ("independent(normal(mu, sigma), 1, 2)", "cannot read"),
        ("independent(normal(mu, sigma), 1, foo=2)", "cannot read"),
        ("independent(bernoulli(p), 1)", "normal laws only"),
        ("independent(1, 1)", "cannot read"),
        ("independent(nrmal(mu, sigma), 1)", "did you mean 'normal'"),
    ],
)
def test_independent_bad_input(spec: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message):
        kl_derive.derive(spec)
    done = run_module([spec])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_exchange_hint_of_a_low_rank_law_is_its_spec() -> None:
    text = kl_derive.derive(LOW, DIAG).to_text()
    assert 'kl-derive "diag_normal([m1, m2], [s1, s2])"' in text
    assert "[[w1], [w2]], [d1, d2])" in " ".join(text.split())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path) -> None:
    d = kl_derive.derive(DIAG, MVN)
    from kl_derive.render import FORMATS

    for fmt in FORMATS:
        out = d.render(fmt, lang)
        assert out.strip() and "{" + "lhs}" not in out
    heading = {"en": "The diagonal law as a multivariate normal", "ko": "대각 정규분포"}[lang]
    assert heading in d.to_markdown(lang)
    katex_blocks([d, kl_derive.derive(LOW, DIAG)], lang)
    compile_fragments(
        tmp_path, [d.to_latex(lang), kl_derive.derive(MVN, DIAG).to_latex(lang)], lang
    )


def test_code_for_a_diagonal_law_is_the_multivariate_one() -> None:
    from kl_derive.codegen.convenience import code_for

    for p, q, which in ((DIAG, "mvn", "P"), ("mvn", "independent(normal(mu, s), 1)", "Q")):
        source = code_for(p, q, framework="numpy")
        assert source.startswith(f"# {which} is a diagonal Gaussian")
        namespace: dict = {}
        exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
        m1, c1 = np.array([0.2, -0.4]), np.diag([0.5, 2.0])
        m2, c2 = np.array([1.0, 0.3]), np.array([[2.0, 0.4], [0.4, 1.0]])
        if which == "Q":
            (m1, c1), (m2, c2) = (m2, c2), (m1, c1)
        got = namespace["mvn_kl_divergence"](m1, c1, m2, c2)
        assert got == pytest.approx(_formula(m1, c1, m2, c2), rel=1e-10)
