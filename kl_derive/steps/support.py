r"""Checking the steps that rest on where the densities are positive.

Two rules are checked here rather than by the normal form of :mod:`.verify`:

* ``support.outside`` -- :math:`D_{\mathrm{KL}}(q \,\|\, p) = \infty` because ``q`` puts
  positive probability on a set where ``p`` is zero. The set is the part of ``q``'s
  support outside ``p``'s; the check computes it and its probability under ``q``.
* ``support.piecewise`` -- ``D = {closed form if C; oo otherwise}``: the closed form
  holds where ``q``'s support lies inside ``p``'s and the moments it uses are finite, and
  the quantity is infinite elsewhere. The left side must be the quantity itself (a
  closed form is finite where ``C`` fails, so ``log(...) = {log(...) if C; oo otherwise}``
  is refused); the finite branch must equal it under ``C``, with no fact resting on a
  condition ``C`` does not state; at parameter values that break a support condition
  ``q`` must put positive probability outside ``p``'s support, and at values that break
  any other condition, the expectation of the log ratio (or log density) must be shown
  to diverge (:func:`~kl_derive.steps.divergence.divergent_ends`).

A density is zero outside its support: :func:`with_support` (of :mod:`.support_sets`,
with the other helpers the verifier's normal form shares) writes it so,
``{p(z) if z in support; 0 otherwise}``, as a derivation shows it where the supports of
the two laws differ, and as the verifier reads it inside an integral over a range it may
not cover.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import mpmath
from sympy import Expr, Interval, Piecewise, S, lambdify, oo

from ..errors import VerificationError
from ..numeric.integral_value import mp_number
from ..symbolic.objects import KL, CrossEntropy, Entropy
from .context import Context, DensityFacts
from .step import Step, conjuncts
from .support_sets import implied, support_condition, with_support

#: what a support step may say is infinite: the quantities themselves, never a closed form
_QUANTITIES = (KL, Entropy, CrossEntropy)

__all__ = [
    "diverges",
    "implied",
    "mass_outside",
    "outside_set",
    "support_condition",
    "verify_support_step",
    "with_support",
]


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
            end = int(mpmath.ceil(mp_number(lower_p)))
            if upper_q.is_finite:
                end = min(end, int(upper_q) + 1)
            below = range(int(lower_q), end)
            total += mpmath.fsum(term(k) for k in below)
        if upper_q > upper_p:
            first = max(int(mpmath.floor(mp_number(upper_p))) + 1, int(lower_q))
            if upper_q.is_finite:
                total += mpmath.fsum(term(k) for k in range(first, int(upper_q) + 1))
            else:
                total += mpmath.nsum(term, [first, mpmath.inf])
        return total
    from .verify.quadrature import safe_exp

    integrand = lambdify(q.variable, density, modules=[{"exp": safe_exp}, "mpmath"])
    if lower_q < lower_p:
        total += mpmath.quad(integrand, [mp_number(lower_q), mp_number(min(lower_p, upper_q))])
    if upper_q > upper_p:
        total += mpmath.quad(integrand, [mp_number(max(upper_p, lower_q)), mp_number(upper_q)])
    return total


def _is_quantity(e: Expr) -> bool:
    """Whether ``e`` is a quantity itself (a divergence of :mod:`kl_derive.divergences`
    says when it is infinite through its ``defining_mean``)."""
    return isinstance(e, _QUANTITIES) or hasattr(e, "defining_mean")


def verify_support_step(
    step: Step, context: Context, verify: Callable[..., str], cache: dict | None = None
) -> str:
    """``"symbolic"`` or ``"numeric"`` for a true support step; raise otherwise. ``verify``
    is the verifier's entry point (:func:`kl_derive.steps.verify.verify_step`), which checks
    a piecewise result's finite branch."""
    q = context.densities[step.params["q_name"]]
    p = context.densities[step.params["p_name"]]
    if step.rule == "support.outside":
        return _verify_outside(step, context, q, p)
    if step.rule == "support.piecewise":
        return _verify_piecewise(step, context, q, p, verify, cache)
    raise VerificationError(step.rule, "unknown support rule")


def _verify_outside(step: Step, context: Context, q: DensityFacts, p: DensityFacts) -> str:
    from .verify.sampling import sample_parameters

    if step.after != oo:
        raise VerificationError(step.rule, "a support mismatch makes the divergence infinite")
    if not _is_quantity(step.before):
        raise VerificationError(step.rule, f"{step.before} is not a divergence or entropy")
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
    step: Step,
    context: Context,
    q: DensityFacts,
    p: DensityFacts,
    verify: Callable[..., str],
    cache: dict | None,
) -> str:
    from .verify.sampling import sample_parameters

    after = step.after
    if not isinstance(after, Piecewise) or after.args[-1] != (oo, True) or len(after.args) != 2:
        raise VerificationError(step.rule, "expected a closed form and infinity otherwise")
    if not _is_quantity(step.before):
        # a closed form is finite where the condition fails: it is not the piecewise value
        raise VerificationError(
            step.rule, f"{step.before} is not infinite where the condition fails"
        )
    value, condition = after.args[0]
    stated = conjuncts(condition)
    missing = [c for c in context.assumed if not implied(c, stated)]
    if missing:
        raise VerificationError(step.rule, f"the closed form rests on {missing}, not stated")
    # the finite branch: the same value, checked where the condition holds
    verify(
        Step("algebra.simplify", step.before, value, condition=condition),
        replace(context, assumed=()),
        cache,
    )
    # the infinite branch: where a condition fails, q has mass where the log density is
    # -oo (outside p's support), or the expectation diverges
    support_conditions = step.params.get("support_conditions", ())
    symbols = sorted(
        (condition.free_symbols | q.value.free_symbols | p.value.free_symbols)
        - _variables(q)
        - _variables(p),
        key=str,
    )
    rng = random.Random("piecewise")
    for broken in stated:
        # the others held: each condition is shown to matter on its own
        others = [c for c in stated if c is not broken]
        values = sample_parameters(symbols, (*context.conditions, *others, ~broken), rng)
        if values is None:
            raise VerificationError(step.rule, f"no parameters break {broken} alone")
        if mass_outside(q, p, values) > 0:
            continue
        if any(implied(broken, (c,)) and implied(c, (broken,)) for c in support_conditions):
            raise VerificationError(step.rule, f"breaking {broken} leaves no mass outside")
        if not diverges(step.before, q, p, values):
            raise VerificationError(step.rule, f"breaking {broken} is not shown to be infinite")
    return "numeric"


def _variables(facts: DensityFacts) -> set:
    """The law's variable, or its coordinates (a law on the simplex)."""
    return set(facts.variable) if isinstance(facts.variable, tuple) else {facts.variable}


def diverges(quantity: Expr, q: DensityFacts, p: DensityFacts, values: dict) -> bool:
    """Whether the expectation under ``q`` that defines ``quantity`` (the log ratio, or
    minus a log density) is shown to be +oo at the parameter ``values``."""
    from sympy import expand_log, log

    from .divergence import mean_is_infinite

    if hasattr(quantity, "defining_mean"):  # a divergence of kl_derive.divergences
        h = quantity.defining_mean(q.value, p.value)
    elif isinstance(quantity, KL):
        h = log(q.value) - log(p.value)
    elif isinstance(quantity, Entropy):
        h = -log(q.value)
    else:
        h = -log(p.value)
    if isinstance(q.variable, tuple):  # a law on the simplex (a Dirichlet law)
        from .verify.simplex_integral import simplex_mean_infinite

        return simplex_mean_infinite(h, q, values)
    at = replace(
        q,
        value=q.value.xreplace(values),
        support=tuple(S(b).xreplace(values) for b in q.support),
    )
    try:
        return mean_is_infinite(expand_log(h.xreplace(values), force=True), at)
    except Exception:  # a limit SymPy cannot take: not shown
        return False
