"""SymPy expressions compiled to float functions that carry a rounding-error bound.

A compiled function takes a list of points and returns, for each, the value in double
precision and a first-order bound on its error (a running error analysis: every
operation adds a few units in the last place of its result and passes on its
arguments' errors scaled by its derivative). Sub-expressions free of the variable (a
density's normalising constant such as ``B(alpha, beta)``) are evaluated once, to 30
digits by SymPy, and enter as constants: they are hoisted out of the integrand.

A point where an operation leaves the reals or overflows gives ``nan`` or ``inf``; the
caller decides what that means. Anything the compiler does not know makes it return
``None`` (the caller then uses mpmath).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
from sympy import Abs, Add, Expr, Mul, Pow, Symbol, cos, exp, log, sin
from sympy.codegen.cfunctions import expm1, log1p

from .evaluate import compile_mp

__all__ = ["EPS", "Binder", "Bounded", "compile_bounded"]

#: the unit roundoff of a double, doubled for safety
EPS = 2.0**-52

#: points -> (values, error bounds)
Bounded = Callable[[list[float]], tuple[list[float], list[float]]]
#: parameter values (symbol -> mpmath number) -> the function at those values, or None
Binder = Callable[[dict], Bounded | None]

_NAN = math.nan
_INF = math.inf


class _Unsupported(Exception):
    pass


def compile_bounded(expr: Expr, variable: Symbol) -> Binder | None:
    """A vectorised float version of ``expr`` in ``variable`` with error bounds, its
    parameters bound later (``None`` when an operation has no float counterpart here)."""
    try:
        build = _compile(expr, variable)
    except _Unsupported:
        return None

    def bind(env: dict) -> Bounded | None:
        try:
            return build(env)
        except _Unsupported:
            return None

    return bind


def _constant(value) -> float:
    if not isinstance(value, mpmath.mpf):
        raise _Unsupported("not a real constant")
    out = float(value)
    if not math.isfinite(out):
        raise _Unsupported("not a finite constant")
    return out


def _compile(e: Expr, v: Symbol) -> Callable[[dict], Bounded]:
    if e == v:
        return lambda env: lambda xs: (xs, [4 * EPS * abs(x) for x in xs])
    if not e.has(v):
        evaluate = compile_mp(e)

        def constant(env: dict) -> Bounded:
            c = _constant(evaluate(env))
            err = abs(c) * EPS
            return lambda xs: ([c] * len(xs), [err] * len(xs))

        return constant
    if isinstance(e, Add):
        return _bind(_add, [_compile(a, v) for a in e.args])
    if isinstance(e, Mul):
        return _bind(_mul, [_compile(a, v) for a in e.args])
    if isinstance(e, Pow):
        if e.exp.is_Integer:
            n = int(e.exp)
            return _bind(lambda parts: _integer_power(parts[0], n), [_compile(e.base, v)])
        return _bind(lambda parts: _power(*parts), [_compile(e.base, v), _compile(e.exp, v)])
    for kind, f, spread in _UNARY:
        if isinstance(e, kind):
            return _bind(
                lambda parts, f=f, spread=spread: _unary(parts[0], f, spread),
                [_compile(e.args[0], v)],
            )
    raise _Unsupported(type(e).__name__)


def _bind(make, children: list) -> Callable[[dict], Bounded]:
    return lambda env: make([child(env) for child in children])


def _add(parts: list[Bounded]) -> Bounded:
    def run(xs: list[float]) -> tuple[list[float], list[float]]:
        done = [f(xs) for f in parts]
        values = [sum(column) for column in zip(*(d[0] for d in done), strict=True)]
        sizes = [sum(map(abs, column)) for column in zip(*(d[0] for d in done), strict=True)]
        errors = [sum(column) for column in zip(*(d[1] for d in done), strict=True)]
        n = len(parts)
        return values, [e + n * EPS * s for e, s in zip(errors, sizes, strict=True)]

    return run


def _mul(parts: list[Bounded]) -> Bounded:
    def run(xs: list[float]) -> tuple[list[float], list[float]]:
        done = [f(xs) for f in parts]
        values, errors = done[0]
        n = len(parts)
        for other_values, other_errors in done[1:]:
            errors = [
                abs(a) * db + abs(b) * da + da * db
                for a, b, da, db in zip(values, other_values, errors, other_errors, strict=True)
            ]
            values = [a * b for a, b in zip(values, other_values, strict=True)]
        return values, [e + n * EPS * abs(y) for e, y in zip(errors, values, strict=True)]

    return run


def _integer_power(base: Bounded, n: int) -> Bounded:
    def one(b: float) -> float:
        try:
            return b**n
        except ZeroDivisionError:
            return _INF
        except OverflowError:
            return _INF

    def run(xs: list[float]) -> tuple[list[float], list[float]]:
        bases, errors = base(xs)
        values = [one(b) for b in bases]
        out = []
        for b, y, db in zip(bases, values, errors, strict=True):
            relative = abs(n) * db / abs(b) if b != 0 else (_INF if db else 0.0)
            out.append(abs(y) * relative + (abs(n) + 1) * EPS * abs(y))
        return values, out

    return run


def _power(base: Bounded, exponent: Bounded) -> Bounded:
    def one(b: float, x: float) -> float:
        if b < 0 or (b == 0 and x <= 0):
            return _NAN if b < 0 else _INF
        try:
            return b**x
        except OverflowError:
            return _INF

    def run(xs: list[float]) -> tuple[list[float], list[float]]:
        bases, base_errors = base(xs)
        exponents, exponent_errors = exponent(xs)
        values = [one(b, x) for b, x in zip(bases, exponents, strict=True)]
        out = []
        for b, x, y, db, dx in zip(
            bases, exponents, values, base_errors, exponent_errors, strict=True
        ):
            if b > 0:
                relative = abs(x) * db / b + abs(math.log(b)) * dx
            else:
                relative = 0.0 if y == 0 and db == 0 and dx == 0 else _INF
            out.append(abs(y) * relative + 4 * EPS * abs(y))
        return values, out

    return run


def _unary(arg: Bounded, f: Callable[[float], float], spread) -> Bounded:
    def run(xs: list[float]) -> tuple[list[float], list[float]]:
        args, errors = arg(xs)
        values = [f(a) for a in args]
        return values, [
            spread(a, y, da) + 2 * EPS * abs(y)
            for a, y, da in zip(args, values, errors, strict=True)
        ]

    return run


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return _INF


def _log(a: float) -> float:
    if a > 0:
        return math.log(a)
    return -_INF if a == 0 else _NAN


def _expm1(a: float) -> float:
    try:
        return math.expm1(a)
    except OverflowError:
        return _INF


def _log1p(a: float) -> float:
    if a > -1:
        return math.log1p(a)
    return -_INF if a == -1 else _NAN


def _sin(a: float) -> float:
    return math.sin(a) if math.isfinite(a) else _NAN


def _cos(a: float) -> float:
    return math.cos(a) if math.isfinite(a) else _NAN


_UNARY = (
    (exp, _exp, lambda a, y, da: abs(y) * da),
    (log, _log, lambda a, y, da: da / abs(a) if a else _INF),
    # expm1(a) = e^a - 1 and log1p(a) = log(1 + a), each to full relative precision
    (expm1, _expm1, lambda a, y, da: _exp(a) * da),
    (log1p, _log1p, lambda a, y, da: da / (1 + a) if a > -1 else _INF),
    (Abs, abs, lambda a, y, da: da),
    (sin, _sin, lambda a, y, da: da),
    (cos, _cos, lambda a, y, da: da),
)
