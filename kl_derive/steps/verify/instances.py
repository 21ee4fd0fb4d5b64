"""Steps stated for a symbolic dimension ``d``, verified in each concrete instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import product

from sympy import (
    And,
    Derivative,
    Piecewise,
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


def _for_every(step: Step, index: Symbol | None, n: int) -> Step:
    """A condition written with the coordinate index ``j`` (the step's own, or a piecewise
    result's) holds for every coordinate: in the instance ``d = n`` it is the conjunction
    over ``j = 1..n``."""
    if index is None:
        return step

    def every(condition):
        if condition is None or index not in condition.free_symbols:
            return condition
        return And(*[condition.xreplace({index: S(i)}) for i in range(1, n + 1)])

    def pieces(side):
        if not side.has(Piecewise):
            return side
        return side.replace(
            lambda x: isinstance(x, Piecewise),
            lambda x: Piecewise(*[(v, every(c)) for v, c in x.args], evaluate=False),
        )

    changed = replace(step, before=pieces(step.before), after=pieces(step.after))
    if step.condition is not None:
        changed = replace(changed, condition=every(step.condition))
    return changed


def verify_instances(step: Step, context: Context, verify: Callable[[Step, Context], str]) -> str:
    """Verify a step stated for a symbolic dimension ``d`` (and coordinate ``j``) in each
    instance ``d = n``, for every coordinate ``j = 1..n``, by ``verify`` (the verifier's
    entry point); an instance with draws (the same size at other parameter values) is
    verified at each of them too."""
    for n, first in sorted(context.instances.items()):
        step_n = _for_every(step, context.index, n)
        uses_index = _mentions(step_n, (context.index,))
        indices = range(1, n + 1) if uses_index else [None]
        for j, instance in product(indices, (first, *first.draws)):
            mapping = {context.dimension: S(n), **instance.bindings}
            if j is not None:
                mapping[context.index] = S(j)
            # the bindings once more after the sums are written out: p[k] became p[1], ...
            concrete = replace(
                step_n,
                before=expand_big_operators(evaluate(step_n.before).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
                after=expand_big_operators(evaluate(step_n.after).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
            )
            verify(concrete, instance)
    return "instances"
