"""Filling a sentence of the message catalog: ``{name}`` fields replaced by typeset
mathematics or prose, in the style of the target format."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from sympy import (
    Basic,
    Eq,
)

from ..families.base import Distribution
from ..steps.step import Code
from .view_model import Raw, Style
from .view_printers import Printer

_FIELD = re.compile(r"\{(\w+)\}")


class Filler:
    """Fills catalog sentences: escapes the prose, typesets the placeholders."""

    def __init__(self, printer: Printer, style: Style, common: Mapping[str, Any]):
        self.printer = printer
        self.style = style
        self.common = dict(common)

    def math(self, value: Any) -> str:
        if isinstance(value, Distribution):
            return self.printer.law(value.family, value.args)
        if isinstance(value, tuple) and value and isinstance(value[0], tuple):
            # a mapping given as pairs: sigma = e^{s}, ...
            return ", ".join(self.math(Eq(a, b, evaluate=False)) for a, b in value)
        if isinstance(value, tuple):
            return ", ".join(self.math(v) for v in value)
        if isinstance(value, Eq):
            return f"{self.printer.doprint(value.lhs)} = {self.printer.doprint(value.rhs)}"
        if isinstance(value, Basic):
            return self.printer.doprint(value)
        return str(value)

    def __call__(self, template: str, params: Mapping[str, Any] | None = None) -> str:
        values = {**self.common, **(params or {})}
        out: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            out.append(self.style.escape(literal))
            if name is None:
                continue
            if name not in values:
                raise KeyError(f"message placeholder {{{name}}} has no value")
            value = values[name]
            if isinstance(value, Raw):
                out.append(value)
            elif isinstance(value, Code):
                out.append(self.style.code(value))
            else:
                out.append(self.style.inline(self.math(value)))
        return self.style.safe("".join(out))
