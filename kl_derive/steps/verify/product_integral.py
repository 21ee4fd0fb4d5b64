r"""Integrals over laws with independent coordinates.

* ``alpha_integral.independent`` -- :math:`\int_{\mathbb{R}^d} f(q(z), p(z))\,dz =
  \prod_j \int f_j(z_j)\,dz_j`: checked in a concrete dimension, where the context defines
  each joint density as the product of its coordinates' densities. The integrand must be
  a product of powers of the two densities (so nonnegative: Tonelli's theorem then makes
  the integral of a product of functions of separate coordinates the product of their
  integrals, finite or not); each factor on the right is an integral over the whole line
  in one coordinate of its own, every coordinate once; and the integrand, the joint
  densities written out, equals the product of the factors' integrands (their logarithms
  compared, the densities being positive).
* ``support.piecewise`` over coordinates -- ``D = {closed form if C_1 and ... C_d; oo
  otherwise}``: the closed form is checked where every condition holds; each condition,
  broken alone, is shown to make its own coordinate's integral infinite (the mean that
  defines the divergence diverges under that coordinate's law), and the other factors
  are positive, so the product and the divergence are infinite.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sympy import (
    Expr,
    Integral,
    Mul,
    Piecewise,
    Pow,
    S,
    Symbol,
    expand_log,
    log,
    oo,
    simplify,
)
from sympy.core.function import AppliedUndef

from ...errors import VerificationError
from ..context import Context, DensityFacts
from ..step import Step, conjuncts

__all__ = ["verify_coordinates_piecewise", "verify_independent_product"]


def verify_independent_product(step: Step, context: Context) -> str:
    """Check ``int f(q(z), p(z)) dz = prod_j int f_j(z_j) dz_j`` (see the module)."""
    before, after = step.before, step.after
    if not isinstance(before, Integral) or len(before.limits) != 1:
        raise VerificationError(step.rule, f"{before} is not one integral over the law's space")
    integrand = before.function
    functions = integrand.atoms(AppliedUndef)
    joints = {f: context.definitions.get(f) for f in functions}
    if not functions or any(v is None for v in joints.values()):
        raise VerificationError(step.rule, "the integrand is not made of the joint densities")
    if not _powers_of(integrand, functions):
        raise VerificationError(step.rule, f"{integrand} is not a product of powers of densities")
    coordinates = {
        facts.variable
        for facts in context.densities.values()
        if not isinstance(facts.variable, tuple)
    }
    factors = Mul.make_args(after)
    seen = []
    product = S.One
    for factor in factors:
        if not isinstance(factor, Integral) or len(factor.limits) != 1:
            raise VerificationError(step.rule, f"{factor} is not an integral in one coordinate")
        ((variable, lower, upper),) = factor.limits
        if variable not in coordinates or (lower, upper) != (-oo, oo):
            raise VerificationError(step.rule, f"{factor} is not over a whole coordinate line")
        others = (coordinates - {variable}) & factor.function.free_symbols
        if others:
            raise VerificationError(step.rule, f"{factor} depends on {others}")
        seen.append(variable)
        product *= factor.function
    if sorted(seen, key=str) != sorted(coordinates, key=str):
        raise VerificationError(step.rule, "each coordinate is not integrated exactly once")
    unfolded = _unfold(integrand.xreplace(joints), context)
    difference = expand_log(log(unfolded), force=True) - expand_log(
        log(_unfold(product, context)), force=True
    )
    if simplify(difference) != 0:
        raise VerificationError(step.rule, f"{integrand} is not the product of the factors")
    return "symbolic"


def _powers_of(e: Expr, functions: set) -> bool:
    """Whether ``e`` is made of ``functions`` by products and real powers (nonnegative)."""
    if e in functions:
        return True
    if isinstance(e, Mul):
        return all(_powers_of(factor, functions) for factor in e.args)
    if isinstance(e, Pow):
        return bool(e.exp.is_real) and _powers_of(e.base, functions)
    return False


def _unfold(e: Expr, context: Context) -> Expr:
    """The coordinates' densities written out (positive functions of their variables)."""
    values = {facts.function: facts.value for facts in context.densities.values()}
    return e.xreplace(values)


def verify_coordinates_piecewise(
    step: Step, context: Context, verify: Callable[..., str], cache: dict | None
) -> str:
    """``D = {value if C; oo otherwise}`` for laws with independent coordinates."""
    from dataclasses import replace

    from ..support import diverges
    from .sampling import sample_parameters

    after = step.after
    if not isinstance(after, Piecewise) or len(after.args) != 2 or after.args[-1] != (oo, True):
        raise VerificationError(step.rule, "expected a closed form and infinity otherwise")
    mean = getattr(step.before, "defining_mean", None)
    value, condition = after.args[0]
    if mean is None or step.before.defining_mean(S.One, S.One) == 0:
        raise VerificationError(step.rule, f"{step.before} is not infinite where C fails")
    stated = conjuncts(condition)
    verify(
        Step("algebra.simplify", step.before, value, condition=condition),
        replace(context, assumed=()),
        cache,
    )
    pairs = [
        (context.densities[f"q[{i}]"], context.densities[f"p[{i}]"])
        for i in range(1, len(context.densities) // 2 + 1)
    ]
    rng = random.Random("piecewise")
    t = Symbol("t", real=True)
    symbols = sorted(
        condition.free_symbols.union(*(f.value.free_symbols for pair in pairs for f in pair))
        - {f.variable for pair in pairs for f in pair},
        key=str,
    )
    for broken in stated:
        # the others held: each condition is shown to matter on its own
        others = [c for c in stated if c is not broken]
        values = sample_parameters(symbols, (*context.conditions, *others, ~broken), rng)
        if values is None:
            raise VerificationError(step.rule, f"no parameters break {broken} alone")
        # one coordinate's integral infinite there (its laws in a plain variable, in
        # which the limits are taken) makes the product infinite
        if not any(diverges(step.before, *_plain(q, p, t), values) for q, p in pairs):
            raise VerificationError(step.rule, f"breaking {broken} is not shown to be infinite")
    return "numeric"


def _plain(q: DensityFacts, p: DensityFacts, t: Symbol) -> tuple[DensityFacts, DensityFacts]:
    """Two coordinate laws with their variable ``z[i]`` renamed ``t``."""
    from dataclasses import replace

    return tuple(
        replace(
            f,
            function=f.function.xreplace({f.variable: t}),
            variable=t,
            value=f.value.xreplace({f.variable: t}),
        )
        for f in (q, p)
    )
