"""The output fits every page a teacher uses, checked by pdflatex itself.

A sample of the catalog (tests/layout_check.py: 27 derivations, among them normal,
normal || normal with --param logvar, gamma, beta, Dirichlet by its Bregman strategy,
Wishart, multivariate and low-rank normals, Cauchy || normal, uniform, discrete pairs,
entropies and a cross-entropy), in English and Korean, is typeset for each target: the
standalone one-column article, the \\input fragment in a standard article, a column of a
two-column article (with --label), beamer frames at 4:3 and 16:9, the notebook's LaTeX
export (_repr_latex_ in nbconvert's article), --to latex --bare, and the standalone article
with --align left and the two-column one with --highlight. No line and no frame may
stick out by more than 1pt: TeX's log lists every overfull box.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ARTIFACTS, katex_blocks, require_latex_package, require_tool
from layout_check import (
    DIVERGENCES,
    LANGS,
    SAMPLE,
    TARGETS,
    TOLERANCE_PT,
    compile_target,
    derivation,
)

from kl_derive import derive

pytestmark = pytest.mark.external


def test_the_sample_is_what_the_issue_asks_for() -> None:
    assert len(SAMPLE) >= 20
    specs = {(p.split("(")[0], (q or "").split("(")[0], str(o)) for _, p, q, o in SAMPLE.values()}
    for needed in [
        ("normal", "", "{}"),
        ("normal", "normal", "{'param': 'logvar'}"),
        ("gamma", "gamma", "{}"),
        ("beta", "beta", "{}"),
        ("dirichlet", "dirichlet", "{}"),  # only the Bregman strategy derives it
        ("wishart", "wishart", "{}"),
        ("multivariate_normal", "", "{}"),
        ("cauchy", "normal", "{}"),
        ("uniform", "uniform", "{}"),
        ("poisson", "poisson", "{}"),
        ("gamma", "", "{}"),  # the entropy of a gamma law
    ]:
        assert needed in specs, needed


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_no_box_sticks_out(target: str, lang: str, tmp_path: Path) -> None:
    require_tool("pdflatex")
    if lang == "ko":
        require_latex_package("kotex")
    result = compile_target(target, lang, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    for suffix in (".tex", ".log", ".pdf"):
        source = tmp_path / f"{target}-{lang}{suffix}"
        if source.exists():
            (ARTIFACTS / f"layout-{source.name}").write_bytes(source.read_bytes())
    assert result.returncode == 0 and not result.errors, result.errors[:3]
    bad = result.bad()
    assert not bad, (
        f"{target}/{lang}: {len(bad)} overfull boxes over {TOLERANCE_PT}pt, e.g. "
        + "; ".join(f"{o.kind} {o.points:.1f}pt in {o.owner} (line {o.line})" for o in bad[:6])
        + f"; see test-artifacts/layout-{target}-{lang}.log"
    )


def _deck(tmp_path: Path, name: str, text: str) -> tuple[int, str]:
    """Compile a deck; its number of pages and its log."""
    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    subprocess.run(
        [require_tool("pdflatex"), "-interaction=nonstopmode", f"{name}.tex"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    pages = re.search(r"Output written on .*? \((\d+) pages?", log)
    assert pages is not None, log[-2000:]
    return int(pages.group(1)), log


@pytest.mark.parametrize("page", ["beamer", "beamer169"])
def test_the_brief_normal_deck_fits_in_twelve_slides(page: str, tmp_path: Path) -> None:
    text = derive("normal").render("beamer", "en", detail="brief", page=page)
    pages, log = _deck(tmp_path, "brief", text)
    assert pages <= 12
    assert "Overfull" not in log


def test_a_long_chain_continues_on_a_following_frame(tmp_path: Path) -> None:
    text = derive("wishart", "wishart").render("beamer", "en")
    titles = re.findall(r"\\begin\{frame\}\{(.*?)\}\n", text)
    continued = [t for t in titles if t.endswith("(continued)")]
    assert continued
    for title in continued:  # right after the frame it continues
        assert titles[titles.index(title) - 1].startswith(title.removesuffix(" (continued)"))
    pages, log = _deck(tmp_path, "wishart", text)
    assert "Overfull \\vbox" not in log and pages > len(titles)  # overlays reveal the steps


#: covariances given as numbers, larger than the sample's: the law is named in prose with
#: its matrices, which are set as ``smallmatrix`` there (a 6 x 6 ``pmatrix`` ran 69 pt
#: past a one-column line, 30 pt past a column)
NUMERIC_COVARIANCE = (
    "multivariate_normal([0, 3, -1, 1, 1, -3], [[4, 0, 2, -2, 0, -2], [0, 4, -4, 2, 0, 4],"
    " [2, -4, 6, -1, 0, -7], [-2, 2, -1, 7, -1, -2], [0, 0, 0, -1, 5, 5],"
    " [-2, 4, -7, -2, 5, 18]])"
)


@pytest.mark.slow
@pytest.mark.external
@pytest.mark.parametrize("page", ["onecolumn", "twocolumn"])
def test_a_law_with_a_matrix_of_numbers_fits_the_page(page: str, tmp_path: Path) -> None:
    from conftest import run_pdflatex
    from layout_check import _OVERFULL

    from kl_derive import derive

    d = derive(NUMERIC_COVARIANCE, "multivariate_normal(0, 1)")
    (tmp_path / "mvn.tex").write_text(d.to_latex(standalone=True, page=page), encoding="utf-8")
    done, log = run_pdflatex(tmp_path, "mvn.tex")
    assert done.returncode == 0, log[-2000:]
    worst = max((float(m.group(2)) for m in _OVERFULL.finditer(log)), default=0.0)
    assert worst <= 1.0, f"overfull by {worst} pt on the {page} page"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("target", ["onecolumn", "twocolumn", "beamer"])
def test_a_wide_piecewise_result_is_folded_to_fit(target: str, lang: str, tmp_path: Path) -> None:
    """Rényi divergences of gamma and beta laws (symbolic order), the χ² divergence of two
    beta laws and the total variation of two general normal laws: results whose first
    case is wider than the page, folded inside their ``cases``; in the decks, a step whose
    prose leaves no room for its display's first row puts that prose on a frame of its
    own, so no frame is too tall either."""
    require_tool("pdflatex")
    if lang == "ko":
        require_latex_package("kotex")
    result = compile_target(target, lang, tmp_path, DIVERGENCES)
    assert result.returncode == 0 and not result.errors, result.errors[:3]
    bad = result.bad()
    assert not bad, [(o.kind, o.points, o.owner, o.line) for o in bad[:6]]
    text = (tmp_path / f"{target}-{lang}.tex").read_text(encoding="utf-8")
    assert r", \\ \quad " in text  # a condition on a row of its own under its value


@pytest.mark.parametrize("lang", LANGS)
def test_a_folded_piecewise_result_is_strict_katex(lang: str) -> None:
    """The folded ``cases`` (rows without ``&``, a value over lines in ``aligned``) of the
    Markdown flavours, rendered by KaTeX in strict mode."""
    require_tool("node")
    derivations = [derivation(name) for name in DIVERGENCES]
    blocks = katex_blocks(derivations, lang)
    assert any(", \\\\ \\quad " in block[0] for block in blocks)
