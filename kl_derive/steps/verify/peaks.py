"""Where a narrow peak of an integrand lies, so that quadrature can split there.

Tanh-sinh quadrature on a segment places its nodes by the segment alone: a peak much
narrower than the segment (``z^50`` under a Weibull law with shape 50, whose mass lies
within 2 % of its scale) can fall between the nodes, and the quadrature then returns a
wrong value with a small error estimate. :func:`peak_points` finds the largest peak of
``log |f|`` (a deterministic scan, then a golden-section search) and, when it is narrow,
returns split points around it. It only adds points: the integral's value does not
depend on where a segment is split, only the accuracy of its computation does.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath

__all__ = ["peak_points"]

#: the scan covers t in [-_REACH, _REACH] in steps of _STEP (the coordinates below)
_REACH = 40
_STEP = 1
#: a peak is narrow when log |f| falls by 1 within this distance in t
_NARROW = mpmath.mpf("0.25")
#: split points at these multiples of that distance from the peak
_MULTIPLES = (-12, -3, 0, 3, 12)


def peak_points(f: Callable, lo: mpmath.mpf, hi: mpmath.mpf) -> list[mpmath.mpf]:
    """Split points in ``(lo, hi)`` around the highest peak of ``|f|`` when it is narrow
    in the coordinate ``t`` (``z = lo + e^t`` on a half-line, a logistic map between two
    finite ends, ``z = sinh t`` on the whole line: widths relative to the distance from
    an end); ``[]`` for a broad peak or none found. Deterministic: a fixed grid of
    ``2 * 40 + 1`` points, a fixed number of refinements."""
    to_z = _coordinate(lo, hi)

    def height(t: mpmath.mpf) -> mpmath.mpf:
        try:
            value = abs(f(to_z(t)))
        except (ArithmeticError, ValueError, TypeError):
            return -mpmath.inf
        if not mpmath.isfinite(value) or value == 0:
            return -mpmath.inf
        return mpmath.log(value)

    with mpmath.workdps(20):
        grid = [mpmath.mpf(k * _STEP) for k in range(-_REACH, _REACH + 1)]
        heights = [height(t) for t in grid]
        best = max(range(len(grid)), key=lambda i: heights[i])
        if heights[best] == -mpmath.inf:
            return []
        peak = _golden_max(height, grid[best] - _STEP, grid[best] + _STEP)
        top = height(peak)
        widths = [_fall(height, peak, top, side) for side in (-1, 1)]
        if min(widths) > _NARROW:
            return []
        points = [to_z(peak + m * widths[m > 0]) if m else to_z(peak) for m in _MULTIPLES]
    return sorted({p for p in points if lo < p < hi})


def _coordinate(lo: mpmath.mpf, hi: mpmath.mpf) -> Callable:
    if mpmath.isfinite(lo) and mpmath.isfinite(hi):
        return lambda t: lo + (hi - lo) / (1 + mpmath.exp(-t))
    if mpmath.isfinite(lo):
        return lambda t: lo + mpmath.exp(t)
    if mpmath.isfinite(hi):
        return lambda t: hi - mpmath.exp(-t)
    return mpmath.sinh


def _golden_max(g: Callable, a: mpmath.mpf, b: mpmath.mpf, steps: int = 48) -> mpmath.mpf:
    """The maximum of a unimodal ``g`` on ``[a, b]`` to ``0.618^48 (b - a)``."""
    ratio = (mpmath.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    gc, gd = g(c), g(d)
    for _ in range(steps):
        if gc >= gd:
            b, d, gd = d, c, gc
            c = b - ratio * (b - a)
            gc = g(c)
        else:
            a, c, gc = c, d, gd
            d = a + ratio * (b - a)
            gd = g(d)
    return (a + b) / 2


def _fall(g: Callable, peak: mpmath.mpf, top: mpmath.mpf, side: int) -> mpmath.mpf:
    """The distance (a power of 2 from 2^-30 to 1) from ``peak`` on ``side`` at which
    ``g`` has fallen by at least 1 below ``top``."""
    h = mpmath.mpf(2) ** -30
    while h < 1 and g(peak + side * h) > top - 1:
        h *= 2
    return h
