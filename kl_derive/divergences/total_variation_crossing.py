r"""The total variation distance between two normal or two exponential laws, through the
points where the densities cross.

Since :math:`\int (q - p) = 0`, half the integral of :math:`|q - p|` is the integral of
:math:`q - p` where it is positive, and also minus its integral where it is negative.
When :math:`q - p` has one sign between two crossing points :math:`z_- < z_+` (or below
one crossing point) and the other sign outside,

.. math::

    \mathrm{TV}(q, p) = \tfrac12 \int |q - p| = \Bigl|\int_{z_-}^{z_+} (q - p)\Bigr|
    = \bigl|Q([z_-, z_+]) - P([z_-, z_+])\bigr|,

whichever law is the narrower. The crossing points solve :math:`\log q = \log p`: a
quadratic for two normal laws (two real roots whenever the variances differ, its
discriminant being :math:`(\mu_1 - \mu_2)^2 + (\sigma_2^2 - \sigma_1^2)\log(\sigma_2^2 /
\sigma_1^2) \ge 0`), a linear equation for equal variances (the midpoint of the means) and
for two exponential laws (:math:`z^* = \log(\lambda_1/\lambda_2) / (\lambda_1 - \lambda_2)`).
Equal scales (or rates) and different ones are two cases, each stated with its condition;
parameters given as numbers choose the case.
"""

from __future__ import annotations

from sympy import Abs, Eq, Expr, Integral, Ne, Piecewise, S, Symbol, exp, log, oo

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..strategies.tidy import tidy
from ..symbolic.display import add, div, evaluate, ln, mul, neg, power, root, sub
from ..symbolic.objects import Bracket
from .describe import catalog_draft
from .exponential import law, parameter_conditions
from .objects import CrossingPoint, NormalCDF, PlusMinus, TotalVariation

__all__ = ["CROSSING_FAMILIES", "crossing_draft"]

CROSSING_FAMILIES = ("normal", "exponential")


def crossing_draft(first: Distribution, second: Distribution) -> Draft:
    """``TV(first, second)`` for two normal or two exponential laws."""
    family = first.family.name
    if family != second.family.name or family not in CROSSING_FAMILIES:
        raise KLDeriveError(
            "the total variation distance between densities is derived for two normal laws "
            f"or two exponential laws (got {first.family.name} and {second.family.name})"
        )
    from ..strategies.expected_log_ratio import variable_for

    z = variable_for(first)
    q, p = law(first, "q", z), law(second, "p", z)
    lhs = TotalVariation(q.function, p.function)
    definition = mul(S.Half, Integral(Abs(sub(q.function, p.function)), (z, *q.facts.support)))
    context = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    context = context.define(evaluate(lhs), evaluate(definition))
    scale_1, scale_2 = first.args[-1], second.args[-1]
    same = Eq(scale_1, scale_2)
    cases = [(same, _equal, "equal")] if same is S.true else []
    if same is not S.true:
        cases.append((S.true if same is S.false else Ne(scale_1, scale_2), _different, "differ"))
        if same is not S.false:
            cases.insert(0, (same, _equal, "equal"))
    chains, pieces, params = [], [], {}
    for condition, make, key in cases:
        stated = None if condition is S.true else condition
        crossing, steps, final = make(family, first, second, q, p, z, lhs, definition, stated)
        chains.append(Chain(tuple(steps)))
        pieces.append((final, condition))
        params[f"crossing_{key}"] = crossing
    if len(pieces) == 1:
        result = pieces[0][0]
    else:
        (equal, when), (differ, _) = pieces
        result = Piecewise((equal, when), (differ, True), evaluate=False)
        chains.append(Chain((Step("total_variation.cases", lhs, result),)))
    key = f"total_variation_{family}"
    if family == "normal" and "crossing_differ" in params:
        key += "_crossings"
    stage = Stage(key, tuple(chains), params=params)
    return catalog_draft("crossing_points", stage, context, result, "total_variation", variable=z)


def _cdf(family: str, args: tuple[Expr, ...], x: Expr) -> Expr:
    """The law's distribution function at ``x``, as shown."""
    if family == "normal":
        mu, sigma = args
        return NormalCDF(div(sub(x, mu), sigma))
    (rate,) = args
    return sub(1, exp(neg(mul(rate, x))))


def _equal(family, first, second, q, p, z, lhs, definition, condition):
    """Equal scales: one crossing point; the mass of the lower half-line."""
    if family == "normal":
        (m1, s), (m2, _) = first.args, second.args
        point = tidy(evaluate((m1 + m2) / 2))
        below = Integral(sub(q.function, p.function), (z, -oo, point))
        split = Abs(below)
        phis = Abs(
            sub(NormalCDF(div(sub(m2, m1), mul(2, s))), NormalCDF(div(sub(m1, m2), mul(2, s))))
        )
        final = sub(mul(2, NormalCDF(div(Abs(sub(m1, m2)), mul(2, s)))), 1)
        steps = [
            Step("total_variation.definition_integral", lhs, definition, condition=condition),
            Step("total_variation.one_crossing", definition, split, condition=condition),
            Step("total_variation.normal_cdf", split, phis, condition=condition),
            Step("total_variation.symmetry", phis, final, condition=condition),
        ]
        return point, steps, final
    # two exponential laws of one rate are one law
    steps = [
        Step("total_variation.definition_integral", lhs, definition, condition=condition),
        Step("total_variation.same_law", definition, S.Zero, condition=condition),
    ]
    return S.Zero, steps, S.Zero


def _different(family, first, second, q, p, z, lhs, definition, condition):
    steps = [Step("total_variation.definition_integral", lhs, definition, condition=condition)]
    if family == "normal":
        (m1, s1), (m2, s2) = first.args, second.args
        low, high = (CrossingPoint(sign, m1, s1, m2, s2) for sign in (-1, 1))
        if not (low.free_symbols or high.free_symbols):  # numbers: the points written out
            low, high = (tidy(evaluate(point.rewritten())) for point in (low, high))
        between = Abs(Integral(sub(q.function, p.function), (z, low, high)))
        masses = Abs(
            add(
                _cdf(family, first.args, high),
                neg(_cdf(family, first.args, low)),
                neg(_cdf(family, second.args, high)),
                _cdf(family, second.args, low),
            )
        )
        steps += [
            Step("total_variation.two_crossings", definition, between, condition=condition),
            Step("total_variation.normal_cdf", between, masses, condition=condition),
        ]
        spread = root(
            add(
                power(Bracket(sub(m1, m2)), 2),
                mul(Bracket(sub(power(s2, 2), power(s1, 2))), ln(div(power(s2, 2), power(s1, 2)))),
            )
        )
        shown = PlusMinus(Symbol("z", real=True))
        centre = sub(mul(power(s2, 2), m1), mul(power(s1, 2), m2))
        value = div(
            Bracket(PlusMinus(centre, mul(s1, s2, spread))),
            Bracket(sub(power(s2, 2), power(s1, 2))),
        )
        return Eq(shown, value, evaluate=False), steps, masses
    (l1,), (l2,) = first.args, second.args
    point = (
        div(ln(div(l1, l2)), Bracket(sub(l1, l2)))
        if l1.free_symbols | l2.free_symbols
        else tidy(evaluate(log(l1 / l2) / (l1 - l2)))
    )
    below = Abs(Integral(sub(q.function, p.function), (z, 0, point)))
    masses = Abs(sub(_cdf(family, first.args, point), _cdf(family, second.args, point)))
    # e^{-lambda z*} = (lambda_2/lambda_1)^{lambda/(lambda_1 - lambda_2)}
    ratio = div(l2, l1)
    final = Abs(
        sub(
            power(ratio, div(l2, Bracket(sub(l1, l2)))),
            power(ratio, div(l1, Bracket(sub(l1, l2)))),
        )
    )
    steps += [
        Step("total_variation.one_crossing", definition, below, condition=condition),
        Step("total_variation.exponential_cdf", below, masses, condition=condition),
    ]
    if evaluate(final) != evaluate(masses) or final.free_symbols:
        steps.append(Step("algebra.simplify", masses, final, condition=condition))
    else:
        final = masses
    return point, steps, final
