"""Comparing a line with one candidate target: the verdict, the mistakes, the weight.

The line's form (:func:`kl_derive.check.semantics.interpret`) is first split into a factor
made of weights and batch sizes and the rest: ``beta * torch.sum(...) / x.size(0)`` is the
weight ``beta`` and the batch exponent ``0`` (a sum over the batch divided by its size)
times the KL term. The rest is compared with the target's accepted forms; a small
stabilising constant (``1e-8``) is set aside if that makes the difference; a weight may be
negative (an ELBO subtracts the KL). Otherwise the mistakes are named. The batch exponent
is a mistake of its own when the line divides by the batch size twice (or multiplies by
it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from .assign import Candidate
from .equality import DIFFERENT, PROVED, dimension_condition, literal_sizes, same_form
from .mistakes import find_mistakes
from .numeric import close, evaluate_display, vectors
from .semantics import SMALL, Meaning, interpret
from .targets import BATCH, INDEX, RED, D, Form, Mistake, Target
from .tree import Const, Guard, Node, Opaque, walk

__all__ = ["Outcome", "analyse", "display_form", "indexed_symbols", "split_factor"]


@dataclass(frozen=True)
class Outcome:
    """What a line is, compared with one candidate target."""

    candidate: Candidate
    meaning: Meaning
    verdict: str
    accepted_id: str | None
    summary: str
    mistakes: tuple[Mistake, ...]
    proved: bool
    core: Form | None
    weight: sp.Expr | None
    batch_power: int
    ignored: tuple[str, ...] = ()
    condition: int | None = None
    structural: bool = True

    @property
    def target(self) -> Target:
        return self.candidate.target

    @property
    def right(self) -> bool:
        return self.verdict != "incorrect"


def indexed_symbols(target: Target) -> dict[sp.Symbol, sp.IndexedBase]:
    """The coordinates' indexed symbols, named as in the user's code."""
    result = {}
    for c in target.coordinates:
        assumptions = {"positive": True} if c.symbol.is_positive else {"real": True}
        result[c.symbol] = sp.IndexedBase(c.name, **assumptions)
    return result


def display_form(form: Form, indexed: Mapping[sp.Symbol, sp.IndexedBase]) -> sp.Expr:
    """A form written with ``Sum`` over ``j`` and the user's names."""
    summand = form.expr.xreplace({s: base[INDEX] for s, base in indexed.items()})
    return sp.Sum(summand, (INDEX, 1, D)) if form.kind == RED else summand


def split_factor(expr: sp.Expr, symbols: set[sp.Symbol]) -> tuple[sp.Expr, sp.Expr] | None:
    """``(factor, rest)`` with ``expr = factor * rest``, the factor a product of ``symbols``.

    None when one of the symbols enters ``expr`` other than as a factor.
    """
    if not expr.free_symbols & symbols:
        return sp.Integer(1), expr
    tidy = sp.factor_terms(sp.expand_mul(expr) if isinstance(expr, sp.Add) else expr)
    rest, factor = tidy.as_independent(*symbols, as_Add=False)
    if rest.free_symbols & symbols or not factor.free_symbols <= symbols:
        return None
    return factor, rest


def _small_constants(node: Node) -> tuple[str, ...]:
    return tuple(
        current.text
        for current in walk(node)
        if isinstance(current, Const) and 0 < abs(current.value) <= SMALL
    )


def guards(node: Node) -> tuple[str, ...]:
    """The numerical guards of a line, as written."""
    return tuple(dict.fromkeys(g.text for g in walk(node) if isinstance(g, Guard)))


def opaque_symbols(node: Node) -> dict[str, sp.Symbol]:
    """A weight symbol for each schedule (``min(1, step / warmup)``) of the line."""
    texts = dict.fromkeys(o.text for o in walk(node) if isinstance(o, Opaque))
    return {text: sp.Symbol(f"w{k + 1}", positive=True) for k, text in enumerate(texts)}


def _matches(core: Form, target: Target) -> tuple[str, str, str, bool] | None:
    for accepted in target.accepted:
        verdict = same_form(core, accepted.form, target)
        if verdict != DIFFERENT:
            return accepted.id, accepted.verdict, accepted.summary, verdict == PROVED
    return None


def analyse(node: Node, candidate: Candidate) -> Outcome:
    """Compare ``node`` with ``candidate``'s target (see the module docstring).

    Raises :class:`kl_derive.check.semantics.NoReading` when the axes make no sense.
    """
    target = candidate.target
    indexed = indexed_symbols(target)
    opaque = opaque_symbols(node)
    meaning = interpret(node, candidate.inputs, indexed, latent=target.latent, opaque=opaque)
    if meaning.form is None:
        return _numeric_only(node, candidate, meaning, indexed)
    factors = {*candidate.weights.values(), *opaque.values(), BATCH}
    split = split_factor(meaning.form.expr, factors)
    if split is None:
        return _not_a_factor(candidate, meaning)
    factor, rest = split
    exponent = factor.as_powers_dict().get(BATCH, 0)
    power = int(exponent) if sp.Integer(exponent) == exponent else 0
    weight = sp.simplify(factor / BATCH**power)
    weight = None if weight == 1 else weight
    core = Form(meaning.form.kind, rest)
    found = _matches(core, target)
    ignored: tuple[str, ...] = ()
    stripped_core: Form | None = None
    small = _small_constants(node)
    if (found is None or not found[3]) and small:
        stripped = interpret(
            node, candidate.inputs, indexed, latent=target.latent, opaque=opaque, drop_small=True
        )
        split = split_factor(stripped.form.expr, factors) if stripped.form else None
        if split is not None:
            stripped_core = Form(stripped.form.kind, split[1])  # type: ignore[union-attr]
            stripped_found = _matches(stripped_core, target)
            if stripped_found is not None and (found is None or stripped_found[3]):
                core, ignored, found = stripped_core, small, stripped_found
    if found is None and weight is not None:
        found = _matches(core.map(lambda e: -e), target)
        if found is not None:
            core, weight = core.map(lambda e: -e), -weight
    condition = None
    if found is None and target.simplex:
        numbers = [c.value for c in walk(node) if isinstance(c, Const)]
        sizes = literal_sizes(numbers)
        for tried in [c for c in (stripped_core, core) if c is not None]:
            conditional = dimension_condition(tried, target.accepted[0].form, target, sizes)
            if conditional is not None:
                condition = conditional[0]
                accepted = target.accepted[0]
                found = (accepted.id, accepted.verdict, accepted.summary, conditional[1])
                if tried is stripped_core:
                    core, ignored = tried, small
                break
    mistakes: tuple[Mistake, ...] = ()
    if found is not None:
        accepted_id, verdict, summary, proved = found
    else:
        accepted_id, verdict, summary = None, "incorrect", ""
        mistakes, proved = find_mistakes(core, target)
    batch = _batch_mistake(power, target)
    if batch is not None:
        mistakes = (*mistakes, batch)
        if verdict != "incorrect":
            verdict, proved = "incorrect", True
    return Outcome(
        candidate, meaning, verdict, accepted_id, summary, mistakes, proved, core, weight,
        power, ignored, condition,
    )  # fmt: skip


def _batch_mistake(power: int, target: Target) -> Mistake | None:
    if power < 0:
        times = "once too often" if power == -1 else f"{-power} times too often"
        return Mistake(
            "extra_normaliser",
            f"the line divides by the batch size {times}: the result is the per-example value "
            f"divided by N{'' if power == -1 else f'**{-power}'}",
            Form(RED, BATCH**power),
        )
    if power > 1 and target.latent:
        return Mistake(
            "extra_batch_factor",
            f"the line is multiplied by the batch size N {power} times (N**{power}); a batch "
            "sum has it once",
            Form(RED, BATCH**power),
        )
    return None


def _not_a_factor(candidate: Candidate, meaning: Meaning) -> Outcome:
    from .errors import CheckInputError, option

    weights = ", ".join(repr(n) for n in candidate.weights)
    if not weights:
        raise CheckInputError(
            "a schedule or the batch size enters the line other than as a factor of the whole "
            "KL; check does not read such a line"
        )
    raise CheckInputError(
        f"{weights} enters the line other than as a factor of the whole KL, so it cannot be "
        f"read as a weight; if it is an input of the KL, state its role with {option('names')}"
    )


def _numeric_only(
    node: Node,
    candidate: Candidate,
    meaning: Meaning,
    indexed: Mapping[sp.Symbol, sp.IndexedBase],
) -> Outcome:
    """A line without a structural form, compared on random vectors only."""
    target = candidate.target
    for accepted in target.accepted:
        if _same_on_vectors(meaning.shown, display_form(accepted.form, indexed), target, indexed):
            return Outcome(
                candidate, meaning, accepted.verdict, accepted.id, accepted.summary, (), False,
                None, None, 0, structural=False,
            )  # fmt: skip
    for mistake in target.mistakes:
        if _same_on_vectors(meaning.shown, display_form(mistake.form, indexed), target, indexed):
            return Outcome(
                candidate, meaning, "incorrect", None, "", (mistake,), False, None, None, 0,
                structural=False,
            )  # fmt: skip
    return Outcome(
        candidate, meaning, "incorrect", None, "", (), False, None, None, 0, structural=False
    )


def _same_on_vectors(
    a: sp.Expr, b: sp.Expr, target: Target, indexed: Mapping[sp.Symbol, sp.IndexedBase]
) -> bool:
    """Whether two display expressions agree on every test vector (numerically)."""
    defined = 0
    for vector in vectors(target):
        u, v = evaluate_display(a, indexed, vector), evaluate_display(b, indexed, vector)
        if isinstance(u, list) or isinstance(v, list):
            if not (isinstance(u, list) and isinstance(v, list)):
                return False
            pairs = list(zip(u, v, strict=True))
        else:
            pairs = [(u, v)]
        for p, q in pairs:
            if p is None and q is None:
                continue
            if p is None or q is None or not close(p, q):
                return False
            defined += 1
    return defined > 0
