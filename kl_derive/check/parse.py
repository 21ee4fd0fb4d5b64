"""Reading a VAE loss line such as ``-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())``.

The line is parsed with :func:`ast.parse` (``mode="eval"``) and walked over a small
whitelist: numbers, names, ``+ - * / **``, unary minus and plus, and calls to a few
elementwise functions (``exp``, ``log``, ``sqrt``, ``square``, ``pow`` ...) and reductions
(``sum``, ``mean``, ``reduce_sum`` ...), written bare, with a module prefix
(``np.``, ``numpy.``, ``jnp.``, ``jax.numpy.``, ``torch.``, ``tf.``, ``tf.math.``, ``K.``,
``F.``) or as a method (``mu.pow(2)``, ``x.sum(dim=1)``). Everything else is refused with a
one-line :class:`CheckInputError`. Nothing is ever evaluated: the result is a small tree
of our own (:class:`Node` subclasses), which :mod:`kl_derive.check.semantics` turns into
SymPy objects. This module does not import SymPy, so bad input is refused quickly.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from ..errors import KLDeriveError

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_LITERAL",
    "BinOp",
    "CheckInputError",
    "Const",
    "Func",
    "Neg",
    "Node",
    "Reduce",
    "Var",
    "parse_loss",
    "variables",
]

#: Longest accepted input, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of expression nodes.
MAX_DEPTH = 30
#: Largest absolute value of a number literal or of a constant subexpression.
MAX_LITERAL = 1e6
#: Largest absolute value of a constant exponent.
MAX_EXPONENT = 16
#: Largest product of nested constant exponents (``(mu**4)**8`` is 32).
MAX_DEGREE = 64
#: Longest numerator or denominator of an exact constant, in bits.
MAX_BITS = 1024

#: A folded constant: exact while it is rational, a float otherwise.
Number = Fraction | float

#: Module prefixes a function may be called with.
MODULES = ("np", "numpy", "jnp", "jax.numpy", "torch", "tf", "tf.math", "K", "F")
#: Roots of those prefixes (a dotted name starting with one of these is a module call).
_MODULE_ROOTS = frozenset(prefix.split(".")[0] for prefix in MODULES)

#: Elementwise functions of one argument: name -> canonical name.
UNARY = {
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "square": "square",
    "abs": "abs",
    "neg": "neg",
    "negative": "neg",
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
REDUCTIONS = {"sum": "sum", "reduce_sum": "sum", "mean": "mean", "reduce_mean": "mean"}
#: Keyword arguments a reduction may take.
AXIS_KEYWORDS = ("axis", "dim", "reduction_indices")
KEEPDIM_KEYWORDS = ("keepdim", "keepdims")

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SHOW = 60


class CheckInputError(KLDeriveError):
    """A loss line ``kl-derive check`` refuses to read; the message is one line."""


# --------------------------------------------------------------------------- the tree


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
    """A variable of the user's code, by its name (``mu``, ``z_log_var`` ...)."""

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
    """An elementwise function: ``exp``, ``log``, ``sqrt``, ``square``, ``abs`` or ``neg``."""

    name: str
    arg: Node


@dataclass(frozen=True)
class Reduce(Node):
    """A reduction ``sum`` or ``mean``.

    ``axes`` is ``None`` for a reduction over every axis, else the axes as written.
    ``mode`` is filled in by :func:`kl_derive.check.semantics.resolve`: ``"latent"`` for
    the reduction over the latent axis, ``"batch"`` for one that leaves a single
    example's value unchanged (over the batch axis, or of an already reduced value).
    """

    kind: str
    arg: Node
    axes: tuple[int, ...] | None
    mode: str = ""


# --------------------------------------------------------------------------- helpers


def _show(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _SHOW else text[: _SHOW - 3] + "...")


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a parsed tree does not fail
        return type(node).__name__


def _dunder(name: str) -> bool:
    return "__" in name


def _depth(tree: ast.AST) -> int:
    """The nesting depth of expression nodes, computed without recursion."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _bracket_depth(source: str) -> int:
    """The deepest nesting of brackets in the text (parentheses leave no trace in the AST)."""
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


_PREFIX = re.compile(r"^\s*(?:return\s+|[A-Za-z_][A-Za-z_0-9]*\s*(?:\+|-)?=(?!=)\s*)")


def _strip_statement(source: str) -> str:
    """Drop a leading ``KLD = `` / ``kl += `` / ``return `` so a pasted line reads as is."""
    match = _PREFIX.match(source)
    if match and not _dunder(match.group(0)):
        return source[match.end() :].strip()
    return source


# --------------------------------------------------------------------------- parser


def parse_loss(text: str) -> Node:
    """Parse a loss line into a :class:`Node` tree, refusing anything off the whitelist.

    >>> parse_loss("-0.5 * torch.sum(mu.pow(2), dim=1)")  # doctest: +NORMALIZE_WHITESPACE
    BinOp(op='*', left=Neg(operand=Const(value=Fraction(1, 2), text='0.5')),
          right=Reduce(kind='sum',
                       arg=BinOp(op='**', left=Var(name='mu'),
                                 right=Const(value=Fraction(2, 1), text='2')),
                       axes=(1,), mode=''))

    Raises :class:`CheckInputError` with a one-line message for input that is empty, too
    long, not Python syntax, or uses anything outside the whitelist.
    """
    if not isinstance(text, str):
        raise CheckInputError(f"the loss line must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise CheckInputError(
            f"the loss line is too long ({len(text)} characters, at most {MAX_LENGTH})"
        )
    source = _strip_statement(text.strip())
    if _bracket_depth(source) > MAX_DEPTH:
        raise CheckInputError(
            f"the loss line is nested too deeply (more than {MAX_DEPTH} levels of brackets)"
        )
    if not source:
        raise CheckInputError(
            "empty loss line; give the KL term as written in the code, "
            "e.g. '-0.5 * sum(1 + logvar - mu**2 - exp(logvar))'"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        reason = (error.msg or "invalid syntax").splitlines()[0]
        raise CheckInputError(f"cannot read {_show(source)}: {reason}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckInputError(f"cannot read {_show(source)}: {reason}") from None
    if _depth(tree) > MAX_DEPTH:
        raise CheckInputError(f"the loss line is nested too deeply (more than {MAX_DEPTH} levels)")
    result = _Converter().convert(tree.body)
    if _power_degree(result) > MAX_DEGREE:
        raise CheckInputError(
            f"the powers in the loss line are nested too high (degree above {MAX_DEGREE})"
        )
    return result


class _Converter:
    """Turn whitelisted :mod:`ast` nodes into :class:`Node` trees (depth already checked)."""

    def convert(self, node: ast.AST) -> Node:
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
            if _dunder(node.attr):
                raise CheckInputError(f"dunder attribute {node.attr!r} is not allowed")
            raise CheckInputError(
                f"attribute {_show(_unparse(node))} is not allowed; "
                "only calls such as mu.pow(2) or x.sum(dim=1) may use a dot"
            )
        raise CheckInputError(f"{_describe(node)} {_show(_unparse(node))} is not allowed")

    def _literal(self, node: ast.Constant) -> tuple[Node, Number | None]:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckInputError(f"{_show(_unparse(node))} is not a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise CheckInputError(f"{value!r} is not a finite number")
        if abs(value) > MAX_LITERAL:
            raise CheckInputError(
                f"the number {_show(_unparse(node))} is too large (at most {MAX_LITERAL:g})"
            )
        text = repr(value)
        exact = Fraction(text) if isinstance(value, float) else Fraction(value)
        return Const(exact, text), _check_constant(exact, node)

    def _name(self, name: str) -> Node:
        if _dunder(name):
            raise CheckInputError(f"dunder name {name!r} is not allowed")
        if name in UNARY or name in BINARY_CALLS or name in REDUCTIONS:
            raise CheckInputError(f"{name!r} is a function; call it, e.g. {name}(x)")
        if name in _MODULE_ROOTS:
            raise CheckInputError(f"the module {name!r} can only be used to call a function")
        return Var(name)

    def _binop(
        self, op: str, left_node: ast.AST, right_node: ast.AST, whole: ast.AST
    ) -> tuple[Node, Number | None]:
        left, a = self._expr(left_node)
        right, b = self._expr(right_node)
        if op == "**" and b is not None and abs(b) > MAX_EXPONENT:
            raise CheckInputError(
                f"the exponent in {_show(_unparse(whole))} is too large (at most {MAX_EXPONENT})"
            )
        value = None if a is None or b is None else _fold(op, a, b, whole)
        return BinOp(op, left, right), value

    # ------------------------------------------------------------------ calls

    def _call(self, node: ast.Call) -> tuple[Node, Number | None]:
        func = node.func
        receiver: ast.AST | None = None
        if isinstance(func, ast.Name):
            name, shown = func.id, func.id
        elif isinstance(func, ast.Attribute):
            if _dunder(func.attr):
                raise CheckInputError(f"dunder attribute {func.attr!r} is not allowed")
            dotted = _dotted(func)
            shown = dotted or _unparse(func)
            if dotted is not None and dotted.split(".")[0] in _MODULE_ROOTS:
                prefix, _, name = dotted.rpartition(".")
                if prefix not in MODULES:
                    raise CheckInputError(
                        f"call to {_show(dotted)} is not allowed; module prefixes are "
                        f"{', '.join(p + '.' for p in MODULES)}"
                    )
            else:
                name, receiver = func.attr, func.value
        else:
            raise CheckInputError(f"call of {_show(_unparse(func))} is not allowed")
        if _dunder(name):
            raise CheckInputError(f"dunder name {name!r} is not allowed")
        if name not in UNARY and name not in BINARY_CALLS and name not in REDUCTIONS:
            allowed = ", ".join([*UNARY, "pow", "sum", "mean"])
            raise CheckInputError(
                f"call to {_show(shown)} is not allowed; the functions a loss line may call "
                f"are {allowed} (and their numpy/torch/tf spellings)"
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise CheckInputError(f"*arguments are not allowed in {_show(_unparse(node))}")
        operands: list[ast.AST] = ([receiver] if receiver is not None else []) + list(node.args)
        if name in REDUCTIONS:
            return self._reduction(REDUCTIONS[name], operands, node)
        if node.keywords:
            keyword = node.keywords[0].arg
            shown_kw = f"{keyword}=" if keyword else "**"
            raise CheckInputError(f"keyword argument {shown_kw} is not allowed in {name}()")
        if name in UNARY:
            if len(operands) != 1:
                raise CheckInputError(f"{name}() takes one argument in {_show(_unparse(node))}")
            arg, value = self._expr(operands[0])
            folded = None if value is None else _fold_func(UNARY[name], value, node)
            return Func(UNARY[name], arg), folded
        if len(operands) != 2:
            raise CheckInputError(f"{name}() takes two arguments in {_show(_unparse(node))}")
        return self._binop(BINARY_CALLS[name], operands[0], operands[1], node)

    def _reduction(
        self, kind: str, operands: list[ast.AST], node: ast.Call
    ) -> tuple[Node, Number | None]:
        if not operands:
            raise CheckInputError(f"{kind}() needs an argument in {_show(_unparse(node))}")
        if len(operands) > 2:
            raise CheckInputError(f"too many arguments to {kind}() in {_show(_unparse(node))}")
        axes: tuple[int, ...] | None = None
        given = False
        if len(operands) == 2:
            axes, given = _axes(operands[1]), True
        for keyword in node.keywords:
            if keyword.arg in AXIS_KEYWORDS:
                if given:
                    raise CheckInputError(f"the axis of {kind}() is given twice")
                axes, given = _axes(keyword.value), True
            elif keyword.arg in KEEPDIM_KEYWORDS:
                if not (
                    isinstance(keyword.value, ast.Constant) and type(keyword.value.value) is bool
                ):
                    raise CheckInputError(f"{keyword.arg}= must be True or False")
            else:
                shown = f"{keyword.arg}=" if keyword.arg else "**"
                allowed = ", ".join(f"{k}=" for k in (*AXIS_KEYWORDS, *KEEPDIM_KEYWORDS))
                raise CheckInputError(
                    f"keyword argument {shown} is not allowed in {kind}(); use {allowed}"
                )
        arg, value = self._expr(operands[0])
        return Reduce(kind, arg, axes), value


def _dotted(node: ast.AST) -> str | None:
    """``torch.sum`` for an attribute chain that starts at a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _axes(node: ast.AST) -> tuple[int, ...] | None:
    """The axis argument of a reduction: an int, a tuple of ints, or None."""
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    axes: list[int] = []
    for item in items:
        sign = 1
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
            sign, item = -1, item.operand
        if not (
            isinstance(item, ast.Constant)
            and type(item.value) is int
            and 0 <= item.value <= 8
            and len(items) <= 8
        ):
            raise CheckInputError(
                "the axis must be a small integer (or a tuple of them), "
                f"not {_show(_unparse(node))}"
            )
        axes.append(sign * item.value)
    return tuple(axes)


def _check_constant(value: Number, node: ast.AST) -> Number:
    """Refuse a constant that is huge, or an exact one with an absurdly long fraction."""
    if isinstance(value, Fraction):
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
            raise CheckInputError(
                f"the constant {_show(_unparse(node))} has too many digits (at most "
                f"{MAX_BITS} bits)"
            )
    elif not math.isfinite(value):
        raise CheckInputError(f"the constant {_show(_unparse(node))} is too large")
    if abs(value) > MAX_LITERAL:
        raise CheckInputError(
            f"the constant {_show(_unparse(node))} is too large (at most {MAX_LITERAL:g})"
        )
    return value


def _fold(op: str, a: Number, b: Number, node: ast.AST) -> Number:
    """The value of a constant binary operation, exact while it stays rational.

    Huge, undefined or absurdly precise results are refused, so that SymPy never has to
    compute with them (``((1e-300**16)**16)**16`` would have millions of digits).
    """
    value: Number | complex
    try:
        if op == "+":
            value = a + b
        elif op == "-":
            value = a - b
        elif op == "*":
            value = a * b
        elif op == "/":
            value = a / b
        elif isinstance(a, Fraction) and isinstance(b, Fraction) and b.denominator == 1:
            value = a ** int(b)
        else:
            value = float(a) ** float(b)
    except ZeroDivisionError:
        raise CheckInputError(f"division by zero in {_show(_unparse(node))}") from None
    except OverflowError:
        raise CheckInputError(f"the constant {_show(_unparse(node))} is too large") from None
    if isinstance(value, complex):
        raise CheckInputError(f"the constant {_show(_unparse(node))} is not a real number")
    return _check_constant(value, node)


def _fold_func(name: str, value: Number, node: ast.AST) -> Number:
    """The value of an elementwise function of a constant, refusing undefined results."""
    try:
        if name == "square":
            result: Number = value * value
        elif name == "abs":
            result = abs(value)
        elif name == "neg":
            result = -value
        elif name == "exp":
            result = math.exp(value)
        elif name == "log":
            result = math.log(value)
        else:
            result = math.sqrt(value)
    except (ValueError, OverflowError):
        raise CheckInputError(f"{_show(_unparse(node))} is not a finite real number") from None
    return _check_constant(result, node)


def _constant(node: Node) -> float | None:
    """The value of a constant subtree (already checked to be finite and moderate)."""
    try:
        if isinstance(node, Const):
            return float(node.value)
        if isinstance(node, Neg):
            value = _constant(node.operand)
            return None if value is None else -value
        if isinstance(node, BinOp):
            a, b = _constant(node.left), _constant(node.right)
            if a is None or b is None:
                return None
            folded = {"+": a + b, "-": a - b, "*": a * b}.get(node.op)
            if folded is None:
                folded = a / b if node.op == "/" else a**b
            return None if isinstance(folded, complex) else float(folded)
        if isinstance(node, Func):
            value = _constant(node.arg)
            if value is None:
                return None
            return float(_fold_func(node.name, value, ast.Constant(value)))
    except (ArithmeticError, ValueError, CheckInputError):
        return None
    return None


def _power_degree(node: Node) -> float:
    """The largest product of constant exponents along a path: ``(mu**4)**8`` has 32."""
    if isinstance(node, BinOp):
        left, right = _power_degree(node.left), _power_degree(node.right)
        exponent = _constant(node.right) if node.op == "**" else None
        if exponent is not None:
            return max(1.0, abs(exponent)) * left
        return max(left, right)
    if isinstance(node, Func):
        return (2.0 if node.name == "square" else 1.0) * _power_degree(node.arg)
    if isinstance(node, Neg):
        return _power_degree(node.operand)
    if isinstance(node, Reduce):
        return _power_degree(node.arg)
    return 1.0


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.Subscript: "indexing",
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


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children, left before right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Neg):
            stack.append(current.operand)
        elif isinstance(current, BinOp):
            stack.extend((current.right, current.left))
        elif isinstance(current, (Func, Reduce)):
            stack.append(current.arg)


def variables(node: Node) -> list[str]:
    """The variable names used in a tree, in order of first appearance."""
    seen: dict[str, None] = {}
    for current in walk(node):
        if isinstance(current, Var):
            seen.setdefault(current.name, None)
    return list(seen)
