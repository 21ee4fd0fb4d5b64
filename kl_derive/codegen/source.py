"""Writing the printed function out: names checked, docstring indented, imports on top."""

from __future__ import annotations

import keyword

from ..errors import KLDeriveError

__all__ = ["check_identifier", "module_source"]


def check_identifier(text: str, what: str) -> None:
    """Refuse a name that cannot be a Python parameter or function name."""
    if not isinstance(text, str) or not text.isidentifier() or keyword.iskeyword(text):
        raise KLDeriveError(f"{what} {text!r} is not a Python identifier")


def module_source(
    imports: list[str], name: str, params: list[str], docstring: str, body: list[str]
) -> str:
    """The printed module: imports, two blank lines, the function."""
    doc = docstring.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    doc_lines = doc.split("\n")
    indented = [doc_lines[0], *(("    " + line) if line else "" for line in doc_lines[1:])]
    parts = [
        *imports,
        "",
        "",
        f"def {name}({', '.join(params)}):",
        '    """' + "\n".join(indented) + '\n    """',
        *("    " + line for line in body),
    ]
    return "\n".join(parts) + "\n"
