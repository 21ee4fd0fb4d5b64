r"""The total variation distance between two uniform laws, through the overlap of their
intervals.

Since :math:`|x - y| = x + y - 2\min(x, y)` and each density integrates to 1,

.. math::

    \mathrm{TV}(q, p) = \tfrac12 \int |q - p| = 1 - \int \min(q, p),

and :math:`\min(q, p)` is zero outside the overlap of :math:`(a, b)` and :math:`(c, d)`
and the lower height :math:`\min(\frac{1}{b - a}, \frac{1}{d - c})` on it. How the two
intervals lie decides the overlap, so the result is stated in cases, each under its
condition: disjoint intervals (either order) give 1; an interval inside the other gives
1 minus the ratio of the shorter length to the longer; intervals that overlap in part
(either order) give 1 minus the overlap's length over the longer length. Parameters given
as numbers choose the case.
"""

from __future__ import annotations

from sympy import And, Expr, Integral, Max, Min, Or, Piecewise, S, Symbol, oo

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..strategies.tidy import tidy
from ..symbolic.display import div, evaluate, mul, sub
from .describe import catalog_draft
from .exponential import law, parameter_conditions
from .objects import TotalVariation

__all__ = ["uniform_draft"]


def _decided(condition: Expr) -> Expr:
    """``condition`` with what its numbers settle already settled."""
    return And(*[S(part) for part in And.make_args(condition)])


def uniform_draft(first: Distribution, second: Distribution) -> Draft:
    """``TV(U(a, b), U(c, d))``, case by case."""
    # a real variable: the integrals run over the whole line, also below a support
    # starting at 0 (a positive z would make z > 0 true, and q = 1 below it)
    z = Symbol("z", real=True)
    q, p = law(first, "q", z), law(second, "p", z)
    (a, b), (c, d) = first.args, second.args
    lhs = TotalVariation(q.function, p.function)
    definition = mul(S.Half, Integral(abs(sub(q.function, p.function)), (z, -oo, oo)))
    context = Context({"q": q.facts, "p": p.facts}, conditions=parameter_conditions(first, second))
    context = context.define(evaluate(lhs), evaluate(definition))
    smaller = Integral(Min(q.function, p.function, evaluate=False), (z, -oo, oo))
    overlap = sub(1, smaller)
    long_q, long_p = sub(b, a), sub(d, c)
    longer = Max(long_q, long_p, evaluate=False)
    # (condition, the overlap (None: empty), its height, the result)
    cases = [
        ("q_below", And(a < b, b <= c, c < d), None, None, S.One),
        ("p_below", And(c < d, d <= a, a < b), None, None, S.One),
        (
            "q_inside",
            And(c <= a, a < b, b <= d),
            (a, b),
            div(1, long_p),
            sub(1, div(long_q, long_p)),
        ),
        (
            "p_inside",
            And(a <= c, c < d, d <= b),
            (c, d),
            div(1, long_q),
            sub(1, div(long_p, long_q)),
        ),
        (
            "q_first",
            And(a < c, c < b, b < d),
            (c, b),
            Min(div(1, long_q), div(1, long_p), evaluate=False),
            sub(1, div(sub(b, c), longer)),
        ),
        (
            "p_first",
            And(c < a, a < d, d < b),
            (a, d),
            Min(div(1, long_q), div(1, long_p), evaluate=False),
            sub(1, div(sub(d, a), longer)),
        ),
    ]
    decided = [(key, _decided(cond), *rest) for key, cond, *rest in cases]
    decided = [case for case in decided if case[1] is not S.false]
    if any(case[1] is S.true for case in decided):
        decided = [next(case for case in decided if case[1] is S.true)]
    chains, pieces = [], []
    for _key, condition, ends, height, final in decided:
        stated = None if condition is S.true else condition
        steps = [
            Step("total_variation.definition_integral", lhs, definition, condition=stated),
            Step("total_variation.overlap", definition, overlap, condition=stated),
        ]
        if ends is None:
            steps.append(Step("total_variation.disjoint", overlap, S.One, condition=stated))
            value = S.One
        else:
            if not height.free_symbols:  # numbers: the lower height itself
                height = tidy(evaluate(height))
            on_overlap = sub(1, Integral(height, (z, *ends)))
            steps.append(
                Step("total_variation.uniform_overlap", overlap, on_overlap, condition=stated)
            )
            value = tidy(evaluate(final)) if not final.free_symbols else final
            steps.append(Step("algebra.simplify", on_overlap, value, condition=stated))
        chains.append(Chain(tuple(steps)))
        pieces.append((value, condition))
    if len(pieces) == 1:
        result = pieces[0][0]
    else:
        pieces = _merged_disjoint(pieces)
        result = Piecewise(*pieces[:-1], (pieces[-1][0], True), evaluate=False)
        chains.append(Chain((Step("total_variation.uniform_cases", lhs, result),)))
    stage = Stage("total_variation_uniform", tuple(chains))
    return catalog_draft("overlap", stage, context, result, "total_variation", variable=z)


def _merged_disjoint(pieces: list[tuple[Expr, Expr]]) -> list[tuple[Expr, Expr]]:
    """The two disjoint cases (value 1, one interval below the other) as one."""
    ones = [cond for value, cond in pieces[:2] if value == 1]
    if len(ones) == 2 and all(value != 1 for value, _ in pieces[2:]):
        return [(S.One, Or(*ones, evaluate=False)), *pieces[2:]]
    return pieces
