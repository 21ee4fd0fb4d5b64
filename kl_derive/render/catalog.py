"""Message catalogs: the sentences of a derivation, one TOML file per language.

A catalog lives in ``kl_derive/messages/<lang>.toml``. Adding a language is adding one
file; :func:`languages` lists what is there.
"""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from typing import Any

from ..errors import KLDeriveError
from ..resources import MESSAGES


def languages() -> list[str]:
    """The language codes that have a catalog, sorted (``["en", "ko"]``)."""
    return sorted(p.stem for p in MESSAGES.glob("*.toml"))


def check_language(lang: str) -> None:
    """Raise a one-line error, with a suggestion, for a language without a catalog."""
    known = languages()
    if lang not in known:
        close = difflib.get_close_matches(lang, known, n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KLDeriveError(f"unknown language {lang!r}{hint} (available: {', '.join(known)})")


@cache
def catalog(lang: str) -> dict[str, Any]:
    """The parsed catalog for ``lang``."""
    check_language(lang)
    with (MESSAGES / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)
