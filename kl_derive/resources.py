"""Where kl-derive's own files are: the package, its templates and message catalogs.

Only the standard library is imported here, so the result cache can fingerprint an
installation without loading Jinja or SymPy.
"""

from __future__ import annotations

from pathlib import Path

from .errors import KLDeriveError

__all__ = ["MESSAGES", "PACKAGE", "templates_dir"]

#: the ``kl_derive`` package folder
PACKAGE = Path(__file__).resolve().parent

#: the message catalogs, one TOML file per language
MESSAGES = PACKAGE / "messages"


def templates_dir() -> Path:
    """``kl_derive/templates`` in a wheel; the top-level ``templates/`` in a checkout."""
    for candidate in (PACKAGE / "templates", PACKAGE.parent / "templates"):
        if (candidate / "latex.tex.j2").is_file():
            return candidate
    raise KLDeriveError("kl-derive's templates are missing from this installation")
