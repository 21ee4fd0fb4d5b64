"""Steps stated for a symbolic dimension ``d``, verified in each concrete instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import product

from sympy import (
    Derivative,
    S,
    Symbol,
)

from ...symbolic.display import evaluate
from ..context import Context
from ..step import Step
from .normal_form import expand_big_operators


def _mentions(step: Step, symbols: tuple[Symbol | None, ...]) -> bool:
    """Whether a side holds one of ``symbols`` free, or in what a derivative is taken in:
    the ``j`` of d/dmu[j] is no free symbol, and left unreplaced it would make both sides
    of d/dmu[j] E[...] = E[d/dmu[j] ...] zero in every instance (a summation index stays
    bound)."""
    free = step.before.free_symbols | step.after.free_symbols
    for side in (step.before, step.after):
        for derivative in side.atoms(Derivative):
            for variable, _count in derivative.variable_count:
                free |= variable.free_symbols
    return any(s is not None and s in free for s in symbols)


def verify_instances(step: Step, context: Context, verify: Callable[[Step, Context], str]) -> str:
    """Verify a step stated for a symbolic dimension ``d`` (and coordinate ``j``) in each
    instance ``d = n``, for every coordinate ``j = 1..n``, by ``verify`` (the verifier's
    entry point); an instance with draws (the same size at other parameter values) is
    verified at each of them too."""
    uses_index = _mentions(step, (context.index,))
    for n, first in sorted(context.instances.items()):
        indices = range(1, n + 1) if uses_index else [None]
        for j, instance in product(indices, (first, *first.draws)):
            mapping = {context.dimension: S(n), **instance.bindings}
            if j is not None:
                mapping[context.index] = S(j)
            # the bindings once more after the sums are written out: p[k] became p[1], ...
            concrete = replace(
                step,
                before=expand_big_operators(evaluate(step.before).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
                after=expand_big_operators(evaluate(step.after).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
            )
            verify(concrete, instance)
    return "instances"
