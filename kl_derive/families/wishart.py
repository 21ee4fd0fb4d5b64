r"""The Wishart family ``wishart(df, scale_matrix)`` on the :math:`p \times p` symmetric
positive-definite matrices.

Parameter names and order follow PyTorch's ``Wishart(df, covariance_matrix)`` (the scale
:math:`V` is PyTorch's ``covariance_matrix``; kl-derive calls it ``scale_matrix``). The
scale is a list of rows, ``wishart(n, [[a, b], [b, c]])``, with numbers or names as
entries (a name on the diagonal is taken positive); the degrees of freedom ``df`` are a
number or a name. A scale given by name, ``wishart(n, V)`` (or the bare ``wishart``),
is a matrix symbol of symbolic size :math:`p`; ``--dims k`` writes it out as a symmetric
matrix of entries ``V_11, V_12, ...``. The density of :math:`X \sim \mathcal{W}_p(n, V)` is

.. math::

    \frac{\lvert X \rvert^{(n-p-1)/2} e^{-\operatorname{tr}(V^{-1}X)/2}}
         {2^{np/2} \lvert V \rvert^{n/2} \Gamma_p(n/2)}, \qquad n > p - 1,

with the multivariate gamma function
:math:`\Gamma_p(a) = \pi^{p(p-1)/4} \prod_{j=1}^{p} \Gamma(a - (j-1)/2)`.

Moments (what :mod:`kl_derive.strategies.wishart_moments` uses): :math:`\mathbb{E}[X] = nV`
and :math:`\mathbb{E}[\log\lvert X\rvert] = \psi_p(n/2) + p\log 2 + \log\lvert V\rvert`,
both from Bartlett's decomposition :math:`X = L A A^{T} L^{T}` (:math:`LL^T = V`,
:math:`A` lower triangular, :math:`a_{ii}^2 \sim \chi^2_{n-i+1}`, :math:`a_{ij} \sim
\mathcal{N}(0, 1)` below the diagonal, all independent).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, ImmutableMatrix, MatrixSymbol, Number, Rational, S, Symbol

from ..errors import SpecError
from ..symbolic.display import add, div, expo, mul, power
from ..symbolic.matrices import MatDet, MatTrace, MultiGamma
from .base import Distribution, Family, Parameter

__all__ = ["DIMENSION_P", "FAMILY", "Wishart", "less_p", "minus"]

#: the size of a Wishart law whose scale matrix is given by name
DIMENSION_P = Symbol("p", integer=True, positive=True)


def minus(a: Expr, b: Expr) -> Expr:
    """``a - b``: evaluated when both are numbers, else in display form."""
    a, b = S(a), S(b)
    if isinstance(a, Number) and isinstance(b, Number):
        return a - b
    if a == b:
        return S.Zero
    return add(a, -b if isinstance(b, Number) else mul(-1, b))


def less_p(n: Expr, p: Expr, k: int) -> Expr:
    """``n - p - k`` for a symbolic ``p``, in that order (``n - p - 1``)."""
    return add(n - k, mul(-1, p)) if isinstance(n, Number) else add(n, mul(-1, p), -k)


class Wishart(Family):
    """The Wishart distribution of a random symmetric positive-definite matrix."""

    name = "wishart"
    parameters = (
        Parameter("df", "n", "positive", "degrees of freedom, more than p - 1"),
        Parameter("scale_matrix", "V", "positive", "symmetric positive definite"),
    )
    #: no standard member: the second law is always given
    standard = ()

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        scale = args[1] if len(args) == 2 else None
        return scale.shape[0] if isinstance(scale, ImmutableMatrix) else None

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        raise TypeError("the support is a set of matrices")

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        df, scale = args
        size = self.dimension(args)
        p = "p" if size is None else str(size)  # (a name's size is the symbol p)
        return rf"\mathcal{{W}}_{{{p}}}({latex(df)}, {latex(scale)})"

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        """The density at the matrix ``variable`` (a :class:`MatrixSymbol`), in display
        form, with ``args`` = (df, scale) and the scale a matrix symbol or a matrix."""
        df, scale = args
        size = variable.shape[0]
        if S(size).is_Integer:
            exponent = div(minus(df, S(size) + 1), 2)
            power_of_two = mul(Rational(size, 2), df)
        else:
            exponent = div(less_p(df, size, 1), 2)
            power_of_two = div(mul(df, size), 2)
        top = mul(
            power(MatDet(variable), exponent),
            expo(mul(S(-1) / 2, MatTrace(scale.I, variable))),
        )
        bottom = mul(
            power(2, power_of_two),
            power(MatDet(scale), div(df, 2)),
            MultiGamma(div(df, 2), size),
        )
        return div(top, bottom)

    # -- reading a spec -------------------------------------------------------------
    def positive_names(self, spec) -> set[str]:
        """The names on the scale's diagonal: a positive-definite matrix has a positive
        diagonal, so they are positive symbols."""
        if len(spec.args) != 2 or spec.args[1].kind != "list":
            return set()
        rows = spec.args[1].args
        return {
            row.args[i].value
            for i, row in enumerate(rows)
            if row.kind == "list" and i < len(row.args) and row.args[i].kind == "name"
        }

    def bind(self, spec, domains: dict[str, str], to_sympy, suffix: str = "") -> Distribution:
        """``wishart(df, [[...], ...])`` or ``wishart(n, V)`` (a scale of symbolic size
        ``p``) as a distribution; a one-line error for anything else."""
        if not spec.args:  # the bare family: wishart(n, V), suffixed when both are bare
            df = Symbol("n" + suffix, positive=True)
            return Distribution(self, (df, scale_symbol("V" + suffix, DIMENSION_P)), spec.text)
        if len(spec.args) == 2 and spec.args[1].kind == "name":
            df = to_sympy(spec.args[0], domains)
            self._check_df(df, None, spec.text)
            scale = scale_symbol(spec.args[1].value, DIMENSION_P)
            return Distribution(self, (df, scale), spec.text)
        if len(spec.args) != 2:
            raise SpecError(
                "give a Wishart law as wishart(df, scale_matrix) with the scale as a list of "
                "rows, e.g. wishart(n, [[a, b], [b, c]])"
            )
        df_node, scale_node = spec.args
        if scale_node.kind != "list":
            raise SpecError(
                f"the scale_matrix of wishart must be a list of rows, e.g. [[a, b], [b, c]], "
                f"in {spec.text!r}"
            )
        from ..symbolic.convert import symmetric_rows

        scale = symmetric_rows(scale_node, "the scale_matrix", spec.text, domains)
        if any(x.is_real is False for x in scale):
            raise SpecError(f"the scale_matrix in {spec.text!r} must be real")
        if scale.is_positive_definite is False or any(
            scale[i, i].is_positive is False for i in range(scale.shape[0])
        ):
            raise SpecError(f"the scale_matrix in {spec.text!r} is not positive definite")
        df = to_sympy(df_node, domains)
        self._check_df(df, scale.shape[0], spec.text)
        return Distribution(self, (df, scale), spec.text)

    @staticmethod
    def _check_df(df: Expr, size: int | None, text: str) -> None:
        if df.is_real is False or df.is_positive is False:
            raise SpecError(f"the df of wishart must be positive, got {df} in {text!r}")
        if size is not None and df.is_number and not df > size - 1:
            raise SpecError(
                f"the df of wishart must exceed p - 1 = {size - 1} for a {size}x{size} scale, "
                f"got {df} in {text!r}"
            )
        if not isinstance(df, Symbol | Number):
            raise SpecError(f"the df of wishart must be a name or a number, got {df} in {text!r}")

    def with_dimension(self, distribution: Distribution, n: int) -> Distribution:
        """``--dims n``: a scale given by name written out as a symmetric matrix of
        entries ``V_11, V_12, ...`` (the diagonal positive)."""
        from dataclasses import replace

        df, scale = distribution.args
        if isinstance(scale, ImmutableMatrix):
            if scale.shape[0] != n:
                raise SpecError(f"--dims {n} does not match a matrix of size {scale.shape[0]}")
            return distribution
        name = str(scale.name)
        entries = [
            [
                Symbol(
                    f"{name}_{min(i, j)}{max(i, j)}",
                    **({"positive": True} if i == j else {"real": True}),
                )
                for j in range(1, n + 1)
            ]
            for i in range(1, n + 1)
        ]
        self._check_df(df, n, distribution.spec)
        return replace(distribution, args=(df, ImmutableMatrix(entries)))


def scale_symbol(name: str, size: Expr) -> MatrixSymbol:
    return MatrixSymbol(name, size, size)


FAMILY = Wishart()
