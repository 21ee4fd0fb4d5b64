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
    ``moments`` maps ``k`` to ``E[variable**k]`` for the moments already established. A
    multivariate density has a tuple of variables, and its moments are keyed by tuples
    of exponents (``(1, 1)`` is ``E[z1 z2]``).
    """

    function: AppliedUndef
    variable: Symbol | tuple[Symbol, ...]
    support: tuple[Expr, Expr]
    value: Expr
    moments: Mapping[int, Expr] = field(default_factory=dict)
    #: a mass function on the integers of ``support`` (sums instead of integrals)
    discrete: bool = False
    #: ``E[statistic]`` for other statistics already established (``log z``, ``e^{tz}``)
    expectations: Mapping[Expr, Expr] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.function.func.__name__


@dataclass(frozen=True)
class Context:
    """The densities (by name), the definitions (``g(z)`` and the like) and, for a
    derivation in a symbolic dimension ``d``, the contexts of a few instances ``d = n``.

    A step that mentions ``dimension`` or ``index`` is verified in every instance, with
    the dimension and the index replaced by numbers (``check == "instances"``).
    """

    densities: Mapping[str, DensityFacts]
    definitions: Mapping[Expr, Expr] = field(default_factory=dict)
    dimension: Symbol | None = None
    index: Symbol | None = None
    instances: Mapping[int, Context] = field(default_factory=dict)
    #: in an instance: what the symbolic objects (matrix symbols, ``d``) stand for
    bindings: Mapping[Expr, Expr] = field(default_factory=dict)
    #: in an instance: the same instance at other values of its parameters, in which a
    #: step is verified too (pseudo-random rational matrices, where generic ones of that
    #: size are out of reach)
    draws: tuple[Context, ...] = ()
    #: relations the parameters satisfy (``low < high``): numeric checks sample inside them
    conditions: tuple[Expr, ...] = ()
    #: conditions the facts of this context rest on (an expectation that is finite only
    #: for ``alpha > 1``): a step verified here must state them (``Step.condition``)
    assumed: tuple[Expr, ...] = ()
    #: for laws on the unit sphere: the dimensions p in which a step is checked by
    #: quadrature over the sphere (:mod:`.verify.sphere`)
    sphere: tuple[int, ...] = ()

    def density_of(self, function: Expr) -> DensityFacts | None:
        """The facts for an applied density such as ``q(z)``, if it is one."""
        if isinstance(function, AppliedUndef):
            for facts in self.densities.values():
                if facts.function == function:
                    return facts
        return None

    def with_moments(self, name: str, moments: Mapping[int, Expr]) -> Context:
        """A context in which the moments of density ``name`` are known facts."""
        densities = dict(self.densities)
        densities[name] = replace(densities[name], moments=dict(moments))
        return replace(self, densities=densities)

    def with_expectations(self, name: str, expectations: Mapping[Expr, Expr]) -> Context:
        """A context in which ``E[statistic]`` under density ``name`` are known facts."""
        densities = dict(self.densities)
        densities[name] = replace(densities[name], expectations=dict(expectations))
        return replace(self, densities=densities)

    def define(self, name: Expr, value: Expr) -> Context:
        """A context in which ``name`` (e.g. ``g(z)``) stands for ``value``."""
        definitions = dict(self.definitions)
        definitions[name] = value
        return replace(self, definitions=definitions)
