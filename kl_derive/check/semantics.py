"""What a parsed loss line computes, as SymPy objects.

The model is one example: the variables hold, for each latent coordinate ``j = 1..d``,
values written in a target's coordinates (:mod:`kl_derive.check.targets`); arithmetic
and the elementwise functions act coordinate by coordinate, and a reduction over the
latent axis turns a vector into the scalar ``sum_j f(c_j)`` (``mean`` gives ``(1/d)
sum_j``). Every example of a batch is taken to be the same one, so a sum over the batch
is ``N`` times the example's value and a mean over it is the value itself: dividing a
batch sum by ``x.size(0)`` gives back one example's value, and dividing twice leaves a
stray ``1/N``, which the check reports.

Code for a batch reduces axes of a ``[batch, latent]`` tensor (or ``[batch, C, H, W]``),
and code for one example axes of a ``[latent]`` vector; per-token estimators reduce
``[batch, tokens]``, all batch-like. :func:`interpret` tries these readings of the axes
in turn (:data:`LATENT_READINGS`, :data:`TOKEN_READINGS`) and keeps the first that makes
sense and reduces the latent axis, else the first that makes sense.

The result is a :class:`~kl_derive.check.targets.Form` when the line has one (``red``: a
sum over the latent axis of a per-coordinate expression; ``vec``: nothing summed), which
is what equalities are decided on, and always a display expression with ``Sum(..., (j, 1,
d))`` over indexed symbols named as in the user's code, which is shown and evaluated at
concrete vectors. A line that multiplies reductions or takes exp of a reduced value has
no form; it is compared on random vectors only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import sympy as sp

from .targets import BATCH, INDEX, RED, VEC, D, Form
from .tree import REST, BinOp, Const, Func, Guard, Neg, Node, Opaque, Reduce, Size, Var

__all__ = [
    "LATENT_READINGS",
    "SMALL",
    "TOKEN_READINGS",
    "Input",
    "Meaning",
    "NoReading",
    "interpret",
]

#: Readings of a variable's axes: batch and latent; one latent vector; image-like latents.
LATENT_READINGS = (("B", "L"), ("L",), ("B", "L", "L"), ("B", "L", "L", "L"))
#: Readings for per-token values: batch and tokens; tokens only.
TOKEN_READINGS = (("B", "B"), ("B",))

#: Constants at most this large (in absolute value, and not zero) count as a numerical
#: stabiliser such as the ``1e-8`` in ``log(sigma**2 + 1e-8)``.
SMALL = Fraction(1, 10**4)

_FUNCS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "square": lambda e: e**2,
    "abs": sp.Abs,
    "neg": lambda e: -e,
    "log1p": lambda e: sp.log(1 + e),
    "expm1": lambda e: sp.exp(e) - 1,
    "sigmoid": lambda e: 1 / (1 + sp.exp(-e)),
    "reciprocal": lambda e: 1 / e,
}


class NoReading(Exception):
    """No reading of the axes makes sense of the line."""


class _Bad(Exception):
    """The axes make no sense in the reading being tried."""


@dataclass(frozen=True)
class Input:
    """A variable's value in the target's coordinates; ``tensor`` if it has the axes."""

    expr: sp.Expr
    tensor: bool = True


@dataclass(frozen=True)
class Meaning:
    """What a line computes in one reading of its axes."""

    form: Form | None
    shown: sp.Expr
    reading: tuple[str, ...]
    #: what happened to the batch-like axes: "sum", "mean", "size" (a division by it)
    batch: frozenset[str]


class _Value(NamedTuple):
    form: str  # "vec", "red", "scalar" or "mixed" (no structural form)
    expr: sp.Expr | None
    shown: sp.Expr
    shape: tuple[str, ...]


def _apply(op: str, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b


def _broadcast(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """NumPy's broadcasting of two shapes (labels), right-aligned."""
    size = max(len(a), len(b))
    a, b = ("1",) * (size - len(a)) + a, ("1",) * (size - len(b)) + b
    result = []
    for x, y in zip(a, b, strict=True):
        if x == y or y == "1":
            result.append(x)
        elif x == "1":
            result.append(y)
        else:
            raise _Bad
    return tuple(result)


class _Interpreter:
    def __init__(
        self,
        inputs: Mapping[str, Input],
        opaque: Mapping[str, sp.Symbol],
        indexed: Mapping[sp.Symbol, sp.IndexedBase],
        reading: tuple[str, ...],
        drop_small: bool,
    ) -> None:
        self.inputs = inputs
        self.opaque = opaque
        self.at_index = {s: base[INDEX] for s, base in indexed.items()}
        self.reading = reading
        self.drop_small = drop_small
        self.batch: set[str] = set()

    def value(self, node: Node) -> _Value:
        if isinstance(node, Const):
            number = node.value
            exact = sp.Rational(number.numerator, number.denominator)
            structural = exact
            if self.drop_small and 0 < abs(number) <= SMALL:
                structural = sp.Integer(0)
            return _Value("scalar", structural, exact, ())
        if isinstance(node, Var):
            given = self.inputs[node.name]
            shown = given.expr.xreplace(self.at_index)
            if given.tensor:
                return _Value("vec", given.expr, shown, self.reading)
            return _Value("scalar", given.expr, shown, ())
        if isinstance(node, Opaque):
            symbol = self.opaque[node.text]
            return _Value("scalar", symbol, symbol, ())
        if isinstance(node, Size):
            size = self._size(node.axis)
            return _Value("scalar", size, size, ())
        if isinstance(node, Guard):
            return self.value(node.arg)
        if isinstance(node, Neg):
            inner = self.value(node.operand)
            expr = None if inner.expr is None else -inner.expr
            return _Value(inner.form, expr, -inner.shown, inner.shape)
        if isinstance(node, Func):
            return self._func(node)
        if isinstance(node, BinOp):
            return self._binop(node)
        if isinstance(node, Reduce):
            return self._reduce(node)
        raise TypeError(f"unexpected node {node!r}")  # pragma: no cover

    def _size(self, axis: int | None) -> sp.Expr:
        if axis is None:
            batch = sum(1 for label in self.reading if label == "B")
            latent = D if "L" in self.reading else 1
            self.batch.add("size")
            return BATCH**batch * latent
        if not -len(self.reading) <= axis < len(self.reading):
            raise _Bad
        label = self.reading[axis]
        if label == "B":
            self.batch.add("size")
            return BATCH
        if self.reading.count("L") != 1:
            raise _Bad
        return D

    def _func(self, node: Func) -> _Value:
        inner = self.value(node.arg)
        function = _FUNCS[node.name]
        shown = function(inner.shown)
        if inner.form in ("red", "mixed"):
            return _Value("mixed", None, shown, inner.shape)
        return _Value(inner.form, function(inner.expr), shown, inner.shape)

    def _binop(self, node: BinOp) -> _Value:
        a, b = self.value(node.left), self.value(node.right)
        shape = _broadcast(a.shape, b.shape)
        shown = _apply(node.op, a.shown, b.shown)
        form, expr = _combine(node.op, a, b)
        return _Value(form, expr, shown, shape)

    def _reduce(self, node: Reduce) -> _Value:
        inner = self.value(node.arg)
        shape = inner.shape
        if not shape:
            return inner  # the sum or mean of a single number
        if node.axes is None:
            positions = set(range(len(shape)))
        elif node.axes == REST:
            if len(shape) < 2:
                raise _Bad
            positions = set(range(1, len(shape)))
        else:
            positions = set()
            for axis in node.axes:
                if not -len(shape) <= axis < len(shape):
                    raise _Bad
                positions.add(axis % len(shape))
        labels = [shape[i] for i in sorted(positions)]
        latent = labels.count("L")
        if 0 < latent < shape.count("L"):
            raise _Bad  # part of the latent axes only
        form, expr, shown = inner.form, inner.expr, inner.shown
        if latent:
            shown = sp.Sum(shown, (INDEX, 1, D))
            if node.kind == "mean":
                shown = shown / D
            if form == "vec":
                form = "red"
                expr = expr if node.kind == "sum" else expr / D
        batch = labels.count("B")
        if batch and (node.axes is not None or "L" not in shape):
            # reducing every axis of a [batch, latent] tensor is also the sum over one
            # example's latent vector: only an explicit batch reduction is reported
            self.batch.add(node.kind)
        if batch and node.kind == "sum":
            shown = shown * BATCH**batch
            expr = None if expr is None else expr * BATCH**batch
        if node.keepdim:
            rest = tuple("1" if i in positions else label for i, label in enumerate(shape))
        else:
            rest = tuple(label for i, label in enumerate(shape) if i not in positions)
        return _Value(form, expr, shown, rest)


def _combine(op: str, a: _Value, b: _Value) -> tuple[str, sp.Expr | None]:
    """The structural form of ``a op b`` (see the module docstring)."""
    if "mixed" in (a.form, b.form):
        return "mixed", None
    if a.form == "scalar" and b.form == "scalar":
        return "scalar", _apply(op, a.expr, b.expr)
    if a.form in ("vec", "scalar") and b.form in ("vec", "scalar"):
        return "vec", _apply(op, a.expr, b.expr)
    if "vec" in (a.form, b.form):
        return "mixed", None  # a reduced value combined with a vector
    # at least one reduction, the other a reduction or a constant
    if op in "+-":
        left = a.expr if a.form == "red" else a.expr / D
        right = b.expr if b.form == "red" else b.expr / D
        return "red", _apply(op, left, right)
    if op == "*" and a.form == "scalar":
        return "red", a.expr * b.expr
    if op in "*/" and b.form == "scalar":
        return "red", _apply(op, a.expr, b.expr)
    return "mixed", None


def interpret(
    node: Node,
    inputs: Mapping[str, Input],
    indexed: Mapping[sp.Symbol, sp.IndexedBase],
    *,
    latent: bool = True,
    opaque: Mapping[str, sp.Symbol] | None = None,
    drop_small: bool = False,
) -> Meaning:
    """What ``node`` computes, in the first reading of its axes that makes sense.

    ``inputs`` gives each variable's value; ``indexed`` names the coordinate symbols'
    indexed versions for the display; ``latent`` is False for per-token values (every
    axis is batch-like). Raises :class:`NoReading` when no reading makes sense.
    """
    meanings: list[Meaning] = []
    for reading in LATENT_READINGS if latent else TOKEN_READINGS:
        interpreter = _Interpreter(inputs, opaque or {}, indexed, reading, drop_small)
        try:
            result = interpreter.value(node)
        except _Bad:
            continue
        if result.form == "scalar":
            form: Form | None = Form(RED, result.expr / D) if latent else Form(VEC, result.expr)
        elif result.form == "mixed":
            form = None
        else:
            form = Form(RED if result.form == "red" else VEC, result.expr)
        meaning = Meaning(form, result.shown, reading, frozenset(interpreter.batch))
        if not latent or "L" not in result.shape:
            if latent and result.form == "vec":
                meanings.append(meaning)
                continue
            return meaning
        meanings.append(meaning)
    if not meanings:
        raise NoReading(
            "an axis is out of range: a loss line reduces a [batch, latent] tensor "
            "(axis 0, 1 or -1) or a latent vector (axis 0 or -1)"
        )
    return meanings[0]
