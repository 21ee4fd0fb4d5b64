r"""The squared 2-Wasserstein distance between two laws of one location–scale family on the
line, from the quantile coupling.

A law with location :math:`\mu` and scale :math:`s` has quantile function
:math:`F^{-1}(u) = \mu + s\,G^{-1}(u)`, :math:`G^{-1}` the standard law's. Then

.. math::

    W_2^2 = \int_0^1 (\Delta\mu + \Delta s\, G^{-1}(u))^2\,du
          = \Delta\mu^2 + 2\,\Delta\mu\,\Delta s\, m + \Delta s^2 (v + m^2)
          = (\Delta\mu + m\,\Delta s)^2 + v\,\Delta s^2,

with :math:`m = \int_0^1 G^{-1} = \mathbb{E}[Z]` and :math:`v + m^2 = \int_0^1 (G^{-1})^2 =
\mathbb{E}[Z^2]` the standard law's moments (:data:`STANDARD`). Scale families (exponential,
Rayleigh, half-normal) have no location; the uniform law on ``(a, b)`` has location ``a``
and scale ``b - a``. Each step is verified; the integrals of the quantile function by
quadrature on (0, 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sympy import (
    EulerGamma,
    Expr,
    Function,
    Integral,
    Piecewise,
    Rational,
    S,
    Symbol,
    erfinv,
    log,
    pi,
    sqrt,
)

from ..families.base import Distribution
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..strategies.tidy import tidy
from ..symbolic.display import add, div, evaluate, mul, power, sub
from ..symbolic.objects import Bracket
from .describe import catalog_draft
from .exponential import law, parameter_conditions
from .objects import WassersteinSquared

__all__ = ["STANDARD", "location_scale_draft"]


@dataclass(frozen=True)
class Standard:
    """A family's standard law: its quantile function, E[Z], E[Z^2], and how a law's
    parameters give its location and scale."""

    quantile: Callable[[Expr], Expr]
    mean: Expr
    second: Expr
    location_scale: Callable[[tuple[Expr, ...]], tuple[Expr, Expr]]


def _half(u: Expr) -> Expr:
    return Piecewise((log(2 * u), u < S.Half), (-log(2 - 2 * u), True))


STANDARD: dict[str, Standard] = {
    "laplace": Standard(_half, S.Zero, S(2), lambda a: (a[0], a[1])),
    "gumbel": Standard(
        lambda u: -log(-log(u)), EulerGamma, EulerGamma**2 + pi**2 / 6, lambda a: (a[0], a[1])
    ),
    "uniform": Standard(lambda u: u, S.Half, Rational(1, 3), lambda a: (a[0], sub(a[1], a[0]))),
    "exponential": Standard(lambda u: -log(1 - u), S.One, S(2), lambda a: (S.Zero, div(1, a[0]))),
    "rayleigh": Standard(
        lambda u: sqrt(-2 * log(1 - u)), sqrt(pi / 2), S(2), lambda a: (S.Zero, a[0])
    ),
    "half_normal": Standard(
        lambda u: sqrt(2) * erfinv(u), sqrt(2 / pi), S.One, lambda a: (S.Zero, a[0])
    ),
}


def location_scale_draft(first: Distribution, second: Distribution) -> Draft:
    """``W_2^2(first, second)`` for two laws of one family of :data:`STANDARD`."""
    family = first.family.name
    standard = STANDARD[family]
    z = Symbol("z", real=True)
    q, p = law(first, "q", z), law(second, "p", z)
    (m1, s1), (m2, s2) = standard.location_scale(first.args), standard.location_scale(second.args)
    u = Symbol("u", positive=True)
    fq, fp, g = Function("F_q")(u), Function("F_p")(u), Function("G_inv")(u)
    lhs = WassersteinSquared(q.function, p.function)
    coupling = Integral(power(Bracket(sub(fq, fp)), 2), (u, 0, 1))
    uniform = DensityFacts(Function("unif")(u), u, (S.Zero, S.One), S.One)
    context = Context(
        {"q": q.facts, "p": p.facts, "unif": uniform},
        conditions=parameter_conditions(first, second),
    )
    context = (
        context.define(evaluate(lhs), evaluate(coupling))
        .define(fq, evaluate(m1 + s1 * g))
        .define(fp, evaluate(m2 + s2 * g))
        .define(g, standard.quantile(u))
    )
    located = m1 != 0 or m2 != 0

    def quantile(m: Expr, s: Expr) -> Expr:
        return add(m, mul(s, g)) if located else mul(s, g)

    quantiles = Integral(power(Bracket(sub(quantile(m1, s1), quantile(m2, s2))), 2), (u, 0, 1))
    dm, ds = Bracket(sub(m1, m2)), Bracket(sub(s1, s2))
    if located:
        collected = Integral(power(Bracket(add(dm, mul(ds, g))), 2), (u, 0, 1))
        expanded = add(
            mul(power(dm, 2), Integral(S.One, (u, 0, 1))),
            mul(2, dm, ds, Integral(g, (u, 0, 1))),
            mul(power(ds, 2), Integral(power(g, 2), (u, 0, 1))),
        )
        moments = add(
            power(dm, 2), mul(2, dm, ds, standard.mean), mul(power(ds, 2), standard.second)
        )
    else:
        collected = Integral(mul(power(ds, 2), power(g, 2)), (u, 0, 1))
        expanded = mul(power(ds, 2), Integral(power(g, 2), (u, 0, 1)))
        moments = mul(standard.second, power(ds, 2))
    variance = tidy(standard.second - standard.mean**2)
    if located and standard.mean != 0:
        final = add(power(Bracket(add(dm, mul(standard.mean, ds))), 2), mul(variance, power(ds, 2)))
    else:
        final = moments
    steps = [
        Step("wasserstein.quantile_coupling", lhs, coupling),
        Step("wasserstein.location_scale_quantile", coupling, quantiles),
        Step("wasserstein.collect", quantiles, collected),
        Step("integral.linearity", collected, expanded),
        Step("wasserstein.standard_moments", expanded, moments),
    ]
    if final != moments:
        steps.append(Step("algebra.simplify", moments, final))
    params = {
        "standard": g,
        "quantile": _equation(g, standard.quantile(u)),
        "mean": standard.mean,
        "second": standard.second,
    }
    stage = Stage("wasserstein_location_scale", (Chain(tuple(steps)),), params=params)
    return catalog_draft(
        "quantile_coupling",
        stage,
        context,
        final,
        "wasserstein",
        functions={
            "F_q": r"F_{q}^{-1}(u)",
            "F_p": r"F_{p}^{-1}(u)",
            "G_inv": r"G^{-1}(u)",
        },
    )


def _equation(lhs: Expr, rhs: Expr) -> Expr:
    from sympy import Eq

    return Eq(lhs, rhs, evaluate=False)
