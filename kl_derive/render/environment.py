"""The Jinja environments: where templates are found, and their syntax.

LaTeX templates use ``((( var )))``, ``((* block *))`` and ``((= comment =))`` so that
LaTeX's own braces never clash with Jinja's; other templates use Jinja's usual syntax.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from ..errors import KLDeriveError
from ..resources import templates_dir
from .bytecode import template_bytecode_cache
from .text import formula_lines, wrap

__all__ = ["TEMPLATES", "environment"]

TEMPLATES = templates_dir()


class _Environment(Environment):
    """Picks the LaTeX syntax for ``*.tex.j2`` templates."""

    def __init__(self, loader: ChoiceLoader) -> None:
        compiled = template_bytecode_cache()
        super().__init__(
            loader=loader,
            bytecode_cache=compiled,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        self.latex = Environment(
            loader=loader,
            bytecode_cache=compiled,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((=",
            comment_end_string="=))",
        )
        for env in (self, self.latex):
            env.filters["json"] = lambda data: json.dumps(data, ensure_ascii=False, indent=2)
            env.filters["wrap"] = wrap
            env.filters["formula"] = formula_lines

    def get_template(self, name, parent=None, globals=None):  # type: ignore[override]
        if str(name).endswith(".tex.j2"):
            return self.latex.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)


@cache
def environment(template_dir: str | None = None) -> _Environment:
    """The environment, with ``template_dir`` (if given) searched before the built-ins."""
    loaders = []
    if template_dir is not None:
        path = Path(template_dir)
        if not path.is_dir():
            raise KLDeriveError(f"template directory {template_dir!r} does not exist")
        loaders.append(FileSystemLoader(str(path)))
    loaders.append(FileSystemLoader(str(TEMPLATES)))
    return _Environment(ChoiceLoader(loaders))
