"""The squared Hellinger distance, from the Bhattacharyya coefficient."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from .alpha_route import alpha_family_draft

    return alpha_family_draft(first, second, "hellinger")


def pairs() -> list[tuple[str, str, str]]:
    from .alpha_route import alpha_family_pairs

    return alpha_family_pairs(False)


DIVERGENCE = register(
    Divergence(
        name="hellinger",
        quantity="hellinger",
        summary="squared Hellinger distance",
        definition="H^2(P, Q) = 1 - ∫ sqrt(p q) = (1/2) ∫ (sqrt(p) - sqrt(q))^2",
        convention="H^2 in [0, 1] (0 for equal laws, 1 for disjoint supports); some texts "
        "omit the 1/2 and get 2 - 2 BC",
        draft=draft,
        pairs=pairs,
    )
)
