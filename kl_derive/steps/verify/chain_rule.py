r"""The chain rule of the divergence: :math:`D(q(x, \tau) \,\|\, p(x, \tau)) = D(q(\tau)
\,\|\, p(\tau)) + \mathbb{E}_{q(\tau)}[D(q(x \mid \tau) \,\|\, p(x \mid \tau))]`.

It holds whenever each joint density is the product of a density of :math:`\tau` and a
density of :math:`x` given :math:`\tau` that integrates to one in :math:`x` for every
:math:`\tau`: the log ratio splits into the two log ratios, and the expectation of the
second is taken first in :math:`x`, then in :math:`\tau`. This check establishes exactly
those premises, symbolically, and that the step's right side is that sum.
"""

from __future__ import annotations

from sympy import (
    Add,
    Expr,
    Matrix,
    Poly,
    PolynomialError,
    Rational,
    Symbol,
    cancel,
    diff,
    expand,
    expand_log,
    factor,
    factorint,
    hessian,
    integrate,
    log,
    oo,
    pi,
    simplify,
)

from ...symbolic.objects import KL, CrossEntropy, Entropy, Expect
from ..context import Context
from ..step import Step

__all__ = ["gaussian_integrates_to_one", "verify_chain_rule"]


def verify_chain_rule(step: Step, context: Context) -> bool:
    r"""Whether ``step`` is the chain rule for the joint densities it names: of the
    divergence (``kl.chain_rule``, two joints), of the entropy (``entropy.chain_rule``,
    one: :math:`H(q(x, \tau)) = H(q(\tau)) + \mathbb{E}_{q(\tau)}[H(q(x \mid \tau))]`)
    or of the cross-entropy (``cross_entropy.chain_rule``, two: :math:`H(q, p) =
    H(q(\tau), p(\tau)) + \mathbb{E}_{q(\tau)}[H(q(x \mid \tau), p(x \mid \tau))]`,
    since :math:`-\log p(x, \tau) = -\log p(\tau) - \log p(x \mid \tau)` and the
    expectation under :math:`q(x, \tau) = q(\tau) q(x \mid \tau)` is taken first in
    :math:`x`)."""
    joints = step.params["joints"]
    value = step.params["value"]
    if step.rule == "entropy.chain_rule":
        ((qj, qt, qc),) = joints
        before, expected = Entropy(qj), Entropy(qt) + Expect(Entropy(qc), qt)
    elif step.rule == "cross_entropy.chain_rule":
        (qj, qt, qc), (pj, pt, pc) = joints
        before = CrossEntropy(qj, pj)
        expected = CrossEntropy(qt, pt) + Expect(CrossEntropy(qc, pc), qt)
    else:
        (qj, qt, qc), (pj, pt, pc) = joints
        before, expected = KL(qj, pj), KL(qt, pt) + Expect(KL(qc, pc), qt)
    if step.before != before or simplify(step.after - expected) != 0:
        return False
    for joint, marginal, conditional in joints:
        facts = [context.density_of(f) for f in (joint, marginal, conditional)]
        if any(f is None for f in facts):
            return False
        joint_f, marginal_f, conditional_f = facts
        variables = conditional_f.variable
        vector = isinstance(variables, tuple)  # a vector x: its coordinates
        if marginal_f.value.free_symbols & (set(variables) if vector else {value}):
            return False  # the law of tau must not involve x
        if simplify(joint_f.value - marginal_f.value * conditional_f.value) != 0:
            return False
        if vector:
            normalized = gaussian_integrates_to_one(conditional_f.value, variables)
        else:
            normalized = _integrates_to_one(conditional_f.value, value)
        if not normalized:
            return False
    return True


def gaussian_integrates_to_one(density: Expr, variables: tuple[Symbol, ...]) -> bool:
    r"""Whether ``density``, positive and the exponential of a quadratic polynomial in
    ``variables``, integrates to one over :math:`\mathbb{R}^d`.

    With :math:`\log f = -\frac12 x^TPx + b^Tx + c`: the matrix :math:`P` must be
    positive definite (each leading principal minor, factored, is positive), and then
    :math:`\int f = e^{c + b^TP^{-1}b/2}(2\pi)^{d/2}(\det P)^{-1/2}` (complete the
    square), whose logarithm must be zero.
    """
    if density.is_positive is not True:
        return False
    log_f = expand(expand_log(log(density), force=True))
    try:
        degree = Poly(log_f, *variables).total_degree()
    except PolynomialError:
        return False
    if degree > 2:
        return False
    d = len(variables)
    precision = -hessian(log_f, variables)
    if any(v in precision.free_symbols for v in variables):
        return False
    for k in range(1, d + 1):
        if factor(precision[:k, :k].det()).is_positive is not True:
            return False
    at_zero = {v: 0 for v in variables}
    linear = Matrix([diff(log_f, v).subs(at_zero) for v in variables])
    constant = log_f.subs(at_zero)
    centre = precision.LUsolve(linear).applyfunc(cancel)
    log_total = (
        constant
        + (linear.T * centre)[0, 0] / 2
        + Rational(d, 2) * log(2 * pi)
        - log(factor(precision.det())) / 2
    )
    return cancel(_primes(expand(expand_log(log_total, force=True)))) == 0


def _primes(e: Expr) -> Expr:
    """``log n`` of each whole number ``n`` in ``e`` as the sum over its prime factors
    (``log 2000 = 4 log 2 + 3 log 5``), so that logs of numbers cancel."""

    def split(x: Expr) -> Expr:
        (n,) = x.args
        if n.is_Rational and n.q != 1:
            return split(log(n.p)) - split(log(n.q))
        return Add(*[k * log(prime) for prime, k in factorint(n).items()])

    return expand(
        e.replace(lambda x: isinstance(x, log) and x.args[0].is_Rational and x.args[0] > 0, split)
    )


def _integrates_to_one(density: Expr, variable: Expr) -> bool:
    total = integrate(density, (variable, -oo, oo), conds="none")
    return simplify(total - 1) == 0
