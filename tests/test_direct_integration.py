"""Direct integration, the general fallback: SymPy integrates an expectation no family
states, within a budget of work (not of time), and only a readable closed form is taken.

The numeric agreement of every pair that uses it is checked with the rest of the catalog
(``test_catalog.py``); here: the steps it adds, the refusals (no closed form, a Meijer G
function, another thread), and that a wrong value would not pass the verifier.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace

import pytest
from sympy import Function, Symbol, exp, log, oo, pi, sqrt

from kl_derive import derive
from kl_derive.errors import VerificationError
from kl_derive.steps.context import DensityFacts
from kl_derive.strategies.direct_integration import (
    OutOfWork,
    compute_expectation,
    integrate_expectation,
    settled_key,
    work_limit,
)
from kl_derive.strategies.integrals import settled
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


def test_unreadable_or_runaway_answers_are_refused() -> None:
    gamma_ = Symbol("gamma", positive=True)
    # E[log(gamma^2 + z^2)] under a Rayleigh law: SymPy answers with a Meijer G function
    assert integrate_expectation(log(gamma_**2 + z**2), _rayleigh()) is None
    # E[log(gamma^2 + (z - 1)^2)]: SymPy would work on it for minutes; the work budget
    # stops it (after a fixed number of calls, whatever the clock says)
    assert compute_expectation(log(gamma_**2 + (z - 1) ** 2), _rayleigh()) is None


def test_the_work_limit_counts_calls_not_seconds() -> None:
    def f() -> None:
        pass

    with work_limit(1000):
        for _ in range(900):
            f()
    with pytest.raises(OutOfWork), work_limit(1000):
        for _ in range(1100):
            f()
    # a trace function set before (a debugger, coverage) is put back
    previous = sys.gettrace()
    with work_limit(10):
        pass
    assert sys.gettrace() is previous


def test_the_same_answer_in_another_thread() -> None:
    """The budget is counted per thread: a notebook's worker thread gets the answer the
    main thread gets (with the old clock budget, SIGALRM, it got none)."""
    found: list = []
    statistic = exp(-z / beta)
    worker = threading.Thread(
        target=lambda: found.append(compute_expectation(statistic, _rayleigh()))
    )
    worker.start()
    worker.join()
    (moment,) = found
    assert moment is not None
    assert moment.value == compute_expectation(statistic, _rayleigh()).value


def test_the_settled_table_is_what_sympy_finds() -> None:
    """Each integral the catalog needs is in the table, and the table holds exactly what
    direct integration computes (within the work budget) for it: the table is up to
    date, and a user's own names for the parameters find the same entry."""
    assert settled_key(exp(-z / beta), _rayleigh()) is not None
    moment = compute_expectation(exp(-z / beta), _rayleigh())
    found = integrate_expectation(exp(-z / beta), _rayleigh())
    assert found == moment
    key, _ = settled_key(exp(-z / beta), _rayleigh())
    assert key in settled()
    # other names, same assumptions: the same entry, in those names
    s, b = Symbol("s", positive=True), Symbol("b", positive=True)
    renamed = DensityFacts(Function("q")(z), z, (0, oo), _rayleigh().value.xreplace({sigma: s}))
    other = integrate_expectation(exp(-z / b), renamed)
    assert other is not None
    assert other.value == moment.value.xreplace({sigma: s, beta: b})
    # other assumptions (a real rather than a positive beta): not the same integral
    real_beta = Symbol("beta", real=True)
    assert settled_key(exp(-z / real_beta), _rayleigh())[0] != key


#: the pairs the table lists as derivable that need direct integration
DIRECT_PAIRS = [
    ("rayleigh", "gumbel"),
    ("uniform(a, b)", "laplace(mu, s)"),
    ("uniform", "weibull"),
    ("uniform", "inverse_gamma"),
    ("rayleigh", "moyal"),
]


def test_listed_pairs_derive_on_a_busy_machine() -> None:
    """Two busy processes beside the command (on a 2-core machine, every core taken):
    each pair still derives, with the integral shown, in a fresh process as a user runs
    it. The outcome cannot depend on the load: nothing in it reads a clock."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        for p, q in DIRECT_PAIRS:
            done = subprocess.run(
                [sys.executable, "-m", "kl_derive", p, q, "--to", "text"],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, (p, q, done.stderr)
            # the step that integrates against the density (its sentence, unwrapped)
            assert "integrate against its density directly" in " ".join(done.stdout.split())
    finally:
        for process in busy:
            process.kill()
            process.wait()


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
