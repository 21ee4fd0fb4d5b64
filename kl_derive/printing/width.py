r"""A rough measure of how wide a piece of LaTeX mathematics sets, in ems.

Good enough to decide where a long display line must be broken: a fraction is as wide
as the wider of its parts, scripts are set smaller, commands such as ``\left`` take no
room of their own. It is an estimate, not TeX's measurement; the LaTeX tests compile the
output and check for overfull lines.
"""

from __future__ import annotations

__all__ = ["latex_width"]

_ZERO = {r"\left", r"\right", r"\middle", r"\mathrm", r"\mathbb", r"\mathcal", r"\displaystyle"}
_WORDS = {
    r"\log": 1.3,
    r"\exp": 1.5,
    r"\int": 0.8,
    r"\cdot": 0.8,
    r"\mid": 0.8,
    r"\parallel": 0.9,
    r"\infty": 1.0,
    r"\qquad": 2.0,
    r"\quad": 1.0,
}


def latex_width(text: str) -> float:
    """Estimated width of ``text`` (math mode) in ems."""
    width, _ = _measure(text, 0)
    return width


def _group(text: str, i: int) -> tuple[str, int]:
    """The content of the brace group starting at ``text[i] == '{'``, and the index after it."""
    depth, start = 0, i
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return text[start + 1 :], len(text)


def _argument(text: str, i: int) -> tuple[str, int]:
    while i < len(text) and text[i] == " ":
        i += 1
    if i < len(text) and text[i] == "{":
        return _group(text, i)
    if i < len(text) and text[i] == "\\":
        j = i + 1
        while j < len(text) and text[j].isalpha():
            j += 1
        return text[i:j], j
    return text[i : i + 1], i + 1


def _measure(text: str, i: int) -> tuple[float, int]:
    width = 0.0
    while i < len(text):
        c = text[i]
        if c == "\\":
            j = i + 1
            while j < len(text) and text[j].isalpha():
                j += 1
            name = text[i:j] if j > i + 1 else text[i : i + 2]
            i = j if j > i + 1 else i + 2
            if name in (r"\frac", r"\tfrac", r"\dfrac"):
                top, i = _argument(text, i)
                bottom, i = _argument(text, i)
                width += max(latex_width(top), latex_width(bottom)) + 0.3
            elif name == r"\sqrt":
                inner, i = _argument(text, i)
                width += latex_width(inner) + 0.9
            elif name in _ZERO:
                continue
            elif name in (r"\textcolor", r"\color"):
                _, i = _argument(text, i)  # the colour's name takes no room
            elif name in (r"\,", r"\!", r"\;", r"\ "):
                width += 0.2
            else:
                width += _WORDS.get(name, 0.65)
        elif c in "^_":
            inner, i = _argument(text, i + 1)
            width += 0.7 * latex_width(inner)
        elif c in "{} ":
            i += 1
        elif c in "+-=<>":
            width += 1.4  # the sign and the space around it
            i += 1
        else:
            width += 0.55
            i += 1
    return width, i
