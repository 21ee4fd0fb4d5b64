"""The view of one step, of a chain reduced to its ends (``--detail brief``), of a
chain's condition, and the notes that justify each equality (``--detail full``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sympy import (
    Eq,
    Expr,
    Symbol,
    sstr,
)

from ..printing.conditions import around, as_chain
from ..printing.highlight import changed_parts
from ..steps.rules import identity
from ..steps.step import Chain, Sentence, Step, conjuncts
from .view_filler import Filler
from .view_model import BlockView, Breaker, Raw, StepView
from .view_printers import Printer

if TYPE_CHECKING:  # pragma: no cover
    from ..record import DerivationRecord as Derivation

_PSI = Symbol("psi")


_EULER = Symbol("gamma")


def lookup(messages: Mapping[str, Any], key: str) -> str:
    node: Any = messages
    for part in _split_key(key):
        node = node[part]
    return node


def _split_key(key: str) -> list[str]:
    if key.startswith("rule."):
        return ["rule", key[len("rule.") :]]
    return key.split(".")


def step_view(
    step: Step,
    stage: str,
    messages: Mapping[str, Any],
    fill: Filler,
    printer: Printer,
    sympy_strings: bool,
    highlight: bool = False,
) -> StepView:
    entry = _rule_entry(messages, stage, step.rule)
    params = dict(step.params)
    params["lhs"] = step.before
    params["rhs"] = step.after
    rule_identity = identity(step.rule)
    if rule_identity is not None:
        params["identity"] = Raw(fill.style.inline(printer.snippet(rule_identity)))
    for name, value in list(params.items()):
        if isinstance(value, Sentence):  # a sentence of the catalog, by its key
            params[name] = Raw(fill(lookup(messages, value), params))
    if isinstance(params.get("reason"), str):
        # why an expectation holds: a sentence of its own in the catalog
        reason_params = {**params, "psi": _PSI, "euler": _EULER}
        params["reason"] = Raw(fill(messages["moment_reason"][params["reason"]], reason_params))
    rhs, breaker = _right_side(printer, step.before, step.after, highlight)
    return StepView(
        rule=step.rule,
        title=entry["title"],
        explanation=fill(entry["text"], params),
        lhs=printer.doprint(step.before),
        rhs=rhs,
        rhs_lines=[rhs],
        breaker=breaker,
        before=sstr(step.before, order="none") if sympy_strings else "",
        after=sstr(step.after, order="none") if sympy_strings else "",
        check=step.check or "",
    )


def state_condition(step: StepView, chain: Chain, printer: Printer, sympy_strings: bool) -> None:
    """Write where a chain holds after its last formula (``if a_1 >= a_2``): on the last
    line when it fits, else on a line of its own."""
    condition = chain.condition
    if condition is None:
        return
    before, after = around(printer.words["condition"])
    # a chain a < c < b < d is written whole, other conditions one by one
    parts = [condition] if as_chain(condition) is not None else conjuncts(condition)
    texts = [printer.doprint(c) for c in parts]
    tag = printer.tag(before, texts, after)
    step.rhs += tag
    step.rhs_lines = [*step.rhs_lines[:-1], step.rhs_lines[-1] + tag]
    breaker = step.breaker
    if breaker is not None:

        def lines(first: float, rest: float) -> list[str]:
            out = breaker(first, rest)
            room = first if len(out) == 1 else rest
            if printer.width(out[-1]) + printer.width(tag) <= room:
                return [*out[:-1], out[-1] + tag]
            return [*out, tag.strip().removeprefix(r"\qquad").removeprefix("quad").strip()]

        step.breaker = lines
    if sympy_strings:
        step.condition = sstr(condition)


def _rule_entry(messages: Mapping[str, Any], stage: str, rule: str) -> Mapping[str, str]:
    rules = messages["rule"]
    return rules.get(f"{stage}:{rule}") or rules[rule]


def _right_side(
    printer: Printer, before: Expr, after: Expr, highlight: bool
) -> tuple[str, Breaker]:
    """A step's right-hand side, whole and as a breaker into lines (see .layout); with
    ``highlight``, what differs from ``before`` is coloured."""
    if highlight:
        printer.marks = changed_parts(before, after)
    try:
        return printer.doprint(after), printer.breaker(after)
    finally:
        printer.marks = set()


def brief_view(
    steps: tuple[Step, ...],
    printer: Printer,
    sympy_strings: bool,
    highlight: bool,
) -> StepView:
    """A chain reduced to its first and last member (``--detail brief``)."""
    first, last = steps[0], steps[-1]
    checks = {s.check for s in steps}
    rhs, breaker = _right_side(printer, first.before, last.after, highlight)
    return StepView(
        rule=last.rule,
        title="",
        explanation="",
        lhs=printer.doprint(first.before),
        rhs=rhs,
        rhs_lines=[rhs],
        breaker=breaker,
        before=sstr(first.before, order="none") if sympy_strings else "",
        after=sstr(last.after, order="none") if sympy_strings else "",
        check=checks.pop() if len(checks) == 1 else "",
    )


def justify(
    block: BlockView,
    stage: str,
    messages: Mapping[str, Any],
    fill: Filler,
    printer: Printer,
    derivation: Derivation,
) -> None:
    """Number the equalities of ``block`` and say, for each, what justifies it and how it
    was verified (``--detail full``)."""
    sizes = tuple(
        Eq(dimension_symbol(derivation), k, evaluate=False) for k in derivation.instance_sizes
    )
    number = 0
    for chain in block.chains:
        for step in chain:
            number += 1
            step.eq = printer.marked_eq(number)
            rule_identity = identity(step.rule)
            check = fill(lookup(messages, _check_key(messages, step, derivation)), {"sizes": sizes})
            params = {
                "number": Raw(str(number)),
                "title": Raw(fill.style.escape(_rule_entry(messages, stage, step.rule)["title"])),
                "check": Raw(check),
            }
            if rule_identity is not None:
                params["identity"] = Raw(fill.style.inline(printer.snippet(rule_identity)))
                key = "document.note_identity"
            else:
                key = "document.note"
            block.notes.append(fill(lookup(messages, key), params))


def _check_key(messages: Mapping[str, Any], step: Step, derivation: Derivation) -> str:
    """How a step was verified, in the words of the derivation's quantity where its
    section of the catalog has its own (``document.elbo.check_instances``: the ELBO's
    steps are checked in several dimensions, D and d, that no one symbol names)."""
    name = f"check_{step.check or 'symbolic'}"
    section = messages.get("document", {}).get(getattr(derivation, "quantity", ""), {})
    if isinstance(section, Mapping) and name in section:
        return f"document.{derivation.quantity}.{name}"
    return f"document.{name}"


def dimension_symbol(derivation: Derivation) -> Symbol:
    """The symbolic size the instances fix: as the strategy names it, K categories, else
    the dimension d."""
    name = getattr(derivation, "dimension_name", "d")
    if name != "d":  # the strategy names it (p for Wishart matrices)
        return Symbol(name)
    categorical = derivation.p.family.name in ("categorical", "one_hot_categorical")
    return Symbol("K" if categorical else "d")
