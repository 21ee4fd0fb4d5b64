r"""The measure a derivation is typeset for: a page, a column, a slide, a notebook.

A :class:`Page` says how wide and how tall the text block is (in TeX points, 1/72.27 in)
and at what size the displays are set. The renderers break long equations to its width
and split slides by its height; the standalone documents (``--standalone``, beamer) are
built with the same geometry, so what is measured is what is printed.

The presets are the text blocks of the standard classes, measured with pdflatex
(``\the\textwidth``, ``\the\columnwidth``, ``\the\textheight``); where the paper size
changes them (A4 or US letter) the smaller figure is taken, so a fragment fits either:

==========  =====================================================  ========  =========
name        what                                                   width     height
==========  =====================================================  ========  =========
onecolumn   ``article``, 10pt                                      345 pt    550 pt
twocolumn   a column of ``article`` with ``twocolumn``, 10pt        221 pt    550 pt
beamer      a beamer frame, 4:3, 11pt, displays in ``\small``      307.3 pt  269.1 pt
beamer169   a beamer frame, 16:9 (``aspectratio=169``)             398.3 pt  252.1 pt
notebook    a Jupyter notebook exported to PDF (nbconvert's        469.8 pt  650.4 pt
            ``article``, 11pt, 1 in margins on letter paper)
==========  =====================================================  ========  =========

``--width`` changes the width of a page (``--width 3.3in``); a standalone document then
sets that width with the ``geometry`` package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import KLDeriveError

__all__ = [
    "DEFAULT_PAGES",
    "PAGES",
    "UNITS",
    "Page",
    "parse_length",
    "resolve_page",
]

#: TeX points per unit (``--width 3.3in``, ``8cm``, ``230pt``, ``230bp``)
UNITS: dict[str, float] = {
    "pt": 1.0,
    "bp": 72.27 / 72,
    "in": 72.27,
    "cm": 72.27 / 2.54,
    "mm": 72.27 / 25.4,
    "pc": 12.0,
}


@dataclass(frozen=True)
class Page:
    """A text block: ``text_width`` and ``text_height`` in TeX points, displays set at
    ``font_size`` points. ``documentclass``, ``class_options`` and ``geometry`` describe
    the standalone document that has this text block."""

    name: str
    text_width: float
    text_height: float
    font_size: float
    documentclass: str = "article"
    class_options: tuple[str, ...] = ()
    #: the geometry package's options, when the class alone does not give the text block
    geometry: str | None = None

    @property
    def width_em(self) -> float:
        """The width in ems of the display font (math is measured in ems)."""
        return self.text_width / self.font_size

    @property
    def height_em(self) -> float:
        return self.text_height / self.font_size

    @property
    def text_width_bp(self) -> float:
        """The width in PostScript (big) points, 1/72 in: Typst's and CSS's ``pt``."""
        return self.text_width / UNITS["bp"]

    @property
    def text_height_bp(self) -> float:
        return self.text_height / UNITS["bp"]

    @property
    def is_slide(self) -> bool:
        return self.documentclass == "beamer"

    @property
    def options(self) -> str:
        """The class options as LaTeX writes them: ``a4paper,twocolumn``."""
        return ",".join(self.class_options)

    def with_width(self, points: float) -> Page:
        """This page with its text (or column) ``points`` wide."""
        if points == self.text_width:
            return self
        width = f"{points:.2f}pt"
        if "twocolumn" in self.class_options:
            # the column is the measure: the text block holds two and the gap between
            width = f"{2 * points + 10:.2f}pt"
        geometry = None if self.is_slide else f"textwidth={width}"
        return replace(self, text_width=points, geometry=geometry)


PAGES: dict[str, Page] = {
    page.name: page
    for page in (
        Page("onecolumn", 345.0, 550.0, 10.0, class_options=("a4paper",)),
        Page("twocolumn", 221.0, 550.0, 10.0, class_options=("a4paper", "twocolumn")),
        Page("beamer", 307.28987, 269.14662, 10.0, "beamer", ("11pt",)),
        Page("beamer169", 398.3386, 252.0748, 10.0, "beamer", ("11pt", "aspectratio=169")),
        Page(
            "notebook",
            469.75502,
            650.43001,
            10.95,
            class_options=("11pt", "letterpaper"),
            geometry="margin=1in",
        ),
    )
}

#: the page each output format is laid out for unless told otherwise (a format not
#: listed gets ``onecolumn``); ``text`` is measured in terminal columns, not on a page
DEFAULT_PAGES: dict[str, str] = {
    "latex": "onecolumn",
    "beamer": "beamer",
    "ipynb": "notebook",
}

_LENGTH = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*")


def parse_length(text: str) -> float:
    """``"3.3in"`` in TeX points; a one-line error for anything else."""
    match = _LENGTH.fullmatch(text.lower())
    if match is None or match.group(2) not in UNITS:
        raise KLDeriveError(
            f"cannot read the width {text!r}: write a number and a unit "
            f"({', '.join(UNITS)}), e.g. 3.3in or 8.5cm"
        )
    points = float(match.group(1)) * UNITS[match.group(2)]
    if not 72.27 <= points <= 72.27 * 40:
        raise KLDeriveError(f"the width {text!r} is not between 1in and 40in")
    return points


def resolve_page(
    fmt: str, page: Page | str | None = None, width: str | float | None = None
) -> Page:
    """The page format ``fmt`` is laid out for: ``page`` (a preset's name or a
    :class:`Page`) or the format's default, ``width`` (a length such as ``"3.3in"``, or
    points) replacing its width."""
    if page is None:
        page = DEFAULT_PAGES.get(fmt, "onecolumn")
    if isinstance(page, str):
        if page not in PAGES:
            raise KLDeriveError(f"unknown page {page!r} (available: {', '.join(PAGES)})")
        page = PAGES[page]
    if fmt == "beamer" and not page.is_slide:
        raise KLDeriveError(
            f"--to beamer makes slides: --page {page.name} is not a slide "
            "(choose beamer or beamer169)"
        )
    if width is not None:
        page = page.with_width(parse_length(width) if isinstance(width, str) else float(width))
    return page
