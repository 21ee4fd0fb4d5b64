"""Conditions as a textbook writes them: ``a <= z <= b`` rather than ``z >= a and z <= b``."""

from __future__ import annotations

from sympy import And, Expr, GreaterThan, LessThan, StrictGreaterThan, StrictLessThan

__all__ = ["ENGLISH", "around", "as_bounds", "as_chain"]

#: the words inside formulas, in English; a message catalog's ``[math]`` table gives them
#: in its language (a condition after a formula, the rows of cases, "and")
ENGLISH: dict[str, str] = {
    "condition": "if {condition}",
    "cases": "for {condition}",
    "otherwise": "otherwise",
    "case_text": "{value} if {condition}",
    "otherwise_text": "{value} otherwise",
    "and": " and ",
    "or": " or ",
}


def around(template: str) -> tuple[str, str]:
    """The words before and after ``{condition}`` in a template (``"if "``, ``""``)."""
    before, _, after = template.partition("{condition}")
    return before, after


_SMALLER = {LessThan: "<=", StrictLessThan: "<"}
_LARGER = {GreaterThan: "<=", StrictGreaterThan: "<"}


def as_bounds(condition: Expr) -> tuple[Expr, str, Expr, str, Expr] | None:
    """``(a, op, z, op, b)`` when ``condition`` is ``a op z and z op b`` (``op`` is
    ``"<="`` or ``"<"``), in whatever order and direction the two relations are written;
    ``None`` otherwise."""
    if not isinstance(condition, And) or len(condition.args) != 2:
        return None
    below: dict[Expr, tuple[Expr, str]] = {}  # variable -> (lower end, op)
    above: dict[Expr, tuple[Expr, str]] = {}
    for relation in condition.args:
        kind = type(relation)
        if kind in _SMALLER:  # lhs <= rhs
            small, large, op = relation.lhs, relation.rhs, _SMALLER[kind]
        elif kind in _LARGER:  # lhs >= rhs
            small, large, op = relation.rhs, relation.lhs, _LARGER[kind]
        else:
            return None
        for variable, end, side in ((large, small, below), (small, large, above)):
            if variable.is_Symbol and not end.has(variable):
                side.setdefault(variable, (end, op))
    for variable, (lower, low_op) in below.items():
        if variable in above and above[variable][0] != lower:
            upper, high_op = above[variable]
            return lower, low_op, variable, high_op, upper
    return None


def as_chain(condition: Expr) -> list[Expr | str] | None:
    """``[x_0, op, x_1, op, ..., x_n]`` when ``condition`` is ``x_0 op x_1 and x_1 op x_2
    and ...`` (three relations or more, each ``"<="`` or ``"<"``, in any order and
    direction), to be read as one chain ``a < c < b < d``; ``None`` otherwise."""
    if not isinstance(condition, And) or len(condition.args) < 3:
        return None
    after: dict[Expr, tuple[str, Expr]] = {}
    for relation in condition.args:
        kind = type(relation)
        if kind in _SMALLER:
            small, large, op = relation.lhs, relation.rhs, _SMALLER[kind]
        elif kind in _LARGER:
            small, large, op = relation.rhs, relation.lhs, _LARGER[kind]
        else:
            return None
        if small in after:
            return None
        after[small] = (op, large)
    larger = {large for _, large in after.values()}
    starts = [small for small in after if small not in larger]
    if len(starts) != 1:
        return None
    chain: list[Expr | str] = [starts[0]]
    while chain[-1] in after:
        op, large = after[chain[-1]]
        chain += [op, large]
    return chain if len(chain) == 2 * len(condition.args) + 1 else None
