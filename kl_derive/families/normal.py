r"""The normal family ``normal(loc, scale)``: :math:`\mathcal{N}(\mu, \sigma^2)` on the real line.

Parameters follow PyTorch: ``loc`` is the mean :math:`\mu`, ``scale`` the standard
deviation :math:`\sigma > 0`. Moments are not typed in: they come from the
reparametrization :math:`z = \mu + \sigma\varepsilon`, :math:`\varepsilon \sim
\mathcal{N}(0, 1)`, and the standard normal's moment generating function
:math:`M(t) = e^{t^2/2}`, differentiated by SymPy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import ClassVar

from sympy import (
    Eq,
    Expr,
    Mul,
    Poly,
    Rational,
    S,
    Symbol,
    binomial,
    diff,
    erf,
    exp,
    expand,
    factorial,
    log,
    oo,
    pi,
)

from ..spec import Node
from ..steps.step import Chain, Reparametrization, Step
from ..symbolic.display import (
    add,
    display_form,
    div,
    evaluate,
    expo,
    hand_order,
    ln,
    mul,
    neg,
    power,
    root,
    square,
    sub,
)
from ..symbolic.objects import Expect
from .base import ETA, Family, Moment, NaturalForm, Parameter, absolute_deviation_point

__all__ = ["FAMILY", "Normal"]


class Normal(Family):
    """The univariate normal distribution."""

    name = "normal"
    parameters = (
        Parameter("loc", "mu", "real", "mean"),
        Parameter("scale", "sigma", "positive", "standard deviation"),
    )
    standard = (0, 1)
    #: how the last argument may be read (``--param``): name -> (default symbol, its
    #: domain, the scale as a function of it)
    parametrizations: ClassVar[dict] = {
        "scale": ("sigma", "positive", lambda v: v),
        "variance": ("var", "positive", lambda v: Node("call", "sqrt", (v,))),
        "logvar": ("logvar", "real", lambda v: Node("call", "exp", (_half(v),))),
        "logscale": ("logsigma", "real", lambda v: Node("call", "exp", (v,))),
    }

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (-oo, oo)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        loc, scale = args
        normalizer = div(1, root(mul(2, pi, square(scale))))
        exponent = neg(div(square(sub(variable, loc)), mul(2, square(scale))))
        return mul(normalizer, expo(exponent))

    def notation(self, args: tuple[Expr, ...], latex: Callable[[Expr], str]) -> str:
        loc, scale = args
        variance = square(scale) if isinstance(scale, Symbol) else display_form(scale**2)
        return rf"\mathcal{{N}}({latex(display_form(loc))}, {latex(variance)})"

    # -- what the catalog strategies use ---------------------------------------
    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        """``-1/2 log(2 pi sigma^2) - (z - mu)^2 / (2 sigma^2)``."""
        loc, scale = args
        return add(
            neg(mul(S.Half, ln(mul(2, pi, square(scale))))),
            neg(div(square(sub(variable, loc)), mul(2, square(scale)))),
        )

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        """Moments from the reparametrization; ``E[e^{tz}]`` from the MGF; the mean
        absolute deviation ``E|z - a|``."""
        loc, scale = args
        statistic = evaluate(statistic)
        base, exponent = statistic.as_base_exp()
        if base == variable and exponent.is_Integer and 1 <= exponent <= 4:
            k = int(exponent)
            value = display_form(expand(self.moments(args, k)[k]))
            return Moment(statistic, value, "mean" if k == 1 else "reparametrized")
        if isinstance(statistic, exp):
            t = (statistic.args[0] / variable).simplify()
            if not t.has(variable):
                return Moment(
                    statistic,
                    expo(add(mul(loc, t), div(mul(square(scale), square(t)), 2))),
                    "mgf",
                )
        point = absolute_deviation_point(statistic, variable)
        if point is not None:
            delta = loc - point  # E|z - a| with a = point; delta = mu - a
            value = add(
                mul(
                    scale,
                    root(div(2, pi)),
                    expo(neg(div(square(delta), mul(2, square(scale))))),
                ),
                mul(delta, erf(div(delta, mul(root(2), scale)))),
            )
            return Moment(statistic, value, "abs_moment")
        return None

    def natural_form(self, variable: Symbol, args: tuple[Expr, ...]) -> NaturalForm:
        """The law as an exponential family: ``T = (z, z^2)``,
        ``eta = (mu/sigma^2, -1/(2 sigma^2))``, ``A = -eta_1^2/(4 eta_2) - log(-2 eta_2)/2``."""
        loc, scale = args
        e1, e2 = ETA[:2]
        return NaturalForm(
            (variable, variable**2),
            (div(loc, square(scale)), neg(div(1, mul(2, square(scale))))),
            -(e1**2) / (4 * e2) - log(-2 * e2) / 2,
            div(1, root(mul(2, pi))),
        )

    # -- moments --------------------------------------------------------------
    @staticmethod
    def cumulant_generating_function(t: Symbol) -> Expr:
        """:math:`K(t) = \\log M(t) = t^2/2` for the standard normal."""
        return t**2 / 2

    @classmethod
    def mgf(cls, t: Symbol) -> Expr:
        """The moment generating function of the standard normal, :math:`e^{t^2/2}`."""
        return exp(cls.cumulant_generating_function(t))

    def base_moments(self, degree: int) -> dict[int, Expr]:
        """``{k: E[eps**k]}`` for the standard normal, ``k = 0..degree``, from the MGF."""
        return dict(_standard_moments(degree))

    def moments(self, args: tuple[Expr, ...], degree: int) -> dict[int, Expr]:
        """``{k: E[z**k]}`` for ``k = 0..degree``: the reparametrization expanded, with the
        standard normal's moments substituted (what :meth:`moment_chains` shows)."""
        noise = Symbol("epsilon", real=True)
        base = self.base_moments(degree)
        transform = evaluate(self.reparametrization(args, noise))
        out: dict[int, Expr] = {}
        for k in range(degree + 1):
            poly = Poly(transform**k, noise)
            out[k] = sum(
                (c * base[m[0]] for m, c in zip(poly.monoms(), poly.coeffs(), strict=True)),
                S.Zero,
            )
        return out

    def reparametrization(self, args: tuple[Expr, ...], noise: Symbol) -> Expr:
        """:math:`z = \\mu + \\sigma\\varepsilon` as a display expression."""
        loc, scale = args
        return add(loc, mul(scale, noise))

    def moment_chains(
        self,
        args: tuple[Expr, ...],
        density: Expr,
        base_density: Expr,
        degrees: list[int],
    ) -> tuple[list[Chain], list[Chain], dict[int, Expr]]:
        """Derive ``E[z**k]`` for each ``k`` in ``degrees`` through the reparametrization.

        Returns the chains for the standard normal's moments (``E[eps] = 0`` ...), the
        chains for the moments of ``density``, and the moments themselves.
        """
        variable, noise = density.args[0], base_density.args[0]
        top = max(degrees)
        base = self.base_moments(top)
        t = Symbol("t", real=True)
        base_chains = [
            Chain(
                (
                    Step(
                        "moment.base",
                        Expect(power(noise, k), base_density),
                        base[k],
                        params={"k": S(k), "mgf": self.mgf(t), "at_zero": Eq(t, 0, evaluate=False)},
                        facts="none",
                    ),
                )
            )
            for k in range(1, top + 1)
        ]
        transform = self.reparametrization(args, noise)
        hint = Reparametrization(
            density.func.__name__, base_density.func.__name__, evaluate(transform), noise
        )
        moments: dict[int, Expr] = {0: S.One}
        chains = []
        for k in degrees:
            if k == 0:
                continue
            steps = _moment_steps(k, variable, noise, transform, density, base_density, base, hint)
            moments[k] = evaluate(steps[-1].after)
            chains.append(Chain(tuple(steps)))
        return base_chains, chains, moments


def _moment_steps(
    k: int,
    variable: Symbol,
    noise: Symbol,
    transform: Expr,
    density: Expr,
    base_density: Expr,
    base: Mapping[int, Expr],
    hint: Reparametrization,
) -> list[Step]:
    """``E[z^k] = E[(mu + sigma eps)^k] = ... = value``, as in a textbook."""
    lhs = Expect(power(variable, k), density)
    moved = Expect(power(transform, k), base_density)
    steps = [
        Step(
            "moment.reparametrize",
            lhs,
            moved,
            params={"transform": transform},
            hint=hint,
            facts="lemma",
        )
    ]
    # expand (mu + sigma eps)^k into ascending powers of eps
    poly = Poly(evaluate(transform) ** k, noise)
    coefficients = {int(m[0]): c for m, c in zip(poly.monoms(), poly.coeffs(), strict=True)}
    terms = [(j, _coefficient(transform, noise, k, j)) for j in sorted(coefficients)]
    expanded = add(*[mul(c, power(noise, j)) for j, c in terms])
    current = moved
    if k > 1 and len(terms) > 1:
        after = Expect(expanded, base_density)
        steps.append(Step("moment.expand", current, after, facts="lemma"))
        current = after
    linear = add(*[mul(c, Expect(power(noise, j), base_density)) if j else c for j, c in terms])
    if linear != current:
        steps.append(Step("expectation.linearity", current, linear, facts="lemma"))
        current = linear
    substituted = add(*[_times(c, base[j]) if j else c for j, c in terms])
    if substituted != current:
        steps.append(Step("moment.substitute", current, substituted, facts="lemma"))
        current = substituted
    value = evaluate(substituted)
    final = hand_order(value)
    if final != current:
        steps.append(Step("algebra.simplify", current, final, facts="lemma"))
    return steps


def _coefficient(transform: Expr, noise: Symbol, k: int, j: int) -> Expr:
    """The coefficient of ``eps**j`` in ``(loc + scale*eps)**k``: ``C(k, j) loc^(k-j) scale^j``."""
    loc = evaluate(transform).subs(noise, 0)
    scale = diff(evaluate(transform), noise)
    return mul(binomial(k, j), power(loc, k - j), power(scale, j))


def _times(coefficient: Expr, value: Expr) -> Expr:
    factors = list(coefficient.args) if coefficient.is_Mul else [coefficient]
    if coefficient == 1:
        return value
    return Mul(*factors, value, evaluate=False)


def _half(v: Node) -> Node:
    return Node("binop", "/", (v, Node("num", "2")))


@cache
def _standard_moments(degree: int) -> tuple[tuple[int, Expr], ...]:
    """``E[eps**k] = k! [t^k] M(t)``: the Taylor coefficients of the MGF ``exp(t**2/2)``.

    The series of ``exp(K(t))`` is summed as polynomials over the rationals (SymPy's
    :class:`~sympy.Poly`), which is exact and much cheaper than differentiating ``exp``.
    """
    t = Symbol("t", real=True)
    cumulant = Poly(Normal.cumulant_generating_function(t), t)  # a polynomial
    series = Poly(1, t)
    term = Poly(1, t)
    for m in range(1, degree + 1):
        term = _truncate(term * cumulant, degree)
        series += term * Rational(1, factorial(m))
    coefficients = dict(zip((m[0] for m in series.monoms()), series.coeffs(), strict=True))
    return tuple((k, coefficients.get(k, S.Zero) * factorial(k)) for k in range(degree + 1))


def _truncate(p: Poly, degree: int) -> Poly:
    t = p.gen
    return Poly(
        sum(
            (c * t ** m[0] for m, c in zip(p.monoms(), p.coeffs(), strict=True) if m[0] <= degree),
            S.Zero,
        ),
        t,
    )


FAMILY = Normal()
