r"""Filling beamer frames: which rows of a derivation go on which slide.

A frame holds its title, the stage's introduction and the block's paragraph (on the
block's first frame only) and an ``align*`` of rows; rows that do not fit continue on a
following frame titled "… (continued)". Heights are estimated in ems of the frames'
``\small`` font: prose by :func:`prose_width` over the frame's width, display lines by
:func:`line_extent` with amsmath's spacing (a 12pt baseline, ``\jot`` between rows). The
capacity is the frame's text height less the title, measured with pdflatex for both
aspect ratios.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..printing.cases import stacked
from ..printing.measure import latex_width
from .page import Page

__all__ = [
    "Frame",
    "Row",
    "display_height",
    "fill_frames",
    "line_extent",
    "prose_frames",
    "prose_width",
    "result_overflows",
]

BASELINE = 1.2  # \small in an 11pt deck: 10pt type on 12pt lines
JOT = 0.3
LINESKIP = 0.1
DISPLAY_SKIPS = 1.7  # \abovedisplayskip and \belowdisplayskip, 8.5pt each
TITLE = 2.4  # a one-line frame title, measured: the text block starts 24pt lower
TITLE_FONT = 1.44  # the title is set at \Large
SAFETY = 1.0


@dataclass
class Row:
    """One equality of a display: ``lhs`` (empty on a chain's later rows), the sign, the
    lines of the right-hand side; ``alone`` marks a stacked block's left-hand side."""

    lhs: str
    eq: str
    lines: list[str]
    alone: bool = False
    #: the slide of the frame's overlays from which the row is shown (1: from the start)
    overlay: int = 1


@dataclass
class Frame:
    title: str
    intro: str = ""
    text: str = ""
    stacked: bool = False
    rows: list[Row] = field(default_factory=list)


def _capacity(page: Page, title: str) -> float:
    title_lines = math.ceil(prose_width(title, TITLE_FONT) * TITLE_FONT / page.width_em) or 1
    return page.height_em - TITLE - (title_lines - 1) * 1.7 - SAFETY


def _prose(text: str, page: Page) -> float:
    if not text:
        return 0.0
    return BASELINE * max(1, math.ceil(prose_width(text) / (page.width_em * 0.96)))


def _lines_height(lines: Sequence[str], depth: float) -> tuple[float, float]:
    """The height of display lines after a line of ``depth``: baselines 12pt apart unless
    the lines are taller, ``\\jot`` between them; and the last line's depth."""
    total = 0.0
    for line in lines:
        up, down = line_extent(line)
        total += max(BASELINE, depth + up + LINESKIP) + JOT
        depth = down
    return total, depth


def fill_frames(
    stages: Sequence[Any],
    heading: Callable[[Any], str],
    continued: str,
    page: Page,
) -> list[Frame]:
    """The frames of the derivation's stages on ``page``."""
    frames: list[Frame] = []
    for stage in stages:
        title = heading(stage)
        for number, block in enumerate(stage.blocks):
            rows = _rows(block)
            capacity = _capacity(page, f"{title} ({continued})")
            intro, text = stage.intro if number == 0 else "", block.text
            heading_now = title
            first = _lines_height(_row_lines(rows[0]), 0.3)[0] if rows else 0.0
            # prose too long to share a frame with the display's first row: the stage's
            # introduction goes on a frame of its own, then the block's paragraph too
            if intro and not _fits(intro, text, first, page, capacity):
                frames.append(Frame(heading_now, intro))
                intro, heading_now = "", f"{title} ({continued})"
            if text and not _fits("", text, first, page, capacity):
                frames.append(Frame(heading_now, "", text))
                text, heading_now = "", f"{title} ({continued})"
            frame = Frame(heading_now, intro, text, block.stacked)
            used = _prose(frame.intro, page) + _prose(frame.text, page) + DISPLAY_SKIPS
            depth = 0.3
            for row in rows:
                lines = _row_lines(row)
                height, after = _lines_height(lines, depth)
                if frame.rows and used + height > capacity:
                    frames.append(frame)
                    frame = Frame(f"{title} ({continued})", stacked=block.stacked)
                    used, depth = DISPLAY_SKIPS, 0.3
                    height, after = _lines_height(lines, depth)
                frame.rows.append(row)
                used += height
                depth = after
            frames.append(frame)
    for frame in frames:
        _number(frame.rows)
    return frames


def _row_lines(row: Row) -> list[str]:
    return [row.lhs] if row.alone else row.lines


def _fits(intro: str, text: str, first: float, page: Page, capacity: float) -> bool:
    """Whether ``intro`` and ``text`` leave room on a frame for a display's first row of
    height ``first``."""
    return _prose(intro, page) + _prose(text, page) + DISPLAY_SKIPS + first <= capacity


def _number(rows: list[Row]) -> None:
    """Reveal a frame's equalities one by one (a stacked left-hand side with the first
    equality under it)."""
    count = 0
    for row in rows:
        row.overlay = count + 1
        if not row.alone:
            count += 1


def _rows(block: Any) -> list[Row]:
    rows: list[Row] = []
    for chain in block.chains:
        if block.stacked:
            rows.append(Row(chain[0].lhs, "", [], alone=True))
        for k, step in enumerate(chain):
            lhs = chain[0].lhs if k == 0 and not block.stacked else ""
            rows.append(Row(lhs, step.eq, list(step.rhs_lines)))
    return rows


def prose_frames(paragraphs: Sequence[str], page: Page, reserve: float = 0.0) -> list[list[str]]:
    """``paragraphs`` shared out over as few frames as hold them (a paragraph is never
    split); ``reserve`` ems of the last frame are kept for what follows them."""
    capacity = _capacity(page, "")
    frames: list[list[str]] = [[]]
    used = 0.0
    for paragraph in filter(None, paragraphs):
        height = _prose(paragraph, page) + 0.5
        if frames[-1] and used + height > capacity:
            frames.append([])
            used = 0.0
        frames[-1].append(paragraph)
        used += height
    if reserve and used + reserve > capacity:
        frames.append([])
    return frames


def display_height(lines: Sequence[str]) -> float:
    """The height of a display of ``lines``, with the space above and below it."""
    return _lines_height(lines, 0.3)[0] + DISPLAY_SKIPS


def result_overflows(text: str, lines: Sequence[str], after: Sequence[str], page: Page) -> bool:
    """Whether the closing frame (``text``, the display ``lines``, the paragraphs ``after``
    in smaller type) is too tall for one frame, so that ``after`` needs a frame of its own."""
    height = _prose(text, page) + display_height(lines)
    height += sum(0.85 * _prose(p, page) + 0.6 for p in after if p)
    return height > _capacity(page, "")


# -- estimates of heights and of prose widths ------------------------------------------
_TALL = (
    # (what, height above the baseline, depth below it) in ems, the tallest found wins
    (re.compile(r"\\(?:Bigg)[lr]"), 1.55, 1.05),
    (re.compile(r"\\(?:bigg)[lr]"), 1.25, 0.75),
    (re.compile(r"\\sum_"), 1.9, 1.45),
    (re.compile(r"\\int_"), 1.9, 1.3),
    (re.compile(r"\\frac\{[^{}]*\\frac|\\frac\{[^{}]*\\sqrt"), 1.8, 1.2),
    (re.compile(r"\\frac"), 1.5, 1.0),
    (re.compile(r"\\(?:Big)[lr]|\\sqrt|\\begin\{pmatrix\}"), 0.95, 0.55),
)


def line_extent(text: str) -> tuple[float, float]:
    """How far a display line reaches above and below its baseline, in ems (an estimate
    on the large side: a fraction, an integral with limits, a tall bracket)."""
    height, depth = 0.75, 0.3
    for pattern, up, down in _TALL:
        if pattern.search(text):
            height, depth = max(height, up), max(depth, down)
    if stacked(text):  # a piecewise result over rows (centred on the line): 1.2 \baselineskip
        half = 0.5 * 1.45 * (text.count(r"\\") + 1) + 0.3
        return max(height, half), max(depth, half)
    rows = text.count(r"\begin{aligned}")
    if rows:  # a numerator or denominator over several lines
        lines = text.count(r"\\") + 1
        height, depth = max(height, 0.9 + 1.2 * lines), max(depth, 1.0 + 1.2 * (lines - 1))
    return height, depth


_INLINE = re.compile(r"\$(.+?)\$")
_COMMAND = re.compile(r"\\[a-zA-Z]+\*?(\{[^{}]*\})?|[{}]")


def prose_width(text: str, font: float = 1.0) -> float:
    """The width of a paragraph of LaTeX prose set on one line, in ems: inline math by
    :func:`latex_width`, Latin letters about half an em, a Hangul syllable a full em."""
    width = 0.0
    for k, piece in enumerate(_INLINE.split(text)):
        if k % 2:
            width += latex_width(piece, inline=True)
            continue
        piece = _COMMAND.sub(lambda m: m.group(1)[1:-1] if m.group(1) else "", piece)
        for ch in piece:
            if ch == " ":
                width += 0.33
            elif ord(ch) >= 0x1100:
                width += 1.0
            else:
                width += 0.52 * font
    return width
