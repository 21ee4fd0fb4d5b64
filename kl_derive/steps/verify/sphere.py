r"""Steps about laws on the unit sphere :math:`S^{p-1}`, checked by quadrature over it.

Each side of a step is evaluated at pseudo-random parameter values (concentrations in
:math:`[0.3, 6]`, mean directions uniform on the sphere; a fixed seed, so runs are
reproducible) in each dimension of :attr:`Context.sphere`, and the two values must agree
to :math:`10^{-9}`. An expectation, divergence or entropy is the integral of the density
itself (its value as the family writes it, normalizer included) over the sphere, so the
closed forms are checked against the law, not against themselves.

The integrands here depend on :math:`\boldsymbol{x}` only through inner products
:math:`\boldsymbol{v}^{T}\boldsymbol{x}` with at most two directions. With an orthonormal
basis :math:`e_1, e_2` of their span, :math:`\boldsymbol{x} = \sin\theta\cos\phi\, e_1 +
\sin\theta\sin\phi\, e_2 + \cos\theta\, \boldsymbol{w}` (:math:`\boldsymbol{w}` a unit vector
orthogonal to both) and the surface measure is :math:`\sin\theta\cos^{p-3}\theta\, d\theta\,
d\phi\, d\sigma(\boldsymbol{w})` (spherical coordinates), so

.. math::

    \int_{S^{p-1}} f\, d\sigma = \lvert S^{p-3}\rvert \int_0^{2\pi}\!\!\int_0^{\pi/2}
    f(\sin\theta\cos\phi, \sin\theta\sin\phi)\, \sin\theta\cos^{p-3}\theta\,
    d\theta\, d\phi \qquad (p \ge 3),

and :math:`\int_0^{2\pi} f(\cos\phi, \sin\phi)\, d\phi` on the circle (:math:`p = 2`):
Gauss-Legendre nodes in :math:`\theta`, the trapezoid rule in the periodic :math:`\phi`,
refined until two rules agree to :math:`10^{-12}`.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

import mpmath
from sympy import Dummy, Expr, Float, MatrixSymbol, Symbol, Tuple, exp, expand_log, lambdify, log
from sympy.core.function import Application, AppliedUndef

from ...errors import VerificationError
from ...symbolic.display import evaluate
from ...symbolic.objects import KL, CrossEntropy, Entropy, Expect
from ...symbolic.sphere import Inner, written_out
from ..context import Context
from ..step import Step

__all__ = ["DRAWS", "sphere_integral", "verify_on_sphere"]

#: parameter values drawn in each dimension
DRAWS = 3
_T1, _T2 = Symbol("t_1", real=True), Symbol("t_2", real=True)
_TOLERANCE = 1e-9


def verify_on_sphere(step: Step, context: Context, cache: dict | None = None) -> str:
    """``"sphere"`` when both sides agree at every draw in every dimension; raise
    otherwise. The draws depend only on the dimension and their number (the same values
    for every step of a derivation), so a side two steps share is evaluated once when
    they share ``cache``."""
    cache = {} if cache is None else cache
    for n in context.sphere:
        for k in range(DRAWS):
            values, vectors = _draw(step, context, n, k)
            sides = []
            for side in (step.before, step.after):
                key = ("sphere", side, n, k, tuple(sorted(map(str, values.items()))))
                if key not in cache:
                    cache[key] = _value(side, context, n, values, vectors)
                sides.append(cache[key])
            left, right = sides
            if not abs(left - right) <= _TOLERANCE * max(1.0, abs(left), abs(right)):
                raise VerificationError(
                    step.rule,
                    f"{step.before} = {step.after} does not hold at p = {n}: {left} != {right}",
                )
    return "sphere"


def _draw(step: Step, context: Context, n: int, k: int):
    """Values for the scalar parameters and the unit vectors named in the densities and
    the step: the densities' first, each kind in the order of the names, from a seed that
    depends only on ``n`` and ``k`` (no run depends on the order of a set)."""
    rng = random.Random(20261207 + 1000 * n + k)
    scalars: dict[Symbol, float] = {}
    vectors: dict[str, list[float]] = {}
    dimension = context.dimension
    densities = [d.value for d in context.densities.values()]
    for exprs in (densities, [step.before, step.after]):
        symbols = set().union(*(e.free_symbols for e in exprs))
        for s in sorted(symbols, key=lambda s: (isinstance(s, MatrixSymbol), str(s))):
            if isinstance(s, MatrixSymbol):
                if str(s.name) not in vectors:
                    vectors[str(s.name)] = _unit_vector(n, rng)
            elif isinstance(s, Symbol) and s != dimension and s not in scalars:
                scalars[s] = rng.uniform(0.3, 6.0)
    return scalars, vectors


def _unit_vector(n: int, rng: random.Random) -> list[float]:
    v = [rng.gauss(0.0, 1.0) for _ in range(n)]
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


def _vector(v: Expr, vectors: dict[str, list[float]], point: bool = True) -> list[float] | None:
    """The numbers of a direction; the point ``x`` (drawn on the sphere) only where a
    side is a function of it (``point``), not inside an integral over it."""
    if isinstance(v, Tuple):
        return [float(x) for x in v]
    if isinstance(v, MatrixSymbol) and (point or str(v.name) != "x"):
        return vectors[str(v.name)]
    return None


def _value(expr: Expr, context: Context, n: int, values: dict, vectors: dict) -> float:
    expr = evaluate(expr)
    if context.dimension is not None:
        expr = expr.xreplace({context.dimension: n})
    expr = _as_expectations(expr)
    expectations = {}
    for e in expr.atoms(Expect):
        expectations[e] = Float(_expectation(e, context, n, values, vectors))
    constants: dict = {}
    expr = _unfold(expr.xreplace(expectations), context, n, values, constants)  # at a point
    expr = expr.xreplace({k: Float(v, 30) for k, v in constants.items()})
    expr = _inner_products(expr, vectors)
    number = written_out(expr).xreplace(values).evalf(30)
    try:
        return float(number)
    except TypeError as error:
        raise VerificationError("sphere", f"{expr} is not a number at the draw") from error


def _as_expectations(expr: Expr) -> Expr:
    """KL, entropy and cross-entropy as expectations of log densities."""
    return expr.replace(
        lambda e: isinstance(e, (KL, Entropy, CrossEntropy)),
        lambda e: {
            KL: lambda q, p: Expect(log(q) - log(p), q),
            Entropy: lambda q: Expect(-log(q), q),
            CrossEntropy: lambda q, p: Expect(-log(p), q),
        }[type(e)](*e.args),
    )


def _inner_products(expr: Expr, vectors: dict, point: bool = True) -> Expr:
    def dot(e: Inner) -> Expr:
        a, b = (_vector(v, vectors, point) for v in e.args)
        if a is None or b is None:
            return e
        return sum(x * y for x, y in zip(a, b, strict=True))

    return expr.replace(lambda e: isinstance(e, Inner), dot)


def _expectation(e: Expect, context: Context, n: int, values: dict, vectors: dict) -> float:
    body, density = e.args
    constants: dict = {}
    integrand = _unfold(body * density, context, n, values, constants)
    if integrand.atoms(AppliedUndef):
        raise VerificationError("sphere", f"no density {density} to integrate against")
    directions = sorted(
        {
            tuple(d)
            for i in integrand.atoms(Inner)
            for v in i.args
            if (d := _vector(v, vectors, point=False)) is not None
        }
    )
    basis = _basis([list(d) for d in directions], n)
    coordinates = {}
    for i in integrand.atoms(Inner):
        a, b = i.args
        v = _vector(a, vectors, False) or _vector(b, vectors, False)
        if v is None:
            raise VerificationError("sphere", f"{i} is not an inner product with a direction")
        coordinates[i] = _dot(v, basis[0]) * _T1 + _dot(v, basis[1]) * _T2
    integrand = _inner_products(integrand.xreplace(coordinates), vectors, point=False)
    number = written_out(integrand).xreplace(values)
    # the constants (normalizers, Bessel functions) as numbers, once, not at every node
    number = number.replace(
        lambda e: isinstance(e, Application) and not e.free_symbols, lambda e: e.evalf(20)
    ).evalf(20)
    if number.free_symbols - {_T1, _T2, *constants}:
        raise VerificationError("sphere", f"cannot integrate {number} over the sphere")
    special = {"besseli": lambda v, z: float(mpmath.besseli(v, z))}
    compiled = lambdify((_T1, _T2, *constants), number, modules=[special, "math"])
    known = tuple(constants.values())

    def f(t1: float, t2: float) -> float:
        return compiled(t1, t2, *known)

    scale = max([abs(float(v)) for v in values.values()] + [1.0])
    return sphere_integral(f, n, scale)


def _unfold(body: Expr, context: Context, n: int, values: dict, constants: dict) -> Expr:
    """The densities named in ``body`` (``log q(x)``) by their values, each written as
    ``exp(c + kappa mu^T x)`` with its constant ``c = log C_p(kappa)`` already a number
    (for a large concentration ``C_p`` underflows and ``e^{kappa mu^T x}`` overflows in
    floating point; their product does not)."""
    by_name = {facts.function.func: facts for facts in context.densities.values()}
    dimension = {context.dimension: n} if context.dimension is not None else {}

    def value(f: AppliedUndef) -> Expr:
        facts = by_name.get(f.func)  # by name: the point's size may be written out
        if facts is None:
            return f
        logarithm = expand_log(log(evaluate(facts.value)), force=True).xreplace(dimension)
        constant, varying = logarithm.as_independent(*_points(logarithm), as_Add=True)
        number = written_out(constant).xreplace(values).evalf(30)
        symbol = Dummy(f"log_{f.func.__name__}", real=True)  # a number once compiled
        constants[symbol] = float(number)
        return exp(symbol + varying)

    return body.replace(lambda e: isinstance(e, AppliedUndef), value).xreplace(dimension)


def _points(expr: Expr) -> list[Expr]:
    """The inner products with the point ``x``."""
    return [
        i
        for i in expr.atoms(Inner)
        if any(isinstance(v, MatrixSymbol) and str(v.name) == "x" for v in i.args)
    ]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _basis(directions: list[list[float]], n: int) -> tuple[list[float], list[float]]:
    """An orthonormal pair spanning ``directions`` (completed with coordinate vectors)."""
    candidates = [*directions, *([1.0 if i == j else 0.0 for i in range(n)] for j in range(n))]
    basis: list[list[float]] = []
    for v in candidates:
        w = list(v)
        for b in basis:
            c = _dot(w, b)
            w = [x - c * y for x, y in zip(w, b, strict=True)]
        norm = math.sqrt(_dot(w, w))
        if norm > 1e-8:
            basis.append([x / norm for x in w])
        if len(basis) == 2:
            break
    for d in directions:  # the directions must lie in the span
        rest = [
            x - _dot(d, basis[0]) * a - _dot(d, basis[1]) * b
            for x, a, b in zip(d, *basis, strict=True)
        ]
        if _dot(rest, rest) > 1e-16:
            raise VerificationError("sphere", "more than two directions in one integrand")
    return basis[0], basis[1]


def sphere_integral(f, n: int, scale: float = 1.0) -> float:
    """:math:`\\int_{S^{n-1}} f\\, d\\sigma` for ``f(t1, t2)`` a function of the first two
    coordinates of the point in an orthonormal basis; ``scale`` (the largest parameter)
    sets the first number of nodes."""
    nodes = 24 + 8 * math.ceil(math.sqrt(scale))
    previous = _rule(f, n, nodes)
    while nodes <= 512:
        nodes = nodes * 3 // 2
        current = _rule(f, n, nodes)
        if abs(current - previous) <= 1e-12 * max(1.0, abs(current)):
            return current
        previous = current
    raise VerificationError("sphere", "the quadrature over the sphere did not settle")


def _rule(f, n: int, nodes: int) -> float:
    phis = [2 * math.pi * k / (2 * nodes) for k in range(2 * nodes)]
    weight_phi = 2 * math.pi / (2 * nodes)
    if n == 2:
        return weight_phi * sum(f(math.cos(a), math.sin(a)) for a in phis)
    area = 2 * math.pi ** ((n - 2) / 2) / math.gamma((n - 2) / 2)  # |S^{n-3}|
    total = 0.0
    for x, w in _gauss_legendre(nodes):
        theta = math.pi / 4 * (x + 1)  # [-1, 1] -> [0, pi/2]
        s, c = math.sin(theta), math.cos(theta)
        radial = w * math.pi / 4 * s * c ** (n - 3)
        total += radial * sum(f(s * math.cos(a), s * math.sin(a)) for a in phis)
    return area * weight_phi * total


@lru_cache(maxsize=32)
def _gauss_legendre(m: int) -> tuple[tuple[float, float], ...]:
    """Nodes and weights of the ``m``-point Gauss-Legendre rule on [-1, 1] (Newton's
    method on the Legendre polynomial from Chebyshev guesses)."""
    out = []
    for i in range(1, m + 1):
        x = math.cos(math.pi * (i - 0.25) / (m + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for k in range(2, m + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            derivative = m * (x * p1 - p0) / (x * x - 1)
            step = p1 / derivative
            x -= step
            if abs(step) < 1e-15:
                break
        out.append((x, 2 / ((1 - x * x) * derivative * derivative)))
    return tuple(out)
