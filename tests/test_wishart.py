"""Wishart laws: KL(W_p(n1, V1) || W_p(n2, V2)) derived, verified, checked and rendered.

The closed form is evaluated at random valid parameters (Hypothesis) and compared with two
independent references: the textbook formula computed with SciPy's ``multigammaln`` and
``digamma`` and NumPy's linear algebra (to 1e-9), and a Monte Carlo estimate of
E_P[log p(X) - log q(X)] from ``scipy.stats.wishart`` (to five standard errors).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from conftest import clean_env, console_script, has_latex, one_line_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import digamma, multigammaln
from scipy.stats import wishart

from kl_derive import derive
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.steps.verify import verify_step

SYMBOLIC_2 = ("wishart(n1, [[a, b], [b, c]])", "wishart(n2, [[d, e], [e, f]])")
SYMBOLIC_3 = (
    "wishart(n1, [[a, b, g], [b, c, h], [g, h, k]])",
    "wishart(n2, [[r, s, t], [s, u, v], [t, v, w]])",
)
NUMERIC = [
    ("wishart(5, [[2, 1], [1, 2]])", "wishart(4, [[1, 0], [0, 3]])"),
    ("wishart(3, [[1, 0], [0, 1]])", "wishart(7, [[2, -1], [-1, 3]])"),
    (
        "wishart(6, [[2, 1, 0], [1, 2, 1], [0, 1, 3]])",
        "wishart(4.5, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])",
    ),
]


@cache
def _derived(p: str, q: str, lang: str = "en"):
    return derive(p, q, lang=lang)


def reference_kl(n1: float, v1: np.ndarray, n2: float, v2: np.ndarray) -> float:
    """The textbook closed form, computed independently with SciPy and NumPy."""
    p = v1.shape[0]
    logdet1, logdet2 = np.linalg.slogdet(v1)[1], np.linalg.slogdet(v2)[1]
    trace = np.trace(np.linalg.solve(v2, v1))
    psi_p = sum(digamma((n1 + 1 - i) / 2) for i in range(1, p + 1))
    return float(
        n2 / 2 * (logdet2 - logdet1)
        + n1 / 2 * (trace - p)
        + multigammaln(n2 / 2, p)
        - multigammaln(n1 / 2, p)
        + (n1 - n2) / 2 * psi_p
    )


def wishart_logpdf(x: np.ndarray, n: float, v: np.ndarray) -> np.ndarray:
    """The Wishart log density at a stack of matrices ``x`` (shape (N, p, p)), written out
    from the textbook with NumPy's stacked ``slogdet`` and SciPy's ``multigammaln``:
    (n - p - 1)/2 log|X| - tr(V^-1 X)/2 - n p/2 log 2 - n/2 log|V| - log Gamma_p(n/2).
    SciPy's own ``logpdf`` factors each matrix in a Python loop (seconds for 10^5 draws);
    :func:`monte_carlo_kl` checks the two agree on the first draws."""
    p = v.shape[0]
    logdet_x = np.linalg.slogdet(x)[1]
    trace = np.einsum("ij,nji->n", np.linalg.inv(v), x)
    return (
        (n - p - 1) / 2 * logdet_x
        - trace / 2
        - n * p / 2 * np.log(2)
        - n / 2 * np.linalg.slogdet(v)[1]
        - multigammaln(n / 2, p)
    )


def monte_carlo_kl(n1, v1, n2, v2, samples: int, seed: int) -> tuple[float, float]:
    """E_P[log p(X) - log q(X)] over ``samples`` draws from P (``scipy.stats.wishart``),
    and its standard error; the log densities by :func:`wishart_logpdf`, checked against
    SciPy's ``logpdf`` on the first 64 draws."""
    draws = wishart(df=n1, scale=v1).rvs(size=samples, random_state=seed)
    head = np.moveaxis(draws[:64], 0, -1)  # SciPy's logpdf takes the matrices last
    for n, v in ((n1, v1), (n2, v2)):
        np.testing.assert_allclose(
            wishart_logpdf(draws[:64], n, v), wishart(df=n, scale=v).logpdf(head), rtol=1e-10
        )
    ratio = wishart_logpdf(draws, n1, v1) - wishart_logpdf(draws, n2, v2)
    return float(ratio.mean()), float(ratio.std(ddof=1) / np.sqrt(samples))


def _value(derivation, values: dict) -> float:
    return float(derivation.result.xreplace(values).evalf(30))


def _symbols(derivation) -> dict:
    found = {}
    for law in (derivation.p, derivation.q):
        for a in law.args:
            for s in a.free_symbols:
                found[s.name] = s
    return found


@st.composite
def spd(draw, size: int) -> np.ndarray:
    """A symmetric positive-definite matrix L L^T, entries on a grid of 1/8, well
    conditioned (the diagonal of L is at least 1/2)."""
    lower = np.zeros((size, size))
    for i in range(size):
        lower[i, i] = draw(st.integers(4, 16)) / 8
        for j in range(i):
            lower[i, j] = draw(st.integers(-8, 8)) / 8
    return lower @ lower.T


def _dof(size: int):
    """Degrees of freedom from p - 3/4 (on a grid of 1/8)."""
    return st.integers(8 * (size - 1) + 2, 8 * 14).map(lambda k: k / 8)


def _bind(derivation, n1, v1, n2, v2) -> dict:
    names = _symbols(derivation)
    values = {names["n1"]: n1, names["n2"]: n2}
    for law, matrix in ((derivation.p, v1), (derivation.q, v2)):
        scale = law.args[1]
        for i in range(scale.shape[0]):
            for j in range(scale.shape[1]):
                values[scale[i, j]] = float(matrix[i, j])
    return values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dof(2), spd(2), _dof(2), spd(2))
def test_closed_form_matches_scipy_formula_2x2(n1, v1, n2, v2) -> None:
    derivation = _derived(*SYMBOLIC_2)
    got = _value(derivation, _bind(derivation, n1, v1, n2, v2))
    expected = reference_kl(n1, v1, n2, v2)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dof(3), spd(3), _dof(3), spd(3))
def test_closed_form_matches_scipy_formula_3x3(n1, v1, n2, v2) -> None:
    derivation = _derived(*SYMBOLIC_3)
    got = _value(derivation, _bind(derivation, n1, v1, n2, v2))
    expected = reference_kl(n1, v1, n2, v2)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


#: Monte Carlo draws with df near p - 1 are numerically singular for SciPy's logpdf, so
#: the sampled laws keep df >= p + 1 (the exact comparison above goes down to p - 3/4)
MC_DOF = st.integers(24, 8 * 14).map(lambda k: k / 8)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MC_DOF, spd(2), MC_DOF, spd(2), st.integers(0, 2**31 - 1))
def test_closed_form_matches_monte_carlo(n1, v1, n2, v2, seed) -> None:
    derivation = _derived(*SYMBOLIC_2)
    got = _value(derivation, _bind(derivation, n1, v1, n2, v2))
    estimate, error = monte_carlo_kl(n1, v1, n2, v2, samples=100_000, seed=seed)
    assert abs(got - estimate) < 5 * error + 1e-12, (got, estimate, error)


@pytest.mark.parametrize(("p", "q"), NUMERIC)
def test_numeric_laws_match_monte_carlo_and_formula(p: str, q: str) -> None:
    derivation = _derived(p, q)
    (n1, m1), (n2, m2) = derivation.p.args, derivation.q.args
    v1 = np.array(m1.tolist(), dtype=float)
    v2 = np.array(m2.tolist(), dtype=float)
    got = float(derivation.result.evalf(30))
    assert got == pytest.approx(reference_kl(float(n1), v1, float(n2), v2), rel=1e-10)
    estimate, error = monte_carlo_kl(float(n1), v1, float(n2), v2, samples=100_000, seed=7)
    assert abs(got - estimate) < 5 * error, (got, estimate, error)
    # the check tells a wrong value apart: the last term with n2 in the digammas
    p = v1.shape[0]
    wrong = got - (float(n1) - float(n2)) / 2 * sum(
        digamma((float(n1) + 1 - i) / 2) - digamma((float(n2) + 1 - i) / 2) for i in range(1, p + 1)
    )
    assert abs(wrong - estimate) > 5 * error, (wrong, estimate, error)


@pytest.mark.parametrize("pair", [SYMBOLIC_2, SYMBOLIC_3, *NUMERIC])
def test_every_step_is_verified(pair) -> None:
    derivation = _derived(*pair)
    steps = derivation.steps
    assert len(steps) >= 25
    assert all(s.check == "instances" for s in steps), [s.rule for s in steps if not s.verified]
    rules = {s.rule for s in steps}
    assert {
        "bartlett.determinant",
        "moment.log_chi2",
        "multidigamma.definition",
        "expectation.trace",
        "matrix.determinant",
        "parameter.substitute",
    } <= rules


SYMBOLIC_P = [
    ("wishart(n1, V)", "wishart(n2, W)"),
    ("wishart", "wishart"),
    ("wishart(5, V)", "wishart(4.5, W)"),
]


@pytest.mark.parametrize("pair", SYMBOLIC_P)
def test_symbolic_dimension_is_verified_in_p_2_and_3(pair) -> None:
    derivation = _derived(*pair)
    assert derivation.instance_sizes == (2, 3)
    assert all(s.check == "instances" for s in derivation.steps)
    # the prose wraps at 78 columns: compare with the line breaks as spaces
    assert "instances p = 2, p = 3" in " ".join(derivation.to_text().split())
    assert has_latex(derivation.to_latex(), r"\psi_{p}\left(")
    assert has_latex(derivation.to_latex(), r"\mathcal{W}_{p}(")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([2, 3, 4]), st.data())
def test_symbolic_dimension_matches_scipy_formula(size: int, data) -> None:
    """The result in a symbolic p, at p = 2, 3 (where it was verified) and 4 (where it
    was not: the closed form holds in every size)."""
    from sympy import ImmutableMatrix, Symbol

    derivation = _derived(*SYMBOLIC_P[0])
    n1, n2 = data.draw(_dof(size)), data.draw(_dof(size))
    v1, v2 = data.draw(spd(size)), data.draw(spd(size))
    (s1, m1), (s2, m2) = derivation.p.args, derivation.q.args
    values = {
        s1: n1,
        s2: n2,
        m1: ImmutableMatrix(v1.tolist()),
        m2: ImmutableMatrix(v2.tolist()),
        Symbol("p", integer=True, positive=True): size,
    }
    got = float(derivation.result.xreplace(values).evalf(30))
    assert got == pytest.approx(reference_kl(n1, v1, n2, v2), rel=1e-9, abs=1e-9)


def test_dims_writes_the_scale_out() -> None:
    from sympy import simplify

    written = derive("wishart(n1, V)", "wishart(n2, W)", dims=2)
    explicit = _derived(
        "wishart(n1, [[V_11, V_12], [V_12, V_22]])", "wishart(n2, [[W_11, W_12], [W_12, W_22]])"
    )
    assert simplify(written.result - explicit.result) == 0
    assert all(s.check == "instances" for s in written.steps)
    with pytest.raises(KLDeriveError, match="exceed p - 1 = 2"):
        derive("wishart(2, V)", "wishart(4, W)", dims=3)


def test_a_wrong_step_is_rejected() -> None:
    """Every step of the 2x2 derivation, with 1/7 added to its right-hand side or with
    log 2 made log 3, fails verification."""
    from sympy import Integer, Rational

    from kl_derive.engine import draft_for
    from kl_derive.spec import parse_spec
    from kl_derive.symbolic.convert import bind_pair

    first, second = bind_pair(parse_spec(SYMBOLIC_2[0]), parse_spec(SYMBOLIC_2[1]))
    draft = draft_for(first, second)
    checked = 0
    for stage in draft.stages:
        for step in stage.steps:
            context = draft.contexts[step.facts]
            assert verify_step(step, context) == "instances"
            wrong = [step.after + Rational(1, 7)]
            try:
                swapped = step.after.xreplace({Integer(2): Integer(3)})
            except ValueError:  # a 2 x 2 matrix shown in the step cannot be 3 x 3
                swapped = step.after
            if swapped != step.after:
                wrong.append(swapped)
            for after in wrong:
                with pytest.raises(VerificationError):
                    verify_step(replace(step, after=after), context)
                checked += 1
    assert checked > 40


def test_result_reads_like_the_textbook() -> None:
    derivation = _derived("wishart(n1, [[a, b], [b, c]])", "wishart(n2, [[1, 0], [0, 1]])")
    latex = derivation.to_latex()
    for piece in (
        r"\mathcal{W}_{2}(n_{1}",
        r"\Gamma_{2}\left(\frac{n_{1}}{2}\right)",
        r"\psi_{2}\left(\frac{n_{1}}{2}\right)",
        r"\operatorname{tr}(V_{2}^{-1} V_{1})",
        r"\log \det V_{1}",
        r"\det \begin{pmatrix}a & b\\b & c\end{pmatrix}",
        r"\frac{n_{1}}{2}\left(a + c - 2\right)",
        r"- \frac{n_{2}}{2} \log(a c - b^{2})",
    ):
        assert has_latex(latex, piece), piece
    text = derivation.to_text()
    assert "ψ₂(n₁/2)" in text and "Γ₂(n₁/2)" in text and "𝒲₂" in text
    assert "instances p = 2" in " ".join(text.split())  # across a line break


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_renders_with_katex(lang: str) -> None:
    from conftest import katex_blocks

    pairs = (SYMBOLIC_2, NUMERIC[0], NUMERIC[2], SYMBOLIC_P[0])
    assert len(katex_blocks([_derived(*pair) for pair in pairs], lang)) > 60


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_compiles_with_pdflatex(tmp_path, lang: str) -> None:
    from conftest import compile_fragments

    pairs = (SYMBOLIC_2, SYMBOLIC_3, *NUMERIC, *SYMBOLIC_P)
    compile_fragments(tmp_path, [_derived(*pair).to_latex(lang) for pair in pairs], lang)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        timeout=300,
        check=False,
    )


def test_cli_derives_to_latex() -> None:
    done = _cli("wishart(n1, [[a, b], [b, c]])", "wishart(n2, [[1, 0], [0, 1]])", "--to", "latex")
    assert done.returncode == 0, done.stderr
    assert has_latex(done.stdout, r"\psi_{2}\left(\frac{n_{1}}{2}\right)")
    alias = _cli("Wishart(3, [[1, 0], [0, 1]])", "wishart(4, [[2, 0], [0, 2]])", "--to", "text")
    assert alias.returncode == 0, alias.stderr


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("wishart(3, [[1, 0]])", "square"),
        ("wishart(1, [[1, 0], [0, 1]])", "exceed p - 1 = 1"),
        ("wishart(2, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])", "exceed p - 1 = 2"),
        ("wishart(3, [[1, 2], [3, 4]])", "symmetric"),
        ("wishart(3, [[1, 2], [2, 1]])", "not positive definite"),
        ("wishart(-3, [[1, 0], [0, 1]])", "positive"),
        ("wishart(3, 1)", "list of rows"),
    ],
)
def test_cli_bad_input_is_one_line(spec: str, message: str) -> None:
    one_line_error(_cli(spec, "wishart(4, [[1, 0], [0, 1]])"), message)


def test_api_errors() -> None:
    with pytest.raises(KLDeriveError, match=r"no standard member .* give the second law"):
        derive("wishart(3, [[1, 0], [0, 1]])")
    with pytest.raises(KLDeriveError, match="has 2 coordinates"):
        derive("wishart(3, [[1, 0], [0, 1]])", "wishart(4, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])")
    with pytest.raises(KLDeriveError, match="both as names"):
        derive("wishart(n, V)", "wishart(4, [[1, 0], [0, 1]])")
    with pytest.raises(KLDeriveError, match="not derivable"):
        derive("wishart(3, [[1, 0], [0, 1]])", "normal(0, 1)")


def test_code_generation_is_refused_in_one_line() -> None:
    # a scale given by name (symbolic size p) has no fixed shape to write code for; a
    # scale given as a list is written out (tests/test_normal_wishart.py runs that code)
    done = _cli("code", "wishart(n1, V1)", "wishart(n2, V2)")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Wishart" in done.stderr and "Traceback" not in done.stderr


def test_listed_by_pairs_and_families() -> None:
    pairs = _cli("pairs")
    assert pairs.returncode == 0
    assert any(line.startswith("wishart || wishart") for line in pairs.stdout.splitlines())
    families = _cli("families")
    assert "wishart(df, scale_matrix)" in families.stdout
    assert r"\mathcal{W}_{p}(n, V)" in families.stdout
    assert "symmetric positive-definite matrices" in families.stdout
