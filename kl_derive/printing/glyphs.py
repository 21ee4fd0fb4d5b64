"""Unicode glyphs for plain-text mathematics: superscripts and subscripts, Greek letters,
vulgar fractions, the minus sign, and the width of a text in a terminal's columns."""

from __future__ import annotations

import re
import unicodedata

from sympy.printing.conventions import split_super_sub
from sympy.printing.pretty.pretty_symbology import greek_unicode

__all__ = [
    "GREEK",
    "MINUS",
    "VULGAR_FRACTIONS",
    "is_word",
    "sub_or_plain",
    "sub_text",
    "subscript",
    "sup_text",
    "superscript",
    "symbol_name",
    "text_width",
]

MINUS = "\N{MINUS SIGN}"


_SUPERSCRIPT = dict(
    zip(
        "0123456789+-=()nidTjkt",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵈᵀʲᵏᵗ",
        strict=True,
    )
)

_SUPERSCRIPT[MINUS] = "⁻"

_SUBSCRIPT = dict(
    zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)

_SUBSCRIPT[MINUS] = "₋"

VULGAR_FRACTIONS = {(1, 2): "½", (1, 3): "⅓", (2, 3): "⅔", (1, 4): "¼", (3, 4): "¾", (1, 8): "⅛"}


GREEK = {name: greek_unicode[name] for name in greek_unicode}

GREEK.update({"epsilon": "ε", "varepsilon": "ε", "varphi": "φ", "phi": "φ", "vartheta": "ϑ"})


def superscript(text: str) -> str | None:
    """``text`` in superscript characters, or ``None`` when Unicode lacks one of them."""
    out = [_SUPERSCRIPT.get(c) for c in text.replace(" ", "")]
    return "".join(out) if out and all(out) else None  # type: ignore[arg-type]


def subscript(text: str) -> str | None:
    """``text`` in subscript characters, or ``None`` when Unicode lacks one of them."""
    out = [_SUBSCRIPT.get(c) for c in text.replace(" ", "")]
    return "".join(out) if out and all(out) else None  # type: ignore[arg-type]


def sup_text(text: str) -> str:
    """``text`` raised: in superscript characters, else after ``^`` (bracketed unless a word)."""
    small = superscript(text)
    if small is not None:
        return small
    return "^" + (text if is_word(text) else f"({text})")


def sub_text(text: str) -> str:
    """``text`` lowered: in subscript characters, else after ``_`` (bracketed unless a word)."""
    small = subscript(text)
    if small is not None:
        return small
    return "_" + (text if is_word(text) else f"({text})")


def is_word(text: str) -> bool:
    """A number, or a name (not starting with a digit): it can follow ``^`` or ``_`` bare
    (``e^st``); ``2s`` cannot, since ``e^2s`` reads as ``e^2 s``."""
    return bool(re.fullmatch(r"\d+|[^\W\d]\w*", text))


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (East Asian wide characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def symbol_name(name: str) -> str:
    """``mu1`` -> ``μ₁``, ``Sigma_2`` -> ``Σ₂``, ``logvar`` -> ``logvar``, ``xhat`` -> ``x̂``."""
    base, sups, subs = split_super_sub(name)
    if len(base) > 3 and base.endswith("hat"):  # xhat -> x̂ (as SymPy's LaTeX printer)
        text = GREEK.get(base[:-3], base[:-3]) + "\u0302"
    else:
        text = GREEK.get(base, base)
    for s in subs:
        text += sub_text(GREEK.get(s, s))
    for s in sups:
        text += sup_text(GREEK.get(s, s))
    return text


def sub_or_plain(text: str) -> str:
    """``text`` in subscript characters, else after a bare ``_``."""
    small = subscript(text)
    return small if small is not None else f"_{text}"
