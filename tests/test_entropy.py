"""Entropy and cross-entropy (``kl-derive entropy`` / ``cross-entropy``) against SciPy.

Each derivation is made once (every step must verify, or it raises); its closed form is
evaluated at parameters drawn by Hypothesis and compared with SciPy's ``entropy()`` and
with a quadrature (or sum) of -E_P[log q] over SciPy's densities. The cross-entropy must
also equal the entropy plus the KL divergence derived by :func:`kl_derive.derive`.
"""

from __future__ import annotations

import math
import subprocess
from functools import cache
from itertools import pairwise

import pytest
from catalog_reference import REFERENCE
from conftest import ARTIFACTS, console_script, run_module, run_pdflatex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import integrate
from sympy import Piecewise, oo

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.strategies import CATALOG_FAMILIES

#: families whose entropy has no closed form: E[log k!] (or a log binomial coefficient)
#: under the law is an infinite series with no closed form
NO_CLOSED_FORM = {
    "poisson": "E[log k!] has no closed form",
    "binomial": "E[log C(n, k)] has no closed form",
    "negative_binomial": "E[log C(k + r - 1, k)] has no closed form",
    "logit_normal": "E[log z] and E[log(1 - z)] have no closed form",
}
MUST_WORK = {"normal", "exponential", "gamma", "uniform", "laplace", "beta", "pareto"}

ENTROPY_FAMILIES = [
    pytest.param(
        name,
        marks=pytest.mark.skip(reason=NO_CLOSED_FORM[name]) if name in NO_CLOSED_FORM else (),
    )
    for name in CATALOG_FAMILIES
    if name in REFERENCE
]

#: (P, Q): finite, finite, piecewise (uniforms), and always infinite (mass below x_m)
CROSS_PAIRS = [
    ("normal", "laplace"),
    ("gamma", "exponential"),
    ("beta", "beta"),
    ("laplace", "normal"),
    ("uniform", "uniform"),
    ("exponential", "pareto"),
]


@cache
def _entropy(name: str):
    return kl_derive.entropy(name)


@cache
def _cross(p: str, q: str):
    return kl_derive.cross_entropy(p, q)


@cache
def _kl(p: str, q: str):
    return kl_derive.derive(p, q)


def _values(draw, distribution) -> dict:
    """Random valid values for the distribution's symbols (conditions such as
    low < high are met by sorting or by shifting)."""
    values: dict = {}
    for parameter, symbol in zip(distribution.family.parameters, distribution.args, strict=True):
        if symbol.is_number or symbol in values:
            continue
        if parameter.domain == "positive":
            values[symbol] = draw(st.floats(0.5, 3.0))
        elif parameter.domain == "unit":
            values[symbol] = draw(st.floats(0.05, 0.95))
        elif parameter.domain == "count":
            values[symbol] = draw(st.integers(1, 8))
        else:
            values[symbol] = draw(st.floats(-2.0, 2.0))
    for condition in distribution.family.conditions(distribution.args):
        ends = (getattr(condition, "lts", None), getattr(condition, "gts", None))
        if all(end in values for end in ends) and condition.free_symbols == set(ends):
            # low < high: an interval at least 0.5 wide (a 1e-32-wide one is below what a
            # double-precision reference such as scipy's truncnorm can integrate)
            low, high = ends
            if values[high] - values[low] < 0.5:
                values[high] = values[low] + draw(st.floats(0.5, 3.0))
            continue
        if bool(condition.xreplace(values)):
            continue
        if len(distribution.args) == 2 and condition.free_symbols == set(distribution.args):
            low, high = distribution.args  # low < high: widen the upper end
            values[high] = values[low] + draw(st.floats(0.5, 3.0))
        else:  # a point the family excludes (a continuous Bernoulli's 1/2)
            assume(False)
    return values


def _numbers(distribution, values: dict) -> tuple[float, ...]:
    return tuple(float(a.xreplace(values)) for a in distribution.args)


def _value(result, values: dict) -> float:
    substituted = result.xreplace(values)
    if isinstance(substituted, Piecewise):
        substituted = substituted.doit()
    if substituted == oo:
        return math.inf
    return float(substituted.evalf(30))


def _minus_expected_log(law, other) -> float:
    """-E_law[log other] by quadrature (split at the law's quartiles and the other's
    location, where a Laplace density has its kink); 0 log 0 counts as 0."""

    def integrand(x: float) -> float:
        density = law.pdf(x)
        return 0.0 if density == 0 else -density * other.logpdf(x)

    lower, upper = law.support()
    inner = sorted({*law.ppf([0.25, 0.5, 0.75]), float(other.mean())})
    inner = [x for x in inner if lower < x < upper]
    edges = [lower, *inner, upper]
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-12, epsrel=1e-10, limit=200)[0]
        for a, b in pairwise(edges)
    )


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7)


@pytest.mark.parametrize("name", ENTROPY_FAMILIES)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_entropy_matches_scipy(name: str, data) -> None:
    d = _entropy(name)
    assert d.quantity == "entropy" and all(s.check for s in d.steps)
    values = _values(data.draw, d.p)
    expected = float(REFERENCE[name](*_numbers(d.p, values)).entropy())
    assert _close(_value(d.result, values), expected), (d.result, values, expected)


def test_every_family_without_a_closed_form_says_why() -> None:
    assert set(CATALOG_FAMILIES) >= MUST_WORK
    for name in NO_CLOSED_FORM:
        if name in CATALOG_FAMILIES:
            with pytest.raises(KLDeriveError, match="entropy has no closed form"):
                kl_derive.entropy(name)


def test_normal_entropy_reads_as_a_textbook() -> None:
    d = _entropy("normal")
    assert str(d.result_display) == "log(2*pi*sigma**2)/2 + 1/2"
    result = d.to_latex().split("\\paragraph{Result.}")[1]
    assert "= \\frac{1}{2} \\log(2\\pi \\sigma^{2}) + \\frac{1}{2}" in result


@pytest.mark.parametrize(("p", "q"), CROSS_PAIRS, ids=[f"{p}-{q}" for p, q in CROSS_PAIRS])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cross_entropy_is_entropy_plus_kl_and_a_quadrature(p: str, q: str, data) -> None:
    cross, kl = _cross(p, q), _kl(p, q)
    assert cross.quantity == "cross_entropy" and all(s.check for s in cross.steps)
    assert (cross.p.args, cross.q.args) == (kl.p.args, kl.q.args)
    values = _values(data.draw, cross.p) | _values(data.draw, cross.q)
    first, second = _numbers(cross.p, values), _numbers(cross.q, values)
    value = _value(cross.result, values)
    entropy = _entropy(p)
    own = dict(zip(entropy.p.args, first, strict=True))
    assert _close(value, _value(entropy.result, own) + _value(kl.result, values))
    law, other = REFERENCE[p](*first), REFERENCE[q](*second)
    lower, upper = law.support()
    outside = other.support()[0] > lower or other.support()[1] < upper
    if outside:
        assert value == math.inf
    else:
        assert _close(value, _minus_expected_log(law, other))


def test_cross_entropy_with_itself_is_the_entropy() -> None:
    d = kl_derive.cross_entropy("gamma(a, b)", "gamma(a, b)")
    e = kl_derive.entropy("gamma(a, b)")
    assert (d.result - e.result).simplify() == 0


def test_cross_entropy_mass_function_and_density_is_an_error() -> None:
    with pytest.raises(KLDeriveError):
        kl_derive.cross_entropy("bernoulli", "normal")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("which", ["entropy-gamma", "cross-normal-laplace", "cross-exp-pareto"])
def test_renders_in_every_language(which: str, lang: str) -> None:
    d = {
        "entropy-gamma": lambda: _entropy("gamma"),
        "cross-normal-laplace": lambda: _cross("normal", "laplace"),
        "cross-exp-pareto": lambda: _cross("exponential", "pareto"),
    }[which]()
    latex, markdown = d.to_latex(lang), d.to_markdown(lang)
    for text in (latex, markdown, d.to_text(lang)):
        assert text.strip() and "{lhs}" not in text
    assert "\\mathrm{H}(" in latex and "D_{\\mathrm{KL}}" not in latex
    title = {"en": ("Entropy of", "Cross-entropy of"), "ko": ("엔트로피", "교차 엔트로피")}[lang]
    assert title[0 if which.startswith("entropy") else 1] in markdown


def test_title_and_command() -> None:
    assert _entropy("gamma").title == "H(gamma(alpha, beta))"
    assert "kl-derive entropy" in _entropy("gamma").to_latex()
    assert _cross("normal", "laplace").title.startswith("H(normal(")


def test_cli_entropy_compiles_with_pdflatex(tmp_path) -> None:
    done = run_module(["entropy", "gamma", "--to", "latex", "--standalone", "--lang", "ko"])
    assert done.returncode == 0, done.stderr
    fragment = run_module(["entropy", "gamma", "--to", "latex"])
    assert fragment.returncode == 0, fragment.stderr
    assert fragment.stdout == kl_derive.entropy("gamma").to_latex()
    main = (
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        "\\input{entropy}\n\\end{document}\n"
    )
    (tmp_path / "entropy.tex").write_text(fragment.stdout, encoding="utf-8")
    (tmp_path / "main.tex").write_text(main, encoding="utf-8")
    (tmp_path / "standalone.tex").write_text(done.stdout, encoding="utf-8")
    for name in ("main.tex", "standalone.tex"):
        compiled, log = run_pdflatex(tmp_path, name)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"entropy-{name[:-4]}.log").write_text(log, encoding="utf-8")
        assert compiled.returncode == 0, log[-2000:]


def test_cli_cross_entropy_and_bad_input() -> None:
    done = subprocess.run(
        [console_script(), "cross-entropy", "normal", "laplace(0, 1)", "--to", "markdown"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Cross-entropy" in done.stdout
    for args in (["entropy", "nosuch"], ["cross-entropy", "normal", "bernoulli"]):
        bad = run_module(args)
        assert bad.returncode == 2, bad.stderr
        assert bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert "Traceback" not in bad.stderr
