r"""How wide a piece of LaTeX mathematics sets, in ems of the 10pt font: TeX's rules, in small.

The formula is read into atoms as TeX reads it (ordinary symbols, operators such as
``\log``, binary operators, relations, opening and closing delimiters, punctuation,
inner sub-formulas such as fractions), each atom's width is looked up in the glyph
widths of the Computer Modern fonts (:mod:`.metrics`), scripts are measured at script
size, and the spaces TeX puts between atoms are added from its table (a thin space
between ``\log`` and its argument, a medium one around ``+``, a thick one around ``=``).

It is a model, not TeX: the sizes of ``\left`` delimiters are guessed from what they
enclose and kerning is ignored. ``tests/test_measure.py`` compares it with pdflatex's own
``\settowidth`` on every line the layout sample prints; it errs on the wide side.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .cases import cells
from .metrics import DELIMITERS, GLYPHS, OPERATORS

__all__ = ["latex_width", "math_width"]

ORD, OP, BIN, REL, OPEN, CLOSE, PUNCT, INNER = range(8)

THIN, MED, THICK = 1 / 6, 2 / 9, 5 / 18
#: TeX's spacing table (The TeXbook, ch. 18): the space between two adjacent atoms;
#: a negative entry is only set in display and text style
_SPACE = {
    (ORD, OP): THIN,
    (ORD, BIN): -MED,
    (ORD, REL): -THICK,
    (ORD, INNER): -THIN,
    (OP, ORD): THIN,
    (OP, OP): THIN,
    (OP, REL): -THICK,
    (OP, INNER): -THIN,
    (BIN, ORD): -MED,
    (BIN, OP): -MED,
    (BIN, OPEN): -MED,
    (BIN, INNER): -MED,
    (REL, ORD): -THICK,
    (REL, OP): -THICK,
    (REL, OPEN): -THICK,
    (REL, INNER): -THICK,
    (CLOSE, OP): THIN,
    (CLOSE, BIN): -MED,
    (CLOSE, REL): -THICK,
    (CLOSE, INNER): -THIN,
    (PUNCT, ORD): -THIN,
    (PUNCT, OP): -THIN,
    (PUNCT, REL): -THIN,
    (PUNCT, OPEN): -THIN,
    (PUNCT, CLOSE): -THIN,
    (PUNCT, PUNCT): -THIN,
    (PUNCT, INNER): -THIN,
    (INNER, ORD): -THIN,
    (INNER, OP): THIN,
    (INNER, BIN): -MED,
    (INNER, REL): -THICK,
    (INNER, OPEN): -THIN,
    (INNER, PUNCT): -THIN,
    (INNER, INNER): -THIN,
}

DISPLAY, TEXT, SCRIPT, SCRIPTSCRIPT = range(4)
SCRIPT_SPACE = 0.05  # \scriptspace, 0.5pt
NULL_DELIMITER = 0.12  # \nulldelimiterspace, 1.2pt

_FUNCTIONS = {"log", "exp", "ln", "det", "sin", "cos", "tan", "max", "min", "arg", "lim", "tr"}
_FUNCTIONS |= {"sinh", "cosh", "tanh", "coth"}
_RELATIONS = {
    "=": REL,
    "<": REL,
    ">": REL,
    r"\mid": REL,
    r"\parallel": REL,
    r"\leq": REL,
    r"\le": REL,
    r"\geq": REL,
    r"\ge": REL,
    r"\sim": REL,
    r"\approx": REL,
    r"\to": REL,
    r"\in": REL,
    r"\coloneqq": REL,
    "+": BIN,
    "-": BIN,
    r"\cdot": BIN,
    r"\times": BIN,
    r"\pm": BIN,
    r"\ast": BIN,
    r"\wedge": BIN,
    r"\vee": BIN,
    r"\land": BIN,
    r"\lor": BIN,
}
_SPACES = {
    r"\,": THIN,
    r"\:": MED,
    r"\>": MED,
    r"\;": THICK,
    r"\!": -THIN,
    r"\ ": 1 / 3,
    "~": 1 / 3,
    r"\quad": 1.0,
    r"\qquad": 2.0,
}
#: fixed-size delimiters: the index into a DELIMITERS entry and the atom class
_SIZED = {
    f"\\{size}{side}": (index, cls)
    for index, size in enumerate(("big", "Big", "bigg", "Bigg"), start=1)
    for side, cls in (("l", OPEN), ("r", CLOSE), ("", ORD), ("m", REL))
}
#: commands set with another command's glyph
_ALIASES = {
    r"\land": r"\wedge",
    r"\lor": r"\vee",
    r"\mid": "|",
    r"\parallel": r"\|",
    r"\le": r"\leq",
    r"\ge": r"\geq",
    r"\lvert": "|",
}
#: commands that take no room and no argument of their own
_INVISIBLE = {r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits", r"\relax", r"\notag"}


@dataclass
class _Atom:
    cls: int
    width: float


def latex_width(text: str, inline: bool = False) -> float:
    """The width of ``text`` (math mode, display style unless ``inline``) in ems."""
    return math_width(text, TEXT if inline else DISPLAY)


@functools.lru_cache(maxsize=8192)
def math_width(text: str, style: int = DISPLAY) -> float:
    """The width of ``text`` in ems (remembered: line breaking measures the same runs of a
    formula many times, 7987 calls for 493 texts in one truncated-normal derivation)."""
    return _Reader(text, style).read()


class _Reader:
    """Reads a formula into atoms and adds up their widths and the spaces between them."""

    def __init__(self, text: str, style: int) -> None:
        self.text = text
        self.i = 0
        self.style = style

    @property
    def size(self) -> int:
        return 0 if self.style <= TEXT else 1

    def scale(self, width: float) -> float:
        return width * 0.78 if self.style == SCRIPTSCRIPT else width

    def glyph(self, name: str, default: float = 0.6) -> float:
        pair = GLYPHS.get(_ALIASES.get(name, name))
        if pair is None:
            return self.scale(default if self.size == 0 else default * 0.8)
        return self.scale(pair[self.size])

    def read(self, stop: str | None = None) -> float:
        atoms: list[_Atom] = []
        while self.i < len(self.text):
            c = self.text[self.i]
            if stop is not None and c == stop:
                self.i += 1
                break
            atom = self.atom(atoms)
            if atom is not None:
                atoms.append(atom)
        return self.total(atoms)

    def total(self, atoms: list[_Atom]) -> float:
        width = 0.0
        previous: int | None = None
        for position, atom in enumerate(atoms):
            cls = atom.cls
            if cls == BIN and (
                previous in (None, OP, BIN, REL, OPEN, PUNCT)
                or (position + 1 < len(atoms) and atoms[position + 1].cls in (REL, CLOSE, PUNCT))
            ):
                cls = atom.cls = ORD  # a sign, not an operation: - x, (-1)
            if previous is not None:
                space = _SPACE.get((previous, cls), 0.0)
                if space > 0 or self.style <= TEXT:
                    width += abs(space)
            width += atom.width
            previous = cls
        return width

    # -- reading ------------------------------------------------------------
    def command(self) -> str:
        j = self.i + 1
        while j < len(self.text) and self.text[j].isalpha():
            j += 1
        if j == self.i + 1:
            j += 1  # \, \{ \|
        name = self.text[self.i : j]
        self.i = j
        return name

    def group(self) -> str:
        """The next argument: a braced group's content, a command, or one character."""
        text = self.text
        while self.i < len(text) and text[self.i] == " ":
            self.i += 1
        if self.i >= len(text):
            return ""
        if text[self.i] == "{":
            depth, start = 0, self.i
            while self.i < len(text):
                c = text[self.i]
                if c == "\\":
                    self.i += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        self.i += 1
                        return text[start + 1 : self.i - 1]
                self.i += 1
            return text[start + 1 :]
        if text[self.i] == "\\":
            return self.command()
        self.i += 1
        return text[self.i - 1]

    def sub(self, text: str, style: int | None = None) -> float:
        return _Reader(text, self.style if style is None else style).read()

    def smaller(self) -> int:
        return {DISPLAY: SCRIPT, TEXT: SCRIPT, SCRIPT: SCRIPTSCRIPT}.get(self.style, SCRIPTSCRIPT)

    def fraction_style(self) -> int:
        return {DISPLAY: TEXT, TEXT: SCRIPT}.get(self.style, SCRIPTSCRIPT)

    def scripts(self, atom: _Atom, italic: float = 0.0) -> None:
        """Attach the ``^``/``_`` scripts (and primes) that follow to ``atom``."""
        sup = sub = None
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == " ":
                self.i += 1
                continue
            if c == "'":
                self.i += 1
                primes = 1
                while self.i < len(self.text) and self.text[self.i] == "'":
                    primes += 1
                    self.i += 1
                sup = (sup or 0.0) + primes * GLYPHS[r"\prime"][1]
                continue
            if c not in "^_":
                break
            self.i += 1
            width = self.sub(self.group(), self.smaller())
            if c == "^":
                sup = width
            else:
                sub = width
        if sup is None and sub is None:
            return
        atom.width += max(italic + (sup or 0.0), sub or 0.0) + SCRIPT_SPACE

    def atom(self, atoms: list[_Atom]) -> _Atom | None:
        c = self.text[self.i]
        if c in " \n\t&":
            self.i += 1
            return None
        if c in "^_'":  # a script on nothing
            atom = _Atom(ORD, 0.0)
            self.scripts(atom)
            return atom
        if c == "{":
            atom = _Atom(ORD, self.sub(self.group()))
        elif c == "\\":
            start = self.i
            name = self.command()
            if name == r"\\":
                return None
            atom = self.control(name, start, atoms)
            if atom is None:
                return None
        else:
            self.i += 1
            cls = _RELATIONS.get(c, ORD)
            if c in "([":
                cls = OPEN
            elif c in ")]!":
                cls = CLOSE
            elif c in ",;":
                cls = PUNCT
            elif c == "}":
                return None
            atom = _Atom(cls, self.glyph(c, 0.5))
        self.scripts(atom)
        return atom

    def control(self, name: str, start: int, atoms: list[_Atom]) -> _Atom | None:
        word = name[1:]
        if name in _SPACES:
            return self.space(_SPACES[name], atoms)
        if name in _INVISIBLE:
            return None
        if name in (r"\textcolor", r"\color"):
            self.group()  # the colour's name
            if name == r"\color":
                return None
            return _Atom(ORD, self.sub(self.group()))
        if name in (r"\frac", r"\dfrac", r"\tfrac", r"\binom"):
            inner = {r"\dfrac": TEXT, r"\tfrac": SCRIPT}.get(name, self.fraction_style())
            top, bottom = self.sub(self.group(), inner), self.sub(self.group(), inner)
            width = max(top, bottom)
            if name == r"\binom":
                size = 3 if self.style == DISPLAY else 1
                return _Atom(INNER, width + 2 * DELIMITERS["("][size])
            return _Atom(INNER, width + 2 * NULL_DELIMITER)
        if name == r"\sqrt":
            if self.i < len(self.text) and self.text[self.i] == "[":
                self.i = self.text.index("]", self.i) + 1
            return _Atom(ORD, self.glyph("sqrt", 0.8333) + self.sub(self.group()))
        if name in (r"\boldsymbol", r"\bm"):
            return _Atom(ORD, 1.1 * self.sub(self.group()))
        if name in (r"\mathrm", r"\operatorname", r"\text", r"\textrm", r"\mathit", r"\mathbf"):
            content = self.group()
            width = sum(self.glyph(f"rm:{ch}", 1.0 if ord(ch) > 0x2000 else 0.5) for ch in content)
            if name == r"\mathbf":
                width *= 1.15
            cls = OP if name == r"\operatorname" else ORD
            return _Atom(cls, width)
        if name in (r"\mathcal", r"\mathbb"):
            prefix = "cal" if name == r"\mathcal" else "bb"
            return _Atom(ORD, sum(self.glyph(f"{prefix}:{ch}", 0.8) for ch in self.group()))
        if word in _FUNCTIONS:
            return _Atom(OP, sum(self.glyph(f"rm:{ch}") for ch in word))
        if name in OPERATORS:
            return self.big_operator(name)
        if name in (r"\left", r"\right", r"\middle"):
            return self.delimited(name, start)
        if name in _SIZED:
            index, cls = _SIZED[name]
            delimiter = self.group()
            return _Atom(cls, DELIMITERS.get(delimiter, (0.4,) * 5)[index])
        if name in (r"\overset", r"\underset", r"\stackrel"):
            over = self.sub(self.group(), self.smaller())
            base_start = self.i
            base = self.sub(self.group())
            cls = REL if self.text[base_start : self.i].strip("{} ") == "=" else ORD
            return _Atom(cls, max(over, base))
        if name in (r"\overline", r"\underline", r"\hat", r"\tilde", r"\bar", r"\vec"):
            return _Atom(ORD, self.sub(self.group()))
        if name == r"\begin":
            return self.environment(self.group())
        if name == r"\end":
            self.group()
            return None
        if name in (r"\hspace", r"\hspace*"):
            return self.space(_length(self.group()), atoms)
        if name in (r"\ldots", r"\dots", r"\cdots", r"\dotsb"):
            return _Atom(INNER, 3 * GLYPHS["."][0] + 2 * THIN)
        if name in _RELATIONS:
            return _Atom(_RELATIONS[name], self.glyph(name, 0.78))
        if name in (r"\{", r"\langle"):
            return _Atom(OPEN, self.glyph(name, 0.5))
        if name in (r"\}", r"\rangle"):
            return _Atom(CLOSE, self.glyph(name, 0.5))
        return _Atom(ORD, self.glyph(name, 0.8))

    def space(self, width: float, atoms: list[_Atom]) -> None:
        if atoms:
            atoms[-1].width += width
        else:
            atoms.append(_Atom(ORD, width))  # leading space: an empty ordinary atom
        return None

    def big_operator(self, name: str) -> _Atom:
        display = self.style == DISPLAY
        width = OPERATORS[name][1 if display else 0]
        atom = _Atom(OP, width)
        if name == r"\int":
            italic = 0.4444 if display else 0.2778
            before = atom.width
            self.scripts(atom, italic=italic)
            if atom.width == before:  # no limits: the italic correction is kept
                atom.width += italic
            return atom
        if display:  # limits above and below
            limits = _Atom(OP, 0.0)
            self.scripts(limits)
            atom.width = max(width, limits.width - SCRIPT_SPACE)
            return atom
        self.scripts(atom)
        return atom

    def delimited(self, name: str, start: int) -> _Atom | None:
        """``\\left( ... \\right)`` as one inner atom, its delimiters sized by the content."""
        if name != r"\left":
            delimiter = self.group()
            return _Atom(REL if name == r"\middle" else CLOSE, _delimiter(delimiter, 0))
        opening = self.group()
        depth, j = 1, self.i
        while j < len(self.text):
            if self.text.startswith(r"\left", j) and not self.text[j + 5 : j + 6].isalpha():
                depth += 1
            elif self.text.startswith(r"\right", j) and not self.text[j + 6 : j + 7].isalpha():
                depth -= 1
                if depth == 0:
                    break
            j += 1
        content = self.text[self.i : j]
        self.i = min(j + len(r"\right"), len(self.text))
        closing = self.group() if self.i < len(self.text) else "."
        size = _size_of(content, self.style)
        width = self.sub(content) + _delimiter(opening, size) + _delimiter(closing, size)
        atom = _Atom(INNER, width)
        self.scripts(atom)
        return atom

    def environment(self, name: str) -> _Atom:
        end = self.text.find(rf"\end{{{name}}}", self.i)
        body = self.text[self.i : end if end >= 0 else len(self.text)]
        self.i = len(self.text) if end < 0 else end + len(rf"\end{{{name}}}")
        if name in ("aligned", "gathered", "split") and body.startswith("["):
            body = body[body.index("]") + 1 :]
        rows = [row.split("&") for row in body.split(r"\\")]
        if r"\begin" in body:  # a nested environment (a folded case's value) kept whole
            rows = cells(body)
        columns = max(len(row) for row in rows)
        widths = [
            max((self.sub(row[k]) if k < len(row) else 0.0) for row in rows) for k in range(columns)
        ]
        if name in ("aligned", "split", "gathered"):
            return _Atom(ORD, sum(widths))
        if name == "cases":  # a brace, then the values and conditions a quad apart
            return _Atom(INNER, _delimiter(r"\{", min(5, len(rows) + 1)) + sum(widths) + 1.0)
        if name == "smallmatrix":  # script-size entries, a thick space between columns (a margin)
            return _Atom(INNER, 0.75 * sum(widths) + 0.33 * (columns - 1))
        gap = 1.0 * (columns - 1)  # 2\arraycolsep between columns
        delimiters = {"pmatrix": "(", "bmatrix": "[", "vmatrix": "|"}
        size = min(5, len(rows) + 1)
        fence = 2 * _delimiter(delimiters[name], size) if name in delimiters else 0.0
        padding = 1.0 if name == "array" else 0.0
        return _Atom(INNER, sum(widths) + gap + fence + padding)


def _length(text: str) -> float:
    """A length such as ``8em`` or ``1ex`` in ems (other units: points at 10pt)."""
    text = text.strip()
    for unit, factor in (("em", 1.0), ("ex", 0.43), ("pt", 0.1), ("mm", 0.2845)):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * factor
            except ValueError:
                return 0.0
    return 0.0


def _delimiter(name: str, size: int) -> float:
    if name == ".":
        return NULL_DELIMITER
    return DELIMITERS.get(name, (0.4,) * 5)[size]


def _size_of(content: str, style: int) -> int:
    """Which size ``\\left`` picks for ``content`` (normal, big, Big, bigg, Bigg or built
    from pieces), on the large side: it depends on heights the model does not track."""
    if r"\begin{" in content:
        return 5
    if r"\frac" in content or r"\binom" in content:
        nested = re.search(r"\\frac.*(\\frac|\\sqrt|\\sum|\\int)", content) is not None
        if style == DISPLAY:
            return 5 if nested else 3
        return 2
    if r"\sum" in content:
        return 5 if style == DISPLAY else 2
    if r"\int" in content:
        return 3 if style == DISPLAY else 2
    if r"\sqrt" in content:
        return 2
    if "^" in content:
        return 1
    return 0
