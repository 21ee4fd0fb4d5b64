r"""The truncated normal family ``truncated_normal(loc, scale, low, high)``: a normal law
:math:`\mathcal{N}(\mu, \sigma^2)` conditioned on :math:`a < z < b`, density

.. math::

    \frac{1}{\sigma Z}\,\varphi\left(\frac{z - \mu}{\sigma}\right) \text{ on } (a, b),
    \qquad Z = \Phi(\beta) - \Phi(\alpha),\quad \alpha = \frac{a - \mu}{\sigma},\quad
    \beta = \frac{b - \mu}{\sigma},

with :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}` and :math:`\Phi(x) = (1 +
\operatorname{erf}(x/\sqrt{2}))/2` (written with erf, as SymPy does). ``loc`` and ``scale``
are the parameters of the parent normal law (not the mean and standard deviation of the
truncated one), ``low`` :math:`a` and ``high`` :math:`b` the finite ends, with :math:`a < b`
(SciPy's ``truncnorm`` and TFP's ``TruncatedNormal`` read them the same way; SciPy takes
the standardized ends :math:`\alpha, \beta`). Its moments, from
:math:`\varphi'(x) = -x\varphi(x)` integrated over :math:`(\alpha, \beta)`:

.. math::

    E[z] = \mu + \sigma\,\frac{\varphi(\alpha) - \varphi(\beta)}{Z},\qquad
    E[z^2] = \mu^2 + \sigma^2 + \sigma\,\frac{(a + \mu)\varphi(\alpha) -
    (b + \mu)\varphi(\beta)}{Z}.
"""

from __future__ import annotations

from sympy import Expr, Symbol, erf, exp, pi, sqrt

from ..symbolic.display import add, div, expo, ln, mul, neg, root, square, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "TruncatedNormal"]


def standard_density(x: Expr) -> Expr:
    r""":math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}`, evaluated."""
    return exp(-(x**2) / 2) / sqrt(2 * pi)


def standard_cdf(x: Expr) -> Expr:
    r""":math:`\Phi(x) = (1 + \operatorname{erf}(x/\sqrt{2}))/2`, evaluated."""
    return (1 + erf(x / sqrt(2))) / 2


class TruncatedNormal(UnivariateFamily):
    """The normal law with mean ``loc`` and deviation ``scale`` conditioned on ``(low, high)``."""

    name = "truncated_normal"
    latex_name = r"\mathcal{TN}"
    parameters = (
        Parameter("loc", "mu", "real", "mean of the normal law before truncation"),
        Parameter("scale", "sigma", "positive", "deviation of the normal law before truncation"),
        Parameter("low", "a", "real", "lower end"),
        Parameter("high", "b", "real", "upper end"),
    )
    standard = (0, 1, -1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return args[2], args[3]

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        low, high = args[2], args[3]
        relation = low < high
        return () if relation == True else (relation,)  # noqa: E712 (a SymPy boolean)

    @staticmethod
    def mass(args: tuple[Expr, ...]) -> Expr:
        r""":math:`Z = \Phi(\beta) - \Phi(\alpha)`, the normal law's mass on the interval,
        as a display expression: :math:`(\operatorname{erf}(\beta/\sqrt2) -
        \operatorname{erf}(\alpha/\sqrt2))/2`."""
        loc, scale, low, high = args

        def erf_at(end: Expr) -> Expr:
            return erf(div(sub(end, loc), mul(root(2), scale)))

        return div(sub(erf_at(high), erf_at(low)), 2)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale, _, _ = args
        return div(
            expo(neg(div(square(sub(variable, loc)), mul(2, square(scale))))),
            mul(root(mul(2, pi)), scale, self.mass(args)),
        )

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale, _, _ = args
        return add(
            neg(mul(div(1, 2), ln(mul(2, pi)))),
            neg(ln(scale)),
            neg(ln(self.mass(args))),
            neg(div(square(sub(variable, loc)), mul(2, square(scale)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale, low, high = args
        z = variable
        alpha, beta = (low - loc) / scale, (high - loc) / scale
        mass = standard_cdf(beta) - standard_cdf(alpha)
        at_low, at_high = standard_density(alpha), standard_density(beta)
        mean = loc + scale * (at_low - at_high) / mass
        second = loc**2 + scale**2 + scale * ((low + loc) * at_low - (high + loc) * at_high) / mass
        return {
            z: Moment(z, mean, "truncated_normal_moment"),
            z**2: Moment(z**2, second, "truncated_normal_moment"),
        }


FAMILY = TruncatedNormal()
