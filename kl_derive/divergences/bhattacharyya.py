"""The Bhattacharyya distance and coefficient (the integral at alpha = 1/2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from .alpha_route import alpha_family_draft

    return alpha_family_draft(first, second, "bhattacharyya")


def pairs() -> list[tuple[str, str, str]]:
    from .alpha_route import alpha_family_pairs

    return alpha_family_pairs(False)


DIVERGENCE = register(
    Divergence(
        name="bhattacharyya",
        quantity="bhattacharyya",
        summary="Bhattacharyya distance",
        definition="D_B(P, Q) = -log BC(P, Q), BC(P, Q) = ∫ sqrt(p q)",
        convention="natural logarithm; BC is the Bhattacharyya coefficient, in (0, 1]; "
        "D_B = D_{1/2}(P || Q) / 2",
        draft=draft,
        pairs=pairs,
    )
)
