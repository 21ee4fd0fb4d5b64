"""Checking that a step's two sides are equal.

The verifier first tries to prove the equality symbolically: both sides are brought to a
normal form in which definitions are unfolded, integrals against a density become
expectations, expectations are split by linearity and known moments substituted, and
what is left is expanded (logarithms included). If the difference of the normal forms
is zero, the step is ``"symbolic"``. Otherwise both sides are evaluated at a few
pseudo-random parameter values (fixed seed, so runs are reproducible), integrals by
mpmath quadrature, and the step is ``"numeric"`` when they agree to 1e-10. Anything else
raises :class:`~kl_derive.errors.VerificationError`.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import NamedTuple

import mpmath
from sympy import (
    Abs,
    Add,
    Dummy,
    Expr,
    Float,
    GreaterThan,
    Integer,
    Integral,
    LessThan,
    Mul,
    Product,
    Rational,
    S,
    StrictLessThan,
    Sum,
    Symbol,
    besseli,
    beta,
    cos,
    diff,
    exp,
    expand,
    lambdify,
    log,
    oo,
    sin,
    zoo,
)
from sympy.core.relational import Relational

from ..errors import VerificationError
from ..numeric.bounded import bounded_value
from ..numeric.screen import clearly_nonzero
from ..symbolic.display import evaluate
from ..symbolic.floatfn import compile_float
from ..symbolic.objects import COUNT, KL, Between, CrossEntropy, Entropy, Expect
from .context import Context, DensityFacts
from .step import Reparametrization, Step, conjuncts
from .support import implied, with_support

__all__ = ["normal_form", "verify_step"]

_SAMPLES = 3
_TOLERANCE = mpmath.mpf("1e-10")


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
    if context.instances:
        return _verify_instances(step, context)
    if step.rule == "log_partition.gradient":
        from ..strategies.bregman import verify_gradient

        if verify_gradient(step):
            return "symbolic"
        raise VerificationError(step.rule, f"{step.after} is not the derivative of A")
    if step.rule in ("moment.divergent", "divergence.insert", "divergence.absorb"):
        from .divergence import verify_divergence_step

        return verify_divergence_step(step, context)
    if step.rule == "integral.antiderivative" and _antiderivative_holds(step, context):
        return "symbolic"
    if step.rule.startswith("support."):
        from .support import verify_support_step

        return verify_support_step(step, context, cache)
    if step.hint is None and _same_after_unfolding(step, context):
        return "symbolic"
    before = _cached_normal_form(step.before, context, step.hint, cache)
    after = _cached_normal_form(step.after, context, step.hint, cache)
    if _is_zero(before - after):
        return "symbolic"
    # a fast floating-point pass first; only if it disagrees, the slow precise one
    if _numerically_equal(before, after, context, step.rule, fast=True):
        return "numeric"
    if _numerically_equal(before, after, context, step.rule, fast=False):
        return "numeric"
    raise VerificationError(step.rule, f"{step.before} = {step.after} does not hold")


# ---------------------------------------------------------------------------
# symbolic normal form
# ---------------------------------------------------------------------------


def _antiderivative_holds(step: Step, context: Context) -> bool:
    """``int_a^b f dz = [F(z)]_a^b`` proved by differentiating: ``F' = f`` on the same
    interval (otherwise the step is left to the numeric check)."""
    before, after = evaluate(step.before), step.after
    if not isinstance(before, Integral) or not isinstance(after, Between):
        return False
    antiderivative, variable, lower, upper = (evaluate(a) for a in after.args)
    if before.limits != ((variable, lower, upper),):
        return False
    integrand = _unfold_densities(before.function, context)
    return _is_zero(diff(antiderivative, variable) - integrand)


def _mentions(step: Step, symbols: tuple[Symbol | None, ...]) -> bool:
    free = step.before.free_symbols | step.after.free_symbols
    return any(s is not None and s in free for s in symbols)


def _verify_instances(step: Step, context: Context) -> str:
    """Verify a step stated for a symbolic dimension ``d`` (and coordinate ``j``) in each
    instance ``d = n``, for every coordinate ``j = 1..n``."""
    uses_index = _mentions(step, (context.index,))
    for n, instance in sorted(context.instances.items()):
        indices = range(1, n + 1) if uses_index else [None]
        for j in indices:
            mapping = {context.dimension: S(n), **instance.bindings}
            if j is not None:
                mapping[context.index] = S(j)
            # the bindings once more after the sums are written out: p[k] became p[1], ...
            concrete = replace(
                step,
                before=_expand_big_operators(evaluate(step.before).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
                after=_expand_big_operators(evaluate(step.after).xreplace(mapping)).xreplace(
                    instance.bindings
                ),
            )
            verify_step(concrete, instance)
    return "instances"


def _expand_big_operators(e: Expr) -> Expr:
    """Write out sums and products whose bounds are (finite) numbers; a sum over the
    values of a discrete variable (its index is nonnegative) stays a sum. The
    multivariate gamma and digamma functions of a numeric order are a product and a sum
    too, and are written out likewise."""
    from ..symbolic.matrices import MultiDigamma, MultiGamma

    e = e.replace(
        lambda x: isinstance(x, (MultiGamma, MultiDigamma)) and x.args[1].is_Integer,
        lambda x: x.doit(deep=False),
    )
    return e.replace(
        lambda x: (
            isinstance(x, (Sum, Product))
            and all(b.is_number and b.is_finite for b in x.limits[0][1:])
            and x.limits[0][0] != COUNT
        ),
        lambda x: x.doit(deep=False),
    )


def _same_after_unfolding(step: Step, context: Context) -> bool:
    """The cheap proof: both sides evaluate to the same expression, possibly after
    replacing the densities and definitions by what they stand for.

    SymPy's automatic evaluation already settles plain algebra (``mu + sigma*0 = mu``),
    and substituting a definition is a proof by itself; only what remains needs the
    expensive normal form.
    """
    before, after = evaluate(step.before), evaluate(step.after)
    if before == after:
        return True
    unfolded = before.replace(
        lambda x: isinstance(x, _UNFOLDED), lambda x: _kl_integral(x, context)
    )
    unfolded, after = _with_supports(unfolded, context), _with_supports(after, context)
    mapping = {facts.function: facts.value for facts in context.densities.values()}
    mapping.update(context.definitions)
    if unfolded.xreplace(mapping) == after.xreplace(mapping):
        return True
    # a density is zero outside its support: p(z) = {formula if z in support; 0 otherwise}
    whole = {
        facts.function: with_support(facts.value, facts.variable, facts.support, facts.discrete)
        for facts in context.densities.values()
        if isinstance(facts.variable, Symbol)
    }
    whole.update(context.definitions)
    return unfolded.xreplace(whole) == after.xreplace(whole)


def _with_supports(e: Expr, context: Context) -> Expr:
    """``e`` with each density that appears inside an integral, a sum or an expectation
    over a range its support may not cover (under the context's conditions) written as
    ``{p(z) if z in support; 0 otherwise}``: there it is zero on part of the range, and
    ``log(q/p)`` is infinite there (the identities that hold on its support do not)."""

    def guarded(body: Expr, variable: Expr, lower: Expr, upper: Expr) -> Expr:
        mapping = {}
        for facts in context.densities.values():
            if facts.variable != variable or not body.has(facts.function):
                continue
            inside = implied(S(facts.support[0]) <= lower, context.conditions) and implied(
                upper <= S(facts.support[1]), context.conditions
            )
            if not inside:
                mapping[facts.function] = with_support(
                    facts.function, facts.variable, facts.support, facts.discrete
                )
        return body.xreplace(mapping) if mapping else body

    def visit(x: Expr) -> Expr:
        if isinstance(x, Expect):
            f, density = x.args
            facts = context.density_of(density)
            if facts is None or not isinstance(facts.variable, Symbol):
                return x
            return Expect(guarded(f, facts.variable, *facts.support), density)
        if len(x.limits) != 1 or len(x.limits[0]) != 3:
            return x
        variable, lower, upper = x.limits[0]
        return x.func(guarded(x.function, variable, lower, upper), x.limits[0])

    if not e.has(Integral, Sum, Expect):
        return e
    return e.replace(lambda x: isinstance(x, (Integral, Sum, Expect)), visit)


def _cached_normal_form(
    expr: Expr, context: Context, hint: Reparametrization | None, cache: dict | None
) -> Expr:
    if cache is None:
        return normal_form(expr, context, hint)
    # the context is kept with the cache: its id cannot then be taken by another context
    cache.setdefault(("context", id(context)), context)
    key = (expr, id(context), hint)
    if key not in cache:
        cache[key] = normal_form(expr, context, hint)
    return cache[key]


def normal_form(expr: Expr, context: Context, hint: Reparametrization | None = None) -> Expr:
    """Bring ``expr`` to the verifier's normal form (see the module docstring)."""
    e = _expand_big_operators(evaluate(expr))
    for _ in range(4):  # definitions may refer to other definitions
        unfolded = e.xreplace(dict(context.definitions))
        unfolded = unfolded.replace(
            lambda x: isinstance(x, _UNFOLDED), lambda x: _kl_integral(x, context)
        )
        if unfolded == e:
            break
        e = unfolded
    e = _with_supports(e, context)
    if hint is not None:
        _check_reparametrization(hint, context)
    e = e.replace(lambda x: isinstance(x, (Integral, Sum)), lambda x: _as_expectation(x, context))
    e = e.replace(lambda x: isinstance(x, Expect), lambda x: _expand_expectation(x, context, hint))
    e = _unfold_densities(e, context)
    return _canonical(e) if hint is not None else _canonical_in_support(e, context)


def _canonical_in_support(e: Expr, context: Context) -> Expr:
    """:func:`_canonical`, with the logarithms of quantities known to be positive
    expanded as well (see :func:`_positive_quantities`)."""
    forward, back = _positive_quantities(e, context)
    return _canonical(e.xreplace(forward)).xreplace(back) if forward else _canonical(e)


def _positive_quantities(e: Expr, context: Context) -> tuple[dict, dict]:
    """Positive quantities in ``e`` that SymPy does not know to be positive, each mapped
    to a positive symbol (and the map back), so that the logarithms of their products
    expand (``log(z / (1 - z)) = log z - log(1 - z)``):

    * the distance ``U - z`` (``z - L``) of a variable to a finite end of its support,
      for a variable all of whose continuous densities share one support (every
      identity about it is then stated inside that support);
    * ``b - a`` for a stated condition ``a < b``;
    * ``B(a, b)`` with ``a, b > 0``, ``I_0(x)`` with a real ``x``, ``I_nu(x)`` with
      ``nu, x > 0``.
    """
    forward: dict[Expr, Expr] = {}
    back: dict[Expr, Expr] = {}

    def positive(quantity: Expr, name: str) -> None:
        if quantity in forward:
            return
        symbol = Dummy(name, positive=True)
        forward.update({quantity: symbol, -quantity: -symbol})
        back[symbol] = quantity

    supports: dict[Symbol, set[tuple[Expr, Expr]]] = {}
    for facts in context.densities.values():
        if isinstance(facts.variable, Symbol):
            support = (S(facts.support[0]), S(facts.support[1]))
            supports.setdefault(facts.variable, set()).add(
                support if not facts.discrete else (S.NaN, S.NaN)
            )
    free = e.free_symbols
    for variable, ends in supports.items():
        if len(ends) != 1 or variable not in free:
            continue
        ((lower, upper),) = ends
        if upper.is_finite:
            positive(upper - variable, f"{variable}_upper")
        if lower.is_finite and lower != 0:
            positive(variable - lower, f"{variable}_lower")
    for condition in context.conditions:
        if isinstance(condition, StrictLessThan) and (condition.rhs - condition.lhs).is_Add:
            positive(condition.rhs - condition.lhs, "gap")
    for atom in e.atoms(beta, besseli):
        if all(a.is_positive for a in atom.args) or (
            isinstance(atom, besseli) and atom.args[0] == 0 and atom.args[1].is_real
        ):
            positive(atom, "positive")
    return forward, back


def _canonical(e: Expr) -> Expr:
    # cos(a - b) = cos a cos b + sin a sin b (a von Mises law's cos(z - mu))
    e = expand(e, trig=True) if e.has(cos, sin) else expand(e)
    if e.has(exp):  # e^{a log z} = z^a, which SymPy leaves alone for a symbolic a
        e = e.replace(lambda x: isinstance(x, exp) and _log_power(x.args[0]), _as_power)
    return e


def _log_power(arg: Expr) -> bool:
    logs = [f for f in Mul.make_args(arg) if isinstance(f, log)]
    return len(logs) == 1


def _as_power(x: exp) -> Expr:
    (logarithm,) = [f for f in Mul.make_args(x.args[0]) if isinstance(f, log)]
    return logarithm.args[0] ** (x.args[0] / logarithm)


#: the information quantities unfolded into their defining integrals (or sums)
_UNFOLDED = (KL, Entropy, CrossEntropy)


def _kl_integral(kl: KL, context: Context) -> Expr:
    if isinstance(kl, (Entropy, CrossEntropy)):  # -int q log p, with p = q for H(q)
        q, p = kl.args if isinstance(kl, CrossEntropy) else (kl.args[0], kl.args[0])
        facts = context.density_of(q)
        if facts is None or not isinstance(facts.variable, Symbol):
            return -Expect(log(p), q)
        big = Sum if facts.discrete else Integral
        return -big(q * log(p), (facts.variable, *facts.support))
    q, p = kl.args
    if _is_joint(q, context):
        return Expect(log(q / p), q)
    facts = context.density_of(q)
    if facts is None:
        return kl
    if not isinstance(facts.variable, Symbol):  # a coordinate such as z[1]
        return Expect(log(q / p), q)
    if facts.discrete:
        return Sum(q * log(q / p), (facts.variable, *facts.support))
    return Integral(q * log(q / p), (facts.variable, *facts.support))


def _as_expectation(integral: Integral | Sum, context: Context) -> Expr:
    """``Integral(q(z) * f, (z, support))`` -> ``Expect(f, q(z))`` (and a sum over the
    values of a discrete variable likewise)."""
    if len(integral.limits) != 1 or len(integral.limits[0]) != 3:
        return integral
    discrete = isinstance(integral, Sum)
    variable, lower, upper = integral.limits[0]
    for factor in Mul.make_args(integral.function):
        facts = context.density_of(factor)
        if (
            facts is not None
            and facts.discrete == discrete
            and facts.variable == variable
            and (lower, upper) == facts.support
        ):
            return Expect(integral.function / factor, factor)
    # the density may have been written out: divide it off when that removes it
    for facts in context.densities.values():
        if facts.variable != variable or (lower, upper) != facts.support:
            continue
        if facts.discrete != discrete:
            continue
        rest = integral.function / facts.value
        if not any(
            isinstance(f.as_base_exp()[0], exp)
            or (isinstance(f, exp) and variable in f.free_symbols)
            for f in Mul.make_args(rest)
        ):
            return Expect(rest, facts.function)
    return integral


def _expand_expectation(
    expectation: Expect, context: Context, hint: Reparametrization | None
) -> Expr:
    f, density = expectation.args
    if _is_joint(density, context):
        return _marginalize(f, density, context, hint)
    facts = context.density_of(density)
    if facts is None:
        return expectation
    if isinstance(facts.variable, tuple):
        return _multivariate_expectation(f, facts, context)
    if hint is not None and facts.name == hint.old:
        target = context.densities[hint.new]
        f = f.xreplace({facts.variable: hint.transform})
        facts, density = target, target.function
    if hint is None:
        f = _canonical_in_support(_unfold_densities(f, context), context)
        total, f = _known_combinations(f, facts, context)
    else:
        f, total = _canonical(_unfold_densities(f, context)), S.Zero
    for term in Add.make_args(f):
        coeff, dependent = term.as_independent(facts.variable, as_Add=False)
        if dependent == 1:
            total += coeff  # a density integrates to one
            continue
        base, exponent = dependent.as_base_exp()
        if base == facts.variable and exponent.is_Integer and int(exponent) in facts.moments:
            total += coeff * facts.moments[int(exponent)]
        elif dependent in facts.expectations:
            total += coeff * facts.expectations[dependent]
        else:
            total += coeff * Expect(dependent, density)
    return total


def _known_combinations(f: Expr, facts: DensityFacts, context: Context) -> tuple[Expr, Expr]:
    """Take out of ``f`` (a sum of terms) the multiples of known statistics that are
    sums of several terms in the normal form (``logit z = log z - log(1 - z)``, and its
    square); return their expectation and what is left of ``f``."""
    coefficients = dict(_term_coefficients(f, facts.variable))
    known = S.Zero
    statistics = [
        (dict(_term_coefficients(_canonical_in_support(t, context), facts.variable)), value)
        for t, value in facts.expectations.items()
    ]
    for terms, value in sorted(statistics, key=lambda item: -len(item[0])):
        if len(terms) < 2 or not set(terms) <= set(coefficients):
            continue
        first = next(iter(terms))
        ratio = coefficients[first] / terms[first]
        if any(expand(coefficients[t] - ratio * c) != 0 for t, c in terms.items()):
            continue
        for t in terms:
            del coefficients[t]
        known += ratio * value
    rest = Add(*(c * t for t, c in coefficients.items()))
    return known, rest


def _term_coefficients(f: Expr, variable: Symbol) -> list[tuple[Expr, Expr]]:
    """``f`` as pairs (the part depending on ``variable``, its coefficient), the parts
    free of it collected under ``1``."""
    out: dict[Expr, Expr] = {}
    for term in Add.make_args(f):
        coeff, dependent = term.as_independent(variable, as_Add=False)
        out[dependent] = out.get(dependent, S.Zero) + coeff
    return list(out.items())


def _multivariate_expectation(f: Expr, facts: DensityFacts, context: Context) -> Expr:
    """``E[f]`` for a polynomial ``f`` in the variables, by the known (mixed) moments."""
    f = _canonical(_unfold_densities(f, context))
    total = S.Zero
    for term in Add.make_args(f):
        coeff, dependent = term.as_independent(*facts.variable, as_Add=False)
        if dependent == 1:
            total += coeff  # a density integrates to one
            continue
        powers = dependent.as_powers_dict()
        exponents = tuple(int(powers.get(v, 0)) for v in facts.variable)
        recognised = all(
            base in facts.variable and e.is_Integer for base, e in powers.items() if base != 1
        )
        if recognised and exponents in facts.moments:
            total += coeff * facts.moments[exponents]
        elif dependent in facts.expectations:
            total += coeff * facts.expectations[dependent]
        else:
            total += coeff * Expect(dependent, facts.function)
    return total


def _is_joint(density: Expr, context: Context) -> bool:
    """A product of known densities of distinct variables (independent coordinates)."""
    if not isinstance(density, Mul):
        return False
    facts = [context.density_of(f) for f in density.args]
    return all(f is not None and not isinstance(f.variable, tuple) for f in facts) and len(
        {f.variable for f in facts}
    ) == len(facts)


def _marginalize(f: Expr, joint: Expr, context: Context, hint: Reparametrization | None) -> Expr:
    """``E[f]`` under independent coordinates: each term of ``f`` that involves one
    coordinate only is an expectation under that coordinate's density (the others
    integrate to one)."""
    components = [context.density_of(c) for c in joint.args]
    f = _canonical(_unfold_densities(f, context))
    total = S.Zero
    for term in Add.make_args(f):
        involved = [c for c in components if c.variable in term.free_symbols]
        if not involved:
            total += term
        elif len(involved) == 1:
            total += _expand_expectation(Expect(term, involved[0].function), context, hint)
        else:
            total += Expect(term, joint)
    return total


def _unfold_densities(e: Expr, context: Context) -> Expr:
    """Replace each density by its value, except where it names an expectation's law."""
    mapping = {facts.function: facts.value for facts in context.densities.values()}
    held = {x: Dummy() for x in e.atoms(Expect)}
    unfolded = e.xreplace(held).xreplace(mapping)
    return unfolded.xreplace(
        {dummy: Expect(x.args[0].xreplace(mapping), x.args[1]) for x, dummy in held.items()}
    )


_CHECKED: set[tuple] = set()


def _check_reparametrization(hint: Reparametrization, context: Context) -> None:
    """``old(transform(v)) * |transform'(v)| == new(v)``, symbolically."""
    old, new = context.densities[hint.old], context.densities[hint.new]
    key = (hint, old.value, new.value)
    if key in _CHECKED:
        return
    jacobian = diff(hint.transform, hint.new_var)
    pulled_back = old.value.xreplace({old.variable: hint.transform}) * abs(jacobian)
    if not _is_zero(_canonical(pulled_back - new.value.xreplace({new.variable: hint.new_var}))):
        raise VerificationError(
            "reparametrization", f"{hint.transform} does not carry {hint.old} to {hint.new}"
        )
    _CHECKED.add(key)


def _is_zero(e: Expr) -> bool:
    if e == 0:
        return True
    from sympy import cancel

    if clearly_nonzero(e):  # a numeric screen first (kl_derive.numeric.screen)
        return False
    if not e.free_symbols and not e.has(Expect, Integral):
        # a closed-form constant such as log(10)/2 - log(5)/2 - log(2)/2
        return bool(e.equals(0))
    try:
        return cancel(e) == 0
    except Exception:
        return False


# ---------------------------------------------------------------------------
# numeric fallback
# ---------------------------------------------------------------------------


def _numerically_equal(a: Expr, b: Expr, context: Context, seed: str, fast: bool) -> bool:
    if a.has(zoo, S.NaN) or b.has(zoo, S.NaN):
        # log(q/0) where a density is zero (its support): no finite number to compare
        return False
    bound = _bound_variables(context)
    free = a.free_symbols | b.free_symbols
    for facts in context.densities.values():  # a density's own parameters count too
        counts = set(facts.variable) if _count_vector(facts) else set()
        if a.has(facts.function) or b.has(facts.function) or counts & free:
            free |= facts.value.free_symbols | set().union(
                *(S(end).free_symbols for end in facts.support)
            )
    symbols = sorted(free - bound, key=str)
    # a variable left free (an identity between log densities) is sampled in its support
    free_variables = (
        []
        if a.has(Expect, Integral, Sum) or b.has(Expect, Integral, Sum)
        else [
            f
            for f in context.densities.values()
            if (set(f.variable) if _count_vector(f) else {f.variable})
            & (a.free_symbols | b.free_symbols)
        ]
    )
    rng = random.Random(seed)
    with mpmath.workdps(30):
        for _ in range(_SAMPLES if symbols or free_variables else 1):
            values = sample_parameters(symbols, context.conditions, rng)
            if values is None:
                return False
            for facts in free_variables:
                if any(S(end).xreplace(values).free_symbols for end in facts.support):
                    continue  # another law's support (Bin(n, p)'s n absent from the step)
                if _count_vector(facts):  # a count vector summing to n
                    values.update(_sample_counts(facts, values, rng))
                    continue
                if facts.discrete and _inside(values.get(facts.variable), facts, values):
                    continue  # a count already drawn in a smaller support stays (both hold)
                values[facts.variable] = _sample_in_support(facts, values, rng)
            try:
                (x, dx), (y, dy) = (
                    _number(a, values, context, fast),
                    _number(b, values, context, fast),
                )
            except (TypeError, ValueError, ZeroDivisionError):
                return False
            if abs(x - y) + dx + dy > _TOLERANCE * max(1, abs(x), abs(y)):
                return False
    return True


def sample_parameters(
    symbols: Iterable[Symbol], conditions: Iterable[Expr], rng: random.Random
) -> dict | None:
    """Pseudo-random values for ``symbols`` satisfying every condition (``None`` if none
    was found in a few hundred tries)."""
    conditions = list(conditions)
    symbols = sorted(set(symbols).union(*(c.free_symbols for c in conditions)), key=str)
    # a probability (a condition p < 1 on a positive p) is drawn in (0, 1) itself
    unit = {c.lhs for c in conditions if isinstance(c, StrictLessThan) and c.rhs == 1}
    for attempt in range(600):
        wide = attempt >= 200  # a condition such as alpha > 2 needs wider ranges
        values = {
            s: Rational(rng.randint(5, 95), 100) if s in unit else _sample(s, rng, wide)
            for s in symbols
        }
        for _ in range(4):  # move a symbol to the right side of a relation it breaks
            broken = [c for c in conditions if not bool(c.xreplace(values))]
            if not broken:
                break
            for relation in broken:
                _repair(relation, values, rng)
        if all(bool(c.xreplace(values)) for c in conditions) and not _on_edge(conditions, values):
            return values
    return None


def _on_edge(conditions: list[Expr], values: dict) -> bool:
    """Whether the values sit exactly on the edge of a weak condition on real parameters
    (``a_1 >= 0`` with ``a_1 = 0``): a closed form may there be a limit (``a log a``)
    that cannot be evaluated, and an identity is checked at generic points."""
    for condition in conditions:
        if not isinstance(condition, (LessThan, GreaterThan)) or condition.is_Equality:
            continue
        if any(s.is_integer for s in condition.free_symbols):
            continue
        if (condition.lhs - condition.rhs).xreplace(values) == 0:
            return True
    return False


def _inside(value: Expr | None, facts: DensityFacts, values: dict) -> bool:
    """Whether a value already drawn for the variable lies in this law's support."""
    if value is None:
        return False
    lower, upper = (S(b).xreplace(values) for b in facts.support)
    return bool(lower <= value) and bool(value <= upper)


def _repair(relation: Expr, values: dict, rng: random.Random) -> None:
    """For ``x < s`` (or ``s > x``...) broken by the sample, put the symbol ``s`` a
    little beyond ``x`` (chains such as ``x_m <= a < b`` are then found at once)."""
    if not isinstance(relation, Relational):
        return
    small, large = (
        (relation.lhs, relation.rhs)
        if isinstance(relation, (StrictLessThan, LessThan))
        else (relation.rhs, relation.lhs)
    )
    gap = Rational(rng.randint(50, 200), 100)
    if isinstance(large, Symbol) and not large.is_integer:
        value = small.xreplace(values) + gap
        if value.is_number and (not large.is_positive or value > 0):
            values[large] = value
    elif isinstance(small, Symbol) and not small.is_integer:
        value = large.xreplace(values) - gap
        if value.is_number and (not small.is_positive or value > 0):
            values[small] = value


def _sample_in_support(facts: DensityFacts, values: dict, rng: random.Random) -> Expr:
    lower, upper = (S(b).xreplace(values) for b in facts.support)
    if facts.discrete:
        top = int(upper) if upper.is_finite else int(lower) + 6
        return S(rng.randint(int(lower), top))
    if lower.is_finite and upper.is_finite:
        return lower + (upper - lower) * Rational(rng.randint(5, 95), 100)
    if lower.is_finite:
        return lower + Rational(rng.randint(5, 300), 100)
    if upper.is_finite:
        return upper - Rational(rng.randint(5, 300), 100)
    return Rational(rng.randint(-300, 300), 100)


def _count_vector(facts: DensityFacts) -> bool:
    """A mass function on count vectors (a multinomial law): discrete, several variables."""
    return facts.discrete and isinstance(facts.variable, tuple)


def _sample_counts(facts: DensityFacts, values: dict, rng: random.Random) -> dict:
    """Counts ``k_1, ..., k_K`` (nonnegative, summing to the support's upper end)."""
    left = int(S(facts.support[1]).xreplace(values))
    out = {}
    *free, last = facts.variable
    for variable in free:
        out[variable] = S(rng.randint(0, left))
        left -= int(out[variable])
    out[last] = S(left)
    return out


def _bound_variables(context: Context) -> set[Symbol]:
    bound: set[Symbol] = set()
    for facts in context.densities.values():
        v = facts.variable
        bound.update(v if isinstance(v, tuple) else (v,))
    return bound


def _sample(symbol: Symbol, rng: random.Random, wide: bool = False) -> Rational:
    if symbol.is_integer and symbol.is_positive:
        return Integer(rng.randint(1, 6))
    if symbol.is_positive:
        return Rational(rng.randint(50, 600 if wide else 200), 100)
    return Rational(rng.randint(-150, 150), 100)


def _number(e: Expr, values: dict, context: Context, fast: bool) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The value of ``e`` and a bound on its error: ``fast``, in double precision with
    error bounds (:mod:`kl_derive.numeric`); else to 30 digits, counted exact."""
    # fractions enter as 30-digit floats: exact powers such as (37/63)^(123/4567), which
    # e^{c log x} becomes, would send SymPy looking for exact roots
    values = {
        k: Float(v, 30) if isinstance(v, Rational) and not v.is_Integer else v
        for k, v in values.items()
    }
    e = _merged_integrals(_as_integrals(_unfold_densities(e, context), context))
    found = fast and bounded_value(e, values, lambda i: _quadrature(i, values, False), _series)
    if found:
        return found
    # an integral is compiled once with its parameters as arguments (and kept for the
    # other samples and steps), not rebuilt and compiled at every sample
    replacements = {
        integral: Float(_quadrature(integral, values, fast), 30) for integral in e.atoms(Integral)
    }
    e = e.xreplace(replacements).xreplace(values)
    replacements = {total: Float(_series(total), 30) for total in e.atoms(Sum)}
    value = e.xreplace(replacements).evalf(30)
    if not value.is_number or value.has(S.NaN, oo, -oo, zoo):
        raise ValueError("not a finite number")
    return (
        mpmath.mpmathify(complex(value)).real if value.is_real is False else mpmath.mpf(str(value))
    ), mpmath.mpf(0)


def _merged_integrals(e: Expr) -> Expr:
    """``c1 * int f1 + c2 * int f2`` over the same range as ``int (c1 f1 + c2 f2)``: one
    quadrature for a combination of expectations under one law (``E[log^2 z] - 2 E[log z
    log(1 - z)] + E[log^2(1 - z)]``)."""
    groups: dict[tuple, list[Expr]] = {}
    rest = []
    for term in Add.make_args(e):
        factors = Mul.make_args(term)
        integrals = [f for f in factors if isinstance(f, Integral)]
        if len(integrals) != 1 or len(integrals[0].limits[0]) != 3:
            rest.append(term)
            continue
        (integral,) = integrals
        coeff = Mul(*(f for f in factors if f is not integral))
        if coeff.has(Integral) or coeff.free_symbols & {integral.limits[0][0]}:
            rest.append(term)
            continue
        groups.setdefault(integral.limits, []).append(coeff * integral.function)
    merged = [Integral(Add(*parts), *limits) for limits, parts in groups.items()]
    return Add(*rest, *merged)


def _as_integrals(e: Expr, context: Context) -> Expr:
    def to_integral(expectation: Expect) -> Expr:
        f, density = expectation.args
        facts: DensityFacts | None = context.density_of(density)
        if facts is None:
            raise ValueError("expectation under an unknown density")
        if facts.discrete and isinstance(facts.variable, tuple):
            return _count_vector_sum(f * facts.value, facts)
        if facts.discrete:
            return Sum(f * facts.value, (facts.variable, *facts.support))
        return Integral(f * facts.value, (facts.variable, *facts.support))

    return e.replace(lambda x: isinstance(x, Expect), to_integral)


def _count_vector_sum(f: Expr, facts: DensityFacts) -> Sum:
    """The sum of ``f`` over the count vectors ``(k_1, ..., k_K)`` of a discrete law with
    a tuple of variables: nonnegative integers summing to the support's upper end ``n``
    (a multinomial law); the last count is ``n`` minus the others."""
    *free, last = facts.variable
    total = facts.support[1]
    limits, used = [], S.Zero
    for variable in free:
        limits.append((variable, 0, total - used))
        used += variable
    return Sum(f.xreplace({last: total - used}), *limits)


def _series(total: Sum) -> mpmath.mpf:
    """A sum over the values of a discrete variable (finite, or summed by mpmath)."""
    if len(total.limits) > 1:
        return _nested_series(total)
    ((variable, lower, upper),) = total.limits
    term = lambdify(variable, total.function, modules="mpmath")
    if upper.is_finite:
        if int(upper) - int(lower) > _MAX_TERMS:
            raise ValueError("too many terms to sum")
        return mpmath.fsum(term(mpmath.mpf(k)) for k in range(int(lower), int(upper) + 1))
    return _infinite_series(term, int(lower))


def _infinite_series(term, lower: int) -> mpmath.mpf:
    """``sum_{k >= lower} term(k)``: term by term up to where the terms have passed
    their largest and fallen below 1e-3 of it, then mpmath's ``nsum`` for the tail.
    ``nsum`` alone extrapolates from the first terms, which is wrong when the mass lies
    far from ``lower`` (a Poisson law with rate 100); at most :data:`_MAX_TERMS` terms."""
    head, largest, k = [], mpmath.mpf(0), lower
    while True:
        value = term(mpmath.mpf(k))
        head.append(value)
        size = abs(value)
        largest = max(largest, size)
        if len(head) >= 2 and size <= abs(head[-2]) and size < largest / 1000:
            break
        if len(head) > _MAX_TERMS:
            raise ValueError("too many terms to sum")
        k += 1
    return mpmath.fsum(head) + mpmath.nsum(term, [k + 1, mpmath.inf])


#: the most terms a finite sum over several indices is written out in
_MAX_TERMS = 200_000


def _nested_series(total: Sum) -> mpmath.mpf:
    """A finite sum over several indices (the count vectors of a multinomial law), each
    range given by numbers and the indices before it; too many terms is a failure."""
    variables = [limit[0] for limit in total.limits]
    term = lambdify(variables, total.function, modules="mpmath")
    points: list[tuple[int, ...]] = [()]
    for _variable, lower, upper in total.limits:
        grown = []
        for point in points:
            values = dict(zip(variables, point, strict=False))
            low, high = (S(b).xreplace(values) for b in (lower, upper))
            if not (low.is_Integer and high.is_Integer):
                raise ValueError("a sum with bounds that are not whole numbers")
            grown += [(*point, k) for k in range(int(low), int(high) + 1)]
            if len(grown) > _MAX_TERMS:
                raise ValueError("too many terms to sum")
        points = grown
    return mpmath.fsum(term(*(mpmath.mpf(k) for k in point)) for point in points)


class _CompiledIntegral(NamedTuple):
    """An integral's integrand compiled once, its parameters as further arguments."""

    parameters: tuple[Symbol, ...]
    integrand: Callable  # f(z, *parameters)
    near: tuple[Callable | None, Callable | None]  # f(lower + d, ...), f(upper - d, ...)
    kinks: tuple[Expr, ...]  # where an absolute value changes sign


@functools.lru_cache(maxsize=256)
def _compiled(integral: Integral) -> _CompiledIntegral:
    ((variable, lower, upper),) = integral.limits
    f = integral.function
    parameters = tuple(
        sorted(
            (f.free_symbols | S(lower).free_symbols | S(upper).free_symbols) - {variable},
            key=str,
        )
    )
    # the parameters as dummies: one named like a function (beta, the beta law's second
    # shape) would shadow that function in the generated code
    dummies = [Dummy(f"p{i}") for i in range(len(parameters))]
    renamed = dict(zip(parameters, dummies, strict=True))
    g = f.xreplace(renamed)
    modules = [{"exp": safe_exp}, "mpmath"]
    # the integrand in the distance d to a finite end (z = lower + d, z = upper - d),
    # which stays exact where z itself would round to the end
    d = Dummy("d", positive=True)
    near = tuple(
        lambdify((d, *dummies), g.xreplace({variable: end}), modules=modules)
        if bound.is_finite
        else None
        for bound, end in (
            (lower, S(lower).xreplace(renamed) + d),
            (upper, S(upper).xreplace(renamed) - d),
        )
    )
    return _CompiledIntegral(
        parameters,
        lambdify((variable, *dummies), g, modules=modules),
        near,  # type: ignore[arg-type]
        tuple(_kinks(f, variable)),
    )


def _quadrature(integral: Integral, values: dict, fast: bool) -> mpmath.mpf:
    """The integral's value at the parameter ``values``: the trapezoidal rule when
    ``fast`` allows, else mpmath."""
    ((variable, lower, upper),) = integral.limits
    lower, upper = S(lower).xreplace(values), S(upper).xreplace(values)
    if fast and lower == -oo and upper == oo:
        compiled = compile_float(integral.function.xreplace(values), variable)
        value = _trapezoid(compiled) if compiled is not None else None
        if value is not None:
            return mpmath.mpf(value)
    compiled_integral = _compiled(integral)
    arguments = [_mp(S(values[s])) for s in compiled_integral.parameters]
    lo, hi = _mp(lower), _mp(upper)
    integrand = _fringe_zero(
        lambda x: compiled_integral.integrand(x, *arguments),
        lambda x: abs(x) > _FRINGE**-1 or x - lo < _FRINGE or hi - x < _FRINGE,
    )
    kinks = [S(k).xreplace(values) for k in compiled_integral.kinks]
    inner = {mpmath.mpf(-3), mpmath.mpf(0), mpmath.mpf(3), *(_mp(k) for k in kinks if k.is_number)}
    points = [lo, *sorted(p for p in inner if lo < p < hi), hi]
    # on a half-line [L, oo) the far end is reached through z = c e^{u}: power-law
    # tails (a Pareto law) become exponential ones, which tanh-sinh integrates to full
    # precision (a whole line keeps mpmath's own treatment, fine for light tails)
    tail = mpmath.mpf(0)
    if points[-1] == mpmath.inf and points[0] != -mpmath.inf and points[0] >= 0:
        start = max(points[-2], mpmath.mpf(1))
        if start > points[-2]:
            points.insert(-1, start)
        tail = _exponential_quad(
            lambda u: integrand(start * mpmath.exp(u)) * start * mpmath.exp(u),
        )
        points.pop()
    near = [
        _fringe_zero(lambda x, g=g: g(x, *arguments), lambda x: x < _FRINGE)
        if g is not None
        else None
        for g in compiled_integral.near
    ]
    return _segments(integrand, points, *near) + tail


def _exponential_quad(f) -> mpmath.mpf:
    """The integral of ``f`` over ``u`` in ``[0, oo)``, where ``f`` decays at least
    exponentially (a substituted end or tail): up to ``u = 100``, and up to ``10^4`` only
    when ``f`` is not yet negligible there (a slow decay such as ``e^{-u/50}``)."""
    total = mpmath.quad(f, [0, 10, 100])
    edge = f(mpmath.mpf(100))
    if not mpmath.isfinite(edge) or abs(edge) > mpmath.mpf(10) ** -40:
        # a finite far end: e^{-u/50} is below 1e-80 at u = 10^4, and mpmath's map of an
        # infinite interval would reach u = 10^20, where e^{u} costs a long computation
        total += mpmath.quad(f, [100, 1000, 10000])
    return total


#: how close to an end (or how far out) an integrand may be 0 * log(0/0)
_FRINGE = mpmath.mpf("1e-8")


def _fringe_zero(f, at_fringe):
    """``f``, but 0 where it cannot be evaluated at the fringe of its range: there a
    density has underflowed to 0 (``safe_exp``) and ``q log(q/p)`` is ``0 log(0/0)`` or
    ``q log(q/0)``, whose true contribution there is far below any tolerance."""

    def wrapped(x):
        try:
            value = f(x)
        except ZeroDivisionError:
            if at_fringe(x):
                return mpmath.mpf(0)
            raise
        if at_fringe(x) and isinstance(value, mpmath.mpf) and not mpmath.isfinite(value):
            return mpmath.mpf(0)
        return value

    return wrapped


def _segments(integrand, points: list, shifted=None, reflected=None) -> mpmath.mpf:
    """``integrand`` over the segments between ``points``; a finite end of the whole
    range is reached through ``z = end -+ w e^{-u}``, which turns an integrable
    singularity there (``z^{-0.9}`` of a gamma law's ``E[1/z]`` with shape 1.1) into an
    exponential decay that tanh-sinh integrates to full precision."""
    if len(points) < 2:
        return mpmath.mpf(0)
    if len(points) == 2 and all(mpmath.isfinite(p) for p in points):
        points = [points[0], (points[0] + points[1]) / 2, points[1]]
    total = mpmath.mpf(0)
    last = len(points) - 2
    for i, (a, b) in enumerate(itertools.pairwise(points)):
        if i == 0 and shifted is not None and mpmath.isfinite(b):
            width = b - a
            total += _exponential_quad(
                lambda u, w=width: shifted(w * mpmath.exp(-u)) * w * mpmath.exp(-u),
            )
        elif i == last and reflected is not None and mpmath.isfinite(a):
            width = b - a
            total += _exponential_quad(
                lambda u, w=width: reflected(w * mpmath.exp(-u)) * w * mpmath.exp(-u),
            )
        else:
            total += mpmath.quad(integrand, [a, b])
    return total


def _kinks(f: Expr, variable: Symbol) -> list[Expr]:
    """Where an absolute value in ``f`` changes sign (in the parameters): quadrature
    splits there."""
    out = []
    for atom in f.atoms(Abs):
        inner = expand(atom.args[0])
        slope = inner.coeff(variable)
        rest = expand(inner - slope * variable)
        if not slope.has(variable) and slope != 0 and not rest.has(variable):
            out.append(-rest / slope)
    return out


def _trapezoid(f, half_width: float = 40.0, step: float = 1 / 8) -> float | None:
    """The trapezoidal rule on [-40, 40]: spectrally accurate for smooth integrands with
    Gaussian tails that are not too narrow, and cheap. ``None`` when the tails are not
    negligible there, or the integrand cannot be evaluated in floating point; the caller
    then uses mpmath. A too-narrow integrand gives a wrong value, never a false proof: the
    verifier retries a disagreement with mpmath before it rejects a step.
    """
    try:
        n = int(half_width / step)
        values = [f(i * step) for i in range(-n, n + 1)]
        if not all(map(math.isfinite, values)):
            return None
        if max(abs(values[0]), abs(values[-1])) > 1e-30 * max(map(abs, values)):
            return None
        return math.fsum(values) * step
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return None


def safe_exp(x: mpmath.mpf) -> mpmath.mpf:
    """mpmath's exponential, but zero far below any tolerance: ``exp(-exp(y))`` at a
    quadrature node far out in a Gumbel tail would otherwise need log 2 to billions of
    digits."""
    if isinstance(x, mpmath.mpf) and x < -(10**6):
        return mpmath.mpf(0)
    return mpmath.exp(x)


def _mp(x: Expr) -> mpmath.mpf:
    if x == oo:
        return mpmath.inf
    if x == -oo:
        return -mpmath.inf
    return mpmath.mpf(str(x.evalf(30)))
