"""The examples stay what kl-derive produces, and the lecture notes around them compile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import require_module, run_pdflatex

from kl_derive import derive

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

GENERATED = {
    "lecture-notes/kl-normal.tex": ("latex", "en"),
    "lecture-notes/kl-normal-ko.tex": ("latex", "ko"),
    "markdown/kl-normal.md": ("markdown", "en"),
    "markdown/kl-normal-ko.md": ("markdown", "ko"),
    "slides/kl-normal-slides.tex": ("beamer", "en"),
    "notebook/kl-normal.ipynb": ("ipynb", "en"),
    "typst/kl-normal.typ": ("typst", "en", {"label": "kl"}),
    "typst/kl-normal-ko.typ": ("typst", "ko", {"standalone": True}),
}


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_example_is_current(name: str) -> None:
    fmt, lang, *options = GENERATED[name]
    expected = derive("normal").render(fmt, lang, **(options[0] if options else {}))
    assert (EXAMPLES / name).read_text(encoding="utf-8") == expected, (
        f"examples/{name} is stale: run `make -C examples generated`"
    )


@pytest.mark.external
@pytest.mark.parametrize("notes", ["notes.tex", "notes-ko.tex"])
def test_lecture_notes_compile(notes: str, tmp_path: Path) -> None:
    for source in (EXAMPLES / "lecture-notes").glob("*.tex"):
        shutil.copy(source, tmp_path / source.name)
    done, log = run_pdflatex(tmp_path, notes)
    assert done.returncode == 0, log[-2000:]
    assert "Missing character" not in log


@pytest.mark.parametrize("notes", ["notes.typ", "kl-normal-ko.typ"])
def test_typst_examples_compile(notes: str, tmp_path: Path) -> None:
    typst = require_module("typst")
    for source in (EXAMPLES / "typst").glob("*.typ"):
        shutil.copy(source, tmp_path / source.name)
    pdf, warnings = typst.compile_with_warnings(str(tmp_path / notes))
    assert not warnings, warnings
    assert pdf.startswith(b"%PDF")
