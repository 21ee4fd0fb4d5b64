"""Escaping prose (never mathematics) for each format."""

from __future__ import annotations

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
