r"""The low-rank multivariate normal ``low_rank_multivariate_normal(loc, cov_factor, cov_diag)``.

As PyTorch's ``LowRankMultivariateNormal``: a normal law on :math:`\mathbb{R}^d` whose
covariance is :math:`\Sigma = W W^{T} + \operatorname{diag}(\boldsymbol{D})`, with the
factor :math:`W` (``cov_factor``, :math:`d \times r`) and the positive diagonal
:math:`\boldsymbol{D}` (``cov_diag``) given as lists, e.g.
``low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])``. The covariance is
formed first (a verified step) and the derivation is then the multivariate normal's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sympy import Expr, ImmutableMatrix, diag

from .base import Parameter
from .multivariate_normal import MultivariateNormal

__all__ = ["FAMILY", "LowRankMultivariateNormal", "covariance"]


def covariance(factor: ImmutableMatrix, diagonal: list[Expr]) -> ImmutableMatrix:
    """:math:`W W^T + \\operatorname{diag}(D)`."""
    return ImmutableMatrix(factor * factor.T + diag(*diagonal))


class LowRankMultivariateNormal(MultivariateNormal):
    """A multivariate normal with covariance low rank plus diagonal."""

    name = "low_rank_multivariate_normal"
    parameters = (
        Parameter("loc", "mu", "real", "mean vector"),
        Parameter("cov_factor", "W", "real", "d x r factor of the covariance"),
        Parameter("cov_diag", "D", "positive", "diagonal of the covariance"),
    )
    standard: ClassVar[tuple] = ()
    low_rank: ClassVar[bool] = True

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        loc, cov = args
        return rf"\mathcal{{N}}({latex(loc)}, {latex(cov)})"


FAMILY = LowRankMultivariateNormal()
