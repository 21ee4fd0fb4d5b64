"""The Jensen–Shannon, total variation and Wasserstein derivations added beside the
α-family render: every format in English and Korean (no placeholder left, JSON with the
result's SymPy text), pdflatex with no overfull box in one and two columns, KaTeX strict."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from conftest import katex_blocks, run_pdflatex

import kl_derive
from kl_derive.cli_options import FORMATS

CASES = [
    ("jensen-shannon", "bernoulli", "bernoulli"),
    ("jensen-shannon", "categorical([a, b, 1 - a - b])", "categorical([1/2, 1/4, 1/4])"),
    ("jensen-shannon", "normal(0, 1)", "normal(1, 2)"),
    ("jensen-shannon", "exponential", "exponential"),
    ("total-variation", "normal(0, 1)", "normal(1, 2)"),
    ("total-variation", "normal(m, s)", "normal(0, s)"),
    ("total-variation", "exponential", "exponential"),
    ("total-variation", "categorical([a, 1 - a])", "categorical([b, 1 - b])"),
    ("total-variation", "uniform(a, b)", "uniform(c, d)"),
    ("total-variation", "uniform(0, 1)", "uniform(1/2, 2)"),
    ("wasserstein", "gumbel", "gumbel"),
    ("wasserstein", "uniform(a_1, b_1)", "uniform(a_2, b_2)"),
    ("wasserstein", "diag_normal(mu, sigma)", "diag_normal(m, s)"),
    ("wasserstein", "diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])"),
    (
        "wasserstein",
        "multivariate_normal([0, 1], [[2, 1], [1, 2]])",
        "multivariate_normal([1, 0], [[1, 0], [0, 3]])",
    ),
    ("wasserstein", "multivariate_normal(mu, Sigma)", "multivariate_normal(0, 1)"),
    ("wasserstein", "multivariate_normal(mu, Sigma)", "multivariate_normal(m, S)"),
    (
        # two 3 x 3 matrices in the laws: the divergence breaks between them in a column
        "wasserstein",
        "multivariate_normal([0, 0, 1], [[3, 1, 1], [1, 3, 1], [1, 1, 3]])",
        "multivariate_normal([1, 0, 0], [[2, 1, 0], [1, 2, 0], [0, 0, 1]])",
    ),
]


@cache
def _derived(name: str, p: str, q: str):
    return kl_derive.divergence(name, p, q)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
@pytest.mark.slow
def test_every_format(case, lang: str) -> None:
    d = _derived(*case)
    for fmt in FORMATS:
        text = d.render(fmt, lang)
        assert text.strip(), fmt
    assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))  # every placeholder filled
    data = json.loads(d.render("json", lang))
    assert data["result"]["sympy"] and all(step["verified"] for step in data["steps"])


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("page", ["onecolumn", "twocolumn"])
@pytest.mark.slow
def test_latex_has_no_overfull_box(tmp_path, lang: str, page: str) -> None:
    for i, case in enumerate(CASES):
        d = _derived(*case)
        name = f"d{i}.tex"
        (tmp_path / name).write_text(d.to_latex(lang, standalone=True, page=page), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, name)
        assert done.returncode == 0, (case, log[-2000:])
        assert "Overfull" not in log, (case, re.findall(r"Overfull.*", log)[:3])


def test_a_wide_divergence_breaks_between_its_laws() -> None:
    """Laws written with matrices: the line breaks after the comma between them (or before
    ``\\parallel``), each line keeping one half of the growing brackets."""
    d = _derived(*CASES[-1])
    latex = d.to_latex("en", page="twocolumn")
    result = latex[latex.index("Putting the steps together") :]
    first, second = (line.strip() for line in result.splitlines()[2:4])
    assert first.startswith(r"&W_{2}^{2}\left(\mathcal{N}(") and first.endswith(r"\right., \\")
    assert second.startswith(r"&\qquad \left.\mathcal{N}(") and second.endswith(r"\right) \\")
    one_line = d.to_latex("en", page="onecolumn")
    assert r"\right., \left.\mathcal{N}" in one_line  # room enough: one line


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_katex_strict(lang: str) -> None:
    katex_blocks([_derived(*case) for case in CASES], lang)


@pytest.mark.slow
def test_general_normal_pair_renders_in_every_format() -> None:
    d = _derived("total-variation", "normal", "normal")
    for fmt in FORMATS:
        assert d.render(fmt, "en").strip(), fmt
    assert "z₊" in d.to_text() and "z±" in d.to_text()


@pytest.mark.slow
def test_general_normal_pair_fits_the_page(tmp_path) -> None:
    d = _derived("total-variation", "normal", "normal")
    (tmp_path / "g.tex").write_text(d.to_latex("en", standalone=True), encoding="utf-8")
    done, log = run_pdflatex(tmp_path, "g.tex")
    assert done.returncode == 0 and "Overfull" not in log
