r"""Integrals over the probability simplex of a product of powers of the coordinates.

A step whose sides hold :math:`\int f(\boldsymbol z)\,d\boldsymbol z` over the simplex
:math:`\{z_i > 0,\ \sum_i z_i = 1\}` of a law of several coordinates (a Dirichlet law,
whose density ``q(z)`` the context knows in :math:`z_1, \dots, z_K`) is checked by
replacing each such integral with its value, then verifying the step that is left like
any other. The integrand, the densities written out, must be :math:`C \prod_i
z_i^{c_i}` with :math:`C` and the exponents free of :math:`\boldsymbol z`: its logarithm,
at :math:`z_i = e^{t_i}`, is shown to be linear in the :math:`t_i` (each coefficient is
its derivative, and what is left does not depend on them). Then Dirichlet's integral,

.. math::

    \int_{\Delta} \prod_{i=1}^{K} z_i^{c_i}\,d\boldsymbol z
        = \frac{\prod_i \Gamma(c_i + 1)}{\Gamma\bigl(\sum_i (c_i + 1)\bigr)}
    \qquad (c_i > -1 \text{ for every } i),

infinite when some :math:`c_i \le -1` (the integral near the face :math:`z_i = 0` is
that of :math:`z_i^{c_i}`). Where the integral is finite (every :math:`c_i > -1` at
parameter values drawn inside the step's conditions) it is replaced by that value; where
it may not be, by a positive unknown, and the step must hold whatever the integral's
value (a definition such as :math:`\chi^2 = \int q^2/p - 1`); a step that needs the
value there (the closed form inserted without its condition) is refused. A sum of such
terms is integrated term by term.

A step :math:`\int f = C \int g` with :math:`C` free of :math:`\boldsymbol z` is checked
as :math:`f = C g` at every point (same powers, same constant): it holds in
:math:`[0, \infty]`, finite or not.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sympy import (
    Add,
    Dummy,
    Expr,
    Integral,
    Mul,
    S,
    diff,
    exp,
    expand,
    expand_log,
    gamma,
    log,
    simplify,
)

from ...errors import VerificationError
from ...symbolic.display import evaluate
from ..context import Context, DensityFacts
from ..step import Step
from .sampling import sample_parameters

__all__ = ["has_simplex_integral", "simplex_mean_infinite", "verify_simplex_step"]

#: parameter values drawn to check that the integral is finite where the step is stated
DRAWS = 6


def _vector_laws(context: Context) -> list[DensityFacts]:
    return [f for f in context.densities.values() if isinstance(f.variable, tuple)]


def _is_simplex(integral: Integral, laws: list[DensityFacts]) -> bool:
    limits = integral.limits
    return (
        len(limits) == 1
        and len(limits[0]) == 1
        and any(f.function.args == (limits[0][0],) for f in laws)
    )


def has_simplex_integral(step: Step, context: Context) -> bool:
    """Whether a side of ``step``, or a definition it may unfold, holds an integral over
    a law's simplex."""
    laws = _vector_laws(context)
    if not laws:
        return False
    sides = (evaluate(step.before), evaluate(step.after), *context.definitions.values())
    return any(_is_simplex(i, laws) for side in sides for i in side.atoms(Integral))


def verify_simplex_step(
    step: Step, context: Context, verify: Callable[..., str], cache: dict | None = None
) -> str:
    """Check ``step`` with its integrals over the simplex replaced by their values (in the
    context's definitions too). The exponents checked at ``DRAWS`` draws inside the step's
    conditions, those conditions are dropped from the step left (they are in the
    context); ``cache`` is not shared (the sides are no longer the step's)."""
    from dataclasses import replace

    laws = _vector_laws(context)
    factored = _factored(step, laws, context)
    if factored is not None:
        return factored
    values: dict[Expr, Expr] = {}
    exponents: list[Expr] = []
    defined = {k: evaluate(v) for k, v in context.definitions.items()}
    for side in (evaluate(step.before), evaluate(step.after), *defined.values()):
        for integral in side.atoms(Integral):
            if _is_simplex(integral, laws) and integral not in values:
                value, powers = _dirichlet_integral(step.rule, integral, laws)
                values[integral] = value
                exponents.extend(powers)
    if not _finite(step, context, exponents):
        # the integrals may be infinite where the step is stated: the step must then
        # hold whatever their values (a definition), each a positive unknown
        values = {i: Dummy("I", positive=True) for i in values}
    before = evaluate(step.before).xreplace(values)
    after = evaluate(step.after).xreplace(values)
    # the definitions (the divergence as a function of the integral) read the same way
    context = replace(context, definitions={k: v.xreplace(values) for k, v in defined.items()})
    return verify(replace(step, before=before, after=after, condition=None), context, None)


def _dirichlet_integral(
    rule: str, integral: Integral, laws: list[DensityFacts]
) -> tuple[Expr, list[Expr]]:
    """The value of ``integral`` and the exponents ``c_i`` of its integrand."""
    (z,) = integral.limits[0]
    facts = next(f for f in laws if f.function.args == (z,))
    unfolded = integral.function.xreplace(
        {f.function: f.value for f in laws if f.function.args == (z,)}
    )
    if unfolded.has(z):
        raise VerificationError(rule, f"{integral.function} is not made of the laws' densities")
    value, powers = S.Zero, []
    # term by term (the integral of a sum is the sum of the integrals, each finite)
    for term in Add.make_args(expand(unfolded)):
        if term == 0:  # a vanishing integrand (two equal laws in (sqrt q - sqrt p)^2)
            continue
        found = _powers(term, facts.variable)
        if found is None:
            raise VerificationError(
                rule, f"{integral.function} is not a sum of constants times products of powers"
            )
        exponents, rest = found
        gammas = Mul(*[gamma(c + 1) for c in exponents]) / gamma(sum(c + 1 for c in exponents))
        value += exp(rest) * gammas
        powers.extend(exponents)
    return value, powers


def _unfolded(integral: Integral, laws: list[DensityFacts]) -> tuple[Expr, tuple]:
    (z,) = integral.limits[0]
    facts = next(f for f in laws if f.function.args == (z,))
    mapping = {f.function: f.value for f in laws if f.function.args == (z,)}
    return evaluate(integral.function).xreplace(mapping), facts.variable


def _factored(step: Step, laws: list[DensityFacts], context: Context) -> str | None:
    """``int f = C int g`` with ``C`` free of ``z``: checked as ``f = C g`` at every point
    (the integrands are positive, so both sides are equal in ``[0, oo]``, finite or not;
    ``C`` read with the context's definitions, the log-partition function's values):
    the same powers of the ``z_i`` and the same constant. ``None`` if the step is not of
    this form."""
    before, after = evaluate(step.before), evaluate(step.after)
    if not isinstance(before, Integral) or not _is_simplex(before, laws):
        return None
    inner = [i for i in after.atoms(Integral) if _is_simplex(i, laws)]
    if len(inner) != 1 or not isinstance(after, Mul | Integral):
        return None
    constant = (after / inner[0]).simplify() if isinstance(after, Mul) else S.One
    if constant.has(Integral) or any(constant.has(f.function) for f in laws):
        return None
    constant = constant.xreplace({k: evaluate(v) for k, v in context.definitions.items()})
    f, variables = _unfolded(before, laws)
    g, _ = _unfolded(inner[0], laws)
    left, right = _powers(f, variables), _powers(g * constant, variables)
    if left is None or right is None:
        return None
    same = all(simplify(a - b) == 0 for a, b in zip(left[0], right[0], strict=True))
    if not same or simplify(expand_log(left[1] - right[1], force=True)) != 0:
        raise VerificationError(step.rule, f"{step.before} = {step.after} does not hold")
    return "symbolic"


def _powers(f: Expr, variables: tuple) -> tuple[list[Expr], Expr] | None:
    """``f = e^rest prod_i z_i^{c_i}``: the exponents and ``rest`` (``None`` if ``f`` is
    not of that form)."""
    ts = [Dummy("t", real=True) for _ in variables]
    logarithm = expand_log(
        log(f).xreplace({v: exp(t) for v, t in zip(variables, ts, strict=True)}), force=True
    )
    powers = [simplify(diff(logarithm, t)) for t in ts]
    rest = simplify(logarithm - sum(c * t for c, t in zip(powers, ts, strict=True)))
    if any(c.has(*ts) for c in powers) or rest.has(*ts):
        return None
    return powers, rest


def simplex_mean_infinite(h: Expr, q: DensityFacts, values: dict) -> bool:
    """Whether the mean of ``h`` under the law ``q`` on the simplex, at the parameter
    ``values``, is shown to be infinite: ``q h`` is a positive constant times a product of
    powers of the ``z_i``, one of them ``z_i^{c}`` with ``c <= -1``."""
    found = _powers((q.value * h).xreplace(values), q.variable)
    if found is None:
        return False
    powers, rest = found
    if not rest.is_real:
        return False
    return any(bool((S(c) + 1).is_nonpositive) for c in powers)


def _finite(step: Step, context: Context, exponents: list[Expr]) -> bool:
    """Whether every exponent is above -1 at parameter values drawn inside the step's
    conditions (the integrals finite there)."""
    if not exponents:
        return True
    rng = random.Random(20261208)
    symbols = set().union(*(c.free_symbols for c in exponents))
    for _ in range(DRAWS):
        values = sample_parameters(symbols, context.conditions, rng) if symbols else {}
        if values is None:
            raise VerificationError(step.rule, "no parameter values satisfy the step's conditions")
        if not all((S(c).xreplace(values) + 1).is_positive for c in exponents):
            return False
    return True
