"""Reading one Python expression of a loss line into a :class:`~kl_derive.check.tree.Node`.

The expression comes from :func:`ast.parse` and is walked over a whitelist: numbers,
names and attributes (``self.logvar`` is the variable ``logvar``; ``out["mu"]`` is
``mu``), ``+ - * / **``, unary minus and plus, calls to elementwise functions (``exp``,
``log``, ``sqrt``, ``square``, ``pow``, ``log1p``, ``sigmoid`` ...) and reductions
(``sum``, ``mean``, ``reduce_sum`` ...) written bare, with a module prefix (``torch.``,
``tf.``, ``K.``, ``jnp.`` ...) or as methods (``mu.pow(2)``, ``x.sum(dim=1)``, in place
``logvar.mul(0.5).exp_()``); the length of an axis (``x.size(0)``, ``mu.shape[-1]``,
``len(mu)``); numerical guards (``clamp``, ``clip``); and schedules (``min(1.0, step /
warmup)``, read as a weight). Anything else is refused with a one-line
:class:`~kl_derive.check.errors.CheckInputError`. Nothing is evaluated.

Names defined earlier in a block are substituted through ``lookup`` (see
:mod:`kl_derive.check.statements`).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from fractions import Fraction

from .errors import CheckInputError
from .limits import (
    MAX_EXPONENT,
    MAX_LITERAL,
    Number,
    check_constant,
    fold,
    fold_func,
    show,
)
from .syntax import MODULE_ROOTS, MODULES, dotted, is_shape, read_axes, small_int, unparse
from .tree import Axes, BinOp, Const, Func, Guard, Neg, Node, Opaque, Reduce, Size, Var

__all__ = ["REDUCTIONS", "UNARY", "ExpressionReader"]


#: Elementwise functions of one argument: name -> canonical name.
UNARY = {
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "square": "square",
    "abs": "abs",
    "neg": "neg",
    "negative": "neg",
    "log1p": "log1p",
    "expm1": "expm1",
    "sigmoid": "sigmoid",
    "expit": "sigmoid",
    "reciprocal": "reciprocal",
}
#: Binary operations callable as functions (``torch.add(x, y)``) or methods (``x.add(y)``).
BINARY_CALLS = {
    "pow": "**",
    "power": "**",
    "add": "+",
    "sub": "-",
    "subtract": "-",
    "mul": "*",
    "multiply": "*",
    "div": "/",
    "divide": "/",
    "true_divide": "/",
}
#: Reductions: name -> "sum" or "mean".
REDUCTIONS = {
    "sum": "sum",
    "reduce_sum": "sum",
    "nansum": "sum",
    "mean": "mean",
    "reduce_mean": "mean",
    "nanmean": "mean",
    "masked_mean": "mean",
}
#: Calls that leave the value as it is (a copy, a dtype, a Python number).
TRANSPARENT = frozenset(
    {"detach", "item", "float", "double", "contiguous", "clone", "cpu", "cast", "identity"}
)
#: Numerical guards: clamps and clips of a value.
GUARDS = frozenset({"clamp", "clip", "clamp_min", "clip_by_value", "clamp_"})
#: Calls that give the number of elements of a tensor.
NUMEL = frozenset({"numel", "nelement"})
#: Calls read as a schedule (a weight): ``min(1.0, step / warmup)``.
SCHEDULES = frozenset({"min", "max", "minimum", "maximum"})

AXIS_KEYWORDS = ("axis", "dim", "reduction_indices")
KEEPDIM_KEYWORDS = ("keepdim", "keepdims")
#: Keywords of reductions and casts that do not change the value.
IGNORED_KEYWORDS = ("name", "dtype", "out")
_GUARD_KEYWORDS = ("min", "max", "clip_value_min", "clip_value_max", "a_min", "a_max", "name")
_OPAQUE_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "device", "T", "mT", "real", "imag"})

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

#: What ``lookup`` returns for a name defined earlier in a block: its tree, or None.
Lookup = Callable[[str], Node | None]


def _dunder(name: str) -> bool:
    return "__" in name


class ExpressionReader:
    """Turn whitelisted :mod:`ast` expressions into :class:`Node` trees.

    ``lookup`` gives the tree of a name assigned earlier in the same block (or None); the
    names it was asked about are collected in :attr:`used`.
    """

    def __init__(self, lookup: Lookup | None = None) -> None:
        self._lookup = lookup
        self.used: set[str] = set()

    def read(self, node: ast.AST) -> Node:
        result, _ = self._expr(node)
        return result

    # each method returns the node and its value when it is a constant (else None)

    def _expr(self, node: ast.AST) -> tuple[Node, Number | None]:
        if isinstance(node, ast.Constant):
            return self._literal(node)
        if isinstance(node, ast.Name):
            return self._name(node.id), None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand, value = self._expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand, value
            return Neg(operand), (None if value is None else -value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return self._binop(_OPERATORS[type(node.op)], node.left, node.right, node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node), None
        if isinstance(node, ast.Subscript):
            return self._subscript(node), None
        raise CheckInputError(f"{_describe(node)} {show(unparse(node))} is not read by check")

    def _literal(self, node: ast.Constant) -> tuple[Node, Number | None]:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckInputError(f"{show(unparse(node))} is not a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise CheckInputError(f"{value!r} is not a finite number")
        if abs(value) > MAX_LITERAL:
            raise CheckInputError(
                f"the number {show(unparse(node))} is too large (at most {MAX_LITERAL:g})"
            )
        text = repr(value)
        exact = Fraction(text) if isinstance(value, float) else Fraction(value)
        return Const(exact, text), check_constant(exact, unparse(node))

    def _name(self, name: str) -> Node:
        if _dunder(name):
            raise CheckInputError(f"dunder name {name!r} is not allowed")
        if (name in UNARY or name in BINARY_CALLS or name in REDUCTIONS) and name != "mean":
            raise CheckInputError(f"{name!r} is a function; call it, e.g. {name}(x)")
        if name in MODULE_ROOTS and name not in ("K", "F", "ops"):
            raise CheckInputError(f"the module {name!r} can only be used to call a function")
        if self._lookup is not None:
            defined = self._lookup(name)
            self.used.add(name)
            if defined is not None:
                return defined
        return Var(name)

    def _attribute(self, node: ast.Attribute) -> Node:
        """``self.logvar`` and ``outputs.mu`` are the variables ``logvar`` and ``mu``."""
        if _dunder(node.attr):
            raise CheckInputError(f"dunder attribute {node.attr!r} is not allowed")
        chain = dotted(node)
        if chain is not None and chain.split(".")[0] in MODULE_ROOTS:
            raise CheckInputError(f"the module attribute {show(chain)} is not read by check")
        if node.attr in _OPAQUE_ATTRIBUTES:
            raise CheckInputError(
                f"the attribute {show(unparse(node))} is not read by check; "
                "x.shape[0] or x.size(0) may be used for a length"
            )
        if node.attr == "data":  # logvar.data is logvar's values
            return self._expr(node.value)[0]
        if not isinstance(node.value, (ast.Name, ast.Attribute, ast.Subscript)):
            raise CheckInputError(f"the attribute {show(unparse(node))} is not read by check")
        return self._name(node.attr)

    def _subscript(self, node: ast.Subscript) -> Node:
        """``x.shape[0]``, ``x.size()[0]``, ``tf.shape(x)[0]`` and ``out["mu"]``."""
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            if not key.value.isidentifier() or _dunder(key.value):
                raise CheckInputError(f"the key {key.value!r} is not a variable name")
            return self._name(key.value)
        axis = small_int(key)
        if axis is not None and is_shape(node.value):
            return Size(axis)
        raise CheckInputError(f"indexing {show(unparse(node))} is not read by check")

    def _binop(
        self, op: str, left_node: ast.AST, right_node: ast.AST, whole: ast.AST
    ) -> tuple[Node, Number | None]:
        left, a = self._expr(left_node)
        right, b = self._expr(right_node)
        if op == "**" and b is not None and abs(b) > MAX_EXPONENT:
            raise CheckInputError(
                f"the exponent in {show(unparse(whole))} is too large (at most {MAX_EXPONENT})"
            )
        value = None if a is None or b is None else fold(op, a, b, unparse(whole))
        return BinOp(op, left, right), value

    # ------------------------------------------------------------------ calls

    def _callee(self, node: ast.Call) -> tuple[str, str, ast.AST | None]:
        """The function's name, how it was written, and the receiver of a method call."""
        func = node.func
        if isinstance(func, ast.Name):
            return func.id, func.id, None
        if not isinstance(func, ast.Attribute):
            raise CheckInputError(f"call of {show(unparse(func))} is not read by check")
        if _dunder(func.attr):
            raise CheckInputError(f"dunder attribute {func.attr!r} is not allowed")
        chain = dotted(func)
        if chain is not None and chain.split(".")[0] in MODULE_ROOTS:
            prefix, _, name = chain.rpartition(".")
            if prefix not in MODULES:
                raise CheckInputError(f"call to {show(chain)} is not read by check")
            return name, chain, None
        name = func.attr
        if name.endswith("_") and name[:-1] in {*UNARY, *BINARY_CALLS}:
            name = name[:-1]  # an in-place method: logvar.exp_()
        return name, chain or unparse(func), func.value

    def _call(self, node: ast.Call) -> tuple[Node, Number | None]:
        name, shown, receiver = self._callee(node)
        if _dunder(name):
            raise CheckInputError(f"dunder name {name!r} is not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise CheckInputError(f"*arguments are not allowed in {show(unparse(node))}")
        operands: list[ast.AST] = ([receiver] if receiver is not None else []) + list(node.args)
        if name in REDUCTIONS:
            return self._reduction(name, operands, node)
        if name in SCHEDULES and receiver is None:
            return self._schedule(node), None
        if name in GUARDS:
            return self._guard(operands, node), None
        if name == "len" and receiver is None and len(operands) == 1 and not node.keywords:
            return Size(0), None
        if name in NUMEL or (name == "size" and shown.startswith("tf.")):
            _no_keywords(node, name)
            return Size(None), None
        if name == "size" and receiver is not None:
            return self._size(node), None
        if name == "epsilon" and (shown == "K.epsilon" or shown.endswith("backend.epsilon")):
            return Const(Fraction(1, 10**7), "K.epsilon()"), Fraction(1, 10**7)
        if name in TRANSPARENT:
            return self._transparent(name, operands, node)
        if name not in UNARY and name not in BINARY_CALLS:
            allowed = ", ".join([*UNARY, "pow", "sum", "mean"])
            raise CheckInputError(
                f"call to {show(shown)} is not read by check; the functions a loss line may "
                f"call are {allowed} (and their numpy/torch/tf/jax spellings)"
            )
        _no_keywords(node, name)
        if name in UNARY:
            if len(operands) != 1:
                raise CheckInputError(f"{name}() takes one argument in {show(unparse(node))}")
            arg, value = self._expr(operands[0])
            folded = None if value is None else fold_func(UNARY[name], value, unparse(node))
            return Func(UNARY[name], arg), folded
        if len(operands) != 2:
            raise CheckInputError(f"{name}() takes two arguments in {show(unparse(node))}")
        return self._binop(BINARY_CALLS[name], operands[0], operands[1], node)

    def _reduction(
        self, name: str, operands: list[ast.AST], node: ast.Call
    ) -> tuple[Node, Number | None]:
        kind = REDUCTIONS[name]
        if not operands:
            raise CheckInputError(f"{name}() needs an argument in {show(unparse(node))}")
        if name == "masked_mean":  # masked_mean(values, mask[, axis]): the mask is ones
            operands = [operands[0], *operands[2:]]
        if len(operands) > 2:
            raise CheckInputError(f"too many arguments to {name}() in {show(unparse(node))}")
        axes: Axes = None
        given = False
        keepdim = False
        if len(operands) == 2:
            axes, given = read_axes(operands[1]), True
        for keyword in node.keywords:
            if keyword.arg in AXIS_KEYWORDS:
                if given:
                    raise CheckInputError(f"the axis of {name}() is given twice")
                axes, given = read_axes(keyword.value), True
            elif keyword.arg in KEEPDIM_KEYWORDS:
                if not (
                    isinstance(keyword.value, ast.Constant) and type(keyword.value.value) is bool
                ):
                    raise CheckInputError(f"{keyword.arg}= must be True or False")
                keepdim = bool(keyword.value.value)
            elif keyword.arg in IGNORED_KEYWORDS or (name == "masked_mean" and keyword.arg):
                continue
            else:
                shown = f"{keyword.arg}=" if keyword.arg else "**"
                allowed = ", ".join(f"{k}=" for k in (*AXIS_KEYWORDS, *KEEPDIM_KEYWORDS))
                raise CheckInputError(
                    f"keyword argument {shown} is not read in {name}(); the ones read are {allowed}"
                )
        arg, value = self._expr(operands[0])
        return Reduce(kind, arg, axes, keepdim), value

    def _schedule(self, node: ast.Call) -> Node:
        names: set[str] = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and _dunder(inner.id):
                raise CheckInputError(f"dunder name {inner.id!r} is not allowed")
            if isinstance(inner, ast.Attribute) and _dunder(inner.attr):
                raise CheckInputError(f"dunder attribute {inner.attr!r} is not allowed")
            if isinstance(inner, (ast.Name, ast.Attribute)):
                names.add(inner.id if isinstance(inner, ast.Name) else inner.attr)
        return Opaque(" ".join(unparse(node).split()), tuple(sorted(names)))

    def _guard(self, operands: list[ast.AST], node: ast.Call) -> Node:
        if not operands:
            raise CheckInputError(f"{show(unparse(node))} needs an argument")
        for bound in [*operands[1:], *(k.value for k in node.keywords if k.arg != "name")]:
            if self._expr(bound)[1] is None:
                raise CheckInputError(
                    f"the bounds of {show(unparse(node))} must be numbers to be read as a guard"
                )
        for keyword in node.keywords:
            if keyword.arg not in _GUARD_KEYWORDS:
                raise CheckInputError(
                    f"keyword argument {keyword.arg}= is not read in {show(unparse(node))}"
                )
        arg, _ = self._expr(operands[0])
        return Guard(arg, " ".join(unparse(node).split()))

    def _size(self, node: ast.Call) -> Node:
        """``x.size(0)`` or ``x.size(dim=0)``; ``x.size()`` alone is indexed later."""
        given = [*node.args, *(k.value for k in node.keywords if k.arg == "dim")]
        if len(given) != 1 or any(k.arg not in ("dim",) for k in node.keywords):
            raise CheckInputError(f"{show(unparse(node))}: give one axis, e.g. x.size(0)")
        axis = small_int(given[0])
        if axis is None:
            raise CheckInputError(f"the axis of {show(unparse(node))} must be a small integer")
        return Size(axis)

    def _transparent(
        self, name: str, operands: list[ast.AST], node: ast.Call
    ) -> tuple[Node, Number | None]:
        if name == "cast":  # tf.cast(x, tf.float32)
            operands = operands[:1]
        if len(operands) != 1 or any(k.arg not in IGNORED_KEYWORDS for k in node.keywords):
            raise CheckInputError(f"{name}() takes one argument in {show(unparse(node))}")
        return self._expr(operands[0])


def _no_keywords(node: ast.Call, name: str) -> None:
    if node.keywords:
        keyword = node.keywords[0].arg
        shown = f"{keyword}=" if keyword else "**"
        raise CheckInputError(f"keyword argument {shown} is not read in {name}()")


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operation",
        ast.IfExp: "a conditional expression",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.JoinedStr: "an f-string",
        ast.NamedExpr: "an assignment expression",
        ast.Await: "await",
        ast.Starred: "a starred expression",
    }
    for kind, description in kinds.items():
        if isinstance(node, kind):
            return description
    if isinstance(node, ast.BinOp):
        return "the operator"
    if isinstance(node, ast.UnaryOp):
        return "the unary operator"
    return type(node).__name__
