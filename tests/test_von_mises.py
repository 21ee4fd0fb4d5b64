"""The von Mises family: KL, entropy and cross-entropy against quadrature, rendered.

The closed forms are evaluated at parameters drawn by Hypothesis (locations beyond
:math:`\\pm\\pi` too: the law is :math:`2\\pi`-periodic in ``loc``) and compared with
tanh-sinh quadrature over :math:`[-\\pi, \\pi]` of the densities in ``catalog_reference``
(NumPy's ``i0``, not SymPy's ``besseli``), and with the textbook formula written with
SciPy's Bessel functions. Every derivation is rendered to Markdown (KaTeX, strict) and
LaTeX (pdflatex), in English and Korean.
"""

from __future__ import annotations

import math
from functools import cache

import mpmath
import pytest
from catalog_reference import REFERENCE, numeric_kl
from conftest import compile_fragments, katex_blocks, run_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special
from sympy import Symbol, besseli, cos, pi, sin

import kl_derive
from kl_derive.families import get_family
from kl_derive.printing.latex import latex
from kl_derive.printing.unicode import unicode
from kl_derive.strategies import PAIRS, catalog_pairs

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
locations = st.integers(-200, 200).map(lambda i: i / 32)  # about [-6.25, 6.25]
concentrations = st.integers(2, 256).map(lambda i: i / 32)  # (0, 8]


@cache
def _kl(p: str = "von_mises", q: str = "von_mises"):
    return kl_derive.derive(p, q)


@cache
def _entropy():
    return kl_derive.entropy("von_mises")


@cache
def _cross_entropy():
    return kl_derive.cross_entropy("von_mises", "von_mises")


def _value(result, values: dict) -> float:
    return float(result.xreplace(values).evalf(30))


def _symbols(derivation) -> dict[str, Symbol]:
    return {str(s): s for s in derivation.result.free_symbols}


def _textbook_kl(mu1: float, k1: float, mu2: float, k2: float) -> float:
    """log I0(k2) - log I0(k1) + A(k1) (k1 - k2 cos(mu1 - mu2)), with SciPy's Bessels
    (scaled ones, so that the ratio stays exact for a large concentration)."""
    ratio = special.i1e(k1) / special.i0e(k1)
    log_i0 = lambda k: math.log(special.i0e(k)) + k  # noqa: E731
    return log_i0(k2) - log_i0(k1) + ratio * (k1 - k2 * math.cos(mu1 - mu2))


def _quadrature(f) -> float:
    return float(mpmath.quad(f, [-mpmath.pi, 0, mpmath.pi]))


# ---------------------------------------------------------------------------
# the closed forms against quadrature
# ---------------------------------------------------------------------------


@SETTINGS
@given(mu1=locations, k1=concentrations, mu2=locations, k2=concentrations)
def test_kl_matches_quadrature_and_the_textbook_formula(mu1, k1, mu2, k2) -> None:
    derivation = _kl()
    s = _symbols(derivation)
    values = {s["mu_1"]: mu1, s["kappa_1"]: k1, s["mu_2"]: mu2, s["kappa_2"]: k2}
    derived = _value(derivation.result, values)
    expected = numeric_kl("von_mises", (mu1, k1), "von_mises", (mu2, k2))
    assert derived == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert derived == pytest.approx(_textbook_kl(mu1, k1, mu2, k2), rel=1e-9, abs=1e-12)


def test_kl_is_zero_between_a_law_and_itself_shifted_by_a_full_turn() -> None:
    derivation = kl_derive.derive("von_mises(1/2, 3)", "von_mises(1/2 + 2*pi, 3)")
    assert abs(float(derivation.result.evalf(30))) < 1e-25


@SETTINGS
@given(mu=locations, k=concentrations)
def test_entropy_matches_quadrature(mu, k) -> None:
    derivation = _entropy()
    s = _symbols(derivation)
    derived = _value(derivation.result, {s["kappa"]: k, **({s["mu"]: mu} if "mu" in s else {})})
    law = REFERENCE["von_mises"](mu, k)
    assert derived == pytest.approx(law.entropy(), rel=1e-8, abs=1e-10)
    ratio = special.i1e(k) / special.i0e(k)
    textbook = math.log(2 * math.pi * special.i0e(k)) + k - k * ratio  # log(2 pi I0) - k A
    assert derived == pytest.approx(textbook, rel=1e-9, abs=1e-12)


@SETTINGS
@given(mu1=locations, k1=concentrations, mu2=locations, k2=concentrations)
def test_cross_entropy_matches_quadrature(mu1, k1, mu2, k2) -> None:
    derivation = _cross_entropy()
    s = _symbols(derivation)
    values = {s["mu_1"]: mu1, s["kappa_1"]: k1, s["mu_2"]: mu2, s["kappa_2"]: k2}
    p, q = REFERENCE["von_mises"](mu1, k1), REFERENCE["von_mises"](mu2, k2)
    expected = _quadrature(lambda x: -mpmath.exp(p.logpdf(float(x))) * q.logpdf(float(x)))
    assert _value(derivation.result, values) == pytest.approx(expected, rel=1e-8, abs=1e-10)


@SETTINGS
@given(mu=locations, k=concentrations)
def test_kl_to_and_from_the_circular_uniform(mu, k) -> None:
    # derived once (cached), evaluated at each example
    to_uniform = _kl("von_mises(mu, kappa)", "uniform(-pi, pi)")
    from_uniform = _kl("uniform(-pi, pi)", "von_mises(mu, kappa)")
    s = _symbols(to_uniform)
    values = {s["kappa"]: k}
    # kappa A(kappa) - log I0(kappa), and log I0(kappa): mu drops out of both
    assert to_uniform.result.free_symbols == {s["kappa"]}
    assert from_uniform.result.free_symbols == {s["kappa"]}
    expected = numeric_kl("von_mises", (mu, k), "uniform", (-math.pi, math.pi))
    assert _value(to_uniform.result, values) == pytest.approx(expected, rel=1e-8, abs=1e-10)
    expected = numeric_kl("uniform", (-math.pi, math.pi), "von_mises", (mu, k))
    assert _value(from_uniform.result, values) == pytest.approx(expected, rel=1e-8, abs=1e-10)


@SETTINGS
@given(
    low=st.integers(-100, 0).map(lambda i: i / 32),
    width=st.integers(1, 100).map(lambda i: i / 32),
    mu=locations,
    k=concentrations,
)
def test_kl_from_a_uniform_inside_the_circle(low, width, mu, k) -> None:
    derivation = _kl("uniform", "von_mises")
    s = _symbols(derivation)
    values = {s["a_1"]: low, s["b_1"]: low + width, s["mu_2"]: mu, s["kappa_2"]: k}
    derived = derivation.result.xreplace(values)
    expected = numeric_kl("uniform", (low, low + width), "von_mises", (mu, k))
    assert float(derived.doit().evalf(30)) == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_kl_is_infinite_where_the_supports_do_not_nest() -> None:
    assert kl_derive.derive("von_mises", "uniform(-1, pi)").result == float("inf")
    assert kl_derive.derive("uniform(-4, 0)", "von_mises").result == float("inf")


# ---------------------------------------------------------------------------
# the derivation itself
# ---------------------------------------------------------------------------


def test_every_step_is_verified_and_the_cosine_is_expanded() -> None:
    for derivation in (_kl(), _entropy(), _cross_entropy(), _kl("von_mises", "uniform")):
        assert derivation.steps and all(step.verified for step in derivation.steps)
    rules = [step.rule for step in _kl().steps]
    assert rules.count("trig.cos_difference") == 2  # both log densities
    reasons = [s.params.get("reason") for s in _kl().steps if s.rule == "moment.known"]
    assert reasons == ["von_mises_cos", "von_mises_sin"]


def test_the_result_reads_in_textbook_form() -> None:
    # reviewed by eye: log I0(k2) - log I0(k1) + A(k1) (k1 - k2 cos(mu1 - mu2))
    assert latex(_kl().result_display) == (
        r"\log I_{0}(\kappa_{2}) - \log I_{0}(\kappa_{1}) + \frac{I_{1}(\kappa_{1})}"
        r"{I_{0}(\kappa_{1})}\left(\kappa_{1} - \kappa_{2} \cos(\mu_{1} - \mu_{2})\right)"
    )
    assert unicode(_kl().result_display) == (
        "log I₀(κ₂) − log I₀(κ₁) + I₁(κ₁)/I₀(κ₁) · (κ₁ − κ₂ cos(μ₁ − μ₂))"
    )
    assert latex(_entropy().result_display) == (
        r"\log(2\pi I_{0}(\kappa)) - \frac{\kappa I_{1}(\kappa)}{I_{0}(\kappa)}"
    )
    to_uniform = kl_derive.derive("von_mises", "uniform(-pi, pi)")
    assert latex(to_uniform.result_display) == (
        r"\frac{\kappa I_{1}(\kappa)}{I_{0}(\kappa)} - \log I_{0}(\kappa)"
    )


def test_bessel_and_trigonometric_functions_print_as_in_a_textbook() -> None:
    kappa, mu, z = Symbol("kappa", positive=True), Symbol("mu", real=True), Symbol("z")
    assert latex(besseli(0, kappa)) == r"I_{0}(\kappa)"
    assert unicode(besseli(0, kappa)) == "I₀(κ)"
    assert latex(besseli(1, kappa) / besseli(0, kappa)) == (r"\frac{I_{1}(\kappa)}{I_{0}(\kappa)}")
    from sympy import log

    assert latex(log(besseli(0, kappa))) == r"\log I_{0}(\kappa)"
    assert unicode(log(besseli(0, kappa))) == "log I₀(κ)"
    assert latex(cos(mu)) == r"\cos \mu"
    assert unicode(sin(mu)) == "sin μ"
    assert latex(sin(mu) ** 2) == r"\sin^{2} \mu"
    assert unicode(cos(mu) ** 2) == "cos² μ"
    family = get_family("von_mises")
    assert latex(family.density(z, (mu, kappa))) == (
        r"\frac{\exp(\kappa \cos(z - \mu))}{2\pi I_{0}(\kappa)}"
    )
    assert latex(cos(2 * pi * mu)) == r"\cos(2\pi \mu)"


def test_registered_and_listed() -> None:
    assert ("von_mises", "von_mises") in PAIRS
    assert ("von_mises", "von_mises") in catalog_pairs()
    assert get_family("VonMises") is get_family("von_mises")
    assert tuple(p.name for p in get_family("von_mises").parameters) == ("loc", "concentration")
    done = run_module(["families"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("von_mises(loc, concentration)")
    listing = "\n".join(lines[start : start + 4])
    assert "support:    (-pi, pi)" in listing
    assert r"notation:   \operatorname{vM}(\mu, \kappa)" in listing


def test_cli_writes_latex_and_rejects_a_bad_concentration() -> None:
    done = run_module(["von_mises", "von_mises", "--to", "latex"])
    assert done.returncode == 0, done.stderr
    assert r"\cos(\mu_{1} - \mu_{2})" in done.stdout
    bad = run_module(["von_mises(0, -1)", "von_mises"])
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# through the real renderers: KaTeX (strict) and pdflatex, English and Korean
# ---------------------------------------------------------------------------


def _all_derivations():
    return [
        _kl(),
        _kl("von_mises", "uniform"),
        _kl("uniform", "von_mises"),
        kl_derive.derive("von_mises", "uniform(-pi, pi)"),
        kl_derive.derive("von_mises(0, 2)", "von_mises(1, 3)"),
        _entropy(),
        _cross_entropy(),
    ]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_markdown_renders_with_katex(lang: str) -> None:
    blocks = katex_blocks(_all_derivations(), lang)
    assert len(blocks) > 100
    assert any("I_{0}" in tex for tex, _ in blocks)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_latex_compiles_with_pdflatex(tmp_path, lang: str) -> None:
    compile_fragments(tmp_path, [d.to_latex(lang) for d in _all_derivations()], lang)
