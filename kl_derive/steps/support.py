r"""Checking the steps that rest on where the densities are positive.

Two rules are checked here rather than by the normal form of :mod:`.verify`:

* ``support.outside`` -- :math:`D_{\mathrm{KL}}(q \,\|\, p) = \infty` because ``q`` puts
  positive probability on a set where ``p`` is zero. The set is the part of ``q``'s
  support outside ``p``'s; the check computes it and its probability under ``q``.
* ``support.piecewise`` -- the closed form holds where ``q``'s support lies inside
  ``p``'s (and the moments it uses are finite), and the divergence is infinite elsewhere:
  the finite branch must equal the step's left side, and at parameter values that break
  a support condition ``q`` must put positive probability outside ``p``'s support.
"""

from __future__ import annotations

import random

import mpmath
from sympy import Expr, Interval, Piecewise, S, lambdify, oo

from ..errors import VerificationError
from .context import Context, DensityFacts
from .step import Step

__all__ = ["mass_outside", "outside_set", "verify_support_step"]


def outside_set(q: DensityFacts, p: DensityFacts) -> Expr:
    """The part of ``q``'s support that is not in ``p``'s (a SymPy set)."""
    return Interval(*q.support) - Interval(*p.support)


def mass_outside(q: DensityFacts, p: DensityFacts, values: dict) -> mpmath.mpf:
    """The probability under ``q`` (parameters ``values``) of the set where ``p`` is 0.

    The supports are intervals (of integers, for a discrete ``q``); what lies below
    ``p``'s lower end and above its upper end is summed or integrated.
    """
    lower_q, upper_q = (S(b).xreplace(values) for b in q.support)
    lower_p, upper_p = (S(b).xreplace(values) for b in p.support)
    density = q.value.xreplace(values)
    total = mpmath.mpf(0)
    if q.discrete:
        term = lambdify(q.variable, density, modules="mpmath")
        if lower_p > lower_q:  # q's values below p's support (an infinite upper end is fine)
            end = int(mpmath.ceil(_mp(lower_p)))
            if upper_q.is_finite:
                end = min(end, int(upper_q) + 1)
            below = range(int(lower_q), end)
            total += mpmath.fsum(term(k) for k in below)
        if upper_q > upper_p:
            first = max(int(mpmath.floor(_mp(upper_p))) + 1, int(lower_q))
            if upper_q.is_finite:
                total += mpmath.fsum(term(k) for k in range(first, int(upper_q) + 1))
            else:
                total += mpmath.nsum(term, [first, mpmath.inf])
        return total
    from .verify import safe_exp

    integrand = lambdify(q.variable, density, modules=[{"exp": safe_exp}, "mpmath"])
    if lower_q < lower_p:
        total += mpmath.quad(integrand, [_mp(lower_q), _mp(min(lower_p, upper_q))])
    if upper_q > upper_p:
        total += mpmath.quad(integrand, [_mp(max(upper_p, lower_q)), _mp(upper_q)])
    return total


def _mp(x: Expr) -> mpmath.mpf:
    if x == oo:
        return mpmath.inf
    if x == -oo:
        return -mpmath.inf
    return mpmath.mpf(str(S(x).evalf(30)))


def verify_support_step(step: Step, context: Context, cache: dict | None = None) -> str:
    """``"symbolic"`` or ``"numeric"`` for a true support step; raise otherwise."""
    q = context.densities[step.params["q_name"]]
    p = context.densities[step.params["p_name"]]
    if step.rule == "support.outside":
        return _verify_outside(step, context, q, p)
    if step.rule == "support.piecewise":
        return _verify_piecewise(step, context, q, p, cache)
    raise VerificationError(step.rule, "unknown support rule")


def _verify_outside(step: Step, context: Context, q: DensityFacts, p: DensityFacts) -> str:
    from .verify import sample_parameters

    if step.after != oo:
        raise VerificationError(step.rule, "a support mismatch makes the divergence infinite")
    symbols = sorted(
        (
            q.value.free_symbols
            | p.value.free_symbols
            | set().union(*(S(b).free_symbols for b in (*q.support, *p.support)))
        )
        - {q.variable, p.variable},
        key=str,
    )
    rng = random.Random(step.rule)
    for _ in range(3 if symbols else 1):
        values = sample_parameters(symbols, context.conditions, rng)
        if values is None or not mass_outside(q, p, values) > 0:
            raise VerificationError(
                step.rule, f"{q.name} puts no probability outside the support of {p.name}"
            )
    return "numeric" if symbols else "symbolic"


def _verify_piecewise(
    step: Step, context: Context, q: DensityFacts, p: DensityFacts, cache: dict | None
) -> str:
    from .verify import sample_parameters, verify_step

    after = step.after
    if not isinstance(after, Piecewise) or after.args[-1] != (oo, True):
        raise VerificationError(step.rule, "expected a closed form and infinity otherwise")
    value, condition = after.args[0]
    # the finite branch: the same value, checked where the condition holds
    inside = Context(
        context.densities,
        context.definitions,
        conditions=(*context.conditions, condition),
    )
    verify_step(Step("algebra.simplify", step.before, value), inside, cache)
    # the infinite branch: where a support condition fails, q has mass outside p
    support_conditions = step.params.get("support_conditions", ())
    symbols = sorted(
        (condition.free_symbols | q.value.free_symbols | p.value.free_symbols)
        - {q.variable, p.variable},
        key=str,
    )
    rng = random.Random("piecewise")
    for broken in support_conditions:
        values = sample_parameters(symbols, (*context.conditions, ~broken), rng)
        if values is None:
            raise VerificationError(step.rule, f"no parameters break {broken}")
        if not mass_outside(q, p, values) > 0:
            raise VerificationError(step.rule, f"breaking {broken} leaves no mass outside")
    return "numeric"
