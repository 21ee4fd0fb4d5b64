"""A derivation step is data: a rule, an equality, and what the engine found about it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sympy import Expr, Symbol

__all__ = ["Chain", "Code", "Reparametrization", "Sentence", "Stage", "Step", "conjuncts"]


class Code(str):
    """A piece of source code quoted in an explanation (set in a monospaced font)."""


class Sentence(str):
    """A step parameter that is itself a sentence of the message catalog, by its key
    (``"piecewise_reason.support"``): the explanation that cites it reads that sentence."""


@dataclass(frozen=True)
class Reparametrization:
    """A change of variables ``old_var = transform(new_var)`` between two densities.

    A step that moves an expectation from ``old`` to ``new`` carries one; the verifier
    checks the change of variables itself (``old(transform) * |d transform| == new``)
    before it uses it.
    """

    old: str
    new: str
    transform: Expr
    new_var: Symbol


@dataclass(frozen=True)
class Step:
    """One equality ``before = after`` of a derivation.

    ``rule`` is a stable id (see :mod:`kl_derive.steps.rules`); the explanation a reader
    sees comes from the message catalog entry of that id, filled with ``params``.
    ``facts`` names the verification context (what the verifier may assume, see
    :class:`~kl_derive.steps.context.Context`); ``check`` records how the engine
    established the equality: ``"symbolic"`` or ``"numeric"`` (``None`` until verified).

    ``condition``, when set, is where the equality is claimed (``a_1 >= a_2``): it is
    printed with the step, and the step is verified only under it. A context whose facts
    rest on conditions (:attr:`Context.assumed`) verifies only steps that state them.
    """

    rule: str
    before: Expr
    after: Expr
    params: Mapping[str, Any] = field(default_factory=dict)
    hint: Reparametrization | None = None
    facts: str = "main"
    check: str | None = None
    condition: Expr | None = None

    @property
    def verified(self) -> bool:
        """Whether the engine has established this step's equality."""
        return self.check is not None

    def with_check(self, check: str) -> Step:
        """A copy of this step marked as verified by ``check``."""
        return replace(self, check=check)


@dataclass(frozen=True)
class Chain:
    """Steps shown as one chain ``a = b = c``: each step's ``before`` is the previous ``after``.

    ``lhs`` is written once at the top; a chain of one step is a single equation.
    """

    steps: tuple[Step, ...]

    @property
    def lhs(self) -> Expr:
        return self.steps[0].before

    def with_facts(self, facts: str) -> Chain:
        """The chain with its steps verified in the context ``facts``, but a step that
        names a context of its own (other than the default ``"main"``) keeps it."""
        return Chain(tuple(replace(s, facts=facts) if s.facts == "main" else s for s in self.steps))

    @property
    def condition(self) -> Expr | None:
        """Where the chain holds: the conditions its steps state (``None``: everywhere)."""
        from sympy import And

        stated = [
            c
            for step in self.steps
            if step.condition is not None
            for c in conjuncts(step.condition)
        ]
        return And(*dict.fromkeys(stated)) if stated else None

    def __post_init__(self) -> None:
        for first, second in zip(self.steps, self.steps[1:], strict=False):
            if first.after != second.before:
                raise ValueError(f"step {second.rule!r} does not continue the chain")


def conjuncts(condition: Expr | None) -> tuple[Expr, ...]:
    """The conditions a condition joins with "and" (none for ``None`` or ``True``)."""
    from sympy import And, S

    if condition is None or condition is S.true or condition == S.true:
        return ()
    return tuple(condition.args) if isinstance(condition, And) else (condition,)


@dataclass(frozen=True)
class Stage:
    """One stage of a derivation (the reference derivation has six), made of chains."""

    key: str
    chains: tuple[Chain, ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for chain in self.chains for step in chain.steps)

    def with_facts(self, facts: str) -> Stage:
        """The stage with its chains' steps verified in ``facts`` (:meth:`Chain.with_facts`)."""
        return replace(self, chains=tuple(chain.with_facts(facts) for chain in self.chains))
