"""What the verifier may assume: the densities in play and the facts already established."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sympy import Expr, Symbol
from sympy.core.function import AppliedUndef

__all__ = ["Context", "DensityFacts"]


@dataclass(frozen=True)
class DensityFacts:
    """A density named by an undefined function, e.g. ``q(z)``, and what is known of it.

    ``value`` is the density as an ordinary SymPy expression in ``variable``;
    ``moments`` maps ``k`` to ``E[variable**k]`` for the moments already established.
    """

    function: AppliedUndef
    variable: Symbol
    support: tuple[Expr, Expr]
    value: Expr
    moments: Mapping[int, Expr] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.function.func.__name__


@dataclass(frozen=True)
class Context:
    """The densities (by function name) and the definitions (``g(z)`` and the like)."""

    densities: Mapping[str, DensityFacts]
    definitions: Mapping[Expr, Expr] = field(default_factory=dict)

    def density_of(self, function: Expr) -> DensityFacts | None:
        """The facts for an applied density such as ``q(z)``, if it is one."""
        if isinstance(function, AppliedUndef):
            facts = self.densities.get(function.func.__name__)
            if facts is not None and function.args == (facts.variable,):
                return facts
        return None

    def with_moments(self, name: str, moments: Mapping[int, Expr]) -> Context:
        """A context in which the moments of density ``name`` are known facts."""
        densities = dict(self.densities)
        densities[name] = replace(densities[name], moments=dict(moments))
        return replace(self, densities=densities)

    def define(self, name: Expr, value: Expr) -> Context:
        """A context in which ``name`` (e.g. ``g(z)``) stands for ``value``."""
        definitions = dict(self.definitions)
        definitions[name] = value
        return replace(self, definitions=definitions)
