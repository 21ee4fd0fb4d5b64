r"""The Moyal family ``moyal(loc, scale)``: :math:`\operatorname{Moyal}(\mu, \sigma)` on the
real line, density
:math:`\frac{1}{\sigma\sqrt{2\pi}} \exp\left(-\tfrac{1}{2}\left(y + e^{-y}\right)\right)`
with :math:`y = (z - \mu)/\sigma`.

``loc`` is :math:`\mu`, ``scale`` is :math:`\sigma > 0` (SciPy's ``moyal``; PyTorch has no
Moyal law). It approximates the energy-loss (Landau) distribution. The mean is
:math:`\mu + \sigma(\gamma + \log 2)`, the variance :math:`\pi^2\sigma^2/2`, and
:math:`E[e^{tz}] = e^{\mu t}\, 2^{-\sigma t}\, \Gamma(\tfrac{1}{2} - \sigma t)/\sqrt{\pi}` for
:math:`t < 1/(2\sigma)`.
"""

from __future__ import annotations

from sympy import EulerGamma, Expr, Rational, S, Symbol, expand, gamma, log, pi

from ..symbolic.display import add, display_form, div, expo, ln, mul, neg, power, root, square
from .base import LocationScaleFamily, Moment, Parameter

__all__ = ["FAMILY", "Moyal"]


class Moyal(LocationScaleFamily):
    """The Moyal distribution with location :math:`\\mu` and scale :math:`\\sigma`."""

    name = "moyal"
    latex_name = r"\operatorname{Moyal}"
    parameters = (
        Parameter("loc", "mu", "real", "location"),
        Parameter("scale", "sigma", "positive", "scale"),
    )

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        _loc, scale = args
        y = self.standardized(variable, args)
        normalizer = div(1, mul(scale, root(mul(2, pi))))
        return mul(normalizer, expo(neg(mul(S.Half, add(y, expo(neg(y)))))))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        _loc, scale = args
        y = self.standardized(variable, args)
        return add(
            neg(ln(mul(scale, root(mul(2, pi))))),
            neg(mul(S.Half, y)),
            neg(mul(S.Half, expo(neg(y)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, scale = args
        z = variable
        mean = add(loc, mul(scale, add(EulerGamma, log(2))))
        return {
            z: Moment(z, mean, "mean"),
            z**2: Moment(
                z**2,
                add(square(mean), mul(Rational(1, 2), square(pi), square(scale))),
                "second_moment",
            ),
        }

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        loc, scale = args
        shape = display_form(expand(S.Half - scale * t))
        value = mul(
            div(gamma(shape), root(pi)),
            power(2, display_form(expand(-scale * t))),
            expo(display_form(loc * t)),
        )
        return value, t < 1 / (2 * scale)


FAMILY = Moyal()
