"""Expressions in the parameters compiled once to mpmath closures.

The verifier evaluates the same expressions (an integrand's normalising constant
``B(alpha, beta)``, the combination of integrals around them) at several parameter
samples and for several steps. Substituting numbers into SymPy expressions rebuilds and
re-simplifies the tree every time; this walks it once into closures over mpmath, called
with a mapping from symbols to mpmath numbers (at the working precision the caller set).
A function without an mpmath counterpart here is evaluated by SymPy at 30 digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath
from sympy import (
    Abs,
    Add,
    Expr,
    Float,
    Function,
    Integer,
    Mul,
    Number,
    NumberSymbol,
    Pow,
    Rational,
    Symbol,
    besseli,
    beta,
    cos,
    digamma,
    erf,
    erfc,
    exp,
    gamma,
    log,
    loggamma,
    polygamma,
    sin,
)
from sympy.codegen.cfunctions import expm1, log1p

__all__ = ["FLUSH_BELOW", "Evaluator", "Unknown", "compile_mp", "to_mp"]

Evaluator = Callable[[dict], mpmath.mpf]

_FUNCTIONS: dict[type, Callable] = {
    exp: mpmath.exp,
    log: mpmath.log,
    Abs: abs,
    sin: mpmath.sin,
    cos: mpmath.cos,
    beta: mpmath.beta,
    gamma: mpmath.gamma,
    loggamma: mpmath.loggamma,
    digamma: mpmath.digamma,
    polygamma: lambda m, x: mpmath.polygamma(int(m), x),
    besseli: mpmath.besseli,
    erf: mpmath.erf,
    erfc: mpmath.erfc,
    expm1: mpmath.expm1,
    log1p: mpmath.log1p,
}


def to_mp(x: Expr) -> mpmath.mpf:
    """A SymPy number as an mpmath number (30 digits for an irrational one)."""
    if isinstance(x, Integer):
        return mpmath.mpf(int(x))
    if isinstance(x, Rational):
        return mpmath.mpf(int(x.p)) / int(x.q)
    if isinstance(x, Float):
        return mpmath.mpf(x._mpf_)
    value = x.evalf(30)
    if value.is_real is False:
        return mpmath.mpc(complex(value))
    return mpmath.mpf(str(value))


class Unknown(Exception):
    """An expression :func:`compile_mp` cannot evaluate by mpmath alone (``strict``)."""


#: below this argument ``compile_mp(..., flush=True)`` takes the exponential as zero
FLUSH_BELOW = -(10**6)


def _flushed_exp(x):
    """mpmath's exponential, but 0 far below any tolerance (``exp(-exp(y))`` far out in a
    Gumbel tail would need log 2 to billions of digits)."""
    if isinstance(x, mpmath.mpf) and x < FLUSH_BELOW:
        return mpmath.mpf(0)
    return mpmath.exp(x)


def compile_mp(e: Expr, strict: bool = False, flush: bool = False) -> Evaluator:
    """A closure computing ``e`` from a mapping of its symbols to mpmath numbers;
    ``strict``: :class:`Unknown` for a function without an mpmath counterpart here
    rather than a slower evaluation by SymPy; ``flush``: an exponential below
    ``e^(-10^6)`` is 0."""
    if isinstance(e, Symbol):
        return lambda env: env[e]
    if isinstance(e, (Number, NumberSymbol)):
        c = to_mp(e)
        return lambda env: c
    if isinstance(e, Add):
        parts = [compile_mp(a, strict, flush) for a in e.args]
        return lambda env: mpmath.fsum(f(env) for f in parts)
    if isinstance(e, Mul):
        parts = [compile_mp(a, strict, flush) for a in e.args]

        def product(env: dict) -> mpmath.mpf:
            out = mpmath.mpf(1)
            for f in parts:
                out *= f(env)
            return out

        return product
    if isinstance(e, Pow):
        base = compile_mp(e.base, strict, flush)
        if e.exp.is_Integer:
            n = int(e.exp)
            return lambda env: base(env) ** n
        if e.exp == Rational(1, 2):
            return lambda env: mpmath.sqrt(base(env))
        power = compile_mp(e.exp, strict, flush)
        return lambda env: base(env) ** power(env)
    if isinstance(e, Function) and type(e) in _FUNCTIONS:
        f = _flushed_exp if flush and isinstance(e, exp) else _FUNCTIONS[type(e)]
        args = [compile_mp(a, strict, flush) for a in e.args]
        return lambda env: f(*(a(env) for a in args))
    if strict:
        raise Unknown(type(e).__name__)
    return _by_sympy(e)


def _by_sympy(e: Expr) -> Evaluator:
    symbols = sorted(e.free_symbols, key=str)

    def run(env: dict) -> mpmath.mpf:
        values = {s: Float(env[s], 30) if _real(env[s]) else env[s] for s in symbols}
        return to_mp(e.xreplace(values))

    return run


def _real(x) -> bool:
    return isinstance(x, mpmath.mpf) and math.isfinite(float(x))
