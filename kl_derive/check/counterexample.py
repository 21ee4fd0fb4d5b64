"""A concrete case where an incorrect line and the right term differ.

For a KL term it is a small latent vector (d = 2 first), with the line's value and the
KL's, the values named as in the user's code (weights and the batch size set to 1). For a
per-token estimator the value at one token says nothing about bias, so the counterexample
is a small distribution: for pi = (0.6, 0.3, 0.1) and pi_ref = (0.2, 0.5, 0.3), the mean of
the line under samples from pi, against KL(pi || pi_ref).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .analysis import Outcome, display_form, indexed_symbols
from .numeric import close, evaluate_display, value, vectors
from .targets import Target

__all__ = ["EXAMPLE_PI", "EXAMPLE_REF", "counterexample", "describe"]

#: The distributions of an estimator's counterexample (three outcomes).
EXAMPLE_PI = (0.6, 0.3, 0.1)
EXAMPLE_REF = (0.2, 0.5, 0.3)


def counterexample(outcome: Outcome) -> dict[str, Any] | None:
    """A case where the line and the right term differ, or None if none was found."""
    target = outcome.target
    if not target.latent:
        return _expectation(outcome)
    indexed = indexed_symbols(target)
    line = display_form(outcome.core, indexed) if outcome.core is not None else None
    if line is None:
        line = outcome.meaning.shown
    reference = display_form(target.accepted[0].form, indexed)
    fallback: dict[str, Any] | None = None
    for vector in vectors(target):
        user = evaluate_display(line, indexed, vector)
        correct = evaluate_display(reference, indexed, vector)
        if not isinstance(correct, float):  # pragma: no cover - the KL is defined everywhere
            continue
        example = {
            "d": len(next(iter(vector.values()))),
            "values": {
                target.coordinate(symbol).name: [float(v) for v in values]
                for symbol, values in vector.items()
            },
            "user": user,
            "correct": correct,
        }
        if isinstance(user, list):
            return example
        if user is None:
            fallback = fallback or example
            continue
        if not close(user, correct):
            return example
    return fallback


def _expectation(outcome: Outcome) -> dict[str, Any] | None:
    """The mean of an estimator under samples from pi, against KL(pi || pi_ref)."""
    target = outcome.target
    if outcome.core is None:
        return None
    a, b = target.symbols
    mean = 0.0
    for pi, ref in zip(EXAMPLE_PI, EXAMPLE_REF, strict=True):
        term = value(outcome.core.expr, {a: math.log(pi), b: math.log(ref)})
        if term is None:
            return None
        mean += pi * term
    kl = sum(pi * math.log(pi / ref) for pi, ref in zip(EXAMPLE_PI, EXAMPLE_REF, strict=True))
    if close(mean, kl):
        return None
    return {"pi": list(EXAMPLE_PI), "pi_ref": list(EXAMPLE_REF), "user": mean, "correct": kl}


def _format(number: float | list[float | None] | None) -> str:
    if number is None:
        return "undefined"
    if isinstance(number, list):
        return "the vector [" + ", ".join(_format(v) for v in number) + "]"
    return f"{number:.6g}"


def describe(example: Mapping[str, Any], target: Target, weighted: bool = False) -> str:
    """The counterexample in words."""
    if "pi" in example:
        pi, ref = target.meanings.get("pi", "pi"), target.meanings.get("ref", "pi_ref")
        return (
            f"for {pi} = {example['pi']} and {ref} = {example['pi_ref']} over three tokens, "
            f"the line's mean under samples from {pi} is {_format(example['user'])} but "
            f"KL({pi} || {ref}) is {_format(example['correct'])}"
        )
    values = ", ".join(f"{name}={vector}" for name, vector in example["values"].items())
    note = " (weights set to 1)" if weighted else ""
    return (
        f"at {values} the line gives {_format(example['user'])}{note} but the KL is "
        f"{_format(example['correct'])}"
    )
