"""Constants in logarithms of rational numbers as exact polynomials over a coprime basis
(kl_derive.steps.verify.prime_logs), the finite sums the verifier writes with them
(kl_derive.steps.verify.finite_sums), and what they must never do: call a nonzero constant
zero, or factor a large number."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import mpmath
import pytest
import sympy as sp

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.steps.verify.normal_form import is_zero
from kl_derive.steps.verify.prime_logs import (
    MAX_WORK,
    as_prime_logs,
    logarithms_over_basis,
    prime_log_polynomial,
)
from kl_derive.steps.verify.rational import zero_in_prime_logarithms
from kl_derive.strategies.estimators_family import derive_family_estimators
from kl_derive.symbolic.convert import bind_pair

R = sp.Rational


def _value(e: sp.Expr) -> mpmath.mpf:
    return mpmath.mpf(str(sp.N(e, 60)))


@pytest.mark.slow
def test_rewriting_is_an_identity_at_random_constants() -> None:
    """A random polynomial in logarithms of random rationals (and rational powers of
    them inside a logarithm) has the value of its rewriting, to 50 digits."""
    rng = random.Random(7)
    mpmath.mp.dps = 60
    for _ in range(12):
        count = rng.randint(1, 4)
        logs = [sp.log(R(rng.randint(1, 10**6), rng.randint(1, 10**6))) for _ in range(count)]
        logs.append(sp.log(sp.sqrt(R(rng.randint(2, 99))) * R(rng.randint(1, 9), 7)))
        e = sum(R(rng.randint(-9, 9), rng.randint(1, 9)) * x for x in logs)
        e = e ** rng.randint(1, 4) - R(rng.randint(1, 5), 3) * logs[0] * e
        rewritten = as_prime_logs(e)
        assert rewritten is not None
        assert abs(_value(rewritten) - _value(e)) < mpmath.mpf(10) ** -45
        assert zero_in_prime_logarithms(e - rewritten) and is_zero(e - rewritten)


def test_a_constant_off_by_a_little_is_never_zero() -> None:
    m1 = R(33, 49) * sp.log(R(12 * 49, 61 * 33)) + R(11, 49) * sp.log(R(17 * 49, 61 * 11))
    exact = (m1 - sp.log(R(12, 61))) ** 4
    expanded = as_prime_logs(exact)
    assert zero_in_prime_logarithms(exact - expanded)
    for wrong in (
        exact - expanded + R(1, 10**30),
        exact - expanded * (1 + R(1, 10**30)),
        exact - expanded.xreplace({sp.log(7): sp.log(11)}),
        sp.log(4) - sp.log(2),
        sp.log(R(10007 * 10009, 3)) - sp.log(10007) - sp.log(10009) + sp.log(2),
    ):
        assert not zero_in_prime_logarithms(wrong)
        assert not is_zero(wrong)


def test_large_factors_are_kept_whole_in_a_coprime_basis() -> None:
    """Numbers near 10^12 (the largest a spec accepts) with large prime factors are not
    factored: what is left after the primes below 1000 is refined by gcds alone."""
    big, other = 999999999989, 999999999961  # primes
    start = time.process_time()
    over = logarithms_over_basis({R(big * 6, other), R(other, big * 35)})
    assert time.process_time() - start < 1
    assert over[R(big * 6, other)] == sp.log(2) + sp.log(3) + sp.log(big) - sp.log(other)
    # a shared large factor is found by a gcd and used by both
    e = sp.log(sp.Integer(big * 3)) + sp.log(R(1, big)) - sp.log(3)
    assert prime_log_polynomial(e) == {}
    # two products of large primes sharing one: a basis of three
    a, b, c = 1000003, 1000033, 1000037
    e = sp.log(sp.Integer(a * b)) - sp.log(sp.Integer(a * c)) - sp.log(R(b, c))
    assert prime_log_polynomial(e) == {}


def test_what_it_does_not_decide() -> None:
    """Anything but rationals and logarithms of rational powers of rationals is left to
    the general test, and so is a product over the work bound."""
    for e in (sp.pi * sp.log(2), sp.log(sp.pi), sp.sqrt(2) * sp.log(3), sp.Symbol("x")):
        assert prime_log_polynomial(e) is None
    atoms = [sp.log(sp.prime(i)) for i in range(1, 40)]
    huge = sum(atoms) ** 5  # more than MAX_WORK pairs of terms in its last product
    assert prime_log_polynomial(huge) is None
    assert MAX_WORK < 10**6


def test_categorical_moments_are_proved_by_the_finite_sum() -> None:
    """The central moments of the log ratio of two categorical laws are proved exactly
    (symbolic) through the finite sum; a value off by a relative 1e-7 is refused (one
    off by 1e-30 is not zero for is_zero, above; the numeric check's tolerance is 1e-10)."""
    first, second = bind_pair(
        parse_spec("categorical([33/49, 11/49, 5/49])"),
        parse_spec("categorical([12/61, 17/61, 32/61])"),
        None,
    )
    draft = derive_family_estimators(first, second)
    steps = [
        s
        for stage in draft.stages
        for s in stage.steps
        if s.rule in ("estimator.family_cumulant", "estimator.family_cumulant_insert")
    ]
    assert len(steps) >= 8
    for step in steps:
        context = draft.contexts[step.facts]
        assert verify_step(step, context) == "symbolic", step.rule
        if step.after.free_symbols:
            continue
        for wrong in (step.after + R(1, 10**7), step.after * (1 + R(1, 10**7))):
            with pytest.raises(VerificationError):
                verify_step(replace(step, after=wrong), context)


_BIG = 999999999989


@pytest.mark.parametrize(
    ("p", "q", "pl", "ql"),
    [
        (
            f"categorical([1/{_BIG}, 3/{_BIG}, {_BIG - 4}/{_BIG}])",
            f"categorical([{_BIG - 28}/{_BIG}, 7/{_BIG}, 21/{_BIG}])",
            [R(1, _BIG), R(3, _BIG), R(_BIG - 4, _BIG)],
            [R(_BIG - 28, _BIG), R(7, _BIG), R(21, _BIG)],
        ),
        ("bernoulli(1/3)", "bernoulli(3/4)", [R(2, 3), R(1, 3)], [R(1, 4), R(3, 4)]),
    ],
)
def test_laws_with_large_or_small_numbers_derive(p, q, pl, ql) -> None:
    """Probabilities with prime denominators near 10^12 derive (SymPy's simplification
    of the closed forms used to factor them for minutes); the moments are proved
    symbolically, and KL is the sum enumerated here."""
    d = kl_derive.estimators(p, q)
    assert all(step.check == "symbolic" for step in d.steps if "cumulant" in step.rule)
    mpmath.mp.dps = 40
    kl = mpmath.fsum(
        mpmath.mpf(a.p) / a.q * mpmath.log((mpmath.mpf(a.p) / a.q) / (mpmath.mpf(b.p) / b.q))
        for a, b in zip(pl, ql, strict=True)
    )
    assert abs(_value(d.result) - kl) < mpmath.mpf(10) ** -30
    assert abs(_value(d.facts.kl) - kl) < mpmath.mpf(10) ** -30
