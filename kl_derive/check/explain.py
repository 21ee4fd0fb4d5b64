"""The derivation behind an estimator's verdict (placeholder, filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Outcome

__all__ = ["explain_command"]


def explain_command(outcome: Outcome) -> str:
    return "kl-derive check --explain"
