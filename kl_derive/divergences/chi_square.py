"""Pearson's chi-square divergence (the integral at alpha = 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from .alpha_route import alpha_family_draft

    return alpha_family_draft(first, second, "chi_square")


def pairs() -> list[tuple[str, str, str]]:
    from .alpha_route import alpha_family_pairs

    return alpha_family_pairs(True)


DIVERGENCE = register(
    Divergence(
        name="chi-square",
        quantity="chi_square",
        summary="Pearson's chi-square divergence",
        definition="chi^2(P || Q) = ∫ p^2 / q - 1 = e^{D_2(P || Q)} - 1",
        convention="Pearson's (Neyman's is chi^2(Q || P)); +oo where the integral is",
        draft=draft,
        pairs=pairs,
    )
)
