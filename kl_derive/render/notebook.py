"""A Jupyter notebook (nbformat 4): the Markdown derivation in cells, and code that checks it.

Each stage becomes a Markdown cell (Jupyter renders its ``$$`` displays with MathJax), and
two code cells at the end derive the result again with kl-derive and evaluate it, so a
reader can change the parameters and see the closed form move.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["notebook"]


def notebook(markdown: str, command_args: str, lang: str) -> str:
    """The notebook as JSON text, from the Markdown flavour of the derivation."""
    body = re.sub(r"^<!--.*?-->\n+", "", markdown, flags=re.S)
    sections = re.split(r"\n(?=### )", body.strip())
    cells: list[dict[str, Any]] = [_markdown(section) for section in sections]
    cells.append(
        _code(
            "import kl_derive\n"
            f"d = kl_derive.derive({command_args})\n"
            "assert all(step.verified for step in d.steps)\n"
            "d.result"
        )
    )
    symbols = "sorted(d.result.free_symbols, key=str)"
    cells.append(
        _code(
            "# the closed form at some parameter values (change them)\n"
            f"values = {{s: 0.5 + i for i, s in enumerate({symbols})}}\n"
            "float(d.result.subs(values)) if not d.result.atoms(__import__('sympy').Sum) "
            "else d.result"
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
