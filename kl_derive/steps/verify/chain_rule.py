r"""The chain rule of the divergence: :math:`D(q(x, \tau) \,\|\, p(x, \tau)) = D(q(\tau)
\,\|\, p(\tau)) + \mathbb{E}_{q(\tau)}[D(q(x \mid \tau) \,\|\, p(x \mid \tau))]`.

It holds whenever each joint density is the product of a density of :math:`\tau` and a
density of :math:`x` given :math:`\tau` that integrates to one in :math:`x` for every
:math:`\tau`: the log ratio splits into the two log ratios, and the expectation of the
second is taken first in :math:`x`, then in :math:`\tau`. This check establishes exactly
those premises, symbolically, and that the step's right side is that sum.
"""

from __future__ import annotations

from sympy import Expr, integrate, oo, simplify

from ...symbolic.objects import KL, Expect
from ..context import Context
from ..step import Step

__all__ = ["verify_chain_rule"]


def verify_chain_rule(step: Step, context: Context) -> bool:
    """Whether ``step`` is the chain rule for the joint densities it names."""
    (qj, qt, qc), (pj, pt, pc) = step.params["joints"]
    value = step.params["value"]
    if step.before != KL(qj, pj):
        return False
    expected = KL(qt, pt) + Expect(KL(qc, pc), qt)
    if simplify(step.after - expected) != 0:
        return False
    for joint, marginal, conditional in ((qj, qt, qc), (pj, pt, pc)):
        facts = [context.density_of(f) for f in (joint, marginal, conditional)]
        if any(f is None for f in facts):
            return False
        joint_f, marginal_f, conditional_f = facts
        if value in marginal_f.value.free_symbols:  # the law of tau must not involve x
            return False
        if simplify(joint_f.value - marginal_f.value * conditional_f.value) != 0:
            return False
        if not _integrates_to_one(conditional_f.value, value):
            return False
    return True


def _integrates_to_one(density: Expr, variable: Expr) -> bool:
    total = integrate(density, (variable, -oo, oo), conds="none")
    return simplify(total - 1) == 0
