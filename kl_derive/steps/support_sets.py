"""Supports as conditions: where a density is positive, and which stated conditions imply
a relation. Shared by the verifier's normal form (:mod:`.verify`), the support rules
(:mod:`.support`) and the strategies' law model, below all of them.
"""

from __future__ import annotations

from sympy import And, Expr, Piecewise, S, Symbol
from sympy.core.relational import Relational

__all__ = ["implied", "support_condition", "with_support"]


def support_condition(variable: Symbol, support: tuple[Expr, Expr], discrete: bool = False) -> Expr:
    """``lower < variable < upper`` for the finite ends of a support (``<=`` for the values
    of a mass function); ``True`` when the variable's own assumptions already say so (a
    positive ``z`` on the half-line, a count ``k`` from 0)."""
    lower, upper = (S(b) for b in support)
    bounds = []
    if lower.is_finite:
        bounds.append(variable >= lower if discrete else variable > lower)
    if upper.is_finite:
        bounds.append(variable <= upper if discrete else variable < upper)
    return And(*bounds)


def with_support(
    value: Expr, variable: Symbol, support: tuple[Expr, Expr], discrete: bool = False
) -> Expr:
    """``{value if variable in support; 0 otherwise}``: a density with the set it lives
    on (``value`` itself when that set is the variable's whole range)."""
    condition = support_condition(variable, support, discrete)
    if condition is S.true or condition == S.true:
        return value
    return Piecewise((value, condition), (S.Zero, True))


def implied(relation: Expr, conditions: tuple[Expr, ...] | list[Expr]) -> bool:
    """Whether ``relation`` is one of ``conditions`` (or ``True``), up to the way it is
    written (``a_2 <= a_1`` is ``a_1 >= a_2``), a strict condition implying its weak
    form."""
    if relation is S.true or relation == S.true:
        return True
    if not isinstance(relation, Relational):
        return any(relation == c for c in conditions)
    wanted = relation.canonical
    for condition in conditions:
        if not isinstance(condition, Relational):
            continue
        known = condition.canonical
        if known == wanted:
            return True
        weak = getattr(known, "weak", None)
        if weak is not None and weak.canonical == wanted:
            return True
    return False
