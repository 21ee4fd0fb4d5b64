r"""The limit :math:`\alpha \to 1` of a Rényi divergence with a symbolic order, as a step:

.. math::

    \lim_{\alpha \to 1} D_\alpha(q \,\|\, p) = D_{\mathrm{KL}}(q \,\|\, p).

The right side is the KL divergence's closed form as kl-derive's KL engine drafts it for
the same two laws (``kl-derive P Q`` derives it step by step). The step is verified by
:mod:`kl_derive.steps.verify.limit` in a context where :math:`D_\alpha(q \,\|\, p)`
stands for the value the derivation's steps verified (its closed form where the
condition holds and :math:`\infty` elsewhere, as the result states it), approached from
both sides of 1 at sampled parameters: a value that is infinite near 1 is rejected.
It is added where the KL divergence is a closed form for every value of the parameters.

Where the KL divergence is infinite for every value of the parameters (the KL engine
derives :math:`\infty`: the first law puts mass where the second has none, as a binomial
law with more trials than the second), the step is

.. math::

    \lim_{\alpha \to 1} D_\alpha(q \,\|\, p) = \infty = D_{\mathrm{KL}}(q \,\|\, p):

:math:`D_\alpha` is nondecreasing in :math:`\alpha`, and tends to the KL divergence as
:math:`\alpha \uparrow 1` even when that is infinite (van Erven and Harremoës, "Rényi
divergence and Kullback-Leibler divergence", IEEE Trans. Inf. Theory 60(7), 2014,
Theorem 5); above 1 it is at least the KL divergence, so infinite. The verifier checks
the growth on each side (:mod:`kl_derive.steps.verify.limit`). Elsewhere (a KL finite
only under a condition, or not derived) the derivation says nothing more than the
definition's remark.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Expr, Integral, Limit, Piecewise, Sum, oo

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import evaluate

__all__ = ["limit_stage"]


def limit_stage(
    first: Distribution,
    second: Distribution,
    lhs: Expr,
    result: Expr,
    order: Expr,
    context: Context,
) -> tuple[Stage, Context] | None:
    """The stage ``lim_{order -> 1} lhs = KL`` and the context its step is verified in,
    where ``lhs`` (the divergence, ``D_alpha(q || p)``) stands for ``result``, the value
    the derivation's steps verified for it (piecewise where it is conditional), or
    ``None``."""
    if not order.free_symbols:
        return None
    kl = _kl(first, second)
    if kl is None:
        return None
    from ..strategies.placeholders import in_user_parameters

    infinite = kl == oo
    rule = "renyi.limit_infinite" if infinite else "renyi.limit"
    step = Step(rule, Limit(lhs, order, 1, "+-"), kl, facts="limit")
    verified_in = replace(context, definitions={evaluate(lhs): evaluate(result)}, assumed=())
    # the KL is in the user's parameters (exp(s), not the placeholder sigma): so are the
    # value the divergence stands for and the laws
    mapping = {**first.substitutions, **second.substitutions}
    verified_in = in_user_parameters(verified_in, mapping)
    key = "renyi_limit_infinite" if infinite else "renyi_limit"
    return Stage(key, (Chain((step,)),)), verified_in


def _kl(first: Distribution, second: Distribution) -> Expr | None:
    """KL(first || second) in closed form as the KL engine drafts it (``oo`` where it is
    infinite for every value of the parameters), or ``None``."""
    from ..engine import draft_for
    from ..strategies.placeholders import substitute_draft

    try:
        draft = substitute_draft(draft_for(first, second), (first, second))
    except (KeyError, KLDeriveError):
        return None
    result = draft.result_display
    if result == oo:
        return oo
    if isinstance(result, Piecewise) or result.has(oo, Integral, Sum):
        return None
    return result
