"""How a derivation of a divergence names itself: its left side (``D_2(P || Q)``), its
title, the command line and the Python call that derive it again (used by the renderers
and :class:`~kl_derive.derivation.Derivation` for a quantity they do not know); and the
draft a divergence between two catalog laws ends in (:func:`catalog_draft`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .objects import DivergenceObject

if TYPE_CHECKING:
    from sympy import Expr

    from ..steps.context import Context
    from ..steps.step import Stage
    from ..strategies.draft import Draft


class Derivation(Protocol):
    """What is read of a derivation here (its record, :mod:`kl_derive.record`, which
    renders and so may not be imported from below the renderers)."""

    quantity: str
    stages: Sequence[Any]


__all__ = ["call", "catalog_draft", "command_line", "lhs_latex", "quantity_object", "title"]


def catalog_draft(
    strategy: str,
    stage: Stage,
    context: Context,
    result: Expr,
    quantity: str,
    *,
    variable: object = "z",
    functions: Mapping[str, str] | None = None,
) -> Draft:
    """The draft of the divergence ``quantity`` between two catalog laws, derived in one
    stage whose steps are all verified in ``context``: the densities are written
    ``q(variable)`` and ``p(variable)`` (``k`` for mass functions), with any further
    ``functions`` (a quantile ``F_q^{-1}(u)``) after them."""
    from ..strategies.draft import Draft

    return Draft(
        strategy,
        (stage,),
        {"main": context},
        result,
        functions={"q": f"q({variable})", "p": f"p({variable})", **(functions or {})},
        setting="catalog",
        quantity=quantity,
    )


def quantity_object(derivation: Derivation) -> DivergenceObject:
    """The divergence the derivation derives, as the last stage's left side states it."""
    for stage in reversed(derivation.stages):
        for step in stage.steps:
            if isinstance(step.before, DivergenceObject):
                return step.before
    raise ValueError(f"{derivation.quantity} is not a divergence of kl_derive.divergences")


def lhs_latex(derivation: Derivation) -> tuple[str, str, str]:
    """The LaTeX before, between and after the two laws (``D_{2}(``, `` \\parallel ``,
    ``)``)."""
    latex, _ = quantity_object(derivation)._pieces()
    return latex


def _options(derivation: Derivation) -> dict[str, str]:
    from sympy import sstr

    from . import by_quantity

    entry = by_quantity(derivation.quantity)
    found = quantity_object(derivation)
    names = [o.name for o in entry.options] if entry is not None else []
    # the options are the object's arguments after the two densities, in order
    return {name: sstr(value) for name, value in zip(names, found.args[2:], strict=False)}


def _name(derivation: Derivation) -> str:
    from . import by_quantity

    entry = by_quantity(derivation.quantity)
    return entry.name if entry is not None else derivation.quantity


def command_line(derivation: Derivation, p: str, q: str) -> str:
    """``kl-derive renyi "normal(mu_1, sigma_1)" "normal(mu_2, sigma_2)" --alpha 2``."""
    options = "".join(f" --{k} {v}" for k, v in _options(derivation).items())
    return f'kl-derive {_name(derivation)} "{p}" "{q}"{options}'


def call(derivation: Derivation, p: str, q: str) -> str:
    """``kl_derive.divergence('renyi', 'normal(...)', 'normal(...)', alpha='2')``."""
    options = "".join(f", {k}={v!r}" for k, v in _options(derivation).items())
    return f"kl_derive.divergence({_name(derivation)!r}, {p!r}, {q!r}{options})"


def title(derivation: Derivation, p: str, q: str) -> str:
    """``D_2(normal(mu_1, sigma_1) || normal(mu_2, sigma_2))``, in plain text."""
    _, (before, between, after) = quantity_object(derivation)._pieces()
    return f"{before}{p}{between}{q}{after}"
