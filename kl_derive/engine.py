"""The engine: pick a strategy, let it draft the derivation, verify every step.

A derivation leaves the engine only if every one of its steps was verified; a step that
cannot be verified raises :class:`~kl_derive.errors.VerificationError`.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from .errors import SpecError
from .families.base import Distribution
from .steps.step import Chain, Stage
from .steps.verify import verify_step
from .strategies import PAIRS, VIA_BASE
from .strategies.draft import Draft

__all__ = ["STRATEGIES", "derivation_fields", "draft_for", "verify_draft"]

#: (family of P, family of Q) -> strategy modules, the default first
STRATEGIES: dict[tuple[str, str], tuple[str, ...]] = {
    pair: tuple(module for _, module in strategies) for pair, strategies in PAIRS.items()
}


def draft_for(first: Distribution, second: Distribution, strategy: str | None = None) -> Draft:
    """Draft KL(first || second) with the pair's default strategy, or the one named."""
    strategies = PAIRS[(first.family.name, second.family.name)]
    if strategy is None:
        return import_module(strategies[0][1]).derive(first, second)
    for name, module in strategies:
        if name == strategy:
            return import_module(module).derive(first, second)
    known = ", ".join(name for name, _ in strategies)
    if strategy == VIA_BASE:
        raise SpecError(
            f"--via-base (the change-of-variables corollary) applies to log_normal || "
            f"log_normal and logit_normal || logit_normal, not KL({first.family.name} || "
            f"{second.family.name})"
        )
    raise SpecError(
        f"strategy {strategy!r} does not apply to KL({first.family.name} || "
        f"{second.family.name}) (available: {known})"
    )


def verify_draft(draft: Draft) -> tuple[Stage, ...]:
    """The draft's stages with every step verified (or an exception)."""
    stages = []
    cache: dict = {}  # normal forms, keyed by expression and context
    for stage in draft.stages:
        chains = []
        for chain in stage.chains:
            steps = tuple(
                step.with_check(verify_step(step, draft.contexts[step.facts], cache))
                for step in chain.steps
            )
            chains.append(Chain(steps))
        stages.append(replace(stage, chains=tuple(chains)))
    return tuple(stages)


def derivation_fields(draft: Draft, lang: str, stages: tuple[Stage, ...] | None = None) -> dict:
    """What every derivation made from ``draft`` holds (KL, entropy, the companions): the
    stages verified (or ``stages`` already verified), the result and how it was drafted."""
    from .symbolic.display import evaluate

    return {
        "stages": verify_draft(draft) if stages is None else stages,
        "result": evaluate(draft.result_display),
        "result_display": draft.result_display,
        "strategy": draft.strategy,
        "functions": dict(draft.functions),
        "expect_subscripts": draft.expect_subscripts,
        "lang": lang,
        "setting": draft.setting,
        "quantity": draft.quantity,
    }
