"""The view model's data: how a format writes inline math (:class:`Style`) and the
views of a step, a block and a stage that the templates lay out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Style:
    """How a format writes inline math and escapes prose; ``safe`` marks filled prose as
    escaped already (``Markup`` for an autoescaping HTML template)."""

    inline: Callable[[str], str]
    escape: Callable[[str], str] = lambda s: s
    code: Callable[[str], str] = lambda s: s
    safe: Callable[[str], str] = str


Breaker = Callable[[float, float], list[str]]


@dataclass
class StepView:
    rule: str
    title: str
    explanation: str
    lhs: str
    rhs: str
    rhs_lines: list[str]
    before: str
    after: str
    check: str
    #: the sign that joins the step to the previous line: "=", or "=" marked "(3)" (full)
    eq: str = "="
    #: breaks the right-hand side for a first line and continued lines of given widths
    breaker: Breaker | None = field(default=None, repr=False, compare=False)
    #: where the chain this step ends holds, as SymPy text (JSON); "" when everywhere
    condition: str = ""


@dataclass
class BlockView:
    """A paragraph and the display (one or more chains) it introduces; with
    ``--detail full``, ``notes`` justify the display's equalities one by one."""

    text: str
    chains: list[list[StepView]]
    label: str | None = None
    notes: list[str] = field(default_factory=list)
    #: each left-hand side on a line of its own, the equalities under it (see .layout)
    stacked: bool = False


@dataclass
class StageView:
    number: int
    key: str
    title: str
    intro: str
    blocks: list[BlockView] = field(default_factory=list)


class Raw(str):
    """Already formatted for the target (inserted as is)."""


class LatexRaw(str):
    """LaTeX that goes into inline math as is."""
