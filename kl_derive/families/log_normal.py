r"""The log-normal family ``log_normal(loc, scale)``:
:math:`\operatorname{LogNormal}(\mu, \sigma)` on :math:`(0, \infty)`, density
:math:`\frac{1}{z\sigma\sqrt{2\pi}} \exp\left(-\frac{(\log z - \mu)^2}{2\sigma^2}\right)`.

``loc`` :math:`\mu` and ``scale`` :math:`\sigma > 0` are the mean and standard deviation
of :math:`\log z` (PyTorch's names and order). Since :math:`\log z` is normal,
:math:`E[\log z] = \mu`, :math:`E[\log^2 z] = \mu^2 + \sigma^2` and
:math:`E[z^t] = e^{t\mu + t^2\sigma^2/2}`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, log, oo, pi

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, root, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "LogNormal"]


class LogNormal(UnivariateFamily):
    """The log-normal distribution: :math:`\\log z \\sim \\mathcal{N}(\\mu, \\sigma^2)`."""

    name = "log_normal"
    latex_name = r"\operatorname{LogNormal}"
    parameters = (
        Parameter("loc", "mu", "real", "mean of log z"),
        Parameter("scale", "sigma", "positive", "standard deviation of log z"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return mul(
            div(1, mul(variable, scale, root(mul(2, pi)))),
            expo(neg(div(square(sub(ln(variable), loc)), mul(2, square(scale))))),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        return add(
            neg(ln(variable)),
            neg(mul(S.Half, ln(mul(2, pi, square(scale))))),
            neg(div(square(sub(ln(variable), loc)), mul(2, square(scale)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale = args
        z = variable
        return {
            log(z): Moment(log(z), loc, "log_normal"),
            log(z) ** 2: Moment(log(z) ** 2, add(square(loc), square(scale)), "log_normal"),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        loc, scale = args
        return expo(display_form(t * loc + t**2 * scale**2 / 2)), S.true


FAMILY = LogNormal()
