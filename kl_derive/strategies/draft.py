"""What a strategy hands to the engine: stages, verification contexts and the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sympy import Expr

from ..steps.context import Context
from ..steps.step import Stage

__all__ = ["Draft"]


@dataclass(frozen=True)
class Draft:
    """An unverified derivation.

    ``contexts`` maps each step's ``facts`` name to the context it is verified in;
    ``result_display`` is the closing expression as shown, in the user's symbols.
    ``functions`` maps density names to their LaTeX (``q`` -> ``q(z \\mid x)``).
    """

    strategy: str
    stages: tuple[Stage, ...]
    contexts: Mapping[str, Context]
    result_display: Expr
    functions: Mapping[str, str] = field(default_factory=dict)
    #: write the law under every expectation, E_{q(z|x)}[...] (several laws are in play)
    expect_subscripts: bool = False
    #: the dimensions in which steps stated for a symbolic dimension were verified
    instance_sizes: tuple[int, ...] = ()
    #: how many pseudo-random rational parameter values of each size the instances were
    #: verified at, exactly (0: with generic parameters, symbols for their entries)
    instance_draws: int = 0
    #: the opening paragraph's setting: ``"vae"`` (an encoder and a prior) or ``"catalog"``
    setting: str = "vae"
    #: what is derived: ``"kl"``, ``"entropy"`` or ``"cross_entropy"``
    quantity: str = "kl"
    #: the name of the dimension in ``instance_sizes`` (``d``; ``p`` for Wishart laws)
    dimension_name: str = "d"
    #: how a result with the user's expressions substituted in is tidied (``None``: as
    #: any result is, :func:`~kl_derive.strategies.tidy.tidy`)
    tidier: Callable[[Expr], Expr] | None = None
