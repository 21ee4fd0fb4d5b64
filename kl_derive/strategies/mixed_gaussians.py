r"""KL between Gaussians written in different representations.

A diagonal Gaussian ``diag_normal(mu, sigma)`` is the multivariate normal
:math:`\mathcal{N}(\boldsymbol{\mu}, \operatorname{diag}(\boldsymbol{\sigma}^2))`, and a
low-rank one is the multivariate normal with covariance :math:`WW^T + \operatorname{diag}(D)`
(formed when the law is read). So ``diag_normal ‖ multivariate_normal``, its reverse, and
either against ``low_rank_multivariate_normal`` are derived by the quadratic-forms strategy
once the diagonal law is written as a multivariate normal; an opening stage says so.

The dimension must be known: from a list on either side, or ``--dims N``. The standard
diagonal law ``diag_normal(0, 1)`` is :math:`\mathcal{N}(0, I)` in any dimension and may
face a multivariate normal given by name.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Expr, ImmutableMatrix, Indexed, IndexedBase, Lambda, S, Symbol, diag

from ..errors import SpecError
from ..families.base import Distribution
from ..families.diag_normal import coordinate
from ..families.multivariate_normal import FAMILY as MVN
from ..steps.step import Stage
from . import gaussian_quadratic_forms
from .draft import Draft

__all__ = ["as_multivariate", "derive"]

NAME = "quadratic forms"


def _size(dist: Distribution) -> int | None:
    return dist.family.dimension(dist.args)


def _entries(vector: Expr, n: int) -> list[Expr]:
    """The ``n`` coordinates of a diagonal law's parameter (names written ``mu_1, ...``)."""
    if isinstance(vector, IndexedBase):
        return [Symbol(f"{vector.label}_{i}", **vector.assumptions0) for i in range(1, n + 1)]
    if isinstance(vector, Lambda):
        out = []
        for i in range(1, n + 1):
            value = vector(i)
            out.append(
                value.xreplace(
                    {
                        x: Symbol(f"{x.base.label}_{i}", **x.base.assumptions0)
                        for x in value.atoms(Indexed)
                    }
                )
            )
        return out
    return [coordinate(vector, S(i)) for i in range(1, n + 1)]


def as_multivariate(dist: Distribution, n: int | None) -> Distribution:
    """A diagonal law as the multivariate normal with covariance ``diag(sigma^2)``; other
    laws (multivariate, low-rank) unchanged. ``n`` is the dimension when it is known."""
    if dist.family.name != "diag_normal":
        return dist
    loc, scale = dist.args
    if loc == 0 and scale == 1:
        if n is None:
            return Distribution(MVN, (S.Zero, S.One), dist.spec)
        return Distribution(MVN, (ImmutableMatrix.zeros(n, 1), ImmutableMatrix.eye(n)), dist.spec)
    if n is None:
        raise SpecError(
            f"{dist.spec!r} against a multivariate normal given by name needs the dimension: "
            "give one law's parameters as lists, or --dims N"
        )
    locs = _entries(loc, n)
    scales = _entries(scale, n)
    cov = ImmutableMatrix(diag(*[s**2 for s in scales]))
    return Distribution(MVN, (ImmutableMatrix(locs), cov), dist.spec, dist.substitutions)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) when one of them is a diagonal Gaussian."""
    n = _size(first) or _size(second)
    one, two = as_multivariate(first, n), as_multivariate(second, n)
    draft = gaussian_quadratic_forms.derive(one, two)
    j = Symbol("j")
    mu_j, sigma_j = Symbol("mu_j"), Symbol("sigma_j", positive=True)
    params = {"j": j, "mu_j": mu_j, "sigma_j": sigma_j, "sigma_j2": sigma_j**2}
    opening = Stage("diagonal_as_mvn", (), params=params)
    return replace(draft, stages=(opening, *draft.stages))
