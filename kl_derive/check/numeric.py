"""Evaluating expressions at points, without letting SymPy evaluate anything.

Equalities are refuted numerically before SymPy is asked to prove them, and incorrect
lines get a counterexample; both need the value of an expression at a point. Substituting
numbers into an expression (``xreplace``) lets SymPy's automatic evaluation run, which for
an expression such as ``Abs(logvar**mu + (-1)**logvar)**2`` does not finish; :func:`value`
reads the tree itself, in machine floats first (an expression such as
``exp(exp(exp(exp(exp(mu)))))`` has no float value) and then to 30 digits.

The points are always the same (a fixed seed), so a check gives the same answer on any
machine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

import mpmath
import sympy as sp

from .targets import BATCH, INDEX, D, Target

__all__ = [
    "DIGITS",
    "POINTS",
    "SEED",
    "Env",
    "close",
    "coordinate_points",
    "evaluate_display",
    "value",
    "vectors",
]

DIGITS = 30
TOLERANCE = 1e-12
POINTS = 6
SEED = 20240601

#: Values of the free symbols: ``Symbol -> number`` and ``(IndexedBase, k) -> number``.
Env = dict[Any, Any]

#: The first counterexample tried for a coordinate, by its canonical symbol's name.
FIXED = {
    "mu": (sp.Rational(1, 2), sp.Integer(-1), sp.Rational(1, 5)),
    "logvar": (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(1, 2)),
    "sigma": (sp.Rational(4, 5), sp.Rational(3, 2), sp.Rational(6, 5)),
    "var": (sp.Rational(3, 5), sp.Integer(2), sp.Rational(6, 5)),
    "logsigma": (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(1, 4)),
    "q": (sp.Rational(7, 10), sp.Rational(1, 5), sp.Rational(1, 2)),
    "p": (sp.Rational(2, 5), sp.Rational(1, 2), sp.Rational(3, 10)),
    "logp": (sp.Rational(-1, 2), sp.Integer(-2), sp.Rational(-1, 10)),
    "ref_logp": (sp.Rational(-6, 5), sp.Rational(-3, 2), sp.Rational(-7, 10)),
}
#: The prior's side of a pair of Gaussians is shifted so that it differs from the encoder's.
FIXED_PRIOR = {
    "mu": (sp.Rational(-1, 5), sp.Rational(3, 10), sp.Integer(1)),
    "logvar": (sp.Rational(-2, 5), sp.Rational(1, 2), sp.Rational(1, 10)),
    "sigma": (sp.Rational(6, 5), sp.Rational(7, 10), sp.Rational(9, 10)),
    "var": (sp.Rational(3, 2), sp.Rational(4, 5), sp.Rational(9, 10)),
    "logsigma": (sp.Rational(-1, 5), sp.Rational(2, 5), sp.Rational(1, 10)),
}


class Undefined(Exception):
    """The expression has no finite real value at the point."""


def _as(number: Any, precise: bool) -> Any:
    return mpmath.mpf(number) if precise else float(number)


def _walk(expr: sp.Basic, env: Env, precise: bool) -> Any:
    """The value of ``expr`` at ``env``, in machine floats or in 30-digit mpmath numbers."""
    if expr.is_Symbol:
        if expr not in env:
            raise Undefined
        return _as(env[expr], precise)
    if expr.is_Number or expr.is_NumberSymbol:
        if expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            return mpmath.mpf(p) / q if precise else p / q
        if not expr.is_finite or not expr.is_real:
            raise Undefined
        return mpmath.mpf(str(sp.N(expr, DIGITS))) if precise else float(expr)
    if isinstance(expr, sp.Indexed):
        key = (expr.base, int(_walk(expr.indices[0], env, False)))
        if key not in env:
            raise Undefined
        return _as(env[key], precise)
    if isinstance(expr, sp.Sum):
        index, low, high = expr.limits[0]
        first, last = int(_walk(low, env, False)), int(_walk(high, env, False))
        total = mpmath.mpf(0) if precise else 0.0
        for k in range(first, last + 1):
            total += _walk(expr.function, {**env, index: k}, precise)
        return total
    values = [_walk(arg, env, precise) for arg in expr.args]
    return _apply(expr, values, precise)


def _apply(expr: sp.Basic, values: list[Any], precise: bool) -> Any:
    if isinstance(expr, sp.Add):
        result = mpmath.fsum(values) if precise else math.fsum(values)
    elif isinstance(expr, sp.Mul):
        result = values[0]
        for number in values[1:]:
            result *= number
    elif isinstance(expr, sp.Pow):
        base, exponent = values
        if base == 0 and exponent < 0:
            raise Undefined
        result = base**exponent
    elif isinstance(expr, sp.exp):
        result = mpmath.exp(values[0]) if precise else math.exp(values[0])
    elif isinstance(expr, sp.log):
        if values[0] <= 0:
            raise Undefined
        result = mpmath.log(values[0]) if precise else math.log(values[0])
    elif isinstance(expr, sp.Abs):
        result = abs(values[0])
    else:
        raise Undefined
    if isinstance(result, (complex, mpmath.mpc)):
        raise Undefined
    if not precise and not math.isfinite(result):
        raise Undefined
    return result


def value(expr: sp.Basic, env: Env) -> float | None:
    """The real value of ``expr`` at ``env`` (30 significant digits), or None if undefined."""
    try:
        with mpmath.workdps(DIGITS):
            _walk(expr, env, False)
            result = float(_walk(expr, env, True))
    except (Undefined, ValueError, OverflowError, ZeroDivisionError, TypeError):
        return None
    return result if math.isfinite(result) else None


def close(a: float, b: float) -> bool:
    """Equal up to 1e-12, relative to the larger of 1 and the two values."""
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def coordinate_points(target: Target, count: int = POINTS) -> list[Env]:
    """Random points (coordinates, d, N) for coordinate-wise comparisons; always the same."""
    rng = random.Random(SEED)
    with mpmath.workdps(DIGITS):
        return [
            {
                **{
                    c.symbol: mpmath.mpf(rng.randint(c.low, c.high)) / 100
                    for c in target.coordinates
                },
                D: (1, 2, 3, 5, 7, 4)[i % 6],
                BATCH: (3, 2, 5, 4, 7, 6)[i % 6],
            }
            for i in range(count)
        ]


def _fixed(target: Target) -> dict[sp.Symbol, tuple[sp.Rational, ...]]:
    fixed = {}
    for c in target.coordinates:
        name = c.symbol.name
        table = FIXED_PRIOR if name.endswith("_p") and target.kind == "normal_pair" else FIXED
        base = name.removesuffix("_q").removesuffix("_p")
        fixed[c.symbol] = table.get(base) or FIXED.get(name) or (sp.Rational(1, 2),) * 3
    return fixed


#: The first counterexamples on the simplex (categorical probabilities), for d = 2 and 3.
FIXED_SIMPLEX = {
    "q": (
        (sp.Rational(7, 10), sp.Rational(3, 10)),
        (sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 5)),
    ),
    "p": (
        (sp.Rational(2, 5), sp.Rational(3, 5)),
        (sp.Rational(1, 5), sp.Rational(1, 2), sp.Rational(3, 10)),
    ),
}


def _normalised(values: Sequence[sp.Rational]) -> tuple[sp.Rational, ...]:
    total = sum(values)
    return tuple(v / total for v in values)


def vectors(target: Target) -> list[dict[sp.Symbol, tuple[sp.Rational, ...]]]:
    """Latent vectors for counterexamples: the fixed ones first, then random ones.

    Coordinates of a simplex (categorical probabilities) are normalised to sum to one.
    """
    fixed = _fixed(target)
    chosen: list[dict[sp.Symbol, tuple[sp.Rational, ...]]] = [
        {s: v[:n] for s, v in fixed.items()} for n in (2, 3, 1)
    ]
    rng = random.Random(SEED)
    for n in (2, 3, 4, 1, 2, 3, 5):
        chosen.append(
            {
                c.symbol: tuple(sp.Rational(rng.randint(c.low, c.high), 100) for _ in range(n))
                for c in target.coordinates
            }
        )
    if target.simplex:
        chosen = [
            {s: (_normalised(v) if s in target.simplex else v) for s, v in vector.items()}
            for vector in chosen[3:]
            if len(next(iter(vector.values()))) > 1
        ]
        fixed_simplex = [
            {c.symbol: FIXED_SIMPLEX[c.symbol.name][k] for c in target.coordinates} for k in (0, 1)
        ]
        chosen = fixed_simplex + chosen
    return chosen


def evaluate_display(
    expr: sp.Expr,
    indexed: Mapping[sp.Symbol, sp.IndexedBase],
    vector: Mapping[sp.Symbol, Sequence[sp.Rational]],
) -> float | list[float | None] | None:
    """A display expression at a latent vector: a float, or a list for a vector.

    The batch size and any weight are 1 (one example, no weight).
    """
    n = len(next(iter(vector.values())))
    env: Env = {D: n, BATCH: 1}
    for symbol in expr.free_symbols:
        if symbol not in (D, BATCH, INDEX) and not isinstance(symbol, sp.Indexed):
            env.setdefault(symbol, 1)
    with mpmath.workdps(DIGITS):
        for symbol, values in vector.items():
            for k in range(n):
                env[(indexed[symbol], k + 1)] = mpmath.mpf(int(values[k].p)) / int(values[k].q)
    if INDEX in expr.free_symbols:
        return [value(expr, {**env, INDEX: k + 1}) for k in range(n)]
    return value(expr, env)
