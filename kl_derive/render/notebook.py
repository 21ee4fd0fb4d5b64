"""A Jupyter notebook (nbformat 4): the Markdown derivation in cells, and code that checks it.

Each stage becomes a Markdown cell (Jupyter renders its ``$$`` displays with MathJax), and
two code cells at the end derive the same quantity again with kl-derive (the divergence,
the entropy or the cross-entropy, by the same strategy) and evaluate it at valid values
(:func:`kl_derive.values.example_values`), so a reader can change the parameters and see
the closed form move. Every notebook runs top to bottom ("Run All").
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..values import example_values
from .view import canonical_spec

if TYPE_CHECKING:  # pragma: no cover
    from ..record import DerivationRecord as Derivation

__all__ = ["notebook"]


def notebook(markdown: str, derivation: Derivation, lang: str) -> str:
    """The notebook as JSON text, from the Markdown flavour of the derivation."""
    body = re.sub(r"<!-- kl-derive .*?-->\n+", "", markdown, count=1, flags=re.S)
    sections = re.split(r"\n(?=## )", body.strip())  # the title's cell, a cell per stage
    cells: list[dict[str, Any]] = [_markdown(section) for section in sections]
    cells.append(
        _code(
            "import kl_derive\n\n"
            f"d = {_call(derivation)}\n"
            "assert all(step.verified for step in d.steps)\n"
            "d.result"
        )
    )
    values = ",\n".join(
        f"    {name!r}: {value!r}" for name, value in example_values(derivation).items()
    )
    cells.append(
        _code(
            "# the closed form at valid parameter values (change them; vectors are lists,\n"
            "# matrices lists of rows, and the dimension is their length)\n"
            + (f"values = {{\n{values},\n}}\n" if values else "values = {}\n")
            + "d.value(values)"
        )
    )
    data = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "kl_derive": {"lang": lang},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, cell in enumerate(cells):
        cell["id"] = f"kl-derive-{i}"
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _call(derivation: Derivation) -> str:
    """The Python call that derives the same thing again."""
    if isinstance(getattr(type(derivation), "call", None), property):  # a companion
        return derivation.call
    p, q = canonical_spec(derivation.p), canonical_spec(derivation.q)
    quantity = getattr(derivation, "quantity", "kl")
    if quantity == "entropy":
        return f"kl_derive.entropy({p!r})"
    if quantity == "cross_entropy":
        return f"kl_derive.cross_entropy({p!r}, {q!r})"
    if quantity != "kl":  # a divergence of kl_derive.divergences
        from ..divergences.describe import call

        return call(derivation, p, q)
    from ..strategies import PAIRS

    strategies = PAIRS.get((derivation.p.family.name, derivation.q.family.name), ())
    strategy = ""
    if strategies and derivation.strategy != strategies[0][0]:  # not the pair's default
        strategy = f", strategy={derivation.strategy!r}"
    return f"kl_derive.derive({p!r}, {q!r}{strategy})"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text.strip() + "\n")}


def _code(text: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": _lines(text),
    }
