"""Pseudo-random parameter values that satisfy a step's conditions, and points of a
law's support (fixed seeds: the same values on every machine)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from sympy import (
    Expr,
    GreaterThan,
    Integer,
    LessThan,
    Rational,
    S,
    StrictLessThan,
    Symbol,
)
from sympy.core.relational import Relational

from ..context import Context, DensityFacts


def sample_parameters(
    symbols: Iterable[Symbol],
    conditions: Iterable[Expr],
    rng: random.Random,
    wide: bool = False,
) -> dict | None:
    """Pseudo-random values for ``symbols`` satisfying every condition (``None`` if none
    was found in a few hundred tries); ``wide``: over the wider ranges from the start."""
    conditions = list(conditions)
    symbols = sorted(set(symbols).union(*(c.free_symbols for c in conditions)), key=str)
    # a probability (a condition p < 1 on a positive p) is drawn in (0, 1) itself
    unit = {c.lhs for c in conditions if isinstance(c, StrictLessThan) and c.rhs == 1}
    for attempt in range(600):
        # a condition such as alpha > 2 needs wider ranges
        widen = wide or attempt >= 200
        values = {
            s: Rational(rng.randint(5, 95), 100) if s in unit else _sample(s, rng, widen)
            for s in symbols
        }
        for _ in range(4):  # move a symbol to the right side of a relation it breaks
            broken = [c for c in conditions if not bool(c.xreplace(values))]
            if not broken:
                break
            for relation in broken:
                _repair(relation, values, rng)
        if all(bool(c.xreplace(values)) for c in conditions) and not _on_edge(conditions, values):
            return values
    return None


def _on_edge(conditions: list[Expr], values: dict) -> bool:
    """Whether the values sit exactly on the edge of a weak condition on real parameters
    (``a_1 >= 0`` with ``a_1 = 0``): a closed form may there be a limit (``a log a``)
    that cannot be evaluated, and an identity is checked at generic points."""
    for condition in conditions:
        if not isinstance(condition, (LessThan, GreaterThan)) or condition.is_Equality:
            continue
        if any(s.is_integer for s in condition.free_symbols):
            continue
        if (condition.lhs - condition.rhs).xreplace(values) == 0:
            return True
    return False


def in_support(value: Expr | None, facts: DensityFacts, values: dict) -> bool:
    """Whether a value already drawn for the variable lies in this law's support."""
    if value is None:
        return False
    lower, upper = (S(b).xreplace(values) for b in facts.support)
    return bool(lower <= value) and bool(value <= upper)


def _repair(relation: Expr, values: dict, rng: random.Random) -> None:
    """For ``x < s`` (or ``s > x``...) broken by the sample, put the symbol ``s`` a
    little beyond ``x`` (chains such as ``x_m <= a < b`` are then found at once)."""
    if not isinstance(relation, Relational):
        return
    if relation.is_Equality:  # a case of equal parameters: the symbol takes the other's value
        for one, other in ((relation.rhs, relation.lhs), (relation.lhs, relation.rhs)):
            value = S(other).xreplace(values)
            if isinstance(one, Symbol) and value.is_number:
                values[one] = value
                return
        return
    small, large = (
        (relation.lhs, relation.rhs)
        if isinstance(relation, (StrictLessThan, LessThan))
        else (relation.rhs, relation.lhs)
    )
    gap = Rational(rng.randint(50, 200), 100)
    if isinstance(large, Symbol) and not large.is_integer:
        value = small.xreplace(values) + gap
        if value.is_number and (not large.is_positive or value > 0):
            values[large] = value
    elif isinstance(small, Symbol) and not small.is_integer:
        value = large.xreplace(values) - gap
        if value.is_number and (not small.is_positive or value > 0):
            values[small] = value
    else:  # a relation linear in one symbol (2 l <= 1): the symbol beyond its root
        _repair_linear(large - small, values, gap, rng)


def _repair_linear(difference: Expr, values: dict, gap: Rational, rng: random.Random) -> None:
    """For ``difference > 0`` (or ``>= 0``) linear in its one (real, not integer) symbol
    ``s``, put ``s`` beyond the root on the side where the difference is positive: a gap
    past it, or a fraction of the way to 0 for a positive ``s`` when the gap overshoots."""
    if len(difference.free_symbols) != 1:
        return
    (symbol,) = difference.free_symbols
    if symbol.is_integer or not symbol.is_real:
        return
    slope = difference.diff(symbol)
    if not slope.is_number and symbol.is_positive:  # sigma**2 < 4004: through the power
        _repair_power(difference, symbol, values, gap, rng)
        return
    if not slope.is_number or slope == 0:
        return
    root = -difference.xreplace({symbol: 0}) / slope
    if not root.is_number:
        return
    value = root + gap if slope > 0 else root - gap
    if symbol.is_positive and not value > 0:
        if not root > 0:
            return
        value = root * Rational(rng.randint(10, 90), 100)
    values[symbol] = value


def _repair_power(
    difference: Expr, symbol: Symbol, values: dict, gap: Rational, rng: random.Random
) -> None:
    """For ``difference = a s**e + b > 0`` (numbers a, b, e; a positive symbol ``s``), put
    ``s`` beyond the root ``(-b/a)**(1/e)`` on the side where the difference is positive,
    at a rational point (a condition such as ``sigma**2 >= 4004`` when every draw is
    small)."""
    constant, term = difference.as_independent(symbol, as_Add=True)
    coefficient, power = term.as_independent(symbol, as_Add=False)
    if not (power.is_Pow and power.base == symbol and power.exp.is_number):
        return
    if not (constant.is_number and coefficient.is_number and coefficient != 0):
        return
    ratio = -constant / coefficient
    if not ratio > 0:
        return
    root = float(ratio ** (1 / power.exp))
    if not 0 < root < 1e12:
        return
    grid = Rational(int(root * 100), 100)  # the root, rounded down to a hundredth
    if (coefficient * power.exp).is_positive:
        value = grid + Rational(1, 100) + gap * Rational(max(1, int(root)), 1) / 10
    else:
        value = grid * Rational(rng.randint(10, 90), 100)
    if value > 0:
        values[symbol] = value


def sample_in_support(facts: DensityFacts, values: dict, rng: random.Random) -> Expr:
    lower, upper = (S(b).xreplace(values) for b in facts.support)
    if facts.discrete:
        top = int(upper) if upper.is_finite else int(lower) + 6
        return S(rng.randint(int(lower), top))
    if lower.is_finite and upper.is_finite:
        return lower + (upper - lower) * Rational(rng.randint(5, 95), 100)
    if lower.is_finite:
        return lower + Rational(rng.randint(5, 300), 100)
    if upper.is_finite:
        return upper - Rational(rng.randint(5, 300), 100)
    return Rational(rng.randint(-300, 300), 100)


def is_count_vector(facts: DensityFacts) -> bool:
    """A mass function on count vectors (a multinomial law): discrete, several variables."""
    return facts.discrete and isinstance(facts.variable, tuple)


def sample_counts(facts: DensityFacts, values: dict, rng: random.Random) -> dict:
    """Counts ``k_1, ..., k_K`` (nonnegative, summing to the support's upper end)."""
    left = int(S(facts.support[1]).xreplace(values))
    out = {}
    *free, last = facts.variable
    for variable in free:
        out[variable] = S(rng.randint(0, left))
        left -= int(out[variable])
    out[last] = S(left)
    return out


def bound_variables(context: Context) -> set[Symbol]:
    bound: set[Symbol] = set()
    for facts in context.densities.values():
        v = facts.variable
        bound.update(v if isinstance(v, tuple) else (v,))
    return bound


def _sample(symbol: Symbol, rng: random.Random, wide: bool = False) -> Rational:
    if symbol.is_integer and symbol.is_positive:
        return Integer(rng.randint(1, 6))
    if symbol.is_positive:
        return Rational(rng.randint(50, 600 if wide else 200), 100)
    return Rational(rng.randint(-150, 150), 100)
