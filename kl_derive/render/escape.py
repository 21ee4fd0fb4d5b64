"""Escaping prose (never mathematics) for each format."""

from __future__ import annotations

import re

_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape the characters LaTeX treats specially in running text."""
    return "".join(_LATEX.get(c, c) for c in text)


def markdown_escape(text: str) -> str:
    """Escape what Markdown and its math extensions would read as markup."""
    out = []
    for c in text:
        if c in "\\`*_$<>[]":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def html_escape(text: str) -> str:
    """Escape what HTML would read as markup (and the math delimiters of KaTeX)."""
    import html

    return html.escape(text, quote=False)


#: an inline formula wider than this share of the measure gets break points (and may move
#: to the next line): 15.5em of a standard article, 10em of a two-column article's column;
#: unless TeX's own break points (after its relations and operators) leave no stretch of
#: it longer than LONG_PIECE of the measure
LONG_INLINE = 0.45
LONG_PIECE = 0.25
#: a word of code longer than this (characters) gets break points in it
LONG_WORD = 12


def ragged_break(penalty: int) -> str:
    """A place a line may break, leaving the line before it short (ragged) rather than
    stretched; the glue cancels out where the line does not break. The ``penalty`` makes
    it a last resort: TeX breaks inline math after a relation at 500, an operator at 700.
    ``\relax`` ends the glue: TeX reads a following ``l`` (a parameter named ``l``) as part
    of the unit, ``fil l`` being ``fill``, and the letter would vanish from the page."""
    return rf"\hskip0pt plus1fil\penalty{penalty}\hskip0pt plus-1fil\relax "


def latex_inline(math: str, measure: float = 34.5) -> str:
    """Inline mathematics for LaTeX prose: ``$…$``. A formula long for the ``measure``
    (ems) may also be broken after the commas between arguments (TeX breaks inline math
    only after relations and binary operators), or moved whole to the next line, the line
    before it left short, so that it does not stick out of a narrow column."""
    from ..printing.latex import small_matrices
    from ..printing.measure import latex_width

    math = small_matrices(math)
    if (
        latex_width(math, inline=True) > LONG_INLINE * measure
        and _longest_piece(math) > LONG_PIECE * measure
    ):
        return f"{ragged_break(500)}${_after_commas(_fixed_delimiters(math))}$"
    return f"${math}$"


_BREAKS_AFTER = re.compile(r"\\parallel|\\mid|\\leq?|\\geq?|[=<>+-]")


def _longest_piece(math: str) -> float:
    """The widest stretch of ``math`` between the places TeX may break it: after the
    relations and binary operators outside any braces or ``\\left … \\right`` pair."""
    from ..printing.measure import latex_width

    pieces, depth, start, i = [], 0, 0, 0
    text = _fixed_delimiters(math)
    while i < len(text):
        c = text[i]
        if c in "{}":
            depth += 1 if c == "{" else -1
        elif depth == 0 and (match := _BREAKS_AFTER.match(text, i)):
            pieces.append(text[start : match.end()])
            start = i = match.end()
            continue
        elif text.startswith("\\begin{", i):  # an environment is one box: no break inside
            name = text[i + len("\\begin{") : text.find("}", i)]
            end = text.find(f"\\end{{{name}}}", i)
            i = len(text) if end < 0 else end + len(f"\\end{{{name}}}")
            continue
        elif c == "\\":
            i += 2
            continue
        i += 1
    pieces.append(text[start:])
    return max(latex_width(p, inline=True) for p in pieces)


def _fixed_delimiters(math: str) -> str:
    """``\\left``/``\\right`` pairs as fixed sizes, so that a line may break between the
    arguments they enclose (a ``\\left … \\right`` pair is one unbreakable box)."""
    size = "bigg" if r"\begin{" in math else "Big"
    return re.sub(r"\\(left|right|middle)(?![a-zA-Z])", lambda m: rf"\{size}{m.group(1)[0]}", math)


def _after_commas(math: str) -> str:
    """A ragged break after each comma between arguments of the formula's outer brackets
    (not inside a law's own list of parameters, nor in braces)."""
    out, depth, brackets, i = [], 0, 0, 0
    while i < len(math):
        c = math[i]
        if c == "\\":
            j = i + 1
            while j < len(math) and math[j].isalpha():
                j += 1
            name = math[i : max(j, i + 2)]
            out.append(name)
            i += len(name)
            if name.endswith(("l", "left")) and math[i : i + 1] in "([.":
                brackets += 1
            elif name.endswith(("r", "right")) and math[i : i + 1] in ")].":
                brackets -= 1
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        brackets += {"(": 1, ")": -1}.get(c, 0)
        out.append(c)
        if c == "," and depth == 0 and brackets <= 1 and math[i + 1 : i + 2] == " ":
            out.append(ragged_break(700).rstrip())
        i += 1
    return "".join(out)


def latex_code(code: str) -> str:
    """Code in LaTeX prose: ``\\texttt``; a long word of it (``"multivariate_normal(mu_2,``)
    also gets break points after its opening brackets and underscores, since ``\\texttt``
    never hyphenates and the word would stick out of a narrow column."""
    words = []
    for word in code.split(" "):
        text = latex_escape(word)
        if len(word) > LONG_WORD:
            text = text.replace("(", r"(\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")
        words.append(text)
    return rf"\texttt{{{' '.join(words)}}}"
