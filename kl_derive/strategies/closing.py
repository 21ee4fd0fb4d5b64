r"""Where a closed form holds, and how the derivation says so.

A closed form by moments holds where the first law's support lies inside the second's
and every expectation it uses is finite. The derivation states those conditions on the
equalities that need them (:attr:`~kl_derive.steps.step.Step.condition`), then the
quantity everywhere, :math:`\{\text{closed form if } C;\ \infty \text{ otherwise}\}`,
from the quantity itself (:func:`result_steps`). The contexts of such a derivation
(:func:`moment_contexts`) record the conditions the moments rest on, so that the verifier
refuses a step that uses them without stating them. Shared by the divergence
(:mod:`.expected_log_ratio`) and the (cross-)entropy (:mod:`.entropy`).
"""

from __future__ import annotations

from dataclasses import replace

from sympy import (
    Add,
    And,
    Expr,
    GreaterThan,
    LessThan,
    Or,
    Piecewise,
    StrictGreaterThan,
    StrictLessThan,
    oo,
)

from ..families.base import Moment
from ..steps.context import Context
from ..steps.step import Chain, Sentence, Step
from ..symbolic.display import add, evaluate, mul, neg
from ..symbolic.objects import Bracket
from .tidy import tidy, tidy_coefficient

__all__ = [
    "joined_conditions",
    "moment_contexts",
    "result_steps",
    "stated_conditions",
    "support_note",
    "term",
]


def joined_conditions(conditions) -> Expr | None:
    """The conditions joined with "and" (``None`` for none)."""
    conditions = tuple(conditions)
    if not conditions:
        return None
    return And(*conditions) if len(conditions) > 1 else conditions[0]


def stated_conditions(support_conditions, conditions_needed) -> tuple[Expr, ...]:
    """The conditions a closed form is stated under, as it states them: the supports
    nest and the moments are finite (each written one way, ``a_1 >= a_2``)."""
    both = _strengthened((*support_conditions, *conditions_needed))
    written = tuple(dict.fromkeys(c.canonical if hasattr(c, "canonical") else c for c in both))
    return tuple(c for c in written if not any(_stronger(d, c) for d in written if d != c))


def _stronger(first: Expr, second: Expr) -> bool:
    """Whether ``first`` implies ``second`` as two bounds on one quantity: ``alpha > 2``
    implies ``alpha > 1`` (which is then not stated as well)."""
    from sympy.core.relational import Relational

    if not (isinstance(first, Relational) and isinstance(second, Relational)):
        return False
    if first.lhs != second.lhs or not (first.rhs - second.rhs).is_number:
        return False
    gap = first.rhs - second.rhs
    above = (StrictGreaterThan, GreaterThan)
    if isinstance(first, above) and isinstance(second, above):
        return bool(gap > 0) or (gap == 0 and isinstance(first, StrictGreaterThan))
    below = (StrictLessThan, LessThan)
    if isinstance(first, below) and isinstance(second, below):
        return bool(gap < 0) or (gap == 0 and isinstance(first, StrictLessThan))
    return False


def _strengthened(conditions: tuple) -> tuple:
    """``a >= s`` (the supports nest) with ``a > s or b < s`` (a singular point outside
    ``[a, b]``, the interval of a direct integral) is ``a > s``: one condition, exact at
    the boundary ``a = s``, where the integral diverges."""
    out = list(conditions)
    for condition in conditions:
        if not isinstance(condition, Or):
            continue
        for option in condition.args:
            if isinstance(option, StrictGreaterThan):  # a > s; a >= s may be s <= a
                weak = [GreaterThan(option.lhs, option.rhs), LessThan(option.rhs, option.lhs)]
                found = next((w for w in weak if w in out), None)
                if found is not None and condition in out:
                    out[out.index(found)] = option
                    out.remove(condition)
                    break
    return tuple(out)


def term(coefficient: Expr, statistic: Expr) -> Expr:
    if coefficient == 1:
        return statistic
    if coefficient == -1:
        return neg(statistic)
    return mul(coefficient, statistic)


def result_steps(
    lhs,
    constant,
    statistics,
    moments,
    support_conditions,
    conditions_needed,
    *,
    sign: int = 1,
    tidier=tidy,
    p_name: str = "p",
):
    """The closing chain: ``lhs = constant + sum coefficient * E[T]`` with the moments
    substituted (each term times ``sign``), tidied, and made piecewise when the result
    holds only under conditions. Shared by the divergence and the (cross-)entropy."""
    substituted_terms = [tidier(sign * constant)] if constant != 0 else []
    value = sign * constant
    for (_statistic, coefficient), moment in zip(statistics, moments, strict=True):
        shown = moment.value
        if isinstance(shown, Add):
            shown = Bracket(shown)
        substituted_terms.append(term(tidy_coefficient(sign * coefficient), shown))
        value += sign * coefficient * evaluate(moment.value)
    substituted = add(*substituted_terms) if substituted_terms else tidier(value)
    conditions = stated_conditions(support_conditions, conditions_needed)
    condition = joined_conditions(conditions)
    # the closed form, stated where it holds
    steps = [Step("moment.insert", lhs, substituted, facts="finite", condition=condition)]
    final = tidier(value)
    if final != substituted:
        steps.append(Step("algebra.simplify", substituted, final))
    chains = [Chain(tuple(steps))]
    if conditions:
        # then the quantity everywhere: the closed form where it holds, infinity elsewhere
        piecewise = Piecewise((final, condition), (oo, True), evaluate=False)
        if support_conditions and conditions_needed:
            otherwise = "piecewise_reason.both"
        else:
            otherwise = (
                "piecewise_reason.support" if support_conditions else "piecewise_reason.moment"
            )
        chains.append(
            Chain(
                (
                    Step(
                        "support.piecewise",
                        lhs,
                        piecewise,
                        params={
                            "q_name": "q",
                            "p_name": p_name,
                            "support_conditions": support_conditions,
                            "condition": condition,
                            "otherwise": Sentence(otherwise),
                        },
                        facts="piecewise",
                    ),
                )
            )
        )
        final = piecewise
    return chains, final


def support_note(support, key: str = "support_note.clause") -> dict:
    """The parameters of a step that holds where the supports nest: the condition and
    the sentence that says why (``support_note.inside``, or the ``clause`` inside a
    sentence), none when the supports nest for every parameter."""
    condition = joined_conditions(support)
    if condition is None:
        return {"inside": Sentence("support_note.none")}
    return {"inside": Sentence(key), "condition": condition}


def moment_contexts(bare: Context, moments: list[Moment], conditions) -> dict[str, Context]:
    """The contexts of a derivation by moments: ``main`` knows only the parameters'
    domain (the log densities, the algebra); ``lemma`` is where each moment is shown
    (under its own condition); ``finite`` knows the moments, and a step that uses them
    must state the conditions they rest on; ``piecewise`` is the same for the piecewise
    result, which states them in its condition."""
    expectations = {m.statistic: evaluate(m.value) for m in moments}
    finite = replace(bare.with_expectations("q", expectations), assumed=tuple(conditions))
    return {"main": bare, "lemma": bare, "finite": finite, "piecewise": finite}
