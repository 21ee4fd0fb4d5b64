"""``--to typst``: compiled by the ``typst`` Python package (its bundled compiler).

* every derivation of the sample, in English and Korean, compiles as a standalone document
  without an error or a warning (a missing font is a warning), and no word of it lies
  outside the text block: the bounding boxes of the PDF's words, read back with poppler's
  ``pdftotext -bbox-layout``, are inside the page's margins (1 pt of tolerance; a full
  stop or a hyphen may hang into the margin as Typst's punctuation overhang puts it);
* the fragment, ``#include``-d into a document, numbers and labels its displays with
  ``--label`` and ``@label`` references resolve (read back with ``typst.query``);
* the Korean document's text is set in a font with Hangul (NanumMyeongjo, Debian's
  fonts-nanum), embedded in the PDF;
* the LaTeX-to-Typst translation of every rule's identity compiles.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ARTIFACTS, one_line_error, require_module, require_tool, run_module
from sample_catalog import SAMPLE, derivation

from kl_derive import derive
from kl_derive.printing.typst import latex_to_typst
from kl_derive.render.page import resolve_page
from kl_derive.render.typst import typst_page

#: how far a word may reach past the text block, in points: 1 pt, and for a word that ends
#: in a full stop, a comma or a hyphen, the overhang Typst gives that character
TOLERANCE = 1.0
OVERHANG = 3.0
#: how far the last line of a page may reach below the text block, in ems of the text: a
#: word's box ends at its font's descent, an inline subscript (the lower limit of an
#: integral in running text) hangs lower, and TeX too lets the last line's depth into the
#: margin (\maxdepth)
DESCENT = 0.6

_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def compile_typst(source: Path, output: Path) -> list[str]:
    """Compile ``source`` to the PDF ``output``; return the compiler's warnings."""
    typst = require_module("typst")
    pdf, warnings = typst.compile_with_warnings(str(source), root=str(source.parent))
    output.write_bytes(pdf)
    return [str(w) for w in warnings]


def outside(pdf: Path, geometry: dict) -> list[tuple[int, float, str]]:
    """The words of ``pdf`` that lie outside the text block of ``geometry`` (see
    :func:`kl_derive.render.typst.typst_page`): (page, by how many points, the word)."""
    html = poppler("pdftotext", pdf, "-bbox-layout")
    left, right = geometry["x"], geometry["width"] - geometry["x"]
    bottom = geometry["height"] - geometry["y"]
    found = []
    pages = re.findall(r"<page [^>]*>(.*?)</page>", html, flags=re.S)
    assert pages, "no page in the PDF"
    for number, body in enumerate(pages, 1):
        for match in _WORD.finditer(body):
            x0, y0, x1, y1 = map(float, match.groups()[:4])
            word = match.group(5)
            hang = OVERHANG if word.endswith((".", ",", ";", ":", "\xad", "-", ")")) else 0
            depth = DESCENT * geometry["font_size"]
            over = max(left - x0, x1 - right - hang, y1 - bottom - depth, -y0)
            if over > TOLERANCE:
                found.append((number, round(over, 1), word))
    return found


def poppler(tool: str, pdf: Path, *args: str) -> str:
    """What a poppler tool (``pdftotext``, ``pdffonts``) prints for ``pdf``."""
    command = [require_tool(tool), *args, str(pdf)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(
        command, capture_output=True, text=True, errors="replace", check=True
    ).stdout


def _render_all(tmp_path: Path, page: str | None = None) -> dict[str, Path]:
    sources = {}
    for key in SAMPLE:
        for lang in ("en", "ko"):
            text = derivation(key).render("typst", lang, standalone=True, page=page)
            path = tmp_path / f"{key}-{lang}.typ"
            path.write_text(text, encoding="utf-8")
            sources[f"{key}-{lang}"] = path
    return sources


@pytest.mark.slow
@pytest.mark.parametrize("page", [None, "twocolumn"])
def test_every_sample_document_compiles_and_stays_inside_the_page(
    tmp_path: Path, page: str | None
) -> None:
    geometry = typst_page(resolve_page("typst", page))
    problems, pages = {}, 0
    for name, source in _render_all(tmp_path, page).items():
        pdf = source.with_suffix(".pdf")
        warnings = compile_typst(source, pdf)
        assert not warnings, (name, warnings[:3])
        pages += int(re.search(rb"/Count (\d+)", pdf.read_bytes()).group(1))
        found = outside(pdf, geometry)
        if found:
            problems[name] = found[:4]
            keep = ARTIFACTS / "typst" / (page or "onecolumn")
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(pdf, keep / pdf.name)
    assert pages >= 2 * len(SAMPLE)
    assert not problems, problems


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_folded_cases_are_full_size_and_inside_the_page(tmp_path: Path, lang: str) -> None:
    """The wide piecewise divergences (a case's value folded over lines): each line of
    the fold is set in display style, as LaTeX sets an aligned's lines (a matrix's cells
    are otherwise a size smaller), and the page still holds them."""
    from layout_check import DIVERGENCES
    from layout_check import derivation as divergence_derivation

    geometry = typst_page(resolve_page("typst", None))
    folded = 0
    for name in DIVERGENCES:
        text = divergence_derivation(name).render("typst", lang, standalone=True)
        folds = re.findall(r"cases\(mat\(delim: #none, align: #left, ([^;]*);", text)
        assert all(f.startswith("display(") for f in folds), (name, folds[:1])
        folded += len(folds)
        source = tmp_path / f"{name}-{lang}.typ"
        source.write_text(text, encoding="utf-8")
        pdf = source.with_suffix(".pdf")
        assert not compile_typst(source, pdf), name
        assert not outside(pdf, geometry), (name, outside(pdf, geometry)[:4])
    assert folded >= 2  # the Renyi divergences of gamma and beta laws fold


def test_the_overflow_check_can_fail(tmp_path: Path) -> None:
    """A display wider than the page is found by the check."""
    geometry = typst_page(resolve_page("typst", None))
    source = tmp_path / "wide.typ"
    source.write_text(
        f"#set page(width: {geometry['width']}pt, height: {geometry['height']}pt, "
        f"margin: (x: {geometry['x']}pt, y: {geometry['y']}pt))\n"
        "$ " + " + ".join(f"x_({i})" for i in range(80)) + " $\n",
        encoding="utf-8",
    )
    compile_typst(source, tmp_path / "wide.pdf")
    assert outside(tmp_path / "wide.pdf", geometry)


def test_labelled_fragment_is_numbered_and_referenced(tmp_path: Path) -> None:
    typst = require_module("typst")
    d = derive("gamma", "gamma")
    fragment = d.render("typst", "en", label="kl")
    (tmp_path / "kl.typ").write_text(fragment, encoding="utf-8")
    (tmp_path / "notes.typ").write_text(
        '= Lecture 3\n\nThe divergence is @kl-result, from @kl-1 onwards.\n\n#include "kl.typ"\n',
        encoding="utf-8",
    )
    warnings = compile_typst(tmp_path / "notes.typ", tmp_path / "notes.pdf")
    assert not warnings, warnings
    labels = [f"kl-{i}" for i in range(1, fragment.count("<kl-") + 1)]
    found = json.loads(typst.query(str(tmp_path / "notes.typ"), "math.equation"))
    numbered = [e for e in found if e.get("numbering")]
    assert {e.get("label") for e in numbered} >= {"<kl-1>", "<kl-result>"}
    assert len(numbered) == len(labels)  # the last label is kl-result
    text = poppler("pdftotext", tmp_path / "notes.pdf")
    assert f"Equation {len(labels)}," in text and "Equation 1 onwards" in text


def test_korean_document_uses_a_hangul_font(tmp_path: Path) -> None:
    source = tmp_path / "ko.typ"
    source.write_text(derive("normal").render("typst", "ko", standalone=True), encoding="utf-8")
    assert not compile_typst(source, tmp_path / "ko.pdf")
    fonts = poppler("pdffonts", tmp_path / "ko.pdf")
    assert "NanumMyeongjo" in fonts, fonts
    assert "1단계" in poppler("pdftotext", tmp_path / "ko.pdf")


def test_every_rule_identity_translates_and_compiles(tmp_path: Path) -> None:
    from kl_derive.steps.rules import RULES, identity

    formulas = sorted({identity(rule) for rule in RULES if identity(rule)})
    assert len(formulas) > 10
    body = "\n\n".join(f"$ {latex_to_typst(f)} $" for f in formulas)
    assert "\\frac" not in body and "\\left" not in body
    (tmp_path / "ids.typ").write_text(body, encoding="utf-8")
    assert not compile_typst(tmp_path / "ids.typ", tmp_path / "ids.pdf")


@pytest.mark.parametrize(
    ("latex", "typst"),
    [
        (r"\frac{1}{2} \log \sigma^{2}", "(1)/(2) log sigma^(2)"),
        (r"\mathcal{N}(\mu, \sigma^{2})", "cal(N) ( mu , sigma^(2) )"),
        (r"D_{\mathrm{KL}}(q \parallel p)", 'D_("KL") ( q ∥ p )'),
        (r"1/(b_{1} - a_{1})", "1 slash ( b_(1) - a_(1) )"),
        (r"\int_{0}^{\infty} z e^{-z} \,dz", "scripts(integral)_(0)^(infinity) z e^(- z) thin d z"),
        (r"\operatorname{tr}(\Sigma^{-1})", 'op("tr") ( Sigma^(- 1) )'),
        (r"\sqrt{a, b}", r"sqrt(a \, b)"),
        (r"\mathrm{logvar}", '"logvar"'),
        (r"\left(x\right)^{2}", "( x )^(2)"),
        (r"\begin{pmatrix} a & b \\ b & c \end{pmatrix}", 'mat(delim: "(", a, b; b, c)'),
        (r"D_{\mathrm{KL}}\left(a\right. \parallel \left.b\right)", 'D_("KL") ( a ∥ b )'),
        (
            r"\frac{\begin{aligned}&a + b \\ &\quad + c\end{aligned}}{2}",
            "(mat(delim: #none, align: #left, display(a + b); display(quad + c)))/(2)",
        ),
        (r"\Bigl(a + b\Bigr)", r"lr(size: #1.8em, \( ) a + b lr(size: #1.8em, \) )"),
        (r"\left(0, 1\right) \cap \left[a, \infty\right)", "( 0 , 1 ) ∩ [ a , infinity )"),
    ],
)
def test_latex_to_typst(latex: str, typst: str) -> None:
    assert latex_to_typst(latex) == typst


def test_cli_options(tmp_path: Path) -> None:
    done = run_module(["normal", "--to", "typst", "--standalone", "-o", str(tmp_path / "n.typ")])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "n.typ").read_text(encoding="utf-8").count("#set page(") == 1
    one_line_error(run_module(["normal", "--to", "markdown", "--standalone"]), "typst")
    one_line_error(run_module(["normal", "--to", "typst", "--exercise"]), "--exercise")
    one_line_error(run_module(["normal", "--to", "typst", "--bare"]), "--bare")
    one_line_error(run_module(["normal", "--to", "typst", "--label", "1x"]), "--label")


@pytest.mark.parametrize(
    "options",
    [
        {"detail": "full", "highlight": True},
        {"detail": "brief", "align": "left"},
        {"align": "left", "label": "g", "standalone": True},
        {"page": "twocolumn", "standalone": True},
        {"width": "12cm", "standalone": True},
    ],
)
def test_options_compile(options: dict, tmp_path: Path) -> None:
    text = derive("gamma", "gamma").render("typst", "ko", **options)
    if options.get("highlight"):
        assert "#text(fill: blue)" in text
    if options.get("detail") == "full":
        assert "limits(=)^(\\(1\\))" in text
    (tmp_path / "d.typ").write_text(text, encoding="utf-8")
    warnings = compile_typst(tmp_path / "d.typ", tmp_path / "d.pdf")
    # a fragment leaves the Korean font to the including document: Typst falls back
    assert not [w for w in warnings if "font" not in w or options.get("standalone")], warnings
