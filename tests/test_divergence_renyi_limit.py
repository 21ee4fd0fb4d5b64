"""The limit alpha -> 1 of the Rényi divergence as a verified step: the step is present
for a symbolic order, its right side is KL(P || Q) by numerics written here (SciPy
quadrature and sums) at random parameters; the verifier's limit rule accepts true limits
and rejects false ones (a wrong value, a function with no limit, a value infinite near
the point, a one-sided limit checked on its side only)."""

from __future__ import annotations

import math
import random
from functools import cache

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import Function, Limit, Piecewise, Rational, Symbol, log, oo, sin

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.steps.context import Context
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step


@cache
def _renyi(p: str, q: str, alpha: str = "alpha"):
    return kl_derive.divergence("renyi", p, q, alpha=alpha)


def _limit_step(d):
    (step,) = [s for s in d.steps if s.rule == "renyi.limit"]
    return step


def _at(e, values: dict[str, float]) -> float:
    return float(e.xreplace({s: values[s.name] for s in e.free_symbols}).evalf(30))


def _kl_quadrature(l1, l2, lo: float, hi: float) -> float:
    def f(z):
        a = l1.pdf(z)
        return 0.0 if a == 0 else a * (l1.logpdf(z) - l2.logpdf(z))

    return integrate.quad(f, lo, hi, limit=400, epsabs=1e-13)[0]


def _kl_sum(q: np.ndarray, p: np.ndarray) -> float:
    keep = q > 0
    return float(np.sum(q[keep] * np.log(q[keep] / p[keep])))


CASES = {
    "normal": (
        ("normal", "normal(m, s)"),
        lambda r: {
            "mu": r.uniform(-2, 2),
            "sigma": r.uniform(0.4, 2),
            "m": r.uniform(-2, 2),
            "s": r.uniform(0.4, 2),
        },
        lambda v: _kl_quadrature(
            stats.norm(v["mu"], v["sigma"]), stats.norm(v["m"], v["s"]), -60, 60
        ),
    ),
    "gamma": (
        ("gamma(a, b)", "gamma(c, d)"),
        lambda r: {k: r.uniform(0.6, 3) for k in "abcd"},
        lambda v: _kl_quadrature(
            stats.gamma(v["a"], scale=1 / v["b"]), stats.gamma(v["c"], scale=1 / v["d"]), 0, 200
        ),
    ),
    "poisson": (
        ("poisson(a)", "poisson(b)"),
        lambda r: {"a": r.uniform(0.2, 6), "b": r.uniform(0.2, 6)},
        lambda v: _kl_sum(
            stats.poisson.pmf(np.arange(80), v["a"]), stats.poisson.pmf(np.arange(80), v["b"])
        ),
    ),
    "categorical": (
        ("categorical([a, b, 1 - a - b])", "categorical([c, d, 1 - c - d])"),
        lambda r: {
            "a": r.uniform(0.05, 0.45),
            "b": r.uniform(0.05, 0.45),
            "c": r.uniform(0.05, 0.45),
            "d": r.uniform(0.05, 0.45),
        },
        lambda v: _kl_sum(
            np.array([v["a"], v["b"], 1 - v["a"] - v["b"]]),
            np.array([v["c"], v["d"], 1 - v["c"] - v["d"]]),
        ),
    ),
    "binomial": (
        ("binomial(2, a)", "binomial(4, b)"),
        lambda r: {"a": r.uniform(0.05, 0.95), "b": r.uniform(0.05, 0.95)},
        lambda v: _kl_sum(
            stats.binom.pmf(np.arange(5), 2, v["a"]), stats.binom.pmf(np.arange(5), 4, v["b"])
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.slow
def test_the_limit_is_kl(name: str) -> None:
    (p, q), draw, reference = CASES[name]
    d = _renyi(p, q)
    step = _limit_step(d)
    assert step.verified and isinstance(step.before, Limit)
    rng = random.Random(f"renyi-limit-{name}")
    for _ in range(6):
        values = draw(rng)
        kl = reference(values)
        assert _at(step.after, values) == pytest.approx(kl, rel=1e-8, abs=1e-10)
        # and the derived D_alpha itself approaches it
        near = _at(d.result, {**values, "alpha": 1 + 1e-7})
        assert near == pytest.approx(kl, rel=1e-5, abs=1e-6)


@pytest.mark.slow
def test_no_limit_step_where_it_does_not_apply() -> None:
    numeric = _renyi("normal", "normal(m, s)", "2")
    assert not [s for s in numeric.steps if s.rule == "renyi.limit"]
    more_trials = _renyi("binomial(4, a)", "binomial(2, b)")  # KL is infinite
    assert not [s for s in more_trials.steps if s.rule == "renyi.limit"]
    # its limit is infinite: a step of its own (test_the_limit_is_infinite_where_kl_is)
    assert [s for s in more_trials.steps if s.rule == "renyi.limit_infinite"]


X, A = Symbol("x", positive=True), Symbol("alpha", positive=True)
C = Symbol("c", positive=True)


def _check(before, after, context: Context | None = None) -> str:
    return verify_step(Step("renyi.limit", before, after), context or Context({}))


def test_true_limits_are_accepted() -> None:
    assert _check(Limit(sin(X) / X, X, 0, "+-"), 1) == "numeric"
    assert _check(Limit(log(1 + C * (A - 1)) / (A - 1), A, 1, "+-"), C) == "numeric"
    assert _check(Limit(X * log(X), X, 0, "+"), 0) == "numeric"


def test_false_limits_are_rejected() -> None:
    with pytest.raises(VerificationError):  # a wrong value
        _check(Limit(log(1 + C * (A - 1)) / (A - 1), A, 1, "+-"), C + Rational(1, 10**12))
    with pytest.raises(VerificationError):  # no limit at all
        _check(Limit(1 / (A - 1), A, 1, "+-"), 0)
    with pytest.raises(VerificationError):  # the two sides differ: |x|/x
        _check(Limit(abs(X - 1) / (X - 1), X, 1, "+-"), 1)
    with pytest.raises(VerificationError):  # not a limit
        _check(sin(X) / X, 1)


def test_a_value_infinite_near_the_point_is_rejected() -> None:
    """The divergence stands for its verified value; if that is infinite on one side of 1
    the limit claim is false, whatever its finite branch tends to."""
    d = Function("D")(A)
    closed = log(1 + C * (A - 1)) / (A - 1)
    for condition in (A > 1, A < 1):
        context = Context({}).define(d, Piecewise((closed, condition), (oo, True)))
        with pytest.raises(VerificationError):
            _check(Limit(d, A, 1, "+-"), C, context)
    context = Context({}).define(d, Piecewise((closed, A < 2), (oo, True)))
    assert _check(Limit(d, A, 1, "+-"), C, context) == "numeric"


def test_a_false_kl_in_the_derivation_is_rejected() -> None:
    from dataclasses import replace

    from kl_derive.divergences.alpha_route import alpha_family_draft
    from kl_derive.engine import verify_draft
    from kl_derive.spec import parse_spec
    from kl_derive.steps.step import Chain
    from kl_derive.symbolic.convert import bind_pair

    first, second = bind_pair(parse_spec("poisson(a)"), parse_spec("poisson(b)"))
    draft = alpha_family_draft(first, second, "renyi", A)
    verify_draft(draft)
    stages = list(draft.stages)
    last = stages[-1]
    step = last.chains[0].steps[0]
    assert step.rule == "renyi.limit"
    for wrong in (step.after + Rational(1, 10**9), step.after * (1 + Rational(1, 10**9))):
        stages[-1] = replace(last, chains=(Chain((replace(step, after=wrong),)),))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))
    assert math.isfinite(_at(step.after, {"a": 1.5, "b": 2.5}))


@pytest.mark.parametrize(("n1", "n2"), [(4, 2), (5, 3)])
def test_the_limit_is_infinite_where_kl_is(n1: int, n2: int) -> None:
    """Bin(n1, a) against Bin(n2, b) with n1 > n2: KL is infinite (mass on k > n2, where
    the second law has none, by SciPy); the step lim D_alpha = oo is verified; and by
    sums written here, (1 - alpha) D_alpha -> -log P_q(K <= n2) > 0 as alpha rises to 1
    (D_alpha grows like a pole), while alpha > 1 gives +oo."""
    d = _renyi(f"binomial({n1}, a)", f"binomial({n2}, b)")
    (step,) = [s for s in d.steps if s.rule == "renyi.limit_infinite"]
    assert step.verified and step.after == oo
    rng = random.Random(f"limit-infinite-{n1}")
    for _ in range(3):
        a, b = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        q, p = stats.binom(n1, a), stats.binom(n2, b)
        assert q.sf(n2) > 0 and p.pmf(n2 + 1) == 0  # KL(q || p) = oo
        mass = q.cdf(n2)
        for order in (1 - 1e-3, 1 - 1e-6):
            k = np.arange(n2 + 1)
            total = float(np.sum(q.pmf(k) ** order * p.pmf(k) ** (1 - order)))
            expected = math.log(total) / (order - 1)
            got = _at_piecewise(d.result, {"a": a, "b": b, "alpha": order})
            assert got == pytest.approx(expected, rel=1e-8)
            if order > 1 - 1e-5:  # near 1: the pole's residue
                assert (1 - order) * got == pytest.approx(-math.log(mass), rel=1e-3)
        assert _at_piecewise(d.result, {"a": a, "b": b, "alpha": 1.001}) == math.inf


def _at_piecewise(e, values: dict[str, float]) -> float:
    at = e.xreplace({s: values[s.name] for s in e.free_symbols})
    if isinstance(at, Piecewise):
        at = at.args[0][0] if bool(at.args[0][1]) else oo
    return math.inf if at == oo else float(at.evalf(30))


def test_false_infinite_limits_are_rejected() -> None:
    def check(before, context: Context | None = None) -> str:
        step = Step("renyi.limit_infinite", before, oo)
        return verify_step(step, context or Context({}))

    # a pole on each side, and the Renyi shape log(c)/(alpha - 1) with c < 1 below 1 and
    # +oo above
    d = Function("D")(A)
    closed = log(C / (C + 1)) / (A - 1)
    context = Context({}).define(d, Piecewise((closed, A < 1), (oo, True)))
    assert check(Limit(d, A, 1, "+-"), context) == "numeric"
    assert check(Limit(1 / (A - 1) ** 2, A, 1, "+-")) == "numeric"
    with pytest.raises(VerificationError):  # a finite limit
        check(Limit(log(1 + C * (A - 1)) / (A - 1), A, 1, "+-"))
    with pytest.raises(VerificationError):  # -oo below 1
        check(Limit(1 / (A - 1), A, 1, "+-"))
    with pytest.raises(VerificationError):  # a slow (logarithmic) growth is not shown
        check(Limit(-log(abs(A - 1)) + C, A, 1, "+-"))
    # a finite KL's limit claimed infinite
    numeric = _renyi("poisson(a)", "poisson(b)")
    (finite,) = [s for s in numeric.steps if s.rule == "renyi.limit"]
    assert finite.verified
