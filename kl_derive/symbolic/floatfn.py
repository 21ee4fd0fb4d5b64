"""A small compiler from SymPy expressions to plain float functions.

:func:`sympy.lambdify` pulls in SymPy's code generators, which costs more start-up
time than the whole verification of a derivation. The verifier's numeric checks need
only elementary functions, so this walks the tree once and builds closures over
:mod:`math`. Anything it does not know makes it return ``None``; callers then fall back
to :func:`sympy.lambdify`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sympy import Add, Expr, Mul, Number, NumberSymbol, Pow, Symbol, exp, log

__all__ = ["compile_float"]

Fn = Callable[[float], float]


def compile_float(expr: Expr, variable: Symbol) -> Fn | None:
    """A float function of ``variable`` computing ``expr``, or ``None`` if unsupported."""
    try:
        return _compile(expr, variable)
    except _Unsupported:
        return None


class _Unsupported(Exception):
    pass


def _compile(e: Expr, v: Symbol) -> Fn:
    if e == v:
        return lambda x: x
    if isinstance(e, (Number, NumberSymbol)) or (e.is_number and not e.has(v)):
        c = float(e)
        return lambda x: c
    if isinstance(e, Add):
        parts = [_compile(a, v) for a in e.args]
        return lambda x: math.fsum(f(x) for f in parts)
    if isinstance(e, Mul):
        parts = [_compile(a, v) for a in e.args]

        def product(x: float) -> float:
            out = 1.0
            for f in parts:
                out *= f(x)
            return out

        return product
    if isinstance(e, Pow):
        base = _compile(e.base, v)
        if e.exp.is_Integer:
            n = int(e.exp)
            return lambda x: base(x) ** n
        power = _compile(e.exp, v)
        return lambda x: base(x) ** power(x)
    if isinstance(e, exp):
        arg = _compile(e.args[0], v)
        return lambda x: math.exp(arg(x))
    if isinstance(e, log):
        arg = _compile(e.args[0], v)
        return lambda x: math.log(arg(x))
    raise _Unsupported(type(e).__name__)
