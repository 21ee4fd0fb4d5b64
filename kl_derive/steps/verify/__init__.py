"""Checking that a step's two sides are equal.

The verifier first tries to prove the equality symbolically: both sides are brought to a
normal form in which definitions are unfolded, integrals against a density become
expectations, expectations are split by linearity and known moments substituted, and
what is left is expanded (logarithms included) (:mod:`.normal_form`, with the positive
quantities of :mod:`.positive`). If the difference of the normal forms is zero, the step
is ``"symbolic"``. Otherwise both sides are evaluated at a few pseudo-random parameter
values (fixed seed, so runs are reproducible; :mod:`.sampling`), integrals by mpmath
quadrature (:mod:`.quadrature`), and the step is ``"numeric"`` when they agree to 1e-10
(:mod:`.numeric`). A step stated for a symbolic dimension is checked in each concrete
instance (:mod:`.instances`); a gradient of a log-partition function by differentiation
(:mod:`.gradient`); the support and divergence rules by :mod:`kl_derive.steps.support`
and :mod:`kl_derive.steps.divergence`. Anything else raises
:class:`~kl_derive.errors.VerificationError`.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Limit

from ...errors import UncheckedError, VerificationError
from ..context import Context
from ..step import Step, conjuncts
from ..support_sets import implied
from .instances import verify_instances
from .normal_form import (
    antiderivative_holds,
    cached_normal_form,
    expand_big_operators,
    is_zero,
    normal_form,
    same_after_unfolding,
)
from .numeric import numerically_equal
from .quadrature import safe_exp
from .sampling import bound_variables, sample_parameters

__all__ = [
    "expand_big_operators",
    "normal_form",
    "safe_exp",
    "sample_parameters",
    "verify_step",
]


def verify_step(step: Step, context: Context, cache: dict | None = None) -> str:
    """Return ``"symbolic"`` or ``"numeric"`` for a true step; raise for a false one.

    ``cache`` may be shared by the steps of one derivation verified against the same
    contexts: consecutive steps share a side, whose normal form is then computed once.

    A step with a ``condition`` is verified where it holds; a context whose facts rest on
    conditions (``context.assumed``) verifies only a step that states them (a piecewise
    result states them in its condition, checked by its own rule).
    """
    if step.rule != "support.piecewise":
        stated = conjuncts(step.condition)
        missing = [c for c in context.assumed if not implied(c, stated)]
        if missing:
            raise VerificationError(
                step.rule,
                f"{step.before} = {step.after} rests on {missing}, which it does not state",
            )
        if stated:
            context = replace(context, conditions=(*context.conditions, *stated), assumed=())
    if context.sphere:
        from .sphere import verify_on_sphere

        return verify_on_sphere(step, context, cache)
    if context.instances:
        return verify_instances(step, context, verify_step)
    if step.rule != "support.piecewise":
        from .simplex_integral import has_simplex_integral, verify_simplex_step

        if has_simplex_integral(step, context):
            return verify_simplex_step(step, context, verify_step, cache)
    if step.rule == "alpha_integral.independent":
        from .product_integral import verify_independent_product

        return verify_independent_product(step, context)
    if step.rule == "support.piecewise" and step.params.get("coordinates"):
        from .product_integral import verify_coordinates_piecewise

        return verify_coordinates_piecewise(step, context, verify_step, cache)
    if step.rule.startswith("matrix_root.") or step.rule == "wasserstein.gaussian":
        from .matrix_roots import verify_matrix_step

        return verify_matrix_step(step, context)
    if isinstance(step.before, Limit):
        from .limit import verify_limit

        return verify_limit(step, context)
    if step.rule == "log_partition.gradient":
        from .gradient import verify_gradient

        if verify_gradient(step):
            return "symbolic"
        raise VerificationError(step.rule, f"{step.after} is not the derivative of A")
    if step.rule in ("kl.chain_rule", "entropy.chain_rule", "cross_entropy.chain_rule"):
        from .chain_rule import verify_chain_rule

        if verify_chain_rule(step, context):
            return "symbolic"
        raise VerificationError(step.rule, f"{step.before} = {step.after} is not the chain rule")
    if step.rule in ("series.log_expansion", "series.insert"):
        from .series import verify_series_step

        if verify_series_step(step, context):
            return "numeric" if step.rule == "series.log_expansion" else "symbolic"
        raise VerificationError(step.rule, f"{step.before} = {step.after} does not hold")
    if step.rule in ("moment.divergent", "divergence.insert", "divergence.absorb"):
        from ..divergence import verify_divergence_step

        return verify_divergence_step(step, context)
    if step.rule == "integral.antiderivative" and antiderivative_holds(step, context):
        return "symbolic"
    if step.rule in ("jeffreys.both_finite", "jeffreys.equal_supports"):
        from .both_finite import verify_both_finite

        return verify_both_finite(step, context)
    if step.rule == "jeffreys.simplify":
        from .both_finite import verify_pieces_simplified

        return verify_pieces_simplified(step, context, verify_step)
    if step.rule.startswith("support."):
        from ..support import verify_support_step

        return verify_support_step(step, context, verify_step, cache)
    if step.hint is None and same_after_unfolding(step, context):
        return "symbolic"
    before = cached_normal_form(step.before, context, step.hint, cache)
    after = cached_normal_form(step.after, context, step.hint, cache)
    if is_zero(before - after):
        return "symbolic"
    # a fast floating-point pass first; only if it disagrees, the slow precise one
    if numerically_equal(before, after, context, step.rule, fast=True):
        return "numeric"
    if numerically_equal(before, after, context, step.rule, fast=False):
        return "numeric"
    if not _parameters(before, after, context):
        # checked at the given numbers only: there, not proved and not confirmed
        raise UncheckedError(step.rule, f"{step.before} = {step.after}")
    raise VerificationError(step.rule, f"{step.before} = {step.after} does not hold")


def _parameters(before, after, context: Context) -> set:
    """The symbols of a step's two sides and of its laws that are not variables."""
    free = before.free_symbols | after.free_symbols
    for facts in context.densities.values():
        free |= facts.value.free_symbols
    return free - bound_variables(context)
