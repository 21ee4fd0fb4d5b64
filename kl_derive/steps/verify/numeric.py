"""The numeric fallback: both sides evaluated at pseudo-random parameter values.

Expectations become integrals (or sums) against the density, evaluated by
:mod:`.quadrature`; the parameters are drawn by :mod:`.sampling` with a fixed seed, so a
run is reproducible. Two sides agree when they match to 1e-10 (relative) at every sample.
A sample where an integral of the step diverges (its quadrature's tail has not decayed)
is not agreement: unless the difference of the sides converges to 0 there (their
divergent parts cancel), the values are drawn again, a bounded number of times.
"""

from __future__ import annotations

import random

import mpmath
from sympy import (
    Add,
    Expr,
    Float,
    Integral,
    Mul,
    Rational,
    S,
    Sum,
    oo,
    zoo,
)
from sympy.core.function import AppliedUndef

from ...numeric.bounded import bounded_value
from ...symbolic.objects import Expect
from ..context import Context, DensityFacts
from .normal_form import unfold_densities
from .quadrature import DivergentIntegral, quadrature, series
from .sampling import (
    bound_variables,
    in_support,
    is_count_vector,
    sample_counts,
    sample_in_support,
    sample_parameters,
)

_SAMPLES = 3


_TOLERANCE = mpmath.mpf("1e-10")


def numerically_equal(a: Expr, b: Expr, context: Context, seed: str, fast: bool) -> bool:
    if a.has(zoo, S.NaN) or b.has(zoo, S.NaN):
        # log(q/0) where a density is zero (its support): no finite number to compare
        return False
    if any(_unknown_functions(side, context) for side in (a, b)):
        # a function with no formula (a density left abstract): there is no number to
        # compute; the step stands or falls by its symbolic proof
        return False
    bound = bound_variables(context)
    free = a.free_symbols | b.free_symbols
    for facts in context.densities.values():  # a density's own parameters count too
        counts = set(facts.variable) if is_count_vector(facts) else set()
        if a.has(facts.function) or b.has(facts.function) or counts & free:
            free |= facts.value.free_symbols | set().union(
                *(S(end).free_symbols for end in facts.support)
            )
    symbols = sorted(free - bound, key=str)
    # a variable left free (an identity between log densities) is sampled in its support
    free_variables = (
        []
        if a.has(Expect, Integral, Sum) or b.has(Expect, Integral, Sum)
        else [
            f
            for f in context.densities.values()
            if (set(f.variable) if is_count_vector(f) else {f.variable})
            & (a.free_symbols | b.free_symbols)
        ]
    )
    rng = random.Random(seed)
    wanted = _SAMPLES if symbols or free_variables else 1
    checked, draws, wide = 0, 0, False
    with mpmath.workdps(30):
        while checked < wanted:
            if draws == wanted + _REDRAWS:
                return False  # too few points where every integral of the step converges
            draws += 1
            values = sample_parameters(symbols, context.conditions, rng, wide=wide)
            if values is None:
                return False
            for facts in free_variables:
                if any(S(end).xreplace(values).free_symbols for end in facts.support):
                    continue  # another law's support (Bin(n, p)'s n absent from the step)
                if is_count_vector(facts):  # a count vector summing to n
                    values.update(sample_counts(facts, values, rng))
                    continue
                if facts.discrete and in_support(values.get(facts.variable), facts, values):
                    continue  # a count already drawn in a smaller support stays (both hold)
                values[facts.variable] = sample_in_support(facts, values, rng)
            try:
                (x, dx), (y, dy) = (
                    _number(a, values, context, fast),
                    _number(b, values, context, fast),
                )
            except DivergentIntegral:
                # an integral of the step diverges here (E[z^2] under a t law with nu <= 2):
                # no number to compare, never agreement. Two sides whose difference
                # converges to 0 (the log ratio inserted into a divergence that is
                # infinite) are equal; else the point is drawn again, over the wider
                # ranges (a moment that exists for nu > 2 needs nu beyond 2)
                vanishes = _difference_vanishes(a, b, values, context)
                if vanishes is False:
                    return False  # the sides differ by a finite amount: not an identity
                if vanishes:
                    checked += 1
                wide = wide or vanishes is None
                continue
            except (TypeError, ValueError, ZeroDivisionError):
                return False
            apart = abs(x - y) + dx + dy > _TOLERANCE * max(1, abs(x), abs(y))
            if apart and (fast or not _agree_at_higher_precision(a, b, values, context)):
                return False
            checked += 1
    return True


#: how many more draws than samples a step may use to find points where its integrals
#: converge (a count, not a time: the same on every machine)
_REDRAWS = 24


def _difference_vanishes(a: Expr, b: Expr, values: dict, context: Context) -> bool | None:
    """Whether ``a - b`` is 0 (to the tolerance, absolute) at the parameter ``values``,
    where the two sides themselves diverge: their common terms cancel, and their integrals
    over one range are merged into one (:func:`_merged_integrals`), so the divergent parts
    they share (the same integrand) cancel in it and what remains converges. Two sides
    that differ by a convergent 0 are the same extended number (both infinite, or both
    finite and equal). ``False`` when the difference is a finite number other than 0 (the
    sides differ by it: no identity, though both be infinite); ``None`` when it diverges
    too, or is not a number: no proof either way."""
    try:
        found, _ = _number(a - b, values, context, False)
    except (TypeError, ValueError, ZeroDivisionError):  # DivergentIntegral included
        return None
    return bool(abs(found) <= _TOLERANCE)


#: the working precisions (digits) a pointwise identity is retried at, in turn
_PRECISIONS = (60, 120, 240, 480)


def _agree_at_higher_precision(a: Expr, b: Expr, values: dict, context: Context) -> bool:
    """Whether two sides with no integral or sum, which disagree at 30 digits, agree at a
    higher precision whose digits are confirmed by the next: a normal form that expanded
    ``(1 - z)^29`` into a polynomial cancels ``(1 + z)^29 / (1 - z)^29`` in its terms
    (10^46 at z = 0.95, 30 digits lost: ``log q(z)`` of beta(1/8, 30)). Each side is taken
    at the precision ``p`` where its values at ``p`` and ``2p`` agree to 1e-20 relative
    (their difference also counted as its error); a false identity, wrong by a relative
    1e-8, disagrees at every precision."""
    if any(side.has(Expect, Integral, Sum) for side in (a, b)):
        return False  # a quadrature or a sum is not refined here
    try:
        found = [_number(a, values, context, False, digits=d) for d in (30, *_PRECISIONS)]
        other = [_number(b, values, context, False, digits=d) for d in (30, *_PRECISIONS)]
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    with mpmath.workdps(_PRECISIONS[-1]):
        for (x, _), (x2, _), (y, _), (y2, _) in zip(
            found, found[1:], other, other[1:], strict=False
        ):
            scale = max(1, abs(x2), abs(y2))
            error = abs(x - x2) + abs(y - y2)
            if error > mpmath.mpf("1e-20") * scale:
                continue  # the digits at this precision are not yet confirmed
            return abs(x2 - y2) + error <= _TOLERANCE * scale
    return False


def _unknown_functions(e: Expr, context: Context) -> bool:
    """Whether ``e`` holds a function with no formula (not a density with a known one)."""
    if not e.has(AppliedUndef):
        return False
    known = {f.function for f in context.densities.values() if f.value != f.function}
    return bool(unfold_densities(e, context).atoms(AppliedUndef) - known)


def _number(
    e: Expr, values: dict, context: Context, fast: bool, digits: int = 30
) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The value of ``e`` and a bound on its error: ``fast``, in double precision with
    error bounds (:mod:`kl_derive.numeric`); else to ``digits`` digits, counted exact."""
    with mpmath.workdps(digits):
        return _number_at(e, values, context, fast, digits)


def _number_at(
    e: Expr, values: dict, context: Context, fast: bool, digits: int
) -> tuple[mpmath.mpf, mpmath.mpf]:
    # fractions enter as floats: exact powers such as (37/63)^(123/4567), which
    # e^{c log x} becomes, would send SymPy looking for exact roots
    values = {
        k: Float(v, digits) if isinstance(v, Rational) and not v.is_Integer else v
        for k, v in values.items()
    }
    e = _merged_integrals(_as_integrals(unfold_densities(e, context), context))
    try:
        found = fast and bounded_value(e, values, lambda i: quadrature(i, values, False), series)
    except KeyError:  # a symbol with no value (a coordinate, an entry): the precise path says
        found = None
    if found:
        return found
    # an integral is compiled once with its parameters as arguments (and kept for the
    # other samples and steps), not rebuilt and compiled at every sample
    replacements = {
        integral: Float(quadrature(integral, values, fast), 30) for integral in e.atoms(Integral)
    }
    e = e.xreplace(replacements).xreplace(values)
    replacements = {total: Float(series(total), 30) for total in e.atoms(Sum)}
    value = e.xreplace(replacements).evalf(digits)
    if not value.is_number or value.has(S.NaN, oo, -oo, zoo):
        raise ValueError("not a finite number")
    return (
        mpmath.mpmathify(complex(value)).real if value.is_real is False else mpmath.mpf(str(value))
    ), mpmath.mpf(0)


def _merged_integrals(e: Expr) -> Expr:
    """``c1 * int f1 + c2 * int f2`` over the same range as ``int (c1 f1 + c2 f2)``: one
    quadrature for a combination of expectations under one law (``E[log^2 z] - 2 E[log z
    log(1 - z)] + E[log^2(1 - z)]``)."""
    groups: dict[tuple, list[Expr]] = {}
    rest = []
    for term in Add.make_args(e):
        factors = Mul.make_args(term)
        integrals = [f for f in factors if isinstance(f, Integral)]
        if len(integrals) != 1 or len(integrals[0].limits[0]) != 3:
            rest.append(term)
            continue
        (integral,) = integrals
        coeff = Mul(*(f for f in factors if f is not integral))
        if coeff.has(Integral) or coeff.free_symbols & {integral.limits[0][0]}:
            rest.append(term)
            continue
        groups.setdefault(integral.limits, []).append(coeff * integral.function)
    merged = [Integral(Add(*parts), *limits) for limits, parts in groups.items()]
    return Add(*rest, *merged)


def _as_integrals(e: Expr, context: Context) -> Expr:
    def to_integral(expectation: Expect) -> Expr:
        f, density = expectation.args
        facts: DensityFacts | None = context.density_of(density)
        if facts is None:
            raise ValueError("expectation under an unknown density")
        if facts.discrete and isinstance(facts.variable, tuple):
            return _count_vector_sum(f * facts.value, facts)
        if facts.discrete:
            return Sum(f * facts.value, (facts.variable, *facts.support))
        return Integral(f * facts.value, (facts.variable, *facts.support))

    return e.replace(lambda x: isinstance(x, Expect), to_integral)


def _count_vector_sum(f: Expr, facts: DensityFacts) -> Sum:
    """The sum of ``f`` over the count vectors ``(k_1, ..., k_K)`` of a discrete law with
    a tuple of variables: nonnegative integers summing to the support's upper end ``n``
    (a multinomial law); the last count is ``n`` minus the others."""
    *free, last = facts.variable
    total = facts.support[1]
    limits, used = [], S.Zero
    for variable in free:
        limits.append((variable, 0, total - used))
        used += variable
    return Sum(f.xreplace({last: total - used}), *limits)
