r"""Breaking a long formula over lines, where a textbook breaks it.

The LaTeX printer marks, in what it writes, the places a formula may be broken and the
brackets a break may pass through (:func:`marked` text, with the private characters
below); :func:`flatten` removes the marks and gives the ordinary LaTeX. :func:`break_lines`
reads the marks and chooses the breaks for a measure:

* before a ``+`` or ``-`` of the outermost sum first (the sign starts the next line);
* then between the factors of a product, such as an integrand (the next line starts
  with ``\times``, or with the ``\cdot`` that joined the factors);
* then inside the widest bracket, integral, fraction or piecewise result of a single
  factor, which is broken by the same rules: ``\left( … \right)`` becomes a fixed-size
  ``\Bigl( … \Bigr)`` pair, since a ``\left``/``\right`` pair cannot be split between
  lines; a fraction too wide for the line gets its numerator over several lines; a
  ``cases`` too wide gets each condition on a row of its own under its value, and a value
  still too wide over lines in an ``aligned`` block.

Nothing inside braces (an exponent, a ``\sqrt``) or inside a ``\left … \right`` pair the
printer did not mark is ever broken. Highlighted parts (``--highlight``) are coloured on
every line they span. Widths come from :func:`.measure.latex_width`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import cases
from .line_marks import COLOR_OFF, COLOR_ON, HIGHLIGHT_COLOR, break_cost, close_colors
from .measure import latex_width

__all__ = [
    "BREAK_PRODUCT",
    "BREAK_SUM",
    "COLOR_OFF",
    "COLOR_ON",
    "HIGHLIGHT_COLOR",
    "break_lines",
    "flatten",
    "fraction",
    "group",
    "is_tall",
]


BREAK_SUM = "\ue000"  # before the sign of a term of a sum
BREAK_PRODUCT = "\ue001"  # between two factors
_OPEN = "\ue002"  # + L|P + delimiter + _END: a bracket a break may pass through
_CLOSE = "\ue003"
_FRAC = "\ue004"  # numerator _OVER denominator _FRAC_END
_OVER = "\ue005"
_FRAC_END = "\ue006"
_END = "\ue00e"
#: how much further a line continued inside brackets is indented (\quad), in ems
NESTED = 1.0
#: how far (ems) a piecewise result may seem to stick out before it is folded over rows:
#: the width model errs on the wide side, and a result that fits is left as it was
FOLD_MARGIN = 1.0
_MARKS = re.compile("[\ue000-\ue00e]")


def group(inner: str, left: str, right: str, grows: bool) -> str:
    """``inner`` in brackets that may be broken through: ``\\left( … \\right)`` when the
    brackets ``grow`` with the content, plain ``( … )`` otherwise."""
    kind = "L" if grows else "P"
    return f"{_OPEN}{kind}{left}{_END}{inner}{_CLOSE}{kind}{right}{_END}"


def fraction(top: str, bottom: str) -> str:
    """``\\frac{top}{bottom}``, whose numerator may be set over several lines."""
    return f"{_FRAC}{top}{_OVER}{bottom}{_FRAC_END}"


def is_tall(text: str) -> bool:
    """Whether marked text holds a fraction or growing brackets."""
    return _FRAC in text or f"{_OPEN}L" in text


_FLAT = {
    BREAK_SUM: "",
    BREAK_PRODUCT: "",
    _FRAC: r"\frac{",
    _OVER: "}{",
    _FRAC_END: "}",
    COLOR_ON: rf"\textcolor{{{HIGHLIGHT_COLOR}}}{{",
    COLOR_OFF: "}",
}
_BRACKET = re.compile(f"([{_OPEN}{_CLOSE}])([LP])(.*?){_END}")


def flatten(text: str) -> str:
    """The LaTeX of marked text."""
    if not _MARKS.search(text):
        return text

    def bracket(match: re.Match[str]) -> str:
        if match.group(2) == "P":
            return match.group(3)
        return ("\\left" if match.group(1) == _OPEN else "\\right") + match.group(3)

    text = _BRACKET.sub(bracket, text)
    return _MARKS.sub(lambda m: _FLAT.get(m.group(0), ""), text)


# -- the marked text read as a tree ------------------------------------------------
@dataclass
class _Group:
    grows: bool
    left: str
    right: str
    inner: list[_Item] = field(default_factory=list)


@dataclass
class _Fraction:
    top: list[_Item] = field(default_factory=list)
    bottom: list[_Item] = field(default_factory=list)


@dataclass
class _Cases:
    raw: str  # the marked ``\begin{cases} … \end{cases}``


_Item = str | _Group | _Fraction | _Cases  # text, a mark (BREAK_*, COLOR_*), or a breakable part


def _parse(text: str) -> list[_Item]:
    """The items of marked text; marks inside braces or a ``\\begin … \\end`` or an
    unmarked ``\\left … \\right`` are rendered on the spot (never broken)."""
    root: list[_Item] = []
    stack: list[tuple[list[_Item], object]] = []
    items = root
    buffer: list[str] = []
    atomic = 0  # depth of braces, environments and unmarked \left pairs
    i = 0

    def flush() -> None:
        if buffer:
            items.append("".join(buffer))
            buffer.clear()

    while i < len(text):
        c = text[i]
        if atomic:
            j = _atomic_end(text, i)
            buffer.append(flatten(text[i:j]))
            i = j
            atomic = 0
            continue
        if c == "\\" and text.startswith(cases.BEGIN, i):
            flush()
            j = _atomic_end(text, i)
            items.append(_Cases(text[i:j]))
            i = j
            continue
        if c == "\\" and text.startswith(("\\left", "\\begin"), i) and not _letter(text, i):
            atomic = 1
            continue
        if c == "{":
            atomic = 1
            continue
        if c == "\\":
            buffer.append(text[i : i + 2])
            i += 2
            continue
        if c in (BREAK_SUM, BREAK_PRODUCT, COLOR_ON, COLOR_OFF):
            flush()
            items.append(c)
            i += 1
        elif c == _OPEN:
            flush()
            end = text.index(_END, i)
            node = _Group(text[i + 1] == "L", text[i + 2 : end], "")
            items.append(node)
            stack.append((items, node))
            items = node.inner
            i = end + 1
        elif c == _CLOSE:
            flush()
            end = text.index(_END, i)
            items, node = stack.pop()
            assert isinstance(node, _Group)
            node.right = text[i + 2 : end]
            i = end + 1
        elif c == _FRAC:
            flush()
            node = _Fraction()
            items.append(node)
            stack.append((items, node))
            items = node.top
            i += 1
        elif c == _OVER:
            flush()
            _parent, node = stack[-1]
            assert isinstance(node, _Fraction)
            items = node.bottom
            i += 1
        elif c == _FRAC_END:
            flush()
            items, _node = stack.pop()
            i += 1
        else:
            buffer.append(c)
            i += 1
    flush()
    return root


def _letter(text: str, i: int) -> bool:
    """Whether the command at ``i`` (``\\left`` or ``\\begin``) is only a prefix of a name."""
    name = "\\left" if text.startswith("\\left", i) else "\\begin"
    following = text[i + len(name) : i + len(name) + 1]
    return following.isalpha()


def _atomic_end(text: str, i: int) -> int:
    """The end of the unbreakable stretch starting at ``i``: a brace group, an
    environment, or a ``\\left … \\right`` pair with its closing delimiter."""
    if text[i] == "{":
        depth = 0
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                return i
        return len(text)
    opening, closing = (
        ("\\left", "\\right") if text.startswith("\\left", i) else ("\\begin", "\\end")
    )
    depth = 0
    while i < len(text):
        if text.startswith(opening, i) and not text[i + len(opening)].isalpha():
            depth += 1
            i += len(opening)
            continue
        if (
            text.startswith(closing, i)
            and not text[i + len(closing) : i + len(closing) + 1].isalpha()
        ):
            depth -= 1
            i += len(closing)
            if depth == 0:
                return _delimiter_end(text, i, closing)
            continue
        if text[i] == "\\":
            i += 2
            continue
        i += 1
    return len(text)


def _delimiter_end(text: str, i: int, closing: str) -> int:
    """Past the delimiter after ``\\right`` (``)``, ``\\}``, ``.``) or the environment's
    name after ``\\end``."""
    if closing == "\\end":
        return text.index("}", i) + 1
    if text[i] == "\\":
        j = i + 1
        while j < len(text) and text[j].isalpha():
            j += 1
        return max(j, i + 2)
    return i + 1


def _render(items: list[_Item], colors: bool = True) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, _Group):
            inner = _render(item.inner, colors)
            if item.grows:
                out.append(rf"\left{item.left}{inner}\right{item.right}")
            else:
                out.append(f"{item.left}{inner}{item.right}")
        elif isinstance(item, _Fraction):
            out.append(rf"\frac{{{_render(item.top, colors)}}}{{{_render(item.bottom, colors)}}}")
        elif isinstance(item, _Cases):
            out.append(flatten(item.raw))
        elif item in (BREAK_SUM, BREAK_PRODUCT):
            continue
        elif item == COLOR_ON:
            out.append(rf"\textcolor{{{HIGHLIGHT_COLOR}}}{{" if colors else COLOR_ON)
        elif item == COLOR_OFF:
            out.append("}" if colors else COLOR_OFF)
        else:
            out.append(item)
    return "".join(out)


# -- choosing the breaks ---------------------------------------------------------------
def break_lines(
    text: str, first: float, rest: float, measure: Callable[[str], float] = latex_width
) -> list[str]:
    """Marked ``text`` as lines of LaTeX: the first at most ``first`` ems wide, the others
    at most ``rest`` (when the formula allows it: a part with no break in it is left
    whole, and then the line is wider)."""
    breaker = _Breaker(measure)
    lines = breaker.lines(_parse(text), first, rest)
    return close_colors(lines)


class _Breaker:
    def __init__(self, measure: Callable[[str], float]) -> None:
        self.measure = measure
        #: inside a fraction's numerator or denominator: break only between its terms or
        #: factors, never inside a bracket of it (``\\exp(-(z \\ - \\mu)^2)`` is unreadable)
        self.shallow = False

    def width(self, text: str) -> float:
        return self.measure(text.replace(COLOR_ON, "").replace(COLOR_OFF, ""))

    def lines(self, items: list[_Item], first: float, rest: float) -> list[str]:
        whole = _render(items, colors=False).strip()
        if self.width(whole) <= first:
            return [whole]
        for mark in (BREAK_SUM, BREAK_PRODUCT):
            parts = _split(items, mark)
            if len(parts) > 1:
                return self.pack(parts, first, rest, mark)
        if self.shallow:
            return [whole]
        return self.inside(items, first, rest)

    def pack(self, parts: list[list[_Item]], first: float, rest: float, mark: str) -> list[str]:
        """Greedily fill lines with ``parts`` (terms or factors); a part too long for the
        room left is either begun on the current line and broken inside, or moved to the
        next line, whichever gives fewer lines and fewer broken products."""
        out: list[str] = []
        current, budget = "", first
        for index, part in enumerate(parts):
            text = _render(part, colors=False).strip()
            if not text:
                continue
            joined = f"{current} {text}" if current else text
            if self.width(joined) <= budget:
                current = joined
                continue
            here: list[str] | None = None
            if current and _breakable(part):
                room = budget - self.width(current) - 0.3
                pieces = self.lines(part, room, rest)
                if len(pieces) > 1 and self.width(pieces[0]) <= room:
                    here = [f"{current} {pieces[0]}", *pieces[1:]]
            if mark == BREAK_PRODUCT and index > 0 and current:
                part = _continued(part)
                text = _render(part, colors=False).strip()
            below = [current] if current else []
            if self.width(text) <= (rest if current else budget):
                below.append(text)
            else:
                below.extend(self.lines(part, rest if current else budget, rest))
            chosen = here if here is not None and break_cost(here) < break_cost(below) else below
            out.extend(chosen[:-1])
            current = chosen[-1]
            budget = rest if len(out) else first
        if current:
            out.append(current)
        return out

    def inside(self, items: list[_Item], first: float, rest: float) -> list[str]:
        """A single factor too wide: break inside its widest bracket or fraction."""
        candidates = [
            (self.width(_render([item], colors=False)), k)
            for k, item in enumerate(items)
            if isinstance(item, (_Group, _Fraction, _Cases))
        ]
        if not candidates:
            return [_render(items, colors=False).strip()]
        _, k = max(candidates)
        head = _render(items[:k], colors=False)
        tail = _render(items[k + 1 :], colors=False)
        item = items[k]
        if isinstance(item, _Fraction):
            return self.fraction(item, head, tail, first, rest)
        if (
            isinstance(item, _Cases)
            and self.width(_render(items, colors=False)) > first + FOLD_MARGIN
        ):
            return self.piecewise(item, head, tail, first)
        if isinstance(item, _Cases):  # within the width model's error: left whole
            return [_render(items, colors=False).strip()]
        left, right = _fixed(item)
        opening = f"{head}{left}"
        closing = self.width(f"{right}{tail}")  # only on the last line, kept off every line
        room = first - self.width(opening) - closing
        inner = self.lines(item.inner, room, rest - NESTED - closing)
        if len(inner) == 1:
            return [_render(items, colors=False).strip()]
        # the lines continued inside the brackets are indented further
        inner = [inner[0], *(rf"\quad {line}" for line in inner[1:])]
        closing = f"{inner[-1]}{right}{tail}"
        return [f"{opening}{inner[0]}".strip(), *inner[1:-1], closing.strip()]

    def fraction(
        self, item: _Fraction, head: str, tail: str, first: float, rest: float
    ) -> list[str]:
        """A fraction wider than the line: its numerator (and its denominator, if that is
        too wide as well) over lines in an ``aligned`` block; the fraction then stays on
        one line of the display."""
        room = first - self.width(head) - self.width(tail)
        parts = []
        for items in (item.top, item.bottom):
            shallow, self.shallow = self.shallow, True
            try:
                lines = self.lines(items, room, room - 1.0)
            finally:
                self.shallow = shallow
            if any(self.width(line) > room for line in lines):
                # a bracket wider than the line: broken inside after all (unreadable is
                # better than cut off at the margin)
                lines = self.lines(items, room, room - 1.0)
            lines = close_colors(lines)
            if len(lines) == 1:
                parts.append(lines[0])
            else:
                stacked = r" \\ &\quad ".join(lines)
                parts.append(rf"\begin{{aligned}}&{stacked}\end{{aligned}}")
        top, bottom = parts
        return [rf"{head}\frac{{{top}}}{{{bottom}}}{tail}".strip()]

    def piecewise(self, item: _Cases, head: str, tail: str, first: float) -> list[str]:
        """A piecewise result wider than the line, stacked (:mod:`.cases`); it then stays
        on one line of the display, as a fraction does."""
        frame = self.width(rf"{cases.BEGIN}  {cases.END}") + 0.5  # and a margin of error
        room = first - self.width(head) - self.width(tail) - frame

        def broken(value: str, width: float) -> list[str]:
            shallow, self.shallow = self.shallow, False
            try:
                return close_colors(self.lines(_parse(value), width, width - NESTED))
            finally:
                self.shallow = shallow

        stacked = cases.stack(item.raw, room, self.width, flatten, broken)
        return [f"{head}{stacked}{tail}".strip()]


def _split(items: list[_Item], mark: str) -> list[list[_Item]]:
    parts: list[list[_Item]] = [[]]
    for item in items:
        if item == mark:
            parts.append([])
        else:
            parts[-1].append(item)
    return [p for p in parts if p]


def _breakable(part: list[_Item]) -> bool:
    return any(
        isinstance(item, (_Group, _Fraction)) or item in (BREAK_SUM, BREAK_PRODUCT) for item in part
    )


def _continued(part: list[_Item]) -> list[_Item]:
    """A factor that starts a line: ``\\cdot …`` as it was joined, else with ``\\times`` in
    front (The TeXbook's rule for a product broken over lines)."""
    if part and isinstance(part[0], str):
        stripped = part[0].lstrip()
        if stripped.startswith((r"\cdot", r"\times")):
            return [stripped, *part[1:]]
        return [rf"\times {stripped}", *part[1:]]
    return [r"\times ", *part]


def _fixed(item: _Group) -> tuple[str, str]:
    """The fixed-size pair a broken bracket becomes, sized by what it encloses."""
    content = _render(item.inner, colors=False)
    if not item.grows:
        size = "big"
    elif r"\sum" in content or r"\int" in content or (r"\frac" in content and r"\sqrt" in content):
        size = "Bigg"
    elif r"\frac" in content:
        size = "bigg"
    elif "^" in content or r"\sqrt" in content:
        size = "Big"
    else:
        size = "big"
    return rf"\{size}l{item.left}", rf"\{size}r{item.right}"
