r"""Typst mathematics: the textbook LaTeX printer's choices, in Typst's math syntax.

kl-derive decides how a formula is written once, in :mod:`kl_derive.printing.latex`
(``\log \sigma^{2}`` without brackets, ``\frac{1}{2}`` before a sum, where a long line
breaks). :class:`TypstPrinter` prints with that printer and translates the result, a small
and fixed subset of LaTeX, into Typst (``log sigma^(2)``, ``(1)/(2) (mu^(2) + ...)``);
:func:`latex_to_typst` translates the fixed snippets a derivation carries besides
expressions (the identities of the rules, a family's notation, the densities' names) the
same way, so every formula of a Typst document goes through one translation.

Every letter of LaTeX mathematics is its own symbol; Typst reads a run of letters as one
name (``ab`` is a variable called ``ab``), so the translation separates atoms with spaces,
which Typst's math layout ignores. A slash that LaTeX prints inside a fraction is Typst's
fraction operator, so it becomes the symbol ``slash``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .breaking import break_lines
from .cases import cells
from .latex import TextbookLatexPrinter
from .measure import latex_width

__all__ = ["TypstPrinter", "kl_typst", "latex_to_typst", "stack_cases"]

#: LaTeX commands that are a Typst symbol or name of their own
_SYMBOLS = {
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "delta": "delta",
    "epsilon": "epsilon.alt", "varepsilon": "epsilon", "zeta": "zeta", "eta": "eta",
    "theta": "theta", "vartheta": "theta.alt", "iota": "iota", "kappa": "kappa",
    "lambda": "lambda", "mu": "mu", "nu": "nu", "xi": "xi", "pi": "pi", "rho": "rho",
    "sigma": "sigma", "tau": "tau", "upsilon": "upsilon", "phi": "phi.alt", "varphi": "phi",
    "chi": "chi", "psi": "psi", "omega": "omega", "Gamma": "Gamma", "Delta": "Delta",
    "Theta": "Theta", "Lambda": "Lambda", "Xi": "Xi", "Pi": "Pi", "Sigma": "Sigma",
    "Phi": "Phi", "Psi": "Psi", "Omega": "Omega",
    "log": "log", "exp": "exp", "det": "det", "cos": "cos", "sin": "sin", "tan": "tan",
    "infty": "infinity", "wedge": "and", "land": "and", "vee": "or", "lor": "or",
    "neg": "not", "lnot": "not", "cap": "∩", "cup": "∪", "setminus": "∖",
    "emptyset": "∅", "varnothing": "∅", "subseteq": "⊆", "subset": "⊂", "notin": "∉",
    "forall": "∀", "exists": "∃", "pm": "±", "mp": "∓", "equiv": "≡", "propto": "∝",
    "ll": "≪", "gg": "≫", "prime": "′", "parallel": "∥", "|": "‖", "mid": "∣",
    "cdot": "dot.op", "odot": "⊙", "circ": "∘", "times": "times", "sum": "sum", "prod": "product",
    "int": "scripts(integral)", "ell": "ell",
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "ne": "!=", "neq": "!=",
    "approx": "approx", "sim": "∼", "to": "->", "mapsto": "|->", "implies": "==>",
    "in": "in", "partial": "∂", "nabla": "nabla", "langle": "⟨",
    "rangle": "⟩", "lvert": "|", "rvert": "|", "dots": "…", "ldots": "…",
    "cdots": "⋯", "quad": "quad", "qquad": "wide", ",": "thin", ";": "med",
    ":": "med", " ": "thin", "{": "\\{", "}": "\\}", "%": "%", "#": "\\#", "&": "\\&",
}  # fmt: skip
#: commands that take no room and print nothing of their own
_NOTHING = {"!", "displaystyle", "textstyle"}
#: commands with one argument, and how Typst writes them
_WRAPPERS = {
    "mathcal": "cal({})",
    "mathbb": "bb({})",
    "boldsymbol": "bold({})",
    "mathbf": "upright(bold({}))",
    "sqrt": "sqrt({})",
}
_TEXT = {"mathrm", "text", "operatorname", "texttt"}
#: TeX's fixed delimiter sizes (\big, \Big, \bigg, \Bigg), as Typst sizes
_SIZES = {"big": "1.2em", "Big": "1.8em", "bigg": "2.4em", "Bigg": "3em"}


class _Reader:
    """A cursor over LaTeX source."""

    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def done(self) -> bool:
        return self.i >= len(self.text)

    def skip_spaces(self) -> None:
        while not self.done() and self.text[self.i] == " ":
            self.i += 1

    def command(self) -> str:
        """The name of the command at the cursor (after its backslash)."""
        match = re.match(r"\\([A-Za-z]+|.)", self.text[self.i :])
        if match is None:  # a backslash at the very end
            self.i += 1
            return ""
        self.i += len(match.group(0))
        return match.group(1)

    def group(self) -> str:
        """The raw LaTeX of the argument at the cursor: a brace group, a command or one
        character."""
        self.skip_spaces()
        if self.done():
            return ""
        c = self.text[self.i]
        if c == "{":
            depth = 0
            for j in range(self.i, len(self.text)):
                if self.text[j] == "\\":
                    continue
                if self.text[j] == "{" and self.text[j - 1] != "\\":
                    depth += 1
                elif self.text[j] == "}" and self.text[j - 1] != "\\":
                    depth -= 1
                    if depth == 0:
                        inner = self.text[self.i + 1 : j]
                        self.i = j + 1
                        return inner
            inner, self.i = self.text[self.i + 1 :], len(self.text)
            return inner
        if c == "\\":
            start = self.i
            self.command()
            return self.text[start : self.i]
        self.i += 1
        return c


def latex_to_typst(latex: str) -> str:
    r"""The LaTeX mathematics kl-derive prints, in Typst's math syntax:
    ``\frac{1}{2} \log \sigma^{2}`` -> ``(1)/(2) log sigma^(2)``."""
    atoms: list[str] = []
    reader = _Reader(latex)
    while not reader.done():
        c = reader.text[reader.i]
        if c == " ":
            reader.i += 1
        elif c in "^_":
            reader.i += 1
            inner = latex_to_typst(reader.group())
            script = f"{c}({inner})"
            if atoms:
                atoms[-1] += script
            else:
                atoms.append(f'""{script}')
        elif c == "\\":
            _command(reader, atoms)
        elif c == "{":  # a group only LaTeX sees: its content
            atoms.append(latex_to_typst(reader.group()))
        elif c == "}":
            reader.i += 1
        elif c.isdigit():
            match = re.match(r"\d+(\.\d+)?", reader.text[reader.i :])
            assert match is not None
            atoms.append(match.group(0))
            reader.i += len(match.group(0))
        elif c == "/":
            atoms.append("slash")
            reader.i += 1
        elif c in "<>":
            atoms.append(c)
            reader.i += 1
        elif c in '"#$@*`~':
            atoms.append("\\" + c)
            reader.i += 1
        else:
            atoms.append(c)
            reader.i += 1
    return " ".join(a for a in _unpaired(atoms) if a)


_BRACKET = re.compile(r"[()\[\]](?:[_^].*)?", flags=re.S)


def _unpaired(atoms: list[str]) -> list[str]:
    """``atoms`` with the brackets that have no partner escaped (``\\(``): a line of a
    broken formula may open a bracket that a later line closes, and Typst would otherwise
    pair it with whatever comes next, or fail."""
    opened: list[int] = []
    out = list(atoms)
    for i, atom in enumerate(atoms):
        if not _BRACKET.fullmatch(atom):
            continue
        if atom[0] in "([":
            opened.append(i)
        elif opened:
            opened.pop()
        else:
            out[i] = "\\" + atom
    for i in opened:
        out[i] = "\\" + out[i]
    return out


def _command(reader: _Reader, atoms: list[str]) -> None:
    """Translate the command at the cursor (and its arguments) onto ``atoms``."""
    name = reader.command()
    if name in ("frac", "tfrac", "dfrac"):
        top, bottom = latex_to_typst(reader.group()), latex_to_typst(reader.group())
        atoms.append(f"({top})/({bottom})")
    elif name == "binom":
        top, bottom = latex_to_typst(reader.group()), latex_to_typst(reader.group())
        atoms.append(f"binom({_arg(top)}, {_arg(bottom)})")
    elif name in _WRAPPERS:
        atoms.append(_WRAPPERS[name].format(_arg(latex_to_typst(reader.group()))))
    elif name in _TEXT:
        text = reader.group().replace("\\", "").replace('"', '\\"')
        atoms.append(f'op("{text}")' if name == "operatorname" else f'"{text}"')
    elif name in ("textcolor", "color"):
        colour = reader.group()
        body = latex_to_typst(reader.group())
        atoms.append(f"#text(fill: {colour})[${body}$]")
    elif name == "overset":
        top, base = latex_to_typst(reader.group()), latex_to_typst(reader.group())
        atoms.append(f"limits({base})^({top})")
    elif name.rstrip("lrm") in _SIZES:  # \Bigl( … \Bigr) may be on different lines
        delimiter = latex_to_typst(reader.group())
        if delimiter in "()[]":
            delimiter = "\\" + delimiter  # a bracket Typst must not pair
        atoms.append(f"lr(size: #{_SIZES[name.rstrip('lrm')]}, {delimiter} )")
    elif name in ("left", "right"):  # Typst sizes matched brackets by itself
        delimiter = reader.group()
        if delimiter in "()[]":
            atoms.append(delimiter)  # paired with its partner in this formula
        elif delimiter != ".":  # \left. is no bracket at all
            atoms.append(latex_to_typst(delimiter))
    elif name == "middle":
        delimiter = reader.group()
        atoms.append("mid(‖)" if delimiter in ("\\|", "|") else "mid(|)")
    elif name == "begin":
        _matrix(reader, atoms)
    elif name == "hspace":
        atoms.append(f"#h({reader.group()})")
    elif name in _SYMBOLS:
        atoms.append(_SYMBOLS[name])
    elif name in _NOTHING:
        return
    elif name in ("(", ")", "[", "]"):
        atoms.append("\\" + name)
    else:
        atoms.append(name)  # an unknown command: its name, visible rather than lost


def _arg(text: str) -> str:
    """Typst math ``text`` as one argument of a function call: its commas outside brackets
    escaped (an argument list would split there)."""
    out, depth = [], 0
    for i, c in enumerate(text):
        if c in "([{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif c in ")]}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
        out.append("\\," if c == "," and depth == 0 else c)
    return "".join(out)


def _matching_end(text: str, start: int, environment: str) -> int:
    """Where the ``\\end`` of the ``environment`` begun before ``start`` is (one of the
    same name may be nested in it: a folded case's value in ``aligned`` holding a fraction
    whose numerator is in ``aligned``), or -1."""
    begin, end = f"\\begin{{{environment}}}", f"\\end{{{environment}}}"
    depth, i = 1, start
    while True:
        j, k = text.find(end, i), text.find(begin, i)
        if j < 0:
            return -1
        if 0 <= k < j:
            depth, i = depth + 1, k + len(begin)
            continue
        depth -= 1
        if depth == 0:
            return j
        i = j + len(end)


def _matrix(reader: _Reader, atoms: list[str]) -> None:
    """``\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}`` -> ``mat(a, b; c, d)``;
    ``\\begin{cases} a & \\text{for}\\: c \\\\ b & \\text{otherwise} \\end{cases}`` ->
    ``cases(a & "for" med c, b & "otherwise")``."""
    environment = reader.group()
    end = _matching_end(reader.text, reader.i, environment)
    body = reader.text[reader.i : end if end >= 0 else len(reader.text)]
    reader.i = end + len(f"\\end{{{environment}}}") if end >= 0 else len(reader.text)
    rows = cells(body)  # a nested environment (a value over lines in cases) kept whole
    if environment in ("aligned", "gathered", "split"):  # lines inside a formula
        # each line in display style, as LaTeX sets an aligned's lines (a matrix's cells
        # are otherwise one size smaller: a folded case came out in small type)
        lines = "; ".join(f"display({_arg(latex_to_typst(' '.join(row)))})" for row in rows)
        atoms.append(f"mat(delim: #none, align: #left, {lines})")
        return
    if environment == "cases":
        cases = ", ".join(" & ".join(_arg(latex_to_typst(c)) for c in row) for row in rows)
        atoms.append(f"cases({cases})")
        return
    entries = "; ".join(", ".join(_arg(latex_to_typst(c)) for c in row) for row in rows)
    delimiter = {"pmatrix": '"("', "bmatrix": '"["', "vmatrix": '"|"'}.get(environment, '"("')
    atoms.append(f"mat(delim: {delimiter}, {entries})")


_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", flags=re.S)


def stack_cases(latex: str) -> str:
    r"""``latex`` with each case ``value & \text{for}\: condition`` of its ``cases`` set on
    two rows, the condition under its value: half as wide."""

    def stack(match: re.Match[str]) -> str:
        rows = []
        for row in cells(match.group(1)):
            value, condition = row[0].strip(), "&".join(row[1:]).strip()
            if "otherwise" in condition:  # no column of conditions to line up with
                rows.append(rf"{value} \quad {condition}")
            elif condition:
                rows += [f"{value},", rf"\quad {condition}"]
            else:
                rows.append(value)
        return r"\begin{cases}" + r" \\ ".join(rows) + r"\end{cases}"

    return _CASES.sub(stack, latex)


def kl_typst(left: str, right: str) -> str:
    """``D_KL(left ‖ right)`` in Typst: brackets that grow with tall arguments."""
    return f'D_("KL") lr(( {left} mid(‖) {right} ))'


class TypstPrinter:
    """Typst mathematics from a :class:`TextbookLatexPrinter` (``latex``, by default one
    with ``functions`` and ``expect_subscripts``), with the interface the view needs:
    expressions whole and broken into lines (:meth:`breaker`), widths, the divergence of
    two laws and fixed snippets."""

    def __init__(
        self,
        functions: Mapping[str, str] | None = None,
        expect_subscripts: bool = False,
        latex: TextbookLatexPrinter | None = None,
    ) -> None:
        self.latex = latex or TextbookLatexPrinter(functions, expect_subscripts=expect_subscripts)
        self._source: dict[str, str] = {}

    @property
    def marks(self) -> set:
        """The sub-expressions to colour (``--highlight``), as the LaTeX printer has them."""
        return getattr(self.latex, "marks", set())

    @marks.setter
    def marks(self, value: set) -> None:
        self.latex.marks = value  # type: ignore[attr-defined]

    @property
    def words(self) -> Mapping[str, str]:
        """The words inside formulas ("if", "otherwise"), as the LaTeX printer has them."""
        return self.latex.words

    @words.setter
    def words(self, value: Mapping[str, str]) -> None:
        self.latex.words = value

    def tag(self, before: str, conditions: list[str], after: str) -> str:
        """A condition written after a formula: ``quad "if " a_1 >= a_2``."""
        words = [self._typst(rf"\text{{{before}}}")] if before else []
        words.append(", ".join(conditions))
        if after:
            words.append(self._typst(rf"\text{{{after}}}"))
        text = "quad " + " ".join(words)
        self._source[text] = r"\qquad \text{" + before + "}" + " x" * len(", ".join(conditions))
        return text

    def _typst(self, latex: str) -> str:
        text = latex_to_typst(latex)
        self._source[text] = latex
        return text

    def doprint(self, expr: Any) -> str:
        return self._typst(self.latex.doprint(expr))

    def breaker(self, expr: Any) -> Callable[[float, float], list[str]]:
        """``expr`` broken for a first line and continued lines of given widths (in ems), as
        the LaTeX printer breaks it (:mod:`~kl_derive.printing.breaking`), in Typst. A line
        still too wide because of a piecewise result (``cases``, which is not broken) gets
        each condition on a line of its own, under its value."""
        marked = self.latex.marked(expr)

        def lines(first: float, rest: float) -> list[str]:
            out = []
            for i, line in enumerate(break_lines(marked, first, rest)):
                if latex_width(line) > (first if i == 0 else rest) and r"\begin{cases}" in line:
                    line = stack_cases(line)
                out.append(self._typst(line))
            return out

        return lines

    def width(self, text: str) -> float:
        """The width, in ems, of what was printed as ``text`` (measured on its LaTeX)."""
        if text in self._source:
            return latex_width(self._source[text])
        return 0.5 * len(text)

    @staticmethod
    def kl(left: str, right: str) -> str:
        return kl_typst(left, right)

    @staticmethod
    def divergence(before: str, left: str, between: str, right: str, after: str) -> str:
        return before + left + between + right + after

    def snippet(self, latex: str) -> str:
        return self._typst(latex)

    def law(self, family: Any, args: tuple) -> str:
        """A law's notation, written by the family in LaTeX and translated once."""
        return self._typst(family.notation(args, self.latex.doprint))

    @staticmethod
    def marked_eq(number: int) -> str:
        return f"limits(=)^(\\({number}\\))"
