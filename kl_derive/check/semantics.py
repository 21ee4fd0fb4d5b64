"""What a parsed loss line computes, as SymPy objects.

The model is one example's latent vector: the encoder gives ``mu_j`` and a scale value
``x_j`` for latent coordinates ``j = 1..d``; arithmetic and the elementwise functions act
coordinate by coordinate, and a reduction over the latent axis turns a vector into the
scalar ``sum_j f(mu_j, x_j)`` (``mean`` gives ``(1/d) sum_j``).

Code for a batch reduces over axes of a ``[batch, latent]`` tensor, and code for a single
example over axes of a ``[latent]`` vector. :func:`resolve` reads the axes both ways and
marks each reduction ``"latent"`` (it sums or averages the latent axis) or ``"batch"``
(it leaves one example's value as it is: a reduction over the batch axis, or of a value
already reduced). The batch reading is preferred; the vector reading is used when only it
ends in a scalar (``torch.mean(kl, dim=0)`` on a vector).

Two walks then give the meaning:

* :func:`structural` gives a :class:`Form`: ``Red(per)`` means ``sum_j per(mu_j, x_j, d)``,
  ``Vec(e)`` a vector with coordinates ``e(mu_j, x_j)``. Equalities of forms are decided
  coordinate by coordinate. A line that multiplies reductions or mixes a reduced scalar
  with a vector has no such form (:class:`NonLinear`).
* :func:`display` gives a SymPy expression with ``Sum(..., (j, 1, d))`` over indexed
  symbols named as in the user's code; it always exists, and is what is shown and
  evaluated at concrete vectors for counterexamples.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import sympy as sp

from .parse import BinOp, CheckInputError, Const, Func, Neg, Node, Reduce, Var, walk

__all__ = [
    "INDEX",
    "D",
    "Form",
    "NonLinear",
    "Red",
    "Symbols",
    "Vec",
    "display",
    "display_form",
    "has_small_constants",
    "resolve",
    "structural",
    "symbols_for",
]

#: The dimension of the latent space.
D = sp.Symbol("d", integer=True, positive=True)
#: The index of a latent coordinate.
INDEX = sp.Symbol("j", integer=True, positive=True)

#: Constants at most this large (in absolute value, and not zero) count as a numerical
#: stabiliser such as the ``1e-8`` in ``log(sigma**2 + 1e-8)``.
SMALL = Fraction(1, 10**4)


# --------------------------------------------------------------------------- symbols


@dataclass(frozen=True)
class Symbols:
    """The coordinate symbols of one check: the mean ``mu`` and the scale value ``x``."""

    param: str
    mu: sp.Symbol
    x: sp.Symbol

    @property
    def coordinates(self) -> tuple[sp.Symbol, sp.Symbol]:
        return (self.mu, self.x)


_SCALE_SYMBOLS = {
    "logvar": ("logvar", {"real": True}),
    "scale": ("sigma", {"positive": True}),
    "variance": ("var", {"positive": True}),
    "logscale": ("logsigma", {"real": True}),
}


def symbols_for(param: str) -> Symbols:
    """The canonical coordinate symbols for ``param`` (the names kl-derive's specs use)."""
    name, assumptions = _SCALE_SYMBOLS[param]
    return Symbols(param, sp.Symbol("mu", real=True), sp.Symbol(name, **assumptions))


# --------------------------------------------------------------------------- reductions


class _BadAxis(Exception):
    """An axis that does not exist in the reading being tried."""


def resolve(node: Node) -> Node:
    """Mark every reduction ``"latent"`` or ``"batch"`` (see the module docstring).

    Raises :class:`CheckInputError` when no reading makes sense of the axes.
    """
    readings: list[tuple[Node, bool]] = []
    for ndim in (2, 1):
        try:
            readings.append(_resolve(node, ndim))
        except _BadAxis:
            continue
    if not readings:
        raise CheckInputError(
            "an axis is out of range: a loss line reduces a [batch, latent] tensor "
            "(axis 0, 1 or -1) or a latent vector (axis 0 or -1)"
        )
    for resolved, is_vector in readings:
        if not is_vector:
            return resolved
    return readings[0][0]


def _resolve(node: Node, ndim: int) -> tuple[Node, bool]:
    """The node with reductions marked, and whether its value is a vector."""
    if isinstance(node, Const):
        return node, False
    if isinstance(node, Var):
        return node, True
    if isinstance(node, Neg):
        operand, vector = _resolve(node.operand, ndim)
        return Neg(operand), vector
    if isinstance(node, BinOp):
        left, a = _resolve(node.left, ndim)
        right, b = _resolve(node.right, ndim)
        return BinOp(node.op, left, right), a or b
    if isinstance(node, Func):
        arg, vector = _resolve(node.arg, ndim)
        return Func(node.name, arg), vector
    if isinstance(node, Reduce):
        arg, vector = _resolve(node.arg, ndim)
        if not vector:
            return replace(node, arg=arg, mode="batch"), False
        latent = _reduces_latent(node.axes, ndim)
        return replace(node, arg=arg, mode="latent" if latent else "batch"), not latent
    raise TypeError(f"unexpected node {node!r}")  # pragma: no cover


def _reduces_latent(axes: tuple[int, ...] | None, ndim: int) -> bool:
    if axes is None:
        return True
    normal = set()
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise _BadAxis
        normal.add(axis % ndim)
    return ndim - 1 in normal


# --------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class Form:
    """The meaning of a loss line for one example (see :class:`Red` and :class:`Vec`)."""

    expr: sp.Expr


@dataclass(frozen=True)
class Red(Form):
    """The scalar ``sum_{j=1..d} expr(mu_j, x_j, d)``."""


@dataclass(frozen=True)
class Vec(Form):
    """The vector with coordinates ``expr(mu_j, x_j)`` (nothing reduced the latent axis)."""


@dataclass(frozen=True)
class _Scalar(Form):
    """A constant scalar (no latent variable)."""


class NonLinear(Exception):
    """The line is not a sum over the latent axis of an elementwise expression."""


def _rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)


_FUNCS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "square": lambda e: e**2,
    "abs": sp.Abs,
    "neg": lambda e: -e,
}


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


def structural(
    node: Node, roles: dict[str, str], symbols: Symbols, *, drop_small: bool = False
) -> Form:
    """The :class:`Red` or :class:`Vec` form of a resolved tree.

    ``roles`` maps the user's names to ``"mu"`` / ``"scale"``. With ``drop_small``,
    constants no larger than 1e-4 (numerical stabilisers) count as zero.
    Raises :class:`NonLinear` for a line without such a form.
    """
    form = _structural(node, roles, symbols, drop_small)
    if isinstance(form, _Scalar):
        return Red(form.expr / D)
    return form


def _structural(node: Node, roles: dict[str, str], symbols: Symbols, drop_small: bool) -> Form:
    if isinstance(node, Const):
        value = node.value
        if drop_small and 0 < abs(value) <= SMALL:
            value = Fraction(0)
        return _Scalar(_rational(value))
    if isinstance(node, Var):
        return Vec(symbols.mu if roles[node.name] == "mu" else symbols.x)
    if isinstance(node, Neg):
        operand = _structural(node.operand, roles, symbols, drop_small)
        return type(operand)(-operand.expr)
    if isinstance(node, Func):
        arg = _structural(node.arg, roles, symbols, drop_small)
        if isinstance(arg, Red):
            raise NonLinear(f"{node.name}() of a reduced value")
        return type(arg)(_FUNCS[node.name](arg.expr))
    if isinstance(node, Reduce):
        arg = _structural(node.arg, roles, symbols, drop_small)
        if node.mode == "latent" and isinstance(arg, Vec):
            return Red(arg.expr if node.kind == "sum" else arg.expr / D)
        return arg
    if isinstance(node, BinOp):
        a = _structural(node.left, roles, symbols, drop_small)
        b = _structural(node.right, roles, symbols, drop_small)
        return _combine(node.op, a, b)
    raise TypeError(f"unexpected node {node!r}")  # pragma: no cover


def _combine(op: str, a: Form, b: Form) -> Form:
    if isinstance(a, _Scalar) and isinstance(b, _Scalar):
        return _Scalar(_apply(op, a.expr, b.expr))
    if isinstance(a, (Vec, _Scalar)) and isinstance(b, (Vec, _Scalar)):
        return Vec(_apply(op, a.expr, b.expr))
    if isinstance(a, Vec) or isinstance(b, Vec):
        raise NonLinear("a reduced value combined with a vector")
    # at least one reduction, the other a reduction or a constant
    if op in "+-":
        left = a.expr if isinstance(a, Red) else a.expr / D
        right = b.expr if isinstance(b, Red) else b.expr / D
        return Red(_apply(op, left, right))
    if op == "*" and isinstance(a, _Scalar):
        return Red(a.expr * b.expr)
    if op in "*/" and isinstance(b, _Scalar):
        return Red(_apply(op, a.expr, b.expr))
    raise NonLinear(f"the operator {op} between reduced values")


def has_small_constants(node: Node) -> list[str]:
    """The literals of a tree that :func:`structural` drops with ``drop_small``."""
    return [
        current.text
        for current in walk(node)
        if isinstance(current, Const) and 0 < abs(current.value) <= SMALL
    ]


# --------------------------------------------------------------------------- display


@dataclass(frozen=True)
class Indexed:
    """The indexed symbols ``mu[j]`` and ``x[j]`` named as in the user's code."""

    mu: sp.IndexedBase
    x: sp.IndexedBase

    @classmethod
    def named(cls, symbols: Symbols, mu_name: str, x_name: str) -> Indexed:
        x_assumptions = {"positive": True} if symbols.x.is_positive else {"real": True}
        return cls(sp.IndexedBase(mu_name, real=True), sp.IndexedBase(x_name, **x_assumptions))

    def at(self, symbols: Symbols, index: sp.Expr = INDEX) -> dict[sp.Symbol, sp.Expr]:
        """The substitution of coordinate symbols by the indexed symbols at ``index``."""
        return {symbols.mu: self.mu[index], symbols.x: self.x[index]}


def display(node: Node, roles: dict[str, str], indexed: Indexed) -> sp.Expr:
    """The SymPy expression of a resolved tree, with ``Sum`` over the latent index ``j``.

    A vector-valued line gives an expression in ``mu[j]``, ``x[j]`` with ``j`` free.
    """
    if isinstance(node, Const):
        return _rational(node.value)
    if isinstance(node, Var):
        base = indexed.mu if roles[node.name] == "mu" else indexed.x
        return base[INDEX]
    if isinstance(node, Neg):
        return -display(node.operand, roles, indexed)
    if isinstance(node, Func):
        return _FUNCS[node.name](display(node.arg, roles, indexed))
    if isinstance(node, BinOp):
        left = display(node.left, roles, indexed)
        right = display(node.right, roles, indexed)
        return _apply(node.op, left, right)
    if isinstance(node, Reduce):
        arg = display(node.arg, roles, indexed)
        if node.mode != "latent":
            return arg
        total = sp.Sum(arg, (INDEX, 1, D))
        return total if node.kind == "sum" else total / D
    raise TypeError(f"unexpected node {node!r}")  # pragma: no cover


def display_form(form: Form, symbols: Symbols, indexed: Indexed) -> sp.Expr:
    """A :class:`Form` written with ``Sum`` and the user's names, like :func:`display`."""
    summand = form.expr.xreplace(indexed.at(symbols))
    if isinstance(form, Vec):
        return summand
    return sp.Sum(summand, (INDEX, 1, D))
