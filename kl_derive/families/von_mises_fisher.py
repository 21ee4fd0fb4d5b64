r"""The von Mises-Fisher family ``von_mises_fisher(loc, concentration)`` on the unit sphere
:math:`S^{p-1} = \{\boldsymbol{x} \in \mathbb{R}^p : \lVert\boldsymbol{x}\rVert = 1\}`.

Density with respect to the surface measure :math:`\sigma` of the sphere,

.. math::

    q(\boldsymbol{x}) = C_p(\kappa)\, e^{\kappa \boldsymbol{\mu}^{T}\boldsymbol{x}},
    \qquad C_p(\kappa) = \frac{\kappa^{p/2-1}}{(2\pi)^{p/2} I_{p/2-1}(\kappa)},

with the mean direction :math:`\boldsymbol{\mu}` a unit vector and the concentration
:math:`\kappa > 0` (Mardia and Jupp, *Directional Statistics*, 9.3; SciPy's
``vonmises_fisher(mu, kappa)``, TFP's ``VonMisesFisher(mean_direction, concentration)``).
At :math:`p = 2` it is the von Mises law of the angle; at :math:`p = 3`,
:math:`C_3(\kappa) = \kappa / (4\pi\sinh\kappa)`.

``loc`` is a name (``von_mises_fisher(mu, kappa)``: a unit vector of symbolic dimension
:math:`p`, or of ``--dims n`` coordinates) or a list of numbers of norm exactly one
(``von_mises_fisher([0, 0, 1], 2)``, :math:`p` its length); a list that is not a unit
vector is refused, not normalised behind the user's back. Its divergences are derived by
:mod:`kl_derive.strategies.vmf_moments`.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, MatrixSymbol, Number, S, Symbol, Tuple, nsimplify, simplify

from ..errors import SpecError
from ..spec import MAX_DIMENSION
from ..symbolic.display import expo, mul
from ..symbolic.sphere import Inner, VMFNormalizer
from .base import Distribution, Family, Parameter

__all__ = ["DIMENSION", "FAMILY", "VonMisesFisher", "point", "sphere_order"]

#: the dimension of the ambient space of a law whose mean direction is given by name
DIMENSION = Symbol("p", integer=True, positive=True)


def point(order: Expr) -> MatrixSymbol:
    """The point :math:`\\boldsymbol{x}` of the sphere :math:`S^{p-1}`."""
    return MatrixSymbol("x", order, 1)


def sphere_order(vector: Expr) -> Expr:
    """``p`` for a mean direction: a list's length, a matrix symbol's number of rows."""
    if isinstance(vector, Tuple):
        return S(len(vector))
    return vector.shape[0] if hasattr(vector, "shape") else DIMENSION


class VonMisesFisher(Family):
    """The von Mises-Fisher law on the unit sphere of :math:`\\mathbb{R}^p`."""

    name = "von_mises_fisher"
    parameters = (
        Parameter("loc", "mu", "real", "mean direction, a unit vector"),
        Parameter("concentration", "kappa", "positive", "concentration"),
    )
    #: no standard member: the second law is always given
    standard = ()
    #: for ``kl-derive families``
    support_text = "the unit sphere S^(p-1) in R^p"

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        order = sphere_order(args[0])
        return int(order) if order.is_Integer else None

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        raise TypeError("the support is the unit sphere")

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        mu, kappa = args
        return mul(VMFNormalizer(sphere_order(mu), kappa), expo(mul(kappa, Inner(mu, variable))))

    def log_density_terms(self, variable, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """``(log C_p(kappa), kappa mu^T x)``: the log density is their sum."""
        from ..symbolic.display import ln

        mu, kappa = args
        return ln(VMFNormalizer(sphere_order(mu), kappa)), mul(kappa, Inner(mu, variable))

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        mu, kappa = args
        if isinstance(mu, Tuple):
            vector = "(" + ", ".join(latex(m) for m in mu) + ")"
        else:
            vector = latex(Symbol(str(mu.name)))
        return rf"\operatorname{{vMF}}_{{{latex(sphere_order(mu))}}}({vector}, {latex(kappa)})"

    # -- reading a spec -------------------------------------------------------------
    def bind(self, spec, domains: dict[str, str], to_sympy, suffix: str = "") -> Distribution:
        """``von_mises_fisher(mu, kappa)`` (a unit vector of symbolic dimension ``p``) or
        ``von_mises_fisher([0, 0, 1], kappa)``; a one-line error for anything else."""
        text = spec.text
        if not spec.args:
            mu = MatrixSymbol("mu" + suffix, DIMENSION, 1)
            return Distribution(self, (mu, Symbol("kappa" + suffix, positive=True)), text)
        if len(spec.args) != 2:
            raise SpecError(
                "give a von Mises-Fisher law as von_mises_fisher(loc, concentration), e.g. "
                f"von_mises_fisher(mu, kappa) or von_mises_fisher([0, 0, 1], 2), not {text!r}"
            )
        loc, concentration = spec.args
        if loc.kind == "name":
            mu = MatrixSymbol(loc.value, DIMENSION, 1)
        elif loc.kind == "list":
            mu = self._unit_list(loc, domains, to_sympy, text)
        else:
            raise SpecError(
                f"the loc of von_mises_fisher is a unit vector: a name or a list of numbers, "
                f"got {loc} in {text!r}"
            )
        kappa = to_sympy(concentration, domains)
        if not isinstance(kappa, Symbol | Number):
            raise SpecError(
                f"the concentration of von_mises_fisher must be a name or a number, got "
                f"{kappa} in {text!r}"
            )
        if kappa.is_positive is not True:
            if isinstance(kappa, Symbol) and kappa.is_positive is None:
                kappa = Symbol(kappa.name, positive=True)
            else:
                raise SpecError(
                    f"the concentration of von_mises_fisher must be positive, got {kappa} "
                    f"in {text!r}"
                )
        return Distribution(self, (mu, kappa), text)

    @staticmethod
    def _unit_list(loc, domains, to_sympy, text: str) -> Tuple:
        entries = []
        for node in loc.args:
            if node.kind == "list":
                raise SpecError(f"the loc of von_mises_fisher is a vector, not a matrix: {text!r}")
            entries.append(to_sympy(node, domains))
        if not 2 <= len(entries) <= MAX_DIMENSION:
            raise SpecError(
                f"the loc of von_mises_fisher needs 2 to {MAX_DIMENSION} coordinates, got "
                f"{len(entries)} in {text!r}"
            )
        if not all(e.is_number and e.is_real for e in entries):
            raise SpecError(
                f"the loc of von_mises_fisher as a list holds numbers (give a unit vector by "
                f"name for a symbolic one), got {loc} in {text!r}"
            )
        entries = [nsimplify(e) for e in entries]
        norm = simplify(sum(e**2 for e in entries))
        if norm != 1:
            raise SpecError(
                f"the loc of von_mises_fisher must be a unit vector; {loc} has norm "
                f"{simplify(norm**S.Half)} (divide it by its norm) in {text!r}"
            )
        return Tuple(*entries)

    def paired(self, first: Distribution, second: Distribution):
        """Both laws on the sphere of the dimension one of them gives (a list's length,
        ``uniform_sphere(3)``), a mean direction given by name taking it."""
        sizes = {
            d.family.dimension(d.args)
            for d in (first, second)
            if getattr(d.family, "support_text", "").startswith("the unit sphere")
        } - {None}
        if len(sizes) != 1:
            return first, second
        (n,) = sizes
        return tuple(
            d.family.with_dimension(d, n) if hasattr(d.family, "with_dimension") else d
            for d in (first, second)
        )

    def with_dimension(self, distribution: Distribution, n: int) -> Distribution:
        """``--dims n``: a mean direction given by name is a unit vector of ``n``
        coordinates (:math:`p = n`)."""
        from dataclasses import replace

        mu, kappa = distribution.args
        if isinstance(mu, Tuple):
            if len(mu) != n:
                raise SpecError(f"--dims {n} does not match the list of length {len(mu)}")
            return distribution
        if n < 2:
            raise SpecError("--dims for von_mises_fisher is at least 2 (the circle)")
        return replace(distribution, args=(MatrixSymbol(str(mu.name), n, 1), kappa))


FAMILY = VonMisesFisher()
