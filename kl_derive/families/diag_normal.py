r"""The diagonal Gaussian ``diag_normal(loc, scale)``: independent normal coordinates.

:math:`\mathcal{N}(\boldsymbol{\mu}, \operatorname{diag}(\boldsymbol{\sigma}^2))` on
:math:`\mathbb{R}^d`, the encoder distribution of a VAE. ``loc`` and ``scale`` are vectors:
names (``diag_normal(mu, sigma)``: components :math:`\mu_j, \sigma_j`, with :math:`d` kept
symbolic) or list literals (``diag_normal([m1, m2], [s1, s2])``); a number stands for the
same value in every coordinate, so ``diag_normal(0, 1)`` is :math:`\mathcal{N}(0, I)`.
Each coordinate is a :mod:`~kl_derive.families.normal` distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sympy import Expr, Indexed, IndexedBase, Lambda, Symbol, Tuple, oo

from .base import Family, Parameter
from .normal import FAMILY as NORMAL

__all__ = ["FAMILY", "INDEX", "DiagNormal", "coordinate"]


#: the coordinate index j in sums and elementwise expressions
INDEX = Symbol("j", integer=True, positive=True)


def coordinate(vector: Expr, j: Expr) -> Expr:
    """The ``j``-th coordinate (1-based) of a vector argument: a name, a list, an
    elementwise expression such as ``exp(logvar/2)`` or a number."""
    if isinstance(vector, IndexedBase):
        return vector[j]
    if isinstance(vector, Lambda):
        return vector(j)
    if isinstance(vector, Tuple):
        return vector[int(j) - 1]
    return vector


class DiagNormal(Family):
    """A Gaussian with diagonal covariance: a product of independent normals."""

    name = "diag_normal"
    parameters = (
        Parameter("loc", "mu", "real", "mean vector"),
        Parameter("scale", "sigma", "positive", "standard deviations, one per coordinate"),
    )
    standard = (0, 1)
    vector = True
    index = INDEX
    coordinate_family: ClassVar[Family] = NORMAL
    parametrizations: ClassVar[dict] = NORMAL.parametrizations

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-oo, oo)

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        """The number of coordinates when a list gives it, else ``None`` (symbolic ``d``)."""
        sizes = {len(a) for a in args if isinstance(a, Tuple)}
        return sizes.pop() if sizes else None

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        loc, scale = args
        if loc == 0 and scale == 1:
            return r"\mathcal{N}(0, I)"
        return (
            rf"\mathcal{{N}}({_vector(loc, latex)}, "
            rf"\operatorname{{diag}}({_vector(scale, latex, squared=True)}))"
        )


def _vector(v: Expr, latex: Callable[[Expr], str], squared: bool = False) -> str:
    if isinstance(v, IndexedBase):
        text = rf"\boldsymbol{{{latex(Symbol(str(v.label)))}}}"
        return f"{text}^{{2}}" if squared else text
    if isinstance(v, Lambda):  # elementwise, e.g. e^{logvar/2}: print it on bold vectors
        expr = v.expr**2 if squared else v.expr
        names = {x: Symbol(str(x.base.label)) for x in expr.atoms(Indexed)}
        text = latex(expr.xreplace(names))
        for symbol in set(names.values()):
            text = text.replace(latex(symbol), rf"\boldsymbol{{{latex(symbol)}}}")
        return text
    if isinstance(v, Tuple):
        items = ", ".join(latex(x**2 if squared else x) for x in v)
        return items if squared else f"({items})"
    return latex(v**2 if squared else v)


FAMILY = DiagNormal()
