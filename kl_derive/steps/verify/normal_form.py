"""The verifier's symbolic normal form.

Both sides of a step are brought to it: definitions unfolded (KL, entropy and
cross-entropy into their integrals or sums), integrals against a density turned into
expectations, expectations split by linearity with the known moments substituted, and
what is left expanded, logarithms included (:mod:`.positive` says which logarithms may be
split). Two sides with the same normal form are equal.
"""

from __future__ import annotations

from sympy import (
    Add,
    Derivative,
    Dummy,
    Expr,
    Integral,
    Mul,
    S,
    Sum,
    Symbol,
    cos,
    diff,
    exp,
    expand,
    log,
    sin,
)

from ...errors import VerificationError
from ...symbolic.display import evaluate
from ...symbolic.objects import KL, Between, CrossEntropy, Entropy, Expect
from ..context import Context, DensityFacts
from ..step import Reparametrization, Step
from ..support_sets import implied, with_support
from .big_operators import expand_big_operators
from .finite_sums import finite_sum
from .held import held_powers
from .kernel_moments import kernel_moment
from .positive import positive_quantities
from .prime_logs import as_prime_logs, prime_log_polynomial


def antiderivative_holds(step: Step, context: Context) -> bool:
    """``int_a^b f dz = [F(z)]_a^b`` proved by differentiating: ``F' = f`` on the same
    interval (otherwise the step is left to the numeric check)."""
    before, after = evaluate(step.before), step.after
    if not isinstance(before, Integral) or not isinstance(after, Between):
        return False
    antiderivative, variable, lower, upper = (evaluate(a) for a in after.args)
    if before.limits != ((variable, lower, upper),):
        return False
    integrand = unfold_densities(before.function, context)
    return is_zero(diff(antiderivative, variable) - integrand)


def same_after_unfolding(step: Step, context: Context) -> bool:
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


def cached_normal_form(
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
    e = expand_big_operators(evaluate(expr))
    for _ in range(4):  # definitions may refer to other definitions
        unfolded = e.xreplace(dict(context.definitions))
        unfolded = unfolded.replace(
            lambda x: isinstance(x, _UNFOLDED), lambda x: _kl_integral(x, context)
        )
        if unfolded == e:
            break
        e = unfolded
    e = _with_supports(e, context)
    if e.has(Derivative):
        e = e.replace(lambda x: isinstance(x, Derivative), lambda x: _derivative_inside(x, context))
    if hint is not None:
        _check_reparametrization(hint, context)
    e = e.replace(lambda x: isinstance(x, (Integral, Sum)), lambda x: _as_expectation(x, context))
    e = e.replace(lambda x: isinstance(x, Expect), lambda x: _expand_expectation(x, context, hint))
    e = unfold_densities(e, context)
    return _canonical(e) if hint is not None else _canonical_in_support(e, context)


def _canonical_in_support(e: Expr, context: Context) -> Expr:
    """:func:`_canonical`, with the logarithms of quantities known to be positive
    expanded as well (see :func:`positive_quantities`)."""
    forward, back = positive_quantities(e, context)
    return _canonical(e.xreplace(forward)).xreplace(back) if forward else _canonical(e)


def _canonical(e: Expr) -> Expr:
    if not e.free_symbols and e.has(log):  # exactly, over the logarithms of primes
        found = as_prime_logs(e)
        if found is not None:
            return found
    held, back = held_powers(e)
    e = e.xreplace(held)
    # cos(a - b) = cos a cos b + sin a sin b (a von Mises law's cos(z - mu))
    e = expand(e, trig=True) if e.has(cos, sin) else expand(e)
    if e.has(exp):  # e^{a log z} = z^a, which SymPy leaves alone for a symbolic a
        e = e.replace(lambda x: isinstance(x, exp) and _log_power(x.args[0]), _as_power)
    return e.xreplace(back) if back else e


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
        f = cancel_in_logs(f.xreplace({facts.variable: hint.transform}))
        facts, density = target, target.function
    if hint is None:
        f = unfold_densities(f, context)
        summed = finite_sum(f, facts)  # a law given by numbers on a few integers
        if summed is not None:
            return summed
        f = _canonical_in_support(f, context)
        total, f = _known_combinations(f, facts, context)
    else:
        f, total = _canonical(unfold_densities(f, context)), S.Zero
    for term in Add.make_args(f):
        coeff, dependent = term.as_independent(facts.variable, as_Add=False)
        if dependent == 1:
            total += coeff  # a density integrates to one
            continue
        if hint is None and facts.function**-1 in Mul.make_args(dependent):
            # E_q[f / q] is the integral of f over q's support
            rest = Integral(dependent * facts.function, (facts.variable, *facts.support))
            moved = _as_expectation(rest, context)
            if isinstance(moved, Expect):
                total += coeff * _expand_expectation(moved, context, hint)
                continue
        base, exponent = dependent.as_base_exp()
        if base == facts.variable and exponent.is_Integer and int(exponent) in facts.moments:
            total += coeff * facts.moments[int(exponent)]
        elif dependent in facts.expectations:
            total += coeff * facts.expectations[dependent]
        elif (exact := kernel_moment(dependent, facts)) is not None:
            total += coeff * exact  # an Euler integral, differentiated
        else:
            total += coeff * Expect(dependent, density)
    return total


def _derivative_inside(derivative: Derivative, context: Context) -> Expr:
    """``d/dt E_phi[f] = E_phi[df/dt]`` when the law ``phi`` does not depend on ``t``
    (differentiation under the integral sign); any other derivative is left alone."""
    inner = derivative.expr
    if not isinstance(inner, Expect):
        return derivative.doit() if not inner.has(Expect) else derivative
    f, density = inner.args
    facts = context.density_of(density)
    variables = [v for v, _ in derivative.variable_count]
    if facts is None or any(v in facts.value.free_symbols for v in variables):
        return derivative
    return Expect(diff(f, *derivative.variable_count), density)


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
    f = _canonical(unfold_densities(f, context))
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
    f = _canonical(unfold_densities(f, context))
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


def unfold_densities(e: Expr, context: Context) -> Expr:
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
    pulled_back = cancel_in_logs(pulled_back)
    if not is_zero(_canonical(pulled_back - new.value.xreplace({new.variable: hint.new_var}))):
        raise VerificationError(
            "reparametrization", f"{hint.transform} does not carry {hint.old} to {hint.new}"
        )
    _CHECKED.add(key)


def cancel_in_logs(e: Expr) -> Expr:
    """``e`` with the argument of each logarithm of a rational function of exponentials
    brought to lowest terms (``log(s / (1 - s))`` with ``s = 1/(1 + e^{-z})`` is
    ``log e^{z}``, that is ``z``): what a substitution ``y = f(z)`` leaves inside an inverse
    map. The same value, written so that the normal form can see it."""
    from sympy import cancel

    if not e.has(log):
        return e
    return e.replace(
        lambda x: isinstance(x, log) and x.args[0].has(exp) and not x.args[0].has(Expect),
        lambda x: log(cancel(x.args[0])),
    )


def is_zero(e: Expr) -> bool:
    if e == 0:
        return True
    from sympy import cancel

    from ...numeric.screen import clearly_nonzero
    from .rational import (
        MAX_EQUALS_DIGITS,
        digits,
        zero_as_rational_function,
        zero_in_prime_logarithms,
    )

    if clearly_nonzero(e):  # a numeric screen first (kl_derive.numeric.screen)
        return False
    if not e.free_symbols and not e.has(Expect, Integral):
        # a closed-form constant such as log(10)/2 - log(5)/2 - log(2)/2; one made of
        # logarithms of rational numbers alone is decided by its exact polynomial
        polynomial = prime_log_polynomial(e)
        if polynomial is not None:
            return not polynomial
        if zero_in_prime_logarithms(e):
            return True
        # SymPy's equals simplifies, and factors every power it meets: with integers of
        # hundreds of digits (3**100/2**99 in a Renyi order of 100 between Poisson laws)
        # it does not end. Such a constant is left to the numeric checks.
        return digits(e) <= MAX_EQUALS_DIGITS and bool(e.equals(0))
    if zero_as_rational_function(e):  # a proof, found without expanding (.rational)
        return True
    try:
        return cancel(_opaque(e)) == 0
    except Exception:
        return False


def _opaque(e: Expr) -> Expr:
    """``e`` with each integral and expectation as a symbol of its own: ``cancel`` would
    otherwise ask SymPy for the sign of an integral of numbers, which it evaluates by its
    own quadrature of the integrand at every node (two minutes for an integral of
    ``|p - q|`` over two normal laws). A sum that cancels with the integrals held opaque
    is zero whatever their values. A power held by :func:`.held.held_powers` is held here
    too (its expansion inside a logarithm is what costs)."""
    found: dict[Expr, Expr] = dict(held_powers(e)[0])

    def visit(node: Expr) -> None:
        if isinstance(node, (Integral, Expect)):
            found.setdefault(node, Dummy("I"))
            return
        for arg in node.args:
            visit(arg)

    visit(e)
    return e.xreplace(found) if found else e
