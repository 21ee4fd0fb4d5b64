"""Plain text for a terminal (``--to text``): prose and formulas to a 78-column measure.

Inline mathematics and quoted code are written with :func:`keep_together`, which joins
their words with a private character so that :func:`wrap` breaks a line inside a formula
only when the formula alone is wider than the measure; the renderer turns it back into
spaces at the end. :func:`break_formula` breaks a formula as a careful typist would:
before an operator at the outermost bracket level it can, else between factors.
"""

from __future__ import annotations

from ..printing.unicode import text_width

__all__ = ["TEXT_WIDTH", "break_formula", "formula_lines", "keep_together", "wrap"]

#: the widest a line of prose may be, in terminal columns
TEXT_WIDTH = 78

_GLUE = "\x00"


def keep_together(text: str) -> str:
    """``text`` with its spaces marked as not breakable by :func:`wrap`."""
    return text.replace(" ", _GLUE)


def wrap(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    """``text`` broken greedily into lines of at most ``width`` columns (a word longer than
    that gets a line of its own), each line starting with ``indent``; blank-line separated
    paragraphs stay separate. East Asian wide characters count two columns."""
    paragraphs = [p.split() for p in text.split("\n\n")]
    out: list[str] = []
    for words in paragraphs:
        lines: list[str] = []
        for glued in words:
            pieces = [glued]
            room = width - len(indent)
            if text_width(glued) > room:  # a formula wider than the measure
                formula = glued.replace(_GLUE, " ")
                pieces = [p.replace(" ", _GLUE) for p in break_formula(formula, room)]
            for word in pieces:
                if lines and text_width(lines[-1]) + 1 + text_width(word) <= width:
                    lines[-1] += " " + word
                else:
                    lines.append(indent + word)
        out.append("\n".join(line.replace(_GLUE, " ") for line in lines))
    return "\n\n".join(p for p in out if p)


_OPEN = "([{⟨"
_CLOSE = ")]}⟩"
_OPERATORS = ("+ ", "− ", "- ", "· ", "= ", "× ")


def break_formula(text: str, width: int) -> list[str]:
    """``text`` (a formula in Unicode, or a command) broken at spaces into lines of at
    most ``width`` columns where it can: each break is at the outermost bracket level
    available in the last two thirds of the line, before an operator (``+``, ``−``, ``·``,
    ``=``) when there is one at that level; the operator starts the next line."""
    lines: list[str] = []
    rest = text
    while text_width(rest) > width:
        point = _break_point(rest, width)
        if point is None:
            break
        lines.append(rest[:point].rstrip())
        rest = rest[point + 1 :].lstrip()
    lines.append(rest)
    return lines


def _break_point(text: str, width: int) -> int | None:
    """The index of the space to break ``text`` at (see :func:`break_formula`)."""
    depth, column = 0, 0
    candidates: list[tuple[int, int, int]] = []  # (depth, column, index)
    first_over = None
    for i, c in enumerate(text):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c == " " and 0 < i < len(text) - 1:
            if column <= width:
                candidates.append((depth, column, i))
            elif first_over is None:
                first_over = i
        column += text_width(c)
    useful = [c for c in candidates if c[1] >= width // 3] or candidates
    if not useful:
        return first_over
    top = min(d for d, _, _ in useful)
    level = [c for c in useful if c[0] == top]
    before_operator = [c for c in level if text.startswith(_OPERATORS, c[2] + 1)]
    chosen = before_operator or level
    return max(chosen, key=lambda c: c[1])[2]


def formula_lines(text: str, width: int, indent: str) -> str:
    """``text`` broken by :func:`break_formula` for a line of ``width`` columns, the lines
    after the first starting with ``indent`` (a template filter)."""
    return ("\n" + indent).join(break_formula(text, width))
