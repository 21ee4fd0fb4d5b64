"""Checks of the rendering options that go together, before anything is derived.

This module needs neither SymPy nor Jinja, so that the command can refuse a bad
combination of options at once, and serve a cached result without loading either.
"""

from __future__ import annotations

import re

from .errors import KLDeriveError

__all__ = ["ALIGNMENTS", "DETAILS", "MAX_SAMPLES", "check_options"]

#: --detail: how much of each chain is shown (see :func:`kl_derive.render.view.build_view`)
DETAILS = ("brief", "standard", "full")

#: the largest Monte-Carlo sample size of ``kl-derive mixture --samples`` (here, not in
#: :mod:`kl_derive.mixture_numbers`, so that the command checks it without SymPy)
MAX_SAMPLES = 2_000_000

#: --align: where displays sit (centred is LaTeX's and KaTeX's default)
ALIGNMENTS = ("center", "left")


def check_options(
    fmt: str,
    *,
    detail: str = "standard",
    highlight: bool = False,
    align: str = "center",
    bare: bool = False,
    exercise: bool = False,
    standalone: bool = False,
    label: str | None = None,
) -> None:
    """A one-line error (:class:`KLDeriveError`) for options that do not go together, or a
    label that is not one; the command line calls it before it derives."""
    if label is not None and not (
        isinstance(label, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9:_-]*", label)
    ):
        raise KLDeriveError(f"--label must be letters, digits, ':', '_' or '-', got {label!r}")
    _check_options(fmt, detail, highlight, align, bare, exercise)
    if bare and exercise:
        raise KLDeriveError("--bare and --exercise do not go together (choose one)")
    if standalone and bare:
        raise KLDeriveError(
            "--standalone writes the whole derivation as a document; it does not take --bare"
        )


def _check_options(
    fmt: str, detail: str, highlight: bool, align: str, bare: bool, exercise: bool
) -> None:
    """A one-line error for an option the format, or another option, cannot honour."""
    if detail not in DETAILS:
        raise KLDeriveError(f"unknown detail {detail!r} (available: {', '.join(DETAILS)})")
    if align not in ALIGNMENTS:
        raise KLDeriveError(f"unknown alignment {align!r} (available: {', '.join(ALIGNMENTS)})")
    if detail != "standard" and fmt == "json":
        raise KLDeriveError("--detail applies to every format but json (which has every step)")
    if detail == "full" and (fmt == "beamer" or exercise or bare):
        raise KLDeriveError("--detail full does not apply to beamer, --exercise or --bare")
    if highlight and fmt in ("json", "text"):
        raise KLDeriveError("--highlight applies to latex, beamer, html and the Markdown flavours")
    if align != "center" and (fmt == "json" or bare):
        raise KLDeriveError("--align applies to the displays of a document, not to json or --bare")
