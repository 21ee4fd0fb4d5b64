"""The limits on what ``kl-derive check`` reads, and exact folding of constants.

Every limit is a count, never a time, so the same input gets the same answer on any
machine. Constants are folded exactly while they stay rational; huge, undefined or
absurdly precise ones are refused, so that SymPy never computes with them
(``((1e-300**16)**16)**16`` would have millions of digits).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .errors import CheckInputError
from .tree import BinOp, Const, Func, Guard, Neg, Node, Reduce

__all__ = [
    "MAX_BITS",
    "MAX_DEGREE",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_LITERAL",
    "MAX_NODES",
    "MAX_STATEMENTS",
    "Number",
    "check_constant",
    "constant_value",
    "fold",
    "fold_func",
    "power_degree",
    "show",
]

#: Longest accepted loss line or statement, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of expression nodes in one statement.
MAX_DEPTH = 30
#: Largest number of nodes of an expression once earlier lines of a block are substituted.
MAX_NODES = 3000
#: Most statements read from one pasted block.
MAX_STATEMENTS = 200
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

_SHOW = 60


def show(text: str) -> str:
    """Text quoted for a message, on one line and at most 60 characters."""
    text = " ".join(text.split())
    return repr(text if len(text) <= _SHOW else text[: _SHOW - 3] + "...")


def check_constant(value: Number, shown: str) -> Number:
    """Refuse a constant that is huge, or an exact one with an absurdly long fraction."""
    if isinstance(value, Fraction):
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
            raise CheckInputError(
                f"the constant {show(shown)} has too many digits (at most {MAX_BITS} bits)"
            )
    elif not math.isfinite(value):
        raise CheckInputError(f"the constant {show(shown)} is too large")
    if abs(value) > MAX_LITERAL:
        raise CheckInputError(f"the constant {show(shown)} is too large (at most {MAX_LITERAL:g})")
    return value


def fold(op: str, a: Number, b: Number, shown: str) -> Number:
    """The value of a constant binary operation, exact while it stays rational."""
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
        raise CheckInputError(f"division by zero in {show(shown)}") from None
    except OverflowError:
        raise CheckInputError(f"the constant {show(shown)} is too large") from None
    if isinstance(value, complex):
        raise CheckInputError(f"the constant {show(shown)} is not a real number")
    return check_constant(value, shown)


def fold_func(name: str, value: Number, shown: str) -> Number:
    """The value of an elementwise function of a constant, refusing undefined results."""
    try:
        if name == "square":
            result: Number = value * value
        elif name == "abs":
            result = abs(value)
        elif name == "neg":
            result = -value
        elif name == "reciprocal":
            result = 1 / value
        elif name == "exp":
            result = math.exp(value)
        elif name == "expm1":
            result = math.expm1(value)
        elif name == "log":
            result = math.log(value)
        elif name == "log1p":
            result = math.log1p(value)
        elif name == "sigmoid":
            result = 1 / (1 + math.exp(-value))
        else:
            result = math.sqrt(value)
    except (ValueError, OverflowError, ZeroDivisionError):
        raise CheckInputError(f"{show(shown)} is not a finite real number") from None
    return check_constant(result, shown)


def constant_value(node: Node) -> float | None:
    """The value of a constant subtree (already checked to be finite and moderate)."""
    try:
        if isinstance(node, Const):
            return float(node.value)
        if isinstance(node, Neg):
            value = constant_value(node.operand)
            return None if value is None else -value
        if isinstance(node, BinOp):
            a, b = constant_value(node.left), constant_value(node.right)
            if a is None or b is None:
                return None
            folded = {"+": a + b, "-": a - b, "*": a * b}.get(node.op)
            if folded is None:
                folded = a / b if node.op == "/" else a**b
            return None if isinstance(folded, complex) else float(folded)
        if isinstance(node, Func):
            value = constant_value(node.arg)
            if value is None:
                return None
            return float(fold_func(node.name, value, node.name))
    except (ArithmeticError, ValueError, CheckInputError):
        return None
    return None


def power_degree(node: Node) -> float:
    """The largest product of constant exponents along a path: ``(mu**4)**8`` has 32."""
    if isinstance(node, BinOp):
        left, right = power_degree(node.left), power_degree(node.right)
        exponent = constant_value(node.right) if node.op == "**" else None
        if exponent is not None:
            return max(1.0, abs(exponent)) * left
        return max(left, right)
    if isinstance(node, Func):
        return (2.0 if node.name == "square" else 1.0) * power_degree(node.arg)
    if isinstance(node, Neg):
        return power_degree(node.operand)
    if isinstance(node, (Reduce, Guard)):
        return power_degree(node.arg)
    return 1.0
