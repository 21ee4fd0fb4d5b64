r"""Closed forms in the shape a textbook prints them.

SymPy's ``expand`` gives a flat sum such as ``a2*log(b1) - a2*log(b2) + a1*digamma(a1)
- a2*digamma(a1) - a1 + a1*b2/b1``. :func:`tidy` regroups it: terms are gathered by
their transcendental part (a logarithm, :math:`\psi`, :math:`\log\Gamma`, an
exponential...), logarithms with opposite coefficients are merged into the logarithm of
a ratio, and the rational remainder is written as one factored fraction:
:math:`\alpha_2 \log \frac{\beta_1}{\beta_2} + (\alpha_1 - \alpha_2)\psi(\alpha_1) +
\frac{\alpha_1 (\beta_2 - \beta_1)}{\beta_1}`. The value never changes; the step that
shows it is verified like any other.
"""

from __future__ import annotations

from sympy import (
    Add,
    Dummy,
    Expr,
    Function,
    Mul,
    Number,
    Pow,
    S,
    Symbol,
    besseli,
    cos,
    count_ops,
    exp,
    expand,
    factor,
    fraction,
    log,
    powsimp,
    sin,
    together,
    trigsimp,
)

from ..symbolic.display import add, display_form, div, hand_order, mul, neg
from ..symbolic.display import power as power_

__all__ = ["signed_sum", "simplified_steps", "tidy", "tidy_coefficient"]


def _is_transcendental(factor_: Expr) -> bool:
    if isinstance(factor_, Function):
        return True
    base, _ = factor_.as_base_exp()
    return isinstance(base, Function) or (isinstance(factor_, Pow) and not factor_.exp.is_Rational)


def _split(term: Expr) -> tuple[Expr, Expr]:
    """``term`` as (rational coefficient, transcendental part); exponentials are merged
    (``e^{a} e^{b} = e^{a + b}``) and function arguments written as one fraction."""
    coefficient, part = S.One, S.One
    for f in Mul.make_args(term):
        if _is_transcendental(f) or (f.is_number and not f.is_Rational):
            part *= f
        else:
            coefficient *= f
    part = powsimp(part, combine="exp")
    part = part.replace(
        lambda x: isinstance(x, exp), lambda x: exp(factor(together(x.args[0])), evaluate=False)
    )
    part = part.replace(
        lambda x: isinstance(x, Function) and not isinstance(x, log) and x.args,
        lambda x: x.func(*[factor(together(a)) for a in x.args]),
    )
    return coefficient, part


def tidy(value: Expr) -> Expr:
    """``value`` (an evaluated expression) as a display expression, regrouped."""
    # the logarithm of a sum of squares of sums (a Cauchy law's) is not multiplied out
    kept = {
        a: Dummy()
        for a in value.atoms(log)
        if a.args[0].is_Add and any(p.base.is_Add for p in a.args[0].atoms(Pow))
    }
    value = expand(value.xreplace(kept)).xreplace({d: a for a, d in kept.items()})
    if value.has(cos, sin, besseli):
        return _circular(value)
    if value.is_number and not value.free_symbols:
        return display_form(value)
    square = _completed_square(value)
    if square is not None:
        k, inner, rest = square
        return add(tidy(rest), _product(tidy_coefficient(k), power_(signed_sum(inner), 2)))
    return _regroup(value)


def _regroup(value: Expr) -> Expr:
    """:func:`tidy` once ``value`` is expanded: terms gathered by transcendental part."""
    groups: dict[Expr, Expr] = {}
    for term in Add.make_args(value):
        coefficient, part = _split(term)
        groups[part] = groups.get(part, S.Zero) + coefficient
    groups = {k: v for k, v in groups.items() if v != 0}
    rational = groups.pop(S.One, S.Zero)
    logs = _merge_logs({k: v for k, v in groups.items() if isinstance(k, log)})
    others = [(k, v) for k, v in groups.items() if not isinstance(k, log)]
    others.sort(key=lambda kv: (_rank(kv[0]), str(kv[0])))
    terms = [_product(tidy_coefficient(c), display_form(f)) for f, c in logs]
    terms += [_product(tidy_coefficient(c), display_form(f)) for f, c in others]
    if rational != 0:
        terms.append(_rational(rational))
    return add(*terms)


def _rank(part: Expr) -> int:
    name = type(part).__name__
    return {"loggamma": 0, "gamma": 1, "digamma": 2, "polygamma": 3}.get(name, 4)


def _merge_logs(logs: dict[Expr, Expr]) -> list[tuple[Expr, Expr]]:
    """``c log a - c log b`` -> ``c log(a/b)``, with the larger coefficient first."""
    items = sorted(logs.items(), key=lambda kv: str(kv[0]))
    used: set[int] = set()
    out: list[tuple[Expr, Expr]] = []
    for i, (a, ca) in enumerate(items):
        if i in used:
            continue
        partner = None
        if _special(a):
            out.append((a, ca))  # log Gamma(a) - log Gamma(b) stays as written
            continue
        for j in range(i + 1, len(items)):
            same_kind = not _special(items[j][0])
            if j not in used and same_kind and expand(items[j][1] + ca) == 0:
                partner = j
                break
        if partner is None:
            out.append((a, ca))
            continue
        used.add(partner)
        b = items[partner][0]
        if ca.could_extract_minus_sign():
            a, b, ca = b, a, -ca
        out.append((log(div(a.args[0], b.args[0]), evaluate=False), ca))
    return out


def _special(logarithm: Expr) -> bool:
    """Whether a logarithm is of a special function (``log Gamma(a)``)."""
    return isinstance(logarithm.args[0], Function)


def _product(coefficient: Expr, part: Expr) -> Expr:
    if coefficient == 1:
        return part
    if coefficient == -1:
        return neg(part)
    return mul(coefficient, part)


def tidy_coefficient(c: Expr) -> Expr:
    """A coefficient factored, with a leading minus sign pulled out of a sum."""
    c = factor(together(c))
    if isinstance(c, (Number, Symbol)):
        return c
    return _rational(c)


def _rational(r: Expr) -> Expr:
    """A rational function as one fraction (factored numerator over denominator), or as
    a sum of simple terms when that is shorter (``b/a - 1`` rather than ``-(a - b)/a``)."""
    expanded = expand(r)
    if isinstance(expanded, Add) and count_ops(expanded) <= count_ops(factor(together(r))):
        return _sum_of_fractions(expanded)
    r = factor(together(r))
    numerator, denominator = fraction(r)
    sign = 1
    if numerator.could_extract_minus_sign():
        sign, numerator = -1, -numerator
    top = _factors(numerator)
    bottom = _factors(denominator)
    shown = div(top, bottom) if denominator != 1 else top
    return neg(shown) if sign < 0 else shown


def _sum_of_fractions(e: Add) -> Expr:
    terms = []
    for term in hand_order(e).args:
        numerator, denominator = fraction(term)
        negative = numerator.could_extract_minus_sign()
        shown = div(_factors(-numerator if negative else numerator), _factors(denominator))
        terms.append(neg(shown) if negative else shown)
    return add(*terms)


def _factors(e: Expr) -> Expr:
    if isinstance(e, Add):
        return hand_order(e)
    if isinstance(e, Mul):
        coefficient, rest = e.as_coeff_Mul()
        factors = [
            hand_order(f) if isinstance(f, Add) else display_form(f) for f in Mul.make_args(rest)
        ]
        # a cosine or a sine after the letters: kappa cos(mu), as written by hand
        factors.sort(key=lambda f: (isinstance(f, Add), isinstance(f, (cos, sin)), str(f)))
        return mul(coefficient, *factors)
    return display_form(e)


def signed_sum(value: Expr) -> Expr:
    """A sum with its positive terms first and the negative ones subtracted:
    :math:`\\psi(\\alpha) - \\log\\beta - \\mu`, as the inside of a square is written."""
    terms = Add.make_args(expand(value))
    positive = [display_form(t) for t in terms if not t.could_extract_minus_sign()]
    negative = [display_form(-t) for t in terms if t.could_extract_minus_sign()]
    return add(*positive, *(neg(t) for t in negative))


def _square_atoms(value: Expr) -> list[Expr]:
    """The transcendental factors (``psi(a)``, ``log b``) that appear squared or in a
    product of two in ``value``'s terms."""
    atoms: dict[Expr, None] = {}
    for term in Add.make_args(value):
        found = []
        for f in Mul.make_args(term):
            base, exponent = f.as_base_exp()
            if _is_transcendental(base) and exponent in (1, 2):
                found.extend([base] * int(exponent))
        if len(found) == 2:
            atoms.update(dict.fromkeys(found))
    return sorted(atoms, key=lambda a: (_rank(a), str(a)))


def _completed_square(value: Expr):
    """``(k, inner, rest)`` with ``value = k * inner**2 + rest`` when the quadratic part
    of ``value`` in its transcendental factors is one square (a log-normal law's
    :math:`E[(\\log z - \\mu)^2]` under a gamma law gives
    :math:`\\psi'(\\alpha) + (\\psi(\\alpha) - \\log\\beta - \\mu)^2`), and the completed
    form is shorter; else ``None``."""
    from sympy import Poly, PolynomialError

    atoms = _square_atoms(value)
    if not atoms:
        return None
    xs = [Dummy(f"x{i}") for i in range(len(atoms))]
    try:
        poly = Poly(value.xreplace(dict(zip(atoms, xs, strict=True))), *xs)
    except PolynomialError:
        return None
    if poly.total_degree() != 2:
        return None
    quadratic = {m: c for m, c in poly.terms() if sum(m) == 2}
    n = len(xs)

    def q(i: int, j: int) -> Expr:
        m = [0] * n
        m[i] += 1
        m[j] += 1
        return quadratic.get(tuple(m), S.Zero)

    lead = next((i for i in range(n) if q(i, i) != 0), None)
    if lead is None:
        return None
    k = q(lead, lead)
    v = [S.One if i == lead else factor(q(lead, i) / (2 * k)) for i in range(n)]
    for i in range(n):
        for j in range(i, n):
            expected = k * v[i] * v[j] * (1 if i == j else 2)
            if expand(q(i, j) - expected) != 0:
                return None
    linear = expand(sum(vi * x for vi, x in zip(v, xs, strict=True)))
    slope = poly.coeff_monomial(xs[lead])
    shift = expand(slope / (2 * k))
    candidates = {S.Zero, shift, *Add.make_args(shift)}
    plain = count_ops(value)
    best = None
    for c in candidates:
        rest = expand(value - k * (linear + c) ** 2).xreplace(dict(zip(xs, atoms, strict=True)))
        if rest.has(*xs):
            continue
        if any(True for _ in _square_atoms(rest)):
            continue
        inner = (linear + c).xreplace(dict(zip(xs, atoms, strict=True)))
        cost = count_ops(rest) + count_ops(inner) + 2
        if cost < plain and (best is None or cost < best[0]):
            best = (cost, k, inner, rest)
    return None if best is None else best[1:]


# ---------------------------------------------------------------------------
# laws on the circle: cosines and sines of the parameters, Bessel function ratios
# ---------------------------------------------------------------------------


def _circular(value: Expr) -> Expr:
    """``value`` (expanded) with its trigonometric terms recombined, as a textbook writes a
    von Mises divergence: the terms with a ratio :math:`I_{1}(\\kappa)/I_{0}(\\kappa)`
    gathered behind it (``cos^2 mu + sin^2 mu = 1``, ``cos a cos b + sin a sin b =
    cos(a - b)``), other trigonometric terms gathered by what multiplies them, and the
    rest tidied as usual."""
    ratios: dict[Expr, Expr] = {}
    trig: dict[Expr, Expr] = {}
    rest = S.Zero
    for term in Add.make_args(value):
        orders = [b for b in term.atoms(besseli) if b.args[0] == 1]
        if len(orders) == 1:
            kappa = orders[0].args[1]
            factor_ = besseli(1, kappa) / besseli(0, kappa)
            ratios[kappa] = ratios.get(kappa, S.Zero) + expand(term / factor_)
            continue
        if not term.has(cos, sin):
            rest += term
            continue
        number, product = term.as_coeff_Mul()
        angles = S.One
        others = S.One
        for f in Mul.make_args(product):
            if f.has(cos, sin) and not f.has(besseli):
                angles *= f
            else:
                others *= f
        trig[others] = trig.get(others, S.Zero) + number * angles
    plain = _regroup(rest) if rest.free_symbols else display_form(rest)
    terms = [_positive_first(plain)] if rest != 0 else []
    for others, angles in trig.items():
        combined = trigsimp(angles)
        if combined != 0:
            terms.append(_times(display_form(others), display_form(combined)))
    for kappa, coefficient in ratios.items():
        combined = trigsimp(coefficient)
        if combined == 0:
            continue
        ratio = div(besseli(1, kappa), besseli(0, kappa))
        shown = display_form(combined)
        if isinstance(shown, Add):
            terms.append(mul(ratio, shown))
        else:
            negative = shown.could_extract_minus_sign()
            top = mul(display_form(-combined) if negative else shown, besseli(1, kappa))
            fraction_ = div(top, besseli(0, kappa))
            terms.append(neg(fraction_) if negative else fraction_)
    if terms and all(t.could_extract_minus_sign() for t in Add.make_args(terms[0])):
        # nothing positive among the plain terms: kappa A(kappa) - log I_0(kappa)
        return _positive_first(add(*terms))
    return add(*terms)


def _times(factor_: Expr, angles: Expr) -> Expr:
    """``factor * angles``, a sum of angles in brackets, a leading minus sign in front."""
    if factor_ == 1:
        return angles
    negative = factor_.could_extract_minus_sign()
    shown = mul(display_form(-factor_) if negative else factor_, angles)
    return neg(shown) if negative else shown


def _positive_first(shown: Expr) -> Expr:
    """A sum with its positive terms first (``log I_0(k_2) - log I_0(k_1)``), the order
    otherwise kept."""
    if not isinstance(shown, Add):
        return shown
    terms = sorted(shown.args, key=lambda t: t.could_extract_minus_sign())
    return Add(*terms, evaluate=False)


def simplified_steps(steps: list, numeric: bool) -> list:
    """``steps`` (a chain's :class:`~kl_derive.steps.step.Step` list) with one more step,
    the last right side tidied, when the laws' parameters are all numbers
    (``log(1/2) + (1 + 1)/(1/2) - 1/2`` is ``7/2 - log 2``)."""
    if numeric:
        from ..steps.step import Step
        from ..symbolic.display import evaluate

        last = steps[-1].after
        simple = tidy(evaluate(last))
        if simple != last:
            steps = [*steps, Step("algebra.simplify", last, simple)]
    return steps
