r"""KL between a univariate normal and a diagonal Gaussian, by independence.

A univariate law :math:`\mathcal{N}(m, s^2)` facing a diagonal Gaussian on
:math:`\mathbb{R}^d` is read as PyTorch reads a broadcast ``Independent(Normal(m, s), 1)``:
the same normal law in each of the :math:`d` coordinates, independently, that is
``diag_normal(m, s)`` with the numbers repeated. The first stage says so; the divergence
is then the sum of the coordinates' divergences (:mod:`.independent_coordinates`), each
coordinate's KL between two univariate normals. With :math:`d = 1` it is the univariate
divergence itself.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Symbol

from ..families.base import Distribution
from ..families.diag_normal import FAMILY as DIAG_NORMAL
from . import independent_coordinates
from .draft import Draft

__all__ = ["as_diagonal", "derive"]

NAME = "independent coordinates"


def as_diagonal(dist: Distribution) -> Distribution:
    """A univariate normal as the diagonal law with its parameters in every coordinate;
    a diagonal law unchanged."""
    if dist.family.name != "normal":
        return dist
    return Distribution(DIAG_NORMAL, dist.args, dist.spec, dist.substitutions)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) when one law is a univariate normal and the other a
    diagonal Gaussian (either order)."""
    univariate = first if first.family.name == "normal" else second
    m, s = univariate.user_args
    draft = independent_coordinates.derive(as_diagonal(first), as_diagonal(second))
    factorize, *rest = draft.stages  # the factorization, its text saying why
    params = {**factorize.params, "j": Symbol("j"), "m": m, "s": s, "s2": s**2}
    opening = replace(factorize, key="normal_in_each_coordinate", params=params)
    return replace(draft, stages=(opening, *rest))
