"""Double-exponential quadrature in double precision, with an error bound.

One rule for every kind of interval: tanh-sinh on a finite segment, exp-sinh on a
half-line, sinh-sinh on the whole line, the range split where an absolute value in the
integrand changes sign. The integrand is evaluated in the distance ``d`` to a finite
end (``z = a + d``, ``z = b - d``, substituted symbolically), so an integrable
singularity there (``z^{-0.9}``) is seen at its true distance rather than at a rounded
``z``. Points are refined by halving the step until two successive sums agree.

The result is ``(value, bound)``: the bound adds the difference of the last two sums
(a generous bound on the error of the finer one, whose error is about its square),
the rounding of every evaluation (from :mod:`.floats`' running error analysis), the
rounding of the sum and the weights, and the terms left out at the ends. ``None`` when
the rule cannot vouch for a value: the integrand cannot be compiled, is not finite
where its terms still count, or has not decayed at the ends; the caller then uses
mpmath at 30 digits.
"""

from __future__ import annotations

import functools
import itertools
import math

import mpmath
from sympy import Dummy, Expr, Integral, S, Symbol, oo

from .endpoint import near_end
from .evaluate import compile_mp
from .floats import EPS, Binder, Bounded, compile_bounded
from .kinks import kinks

__all__ = ["bounded_integral"]

#: the range of the DE variable t: [-T, T] (a finite end is reached within 1e-270)
_T = {"finite": 6.0, "half": 6.0, "line": 5.0}
#: first and finest step
_FIRST_STEP = 0.5
_FINEST_STEP = 1 / 128
#: a term below this fraction of the largest is negligible (tails, underflow)
_NEGLIGIBLE = 1e-18
#: the sums agree: stop refining
_AGREE = 1e-14
#: at the finest step, the sums must agree this well for their difference to be a bound
_CONVERGED = 1e-10
#: the fewest points on which the terms are within 1e-3 of the largest
_RESOLVED = 8


class _Plan:
    """An integral compiled once: its ends and kinks as mpmath closures in the
    parameters, its integrand (and its forms near each end, compiled when first needed)
    as float closures."""

    def __init__(self, integral: Integral) -> None:
        ((variable, lower, upper),) = integral.limits
        self.f, self.variable = integral.function, variable
        self.points = [
            (S(end), None if S(end).is_infinite else compile_mp(S(end)))
            for end in (lower, *kinks(integral.function, variable), upper)
        ]
        self.d = Dummy("d", positive=True)
        self._near: dict[tuple[Expr, int], Binder | None] = {}
        self.center = _precise_where_not_finite(compile_bounded(self.f, variable), self.f, variable)

    def near(self, end: Expr, side: int) -> Binder | None:
        """The integrand at ``end + side * d``, as a function of ``d``."""
        key = (end, side)
        if key not in self._near:
            # at a positive numeric end, 1 - z^a as -expm1(a log1p(-d)) (no cancellation:
            # z = 1 - d rounds to 1 for d below 1e-16, where a singular density such as
            # Kumaraswamy's (1 - z^a)^(b - 1) with b < 1 still has mass)
            moved = near_end(self.f, self.variable, end, side, self.d)
            self._near[key] = _precise_where_not_finite(
                compile_bounded(moved, self.d), moved, self.d
            )
        return self._near[key]


def _precise_where_not_finite(binder: Binder | None, f: Expr, variable: Symbol) -> Binder | None:
    """``binder``, but a point where the double-precision integrand is not a finite number
    is evaluated again by mpmath, whose numbers do not underflow: a posterior weight
    ``pi = w f_a / f`` that underflows to 0 in a tail makes ``pi log(pi / rho)`` read
    ``0 * (-inf)`` in doubles, where its true value is a tiny finite number (an
    exponential below ``e^(-10^6)`` is still taken as 0 there: a point that stays not
    finite is left to :func:`_active`). The value at 30 digits, with the difference from
    45 digits, four units of a double and the least double added to its bound."""
    if binder is None:
        return None
    precise = compile_mp(f, flush=True)

    def bind(env: dict) -> Bounded | None:
        bounded = binder(env)
        if bounded is None:
            return None

        def run(xs: list[float]) -> tuple[list[float], list[float]]:
            values, errors = bounded(xs)
            for i, (value, error) in enumerate(zip(values, errors, strict=True)):
                if not (math.isfinite(value) and math.isfinite(error)):
                    found = _at_point(precise, env, variable, xs[i])
                    if found is not None:
                        values[i], errors[i] = found
            return values, errors

        return run

    return bind


#: what a value converted to a double may lose below the smallest normal double
_TINY = 2.0**-1022


def _at_point(precise, env: dict, variable: Symbol, x: float) -> tuple[float, float] | None:
    """The integrand at ``x`` by mpmath at 30 and at 45 digits, and a bound on its error;
    ``None`` when it is not a finite real number."""
    found = []
    for digits in (30, 45):
        with mpmath.workdps(digits):
            try:
                value = precise({**env, variable: mpmath.mpf(x)})
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return None
        if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
            return None
        found.append(value)
    value = float(found[0])
    bound = float(abs(found[0] - found[1])) + 4 * EPS * abs(value) + _TINY
    return (value, bound) if math.isfinite(value) and math.isfinite(bound) else None


@functools.lru_cache(maxsize=256)
def _plan(integral: Integral) -> _Plan:
    return _Plan(integral)


def bounded_integral(integral: Integral, env: dict) -> tuple[float, float] | None:
    """The integral (over one variable) at the parameter values ``env`` (symbol -> mpmath
    number) with a bound on its error, or ``None``."""
    plan = _plan(integral)
    (lower, low), *splits, (upper, high) = plan.points
    try:
        lo = -mpmath.inf if lower == -oo else low(env) if low else None
        hi = mpmath.inf if upper == oo else high(env) if high else None
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None
    inner = []
    for k, evaluate in splits:
        try:
            inner.append((k, evaluate(env)))
        except ZeroDivisionError:
            # a root over a vanishing leading coefficient (two normal laws of one scale:
            # the quadratic's roots do not exist there, its linear root is listed too)
            continue
        except (TypeError, ValueError, KeyError):
            return None
    if lo is None or hi is None or not all(isinstance(x, mpmath.mpf) for x in (lo, hi)):
        return None
    if lo == hi:
        return 0.0, 0.0
    sign = 1.0
    if hi < lo:  # limits given from the upper end (between two crossing points): -int_hi^lo
        (lower, lo), (upper, hi), sign = (upper, hi), (lower, lo), -1.0
    if not lo < hi:
        return None
    points, seen = [(lower, lo)], {lo, hi}
    for k, at in sorted(inner, key=lambda kv: kv[1] if isinstance(kv[1], mpmath.mpf) else 0):
        if isinstance(at, mpmath.mpf) and lo < at < hi and at not in seen:
            points.append((k, at))
            seen.add(at)
    points.append((upper, hi))
    value, bound = 0.0, 0.0
    for a, b in itertools.pairwise(points):
        part = _segment(plan, env, a, b)
        if part is None:
            return None
        value += part[0]
        bound += part[1]
    return sign * value, bound


def _segment(plan: _Plan, env: dict, a: tuple, b: tuple) -> tuple[float, float] | None:
    (a_end, a_at), (b_end, b_at) = a, b
    if mpmath.isfinite(a_at) and mpmath.isfinite(b_at):
        kind = "finite"
        left, right = _bound(plan.near(a_end, 1), env), _bound(plan.near(b_end, -1), env)
        width = float(b_at - a_at)
        if left is None or right is None or not width > 0:
            return None

        def nodes(ts: list[float]) -> tuple[list[float], list[float]]:
            return _finite_nodes(ts, width, left, right)

    elif mpmath.isfinite(a_at) or mpmath.isfinite(b_at):
        kind = "half"
        near = _bound(plan.near(a_end, 1) if mpmath.isfinite(a_at) else plan.near(b_end, -1), env)
        if near is None:
            return None

        def nodes(ts: list[float]) -> tuple[list[float], list[float]]:
            return _half_nodes(ts, near)

    else:
        kind = "line"
        center = _bound(plan.center, env)
        if center is None:
            return None

        def nodes(ts: list[float]) -> tuple[list[float], list[float]]:
            return _line_nodes(ts, center)

    return _refine(nodes, _T[kind])


def _bound(binder: Binder | None, env: dict) -> Bounded | None:
    return None if binder is None else binder(env)


def _finite_nodes(ts, width, left: Bounded, right: Bounded):
    """Terms w f and their error bounds at the points t (tanh-sinh on [a, b])."""
    ds, ws = [], []
    for t in ts:
        u = math.pi / 2 * math.sinh(abs(t))
        e = math.exp(-2 * u)
        ds.append(width * e / (1 + e))
        ws.append(width / 2 * math.pi / 2 * math.cosh(t) * 4 * e / (1 + e) ** 2)
    lows = [i for i, t in enumerate(ts) if t <= 0]
    highs = [i for i, t in enumerate(ts) if t > 0]
    values = [0.0] * len(ts)
    errors = [0.0] * len(ts)
    for indices, g in ((lows, left), (highs, right)):
        if indices:
            vs, es = g([ds[i] for i in indices])
            for i, v, err in zip(indices, vs, es, strict=True):
                values[i], errors[i] = v, err
    return _weighted(ws, values, errors)


def _half_nodes(ts, near: Bounded):
    """exp-sinh on [a, oo) (or (-oo, b] mirrored): z = a + exp(pi/2 sinh t)."""
    ds = [math.exp(math.pi / 2 * math.sinh(t)) for t in ts]
    ws = [math.pi / 2 * math.cosh(t) * d for t, d in zip(ts, ds, strict=True)]
    values, errors = near(ds)
    return _weighted(ws, values, errors)


def _line_nodes(ts, center: Bounded):
    """sinh-sinh on the whole line: z = sinh(pi/2 sinh t)."""
    us = [math.pi / 2 * math.sinh(t) for t in ts]
    xs = [math.sinh(u) for u in us]
    ws = [math.pi / 2 * math.cosh(t) * math.cosh(u) for t, u in zip(ts, us, strict=True)]
    values, errors = center(xs)
    return _weighted(ws, values, errors)


def _weighted(ws, values, errors):
    terms = []
    bounds = []
    for w, v, e in zip(ws, values, errors, strict=True):
        term = w * v
        terms.append(term if math.isfinite(term) else math.nan)
        bounds.append(w * e if math.isfinite(term) else math.nan)
    return terms, bounds


def _refine(nodes, limit: float) -> tuple[float, float] | None:
    h = _FIRST_STEP
    n = round(limit / h)
    ts = [k * h for k in range(-n, n + 1)]
    terms, bounds = nodes(ts)
    table = dict(zip(ts, zip(terms, bounds, strict=True), strict=True))
    span = _active(table, limit)
    if span is None:
        return None
    previous = _sum(table, span, h)
    while True:
        h /= 2
        fresh = _odd(h, span, limit)
        terms, bounds = nodes(fresh)
        table.update(zip(fresh, zip(terms, bounds, strict=True), strict=True))
        span = _active(table, limit)
        if span is None:
            return None
        current = _sum(table, span, h)
        if current is None or previous is None:
            return None
        difference = abs(current[0] - previous[0])
        if difference <= _AGREE * max(current[2], 1e-300) or h <= _FINEST_STEP:
            if not _resolved(table):
                return None
            if difference > _CONVERGED * max(current[2], 1e-300):
                # still far apart at the finest step: not in the regime where the difference
                # bounds the error (a spike a few points wide, as a posterior in a narrow
                # component; 3e-4 off with a difference of 2.8e-4); mpmath decides
                return None
            value, rounding, size, left_out = current
            bound = difference + rounding + 16 * EPS * size + left_out
            return (value, bound) if math.isfinite(bound) else None
        previous = current


def _resolved(table: dict) -> bool:
    """Whether the integrand's bulk is seen by enough points: a peak narrower than the
    grid (met by one point or none) would make two sums agree on a wrong value."""
    terms = [abs(term) for term, _ in table.values() if math.isfinite(term)]
    largest = max(terms, default=0.0)
    return largest > 0 and sum(term > 1e-3 * largest for term in terms) >= _RESOLVED


def _odd(h: float, span: tuple[float, float], limit: float) -> list[float]:
    lo, hi = span
    first = math.floor(lo / h)
    if first % 2 == 0:
        first -= 1
    out = []
    k = first
    while k * h <= min(hi + h, limit):
        if max(lo - h, -limit) <= k * h:
            out.append(k * h)
        k += 2
    return out


def _active(table: dict, limit: float) -> tuple[float, float] | None:
    """The range of t whose terms count: the ends must have decayed, and a term that is
    not finite (an underflowed density in 0 log 0) lies only where every term outward and
    its inward neighbour are negligible."""
    finite = [abs(term) for term, _ in table.values() if math.isfinite(term)]
    if not finite:
        return None
    largest = max(finite)
    if largest == 0:
        return None  # no point sees the integrand: zero, or a peak between the points
    small = _NEGLIGIBLE * largest
    ts = sorted(table)
    span = []
    for side in (sorted((t for t in ts if t <= 0), reverse=True), [t for t in ts if t >= 0]):
        end = side[-1]
        outermost = None
        for i, t in enumerate(side):  # from the centre outward
            term = table[t][0]
            if not math.isfinite(term):
                inward = table[side[i - 1]][0] if i else math.inf
                rest = [table[s][0] for s in side[i:]]
                if abs(inward) > small or any(math.isfinite(r) and abs(r) > small for r in rest):
                    return None
                end = side[i - 1] if i else 0.0
                break
            if abs(term) > small:
                outermost = t
        else:
            if abs(table[side[-1]][0]) > small:
                return None  # not decayed at t = +-T
        reach = outermost if outermost is not None else 0.0
        span.append(reach if abs(reach) <= abs(end) else end)
    return span[0], span[1]


def _sum(table: dict, span: tuple[float, float], h: float):
    """The sum over the grid of step h inside the span: value, rounding bound, sum of
    |terms|, and a bound on the terms left outside the span."""
    lo, hi = span
    inside, rounding, outside = [], 0.0, 0.0
    for t, (term, bound) in table.items():
        on_grid = abs(t / h - round(t / h)) < 1e-9
        if lo - 1e-12 <= t <= hi + 1e-12:
            if not on_grid:
                continue
            if not (math.isfinite(term) and math.isfinite(bound)):
                return None
            inside.append(term)
            rounding += bound
        elif math.isfinite(term):
            outside += abs(term)
    size = math.fsum(map(abs, inside)) * h
    # a term left out stands for a stretch of t as wide as the first step
    return math.fsum(inside) * h, rounding * h, size, 2 * outside * _FIRST_STEP
