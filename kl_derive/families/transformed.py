r"""Laws under a change of variables: ``transformed(P, f)``, the law of :math:`f(z)` for
:math:`z \sim P`, written :math:`f_{\#}P`.

A :class:`Bijection` is a strictly monotone map of the real line (``exp``, ``sigmoid``,
``affine(loc, scale)``, that is :math:`\mathrm{loc} + \mathrm{scale}\cdot z`): its
formula, its inverse and the derivative of the inverse, as display expressions. A
:class:`TransformedFamily` is a base family seen through one bijection: its parameters
are the base family's, its density at :math:`y` is
:math:`p(f^{-1}(y))\,\lvert (f^{-1})'(y) \rvert` on the image of the base law's support.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Abs, Expr, S, Symbol, exp, oo

from ..symbolic.display import add, div, evaluate, expo, ln, mul, neg, sub
from .base import Parameter, UnivariateFamily

__all__ = ["BASE_OF", "Bijection", "TransformedFamily", "bijection", "same_map"]

#: catalog families that are a normal law through a bijection: name -> bijection name
BASE_OF: dict[str, str] = {"log_normal": "exp", "logit_normal": "sigmoid"}


@dataclass(frozen=True)
class Bijection:
    """A strictly monotone map of the line, by name and arguments (``affine``: loc, scale)."""

    name: str
    args: tuple[Expr, ...] = ()

    def forward(self, z: Expr) -> Expr:
        """:math:`f(z)` as a display expression."""
        if self.name == "exp":
            return expo(z)
        if self.name == "sigmoid":
            return div(1, add(1, expo(neg(z))))
        loc, scale = self.args
        return add(loc, mul(scale, z))

    def inverse(self, y: Expr) -> Expr:
        """:math:`f^{-1}(y)` as a display expression."""
        if self.name == "exp":
            return ln(y)
        if self.name == "sigmoid":
            return ln(div(y, sub(1, y)))
        loc, scale = self.args
        return div(sub(y, loc), scale)

    def inverse_slope(self, y: Expr) -> Expr:
        r""":math:`\lvert (f^{-1})'(y) \rvert` as a display expression (positive on the image)."""
        return div(1, self.slope_denominator(y))

    def slope_denominator(self, y: Expr) -> Expr:
        r"""``D`` in :math:`\lvert (f^{-1})'(y) \rvert = 1/D`: ``y``, ``y(1 - y)``, ``|scale|``."""
        if self.name == "exp":
            return y
        if self.name == "sigmoid":
            return mul(y, sub(1, y))
        _, scale = self.args
        return Abs(scale)

    def image(self, support: tuple[Expr, Expr]) -> tuple[Expr, Expr] | None:
        """The image of the interval ``support`` (``None`` when the sign of an affine
        map's scale, unknown, decides it)."""
        lower, upper = (S(b) for b in support)
        if self.name == "exp":
            return (S.Zero if lower == -oo else exp(lower), oo if upper == oo else exp(upper))
        if self.name == "sigmoid":
            ends = [S.Zero if lower == -oo else 1 / (1 + exp(-lower))]
            ends.append(S.One if upper == oo else 1 / (1 + exp(-upper)))
            return (ends[0], ends[1])
        _, scale = self.args
        if (lower, upper) == (-oo, oo):
            return (-oo, oo)
        ends = tuple(
            b * scale if b.is_infinite else evaluate(self.forward(b)) for b in (lower, upper)
        )
        if scale.is_positive:
            return (ends[0], ends[1])
        if scale.is_negative:
            return (ends[1], ends[0])
        return None

    def latex(self, latex) -> str:
        """The map's name in a law's notation: ``\\exp``, ``(z \\mapsto a + b z)``."""
        if self.name == "exp":
            return r"\exp"
        if self.name == "sigmoid":
            return r"\operatorname{sigmoid}"
        z = Symbol("z", real=True)
        return rf"(z \mapsto {latex(self.forward(z))})"

    def spec(self) -> str:
        """The map as ``transformed(P, f)`` writes it."""
        from sympy import sstr

        if not self.args:
            return self.name
        return f"{self.name}({', '.join(sstr(a) for a in self.args)})"


def bijection(name: str, args: tuple[Expr, ...] = ()) -> Bijection:
    """The bijection ``name`` with ``args`` (an affine map's scale must not be zero)."""
    from ..errors import SpecError

    if name == "affine" and (len(args) != 2 or args[1] == 0 or args[1].is_zero):
        raise SpecError("affine(a, b) is a + b*z, a bijection only for b != 0")
    return Bijection(name, tuple(args))


def same_map(f: Bijection, g: Bijection) -> bool:
    """Whether two bijections are the same map as written."""
    from sympy import simplify

    if f.name != g.name or len(f.args) != len(g.args):
        return False
    return all(simplify(a - b) == 0 for a, b in zip(f.args, g.args, strict=True))


class TransformedFamily(UnivariateFamily):
    """The laws ``transformed(P, f)`` for the laws ``P`` of one base family."""

    name = "transformed"

    def __init__(self, base: UnivariateFamily, bijection: Bijection) -> None:
        self.base = base
        self.bijection = bijection
        self.parameters: tuple[Parameter, ...] = base.parameters  # type: ignore[misc]
        self.standard = base.standard  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<family transformed({self.base.name}, {self.bijection.spec()})>"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        image = self.bijection.image(self.base.support(args))
        if image is None:  # pragma: no cover - refused when the law is read
            raise ValueError("the image of the support is not known")
        return image

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        return self.base.conditions(args)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        inner = self.base.density(self.bijection.inverse(variable), args)
        return mul(inner, self.bijection.inverse_slope(variable))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        inner = self.base.log_density(self.bijection.inverse(variable), args)
        return add(inner, ln(self.bijection.inverse_slope(variable)))

    def notation(self, args: tuple[Expr, ...], latex) -> str:
        return rf"{self.bijection.latex(latex)}\#\,{self.base.notation(args, latex)}"

    def canonical(self, base_spec: str) -> str:
        """``transformed(normal(mu, sigma), exp)`` from the base law's spec."""
        return f"transformed({base_spec}, {self.bijection.spec()})"
