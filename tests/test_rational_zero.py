"""The verifier's fast exact zero test (a rational function of independent parts).

It must never call a non-zero expression zero: every expression it calls zero is checked
against SymPy's own ``cancel`` and at random numeric points, on random rational
expressions in logarithms, exponentials, roots and symbols; expressions that are zero
only through a relation between the parts are left to the slower test; and a false step
whose sides differ by little is still rejected where the fast test now decides.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import sympy as sp

from kl_derive.engine import draft_for
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.steps.verify.rational import zero_as_rational_function
from kl_derive.strategies.placeholders import substitute_draft
from kl_derive.symbolic.convert import bind_pair

a, b, c = sp.symbols("a b c", positive=True)
PARTS = (a, b, c, sp.log(a), sp.exp(1 / b), sp.sqrt(c), sp.polygamma(0, a), sp.pi)
#: with a part in a relation the test does not use (exp(a + 1/b) = exp(a) exp(1/b))
ALL_PARTS = (*PARTS, sp.exp(a + 1 / b))


def _random_expression(rng: random.Random, depth: int = 3, parts=PARTS) -> sp.Expr:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(parts) if rng.random() < 0.7 else sp.Rational(rng.randint(-9, 9), 7)
    x, y = (_random_expression(rng, depth - 1, parts) for _ in range(2))
    op = rng.choice(("add", "mul", "div", "pow"))
    if op == "add":
        return x + y
    if op == "mul":
        return x * y
    if op == "div":
        return x / y if y != 0 else x
    return x ** rng.randint(-2, 3)


@pytest.mark.parametrize("seed", range(40))
def test_random_identities_are_found_and_agree_with_cancel(seed) -> None:
    rng = random.Random(seed)
    e = _random_expression(rng)
    assert zero_as_rational_function(e - sp.together(e))
    assert zero_as_rational_function(sp.expand(e) - e)
    wrong = e - sp.together(e) + sp.Rational(1, 10**9) * rng.choice(PARTS)
    assert not zero_as_rational_function(wrong)
    assert sp.cancel(wrong) != 0


@pytest.mark.parametrize("seed", range(60))
def test_a_zero_is_a_zero_at_random_points(seed) -> None:
    """Whatever it calls zero is zero numerically (a sum of random expressions that is
    sometimes a true zero, sometimes not)."""
    rng = random.Random(1000 + seed)
    x, y = _random_expression(rng, parts=ALL_PARTS), _random_expression(rng, parts=ALL_PARTS)
    e = x * y - sp.expand(x * y) + (x - y if rng.random() < 0.5 else 0)
    if zero_as_rational_function(e):
        assert sp.cancel(e) == 0
        for _ in range(3):
            point = {s: sp.Rational(rng.randint(1, 99), rng.randint(1, 99)) for s in (a, b, c)}
            value = complex(e.xreplace(point).evalf(30))
            assert abs(value) < 1e-20


def test_relations_between_parts_are_not_used() -> None:
    # zero, but only through log(ab) = log a + log b or sqrt(c) sqrt(c) written apart
    assert not zero_as_rational_function(sp.log(a * b) - sp.log(a) - sp.log(b))
    assert not zero_as_rational_function(sp.exp(a + b) - sp.exp(a) * sp.exp(b))
    assert not zero_as_rational_function(sp.Float(0.1) + sp.Float(0.2) - sp.Float(0.3))


def test_infinities_and_matrices_are_left_to_the_slow_test() -> None:
    x = sp.Symbol("x")
    assert not zero_as_rational_function(sp.oo * x - sp.oo * x + sp.zoo)
    assert not zero_as_rational_function(sp.I * x - sp.I * x + sp.I)
    m = sp.MatrixSymbol("M", 2, 2)
    assert not zero_as_rational_function(sp.Trace(m) * x)
    n, k = sp.symbols("n k", commutative=False)
    assert not zero_as_rational_function(n * k - k * n)


def test_a_division_by_zero_is_not_a_proof() -> None:
    zero = sp.Add(a, -a, evaluate=False)
    assert not zero_as_rational_function(sp.Pow(zero, -1, evaluate=False) - 1)
    assert not zero_as_rational_function(sp.Mul(zero, sp.Pow(zero, -1, evaluate=False), -1))


def test_reciprocal_exponentials_and_roots_are_used() -> None:
    assert zero_as_rational_function(sp.exp(-1 / b) * sp.exp(1 / b) - 1 + 0 * a)
    assert zero_as_rational_function(c ** sp.Rational(3, 2) - sp.sqrt(c) ** 3)
    root = sp.Pow(c, sp.Rational(1, 2), evaluate=False)
    assert zero_as_rational_function(sp.Mul(root, root, evaluate=False) - c)
    third, half = c ** sp.Rational(1, 3), c ** sp.Rational(1, 2)
    assert zero_as_rational_function(third * half - c ** sp.Rational(5, 6))
    assert zero_as_rational_function(1 / (sp.exp(a) + 1) - sp.exp(-a) / (1 + sp.exp(-a)))


def test_the_step_it_speeds_up_is_still_checked() -> None:
    """continuous_bernoulli || gumbel: the simplification whose true zero took cancel
    half a second verifies, and the same step with one coefficient off by 1/1000 does
    not."""
    first, second = bind_pair(parse_spec("continuous_bernoulli"), parse_spec("gumbel"))
    draft = substitute_draft(draft_for(first, second), (first, second))
    steps = [s for stage in draft.stages for s in stage.steps if s.rule == "algebra.simplify"]
    assert steps
    for step in steps:
        assert verify_step(step, draft.contexts[step.facts]) == "symbolic"
        symbol = sorted(step.after.free_symbols, key=str)[0]
        wrong = replace(step, after=step.after + symbol / 1000)
        with pytest.raises(VerificationError):
            verify_step(wrong, draft.contexts[step.facts])


def test_constants_over_prime_logarithms() -> None:
    """log(3/5) = log 3 - log 5 is used to prove a constant zero; a constant that is not
    zero, even by 1e-30 or by a change of one logarithm's base, is never called zero."""
    from kl_derive.steps.verify.normal_form import is_zero
    from kl_derive.steps.verify.rational import zero_in_prime_logarithms

    third = sp.log(sp.Rational(3, 5))
    m1 = sp.Rational(1, 5) * sp.log(sp.Rational(1, 2)) + sp.Rational(4, 5) * third
    true = [
        third - sp.log(3) + sp.log(5),
        (sp.log(6) - sp.log(2)) ** 2 - sp.log(3) ** 2,
        m1**2 - (sp.Rational(4, 5) * (sp.log(3) - sp.log(5)) - sp.log(2) / 5) ** 2,
    ]
    for e in true:
        assert zero_in_prime_logarithms(e) and is_zero(e)
    false = [
        third - sp.log(3) + sp.log(5) + sp.Rational(1, 10**30),
        third - sp.log(3) + sp.log(7),
        m1**2 - (sp.Rational(4, 5) * (sp.log(3) - sp.log(5)) + sp.log(2) / 5) ** 2,
        sp.log(4) - sp.log(2),
    ]
    for e in false:
        assert not zero_in_prime_logarithms(e)
        assert not is_zero(e)
