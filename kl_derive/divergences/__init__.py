"""The divergences beyond KL, one module each, registered where they live.

Each module of this package (``renyi``, ``bhattacharyya``, ...) defines a
:class:`Divergence` at import and hands it to :func:`register`: its command name, the
quantity a :class:`~kl_derive.derivation.Derivation` records, its definition and
convention (as ``kl-derive divergences`` lists them), its options (``--alpha``) and the
function that drafts it. A module imports SymPy only inside that function, so listing
the divergences and refusing bad options stay light.

:func:`divergence` is the public entry point,
``kl_derive.divergence("renyi", "normal(0, 1)", "normal(1, 2)", alpha=2)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..strategies.draft import Draft

__all__ = [
    "DIVERGENCES",
    "Divergence",
    "Option",
    "by_quantity",
    "get_divergence",
    "load",
    "pairs",
    "register",
]

#: the modules that define a divergence, in the order they are listed
MODULES = (
    "renyi",
    "bhattacharyya",
    "hellinger",
    "chi_square",
    "jeffreys",
    "wasserstein",
    "total_variation",
    "jensen_shannon",
)


@dataclass(frozen=True)
class Option:
    """An option of a divergence (``--alpha``): its name, default and help."""

    name: str
    default: str | None
    help: str


@dataclass(frozen=True)
class Divergence:
    """A divergence as kl-derive derives it."""

    #: the command's name (``chi-square``) and the quantity recorded (``chi_square``)
    name: str
    quantity: str
    summary: str
    definition: str
    convention: str
    #: ``draft(first, second, **options) -> Draft``, the options already read
    draft: Callable[..., Draft]
    #: the families (of both laws) it derives, and whether a pair's result may be
    #: conditional: ``pairs() -> [(p, q, "finite" | "conditional")]``
    pairs: Callable[[], list[tuple[str, str, str]]]
    options: tuple[Option, ...] = ()
    #: ``read(**options) -> options``: the options checked and made SymPy values
    read: Callable[..., Mapping[str, Any]] = field(default=lambda **options: options)
    #: ``check(**options)``: the same checks as ``read`` without SymPy (a command refuses
    #: a bad option with it, and a cached derivation is served without loading SymPy)
    check: Callable[..., None] = field(default=lambda **options: None)


DIVERGENCES: dict[str, Divergence] = {}


def register(entry: Divergence) -> Divergence:
    """Add ``entry`` to the registry (each module calls it at import)."""
    DIVERGENCES[entry.name] = entry
    return entry


def load() -> None:
    """Import every divergence's module (each registers itself) and their rules."""
    import_module(f"{__name__}.rules")
    import_module(f"{__name__}.rules_distances")
    for module in MODULES:
        import_module(f"{__name__}.{module}")


def get_divergence(name: str) -> Divergence:
    """The divergence named ``name`` (``renyi``, ``chi-square``; ``chi_square`` too)."""
    from ..errors import SpecError

    load()
    entry = DIVERGENCES.get(name) or by_quantity(name)
    if entry is None:
        raise SpecError(
            f"unknown divergence {name!r} (choose from {', '.join(DIVERGENCES)}, or kl)"
        )
    return entry


def by_quantity(quantity: str) -> Divergence | None:
    """The divergence a derivation's ``quantity`` names, or ``None`` (KL, entropy)."""
    load()
    for entry in DIVERGENCES.values():
        if entry.quantity == quantity:
            return entry
    return None


def pairs(name: str) -> list[tuple[str, str, str]]:
    """The pairs of families the divergence ``name`` derives, with what each gives."""
    return get_divergence(name).pairs()
