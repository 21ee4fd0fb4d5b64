r"""A piecewise result (``\begin{cases} … \end{cases}``) too wide for the line, stacked.

Each condition goes on a row of its own under its value (``value,`` then
``\quad \text{for } C``), as :func:`.typst.stack_cases` does for Typst; a value still too
wide for the line is broken over lines (by the caller's breaker) in an ``aligned`` block
inside its row. The rows are read by :func:`cells`, which does not split a nested
environment or brace group.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["BEGIN", "END", "cells", "stack", "stacked"]

BEGIN = r"\begin{cases}"
END = r"\end{cases}"

#: a condition that is only words (``\text{otherwise}``), in any language
_WORDS_ONLY = re.compile(r"\\text\{[^{}$]*\}")


def cells(body: str) -> list[list[str]]:
    r"""The cells (split at ``&``) of the rows (split at ``\\``) of an environment's
    ``body``; a nested environment or brace group is not split."""
    rows: list[list[str]] = [[]]
    depth, start, i = 0, 0, 0
    while i < len(body):
        if body.startswith("\\\\", i) and depth == 0:
            rows[-1].append(body[start:i])
            rows.append([])
            i += 2
            start = i
            continue
        if body.startswith("\\begin", i) and not body[i + 6 : i + 7].isalpha():
            depth += 1
        elif body.startswith("\\end", i) and not body[i + 4 : i + 5].isalpha():
            depth -= 1
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "{}":
            depth += 1 if body[i] == "{" else -1
        elif body[i] == "&" and depth == 0:
            rows[-1].append(body[start:i])
            start = i + 1
        i += 1
    rows[-1].append(body[start:])
    return [row for row in rows if any(c.strip() for c in row)]


def stack(
    raw: str,
    room: float,
    width: Callable[[str], float],
    flat: Callable[[str], str],
    broken: Callable[[str, float], list[str]],
) -> str:
    """The (marked) ``cases`` ``raw`` with each row's condition under its value, for a
    line ``room`` ems wide: ``width`` measures LaTeX, ``flat`` is the LaTeX of marked
    text, ``broken`` breaks a marked value into lines for a width."""
    rows: list[str] = []
    for row in cells(raw[len(BEGIN) : -len(END)]):
        value = row[0].strip()
        condition = flat("&".join(row[1:]).strip())
        if not condition:
            rows.append(flat(value))
            continue
        otherwise = _WORDS_ONLY.fullmatch(condition) is not None
        line = rf"{flat(value)} \quad {condition}"
        if otherwise and width(line) <= room:  # no column of conditions to line up with
            rows.append(line)
            continue
        lines = [flat(value) + ","]
        if width(lines[0]) > room:
            lines = broken(value, room)
            lines[-1] += ","
        if len(lines) > 1:
            lines = [r"\begin{aligned}&" + r" \\ &\quad ".join(lines) + r"\end{aligned}"]
        rows += [lines[0], *_conditions(condition, room, width)]
    return f"{BEGIN} " + r" \\ ".join(rows) + f" {END}"


def _conditions(condition: str, room: float, width: Callable[[str], float]) -> list[str]:
    r"""The rows of a condition under its value, ``\quad``-indented: one, or, when it is
    too wide, one per part as its words start them (``for a > 0``, ``and b > 0``)."""
    if width(rf"\quad {condition}") <= room:
        return [rf"\quad {condition}"]
    starts = [m.start() for m in re.finditer(r"\\text\{", condition) if m.start() > 0]
    parts = [condition[i:j] for i, j in zip([0, *starts], [*starts, len(condition)], strict=True)]
    rows: list[str] = []
    for part in parts:
        joined = f"{rows[-1]}{part}" if rows else rf"\quad {part}"
        if rows and width(joined) <= room:
            rows[-1] = joined
        else:
            rows.append(joined if not rows else rf"\quad {part}")
    return rows


def stacked(latex: str) -> bool:
    """Whether ``latex`` holds a ``cases`` set by :func:`stack` (a row with no ``&``)."""
    start = latex.find(BEGIN)
    end = latex.rfind(END)
    if start < 0 or end < start:
        return False
    return any(len(row) == 1 for row in cells(latex[start + len(BEGIN) : end]))
