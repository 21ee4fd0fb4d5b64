"""What a checked line is compared with: a :class:`Target` and its usual mistakes.

A target is one kind of KL term -- a Gaussian against N(0, 1), two Gaussians, Bernoulli
or categorical latents, a per-token estimator of an RLHF penalty -- written in its own
coordinate symbols (``mu``, ``logvar`` ...), with the value of every role a variable of
the user's code may play (``std`` is ``exp(logvar/2)`` when the coordinate is the
log-variance), the forms a correct line may take, and the catalogue of mistakes, each a
form with a sentence written with the user's names.

Forms are per-coordinate: ``Form("red", e)`` is ``sum_j e(coordinates_j, d)`` over the
latent axis, ``Form("vec", e)`` the vector with coordinates ``e`` (nothing summed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

__all__ = [
    "BATCH",
    "INDEX",
    "RED",
    "VEC",
    "Accepted",
    "Coordinate",
    "D",
    "Form",
    "Mistake",
    "Target",
]

#: The size of the latent axis (latent dimensions, or categories).
D = sp.Symbol("d", integer=True, positive=True)
#: The size of a batch-like axis (examples, tokens).
BATCH = sp.Symbol("N", integer=True, positive=True)
#: The index of a latent coordinate.
INDEX = sp.Symbol("j", integer=True, positive=True)

RED = "red"
VEC = "vec"


@dataclass(frozen=True)
class Form:
    """``red``: the scalar sum over the latent axis of ``expr``; ``vec``: the vector ``expr``."""

    kind: str
    expr: sp.Expr

    def map(self, function: Callable[[sp.Expr], sp.Expr]) -> Form:
        """The form with ``function`` applied to its expression."""
        return Form(self.kind, function(self.expr))


@dataclass(frozen=True)
class Coordinate:
    """A coordinate symbol, where it is sampled (in hundredths), and the user's name for it."""

    symbol: sp.Symbol
    low: int
    high: int
    name: str


@dataclass(frozen=True)
class Accepted:
    """A form a line may equal: the KL itself, or an estimator of it."""

    id: str
    form: Form
    verdict: str
    summary: str


@dataclass(frozen=True)
class Mistake:
    """A usual mistake: its id, a clause explaining it (user's names), the form it gives."""

    id: str
    clause: str
    form: Form


@dataclass(frozen=True)
class Target:
    """One kind of KL term, set up for the names and parametrizations of one line."""

    kind: str
    coordinates: tuple[Coordinate, ...]
    values: Mapping[str, sp.Expr]
    accepted: tuple[Accepted, ...]
    mistakes: tuple[Mistake, ...]
    right: str
    derivation: str
    #: the outer mistakes that apply: missing_half, flipped_sign, mean_instead_of_sum,
    #: missing_sum (composed with each other and with :attr:`mistakes`)
    outer: tuple[str, ...] = ("missing_half", "flipped_sign", "mean_instead_of_sum", "missing_sum")
    #: coordinates that sum to one over the latent axis (categorical probabilities)
    simplex: tuple[sp.Symbol, ...] = ()
    #: whether the latent axis exists (False for per-token estimators)
    latent: bool = True
    #: the axis the KL sums over, in words
    axis: str = "the latent axis"
    #: what the user's roles mean, for the report: role -> phrase
    meanings: Mapping[str, str] = field(default_factory=dict)
    #: the kl-derive specs whose derivation justifies the verdict
    specs: tuple[str, ...] = ()
    #: how the (encoder's) scale is held, for Gaussian terms: logvar, scale, variance, logscale
    param: str = ""

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(c.symbol for c in self.coordinates)

    def coordinate(self, symbol: sp.Symbol) -> Coordinate:
        return next(c for c in self.coordinates if c.symbol == symbol)
