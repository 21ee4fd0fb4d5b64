r"""An expectation that is :math:`+\infty`, and a divergence that is infinite because of it.

When a law ``q`` has heavy tails (Cauchy, half-Cauchy) or mass near a pole of the log
ratio (``1/z`` of an inverse-gamma density under an exponential law), a term ``h(z)`` of
the log ratio has no finite mean. The divergence is then :math:`+\infty` when

* near every end of ``q``'s support, ``h`` is bounded or tends to :math:`+\infty` (so its
  negative part has a finite mean), and
* near some end ``e``, :math:`w(z)\, h(z)\, q(z)` has a positive (or infinite) limit, with
  :math:`w = |z|` at an infinite end and :math:`|z - e|` at a finite one: there
  :math:`h q \ge c / w` is not integrable (the comparison test).

:func:`divergent_ends` decides this with SymPy limits for the strategy. The verifier
(:func:`verify_divergence_step`) checks three rules:

* ``moment.divergent`` -- :math:`\mathbb{E}_q[h] = \infty`: the limits again, and
  independently in floating point at random parameter values (``w h q`` evaluated ever
  closer to the end stays positive and does not decay);
* ``divergence.insert`` -- the finite expectations substituted, :math:`+\infty` for
  :math:`\mathbb{E}_q[h]`: the finite part is recomputed from the established moments;
* ``divergence.absorb`` -- a finite number plus :math:`+\infty` is :math:`+\infty`.
"""

from __future__ import annotations

import random

import mpmath
from sympy import Abs, Add, Dummy, Expr, S, Symbol, lambdify, limit, oo, zoo

from ..errors import VerificationError
from ..symbolic.display import evaluate
from .asymptotic import leading_limit
from .context import Context, DensityFacts
from .step import Step

__all__ = ["divergent_ends", "mean_is_infinite", "verify_divergence_step"]


def _weight(variable: Symbol, end: Expr) -> Expr:
    if end == oo:
        return variable
    if end == -oo:
        return -variable
    return Abs(variable - end)


def _direction(end: Expr, lower: Expr) -> str:
    """The side a finite end is approached from (``+`` at the lower end)."""
    return "+" if end == lower else "-"


def _limit(f: Expr, variable: Symbol, end: Expr, lower: Expr) -> Expr | None:
    """The limit of ``f`` as ``variable`` tends to ``end`` from inside the support, or
    ``None`` when it is not shown.

    At a finite end the variable is written ``end + t`` (``end - t`` at the upper end)
    with ``t > 0`` tending to 0: SymPy's one-sided limit in the variable itself may take
    a branch of a power of ``1 - z`` beyond the end (``sqrt(z) / (sqrt(1 - z) (2 - 2z))``
    tended to ``-oo`` at ``1^-``). There, where ``f`` has no parameter left, the limit is
    then cross-checked in floating point (:func:`_agrees`): a limit the numbers contradict
    is not shown."""
    t = Dummy("t", positive=True)
    approach = {oo: 1 / t, -oo: -1 / t}.get(end)
    if approach is None:
        approach = end + t if _direction(end, lower) == "+" else end - t
    near = f.xreplace({variable: approach})
    value = leading_limit(near, t)
    if value is not None:
        return value
    try:
        value = limit(f, variable, end) if end in (oo, -oo) else limit(near, t, 0, "+")
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return None
    if end in (oo, -oo) or near.free_symbols - {t}:
        # parameters left: checked numerically at their values; at an infinite end SymPy's
        # limit is used as it is (a far point such as e^{-e^z} at z = 10^8 would need
        # millions of digits)
        return value
    return value if _agrees(value, near, t) else None


def _agrees(value: Expr, near: Expr, t: Symbol) -> bool:
    """Whether ``near`` at ``t = 10^-8, 10^-16, 10^-32`` (60 digits) moves as the limit
    ``value`` says: positive and growing for ``+oo``, negative and falling for ``-oo``,
    a quarter closer to a finite limit at the last point than at the first. A limit of
    another kind (a sign left unknown) is not checked here: the callers refuse it."""
    if value not in (oo, -oo) and not (value.is_number and value.is_extended_real):
        return True
    try:
        f = lambdify(t, near, modules="mpmath")
        with mpmath.workdps(60):
            samples = [mpmath.mpmathify(f(mpmath.mpf(10) ** -k)) for k in (8, 16, 32)]
            if any(not isinstance(v, mpmath.mpf) or mpmath.isnan(v) for v in samples):
                return False
            if value == oo:
                return all(v > 0 for v in samples) and samples[-1] > samples[0]
            if value == -oo:
                return all(v < 0 for v in samples) and samples[-1] < samples[0]
            target = mpmath.mpf(str(value.evalf(60)))
            first, last = (abs(samples[i] - target) for i in (0, -1))
            # a quarter closer at least (a limit elsewhere stays as far), or there already
            return bool(last <= first * 3 / 4 or last <= mpmath.mpf(10) ** -20 * (1 + abs(target)))
    except (ArithmeticError, TypeError, ValueError, NameError):
        return False


def divergent_ends(h: Expr, facts: DensityFacts) -> tuple[Expr, ...] | None:
    """The ends of ``q``'s support where ``E_q[h]`` diverges to :math:`+\\infty` (see the
    module), or ``None`` when that cannot be shown (a finite mean, or an undefined one)."""
    variable, density = facts.variable, facts.value
    lower, upper = facts.support
    out = []
    for end in (lower, upper):
        behaviour = _limit(h, variable, end, lower)
        if behaviour is None or behaviour.has(zoo, S.NaN):
            return None
        if behaviour == -oo or (behaviour.is_extended_negative and behaviour.is_infinite):
            return None  # the negative part may not be integrable
        if behaviour.has(oo, -oo) and behaviour != oo:
            return None
        rate = _limit(_weight(variable, end) * h * density, variable, end, lower)
        if rate is None or rate.has(zoo, S.NaN):
            return None
        if rate == oo or rate.is_positive:
            if not _confirmed_at_a_point(h, facts, end):
                return None
            out.append(end)
        elif not (rate == 0 or rate.is_zero):
            return None
    return tuple(out) or None


def _confirmed_at_a_point(h: Expr, facts: DensityFacts, end: Expr) -> bool:
    """Whether a divergent end found with symbolic parameters is found again with numbers
    in their place, when the density has a power with a symbolic exponent (a Student-t
    density's ``(1 + (z - mu)^2/(nu sigma^2))^(-(nu + 1)/2)``): SymPy's limit of ``w h q``
    there can be ``oo`` where it is 0. The numbers are fixed (7/3, 7/3 + 1/7, ... in the
    order of the names), so the answer is the same on every machine."""
    from sympy import Pow, Rational

    variable, density = facts.variable, facts.value
    if not any(p.exp.free_symbols - {variable} for p in density.atoms(Pow) if p.exp.free_symbols):
        return True
    symbols = sorted((density.free_symbols | h.free_symbols) - {variable}, key=str)
    values = {s: Rational(7, 3) + Rational(k, 7) for k, s in enumerate(symbols)}
    lower = facts.support[0].xreplace(values)
    point = end.xreplace(values)
    rate = _limit((_weight(variable, point) * h * density).xreplace(values), variable, point, lower)
    return rate is not None and (rate == oo or bool(rate.is_positive))


def mean_is_infinite(h: Expr, facts: DensityFacts) -> bool:
    """Whether ``E_q[h] = +oo`` is shown for a whole log ratio ``h`` at numeric parameter
    values: at some end ``w h q`` has a positive or infinite limit while ``h`` tends to
    ``+oo`` (:func:`divergent_ends`), and at every end where ``h`` tends to ``-oo`` its
    negative part is integrable (``w^2 h q -> 0`` at an infinite end, ``w^(1/2) h q -> 0``
    at a finite one): a linear tail ``-b z`` under a law with a mean does not cancel the
    divergence."""
    variable, density = facts.variable, facts.value
    lower, upper = facts.support
    diverging = False
    for end in (lower, upper):
        behaviour = _limit(h, variable, end, lower)
        if behaviour is None or behaviour.has(zoo, S.NaN):
            return False
        weight = _weight(variable, end)
        if behaviour == -oo:
            tight = weight**2 if end in (oo, -oo) else weight**S.Half
            rate = _limit(tight * h * density, variable, end, lower)
            if rate is None or not (rate == 0 or rate.is_zero):
                return False
            continue
        if behaviour.has(oo, -oo) and behaviour != oo:
            return False
        rate = _limit(weight * h * density, variable, end, lower)
        if rate is None or rate.has(zoo, S.NaN):
            return False
        if behaviour == oo and (rate == oo or rate.is_positive):
            diverging = True
    return diverging


# ---------------------------------------------------------------------------
# the verifier
# ---------------------------------------------------------------------------


def verify_divergence_step(step: Step, context: Context) -> str:
    """``"symbolic+numeric"``-style checks of the three rules (see the module)."""
    if step.rule == "moment.divergent":
        return _verify_divergent_moment(step, context)
    if step.rule == "divergence.insert":
        return _verify_insert(step, context)
    if step.rule == "divergence.absorb":
        return _verify_absorb(step)
    raise VerificationError(step.rule, "not a divergence rule")


def _facts_of(step: Step, context: Context) -> DensityFacts:
    facts = context.densities.get(step.params["q_name"])
    if facts is None:
        raise VerificationError(step.rule, "the law of the expectation is unknown")
    return facts


def _verify_divergent_moment(step: Step, context: Context) -> str:
    facts = _facts_of(step, context)
    h = evaluate(step.params["h"])
    if step.after != oo:
        raise VerificationError(step.rule, "the right side is not +oo")
    ends = divergent_ends(h, facts)
    if not ends or set(ends) != set(step.params["ends"]):
        raise VerificationError(step.rule, f"E[{h}] is not shown to diverge")
    _numeric_tail_check(step, h, facts, ends, context)
    return "symbolic"


def _numeric_tail_check(
    step: Step, h: Expr, facts: DensityFacts, ends: tuple[Expr, ...], context: Context
) -> None:
    """At random parameter values, ``w h q`` approaching each divergent end stays
    positive and does not decay (the comparison with ``1/w`` holds numerically)."""
    from .verify.quadrature import safe_exp
    from .verify.sampling import sample_parameters

    variable = facts.variable
    lower = facts.support[0]
    symbols = (h * facts.value).free_symbols - {variable}
    rng = random.Random(step.rule)
    d = Dummy("d", positive=True)
    for _ in range(3):
        values = sample_parameters(symbols, context.conditions, rng)
        if values is None:
            raise VerificationError(step.rule, "no parameter values satisfy the conditions")
        for end in ends:
            end_value = S(end).xreplace(values)
            weighted = (_weight(variable, end_value) * h * facts.value).xreplace(values)
            if end_value == oo:
                at = weighted.xreplace({variable: 1 / d})
            elif end_value == -oo:
                at = weighted.xreplace({variable: -1 / d})
            elif end == lower:
                at = weighted.xreplace({variable: end_value + d})
            else:
                at = weighted.xreplace({variable: end_value - d})
            f = lambdify(d, at, modules=[{"exp": safe_exp}, "mpmath"])
            with mpmath.workdps(60):
                samples = [f(mpmath.mpf(10) ** -k) for k in (4, 8, 12)]
            if any(not mpmath.isfinite(v) and v != mpmath.inf for v in samples):
                raise VerificationError(step.rule, "the tail could not be evaluated")
            if any(v <= 0 for v in samples) or samples[-1] < samples[0] / 2:
                raise VerificationError(step.rule, f"E[{h}] does not diverge numerically")


def _verify_insert(step: Step, context: Context) -> str:
    """``c + sum a_i E[T_i] + E[h]`` with the moments substituted is ``finite + oo``."""
    facts = _facts_of(step, context)
    before, after = step.before, step.after
    if not isinstance(after, Add) or oo not in after.args:
        raise VerificationError(step.rule, "the right side is not a finite part plus +oo")
    from sympy import expand, simplify

    from ..symbolic.objects import Expect

    constant = evaluate(step.params["constant"])
    h = evaluate(step.params["h"])
    # the left side is c + sum a_i E[T_i] + E[h], as the expectation stage wrote it
    stated = constant + sum(
        (evaluate(c) * Expect(evaluate(t), facts.function) for t, c in step.params["finite_terms"]),
        S.Zero,
    )
    factor = evaluate(step.params.get("factor", S.One))
    linear = step.params.get("linear", before)
    if expand(evaluate(linear) - stated - factor * Expect(h, facts.function)) != 0:
        raise VerificationError(step.rule, "the left side is not the expectation being split")
    if linear != before and not _same_divergence(before, linear, context, facts):
        # D_KL(q || p) itself: its normal form is the split expectation
        raise VerificationError(step.rule, "the divergence is not the split expectation")
    finite = evaluate(Add(*(a for a in after.args if a != oo)))
    expected = constant
    for statistic, coefficient in step.params["finite_terms"]:
        value = facts.expectations.get(evaluate(statistic))
        if value is None:
            raise VerificationError(step.rule, f"E[{statistic}] is not established")
        expected += evaluate(coefficient) * value
    if simplify(expand(finite - expected)) != 0:
        raise VerificationError(step.rule, "the finite part is not the sum of the moments")
    if finite.has(oo, -oo, zoo):
        raise VerificationError(step.rule, "the finite part is not finite")
    return "symbolic"


def _same_divergence(before: Expr, linear: Expr, context: Context, facts: DensityFacts) -> bool:
    """Whether the normal forms of ``before`` and ``linear`` agree. The logarithm of a
    density may be written apart on the two sides (``log(1 + (z - mu)^2/(nu s^2))``
    against ``log((z - mu)^2 + nu s^2)``, a constant apart): the difference of the
    expectations under ``q`` is then the expectation of one function with zero
    derivative, a constant on the (connected) support, read at a point of it."""
    from sympy import cancel, diff, expand, simplify

    from ..symbolic.objects import Expect
    from .verify.normal_form import is_zero, normal_form

    difference = expand(normal_form(before, context) - normal_form(linear, context))
    if is_zero(difference):  # a constant such as log(2)/4 + log(5)/8 - log(20)/8 too
        return True
    inside, rest = S.Zero, S.Zero
    for term in Add.make_args(difference):
        found = [f for f in term.atoms(Expect) if f.args[1] == facts.function]
        if len(found) == 1 and not (term / found[0]).has(Expect, facts.variable):
            weight, known = term / found[0], _factored_log_mean(found[0].args[0], facts)
            if known is not None:  # E[log((1 - z)^29)] expanded: 29 E[log(1 - z)]
                rest += weight * known
            else:
                inside += weight * found[0].args[0]
        else:
            rest += term
    variable = facts.variable
    if rest.has(Expect):
        return False
    if inside == 0:  # every expectation left was a factored log of a polynomial
        return is_zero(rest) or simplify(rest) == 0
    if cancel(diff(inside, variable)) != 0:
        return False
    lower, upper = facts.support
    if lower == -oo:
        point = S.Zero if upper == oo else upper - 1
    else:
        point = lower + 1 if upper == oo else (lower + upper) / 2
    return simplify(rest + inside.xreplace({variable: point})) == 0


def _factored_log_mean(h: Expr, facts: DensityFacts) -> Expr | None:
    """``E[log P(z)]`` for a polynomial ``P`` in ``z`` or in one power of it (the normal
    form expands ``(1 - z)^29``) as
    ``log c + sum k_i E[log f_i(z)]`` from ``P = c prod f_i^k_i``, each factor signed to be
    positive on the support (at its midpoint, and without a root inside it), when every
    ``E[log f_i]`` is established; ``None`` otherwise."""
    from sympy import Dummy, Poly, Pow, Rational, expand, factor_list, ilcm, log, real_roots

    variable = facts.variable
    if not isinstance(h, log) or h.args[0].free_symbols != {variable}:
        return None
    polynomial = h.args[0]
    # in the variable, or in a root of it (1 - z^(1/8) of a Kumaraswamy law): z = t^n
    exponents = [e.exp for e in polynomial.atoms(Pow) if e.base == variable]
    if not all(e.is_Rational and e.is_positive for e in exponents):
        return None
    roots_taken = int(ilcm(1, *(e.q for e in exponents)))
    exponent = Rational(1, roots_taken)
    generator = variable**exponent
    lower, upper = facts.support
    if exponent != 1 and not lower >= 0:  # z^r increasing on the support: z >= 0 there
        return None
    t = Dummy("t", positive=True)
    in_t = expand(polynomial.xreplace({variable: t**roots_taken}))
    if not in_t.is_polynomial(t) or Poly(in_t, t).degree() < 2:
        return None
    if lower == -oo:
        point = S.Zero if upper == oo else upper - 1
    else:
        point = lower + 1 if upper == oo else (lower + upper) / 2
    ends = [generator.xreplace({variable: end}) for end in (lower, upper)]
    constant, factors = factor_list(in_t, t)
    total = S.Zero
    for f, k in factors:
        f = f.xreplace({t: generator})
        if f.xreplace({variable: point}) < 0:
            f, constant = -f, constant * (-1) ** k
        # no root of the factor inside the support (the generator is increasing there)
        roots = real_roots(Poly(f.xreplace({generator: t}), t))
        value = facts.expectations.get(log(f))
        if any(ends[0] < r < ends[1] for r in roots) or value is None:
            return None
        total += k * value
    if not constant.is_positive:
        return None
    return log(constant) + total


def _verify_absorb(step: Step) -> str:
    before = step.before
    if step.after != oo or not isinstance(before, Add):
        raise VerificationError(step.rule, "not a finite part plus +oo")
    rest = [a for a in before.args if a != oo]
    if len(rest) == len(before.args) or any(evaluate(a).has(oo, -oo, zoo) for a in rest):
        raise VerificationError(step.rule, "not a finite part plus +oo")
    return "symbolic"
