"""Quantities known to be positive, for expanding logarithms in the normal form."""

from __future__ import annotations

from sympy import (
    Dummy,
    Expr,
    S,
    StrictLessThan,
    Symbol,
    besseli,
    beta,
)

from ..context import Context


def positive_quantities(e: Expr, context: Context) -> tuple[dict, dict]:
    """Positive quantities in ``e`` that SymPy does not know to be positive, each mapped
    to a positive symbol (and the map back), so that the logarithms of their products
    expand (``log(z / (1 - z)) = log z - log(1 - z)``):

    * the distance ``U - z`` (``z - L``) of a variable to a finite end of its support,
      for a variable all of whose continuous densities share one support (every
      identity about it is then stated inside that support);
    * ``b - a`` for a stated condition ``a < b``;
    * ``B(a, b)`` with ``a, b > 0``, ``I_0(x)`` with a real ``x``, ``I_nu(x)`` with
      ``nu, x > 0``.
    """
    forward: dict[Expr, Expr] = {}
    back: dict[Expr, Expr] = {}

    def positive(quantity: Expr, name: str) -> None:
        if quantity in forward:
            return
        symbol = Dummy(name, positive=True)
        forward.update({quantity: symbol, -quantity: -symbol})
        back[symbol] = quantity

    supports: dict[Symbol, set[tuple[Expr, Expr]]] = {}
    for facts in context.densities.values():
        if isinstance(facts.variable, Symbol):
            support = (S(facts.support[0]), S(facts.support[1]))
            supports.setdefault(facts.variable, set()).add(
                support if not facts.discrete else (S.NaN, S.NaN)
            )
    free = e.free_symbols
    for variable, ends in supports.items():
        if len(ends) != 1 or variable not in free:
            continue
        ((lower, upper),) = ends
        if upper.is_finite:
            positive(upper - variable, f"{variable}_upper")
        if lower.is_finite and lower != 0:
            positive(variable - lower, f"{variable}_lower")
    for condition in context.conditions:
        if isinstance(condition, StrictLessThan) and (condition.rhs - condition.lhs).is_Add:
            positive(condition.rhs - condition.lhs, "gap")
    for atom in e.atoms(beta, besseli):
        if all(a.is_positive for a in atom.args) or (
            isinstance(atom, besseli) and atom.args[0] == 0 and atom.args[1].is_real
        ):
            positive(atom, "positive")
    return forward, back
