"""``--to text``: a derivation readable in a terminal, with Unicode mathematics.

No LaTeX may be left (no backslash, no brace), the closing formula must read as a person
writes it, prose must fit 78 columns (Korean characters count two), and the Unicode
printer must keep the order in which a display was built.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, one_line_error, run_module
from sympy import (
    Abs,
    Add,
    Integral,
    Mul,
    Piecewise,
    Rational,
    Sum,
    Symbol,
    beta,
    digamma,
    exp,
    factorial,
    gamma,
    log,
    loggamma,
    oo,
    sqrt,
)

from kl_derive import derive
from kl_derive.printing.unicode import UnicodePrinter, latex_to_unicode, text_width
from kl_derive.steps.rules import RULES

CASES = [
    ("normal", None, None),
    ("normal(mu1, sigma1)", "normal(mu2, sigma2)", None),
    ("normal", None, "logvar"),
    ("normal(m, exp(s))", None, None),
    ("diag_normal", None, None),
    ("diag_normal([m1, m2], [s1, s2])", "diag_normal([a1, a2], [b1, b2])", None),
    ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)", None),
    ("multivariate_normal([m1, m2], [[s11, s12], [s12, s22]])", None, None),
]

NORMAL_RESULT = "D_KL(𝒩(μ, σ²) ‖ 𝒩(0, 1)) = ½(μ² + σ² − log σ² − 1)"


@pytest.fixture(scope="module")
def texts() -> dict[tuple[str, str], str]:
    out = {}
    for p, q, param in CASES:
        d = derive(p, q, param=param)
        for lang in ("en", "ko"):
            out[(f"{p} | {q} | {param}", lang)] = d.to_text(lang)
    return out


def test_no_latex_is_left(texts: dict[tuple[str, str], str]) -> None:
    for key, text in texts.items():
        assert "\\" not in text, (key, [line for line in text.splitlines() if "\\" in line][:3])
        assert "{" not in text and "}" not in text, key
        assert "\x00" not in text, key  # the glue that keeps formulas on one line
        assert "D_KL(" in text and "=" in text, key


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_normal_ends_in_the_unicode_result(lang: str) -> None:
    text = derive("normal").to_text(lang)
    result_line = next(line for line in text.splitlines() if line.strip().startswith("D_KL(𝒩"))
    assert result_line.strip() == NORMAL_RESULT
    # every stage heading is there, in order
    headings = [line for line in text.splitlines() if set(line) == {"-"}]
    assert len(headings) == 7  # six stages and the result
    assert "𝔼[z²]" in text and "μ² + σ²" in text and "∫ q(z | x)" in text


def test_prose_fits_the_terminal(texts: dict[tuple[str, str], str]) -> None:
    for key, text in texts.items():
        for line in text.splitlines():
            if line.startswith("    "):  # a display: formulas are not wrapped as prose
                continue
            if line.startswith('kl-derive "'):  # a command is never broken
                continue
            assert text_width(line) <= 78, (key, line)


def test_long_right_hand_sides_are_broken() -> None:
    text = derive("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)").to_text()
    displays = [line for line in text.splitlines() if line.startswith("    ")]
    assert max(text_width(line) for line in displays) <= 90
    assert any(line.startswith("        ") for line in displays)  # a continuation line


def test_korean_text_is_korean() -> None:
    text = derive("normal").to_text("ko")
    assert "1단계" in text and NORMAL_RESULT in text
    assert "Step 1" not in text


def test_cli_text_is_the_api_text() -> None:
    done = run_module(["normal", "--to", "text", "--lang", "ko"], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == derive("normal").to_text("ko")


def test_repr_pretty_is_the_text() -> None:
    pretty = pytest.importorskip("IPython.lib.pretty")
    d = derive("normal")
    assert pretty.pretty(d) == d.to_text()


# -- the printer -------------------------------------------------------------

x, y, n, j, d = (Symbol(s) for s in ("x", "y", "n", "j", "d"))
mu, sigma = Symbol("mu"), Symbol("sigma", positive=True)
P = UnicodePrinter()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            Mul(
                Rational(1, 2),
                Add(mu**2, sigma**2, -log(sigma**2), -1, evaluate=False),
                evaluate=False,
            ),
            None,
        ),
        (Add(y, x, evaluate=False), "y + x"),  # the order it was built in
        (Add(sigma**2, -mu, evaluate=False), "σ² − μ"),
        (digamma(x), "ψ(x)"),
        (loggamma(x), "log Γ(x)"),
        (gamma(x), "Γ(x)"),
        (beta(x, y), "B(x, y)"),
        (Abs(x), "|x|"),
        (factorial(n), "n!"),
        (sqrt(Add(x, 1, evaluate=False)), "√(x + 1)"),
        (Symbol("mu1") ** -1, "1/μ₁"),
        (Piecewise((x, x > 0), (0, True)), "{ x if x > 0; 0 otherwise }"),
        (Sum(Symbol("a") ** 2, (j, 1, d)), "Σⱼ₌₁ᵈ a²"),
        (Integral(x, (x, 0, 1)), "∫₀¹ x dx"),
        (Integral(x * y, (x, -oo, oo)), "∫ xy dx"),
        # an exponent starting with a digit is bracketed: e^2x would read e² x
        (exp(2 * x), "e^(2x)"),
        (exp(x * y), "e^xy"),
        (exp(3), "e³"),
    ],
)
def test_unicode_printer(expr, expected: str | None) -> None:
    text = P.doprint(expr)
    if expected is None:
        expected = "½(μ² + σ² − log σ² − 1)"
    assert text == expected


def test_latex_exponents_in_text() -> None:
    assert latex_to_unicode(r"\mathcal{N}(m, e^{2s})") == "𝒩(m, e^(2s))"
    assert latex_to_unicode(r"e^{2} + e^{t}") == "e² + eᵗ"
    # text already written out is left as it is when it passes through once more
    assert latex_to_unicode(latex_to_unicode(r"e^{2s}")) == "e^(2s)"
    assert "e^(2s)" in derive("normal(m, exp(s))", "normal(n, exp(t))").to_text()


def test_every_rule_identity_reads_without_latex() -> None:
    for rule in RULES.values():
        if rule.identity:
            text = latex_to_unicode(rule.identity)
            assert "\\" not in text and "{" not in text, (rule.id, text)
    assert latex_to_unicode(r"\log (1/a) = -\log a") == "log (1/a) = −log a"
    assert latex_to_unicode(r"\tfrac{1}{2} \log a^{2}") == "½ log a²"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["normal", "--to", "text", "--highlight"], "--highlight applies to"),
        (["normal", "--to", "json", "--detail", "brief"], "--detail applies to"),
        (["normal", "--detail", "breif"], "did you mean 'brief'"),
        (["normal", "--align", "right"], "unknown alignment 'right'"),
        (["normal", "--to", "beamer", "--detail", "full"], "--detail full does not apply"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], fragment: str) -> None:
    one_line_error(run_module(args, cwd=ROOT), fragment)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_sample_fits_78_columns_without_latex(lang: str) -> None:
    """Every line of the catalog sample, displays included, fits the 78-column measure,
    and no LaTeX command is left (the Dirichlet pair's Bregman identity had
    ``langle … rangle``)."""
    import re

    from sample_catalog import SAMPLE, derivation

    for key in SAMPLE:
        text = derivation(key).to_text(lang)
        wide = [line for line in text.splitlines() if text_width(line) > 78]
        assert not wide, (key, wide[:3])
        assert "\\" not in text and not re.search(r"\b[lr]angle\b|\^\(\)", text), key
    bregman = derivation("dirichlet").to_text(lang)
    assert "⟨ηₚ − η_q, 𝔼_q[T]⟩" in bregman.replace("⟨ ", "⟨").replace(" ⟩", "⟩")


def test_a_long_formula_breaks_before_an_outer_operator() -> None:
    from kl_derive.render.text import break_formula

    formula = "(a + b)(c + d) + " + " + ".join(f"x{i}" for i in range(30))
    lines = break_formula(formula, 30)
    assert all(text_width(line) <= 30 for line in lines)
    assert all(line.startswith("+ ") for line in lines[1:])
    assert " ".join(lines) == formula
    # a word wider than the measure stays whole
    assert break_formula("x" * 40, 30) == ["x" * 40]


def test_log_ratios_are_fractions_of_the_densities() -> None:
    """log(q/p) with both densities substituted is the fraction q/p, not p's factors
    inverted one by one (log(1/(b₁ − a₁) (b₂ − a₂)))."""
    uniform = derive("uniform", "uniform")
    # the supports may differ: p is written with its support (zero outside it)
    text = uniform.to_text()
    assert "log((1/(b₁ − a₁))/{ 1/(b₂ − a₂) if a₂ < z < b₂; 0 otherwise })" in text
    latex = uniform.to_latex()
    assert r"\log \frac{1/(b_{1} - a_{1})}{\begin{cases} 1/(b_{2} - a_{2})" in latex
    assert r"\left(b_{2} - a_{2}\right)\right)" not in latex
    gamma = derive("gamma", "gamma").to_text()
    assert "/(β₂^α₂/Γ(α₂)" in gamma and "β₂^(−α₂)" not in gamma
