"""Rendering checks shared by the tests of the multivariate families (issue 17): every
format renders, KaTeX accepts every block in strict mode, and pdflatex typesets the
derivations with no box sticking out (tests/layout_check.py's targets)."""

from __future__ import annotations

from pathlib import Path

import layout_check
import pytest
from conftest import katex_blocks, require_latex_package, require_tool

#: the targets checked here: the standalone article, a column of a two-column article, a
#: beamer frame (the narrowest measures)
TARGETS = ("onecolumn", "twocolumn", "beamer")


def assert_renders(
    sample: dict[str, tuple[str, str, str | None, dict[str, str]]],
    lang: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``sample`` as in ``layout_check.SAMPLE``: name -> (quantity, P, Q, options)."""
    from kl_derive.render import FORMATS

    for name, entry in sample.items():
        monkeypatch.setitem(layout_check.SAMPLE, name, entry)
    derivations = [layout_check.derivation(name) for name in sample]
    for d in derivations:
        for fmt in FORMATS:
            out = d.render(fmt, lang)
            assert out.strip() and "{" + "lhs}" not in out, (d.title, fmt)
    katex_blocks(derivations, lang)
    require_tool("pdflatex")
    if lang == "ko":
        require_latex_package("kotex")
    for target in TARGETS:
        result = layout_check.compile_target(target, lang, tmp_path / target, list(sample))
        assert result.returncode == 0 and not result.errors, result.errors[:3]
        assert not result.bad(), [(o.owner, o.points) for o in result.bad()]
