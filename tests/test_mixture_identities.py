"""The two mixture identities with a log of a sum under an integral, with symbolic
parameters: the split of the divergence by component (stage 2) and the coupling gap
D_C - KL = int f sum pi log(pi / rho) (stage 4). Both are printed as verified steps; a
mutated one is refused. And the quadrature fix they rest on: where a posterior underflows
in doubles (0 * log 0 in the bulk of the integrand), the point is evaluated by mpmath.
"""

from __future__ import annotations

import math
from dataclasses import replace

import mpmath
import pytest
from sympy import Integral, Rational, Symbol, exp, log, oo, pi, sqrt

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.mixture_laws import bind_mixtures
from kl_derive.mixture_numbers import mixture_facts
from kl_derive.numeric.quadrature import bounded_integral
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.mixtures import derive_mixture

SYMBOLIC = ("mixture([w, 1 - w], [normal(m1, s1), normal(m2, s2)])", "normal(0, 1)")
TWO = (
    "mixture([w, 1 - w], [normal(m1, s1), normal(m2, s2)])",
    "mixture([v, 1 - v], [normal(n1, t1), normal(n2, t2)])",
)
RULES = ("mixture.split", "mixture.coupling_gap")


def _steps(derivation_stages) -> dict[str, object]:
    return {
        step.rule: step
        for stage in derivation_stages
        for chain in stage.chains
        for step in chain.steps
        if step.rule in RULES
    }


@pytest.fixture(scope="module")
def draft():
    f, g = bind_mixtures(*SYMBOLIC)
    return derive_mixture(f, g, mixture_facts(f, g, 2))


@pytest.mark.slow
def test_both_identities_are_printed_and_verified_with_symbols() -> None:
    derivation = kl_derive.mixture(*SYMBOLIC)
    steps = _steps(derivation.stages)
    assert set(steps) == set(RULES)
    for step in steps.values():
        assert step.check == "numeric"  # by quadrature at sampled parameters


@pytest.mark.slow
def test_both_identities_between_two_symbolic_mixtures() -> None:
    f, g = bind_mixtures(*TWO)
    draft = derive_mixture(f, g, mixture_facts(f, g, 2))
    steps = _steps(draft.stages)
    assert set(steps) == set(RULES)
    for step in steps.values():
        assert verify_step(step, draft.contexts["main"]) == "numeric"


def _mutations(step) -> list[object]:
    """False versions of ``step``: a weight changed, a term's sign flipped, a factor of 2."""
    w = Symbol("w")
    after = step.after
    out = [
        replace(step, after=after.xreplace({w: w / 2}) if after.has(w) else 2 * after),
        replace(step, after=2 * after),
        replace(step, after=after + Rational(1, 100)),
    ]
    if step.rule == "mixture.split":
        first, *rest = after.args
        out.append(replace(step, after=after.func(-first, *rest)))
    else:
        integral = after
        flipped = integral.function.replace(log, lambda x: log(1 / x))
        out.append(replace(step, after=Integral(flipped, *integral.limits)))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES)
def test_a_mutated_identity_is_refused(draft, rule: str) -> None:
    step = _steps(draft.stages)[rule]
    context = draft.contexts["main"]
    assert verify_step(step, context) == "numeric"
    for mutated in _mutations(step):
        assert mutated.after != step.after
        with pytest.raises(VerificationError):
            verify_step(mutated, context)


def _posterior_integrand():
    """N(z; 0, 1) pi log(2 pi): pi = w N(z; 0, s^2) / f, f = w N(z; 0, s^2) + (1 - w)
    N(z; 0, 1); the narrow component underflows in doubles for |z| > 38.6 s, where
    N(z; 0, 1) still counts."""
    z = Symbol("z", real=True)
    w, s = Symbol("w", positive=True), Symbol("s", positive=True)

    def normal(mean, scale):
        return exp(-((z - mean) ** 2) / (2 * scale**2)) / (sqrt(2 * pi) * scale)

    f = w * normal(0, s) + (1 - w) * normal(0, 1)
    pi_ = w * normal(0, s) / f
    return Integral(normal(0, 1) * pi_ * log(2 * pi_), (z, -oo, oo)), z, w, s


def _reference(w: str, s: str) -> mpmath.mpf:
    """The same integral written here in mpmath (not compiled from the integral)."""
    with mpmath.workdps(30):

        def at(x):
            unit = mpmath.npdf(x, 0, 1)
            narrow = mpmath.npdf(x, 0, mpmath.mpf(s))
            p = mpmath.mpf(w) * narrow / (mpmath.mpf(w) * narrow + (1 - mpmath.mpf(w)) * unit)
            return unit * p * mpmath.log(2 * p) if p > 0 else mpmath.mpf(0)

        points = [-mpmath.inf, *(mpmath.mpf(i) / 10 for i in range(-60, 61)), mpmath.inf]
        return mpmath.quad(at, points)


@pytest.mark.parametrize(("w", "s"), [("0.3", "0.1"), ("0.6", "0.15"), ("0.5", "0.2")])
@pytest.mark.slow
def test_an_underflowed_posterior_is_evaluated_by_mpmath(w: str, s: str) -> None:
    """Where doubles read 0 log 0 in the bulk (the integrand not finite at z = 40 s,
    where N(z; 0, 1) is not negligible) the double-precision rule still gives a value,
    and its error bound holds against an independent 30-digit quadrature."""
    from kl_derive.numeric.floats import compile_bounded

    integral, z, ws, ss = _posterior_integrand()
    env = {ws: mpmath.mpf(w), ss: mpmath.mpf(s)}
    point = 40 * float(s)
    doubles = compile_bounded(integral.function, z)(env)([point])[0][0]
    assert math.isnan(doubles) and mpmath.npdf(point) > 1e-16
    found = bounded_integral(integral, env)
    assert found is not None  # before: None, and the verifier's slow path
    value, bound = found
    reference = float(_reference(w, s))
    assert bound < 1e-12
    assert abs(value - reference) <= bound + 1e-15


def test_a_spike_the_finest_grid_cannot_resolve_is_left_to_mpmath() -> None:
    """s = 1/100: the posterior is a spike a few points wide; the two finest sums differ
    by 2.8e-4 and the value is 3e-4 off, so the rule declines rather than give a bound
    that does not hold."""
    integral, _z, ws, ss = _posterior_integrand()
    assert bounded_integral(integral, {ws: mpmath.mpf("0.3"), ss: mpmath.mpf("0.01")}) is None
