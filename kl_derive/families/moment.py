"""An expectation a family knows, ``E[statistic] = value``, with its reason: what the
families (:mod:`.base`, :mod:`.powers`) and the strategies exchange."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, S

__all__ = ["Moment"]


@dataclass(frozen=True)
class Moment:
    """``E[statistic] = value`` under a distribution, and why.

    ``reason`` names the argument in the message catalogs (``moment_reason.<reason>``):
    ``"mean"``, ``"variance"``, ``"mgf"``, ``"log_partition"``, ``"integral"``, ...;
    ``condition`` is when the expectation is finite (``alpha > 1`` for the mean of a
    Pareto law), ``True`` when it always is. ``params`` are further facts the reason's
    sentence cites (``(("normalizer", Eq(...)),)``), typeset in it by name.
    """

    statistic: Expr
    value: Expr
    reason: str
    condition: Expr = S.true
    #: what the reason refers to, shown in its sentence (the power moment E[z^t] a
    #: log-moment was differentiated from), or ``None``
    source: Expr | None = None
    params: tuple[tuple[str, Expr], ...] = ()
