r"""The Normal-Gamma family ``normal_gamma(mu, lambda, alpha, beta)``: the conjugate prior of
a normal law with unknown mean and precision.

A pair :math:`(x, \tau)` with :math:`\tau \sim \operatorname{Gamma}(\alpha, \beta)` (shape,
rate) and, given :math:`\tau`, :math:`x \sim \mathcal{N}(\mu, 1/(\lambda\tau))`; the density
is the product :math:`\operatorname{Gamma}(\tau; \alpha, \beta)\,
\mathcal{N}(x; \mu, (\lambda\tau)^{-1})` on :math:`\mathbb{R} \times (0, \infty)`.
Its divergences are derived by the chain rule (:mod:`~kl_derive.strategies.normal_gamma_chain`).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, S, Symbol, oo, pi

from ..symbolic.display import div, expo, mul, neg, root, square, sub
from .base import Family, Parameter
from .gamma import FAMILY as GAMMA
from .normal import FAMILY as NORMAL

__all__ = ["FAMILY", "PRECISION", "VALUE", "NormalGamma"]

#: the two coordinates: the value x and the precision tau
VALUE = Symbol("x", real=True)
PRECISION = Symbol("tau", positive=True)


class NormalGamma(Family):
    """The Normal-Gamma law of a mean-and-precision pair."""

    name = "normal_gamma"
    parameters = (
        Parameter("loc", "mu", "real", "mean of x"),
        Parameter("lambda", "lambda", "positive", "precision scale of x"),
        Parameter("concentration", "alpha", "positive", "shape of tau"),
        Parameter("rate", "beta", "positive", "rate of tau"),
    )
    standard = (0, 1, 1, 1)
    #: for ``kl-derive families``
    support_text = "pairs (x, tau): x in R, tau in (0, oo)"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)  # of tau; x ranges over the real line

    def marginal(self, args: tuple[Expr, ...]) -> tuple[Family, tuple[Expr, Expr]]:
        """The law of tau: Gamma(alpha, beta)."""
        _, _, alpha, beta = args
        return GAMMA, (alpha, beta)

    def conditional(
        self, args: tuple[Expr, ...], tau: Expr = PRECISION
    ) -> tuple[Family, tuple[Expr, Expr]]:
        """The law of x given tau: N(mu, 1/(lambda tau)), by its standard deviation."""
        mu, lam, _, _ = args
        return NORMAL, (mu, div(1, mul(lam, tau)) ** S.Half)

    def conditional_density(self, x: Expr, tau: Expr, args: tuple[Expr, ...]) -> Expr:
        """The density of x given tau, as a textbook writes it with the precision
        ``lambda tau``: ``sqrt(lambda tau / (2 pi)) exp(-lambda tau (x - mu)^2 / 2)``."""
        mu, lam, _, _ = args
        precision = mul(lam, tau)
        return mul(
            root(div(precision, mul(2, pi))),
            expo(neg(div(mul(precision, square(sub(x, mu))), 2))),
        )

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        x, tau = variable
        gamma_family, gamma_args = self.marginal(args)
        return mul(gamma_family.density(tau, gamma_args), self.conditional_density(x, tau, args))

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        inner = ", ".join(latex(a) for a in args)
        return rf"\operatorname{{NG}}({inner})"


FAMILY = NormalGamma()
