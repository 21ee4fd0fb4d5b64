"""The small tree a loss line is read into (never evaluated).

:mod:`kl_derive.check.expressions` builds it from Python's syntax tree over a whitelist;
:mod:`kl_derive.check.semantics` gives it a meaning with SymPy. The nodes are frozen, so
a block of code shares the subtrees of earlier assignments instead of copying them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "REST",
    "Axes",
    "BinOp",
    "Const",
    "Func",
    "Guard",
    "Neg",
    "Node",
    "Opaque",
    "Reduce",
    "Size",
    "Var",
    "children",
    "variables",
    "walk",
]

#: The axes of ``dim=list(range(1, x.dim()))``: every axis but the first (the batch).
REST = "rest"

#: The axes of a reduction: ``None`` (all), a tuple of integers as written, or :data:`REST`.
Axes = tuple[int, ...] | str | None


@dataclass(frozen=True)
class Node:
    """A node of a parsed loss line."""


@dataclass(frozen=True)
class Const(Node):
    """A number; ``value`` is exact (``0.5`` is ``Fraction(1, 2)``), ``text`` as written."""

    value: Fraction
    text: str


@dataclass(frozen=True)
class Var(Node):
    """A variable of the user's code, by its name (``mu``; ``self.logvar`` is ``logvar``)."""

    name: str


@dataclass(frozen=True)
class Neg(Node):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True)
class BinOp(Node):
    """``left op right`` with ``op`` one of ``+ - * / **``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Func(Node):
    """An elementwise function (``exp``, ``log``, ``sqrt``, ``square``, ``sigmoid`` ...)."""

    name: str
    arg: Node


@dataclass(frozen=True)
class Reduce(Node):
    """A reduction ``sum`` or ``mean`` over ``axes`` (see :data:`Axes`)."""

    kind: str
    arg: Node
    axes: Axes
    keepdim: bool = False


@dataclass(frozen=True)
class Size(Node):
    """The length of an axis of a tensor: ``x.size(0)``, ``mu.shape[-1]``, ``len(mu)``.

    ``axis`` is the axis as written; ``None`` is every element (``x.numel()``).
    """

    axis: int | None


@dataclass(frozen=True)
class Opaque(Node):
    """A factor that involves none of the KL's inputs and is not read further.

    ``min(1.0, epoch / warmup)`` in a KL-annealing schedule: it can only be a weight.
    ``names`` are the names it mentions (a schedule of the KL's own inputs is refused).
    """

    text: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guard(Node):
    """A numerical guard that leaves the value as it is where it matters.

    ``torch.clamp(logvar, -10, 10)`` or ``q.clamp(min=1e-8)``; ``text`` is the call as
    written, for the report.
    """

    arg: Node
    text: str


def children(node: Node) -> tuple[Node, ...]:
    """The direct children of a node, left to right."""
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, (Func, Reduce, Guard)):
        return (node.arg,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children, left before right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def variables(node: Node) -> list[str]:
    """The variable names used in a tree, in order of first appearance."""
    seen: dict[str, None] = {}
    for current in walk(node):
        if isinstance(current, Var):
            seen.setdefault(current.name, None)
    return list(seen)
