"""The divergences of :mod:`kl_derive.divergences` as a Python function,
:func:`divergence`, beside :func:`kl_derive.derive`: the laws bound and the draft made a
:class:`~kl_derive.derivation.Derivation` the way the KL's is (this sits above the
registry, which the renderers read, so that the registry imports nothing that renders)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .divergences import get_divergence

if TYPE_CHECKING:
    from .derivation import Derivation
    from .families.base import Distribution
    from .strategies.draft import Draft

__all__ = ["bind", "divergence", "finish"]


def divergence(
    name: str,
    p: str = "normal",
    q: str | None = None,
    *,
    param: str | None = None,
    lang: str = "en",
    **options: Any,
) -> Derivation:
    """Derive the divergence ``name`` of ``q`` from ``p`` step by step, every step verified.

    ``name`` is one of ``kl-derive divergences`` (``"renyi"``, ``"bhattacharyya"``,
    ``"hellinger"``, ``"chi-square"``, ``"jeffreys"``); ``p``, ``q``, ``param`` and
    ``lang`` as for :func:`kl_derive.derive` (``q`` defaults to the standard member of
    ``p``'s family). ``options`` are the divergence's own: ``alpha`` for the Rényi
    divergence (a number such as ``2`` or ``"1/2"``, or a symbol's name; ``"alpha"`` by
    default). Raises :class:`~kl_derive.errors.KLDeriveError` for a pair it does not
    derive.
    """
    from .errors import SpecError

    if not isinstance(name, str):
        raise TypeError(f"name is a string, such as 'renyi'; got {name!r}")
    entry = get_divergence(name)
    known = {o.name for o in entry.options}
    unknown = sorted(set(options) - known)
    if unknown:
        raise SpecError(
            f"{entry.name} takes no option {unknown[0]!r}"
            + (f" (it takes {', '.join(sorted(known))})" if known else "")
        )
    read = entry.read(**options)
    first, second = bind(p, q, param, lang)
    return finish(entry.draft(first, second, **read), first, second, lang)


def bind(p: str, q: str | None, param: str | None, lang: str):
    """The two laws ``p`` and ``q`` name (``q`` defaults to the standard member)."""
    from .errors import SpecError
    from .families import get_family
    from .render.catalog import check_language
    from .spec import parse_spec
    from .symbolic.convert import bind_pair

    for key, value in (("p", p), ("param", param), ("lang", lang), ("q", q)):
        if not (isinstance(value, str) or (value is None and key in ("param", "q"))):
            raise TypeError(f"{key} is a string; got {value!r}")
    check_language(lang)
    spec = parse_spec(p)
    if q is None and not (family := get_family(spec.family)).standard:
        raise SpecError(
            f"{family.name} has no standard member to compare with; give the second law as well"
        )
    return bind_pair(spec, parse_spec(q) if q is not None else None, param)


def finish(draft: Draft, first: Distribution, second: Distribution, lang: str) -> Derivation:
    """A draft made a :class:`Derivation`: the user's expressions substituted back, every
    step verified (as :func:`kl_derive.derive` does)."""
    from .api import derivation_of

    return derivation_of(draft, first, second, lang)
