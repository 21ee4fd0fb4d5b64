"""Plain text for a terminal (``--to text``): prose wrapped to a width, formulas kept whole.

Inline mathematics and quoted code are written with :func:`keep_together`, which joins
their words with a private character so that :func:`wrap` never breaks a line inside a
formula; the renderer turns it back into spaces at the end.
"""

from __future__ import annotations

from ..printing.unicode import text_width

__all__ = ["TEXT_WIDTH", "keep_together", "wrap"]

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
        for word in words:
            if lines and text_width(lines[-1]) + 1 + text_width(word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(indent + word)
        out.append("\n".join(line.replace(_GLUE, " ") for line in lines))
    return "\n\n".join(p for p in out if p)
