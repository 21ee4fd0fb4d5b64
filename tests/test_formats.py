"""The site flavours of Markdown (GitHub, MyST, Quarto) and equation labels.

Each flavour is read back the way its site reads it and every math block is rendered
with KaTeX; labelled LaTeX is compiled with pdflatex and its labels resolved.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from test_markdown_render import render_with_katex

from kl_derive import derive


@pytest.fixture(scope="module")
def derivation():
    return derive("normal")


def _katex_ok(blocks: list[tuple[str, bool]]) -> None:
    results = render_with_katex(blocks)
    bad = [(blocks[i][0][:80], r["error"]) for i, r in enumerate(results) if not r["ok"]]
    assert not bad, bad[:3]


def test_gfm_uses_math_fences_and_backtick_dollars(derivation) -> None:
    text = derivation.render("gfm", "en")
    tokens = MarkdownIt("commonmark").parse(text)
    fences = [t.content for t in tokens if t.type == "fence" and t.info.strip() == "math"]
    inline = re.findall(r"\$`([^`]+)`\$", text)
    plain = derivation.render("markdown", "en")
    assert len(fences) == plain.count("$$\n") // 2  # every display of the Markdown flavour
    assert len(inline) >= 10
    assert "$$" not in text
    _katex_ok([(f, True) for f in fences] + [(i, False) for i in inline])


def test_myst_labels_are_read_by_the_dollarmath_parser(derivation) -> None:
    text = derivation.render("myst", "en", label="kl")
    parser = MarkdownIt("commonmark").use(dollarmath_plugin, allow_labels=True)
    labelled = [t for t in parser.parse(text) if t.type == "math_block_label"]
    labels = [t.info for t in labelled]
    assert labels[:3] == ["kl-1", "kl-2", "kl-3"]
    assert labels[-1] == "kl-result"
    assert len(labels) == len(set(labels))
    _katex_ok([(t.content, True) for t in labelled])


def test_quarto_labels_follow_the_display(derivation) -> None:
    text = derivation.render("quarto", "ko", label="kl")
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$ \{#eq-([\w:-]+)\}$", text, flags=re.S | re.M)
    assert [label for _, label in blocks][:2] == ["kl-1", "kl-2"]
    assert blocks[-1][1] == "kl-result"
    _katex_ok([(body, True) for body, _ in blocks])


def test_unlabelled_markdown_has_no_labels(derivation) -> None:
    for fmt in ("markdown", "myst", "quarto"):
        text = derivation.render(fmt, "en")
        assert "(kl-" not in text and "{#eq-" not in text


@pytest.mark.external
def test_labelled_latex_compiles_and_resolves_references(derivation, tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    (tmp_path / "kl.tex").write_text(derivation.render("latex", "en", label="kl"))
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        "\\input{kl}\nThe result is \\eqref{kl-result}; the split is \\eqref{kl-3}.\n"
        "\\end{document}\n"
    )
    for _ in range(2):
        done = subprocess.run(
            [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "main.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]
    aux = (tmp_path / "main.aux").read_text()
    assert "\\newlabel{kl-result}" in aux and "\\newlabel{kl-3}" in aux
    assert "undefined" not in (tmp_path / "main.log").read_text().lower()


def test_cli_label_is_validated() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kl_derive", "normal", "--label", "bad label"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "--label" in done.stderr


@pytest.mark.external
@pytest.mark.parametrize(
    ("p", "q", "lang"),
    [
        ("normal", None, "en"),
        ("normal", None, "ko"),
        ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)", "en"),
    ],
)
def test_beamer_slides_compile_and_reveal_steps(p, q, lang, tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    text = derive(p, q).render("beamer", lang)
    assert "\\pause" in text and text.count("\\begin{frame}") >= 8
    (tmp_path / "slides.tex").write_text(
        text.replace("\\begin{document}", "\\tracinglostchars=3\n\\begin{document}"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "slides.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    log = (tmp_path / "slides.log").read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)]
    assert not [w for w in widths if w > 10], widths
    assert "Overfull \\vbox" not in log
