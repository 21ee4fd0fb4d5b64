r"""The uniform law on the unit sphere, ``uniform_sphere(dimension)``: density
:math:`1/\lvert S^{p-1}\rvert` on :math:`S^{p-1} \subset \mathbb{R}^p` with respect to the
surface measure, :math:`\lvert S^{p-1}\rvert = 2\pi^{p/2}/\Gamma(p/2)` (:math:`4\pi` at
:math:`p = 3`). ``uniform_sphere`` alone (or ``uniform_sphere(p)``) has the symbolic
dimension :math:`p`, ``uniform_sphere(3)`` a given one. It is the limit of the
von Mises-Fisher law as the concentration tends to 0 (SciPy's ``uniform_direction``).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, Integer

from ..errors import SpecError
from ..spec import MAX_DIMENSION
from ..symbolic.display import div
from ..symbolic.sphere import SphereArea
from .base import Distribution, Family, Parameter
from .von_mises_fisher import DIMENSION

__all__ = ["FAMILY", "UniformSphere"]


class UniformSphere(Family):
    """The uniform law on the unit sphere of :math:`\\mathbb{R}^p`."""

    name = "uniform_sphere"
    parameters = (Parameter("dimension", "p", "count", "dimension of the ambient space"),)
    standard = ()
    support_text = "the unit sphere S^(p-1) in R^p"

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        (p,) = args
        return int(p) if p.is_Integer else None

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        raise TypeError("the support is the unit sphere")

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        (p,) = args
        return div(1, SphereArea(p))

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        (p,) = args
        power = latex(p - 1) if p.is_Integer else f"{latex(p)} - 1"
        return rf"\operatorname{{Unif}}(S^{{{power}}})"

    def bind(self, spec, domains: dict[str, str], to_sympy, suffix: str = "") -> Distribution:
        """``uniform_sphere``, ``uniform_sphere(p)`` or ``uniform_sphere(3)``."""
        if not spec.args:
            return Distribution(self, (DIMENSION,), spec.text)
        (node,) = spec.args if len(spec.args) == 1 else (None,)
        if node is not None and node.kind == "name" and node.value == "p":
            return Distribution(self, (DIMENSION,), spec.text)
        if node is not None and node.kind == "num" and node.value.isdigit():
            p = Integer(node.value)
            if 2 <= p <= MAX_DIMENSION:
                return Distribution(self, (p,), spec.text)
        raise SpecError(
            f"give the uniform law on the sphere as uniform_sphere(p) or uniform_sphere(n) "
            f"with a whole n from 2 to {MAX_DIMENSION}, not {spec.text!r}"
        )

    def with_dimension(self, distribution: Distribution, n: int) -> Distribution:
        from dataclasses import replace

        (p,) = distribution.args
        if p.is_Integer and p != n:
            raise SpecError(f"--dims {n} does not match uniform_sphere({p})")
        return replace(distribution, args=(Integer(n),))


FAMILY = UniformSphere()
