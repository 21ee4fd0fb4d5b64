"""KL between two laws under one change of variables, ``transformed(P, f)`` (the API).

:func:`derive_transformed` reads ``transformed(P, f)`` specs (:func:`kl_derive.spec.
parse_transformed`, never ``eval``), binds the base laws as :func:`kl_derive.derive`
does, checks that both laws go through the same bijection, and hands the pair to
:mod:`kl_derive.strategies.change_of_variables`. A log-normal or logit-normal law on one
side is read as a normal law through ``exp`` or ``sigmoid``. What it does not derive it
refuses in one line: different bijections (the divergence is then not that of the base
laws), a base law without a density, an affine map whose scale's sign decides the support.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import KLDeriveError, SpecError
from .spec import Node, TransformedSpec, parse_spec, parse_transformed

if TYPE_CHECKING:  # pragma: no cover
    from .derivation import Derivation

__all__ = ["derive_transformed", "is_transformed"]


def is_transformed(p: object, q: object) -> bool:
    """Whether either spec is ``transformed(P, f)`` (a malformed one raises)."""
    return parse_transformed(p) is not None or parse_transformed(q) is not None


def derive_transformed(
    p: str, q: str | None, *, lang: str = "en", finish: Callable[..., Any]
) -> Derivation:
    """Derive KL(f#P || f#Q) = KL(P || Q) step by step, every step verified; ``finish``
    makes the draft a derivation (:func:`kl_derive.api.derivation_of`, passed down by
    :func:`kl_derive.derive` so that this module does not import the API above it)."""
    from sympy import Symbol

    from .families import DISCRETE, resolve_name
    from .families.base import Distribution
    from .families.transformed import TransformedFamily, bijection, same_map
    from .render.catalog import check_language
    from .strategies import CATALOG_FAMILIES
    from .strategies.change_of_variables import derive_transformed as draft_pair
    from .symbolic.convert import bind_pair
    from .symbolic.nodes import to_sympy

    check_language(lang)
    if q is None:
        raise SpecError(
            "give both laws, e.g. kl-derive 'transformed(normal(m1, s1), exp)' "
            "'transformed(normal(m2, s2), exp)' (a transformed law has no standard member)"
        )
    first, second = _read(p), _read(q)
    for spec in (first, second):
        name = resolve_name(parse_spec(spec.base).family)
        if name in DISCRETE or name not in CATALOG_FAMILIES:
            raise KLDeriveError(
                f"the change of variables is derived for univariate laws with a density, "
                f"not {name} (in {spec.text!r})"
            )
    base_p, base_q = bind_pair(parse_spec(first.base), parse_spec(second.base))
    named = {str(s): s for d in (base_p, base_q) for a in d.args for s in a.free_symbols}
    maps = []
    for spec in (first, second):
        domains = {n: "real" for n in _names(spec.args)}
        args = tuple(
            to_sympy(a, domains).xreplace(
                {Symbol(n, real=True): named[n] for n in domains if n in named}
            )
            for a in spec.args
        )
        if spec.bijection == "affine" and args[1].is_Symbol and not args[1].is_positive:
            # a bijection only for a nonzero scale: assumed, and said so (the derivation does)
            args = (args[0], Symbol(args[1].name, real=True, nonzero=True))
        maps.append(bijection(spec.bijection, args))
    f, g = maps
    if not same_map(f, g) and f.name == g.name == "affine":
        # KL(f#P || g#Q) = KL(P || (f^-1 o g)#Q), again a member of a location-scale family
        from .strategies.affine_maps import derive_affine_pair

        pair = [
            Distribution(
                TransformedFamily(base.family, m), base.args, spec.text, base.substitutions
            )
            for spec, base, m in ((first, base_p, f), (second, base_q, g))
        ]
        return finish(derive_affine_pair(pair[0], pair[1]), pair[0], pair[1], lang)
    if not same_map(f, g):
        raise KLDeriveError(
            f"the two laws go through different bijections ({f.spec()} and {g.spec()}): "
            "KL(f#P || g#Q) = KL(P || (f^-1 o g)#Q) is not KL(P || Q) in general, and "
            "kl-derive derives the change of variables for one shared bijection only"
        )
    laws = []
    for spec, base in ((first, base_p), (second, base_q)):
        family = TransformedFamily(base.family, f)
        if f.image(base.family.support(base.args)) is None:
            raise KLDeriveError(
                f"the sign of the scale of {f.spec()} decides the support of {spec.text!r}; "
                "give the scale as a number"
            )
        laws.append(Distribution(family, base.args, spec.text, base.substitutions))
    return finish(draft_pair(laws[0], laws[1]), laws[0], laws[1], lang)


def _read(text: str) -> TransformedSpec:
    """``text`` as ``transformed(P, f)``; a log-normal (logit-normal) law is a normal law
    through exp (sigmoid); any other law is refused."""
    from .families import resolve_name
    from .families.transformed import BASE_OF

    found = parse_transformed(text)
    if found is not None:
        return found
    spec = parse_spec(text)
    name = resolve_name(spec.family)
    if name not in BASE_OF:
        raise KLDeriveError(
            f"{text!r} is not a transformed law: kl-derive derives KL(f#P || f#Q) for two "
            "laws through one bijection (a log_normal law is transformed(normal, exp), a "
            "logit_normal law transformed(normal, sigmoid))"
        )
    base = f"normal({', '.join(map(str, spec.args))})" if spec.args else "normal"
    return TransformedSpec(base, BASE_OF[name], (), text)


def _names(nodes: tuple[Node, ...]) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        if node.kind == "name":
            out.add(node.value)
        out |= _names(node.args)
    return out
