"""The LaTeX output compiles with pdflatex, drops no glyph, and fits the page.

``\\tracinglostchars=3`` makes a character missing from its font an error in TeX Live
2021 and later; the log is searched for "Missing character" as well, for older TeX.
Compiled PDFs and logs are kept in ``test-artifacts/`` for inspection.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARTIFACTS, require_latex_package, require_tool

from kl_derive import derive

pytestmark = pytest.mark.external

#: how far a line may stick out into the margin before it counts as broken layout (TeX
#: itself lets 0.1pt pass; the layout test, tests/test_layout.py, uses the same 1pt)
MAX_OVERFULL_PT = 1.0
LOST_CHARS = "\\tracinglostchars=3\n"


@dataclass(frozen=True)
class Document:
    """A main ``.tex`` file and the files it ``\\input``s."""

    main: str
    inputs: dict[str, str]
    lang: str


def standalone(p: str, q: str | None, lang: str) -> Document:
    text = derive(p, q).to_latex(lang, standalone=True)
    assert text.count("\\begin{document}") == 1
    return Document(text.replace("\\begin{document}", LOST_CHARS + "\\begin{document}"), {}, lang)


def fragment(p: str, q: str | None, lang: str) -> Document:
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    main = (
        "\\documentclass{article}\n"
        f"{korean}"
        "\\usepackage{amsmath,amssymb}\n"
        f"{LOST_CHARS}"
        "\\begin{document}\n"
        "\\input{kl}\n"
        "\\end{document}\n"
    )
    return Document(main, {"kl.tex": derive(p, q).to_latex(lang)}, lang)


DOCUMENTS: dict[str, Callable[[], Document]] = {
    "standalone-en": lambda: standalone("normal", None, "en"),
    "standalone-ko": lambda: standalone("normal", None, "ko"),
    "standalone-general-en": lambda: standalone("normal(m1, s1)", "normal(m2, s2)", "en"),
    "standalone-logscale-ko": lambda: standalone("normal(m, exp(s))", None, "ko"),
    "input-en": lambda: fragment("normal", None, "en"),
    "input-ko": lambda: fragment("normal", None, "ko"),
    "input-diag-en": lambda: fragment("diag_normal", None, "en"),
    "input-diag-logvar-ko": lambda: fragment("diag_normal(mu, exp(logvar/2))", None, "ko"),
    "input-diag-explicit-en": lambda: fragment(
        "diag_normal([m1, m2], [s1, s2])", "diag_normal([a1, a2], [b1, b2])", "en"
    ),
    "input-mvn-en": lambda: fragment(
        "multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)", "en"
    ),
    "input-mvn-ko": lambda: fragment("multivariate_normal", None, "ko"),
}


@dataclass(frozen=True)
class Compiled:
    name: str
    returncode: int
    log: str
    pdf: Path | None

    def problems(self) -> list[str]:
        """Why this compilation does not count as clean (empty when it does)."""
        out = []
        if self.returncode != 0:
            out.append(f"pdflatex exited with {self.returncode}")
        if self.pdf is None:
            out.append("no PDF was written")
        out += [line for line in self.log.splitlines() if line.startswith("! ")]
        out += [line for line in self.log.splitlines() if "Missing character" in line]
        return out

    def overfull(self) -> list[float]:
        """The widths (pt) by which lines stick out into the margin."""
        found = re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", self.log)
        return [float(width) for width in found]


def compile_tex(name: str, document: Document, workdir: Path) -> Compiled:
    pdflatex = require_tool("pdflatex")
    if document.lang == "ko":
        require_latex_package("kotex")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / f"{name}.tex").write_text(document.main, encoding="utf-8")
    for file, text in document.inputs.items():
        (workdir / file).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", f"{name}.tex"],
        cwd=workdir,
        capture_output=True,
        timeout=300,
        check=False,
    )
    log_file = workdir / f"{name}.log"
    log = log_file.read_bytes().decode("utf-8", "replace") if log_file.exists() else ""
    pdf = workdir / f"{name}.pdf"
    if not log:
        log = done.stdout.decode("utf-8", "replace")
    ARTIFACTS.mkdir(exist_ok=True)
    for path in (workdir / f"{name}.tex", log_file, pdf):
        if path.exists():
            shutil.copy(path, ARTIFACTS / path.name)
    for file in document.inputs:
        shutil.copy(workdir / file, ARTIFACTS / f"{name}-{file}")
    return Compiled(name, done.returncode, log, pdf if pdf.exists() else None)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Compiled]]:
    """Compile each document once per module."""
    cache: dict[str, Compiled] = {}
    root = tmp_path_factory.mktemp("latex")

    def get(name: str) -> Compiled:
        if name not in cache:
            cache[name] = compile_tex(name, DOCUMENTS[name](), root / name)
        return cache[name]

    yield get


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_compiles_cleanly(compiled: Callable[[str], Compiled], name: str) -> None:
    result = compiled(name)
    assert not result.problems(), "\n".join(result.problems())
    assert result.pdf is not None and result.pdf.stat().st_size > 1000


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_no_wide_overfull_boxes(compiled: Callable[[str], Compiled], name: str) -> None:
    result = compiled(name)
    assert result.returncode == 0, "\n".join(result.problems())
    too_wide = [w for w in result.overfull() if w > MAX_OVERFULL_PT]
    assert not too_wide, (
        f"{name}: overfull lines of {', '.join(f'{w:.1f}pt' for w in too_wide)} "
        f"(at most {MAX_OVERFULL_PT:g}pt allowed); see test-artifacts/{name}.log"
    )


def test_a_dropped_glyph_is_caught(tmp_path: Path) -> None:
    # the checks above can fail: a character the font lacks makes the compilation unclean
    main = (
        "\\documentclass{article}\n"
        f"{LOST_CHARS}"
        "\\begin{document}\n"
        "A {\\font\\x=cmmi10 \\x \\char200} B\n"
        "\\end{document}\n"
    )
    result = compile_tex("lost-glyph-selftest", Document(main, {}, "en"), tmp_path)
    assert any("Missing character" in p for p in result.problems()), result.problems()


def test_overfull_boxes_are_measured(tmp_path: Path) -> None:
    main = (
        "\\documentclass{article}\n"
        "\\begin{document}\n"
        "\\noindent\\hbox to 1.5\\textwidth{x\\hfil}\n"
        "\\end{document}\n"
    )
    result = compile_tex("overfull-selftest", Document(main, {}, "en"), tmp_path)
    assert not result.problems()
    assert max(result.overfull()) > MAX_OVERFULL_PT
