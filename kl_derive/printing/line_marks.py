"""The lines a broken formula is set in: how bad a way of breaking is, and the colour of a
highlighted part carried from one line to the next (used by :mod:`.breaking`)."""

from __future__ import annotations

import re

__all__ = ["COLOR_OFF", "COLOR_ON", "HIGHLIGHT_COLOR", "break_cost", "close_colors", "unindented"]

#: the colour of a highlighted part: a name both xcolor (LaTeX) and KaTeX know
HIGHLIGHT_COLOR = "blue"
#: marks around a highlighted part (private-use characters, like the breaking marks)
COLOR_ON = "\ue007"
COLOR_OFF = "\ue008"

_SIZED_OPEN = re.compile(r"\\(?:big|Big|bigg|Bigg)l")
_SIZED_CLOSE = re.compile(r"\\(?:big|Big|bigg|Bigg)r")


def break_cost(lines: list[str]) -> int:
    """How bad a way of breaking is: its lines, each break inside brackets one more, and a
    broken product two more."""
    cost, depth = 0, 0
    for line in lines:
        cost += 1 + (depth > 0) + 2 * unindented(line).startswith(r"\times")
        depth += len(_SIZED_OPEN.findall(line)) - len(_SIZED_CLOSE.findall(line))
    return cost


def close_colors(lines: list[str]) -> list[str]:
    """Each line's colour switched on again where a highlighted part continues from the
    line before, and switched off at its end; the colour marks become ``\\textcolor``."""
    out: list[str] = []
    open_ = 0
    for line in lines:
        body = unindented(line)
        text = line[: len(line) - len(body)] + (COLOR_ON * open_) + body
        for c in line:
            if c == COLOR_ON:
                open_ += 1
            elif c == COLOR_OFF:
                open_ -= 1
        text += COLOR_OFF * open_
        on = rf"\textcolor{{{HIGHLIGHT_COLOR}}}{{"
        text = text.replace(COLOR_ON, on).replace(COLOR_OFF, "}")
        indent = text[: len(text) - len(unindented(text))]
        body = text[len(indent) :]
        operator = _OPERATOR.match(body[len(on) :]) if body.startswith(on) else None
        if operator:  # the operator stays outside the colour, a binary operator there
            text = indent + operator.group(0) + on + body[len(on) + operator.end() :]
        out.append(text)
    return out


_OPERATOR = re.compile(r"(?:[+-]|\\times|\\cdot) ")


def unindented(line: str) -> str:
    """``line`` without the ``\\quad`` indentation of lines continued inside brackets."""
    while line.startswith(r"\quad "):
        line = line[len(r"\quad ") :]
    return line
