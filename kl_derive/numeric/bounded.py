"""A value of an expression holding integrals, with a bound on its error.

The verifier's fast pass: every integral is computed in double precision with an error
bound (:func:`.quadrature.bounded_integral`); one that the float rule cannot vouch for
is computed by the caller's precise quadrature (30 digits) and counted as exact, as the
precise pass counts it. The expression around the integrals is evaluated by mpmath
(10 digits beyond the working 30), and the integrals' bounds are carried through it to
first order (each times the magnitude of the expression's derivative in that integral),
then doubled. The verifier accepts a step on the fast pass only when the two sides agree
within its tolerance *after* both bounds are added to their difference, so the fast pass
accepts no step that the precise one would refuse for want of accuracy.

Expressions are compiled once (cached) with their parameters as arguments, so the
samples and the steps sharing a side do not rebuild SymPy trees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import mpmath
from sympy import Dummy, Expr, Integral, Sum, diff

from .evaluate import Evaluator, compile_mp, to_mp
from .quadrature import bounded_integral

__all__ = ["bounded_value"]


class _Outer(NamedTuple):
    integrals: tuple[tuple[Integral, Dummy, Evaluator], ...]  # with d value / d integral
    sums: tuple[tuple[Sum, Dummy], ...]
    value: Evaluator


@functools.lru_cache(maxsize=512)
def _outer(e: Expr) -> _Outer | None:
    integrals = sorted(e.atoms(Integral), key=str)
    if any(i.function.has(Integral, Sum) or len(i.limits[0]) != 3 for i in integrals):
        return None
    if any(len(i.limits) != 1 for i in integrals):
        return None
    # real: an integral here has a real value (the float rule gives one; a complex value
    # from the precise quadrature makes :func:`bounded_value` give up), and SymPy then
    # reads |I|, written sqrt(conjugate(I) I) for an integral of unknown sign, as Abs(I)
    names = {i: Dummy("I", real=True) for i in integrals}
    g = e.xreplace(names)
    sums = sorted(g.atoms(Sum), key=str)
    if any(s.has(Integral) for s in sums):
        return None
    sum_names = {s: Dummy("S") for s in sums}
    g = g.xreplace(sum_names)
    return _Outer(
        tuple((i, names[i], compile_mp(diff(g, names[i]))) for i in integrals),
        tuple(sum_names.items()),
        compile_mp(g),
    )


def bounded_value(
    e: Expr,
    values: dict,
    precise_integral: Callable[[Integral], mpmath.mpf],
    precise_sum: Callable[[Sum], mpmath.mpf],
) -> tuple[mpmath.mpf, mpmath.mpf] | None:
    """``e`` at the parameter ``values`` and a bound on its error (``None`` when this
    cannot evaluate it; ``ValueError`` when it is not a finite real number)."""
    outer = _outer(e)
    if outer is None:
        return None
    env = {s: to_mp(v) for s, v in values.items()}
    errors = {}
    for integral, name, _slope in outer.integrals:
        found = bounded_integral(integral, env)
        if found is None:
            env[name], errors[name] = precise_integral(integral), 0.0
            if not isinstance(env[name], mpmath.mpf):
                return None  # not a real number: the caller's precise pass decides
        else:
            env[name], errors[name] = mpmath.mpf(found[0]), found[1]
    for total, name in outer.sums:
        env[name] = precise_sum(total.xreplace(values))
    with mpmath.extradps(10):
        try:
            value = outer.value(env)
            bound = 2 * mpmath.fsum(
                abs(slope(env)) * errors[name]
                for _integral, name, slope in outer.integrals
                if errors[name]
            )
        except (TypeError, ValueError, ZeroDivisionError) as error:
            raise ValueError("not a finite number") from error
    if isinstance(value, mpmath.mpc):
        value = value.real
    if not (mpmath.isfinite(value) and mpmath.isfinite(bound)):
        raise ValueError("not a finite number")
    return +value, +bound
