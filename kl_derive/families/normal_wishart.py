r"""The Normal-Wishart family ``normal_wishart(mu, lambda, W, nu)``: the conjugate prior of
a multivariate normal law with unknown mean and precision matrix.

A pair :math:`(x, \Lambda)` with :math:`\Lambda \sim \mathcal{W}_d(\nu, W)` and, given
:math:`\Lambda`, :math:`x \sim \mathcal{N}(\mu, (\lambda\Lambda)^{-1})`; the density is the
product :math:`\mathcal{W}_d(\Lambda; \nu, W)\,\mathcal{N}(x; \mu, (\lambda\Lambda)^{-1})`
on :math:`\mathbb{R}^d` times the symmetric positive-definite matrices (Bishop, PRML
(2.157)). The mean ``mu`` is a list of ``d`` entries and the scale ``W`` a list of rows,
``normal_wishart([m1, m2], l, [[a, b], [b, c]], n)``; ``lambda`` and ``nu`` are numbers or
names, with :math:`\lambda > 0` and :math:`\nu > d - 1`. Its divergences are derived by the
chain rule (:mod:`~kl_derive.strategies.normal_wishart_chain`).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, ImmutableMatrix, Number, Rational, S, Symbol, pi

from ..errors import SpecError
from ..symbolic.display import div, expo, mul, neg, power
from ..symbolic.matrices import MatDet, QuadForm
from .base import Distribution, Family, Parameter
from .wishart import FAMILY as WISHART

__all__ = ["FAMILY", "NormalWishart"]


class NormalWishart(Family):
    """The Normal-Wishart law of a mean-and-precision-matrix pair."""

    name = "normal_wishart"
    parameters = (
        Parameter("loc", "mu", "real", "mean of x, a list"),
        Parameter("lambda", "lambda", "positive", "precision scale of x"),
        Parameter("scale_matrix", "W", "positive", "scale of Lambda, symmetric positive definite"),
        Parameter("df", "nu", "positive", "degrees of freedom of Lambda, more than d - 1"),
    )
    #: no standard member: the second law is always given
    standard = ()
    #: for ``kl-derive families``
    support_text = "pairs (x, Lambda): x in R^d, Lambda symmetric positive definite"

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        return args[2].shape[0] if len(args) == 4 else None

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        raise TypeError("the support is a set of vector-matrix pairs")

    def marginal(self, args: tuple[Expr, ...]) -> tuple[Family, tuple[Expr, Expr]]:
        """The law of Lambda: W_d(nu, W)."""
        _, _, scale, df = args
        return WISHART, (df, scale)

    def conditional_density(self, x: Expr, precision: Expr, args: tuple[Expr, ...]) -> Expr:
        r"""The density of x given Lambda as a textbook writes it with the precision
        ``lambda Lambda``: ``(2 pi)^{-d/2} lambda^{d/2} det(Lambda)^{1/2} exp(-lambda (x -
        mu)^T Lambda (x - mu) / 2)``; ``x`` a vector symbol, ``precision`` the matrix Lambda."""
        mu, lam, _, _ = args
        size = x.shape[0]
        half = Rational(size, 2) if S(size).is_Integer else div(size, 2)
        return mul(
            power(mul(2, pi), neg(half)),
            power(lam, half),
            power(MatDet(precision), S.Half),
            expo(neg(div(mul(lam, QuadForm(x, mu, precision)), 2))),
        )

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        x, precision = variable
        wishart, wishart_args = self.marginal(args)
        return mul(
            wishart.density(precision, wishart_args),
            self.conditional_density(x, precision, args),
        )

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        inner = ", ".join(latex(a) for a in args)
        return rf"\operatorname{{NW}}({inner})"

    # -- reading a spec -------------------------------------------------------------
    def positive_names(self, spec) -> set[str]:
        """The names on the scale's diagonal (positive, as in a Wishart scale)."""
        if len(spec.args) != 4:
            return set()
        return WISHART.positive_names(_wishart_spec(spec))

    def bind(self, spec, domains: dict[str, str], to_sympy, suffix: str = "") -> Distribution:
        """``normal_wishart([m1, ...], lambda, [[...], ...], nu)``; a one-line error for
        anything else."""
        example = "e.g. normal_wishart([m1, m2], l, [[a, b], [b, c]], n)"
        if len(spec.args) != 4:
            raise SpecError(
                f"give a Normal-Wishart law as normal_wishart(mu, lambda, W, nu) with mu a "
                f"list and W a list of rows, {example}, got {spec.text!r}"
            )
        loc_node, lam_node, _, _ = spec.args
        if loc_node.kind != "list" or any(n.kind == "list" for n in loc_node.args):
            raise SpecError(
                f"the loc of normal_wishart must be a list of numbers or names, {example}"
            )
        wishart = WISHART.bind(_wishart_spec(spec), domains, to_sympy, suffix)
        df, scale = wishart.args
        if not isinstance(scale, ImmutableMatrix):
            raise SpecError(f"the scale_matrix of normal_wishart must be a list of rows, {example}")
        loc = ImmutableMatrix([to_sympy(n, domains) for n in loc_node.args])
        if loc.shape[0] != scale.shape[0]:
            raise SpecError(
                f"the loc of normal_wishart has {loc.shape[0]} entries but the scale_matrix is "
                f"{scale.shape[0]} x {scale.shape[0]}, in {spec.text!r}"
            )
        if any(x.is_real is False for x in loc):
            raise SpecError(f"the loc in {spec.text!r} must be real")
        lam = to_sympy(lam_node, domains)
        if lam.is_positive is not True or not isinstance(lam, Symbol | Number):
            raise SpecError(
                f"the lambda of normal_wishart must be a positive name or number, got {lam} "
                f"in {spec.text!r}"
            )
        return Distribution(self, (loc, lam, scale, df), spec.text)


def _wishart_spec(spec):
    """The spec of the Wishart law of Lambda: ``wishart(nu, W)``."""
    from dataclasses import replace

    return replace(spec, args=(spec.args[3], spec.args[2]))


FAMILY = NormalWishart()
