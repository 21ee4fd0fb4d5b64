"""Results that hold under a condition, and laws whose supports differ (issue 11).

* No equality claims, unconditionally, a value that holds only under a condition: the
  closed form is written with its condition, and the quantity everywhere is the last
  chain, ``D = {closed form if C; oo otherwise}``, whose left side is the quantity.
* Where the supports of the two laws differ, each density is written with its support,
  and the integral of the definition keeps ``p`` zero outside it.
* The pairs that crashed or were silent about a condition, and the domain errors that
  were internal errors.

The drafts are checked here (cheap, every pair of the table); the verification of each
pair and its value against SciPy are in ``test_catalog`` and ``test_property_numeric``,
the refusal of the false patterns in ``test_steps``.
"""

from __future__ import annotations

import math
import subprocess

import pytest
from catalog_reference import numeric_kl
from conftest import console_script, one_line_error
from scipy import stats
from sympy import Piecewise, Symbol, oo

from kl_derive import cross_entropy, derive
from kl_derive.engine import draft_for
from kl_derive.errors import KLDeriveError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import conjuncts
from kl_derive.strategies import PAIRS, catalog_pairs
from kl_derive.strategies.table import ENTROPY, OUTCOMES, SHARED
from kl_derive.symbolic.convert import bind_pair
from kl_derive.symbolic.objects import KL, OnSupport

CONDITIONAL = [pair for pair in catalog_pairs() if OUTCOMES.get(pair) == "conditional"]
INFINITE = [pair for pair in catalog_pairs() if OUTCOMES.get(pair) == "infinite"]


def _draft(p: str, q: str):
    return draft_for(*bind_pair(parse_spec(p), parse_spec(q)))


def _value(result, **values: float) -> float:
    symbols = {s.name: s for s in result.free_symbols}
    value = result.xreplace({symbols[k]: v for k, v in values.items() if k in symbols})
    if isinstance(value, Piecewise):
        value = value.doit()
    return math.inf if value == oo else float(value.evalf(30))


# ---------------------------------------------------------------------------
# every conditional pair: the condition on the equality, the quantity everywhere
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("p", "q"), CONDITIONAL, ids=[f"{p}-{q}" for p, q in CONDITIONAL])
def test_conditional_pair_never_claims_the_closed_form_unconditionally(p: str, q: str) -> None:
    draft = _draft(p, q)
    result = draft.result_display
    assert isinstance(result, Piecewise) and result.args[-1] == (oo, True), result
    closed_form, condition = result.args[0]
    last = draft.stages[-1].chains[-1]
    # the quantity everywhere: D = {closed form if C; oo otherwise}, from D itself
    assert [s.rule for s in last.steps] == ["support.piecewise"]
    assert isinstance(last.steps[0].before, KL), last.steps[0].before
    # every equality of the quantity with the closed form states the whole condition
    for stage in draft.stages:
        for chain in stage.chains:
            if chain is last or not isinstance(chain.lhs, KL):
                continue
            if any(step.after == closed_form for step in chain.steps):
                assert chain.condition is not None, (stage.key, chain)
                assert set(conjuncts(chain.condition)) == set(conjuncts(condition))
    # and no step equates a closed form with a value that is infinite somewhere (a case
    # split of a finite value, E|z - mu| with mu below or inside the support, is a fact)
    for step in (s for stage in draft.stages for s in stage.steps):
        if isinstance(step.after, Piecewise) and any(v == oo for v, _ in step.after.args):
            assert isinstance(step.before, KL), step


SUPPORT_PAIRS = [
    pair
    for pair in CONDITIONAL + INFINITE
    if pair[0] not in ("binomial", "multinomial") and OUTCOMES.get(pair) != "none"
]


@pytest.mark.parametrize(("p", "q"), SUPPORT_PAIRS, ids=[f"{p}-{q}" for p, q in SUPPORT_PAIRS])
def test_density_is_written_with_its_support_where_the_supports_differ(p: str, q: str) -> None:
    """Where q may be positive and p zero, p is shown as {formula if z in support; 0
    otherwise}, in its formula and inside the integral of the definition."""
    draft = _draft(p, q)
    definition = draft.stages[0]
    ratio_stage = next((s for s in draft.stages if s.key == "support_outside"), None)
    piecewise = draft.stages[-1].steps[-1]
    support_conditions = (
        piecewise.params.get("support_conditions", ())
        if piecewise.rule == "support.piecewise"
        else ()
    )
    if ratio_stage is None and not support_conditions:
        return  # the supports nest: infinite or conditional because of a moment
    formula = next(
        s for s in definition.steps if s.rule == "density.formula" and s.before.func.__name__ == "p"
    )
    assert isinstance(formula.after, OnSupport), formula.after
    substitute = next(s for s in definition.steps if s.rule == "density.substitute")
    assert substitute.after.has(OnSupport)


def test_uniform_pair_reads_with_its_condition_in_english_and_korean() -> None:
    d = derive("uniform", "uniform")
    text = d.to_text()
    closed = "D_KL(q(z) ‖ p(z)) = log((b₂ − a₂)/(b₁ − a₁))    if a₁ ≥ a₂, b₁ ≤ b₂"
    assert closed in text
    # the repeated sentence and the grammar of the summary
    assert "Substituting the expectations and gathering the terms:" not in text
    flat = " ".join(text.split())
    assert "one was checked numerically" in flat and "1 were" not in flat
    korean = d.to_text("ko")
    assert "a₁ ≥ a₂, b₁ ≤ b₂일 때" in korean
    latex = d.to_latex()
    assert r"\qquad \text{if }a_{1} \geq a_{2},\ b_{1} \leq b_{2}" in latex
    json = d.to_json()
    assert '"condition": "(a_1 >= a_2) & (b_1 <= b_2)"' in json


def test_moment_conditional_pair_states_the_moment_condition() -> None:
    text = derive("gamma", "inverse_gamma").to_text()
    assert "𝔼[1/z] = β₁/(α₁ − 1)    if α₁ > 1" in text
    assert "Otherwise an expectation above is infinite" in text


def test_support_mismatch_is_written_with_the_support() -> None:
    text = derive("normal(a1, a2)", "exponential(b1)").to_text()
    assert "p(z) = { b₁ e^(−b₁z) if z > 0; 0 otherwise }" in text
    # the integrand's line is wrapped to the text measure (78 columns)
    assert "/{ b₁ e^(−b₁z) if z > 0; 0 otherwise }) dz" in " ".join(text.split())


def test_cross_entropy_conditional_pair() -> None:
    d = cross_entropy("uniform", "uniform")
    text = d.to_text()
    assert "H(q(z), p(z)) = log(b₂ − a₂)    if a₁ ≥ a₂, b₁ ≤ b₂" in text
    assert _value(d.result, a_1=0.2, b_1=0.5, a_2=0.0, b_2=2.0) == pytest.approx(math.log(2))
    assert _value(d.result, a_1=-0.2, b_1=0.5, a_2=0.0, b_2=2.0) == math.inf


# ---------------------------------------------------------------------------
# pairs that crashed, and what the pair table says
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "values"),
    [("uniform(0, 1)", {}), ("uniform(a1, a2)", {"a1": 0.2, "a2": 0.7})],
)
def test_uniform_against_beta(p: str, values: dict) -> None:
    d = derive(p, "beta(b1, b2)")
    assert all(s.verified for s in d.steps)
    low, high = values.get("a1", 0.0), values.get("a2", 1.0)
    expected = numeric_kl("uniform", (low, high), "beta", (1.5, 0.7))
    got = _value(d.result, b1=1.5, b2=0.7, **values)
    assert got == pytest.approx(expected, rel=1e-7)


def test_multinomial_with_probabilities_by_name() -> None:
    d = derive("multinomial(n, [a1, a2, a3])", "multinomial(n, [b1, b2, b3])")
    assert "a₁ + a₂ + a₃ = 1, b₁ + b₂ + b₃ = 1" in d.to_text()
    a, b = (0.2, 0.3, 0.5), (0.4, 0.4, 0.2)
    law_p, law_q = stats.multinomial(3, a), stats.multinomial(3, b)
    expected = sum(
        law_p.pmf(k) * (law_p.logpmf(k) - law_q.logpmf(k))
        for k in ((i, j, 3 - i - j) for i in range(4) for j in range(4 - i))
    )
    names = {f"a{i + 1}": v for i, v in enumerate(a)} | {f"b{i + 1}": v for i, v in enumerate(b)}
    assert _value(d.result, n=3, **names) == pytest.approx(expected, rel=1e-10)


def test_binomial_counts_state_the_infinite_case_and_the_shared_count() -> None:
    with pytest.raises(KLDeriveError) as caught:
        derive("binomial(n1, p1)", "binomial(n2, p2)")
    message = str(caught.value)
    assert "infinite when n1 > n2" in message and "same total_count" in message
    with pytest.raises(KLDeriveError, match="same total_count"):
        derive("negative_binomial(r1, p1)", "negative_binomial(r2, p2)")
    # as numbers: infinite above, a finite sum below
    assert derive("binomial(5, p1)", "binomial(3, p2)").result == oo
    below = derive("binomial(3, p1)", "binomial(5, p2)")
    expected = numeric_kl("binomial", (3, 0.3), "binomial", (5, 0.6))
    assert _value(below.result, p1=0.3, p2=0.6) == pytest.approx(expected, rel=1e-10)
    for pair in (("binomial", "binomial"), ("negative_binomial", "negative_binomial")):
        assert SHARED[pair] == ("total_count",) and pair in PAIRS


def test_pair_table_says_which_pairs_need_the_same_total_count() -> None:
    done = subprocess.run([console_script(), "pairs"], capture_output=True, text=True, check=True)
    for name in ("binomial", "negative_binomial", "multinomial"):
        line = next(x for x in done.stdout.splitlines() if x.startswith(f"{name} || {name} "))
        assert line.endswith("finite with the same total_count"), line


def test_entropy_error_offers_only_families_with_a_closed_form() -> None:
    assert not {"binomial", "poisson", "negative_binomial", "logit_normal"} & set(ENTROPY)
    for bad in ("poisson", "binomial"):  # (dirichlet's entropy is derived since issue 17)
        done = subprocess.run(
            [console_script(), "entropy", bad], capture_output=True, text=True, check=False
        )
        line = one_line_error(done)
        offered = line.rsplit("(", 1)[1]
        assert "normal" in offered and "binomial" not in offered and "poisson" not in offered


@pytest.mark.parametrize("spec", ["bernoulli", "bernoulli(p1)", "continuous_bernoulli(p1)"])
def test_standard_member_with_a_half_is_not_read_as_zero(spec: str) -> None:
    """KL(Bern(p) || Bern(1/2)): the default second law's 1/2 was once truncated to 0."""
    d = derive(spec)
    assert "½" in d.to_text().splitlines()[0]
    p = next(iter(d.result.free_symbols))
    if spec.startswith("bernoulli"):
        expected = 0.3 * math.log(0.3 / 0.5) + 0.7 * math.log(0.7 / 0.5)
        assert float(d.result.subs(p, 0.3)) == pytest.approx(expected)


def test_symbolic_range_prints() -> None:
    """geometric || binomial: the set {n + 1, n + 2, ...} where the second law is zero
    (an internal error once)."""
    assert "{1 + n, 2 + n, …}" in derive("geometric", "binomial").to_text()


# ---------------------------------------------------------------------------
# domain errors: one line, exit 2
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["uniform(1, 0)"], "low < high is required"),
        (["uniform(1, 1)"], "low < high is required"),
        (["uniform(2, sqrt(2))"], "low < high is required"),
        (["categorical([0.5, 0.6])"], "must sum to one"),
        (["categorical([0.5, 0.5])", "categorical([0.5, 0.6])"], "must sum to one"),
        (["normal(0, exp(exp(exp(100))))"], "too large"),
        (["exponential(exp(-1000))"], "too small"),
        (["normal(0, -1)"], "must be positive"),
        (["bernoulli(1)"], "strictly between 0 and 1"),
        (["binomial(2.5, 0.3)"], "whole number"),
    ],
)
def test_domain_errors_are_one_line(args: list[str], fragment: str) -> None:
    done = subprocess.run(
        [console_script(), *args], capture_output=True, text=True, check=False, timeout=60
    )
    one_line_error(done, fragment)


def test_domain_error_from_the_api_is_a_kl_derive_error() -> None:
    with pytest.raises(KLDeriveError, match="low < high"):
        derive("uniform(1, 0)", "uniform(a, b)")
    assert derive("normal(0, 1/1000)").result.subs(Symbol("x"), 0).is_finite


def test_cross_entropy_with_a_moment_condition() -> None:
    """H(InvGamma, chi): finite only for alpha > 2 (E[z^2] under the inverse gamma law);
    its infinite side was once checked against the wrong density, and refused."""
    d = cross_entropy("inverse_gamma(a, b)", "chi(k)")
    assert isinstance(d.result, Piecewise)
    law, other = stats.invgamma(3.5, scale=1.2), stats.chi(1.7)
    expected = -law.expect(lambda z: other.logpdf(z))
    assert _value(d.result, a=3.5, b=1.2, k=1.7) == pytest.approx(expected, rel=1e-6)
    assert _value(d.result, a=1.5, b=1.2, k=1.7) == math.inf


def test_cross_entropy_infinite_by_a_moment_says_so() -> None:
    """With numbers that break the moment condition the cross-entropy is +oo: the one-line
    refusal says so rather than "no closed form"."""
    with pytest.raises(KLDeriveError, match="cross-entropy is infinite"):
        cross_entropy("pareto(3/2, 3/2)", "weibull(3/2, 3/2)")


@pytest.mark.parametrize("spec", ["uniform(u1, -1/2)", "uniform(u1, 0)", "uniform(2, b1)"])
def test_a_support_that_can_never_fit_is_infinite_not_an_internal_error(spec: str) -> None:
    """uniform(u1, -1/2) against a Beta law: inside (0, 1) would need u1 >= 0 and
    u1 < -1/2 together (the property test found it ending in a VerificationError)."""
    d = derive(spec, "beta(a, b)")
    assert d.result == oo
    assert all(step.verified for step in d.steps)


def test_a_support_that_can_fit_stays_conditional() -> None:
    d = derive("uniform(u1, 1/2)", "beta(a, b)")
    assert isinstance(d.result, Piecewise)
