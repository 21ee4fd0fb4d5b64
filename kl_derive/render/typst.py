"""What the Typst output needs besides templates: escaping prose for Typst's markup,
code as raw text, and the geometry of a standalone document's page.

The page of a Typst document (``--to typst --standalone``) is built from the same
:class:`~kl_derive.render.page.Page` the equations were broken for: its text block (or
its two columns and the gap between them) centred on A4 or US letter paper, and its font
size, so that what was measured is what is printed.
"""

from __future__ import annotations

from typing import Any

from .page import UNITS, Page

__all__ = ["typst_code", "typst_escape", "typst_page"]

#: what Typst's markup reads as markup: escaped with a backslash
_TYPST = set("\\#$*_[]<>@`~/")


def typst_escape(text: str) -> str:
    """Escape what Typst's markup would read as markup (``/`` too: ``//`` opens a
    comment); a line that starts with ``=``, ``-``, ``+`` would be a heading or a list."""
    out = "".join("\\" + c if c in _TYPST else c for c in text)
    return "\\" + out if out[:1] in ("=", "-", "+") else out


def typst_code(text: str) -> str:
    """Code (a command line) as Typst's raw text, in a string literal."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'#raw("{quoted}")'


#: paper sizes in Typst's points (PostScript points, 1/72 in)
_PAPER = {"a4": (595.276, 841.89), "us-letter": (612.0, 792.0)}
#: the gap between the two columns of a two-column page (LaTeX's \columnsep, 10 pt)
_COLUMN_GAP = 10.0


def typst_page(page: Page) -> dict[str, Any]:
    """The page of a standalone Typst document whose text block is ``page``'s: sizes in
    Typst points (``width``, ``height``, the margins ``x`` and ``y``), ``columns``,
    ``gutter``, the paper's name and the text's ``font_size``."""
    columns = 2 if "twocolumn" in page.class_options else 1
    gutter = _COLUMN_GAP / UNITS["bp"]
    block = columns * page.text_width_bp + (columns - 1) * gutter
    paper = "us-letter" if "letterpaper" in page.class_options else "a4"
    width, height = _PAPER[paper]
    width = max(width, block + 2 * 36.0)  # a wide --width gets a wider sheet
    height = max(height, page.text_height_bp + 2 * 36.0)
    return {
        "paper": paper,
        "width": round(width, 3),
        "height": round(height, 3),
        "x": round((width - block) / 2, 3),
        "y": round((height - page.text_height_bp) / 2, 3),
        "columns": columns,
        "gutter": round(gutter, 3),
        "font_size": page.font_size,
    }
