"""What a distribution family is, and a family bound to arguments (a distribution)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from sympy import Expr, S, Symbol

from ..spec import MAX_DIMENSION
from .moment import Moment

__all__ = ["Distribution", "Family", "Moment", "Parameter", "absolute_deviation_point"]


@dataclass(frozen=True)
class Parameter:
    """A family parameter, named and ordered as in PyTorch's ``torch.distributions``.

    ``symbol`` is the SymPy name used when the user gives none (``mu`` prints as
    ``\\mu``); ``domain`` is ``"real"``, ``"positive"``, ``"unit"`` (a probability,
    strictly between 0 and 1) or ``"count"`` (a positive integer) and becomes the SymPy
    assumption on the parameter's symbol.
    """

    name: str
    symbol: str
    domain: str
    meaning: str = ""

    def assumptions(self) -> dict[str, bool]:
        """SymPy assumptions for a symbol standing for this parameter."""
        if self.domain == "count":
            return {"integer": True, "positive": True}
        if self.domain in ("positive", "unit"):
            return {"positive": True}
        return {"real": True}


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
    #: how PyTorch's ``logits`` give ``probs``: ``"sigmoid"``, ``"softmax"`` or ``None``
    logits: ClassVar[str | None] = None

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

    # -- what the catalog strategies use ----------------------------------------
    #: a distribution on the integers (a mass function, sums instead of integrals)
    discrete: ClassVar[bool] = False

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        """Relations the parameters must satisfy beyond their domains (``low < high``)."""
        return ()

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        """``log p(variable)`` expanded into a sum, as a display expression: a constant
        and terms ``coefficient * statistic`` (``(alpha - 1) log z - beta z``)."""
        raise NotImplementedError

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        """The :class:`Moment` ``E[statistic]`` (an evaluated SymPy expression in
        ``variable``), or ``None`` when the family has no closed form for it."""
        return None


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


def absolute_deviation_point(statistic: Expr, variable: Symbol) -> Expr | None:
    """``a`` when ``statistic`` is ``|z - a|`` (or ``|a - z|``) in ``variable``, else
    ``None``: the point where the absolute value changes sign."""
    from sympy import Abs, expand

    if not isinstance(statistic, Abs):
        return None
    inner = expand(statistic.args[0])
    slope = inner.coeff(variable)
    rest = expand(inner - slope * variable)
    if slope not in (1, -1) or rest.has(variable):
        return None
    return expand(-rest * slope)


class UnivariateFamily(Family):
    """A family of laws on (part of) the real line or the integers, for the catalog.

    Subclasses give ``latex_name`` (``\\operatorname{Gamma}``), the density, the log
    density, and a table of the expectations they know (:meth:`moment_table`); a moment
    generating function (:meth:`mgf`) answers ``E[e^{tz}]`` for any ``t``.
    """

    latex_name: ClassVar[str] = ""

    def notation(self, args: tuple[Expr, ...], latex) -> str:
        from ..symbolic.display import display_form

        inner = ", ".join(latex(display_form(a)) for a in args)
        return f"{self.latex_name}({inner})"

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        """The expectations this family knows: ``{statistic: Moment}``."""
        return {}

    def log_density_rewrites(
        self, variable: Symbol, args: tuple[Expr, ...]
    ) -> tuple[tuple[str, Expr], ...]:
        """Further forms of :meth:`log_density`, each ``(rule, expression)``, shown as
        verified steps before the statistics are collected (the von Mises law expands
        ``cos(z - mu)``); none by default."""
        return ()

    def mgf(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        """``(E[e^{tz}], condition on t)`` as a display expression, if known."""
        return None

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr] | None:
        """``(E[z^t], condition on t)`` as a display expression, if known: the Mellin
        transform of a law on the half-line. It answers ``E[z^t]`` for a symbolic ``t``
        and, differentiated at ``t = 0``, ``E[log^n z]``."""
        return None

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        from sympy import exp

        from ..symbolic.display import evaluate

        statistic = evaluate(statistic)
        for key, moment in self.moment_table(variable, args).items():
            if evaluate(key) == statistic:
                return moment
        if isinstance(statistic, exp):
            t = (statistic.args[0] / variable).simplify()
            if not t.has(variable):
                known = self.mgf(t, args)
                if known is not None:
                    value, condition = known
                    return Moment(statistic, value, "mgf", condition)
        point = absolute_deviation_point(statistic, variable)
        if point is not None:  # E|z - a|, split at the kink
            from .absolute_deviation import absolute_moment

            found = absolute_moment(self.name, statistic, point, args)
            if found is not None:
                return found
        from .powers import log_power_moment, power_moment

        return power_moment(self, statistic, variable, args) or log_power_moment(
            self, statistic, variable, args
        )


@dataclass(frozen=True)
class NaturalForm:
    """A law written as an exponential family, ``h(z) exp(<eta, T(z)> - A(eta))``.

    ``statistics`` are the sufficient statistics ``T_i(z)``, ``natural`` the natural
    parameters ``eta_i`` as functions of the law's parameters, ``log_partition`` is
    ``A`` as an expression in the symbols :data:`ETA` (``eta_1, eta_2, ...``), and
    ``base`` is ``h(z)``.
    """

    statistics: tuple[Expr, ...]
    natural: tuple[Expr, ...]
    log_partition: Expr
    base: Expr = S.One


#: the natural parameters' symbols, eta_1, eta_2, ... (A is written in them): one for each
#: entry of the longest list a spec may hold (a Dirichlet law of MAX_DIMENSION coordinates)
ETA: tuple[Symbol, ...] = tuple(Symbol(f"eta_{i}", real=True) for i in range(1, MAX_DIMENSION + 1))


class LocationScaleFamily(UnivariateFamily):
    r"""A family on the whole line with a location and a scale (Gumbel, Moyal): its
    standard member has location 0 and scale 1, and its density is written in the
    standardized variable :math:`y = (z - \mu)/s` (:meth:`standardized`)."""

    standard: ClassVar[tuple[int, ...]] = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        from sympy import oo

        return (-oo, oo)

    @staticmethod
    def standardized(variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        r""":math:`(z - \mu)/s` as a display expression."""
        from ..symbolic.display import div, sub

        loc, scale = args
        return div(sub(variable, loc), scale)
