"""Numbers for integrals and sums: mpmath quadrature (an integrand compiled once per
integral, ends and tails reached through exponential substitutions), a floating-point
trapezoidal rule for smooth integrands on the whole line, and series summed term by term.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import NamedTuple

import mpmath
from sympy import (
    Add,
    Dummy,
    Expr,
    Integral,
    S,
    Sum,
    Symbol,
    default_sort_key,
    exp,
    lambdify,
    oo,
    zoo,
)

from ...numeric.endpoint import near_end
from ...numeric.evaluate import FLUSH_BELOW
from ...numeric.integral_value import mp_number
from ...numeric.kinks import kinks
from ...symbolic.floatfn import compile_float
from .peaks import peak_points


def series(total: Sum) -> mpmath.mpf:
    """A sum over the values of a discrete variable (finite, or summed by mpmath)."""
    if len(total.limits) > 1:
        return _nested_series(total)
    ((variable, lower, upper),) = total.limits
    if total.function.has(zoo, S.NaN):  # 0 to a negative power: no finite sum is claimed
        raise ValueError("a term of the sum is not a finite number")
    term = lambdify(variable, total.function, modules="mpmath")
    if upper.is_finite:
        if int(upper) - int(lower) > _MAX_TERMS:
            raise ValueError("too many terms to sum")
        return mpmath.fsum(term(mpmath.mpf(k)) for k in range(int(lower), int(upper) + 1))
    return _infinite_series(term, int(lower))


def _infinite_series(term, lower: int) -> mpmath.mpf:
    """``sum_{k >= lower} term(k)``: term by term up to where the terms have passed
    their largest and fallen below 1e-3 of it, then mpmath's ``nsum`` for the tail.
    ``nsum`` alone extrapolates from the first terms, which is wrong when the mass lies
    far from ``lower`` (a Poisson law with rate 100); at most :data:`_MAX_TERMS` terms."""
    head, largest, k = [], mpmath.mpf(0), lower
    while True:
        value = term(mpmath.mpf(k))
        head.append(value)
        size = abs(value)
        largest = max(largest, size)
        if len(head) >= 2 and size <= abs(head[-2]) and size < largest / 1000:
            break
        if len(head) > _MAX_TERMS:
            raise ValueError("too many terms to sum")
        k += 1
    return mpmath.fsum(head) + mpmath.nsum(term, [k + 1, mpmath.inf])


#: the most terms a finite sum over several indices is written out in
_MAX_TERMS = 200_000


def _nested_series(total: Sum) -> mpmath.mpf:
    """A finite sum over several indices (the count vectors of a multinomial law), each
    range given by numbers and the indices before it; too many terms is a failure."""
    variables = [limit[0] for limit in total.limits]
    term = lambdify(variables, total.function, modules="mpmath")
    points: list[tuple[int, ...]] = [()]
    for _variable, lower, upper in total.limits:
        grown = []
        for point in points:
            values = dict(zip(variables, point, strict=False))
            low, high = (S(b).xreplace(values) for b in (lower, upper))
            if not (low.is_Integer and high.is_Integer):
                raise ValueError("a sum with bounds that are not whole numbers")
            grown += [(*point, k) for k in range(int(low), int(high) + 1)]
            if len(grown) > _MAX_TERMS:
                raise ValueError("too many terms to sum")
        points = grown
    return mpmath.fsum(term(*(mpmath.mpf(k) for k in point)) for point in points)


class _CompiledIntegral(NamedTuple):
    """An integral's integrand compiled once, its parameters as further arguments."""

    parameters: tuple[Symbol, ...]
    integrand: Callable  # f(z, *parameters)
    near: tuple[Callable | None, Callable | None]  # f(lower + d, ...), f(upper - d, ...)
    kinks: tuple[Expr, ...]  # where an absolute value changes sign


@functools.lru_cache(maxsize=256)
def _compiled(integral: Integral) -> _CompiledIntegral:
    ((variable, lower, upper),) = integral.limits
    f = _factored_denominators(integral.function, variable)
    parameters = tuple(
        sorted(
            # an indexed variable z[1] brings its base z along: bound with it
            (f.free_symbols | S(lower).free_symbols | S(upper).free_symbols)
            - {variable, *variable.free_symbols},
            key=str,
        )
    )
    # the parameters as dummies: one named like a function (beta, the beta law's second
    # shape) would shadow that function in the generated code
    dummies = [Dummy(f"p{i}") for i in range(len(parameters))]
    renamed = dict(zip(parameters, dummies, strict=True))
    g = f.xreplace(renamed)
    modules = [{"exp": safe_exp}, "mpmath"]
    # the integrand in the distance d to a finite end (z = lower + d, z = upper - d),
    # which stays exact where z itself would round to the end
    d = Dummy("d", positive=True)
    # (without cancellation: 1 - z^a at z = 1 - d is -expm1(a log1p(-d)), :mod:`.endpoint`)
    near = tuple(
        _hoisted_lambdify(
            d,
            dummies,
            near_end(g, variable, S(bound).xreplace(renamed), sign, d),
            [*modules[:1], {"log1p": mpmath.log1p, "expm1": mpmath.expm1}, "mpmath"],
        )
        if bound.is_finite
        else None
        for bound, sign in ((lower, 1), (upper, -1))
    )
    return _CompiledIntegral(
        parameters,
        _hoisted_lambdify(variable, dummies, g, modules),
        near,  # type: ignore[arg-type]
        tuple(kinks(f, variable)),
    )


def _hoisted_lambdify(variable: Symbol, parameters: list, g: Expr, modules: list) -> Callable:
    """``g`` as ``f(variable, *parameters)``, compiled with its parts that do not depend on
    the variable (``Gamma((nu + 1)/2) / Gamma(nu/2)``, ``sqrt(pi)``) computed once per
    parameter values and working precision rather than at every node of the quadrature,
    and its repeated subexpressions once per node (``cse``). The numbers are those of
    the plain compiled ``g``, computed at the same precision (mpmath's quadrature works
    with guard digits: each precision has its own constants). A part holding ``exp`` is
    left in place: ``safe_exp`` flags an underflow at the point being evaluated."""
    parts: set[Expr] = set()

    def collect(node) -> None:
        if isinstance(node, Expr) and not node.is_Atom and not node.has(variable, exp):
            parts.add(node)
            return
        for arg in node.args:
            collect(arg)

    collect(g)
    if not parts:
        return lambdify((variable, *parameters), g, modules=modules, cse=True)
    ordered = sorted(parts, key=default_sort_key)
    names = [Dummy(f"k{i}") for i in range(len(ordered))]
    inner = lambdify(
        (variable, *parameters, *names),
        g.xreplace(dict(zip(ordered, names, strict=True))),
        modules=modules,
        cse=True,
    )
    constants = lambdify(parameters, ordered, modules=modules)
    memo: dict = {}

    def compiled(x, *arguments):
        key = (mpmath.mp.prec, arguments)
        found = memo.get(key)
        if found is None:
            if len(memo) > 64:
                memo.clear()
            found = memo[key] = constants(*arguments)
        return inner(x, *arguments, *found)

    return compiled


def _factored_denominators(f: Expr, variable: Symbol) -> Expr:
    """``f`` with each polynomial denominator in ``variable`` alone (numeric coefficients)
    factored: ``z^4 - 2 z^3 + z^2`` (a normal form expands ``z^2 (1 - z)^2``) loses every
    digit next to ``z = 1``, ``z^2 (z - 1)^2`` none."""
    from sympy import Pow, factor

    def expanded_polynomial(x: Expr) -> bool:
        return (
            isinstance(x, Pow)
            and x.exp.is_negative
            and isinstance(x.base, Add)
            and x.base.free_symbols == {variable}
            and x.base.is_polynomial(variable)
        )

    return f.replace(expanded_polynomial, lambda x: factor(x.base) ** x.exp)


def quadrature(integral: Integral, values: dict, fast: bool) -> mpmath.mpf:
    """The integral's value at the parameter ``values``: the trapezoidal rule when
    ``fast`` allows, else mpmath."""
    ((variable, lower, upper),) = integral.limits
    lower, upper = S(lower).xreplace(values), S(upper).xreplace(values)
    if fast and lower == -oo and upper == oo:
        compiled = compile_float(integral.function.xreplace(values), variable)
        value = _trapezoid(compiled) if compiled is not None else None
        if value is not None:
            return mpmath.mpf(value)
    compiled_integral = _compiled(integral)
    arguments = [mp_number(S(values[s])) for s in compiled_integral.parameters]
    lo, hi = mp_number(lower), mp_number(upper)
    integrand = _fringe_zero(
        lambda x: compiled_integral.integrand(x, *arguments),
        lambda x: abs(x) > _FRINGE**-1 or x - lo < _FRINGE or hi - x < _FRINGE,
    )
    kinks = [S(k).xreplace(values) for k in compiled_integral.kinks]
    found = [k.evalf(30) for k in kinks if k.is_number]
    real = [k for k in found if k.is_real and k.is_finite]  # a complex pair has no kink
    inner = {mpmath.mpf(-3), mpmath.mpf(0), mpmath.mpf(3), *(mp_number(k) for k in real)}
    # and around a narrow peak, which the nodes of a wide segment would miss
    inner.update(peak_points(integrand, lo, hi))
    points = [lo, *sorted(p for p in inner if lo < p < hi), hi]
    # a far end is reached through z = +-c e^{u}: power-law tails (a Pareto law, a t law
    # with few degrees of freedom, whose z^2 q(z) decays like |z|^(-5/4) at nu = 9/4)
    # become exponential ones, which tanh-sinh integrates to full precision
    # (every infinite end: a divergent tail is then seen, :func:`_exponential_quad`)
    tail = mpmath.mpf(0)
    if points[-1] == mpmath.inf:
        points[-1] = max(points[-2], mpmath.mpf(1))  # the tail's start, c >= 1
        tail += _substituted(integrand, points[-1], 1)
        if points[-1] == points[-2]:
            points.pop()
    if points[0] == -mpmath.inf:  # and the left end through z = -c e^{u}
        points[0] = min(points[1], mpmath.mpf(-1))
        tail += _substituted(integrand, points[0], 1)
        if points[0] == points[1]:
            points.pop(0)
    near = [
        _fringe_zero(lambda x, g=g: g(x, *arguments), lambda x: x < _FRINGE)
        if g is not None
        else None
        for g in compiled_integral.near
    ]
    return _segments(integrand, points, *near) + tail


def _substituted(f, c: mpmath.mpf, direction: int) -> mpmath.mpf:
    """The integral of ``f`` through ``z = c e^{direction u}``, ``u`` in ``[0, oo)``: a tail
    beyond ``c`` out to infinity (``direction`` 1, ``c`` of either sign, the tail's
    integral: ``dz`` taken as ``|c| e^{u} du``), or from ``c`` in to 0 (``direction`` -1,
    ``f`` of the distance to an end: ``dz = -c e^{-u} du``, the integral from 0 to ``c``,
    negative for a range given from its upper end)."""
    if direction > 0:
        scale = abs(c)
        return _exponential_quad(lambda u: f(c * mpmath.exp(u)) * scale * mpmath.exp(u))
    return _exponential_quad(lambda u: f(c * mpmath.exp(-u)) * c * mpmath.exp(-u))


class DivergentIntegral(ValueError):
    """An integral whose integrand has not decayed at the far end of its substituted
    range: it diverges (``E[z^2]`` under a t law with 2 or fewer degrees of freedom), or
    converges too slowly to be valued. Not a number to compare: the verifier draws
    other parameter values (:mod:`.numeric`), never counts it as agreement."""


def _exponential_quad(f) -> mpmath.mpf:
    """The integral of ``f`` over ``u`` in ``[0, oo)``, where ``f`` decays at least
    exponentially (a substituted end or tail): up to ``u = 100``, and up to ``10^4`` only
    when ``f`` is not yet negligible there (a slow decay such as ``e^{-u/50}``).

    :class:`DivergentIntegral` when ``f`` is still not negligible (or not a number) at
    ``u = 10^4``: a power-law tail ``z^{-1+e}`` becomes ``e^{e u}``, which
    grows, and its quadrature up to ``10^4`` would be a huge but finite number shared by
    both sides of a step (a false step with a common divergent term would then agree)."""
    total = mpmath.quad(f, [0, 10, 100])
    edge = f(mpmath.mpf(100))
    if not mpmath.isfinite(edge) or abs(edge) > _DECAYED:
        # a finite far end: e^{-u/50} is below 1e-80 at u = 10^4, and mpmath's map of an
        # infinite interval would reach u = 10^20, where e^{u} costs a long computation
        edge = f(mpmath.mpf(10000))  # (looked at first: a divergent tail costs nothing)
        if not mpmath.isfinite(edge) or abs(edge) > _DECAYED:
            raise DivergentIntegral("the integrand has not decayed at the far end")
        total += mpmath.quad(f, [100, 1000, 10000])
    return total


#: a substituted integrand below this at u = 100 (or at 10^4) has decayed
_DECAYED = mpmath.mpf(10) ** -40


#: how close to an end (or how far out) an integrand may be 0 * log(0/0)
_FRINGE = mpmath.mpf("1e-8")


def _fringe_zero(f, at_fringe):
    """``f``, but 0 where it cannot be evaluated at the fringe of its range: there a
    density has underflowed to 0 (``safe_exp``) and ``q log(q/p)`` is ``0 log(0/0)`` or
    ``q log(q/0)``, whose true contribution there is far below any tolerance."""

    def wrapped(x):
        _FLUSHED[0] = False
        try:
            value = f(x)
        except ZeroDivisionError:
            if at_fringe(x) or _FLUSHED[0]:
                return mpmath.mpf(0)
            raise
        # a density flushed to 0 below e^(-10^6) (safe_exp) makes log of it -oo and
        # 0 log 0 undefined: the true contribution there is below e^(-10^6)
        flushed = at_fringe(x) or _FLUSHED[0]
        if flushed and isinstance(value, mpmath.mpf) and not mpmath.isfinite(value):
            return mpmath.mpf(0)
        return value

    return wrapped


def _segments(integrand, points: list, shifted=None, reflected=None) -> mpmath.mpf:
    """``integrand`` over the segments between ``points``; a finite end of the whole
    range is reached through ``z = end -+ w e^{-u}``, which turns an integrable
    singularity there (``z^{-0.9}`` of a gamma law's ``E[1/z]`` with shape 1.1) into an
    exponential decay that tanh-sinh integrates to full precision."""
    if len(points) < 2:
        return mpmath.mpf(0)
    if len(points) == 2 and all(mpmath.isfinite(p) for p in points):
        points = [points[0], (points[0] + points[1]) / 2, points[1]]
    total = mpmath.mpf(0)
    last = len(points) - 2
    for i, (a, b) in enumerate(itertools.pairwise(points)):
        # the substituted end covers the half of its segment next to it: the distance d
        # stays below half the segment, so z = E - d never reaches 0 from a positive end
        # E (the rewrite E^c e^{c log1p(-d/E)} would turn complex at d/E = 1 + 1e-31)
        width = (b - a) / 2
        if i == 0 and shifted is not None and mpmath.isfinite(b):
            total += _substituted(shifted, width, -1) + mpmath.quad(integrand, [a + width, b])
        elif i == last and reflected is not None and mpmath.isfinite(a):
            total += _substituted(reflected, width, -1) + mpmath.quad(integrand, [a, b - width])
        else:
            total += mpmath.quad(integrand, [a, b])
    return total


def _trapezoid(f, half_width: float = 40.0, step: float = 1 / 8) -> float | None:
    """The trapezoidal rule on [-40, 40]: spectrally accurate for smooth integrands with
    Gaussian tails that are not too narrow, and cheap. ``None`` when the tails are not
    negligible there, or the integrand cannot be evaluated in floating point; the caller
    then uses mpmath. A too-narrow integrand gives a wrong value, never a false proof: the
    verifier retries a disagreement with mpmath before it rejects a step.
    """
    try:
        n = int(half_width / step)
        values = [f(i * step) for i in range(-n, n + 1)]
        if not all(map(math.isfinite, values)):
            return None
        if max(abs(values[0]), abs(values[-1])) > 1e-30 * max(map(abs, values)):
            return None
        return math.fsum(values) * step
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return None


#: whether safe_exp flushed an exponential to zero in the integrand's last evaluation
_FLUSHED = [False]


def safe_exp(x: mpmath.mpf) -> mpmath.mpf:
    """mpmath's exponential, but zero far below any tolerance: ``exp(-exp(y))`` at a
    quadrature node far out in a Gumbel tail would otherwise need log 2 to billions of
    digits."""
    if isinstance(x, mpmath.mpf) and x < FLUSH_BELOW:
        _FLUSHED[0] = True
        return mpmath.mpf(0)
    return mpmath.exp(x)
