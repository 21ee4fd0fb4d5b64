r"""The logit-normal family ``logit_normal(loc, scale)``:
:math:`\operatorname{LogitNormal}(\mu, \sigma)` on :math:`(0, 1)`, density
:math:`\frac{1}{\sigma\sqrt{2\pi}} \frac{1}{z(1 - z)}
\exp\left(-\frac{(\operatorname{logit} z - \mu)^2}{2\sigma^2}\right)` with
:math:`\operatorname{logit} z = \log\frac{z}{1 - z}`.

``loc`` :math:`\mu` and ``scale`` :math:`\sigma > 0` are the mean and standard deviation
of :math:`\operatorname{logit} z` (TensorFlow Probability's ``LogitNormal``; PyTorch
builds it as a normal law pushed through the sigmoid). Since the logit is normal,
:math:`E[\operatorname{logit} z] = \mu` and
:math:`E[\operatorname{logit}^2 z] = \mu^2 + \sigma^2`; :math:`E[\log z]` itself has no
closed form.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, log, pi

from ..symbolic.display import add, div, expo, ln, mul, neg, root, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "LogitNormal", "logit"]


def logit(variable: Expr) -> Expr:
    """:math:`\\log\\frac{z}{1 - z}` as a display expression (kept whole by the
    strategies, which treat it as one statistic)."""
    return ln(div(variable, sub(1, variable)))


class LogitNormal(UnivariateFamily):
    """The logit-normal distribution: :math:`\\operatorname{logit} z \\sim
    \\mathcal{N}(\\mu, \\sigma^2)`."""

    name = "logit_normal"
    latex_name = r"\operatorname{LogitNormal}"
    parameters = (
        Parameter("loc", "mu", "real", "mean of logit z"),
        Parameter("scale", "sigma", "positive", "standard deviation of logit z"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return mul(
            div(1, mul(scale, root(mul(2, pi)))),
            div(1, mul(variable, sub(1, variable))),
            expo(neg(div(square(sub(logit(variable), loc)), mul(2, square(scale))))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return add(
            neg(ln(variable)),
            neg(ln(sub(1, variable))),
            neg(mul(S.Half, ln(mul(2, pi, square(scale))))),
            neg(div(square(sub(logit(variable), loc)), mul(2, square(scale)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale = args
        t = log(variable / (1 - variable))
        return {
            t: Moment(t, loc, "logit_normal"),
            t**2: Moment(t**2, add(square(loc), square(scale)), "logit_normal"),
        }


FAMILY = LogitNormal()
