"""Parsed spec nodes as SymPy: names as symbols with their domain's assumptions,
numbers checked against the limits, ``exp``, ``log`` and ``sqrt``."""

from __future__ import annotations

import math

from sympy import (
    Expr,
    Integer,
    Rational,
    Symbol,
    exp,
    log,
    pi,
    sqrt,
)

from ..errors import SpecError
from ..spec import MAX_EXPONENT, Node
from .checks import MAX_DIGITS, check_number

_FUNCTIONS = {"exp": exp, "log": log, "sqrt": sqrt}


def names_in(node: Node) -> set[str]:
    if node.kind == "name":
        return {node.value}
    return set().union(*(names_in(a) for a in node.args)) if node.args else set()


def symbol_for(name: str, domain: str) -> Symbol:
    if domain == "count":
        return Symbol(name, integer=True, positive=True)
    if domain in ("positive", "unit"):
        return Symbol(name, positive=True)
    return Symbol(name, real=True)


def to_sympy(node: Node, domains: dict[str, str]) -> Expr:
    if node.kind == "num":
        return (
            Rational(node.value)
            if "." in node.value or "e" in node.value.lower()
            else Integer(node.value)
        )
    if node.kind == "name":
        return symbol_for(node.value, domains.get(node.value, "real"))
    if node.kind == "const":
        return pi
    if node.kind == "list":
        raise SpecError(f"a list {node} is not allowed here; this parameter is a number")
    args = [to_sympy(a, domains) for a in node.args]
    if node.kind == "neg":
        return -args[0]
    if node.kind == "call":
        value = _FUNCTIONS[node.value](args[0])
        if value.is_number:  # before anything asks SymPy about it (exp(exp(exp(100))))
            check_number(value)
        return value
    left, right = args
    if node.value == "+":
        return left + right
    if node.value == "-":
        return left - right
    if node.value == "*":
        return left * right
    if node.value == "/":
        if right == 0:
            raise SpecError("division by zero in a parameter")
        return left / right
    if right.is_Number and abs(right) > MAX_EXPONENT:
        raise SpecError(f"exponent {right} is too large (at most {MAX_EXPONENT})")
    if left.is_Number and right.is_Number and left != 0:
        digits = abs(float(right)) * abs(math.log10(abs(float(left)))) if abs(left) < 1e300 else 1e9
        if digits > MAX_DIGITS:
            raise SpecError(f"the number {left}**{right} is too large")
    if left == 0 and right.is_Number and right.is_negative:
        raise SpecError("division by zero in a parameter")
    return left**right


def number_argument(family, name, node, domains, spec) -> Expr:
    value = to_sympy(node, domains)
    if not value.is_number or value not in (0, 1):
        raise SpecError(
            f"the {name} of {family.name} must be a name, a list, or 0 / 1 (the standard one); "
            f"got {node} in {spec.text!r}"
        )
    return value
