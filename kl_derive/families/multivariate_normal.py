r"""The multivariate normal ``multivariate_normal(loc, covariance_matrix)`` on :math:`\mathbb{R}^d`.

Parameter names and order follow PyTorch's ``MultivariateNormal(loc, covariance_matrix)``.
Given by name (``multivariate_normal(mu, Sigma)``) the parameters are a vector and a
symmetric positive-definite matrix of symbolic size :math:`d` (SymPy ``MatrixSymbol``);
given as list literals (``multivariate_normal([m1, m2], [[s11, s12], [s12, s22]])``) they
are explicit. ``multivariate_normal(0, 1)`` is :math:`\mathcal{N}(0, I)`.

Moments: :math:`\mathbb{E}[z] = \mu` and :math:`\mathbb{E}[z z^T] = \Sigma + \mu\mu^T`,
from the reparametrization :math:`z = \mu + L\varepsilon` with :math:`LL^T = \Sigma` and
:math:`\varepsilon \sim \mathcal{N}(0, I)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sympy import (
    Expr,
    Identity,
    ImmutableMatrix,
    Matrix,
    MatrixExpr,
    MatrixSymbol,
    ZeroMatrix,
    exp,
    pi,
    sqrt,
)

from ..symbolic.objects import DIMENSION
from .base import Family, Parameter

__all__ = ["DIMENSION", "FAMILY", "MultivariateNormal"]


class MultivariateNormal(Family):
    """The multivariate normal distribution with a full covariance matrix."""

    name = "multivariate_normal"
    parameters = (
        Parameter("loc", "mu", "real", "mean vector"),
        Parameter("covariance_matrix", "Sigma", "positive", "symmetric positive definite"),
    )
    standard = (0, 1)
    matrix: ClassVar[bool] = True

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        from sympy import oo

        return (-oo, oo)

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        for a in args:
            if isinstance(a, ImmutableMatrix):
                return a.shape[0]
        return None

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        loc, cov = args
        if _is_zero(loc) and _is_identity(cov):
            return r"\mathcal{N}(0, I)"
        return rf"\mathcal{{N}}({latex(loc)}, {latex(cov)})"

    def symbolic_args(self, args: tuple[Expr, ...], size: Expr) -> tuple[Expr, Expr]:
        """The parameters as matrix expressions of size ``size``: explicit matrices stay,
        the standard member becomes ``0`` and ``I``."""
        loc, cov = args
        loc = ZeroMatrix(size, 1) if _is_zero(loc) else loc
        cov = Identity(size) if _is_identity(cov) else cov
        return loc, cov

    @staticmethod
    def explicit_density(z: Matrix, loc: Matrix, cov: Matrix) -> Expr:
        """The density at the vector of symbols ``z``, as an ordinary expression."""
        n = z.shape[0]
        v = z - loc
        quadratic = (v.T * cov.inv() * v)[0, 0]
        return exp(-quadratic / 2) / sqrt((2 * pi) ** n * cov.det())

    @staticmethod
    def second_moments(loc: Matrix, cov: Matrix) -> dict[tuple[int, ...], Expr]:
        """``E[z_i] = mu_i`` and ``E[z_i z_j] = Sigma_ij + mu_i mu_j``, keyed by exponents."""
        n = loc.shape[0]
        moments: dict[tuple[int, ...], Expr] = {(0,) * n: 1}
        for i in range(n):
            e = [0] * n
            e[i] = 1
            moments[tuple(e)] = loc[i]
            for j in range(i, n):
                f = [0] * n
                f[i] += 1
                f[j] += 1
                moments[tuple(f)] = cov[i, j] + loc[i] * loc[j]
        return moments


def _is_zero(a: Expr) -> bool:
    return (not isinstance(a, MatrixExpr | ImmutableMatrix) and a == 0) or isinstance(a, ZeroMatrix)


def _is_identity(a: Expr) -> bool:
    return (not isinstance(a, MatrixExpr | ImmutableMatrix) and a == 1) or isinstance(a, Identity)


def symbol_vector(name: str, size: Expr) -> MatrixSymbol:
    return MatrixSymbol(name, size, 1)


FAMILY = MultivariateNormal()
