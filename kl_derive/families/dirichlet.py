r"""The Dirichlet family ``dirichlet(concentration)`` on the probability simplex.

``concentration`` is the vector :math:`\boldsymbol{\alpha}` with every
:math:`\alpha_i > 0`, given as a list (``dirichlet([a1, a2, a3])``); the density of
:math:`\boldsymbol{z} = (z_1, \dots, z_K)`, :math:`\sum_i z_i = 1`, is
:math:`\frac{\Gamma(\alpha_0)}{\prod_i \Gamma(\alpha_i)} \prod_i z_i^{\alpha_i - 1}` with
:math:`\alpha_0 = \sum_i \alpha_i`. It is an exponential family with statistics
:math:`\log z_i`, which is how kl-derive derives its divergences (the Bregman strategy):
the mean :math:`\mathbb{E}[\log z_i] = \psi(\alpha_i) - \psi(\alpha_0)` comes from
differentiating the log-partition function.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Add, Expr, IndexedBase, S, Symbol, Tuple, gamma, log

from ..errors import SpecError
from ..symbolic.display import add, div, mul, power, sub
from .base import ETA, Family, NaturalForm, Parameter

__all__ = ["FAMILY", "Dirichlet", "simplex_variables"]


def simplex_variables(k: int) -> tuple[Symbol, ...]:
    """The coordinates ``z_1, ..., z_k`` (positive)."""
    return tuple(Symbol(f"z_{i}", positive=True) for i in range(1, k + 1))


class Dirichlet(Family):
    """The Dirichlet distribution on the simplex of probability vectors."""

    name = "dirichlet"
    parameters = (Parameter("concentration", "alpha", "positive", "concentration vector"),)
    standard = (1,)
    vector = True

    def _entries(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        (alpha,) = args
        if isinstance(alpha, Tuple):
            return tuple(alpha)
        if isinstance(alpha, IndexedBase):
            raise SpecError(
                "give the Dirichlet concentration as a list, e.g. dirichlet([a1, a2, a3]) "
                "(a symbolic number of categories is not supported)"
            )
        raise SpecError("the Dirichlet concentration must be a list, e.g. dirichlet([1, 2, 3])")

    def dimension(self, args: tuple[Expr, ...]) -> int | None:
        (alpha,) = args
        return len(alpha) if isinstance(alpha, Tuple) else None

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)  # each coordinate; the coordinates sum to one

    def variables(self, args: tuple[Expr, ...]) -> tuple[Symbol, ...]:
        return simplex_variables(len(self._entries(args)))

    def density(self, variable, args: tuple[Expr, ...]) -> Expr:
        alphas = self._entries(args)
        total = Add(*alphas)
        normalizer = div(gamma(total), mul(*[gamma(a) for a in alphas]))
        return mul(
            normalizer, *[power(z, sub(a, 1)) for z, a in zip(variable, alphas, strict=True)]
        )

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        if isinstance(args[0], Tuple):
            inner = ", ".join(latex(a) for a in args[0])
        else:
            inner = r"\boldsymbol{\alpha}"
        return rf"\operatorname{{Dir}}({inner})"

    def natural_form(self, variable, args: tuple[Expr, ...]) -> NaturalForm:
        """``T_i = log z_i``, ``eta_i = alpha_i - 1``,
        ``A = sum_i log Gamma(eta_i + 1) - log Gamma(sum_i eta_i + K)``."""
        alphas = self._entries(args)
        k = len(alphas)
        etas = ETA[:k]
        partition = add(*[log(gamma(e + 1)) for e in etas]) - log(gamma(Add(*etas) + k))
        return NaturalForm(
            tuple(log(z) for z in variable), tuple(sub(a, 1) for a in alphas), partition
        )


FAMILY = Dirichlet()
