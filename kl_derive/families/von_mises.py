r"""The von Mises family ``von_mises(loc, concentration)``: :math:`\operatorname{vM}(\mu, \kappa)`,
the "normal law of the circle", density

.. math:: \frac{e^{\kappa \cos(z - \mu)}}{2\pi I_{0}(\kappa)}, \qquad z \in [-\pi, \pi],

with :math:`I_{\nu}` the modified Bessel function of the first kind (SymPy's ``besseli``).

``loc`` is the mean direction :math:`\mu`, ``concentration`` is :math:`\kappa > 0`
(PyTorch's names, order and support :math:`[-\pi, \pi]`). ``loc`` may be any real number:
the density is :math:`2\pi`-periodic in it, so :math:`\mu` and :math:`\mu + 2\pi` give the
same law. The notation :math:`\operatorname{vM}(\mu, \kappa)` is Mardia and Jupp's
(*Directional Statistics*), also common as :math:`\mathrm{VM}` or :math:`M`.

The log density is linear in :math:`\cos z` and :math:`\sin z` once the cosine of the
difference is expanded (:meth:`VonMises.log_density_rewrites`); their means are
:math:`\mathbb{E}[\cos z] = A(\kappa) \cos\mu` and :math:`\mathbb{E}[\sin z] = A(\kappa)
\sin\mu`, with :math:`A(\kappa) = I_{1}(\kappa)/I_{0}(\kappa)`: differentiating the
normalizer :math:`\int_{-\pi}^{\pi} e^{\kappa\cos(z - \mu)}\,dz = 2\pi I_{0}(\kappa)` in
:math:`\kappa` gives :math:`\mathbb{E}[\cos(z - \mu)] = I_{0}'(\kappa)/I_{0}(\kappa)`, with
:math:`I_{0}' = I_{1}`, and :math:`\mathbb{E}[\sin(z - \mu)] = 0` by symmetry about
:math:`\mu`.
"""

from __future__ import annotations

from sympy import (
    Eq,
    Expr,
    Integral,
    Symbol,
    besseli,
    cos,
    exp,
    pi,
    sin,
)

from ..symbolic.display import add, div, expo, ln, mul, neg, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "VonMises", "cos_difference"]


def cos_difference(variable: Expr, loc: Expr) -> Expr:
    """``cos(z - mu)`` as written (SymPy would turn it into ``cos(mu - z)``)."""
    return cos(sub(variable, loc), evaluate=False)


def mean_resultant(kappa: Expr) -> Expr:
    """:math:`A(\\kappa) = I_{1}(\\kappa) / I_{0}(\\kappa)` as a display expression."""
    return div(besseli(1, kappa), besseli(0, kappa))


class VonMises(UnivariateFamily):
    """The von Mises distribution on the circle, mean direction :math:`\\mu` and
    concentration :math:`\\kappa`."""

    name = "von_mises"
    latex_name = r"\operatorname{vM}"
    parameters = (
        Parameter("loc", "mu", "real", "mean direction, any real: the law is 2pi-periodic in it"),
        Parameter("concentration", "kappa", "positive", "concentration"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-pi, pi)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, kappa = args
        return div(expo(mul(kappa, cos_difference(variable, loc))), mul(2, pi, besseli(0, kappa)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, kappa = args
        return add(
            mul(kappa, cos_difference(variable, loc)),
            neg(ln(mul(2, pi))),
            neg(ln(besseli(0, kappa))),
        )

    def log_density_rewrites(
        self, variable: Symbol, args: tuple[Expr, ...]
    ) -> tuple[tuple[str, Expr], ...]:
        """The cosine of the difference expanded, so that the statistics are ``cos z``
        and ``sin z``: ``cos(z - mu) = cos z cos mu + sin z sin mu``."""
        loc, kappa = args
        if loc == 0:  # cos(z - 0) is already cos z
            return ()
        expanded = add(mul(cos(variable), cos(loc)), mul(sin(variable), sin(loc)))
        written = add(
            mul(kappa, expanded),
            neg(ln(mul(2, pi))),
            neg(ln(besseli(0, kappa))),
        )
        return (("trig.cos_difference", written),)

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        loc, kappa = args
        z = variable
        resultant = mean_resultant(kappa)
        facts = self._moment_facts(variable, args)
        centered_cos, centered_sin = facts["centered_cos"], facts["centered_sin"]
        cos_sum = Eq(
            cos(z),
            sub(mul(cos(loc), centered_cos), mul(sin(loc), centered_sin)),
            evaluate=False,
        )
        sin_sum = Eq(
            sin(z),
            add(mul(sin(loc), centered_cos), mul(cos(loc), centered_sin)),
            evaluate=False,
        )
        common = tuple(facts.items())
        return {
            cos(z): Moment(
                cos(z),
                mul(resultant, cos(loc)),
                "von_mises_cos",
                params=(*common, ("cos_sum", cos_sum)),
            ),
            sin(z): Moment(
                sin(z),
                mul(resultant, sin(loc)),
                "von_mises_sin",
                params=(*common, ("sin_sum", sin_sum)),
            ),
        }

    @staticmethod
    def _moment_facts(variable: Symbol, args: tuple[Expr, ...]) -> dict[str, Expr]:
        """What the reason for the moments cites: the normalizer, its derivative in the
        concentration, and the centred statistics."""
        loc, kappa = args
        z = variable
        centered_cos = cos_difference(z, loc)
        weight = exp(mul(kappa, centered_cos), evaluate=False)
        normalizer = Eq(
            Integral(weight, (z, -pi, pi)), mul(2, pi, besseli(0, kappa)), evaluate=False
        )
        differentiated = Eq(
            Integral(mul(centered_cos, weight), (z, -pi, pi)),
            mul(2, pi, besseli(1, kappa)),
            evaluate=False,
        )
        return {
            "normalizer": normalizer,
            "differentiated": differentiated,
            "kappa": kappa,
            "mu": loc,
            "i0": besseli(0, kappa),
            "i1": besseli(1, kappa),
            "resultant": mean_resultant(kappa),
            "centered_cos": centered_cos,
            "centered_sin": sin(sub(z, loc), evaluate=False),
        }


FAMILY = VonMises()
