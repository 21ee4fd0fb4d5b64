"""What a distribution family is, and a family bound to arguments (a distribution)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from sympy import Expr, Symbol

__all__ = ["Distribution", "Family", "Parameter"]


@dataclass(frozen=True)
class Parameter:
    """A family parameter, named and ordered as in PyTorch's ``torch.distributions``.

    ``symbol`` is the SymPy name used when the user gives none (``mu`` prints as
    ``\\mu``); ``domain`` is ``"real"`` or ``"positive"`` and becomes the SymPy
    assumption on the parameter's symbol.
    """

    name: str
    symbol: str
    domain: str
    meaning: str = ""

    def assumptions(self) -> dict[str, bool]:
        """SymPy assumptions for a symbol standing for this parameter."""
        return {"positive": True} if self.domain == "positive" else {"real": True}


class Family:
    """A distribution family. Subclasses are small modules in :mod:`kl_derive.families`.

    A family knows its parameters, its support, its density (as a display expression,
    the way a textbook writes it), its LaTeX notation and its moments.
    """

    name: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]]
    #: arguments of the standard member, used when the second distribution is omitted
    standard: ClassVar[tuple[int, ...]]
    #: other readings of the last argument (``--param``): name -> (symbol, node rewrite)
    parametrizations: ClassVar[dict] = {}
    #: whether the parameters are vectors (names, list literals or broadcast numbers)
    vector: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<family {self.name}>"

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        raise NotImplementedError

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        """The density at ``variable`` as a display expression."""
        raise NotImplementedError

    def notation(self, args: tuple[Expr, ...]) -> Expr:
        """A display expression such as ``N(mu, sigma**2)`` (see the printer)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Distribution:
    """A family with arguments, as the derivation uses it.

    ``args`` are what the derivation works with: the user's own symbols and numbers, and
    for a compound argument such as ``exp(s)`` a fresh placeholder symbol (``sigma``);
    ``substitutions`` maps each placeholder back to the user's expression, so that the
    derivation can end by substituting it.
    """

    family: Family
    args: tuple[Expr, ...]
    spec: str
    substitutions: Mapping[Symbol, Expr] = field(default_factory=dict)

    @property
    def user_args(self) -> tuple[Expr, ...]:
        return tuple(a.xreplace(dict(self.substitutions)) for a in self.args)
