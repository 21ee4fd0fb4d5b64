r"""The continuous Bernoulli family ``continuous_bernoulli(probs)``:
:math:`\mathcal{CB}(\lambda)` on :math:`(0, 1)`, density
:math:`C(\lambda) \lambda^{z} (1 - \lambda)^{1 - z}` with normalizer
:math:`C(\lambda) = \frac{2 \operatorname{artanh}(1 - 2\lambda)}{1 - 2\lambda}`.

``probs`` is :math:`\lambda \in (0, 1)` (PyTorch's name; Loaiza-Ganem and Cunningham,
2019): a density on the unit interval for data in :math:`[0, 1]` that a Bernoulli
likelihood would treat as if it were binary. The normalizer is
:math:`0/0` at :math:`\lambda = 1/2`, where the law is uniform (:math:`C = 2`): a
symbolic ``probs`` carries the condition :math:`\lambda \ne 1/2`, the number ``1/2`` is
the uniform law itself. The mean is
:math:`\frac{\lambda}{2\lambda - 1} + \frac{1}{2 \operatorname{artanh}(1 - 2\lambda)}`.
"""

from __future__ import annotations

from sympy import Expr, Ne, Rational, S, Symbol, atanh

from ..symbolic.display import add, div, expo, ln, mul, power, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "ContinuousBernoulli"]


def _half(probs: Expr) -> bool:
    return probs == S.Half


def _artanh(probs: Expr) -> Expr:
    # unevaluated: SymPy would write the odd function as -artanh(2 lambda - 1)
    return atanh(sub(1, mul(2, probs)), evaluate=False)


class ContinuousBernoulli(UnivariateFamily):
    """The continuous Bernoulli distribution with parameter :math:`\\lambda`."""

    name = "continuous_bernoulli"
    latex_name = r"\mathcal{CB}"
    parameters = (Parameter("probs", "lambda", "unit", "shape (not the mean)"),)
    standard = (Rational(1, 2),)
    logits = "sigmoid"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        (probs,) = args
        return () if probs.is_number else (Ne(probs, S.Half),)

    def normalizer(self, probs: Expr) -> Expr:
        """:math:`C(\\lambda)`, or 2 at :math:`\\lambda = 1/2`."""
        if _half(probs):
            return S(2)
        return div(mul(2, _artanh(probs)), sub(1, mul(2, probs)))

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (probs,) = args
        return mul(
            self.normalizer(probs),
            power(probs, variable),
            power(sub(1, probs), sub(1, variable)),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        (probs,) = args
        return add(
            ln(self.normalizer(probs)),
            mul(variable, ln(probs)),
            mul(sub(1, variable), ln(sub(1, probs))),
        )

    def mean(self, probs: Expr) -> Expr:
        if _half(probs):
            return S.Half
        return add(
            div(probs, sub(mul(2, probs), 1)),
            div(1, mul(2, _artanh(probs))),
        )

    def variance(self, probs: Expr) -> Expr:
        if _half(probs):
            return Rational(1, 12)
        return sub(
            div(1, mul(4, square(_artanh(probs)))),
            div(mul(probs, sub(1, probs)), square(sub(1, mul(2, probs)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        (probs,) = args
        z = variable
        mean = self.mean(probs)
        return {
            z: Moment(z, mean, "mean"),
            z**2: Moment(z**2, add(self.variance(probs), square(mean)), "second_moment"),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        """:math:`\\frac{\\eta (e^{\\eta + t} - 1)}{(\\eta + t)(e^{\\eta} - 1)}` with the
        natural parameter :math:`\\eta = \\log\\frac{\\lambda}{1 - \\lambda}`."""
        (probs,) = args
        if _half(probs):
            return div(sub(expo(t), 1), t), S.true
        eta = ln(div(probs, sub(1, probs)))
        return (
            div(
                mul(eta, sub(mul(probs, expo(t)), sub(1, probs))),
                mul(add(eta, t), sub(mul(2, probs), 1)),
            ),
            S.true,
        )


FAMILY = ContinuousBernoulli()
