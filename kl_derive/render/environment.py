"""The Jinja environments: where templates are found, and their syntax.

LaTeX templates use ``((( var )))``, ``((* block *))`` and ``((= comment =))`` so that
LaTeX's own braces never clash with Jinja's; other templates use Jinja's usual syntax.
Every template runs in Jinja's sandbox (a user's within limits: :mod:`.sandbox`); an
HTML template escapes what it prints unless it is marked safe (autoescaping).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound

from ..errors import KLDeriveError
from ..resources import templates_dir
from .bytecode import template_bytecode_cache
from .sandbox import BoundedSandbox, TemplateUnreadable
from .text import formula_lines, wrap

__all__ = ["TEMPLATES", "environment"]

TEMPLATES = templates_dir()


def _autoescape(name: str | None) -> bool:
    """HTML templates escape what they print (``html.html.j2``, or a user's ``.html``)."""
    return name is not None and name.removesuffix(".j2").endswith((".html", ".htm", ".xml"))


class _Environment(BoundedSandbox):
    """Picks the LaTeX syntax for ``*.tex.j2`` templates. ``user_templates`` is the user's
    folder of templates, if any (its templates are rendered within limits)."""

    def __init__(self, loader: ChoiceLoader, user_templates: Path | None = None) -> None:
        options = {
            "loader": loader,
            "bytecode_cache": template_bytecode_cache(),
            "autoescape": _autoescape,
            "keep_trailing_newline": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "undefined": StrictUndefined,
            "bounded": user_templates is not None,
        }
        super().__init__(**options)
        self.latex = BoundedSandbox(
            **options,
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((=",
            comment_end_string="=))",
        )
        self.user_templates = user_templates
        for env in (self, self.latex):
            env.filters["json"] = lambda data: json.dumps(data, ensure_ascii=False, indent=2)
            env.filters["wrap"] = wrap
            env.filters["formula"] = formula_lines
            env.bound_filters()

    def get_template(self, name, parent=None, globals=None):  # type: ignore[override]
        if str(name).endswith(".tex.j2"):
            return self.latex.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)


class _UserLoader(FileSystemLoader):
    """The user's folder: a template that cannot be read is an error naming it."""

    def get_source(self, environment, template):  # type: ignore[no-untyped-def]
        try:
            return super().get_source(environment, template)
        except TemplateNotFound:  # the built-in one is used
            raise
        except UnicodeDecodeError:
            raise TemplateUnreadable(f"template {template} is not UTF-8 text") from None
        except OSError as error:
            raise TemplateUnreadable(f"cannot read template {template}: {error.strerror}") from None


@cache
def environment(template_dir: str | None = None) -> _Environment:
    """The environment, with ``template_dir`` (if given) searched before the built-ins."""
    loaders: list[FileSystemLoader] = []
    folder = None
    if template_dir is not None:
        folder = Path(template_dir).resolve()
        if not folder.is_dir():
            raise KLDeriveError(f"template directory {template_dir!r} does not exist")
        loaders.append(_UserLoader(str(folder)))
    loaders.append(FileSystemLoader(str(TEMPLATES)))
    return _Environment(ChoiceLoader(loaders), folder)
