r"""The Jensen–Shannon divergence between two densities, up to the integral that has no
closed form.

.. math::

    \mathrm{JS}(q, p) = \tfrac12 \int q \log \frac{2q}{q + p} + \tfrac12 \int p \log
    \frac{2p}{q + p} = \log 2 - \tfrac12 H(q) - \tfrac12 H(p) - \tfrac12 \int (q + p)
    \log (q + p),

each step verified (the entropies are the catalog's closed forms). The last integral is
where the derivation stops: the logarithm of a sum of two densities does not split into
a sum of logarithms, so no moment of either law gives it. When every parameter is a
number its value is computed by mpmath's quadrature at a fixed precision (the same digits
on every machine) and stated as an approximation.
"""

from __future__ import annotations

from sympy import Add, Eq, Expr, Float, Integral, Mul, S, Symbol, log

from ..families.base import Distribution
from ..numeric.integral_value import PRECISION, mp_number
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, div, evaluate, ln, mul, neg
from ..symbolic.objects import Bracket
from .describe import catalog_draft
from .exponential import law, parameter_conditions
from .objects import JensenShannon

__all__ = ["continuous_draft", "evaluate_numerically", "mass_points"]

#: the digits the numeric value is shown to (its working precision is
#: :data:`~kl_derive.numeric.integral_value.PRECISION`)
SHOWN = 12


def continuous_draft(first: Distribution, second: Distribution) -> Draft:
    """``JS(first, second)`` brought to one integral (and its value, for numbers)."""
    from ..strategies.entropy import derive_entropy
    from ..strategies.expected_log_ratio import variable_for

    z = variable_for(first)
    q, p = law(first, "q", z), law(second, "p", z)
    qf, pf = q.function, p.function
    lhs = JensenShannon(qf, pf)
    support = q.facts.support

    def integral(integrand: Expr) -> Expr:
        return Integral(integrand, (z, *support))

    both = add(qf, pf)
    definition = add(
        mul(S.Half, integral(mul(qf, ln(div(mul(2, qf), both))))),
        mul(S.Half, integral(mul(pf, ln(div(mul(2, pf), both))))),
    )
    mixture = integral(mul(Bracket(both), ln(both)))
    split = add(
        ln(2),
        mul(S.Half, integral(mul(qf, ln(qf)))),
        mul(S.Half, integral(mul(pf, ln(pf)))),
        neg(mul(S.Half, mixture)),
    )
    # each family of CONTINUOUS has its entropy in closed form (strategies.table.ENTROPY)
    entropies = [derive_entropy(one).result_display for one in (first, second)]
    h_q, h_p = (Bracket(h) if h.is_Add else h for h in entropies)
    final = add(ln(2), neg(mul(S.Half, h_q)), neg(mul(S.Half, h_p)), neg(mul(S.Half, mixture)))
    context = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    context = context.define(evaluate(lhs), evaluate(definition))
    steps = (
        Step("jensen_shannon.integral_definition", lhs, definition),
        Step("jensen_shannon.split", definition, split),
        Step("jensen_shannon.entropies", split, final),
    )
    params: dict[str, object] = {"mixture": mixture}
    values = {qf: q.facts.value, pf: p.facts.value}
    value = evaluate_numerically(evaluate(final).xreplace(values), mass_points(first, second))
    key = "jensen_shannon_integral"
    if value is not None:
        params["value"] = value
        key = "jensen_shannon_integral_value"
    stage = Stage(key, (Chain(steps),), params=params)
    return catalog_draft("mixture_integral", stage, context, final, "jensen_shannon", variable=z)


def evaluate_numerically(
    expression: Expr, points: tuple[Expr, ...] = (), digits: int = SHOWN
) -> Float | None:
    """The value of ``expression`` (numbers only, integrals included), by mpmath's
    tanh-sinh quadrature at :data:`PRECISION` digits, each integral split at ``points``
    (where the laws' mass sits), rounded to ``digits``; ``None`` when a symbol is left or
    the quadrature's error estimate is not below the digits shown."""
    import mpmath
    from sympy import lambdify

    if expression.free_symbols - _bound(expression):
        return None
    with mpmath.workdps(PRECISION):
        total = mpmath.mpf(0)
        for term in Add.make_args(expression):
            found = term.atoms(Integral)
            if not found:
                total += mp_number(term)
                continue
            (one,) = found
            (variable, low, high) = one.limits[0]
            coefficient = mp_number(term.xreplace({one: S.One}))
            f = lambdify(variable, _zero_at_underflow(one.function), "mpmath")
            inside = sorted({x for x in points if low < x < high})
            value, error = mpmath.quad(f, [mp_number(low), *inside, mp_number(high)], error=True)
            if not mpmath.isfinite(value) or error > mpmath.mpf(10) ** (-digits - 2):
                return None
            total += coefficient * value
        if abs(total) < mpmath.mpf(10) ** -digits:  # equal laws: 0 to the digits shown
            total = mpmath.mpf(0)
        return Float(mpmath.nstr(total, digits), digits)


def mass_points(*laws: Distribution) -> tuple[Expr, ...]:
    """Where the laws' mass sits: each one's mean and mean +- 1, 3, 6 standard
    deviations (numbers; none for a law with a symbol or without the two moments)."""
    from ..strategies.expected_log_ratio import variable_for

    out: list[Expr] = []
    for one in laws:
        z = variable_for(one)
        first = one.family.expectation(z, z, one.args)
        second = one.family.expectation(z**2, z, one.args)
        if first is None or second is None:
            continue
        mean, square = S(first.value), S(second.value)
        if mean.free_symbols or square.free_symbols:
            continue
        sd = (square - mean**2).evalf(PRECISION) ** S.Half
        mean = mean.evalf(PRECISION)
        out.extend(mean + k * sd for k in (-6, -3, -1, 0, 1, 3, 6))
    return tuple(out)


def _bound(expression: Expr) -> set[Symbol]:
    return {v for i in expression.atoms(Integral) for v, *_ in i.limits}


def _zero_at_underflow(integrand: Expr) -> Expr:
    """``a log a`` with ``a`` the sum of the densities: 0 where ``a`` is 0 (far in a tail,
    where it underflows), its limit, rather than ``0 * (-oo)``."""
    from sympy import Piecewise

    if isinstance(integrand, Mul):
        factors = [f for f in integrand.args if not isinstance(f, log)]
        logs = [f for f in integrand.args if isinstance(f, log)]
        if len(logs) == 1 and len(factors) == 1 and logs[0].args[0] == factors[0]:
            a = factors[0]
            return Piecewise((S.Zero, Eq(a, 0)), (a * log(a), True))
    return integrand
