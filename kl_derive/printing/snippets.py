"""Fixed LaTeX snippets (an identity, a density's name, a family's notation) in Unicode,
for the plain-text format; expressions themselves are printed by
:class:`~kl_derive.printing.unicode.UnicodePrinter`."""

from __future__ import annotations

import re

from .glyphs import GREEK, MINUS, VULGAR_FRACTIONS, sub_text, sup_text

__all__ = ["latex_to_unicode"]

_COMMANDS = {
    r"\parallel": "‖",
    r"\|": "‖",
    r"\mid": "|",
    r"\cdot": "·",
    r"\odot": "⊙",
    r"\ell": "ℓ",
    r"\circ": "∘",
    r"\infty": "∞",
    r"\int": "∫",
    r"\sum": "Σ",
    r"\prod": "∏",
    r"\log": "log",
    r"\exp": "exp",
    r"\det": "det",
    r"\partial": "∂",
    r"\to": "→",
    r"\le": "≤",
    r"\ge": "≥",
    r"\neq": "≠",
    r"\approx": "≈",
    r"\sim": "∼",
    r"\,": " ",
    r"\;": " ",
    r"\:": " ",
    r"\!": "",
    r"\ ": " ",
    r"\quad": "  ",
    r"\qquad": "    ",
    r"\left": "",
    r"\right": "",
    r"\middle": "",
    r"\Bigl": "",
    r"\Bigr": "",
    r"\bigl": "",
    r"\bigr": "",
    r"\displaystyle": "",
    r"\textstyle": "",
    r"\langle": "⟨",
    r"\rangle": "⟩",
    r"\lvert": "|",
    r"\rvert": "|",
    r"\dots": "…",
    r"\ldots": "…",
    r"\cdots": "⋯",
    r"\times": "×",
    r"\in": "∈",
    r"\nabla": "∇",
    r"\ne": "≠",
    r"\mapsto": "↦",
    r"\implies": "⟹",
}


_WRAPPERS = {
    r"\mathrm": lambda s: s,
    r"\operatorname": lambda s: s,
    r"\text": lambda s: s,
    r"\boldsymbol": lambda s: s,
    r"\mathbf": lambda s: s,
    r"\mathcal": lambda s: {"N": "𝒩", "W": "𝒲"}.get(s, s),
    r"\mathbb": lambda s: {"E": "𝔼", "R": "ℝ"}.get(s, s),
}


def _group(text: str, i: int) -> tuple[str, int]:
    """The argument starting at ``text[i]`` (a brace group, a command or one character)."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] == "{":
        depth = 0
        for j in range(i, len(text)):
            if text[j] == "\\":
                continue
            if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
                depth += 1
            elif text[j] == "}" and text[j - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return text[i + 1 : j], j + 1
        return text[i + 1 :], len(text)
    if text[i] == "\\":
        match = re.match(r"\\([A-Za-z]+|.)", text[i:])
        assert match is not None
        return match.group(0), i + len(match.group(0))
    return text[i], i + 1


def _compound(text: str) -> bool:
    return bool(re.search(r"[ +\-−·/]", text.strip()))


def latex_to_unicode(latex: str) -> str:
    """A short LaTeX formula (an identity, a density's name, a family's notation) in
    Unicode: ``\\log (1/a) = -\\log a`` -> ``log (1/a) = −log a``. Expressions are printed
    by :class:`UnicodePrinter`; this is only for the fixed snippets."""
    out: list[str] = []
    i = 0
    while i < len(latex):
        c = latex[i]
        if c == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[i:])
            assert match is not None
            command = match.group(0)
            i += len(command)
            if command in (r"\frac", r"\tfrac", r"\dfrac"):
                top, i = _group(latex, i)
                bottom, i = _group(latex, i)
                top, bottom = latex_to_unicode(top), latex_to_unicode(bottom)
                if (
                    top.isdigit()
                    and bottom.isdigit()
                    and (int(top), int(bottom)) in VULGAR_FRACTIONS
                ):
                    out.append(VULGAR_FRACTIONS[int(top), int(bottom)])
                    continue
                top = f"({top})" if _compound(top) else top
                bottom = f"({bottom})" if _compound(bottom) else bottom
                out.append(f"{top}/{bottom}")
            elif command == r"\sqrt":
                inner, i = _group(latex, i)
                inner = latex_to_unicode(inner)
                out.append("√" + (inner if len(inner) == 1 or inner.isdigit() else f"({inner})"))
            elif command in _WRAPPERS:
                inner, i = _group(latex, i)
                out.append(_WRAPPERS[command](latex_to_unicode(inner)))
            elif command in _COMMANDS:
                out.append(_COMMANDS[command])
            elif command in (r"\textcolor", r"\color"):
                _, i = _group(latex, i)
            elif command[1:] in GREEK:
                out.append(GREEK[command[1:]])
            elif command in (r"\{", r"\}", r"\(", r"\)"):
                out.append(command[1])
            else:
                out.append(command[1:])
        elif c in "^_" and latex[i + 1 : i + 2] == "(":
            out.append(c)  # text already written out: e^(2s) stays as it is
            i += 1
        elif c in "^_":
            inner, i = _group(latex, i + 1)
            if inner in _WRAPPERS:  # e^\boldsymbol{logvar}: the command and its argument
                argument, i = _group(latex, i)
                inner = f"{inner}{{{argument}}}"
            inner = latex_to_unicode(inner)
            if inner == "-1" or inner == f"{MINUS}1":
                out.append("⁻¹")
            else:
                out.append(sup_text(inner) if c == "^" else sub_text(inner))
        elif c in "{}":
            i += 1
        elif c == "-":
            out.append(MINUS)
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out)) if "  " not in latex else "".join(out)
