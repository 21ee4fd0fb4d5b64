"""The verifier's fast pass: double-precision quadrature with error bounds.

The fast pass may accept a step only when the two sides agree within the verifier's
tolerance after its error bounds are added, so it can never accept a step that the
30-digit pass would refuse; a step off by a tiny relative amount (1e-8, 1e-9: above the
tolerance of 1e-10) must still be refused, on every kind of interval.
"""

from __future__ import annotations

import collections
from dataclasses import replace

import mpmath
import pytest
from sympy import (
    Abs,
    Float,
    Integral,
    Rational,
    S,
    Symbol,
    beta,
    exp,
    gamma,
    log,
    oo,
    pi,
    sqrt,
)

from kl_derive.engine import draft_for
from kl_derive.errors import VerificationError
from kl_derive.numeric import bounded, quadrature
from kl_derive.numeric.bounded import bounded_value
from kl_derive.numeric.quadrature import bounded_integral
from kl_derive.numeric.screen import clearly_nonzero
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.convert import bind_pair

z = Symbol("z", positive=True)
x = Symbol("x", real=True)
a = Symbol("a", positive=True)
b = Symbol("b", positive=True)

# (integral, exact value, parameter values): every kind of interval
CASES = [
    # finite, with integrable singularities at both ends (z^-0.3, (1 - z)^-0.6)
    (
        Integral(z ** (a - 1) * (1 - z) ** (b - 1) / beta(a, b) * log(z), (z, 0, 1)),
        lambda v: mpmath.digamma(v[a]) - mpmath.digamma(v[a] + v[b]),
        {a: Rational(7, 10), b: Rational(2, 5)},
    ),
    # finite, singular at 1 where 1 - z^a cancels in floats (Kumaraswamy(1/8, 1/10): a
    # tenth of the mass where 1 - z^a < 1e-10): reached as -expm1(a log1p(-d))
    (
        Integral(a * b * z ** (a - 1) * (1 - z**a) ** (b - 1) * log(1 - z**a), (z, 0, 1)),
        lambda v: -1 / v[b],
        {a: Rational(1, 8), b: Rational(1, 10)},
    ),
    # half-line, a power-law tail (Pareto with shape 3/2)
    (
        Integral(a * z ** (-a - 1) * log(z), (z, 1, oo)),
        lambda v: 1 / v[a],
        {a: Rational(3, 2)},
    ),
    # half-line from 0, a singularity at 0 (gamma with shape 0.3)
    (
        Integral(z ** (a - 1) * exp(-z) / gamma(a) / z, (z, 0, oo)),
        lambda v: mpmath.gamma(v[a] - 1) / mpmath.gamma(v[a]) if v[a] > 1 else None,
        {a: Rational(23, 10)},
    ),
    # whole line, Gaussian tails
    (
        Integral(exp(-((x - a) ** 2) / 2) / sqrt(2 * pi) * x**2, (x, -oo, oo)),
        lambda v: 1 + v[a] ** 2,
        {a: Rational(13, 10)},
    ),
    # whole line, |p - q| of two normal laws of different scales: kinks where they cross,
    # the roots of a quadratic (1 - Phi of each law between the crossings, twice)
    (
        Integral(
            Abs(exp(-(x**2) / 2) - exp(-(x**2) / (2 * b**2)) / b) / sqrt(2 * pi), (x, -oo, oo)
        ),
        lambda v: _two_normals_l1(v[b]),
        {b: Rational(5, 2)},
    ),
    # limits given from the upper end: minus the integral the other way
    (
        Integral(exp(-(x**2) / 2) / sqrt(2 * pi), (x, a, -a)),
        lambda v: -mpmath.erf(v[a] / mpmath.sqrt(2)),
        {a: Rational(3, 4)},
    ),
    # whole line, kinks of |x - a| and |x| (a Laplace law)
    (
        Integral(exp(-Abs(x)) / 2 * Abs(x - a), (x, -oo, oo)),
        lambda v: v[a] + mpmath.exp(-v[a]),
        {a: Rational(4, 5)},
    ),
]


def _two_normals_l1(scale):
    """The integral of |N(0, 1) - N(0, scale^2)| over the line: they cross at +-c with
    c^2 = 2 scale^2 log(scale) / (scale^2 - 1)."""
    c = mpmath.sqrt(2 * scale**2 * mpmath.log(scale) / (scale**2 - 1))
    inside = (2 * mpmath.ncdf(c) - 1) - (2 * mpmath.ncdf(c / scale) - 1)
    return 2 * abs(inside)


@pytest.mark.parametrize(("integral", "exact", "values"), CASES)
def test_bounded_integral_holds_its_value_within_a_small_bound(integral, exact, values) -> None:
    env = {s: mpmath.mpf(v.p) / v.q for s, v in values.items()}
    with mpmath.workdps(30):
        want = exact(env)
        found = bounded_integral(integral, env)
    assert found is not None
    value, bound = found
    assert 0 < bound < 1e-11
    assert abs(value - want) <= bound


@pytest.mark.parametrize(("integral", "exact", "values"), CASES)
@pytest.mark.parametrize("offset", [Rational(1, 10**8), Rational(1, 10**9)])
def test_fast_pass_cannot_accept_a_tiny_relative_error(integral, exact, values, offset) -> None:
    """A side off by 1e-8 or 1e-9 relative: the difference with its bound added stays
    beyond the verifier's tolerance of 1e-10, so the fast pass refuses it."""
    env = {s: mpmath.mpf(v.p) / v.q for s, v in values.items()}
    with mpmath.workdps(30):
        wrong = Float(exact(env) * (1 + mpmath.mpf(offset.p) / offset.q), 30)
        found = bounded_value(integral - wrong, values, _no_precise, _no_precise)
    assert found is not None
    difference, bound = found
    assert abs(difference) - bound > mpmath.mpf("1e-10") * max(1, abs(wrong))


def _no_precise(_what):
    raise AssertionError("the fast pass fell back to 30-digit quadrature")


def test_an_integrand_that_cannot_be_evaluated_where_it_counts_is_inconclusive() -> None:
    # log(z - 1/2) is not real on half the range: no float value to vouch for
    assert bounded_integral(Integral(log(z - S.Half), (z, 0, 1)), {}) is None
    # not decayed at the far end: 1/z on [1, oo) diverges
    assert bounded_integral(Integral(1 / z, (z, 1, oo)), {}) is None


def test_screen_never_calls_a_zero_expression_nonzero() -> None:
    p = Symbol("p", positive=True)
    zero = log(p * a) - log(p) - log(a) + exp(a) * exp(b) - exp(a + b)
    assert not clearly_nonzero(zero.expand(force=True))
    assert not clearly_nonzero((a + b) ** 2 - a**2 - 2 * a * b - b**2)
    assert clearly_nonzero(log(1 - p) - log(p) + Rational(1, 10**12))
    assert clearly_nonzero((a + b) ** 2 - a**2 - b**2)


def _draft(p: str, q: str):
    first, second = bind_pair(parse_spec(p), parse_spec(q))
    return draft_for(first, second)


@pytest.mark.parametrize(
    ("p", "q"), [("beta", "gamma"), ("laplace", "normal"), ("kumaraswamy", "normal")]
)
@pytest.mark.slow
def test_every_numeric_step_off_by_a_tiny_amount_is_rejected(p, q, monkeypatch) -> None:
    """Finite range and half-line (beta, gamma), kinks on the whole line (Laplace), a
    finite range reached through expm1 and log1p at its upper end (Kumaraswamy): every
    step checked numerically, its right side off by 1e-7 relative, is refused; and the
    fast pass did the quadrature (it was not bypassed)."""
    draft = _draft(p, q)
    calls = collections.Counter()
    original = quadrature.bounded_integral

    def counted(integral, env):
        found = original(integral, env)
        calls["vouched" if found is not None else "inconclusive"] += 1
        return found

    monkeypatch.setattr(bounded, "bounded_integral", counted)
    checked, accepted = 0, []
    for stage in draft.stages:
        for step in stage.steps:
            context = draft.contexts[step.facts]
            if verify_step(step, context) != "numeric":
                continue
            checked += 1
            wrong = replace(step, after=step.after * (1 + Rational(1, 10**7)))
            try:
                verify_step(wrong, context)
            except VerificationError:
                continue
            accepted.append(f"{stage.key}:{step.rule}")
    assert checked > 0
    assert not accepted, f"false steps accepted: {accepted}"
    assert calls["vouched"] > 0
