"""Direct integration, the general fallback: SymPy integrates an expectation no family
states, within a time budget, and only a readable closed form is taken.

The numeric agreement of every pair that uses it is checked with the rest of the catalog
(``test_catalog.py``); here: the steps it adds, the refusals (no closed form, a Meijer G
function, another thread), and that a wrong value would not pass the verifier.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from sympy import Function, Symbol, exp, log, oo, pi, sqrt

from kl_derive import derive
from kl_derive.errors import VerificationError
from kl_derive.steps.context import DensityFacts
from kl_derive.strategies.direct_integration import BUDGET, integrate_expectation
from kl_derive.strategies.table import OUTCOMES

z = Symbol("z", positive=True)
sigma = Symbol("sigma", positive=True)
beta = Symbol("beta", positive=True)


def _rayleigh() -> DensityFacts:
    value = z / sigma**2 * exp(-(z**2) / (2 * sigma**2))
    return DensityFacts(Function("q")(z), z, (0, oo), value)


def test_an_expectation_no_family_states_is_integrated() -> None:
    moment = integrate_expectation(exp(-z / beta), _rayleigh())
    assert moment is not None and moment.reason == "direct_integral"
    # against quadrature at one point
    import mpmath

    s, b = 0.7, 1.3
    expected = mpmath.quad(
        lambda x: mpmath.exp(-x / b) * x / s**2 * mpmath.exp(-(x**2) / (2 * s**2)), [0, mpmath.inf]
    )
    value = moment.value.subs({sigma: s, beta: b}).evalf(30)
    assert abs(float(value) - float(expected)) < 1e-12


def test_a_pair_that_needs_it_shows_the_integral_and_verifies() -> None:
    assert OUTCOMES[("rayleigh", "gumbel")] == "finite"
    derivation = derive("rayleigh", "gumbel")
    assert all(step.verified for step in derivation.steps)
    rules = [step.rule for step in derivation.steps]
    index = rules.index("expectation.definition")
    assert rules[index + 1] == "moment.known"
    assert derivation.steps[index + 1].params["reason"] == "direct_integral"
    assert "integrate" in derivation.to_markdown()


def test_unreadable_or_slow_answers_are_refused() -> None:
    gamma_ = Symbol("gamma", positive=True)
    start = time.perf_counter()
    # E[log(gamma^2 + z^2)] under a Rayleigh law: SymPy answers with a Meijer G function
    assert integrate_expectation(log(gamma_**2 + z**2), _rayleigh()) is None
    assert time.perf_counter() - start < BUDGET + 3


def test_no_fallback_outside_the_main_thread() -> None:
    found: list = []
    worker = threading.Thread(target=lambda: found.append(integrate_expectation(z, _rayleigh())))
    worker.start()
    worker.join()
    assert found == [None]


def test_a_wrong_integral_is_rejected_by_the_verifier() -> None:
    from kl_derive.engine import draft_for
    from kl_derive.spec import parse_spec
    from kl_derive.steps.verify import verify_step
    from kl_derive.symbolic.convert import bind_pair

    draft = draft_for(*bind_pair(parse_spec("rayleigh"), parse_spec("gumbel")))
    step = next(
        s
        for stage in draft.stages
        for s in stage.steps
        if s.rule == "moment.known" and s.params.get("reason") == "direct_integral"
    )
    context = draft.contexts[step.facts]
    assert verify_step(step, context)
    with pytest.raises(VerificationError):
        verify_step(replace(step, after=step.after * (1 + sqrt(pi) / 100)), context)


def test_on_a_bounded_interval_the_antiderivative_is_shown() -> None:
    """U(a, b) against a Weibull law: E[z^k] as [F(z)]_a^b with F from SymPy's rules,
    proved by differentiating F, then evaluated at the ends."""
    d = derive("uniform", "weibull")
    steps = {s.rule: s for s in d.steps}
    assert steps["integral.antiderivative"].check == "symbolic"
    assert steps["integral.limits"].check == "symbolic"
    latex = d.to_latex()
    assert r"\left[\frac{z^{k_{2} + 1}}" in latex and r"\right]_{a_{1}}^{b_{1}}" in latex
    assert "[z^(k₂ + 1)/((k₂ + 1)(b₁ − a₁))]" in d.to_text()


def test_a_wrong_antiderivative_is_rejected() -> None:
    from kl_derive.engine import draft_for
    from kl_derive.spec import parse_spec
    from kl_derive.steps.verify import verify_step
    from kl_derive.symbolic.convert import bind_pair
    from kl_derive.symbolic.objects import Between

    draft = draft_for(*bind_pair(parse_spec("uniform"), parse_spec("weibull")))
    (step,) = [s for st in draft.stages for s in st.steps if s.rule == "integral.antiderivative"]
    antiderivative, variable, lower, upper = step.after.args
    for wrong in (antiderivative + variable, 2 * antiderivative):
        broken = replace(step, after=Between(wrong, variable, lower, upper))
        with pytest.raises(VerificationError):
            verify_step(broken, draft.contexts[step.facts])


def test_a_pole_at_the_edge_makes_the_condition_strict() -> None:
    """U(a, b) against an inverse-gamma law: E[1/z] = (log b - log a)/(b - a) diverges at
    a = 0, where the supports still nest, so the result is finite exactly when a > 0."""
    d = derive("uniform", "inverse_gamma")
    a = Symbol("a_1", real=True)
    (_finite, condition), (infinite, _) = d.result.args
    assert condition == (a > 0)
    assert infinite == oo
    # an integrable singularity (log z at 0) adds no condition
    from kl_derive.strategies.direct_integration import _integrable

    lo, hi = Symbol("lo", real=True), Symbol("hi", real=True)
    assert _integrable(log(z), z * log(z) - z, z, lo, hi) == True  # noqa: E712
    assert _integrable(1 / z, log(z), z, lo, hi) == ((lo > 0) | (hi < 0))
