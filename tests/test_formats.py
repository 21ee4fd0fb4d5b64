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
from conftest import require_tool, run_pdflatex
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
@pytest.mark.slow
def test_beamer_slides_compile_and_reveal_steps(p, q, lang, tmp_path: Path) -> None:
    text = derive(p, q).render("beamer", lang)
    # each equality of a frame is revealed on its own overlay (\pause inside align*
    # shows the rows out of order)
    assert "\\onslide<2->" in text and "\\pause" not in text
    assert text.count("\\begin{frame}") >= 8
    (tmp_path / "slides.tex").write_text(
        text.replace("\\begin{document}", "\\tracinglostchars=3\n\\begin{document}"),
        encoding="utf-8",
    )
    done, log = run_pdflatex(tmp_path, "slides.tex")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)]
    assert not [w for w in widths if w > 1], widths
    assert "Overfull \\vbox" not in log


def test_html_page_math_renders_with_katex_and_katex_location_is_configurable(derivation) -> None:
    import html as html_module

    page = derivation.render("html", "ko", katex="../vendor/katex")
    assert page.startswith("<!DOCTYPE html>")
    assert 'href="../vendor/katex/katex.min.css"' in page
    assert 'src="../vendor/katex/contrib/auto-render.min.js"' in page
    text = html_module.unescape(page[page.index("<body>") :])
    displays = re.findall(r"(?<!\\)\\\[(.*?)(?<!\\)\\\]", text, flags=re.S)
    inline = re.findall(r"\\\((.*?)\\\)", text, flags=re.S)
    assert len(displays) == derivation.render("markdown", "ko").count("$$\n") // 2
    assert len(inline) >= 10
    _katex_ok([(m, True) for m in displays] + [(m, False) for m in inline])


def test_notebook_is_valid_and_its_code_cells_run(derivation) -> None:
    import json

    nbformat = pytest.importorskip("nbformat")
    text = derivation.render("ipynb", "en")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(markdown) == 1 + len(derivation.stages) + 1  # title, stages, result
    namespace: dict = {}
    for cell in code:  # our own generated code
        exec(compile(cell.source, "cell", "exec"), namespace)
    assert namespace["d"].result == derivation.result
    assert json.loads(text)["metadata"]["kl_derive"]["lang"] == "en"
    math = [m for c in markdown for m in re.findall(r"\$\$\n(.*?)\n\$\$", c.source, flags=re.S)]
    _katex_ok([(m, True) for m in math])


def test_bare_output_is_the_mathematics_alone(derivation) -> None:
    # a display per chain (a page may break between them), then the closed form
    latex = derivation.render("latex", "en", bare=True)
    blocks = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", latex, flags=re.S)
    assert len(blocks) == sum(len(s.chains) for s in derivation.stages) + 1
    assert "".join(f"\\begin{{align*}}\n{b}\n\\end{{align*}}\n" for b in blocks) == latex
    assert "We derive" not in latex and "\\paragraph" not in latex
    assert r"\frac{1}{2}\left(\mu^{2} + \sigma^{2} - \log \sigma^{2} - 1\right)" in blocks[-1]
    markdown = derivation.render("markdown", "ko", bare=True)
    displays = re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, flags=re.S | re.M)
    assert len(displays) == len(blocks)
    assert markdown.replace("$$\n", "").strip().count("\\begin{aligned}") == len(blocks)
    _katex_ok([(d, True) for d in displays])


def test_repr_latex_is_several_displays_broken_for_a_notebook_page(derivation) -> None:
    # Jupyter's text/latex (and nbconvert's PDF export): $$ blocks a page can break
    # between, each broken to the width of nbconvert's article
    latex = derivation._repr_latex_()
    displays = re.findall(r"^\$\$\n(.*?)\n\$\$$", latex, flags=re.S | re.M)
    assert len(displays) == sum(len(s.chains) for s in derivation.stages) + 1
    assert latex == derivation.render("markdown", "en", bare=True, page="notebook")
    _katex_ok([(d, True) for d in displays])


@pytest.mark.external
@pytest.mark.parametrize("env", ["aligned", "equation"])
def test_display_environments_compile(derivation, env: str, tmp_path: Path) -> None:
    body = derivation.render("latex", "en", env=env)
    assert "\\begin{align*}" not in body.split("\\paragraph{Result")[0]
    bare = derivation.render("latex", "en", bare=True)
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        f"{body}\n{bare}\n\\end{{document}}\n"
    )
    done, _log = run_pdflatex(tmp_path, "main.tex")
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.external
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_exercise_has_blanks_hints_and_the_solution_and_compiles(
    derivation, lang: str, tmp_path: Path
) -> None:
    text = derivation.render("latex", lang, exercise=True)
    exercise, solution = text.split("\\paragraph{" + ("Solution" if lang == "en" else "풀이"))
    blanks = exercise.count("\\underline{\\hspace{8em}}")
    set_up = sum(len(s.steps) for s in derivation.stages if s.key == "definition")
    assert blanks == len(derivation.steps) - set_up
    assert "\\underline" not in solution
    assert solution.count("&=") >= len(derivation.steps)  # every step shown again
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    (tmp_path / "main.tex").write_text(
        f"\\documentclass{{article}}\n{korean}\\usepackage{{amsmath,amssymb}}\n"
        "\\tracinglostchars=3\n\\begin{document}\n\\input{ex}\n\\end{document}\n"
    )
    (tmp_path / "ex.tex").write_text(text, encoding="utf-8")
    done, _log = run_pdflatex(tmp_path, "main.tex")
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.external
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_standalone_exercise_is_a_complete_document(derivation, lang: str, tmp_path: Path) -> None:
    text = derivation.render("latex", lang, exercise=True, standalone=True)
    assert text.count("\\documentclass") == 1 and text.rstrip().endswith("\\end{document}")
    assert "--exercise --standalone" in text.splitlines()[0]
    assert "\\underline{\\hspace{8em}}" in text  # the blanks, then the solution
    (tmp_path / "ex.tex").write_text(text, encoding="utf-8")
    done, log = run_pdflatex(tmp_path, "ex.tex")
    assert done.returncode == 0, log[-2000:]


def test_markdown_exercise_renders_with_katex(derivation) -> None:
    from test_markdown_render import math_tokens

    text = derivation.render("markdown", "en", exercise=True)
    assert text.count("## ") >= 2 and "*Hint:*" in text
    blocks, _ = math_tokens(text)
    assert any("\\underline{\\hspace{8em}}" in tex for tex, _ in blocks)
    _katex_ok(blocks)
