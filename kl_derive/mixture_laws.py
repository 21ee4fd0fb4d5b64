"""Mixture laws: ``mixture([w1, w2], [normal(m1, s1), normal(m2, s2)])`` read and bound.

A :class:`Mixture` holds its weights (SymPy expressions that sum to one) and its
components (:class:`~kl_derive.families.base.Distribution` objects in the user's own
expressions). :func:`mixture_law` wraps it in a ``Distribution`` of a
:class:`MixtureFamily`, so that the renderers, which name laws by their family's notation,
show it as ``w_1 N(m_1, s_1^2) + w_2 N(m_2, s_2^2)``. A law that is not a mixture is read
as a mixture of one component of weight one.

The components must be univariate laws with densities on one fixed support (the same for
every component of both sides): their component divergences are then finite or the
engine says why not, and the mixture's density is an ordinary sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import Expr, Number, S, Symbol, simplify, sympify

from .errors import SpecError
from .families.base import Distribution, Family
from .spec import is_mixture, parse_mixture, parse_spec

__all__ = ["Mixture", "MixtureFamily", "bind_mixtures", "mixture_law"]


@dataclass(frozen=True)
class Mixture:
    """Weights and components (in the user's expressions), and the spec as written."""

    weights: tuple[Expr, ...]
    components: tuple[Distribution, ...]
    text: str
    #: read from ``mixture(...)`` (``False``: a single law, weight one)
    written_as_mixture: bool = True

    @property
    def numeric(self) -> bool:
        """Whether every weight and every parameter is a number."""
        return not any(getattr(e, "free_symbols", ()) for e in (*self.weights, *self.parameters))

    @property
    def parameters(self) -> tuple[Expr, ...]:
        return tuple(a for c in self.components for a in c.args)

    @property
    def canonical(self) -> str:
        """The spec as kl-derive reads it (``mixture([1/2, 1/2], [normal(0, 1), ...])``)."""
        from .families.canonical import canonical_spec

        if not self.written_as_mixture:
            return canonical_spec(self.components[0])
        weights = ", ".join(str(w) for w in self.weights)
        laws = ", ".join(canonical_spec(c) for c in self.components)
        return f"mixture([{weights}], [{laws}])"


class MixtureFamily(Family):
    """The "family" of one mixture, for display: its notation is the weighted sum."""

    name = "mixture"
    parameters = ()
    standard = ()

    def __init__(self, mixture: Mixture) -> None:
        self.mixture = mixture

    def written_spec(self, distribution: Distribution) -> str:
        return self.mixture.canonical

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        first = self.mixture.components[0]
        return first.family.support(first.args)

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:  # type: ignore[override]
        m = self.mixture
        if not m.written_as_mixture:
            c = m.components[0]
            return c.family.notation(c.args, latex)
        terms = []
        for w, c in zip(m.weights, m.components, strict=True):
            shown = latex(w)
            if w.is_Add:
                shown = rf"\left({shown}\right)"
            terms.append(rf"{shown}\, {c.family.notation(c.args, latex)}")
        return " + ".join(terms)


def mixture_law(mixture: Mixture) -> Distribution:
    """``mixture`` as a :class:`Distribution` the renderers can name."""
    family = MixtureFamily(mixture)
    return Distribution(family, (*mixture.weights, *mixture.parameters), mixture.text)


def bind_mixtures(p: str, q: str) -> tuple[Mixture, Mixture]:
    """Read two specs (a mixture or a law each) with one symbol for each name."""
    mixtures = [_read(text) for text in (p, q)]
    if not any(m[2] for m in mixtures):
        raise SpecError(
            "neither law is a mixture; write one as mixture([w1, w2], [law1, law2]) "
            "(for two plain laws use kl-derive P Q)"
        )
    symbols: dict[str, Symbol] = {}
    bound = []
    for weights, components, written, text in mixtures:
        laws = tuple(_bind_component(c) for c in components)
        bound.append((weights, laws, written, text))
        for law in laws:
            for s in (s for a in law.args for s in a.free_symbols):
                if s.is_positive or str(s) not in symbols:
                    symbols[str(s)] = s
    result = []
    for weights, laws, written, text in bound:
        rename = _renamer(symbols)
        laws = tuple(Distribution(c.family, tuple(rename(a) for a in c.args), c.spec) for c in laws)
        ws = tuple(rename(w) for w in _weights(weights, text, symbols))
        result.append(Mixture(ws, laws, text, written))
    first, second = result
    _check_support(first, second)
    return first, second


def _read(text: str) -> tuple[tuple, tuple, bool, str]:
    if not isinstance(text, str):
        raise TypeError("p and q are specs, such as 'mixture([w, 1 - w], [normal(a, 1), ...])'")
    if is_mixture(text):
        spec = parse_mixture(text)
        return spec.weights, spec.components, True, spec.text
    return (None,), (parse_spec(text),), False, text.strip()


def _bind_component(spec) -> Distribution:
    from .families import DISCRETE, get_family
    from .symbolic.convert import bind_pair

    family = get_family(spec.family)
    if family.name in DISCRETE or family.vector or family.name in ("multivariate_normal",):
        raise SpecError(
            f"mixture components are univariate laws with a density; {family.name} is not one"
        )
    if not spec.args:
        raise SpecError(f"give each mixture component its parameters, e.g. {family.name}(...)")
    law, _ = bind_pair(spec, None)
    return Distribution(law.family, law.user_args, law.spec)


def _weights(nodes: tuple, text: str, symbols: dict[str, Symbol]) -> tuple[Expr, ...]:
    from .symbolic.nodes import to_sympy

    if nodes == (None,):
        return (S.One,)
    domains = {name: "positive" for name in _names(nodes)}
    weights = tuple(to_sympy(node, domains) for node in nodes)
    for w in weights:
        clash = [s for s in w.free_symbols if str(s) in symbols]
        if clash:
            raise SpecError(f"the weight name {clash[0]} is also a parameter of a component")
    total = simplify(sum(weights))
    if total != 1:
        if all(isinstance(w, Number) for w in weights):
            raise SpecError(f"the mixture weights sum to {float(total):g}, not 1, in {text!r}")
        raise SpecError(
            f"symbolic mixture weights must sum to 1 as written (e.g. [w, 1 - w]); "
            f"these sum to {total} in {text!r}"
        )
    return weights


def _names(nodes: tuple) -> set[str]:
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.kind == "name":
            found.add(node.value)
        stack.extend(node.args)
    return found


def _renamer(symbols: dict[str, Symbol]) -> Callable[[Expr], Expr]:
    def rename(e: Expr) -> Expr:
        e = sympify(e)
        return e.xreplace({s: symbols[str(s)] for s in e.free_symbols if str(s) in symbols})

    return rename


def _check_support(first: Mixture, second: Mixture) -> None:
    supports = []
    for law in (*first.components, *second.components):
        low, high = law.family.support(law.args)
        if low.free_symbols or high.free_symbols:
            raise SpecError(
                f"the support of {law.spec} depends on its parameters; mixture components "
                "need one fixed support"
            )
        supports.append((low, high, law.spec))
    low, high, spec = supports[0]
    for other_low, other_high, other in supports[1:]:
        if (other_low, other_high) != (low, high):
            raise SpecError(
                f"{spec} and {other} live on different supports; every mixture component "
                "must have the same support"
            )
