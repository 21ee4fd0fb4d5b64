"""Which route derives a divergence of :mod:`.alpha` (Rényi, Bhattacharyya, Hellinger,
chi-square) for a pair of laws: two categorical laws given by their lists are summed
term by term (:mod:`.alpha_masses`), and so are two binomial laws with different
numbers of trials (:mod:`.alpha_binomial`); two laws of one exponential family of
:data:`.exponential.DOMAINS` go through the log-partition function (:mod:`.alpha`); two
diagonal Gaussians (or a normal law and one) coordinate by coordinate
(:mod:`.alpha_diagonal`)."""

from __future__ import annotations

from ..families.base import Distribution
from ..strategies.draft import Draft
from .alpha import alpha_draft
from .alpha_binomial import alpha_binomial_draft, is_trials_pair
from .alpha_masses import alpha_masses_draft
from .exponential import alpha_pairs
from .masses import is_finite_pair

__all__ = ["alpha_family_draft", "alpha_family_pairs"]


def alpha_family_draft(
    first: Distribution, second: Distribution, quantity: str, alpha=None
) -> Draft:
    """The divergence ``quantity`` of ``second`` from ``first``, by the route that fits."""
    if first.family.name == "categorical" and is_finite_pair(first, second):
        return alpha_masses_draft(first, second, quantity, alpha)
    names = {first.family.name, second.family.name}
    if "diag_normal" in names and names <= {"normal", "diag_normal"}:
        from ..strategies.normal_diag import as_diagonal
        from .alpha_diagonal import diagonal_alpha_draft

        return diagonal_alpha_draft(as_diagonal(first), as_diagonal(second), quantity, alpha)
    if is_trials_pair(first, second):
        return alpha_binomial_draft(first, second, quantity, alpha)
    return alpha_draft(first, second, quantity, alpha)


def alpha_family_pairs(
    order_above_one: bool, symbolic_order: bool = False
) -> list[tuple[str, str, str]]:
    """The pairs ``kl-derive pairs --divergence`` lists for the divergence. With a
    symbolic order (Rényi) two binomial laws with more trials in the first are finite
    only for an order below 1: the pair is conditional."""
    out = [*alpha_pairs(order_above_one), ("categorical", "categorical", "finite")]
    if symbolic_order:
        out = [(a, b, "conditional" if a == "binomial" else o) for a, b, o in out]
    # diagonal Gaussians, coordinate by coordinate: normal laws in each (.alpha_diagonal)
    outcome = "conditional" if order_above_one else "finite"
    diagonal = (
        ("diag_normal", "diag_normal"),
        ("normal", "diag_normal"),
        ("diag_normal", "normal"),
    )
    return [*out, *[(a, b, outcome) for a, b in diagonal]]
