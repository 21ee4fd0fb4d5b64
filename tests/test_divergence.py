"""Infinite expectations and the infinite divergences they cause.

A heavy-tailed law (Cauchy, half-Cauchy) or a law with mass next to a pole of the other
log density (``1/z`` of an inverse-gamma law) makes one term of the log ratio have no
finite mean. The catalog then derives :math:`+\\infty`, with a step that shows the
expectation diverges; the verifier checks that step with limits and independently in
floating point, and must reject such a step where the mean is finite or undefined.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sympy import Add, Rational, Symbol, log, oo, pi

from kl_derive import derive
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.steps.context import DensityFacts
from kl_derive.steps.divergence import divergent_ends
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.table import OUTCOMES

z = Symbol("z", real=True)
zp = Symbol("z", positive=True)
gamma_ = Symbol("gamma", positive=True)
mu = Symbol("mu", real=True)
lam = Symbol("lambda", positive=True)


def _cauchy() -> DensityFacts:
    from sympy import Function

    value = gamma_ / (pi * (gamma_**2 + (z - mu) ** 2))
    return DensityFacts(Function("q")(z), z, (-oo, oo), value)


def _exponential() -> DensityFacts:
    from sympy import Function, exp

    return DensityFacts(Function("q")(zp), zp, (0, oo), lam * exp(-lam * zp))


@pytest.mark.parametrize(
    ("pair", "where"),
    [
        (("cauchy", "normal"), "both tails"),
        (("cauchy", "gumbel"), "both tails"),
        (("cauchy", "laplace"), "both tails"),
        (("half_cauchy", "exponential"), "the right tail"),
        (("half_cauchy", "gamma"), "the right tail"),
        (("exponential", "inverse_gamma"), "the pole at zero"),
        (("half_normal", "inverse_gamma"), "the pole at zero"),
    ],
)
@pytest.mark.slow
def test_heavy_moments_give_an_infinite_divergence(pair, where) -> None:
    derivation = derive(*pair)
    assert derivation.result == oo, where
    assert OUTCOMES[pair] == "infinite"
    rules = [step.rule for step in derivation.steps]
    assert "moment.divergent" in rules and rules[-1] == "divergence.absorb"
    assert "support.outside" not in rules  # the supports nest: a moment is the reason
    assert all(step.verified for step in derivation.steps)


@pytest.mark.parametrize(
    ("p", "q", "finite"),
    [
        ("pareto(1, 1/2)", "exponential", False),  # E[z] = oo for alpha <= 1
        ("pareto(1, 1)", "exponential", False),
        ("pareto(1, 3)", "exponential", True),
        ("pareto(1, 3/2)", "normal", False),  # E[z^2] = oo for alpha <= 2
        ("pareto(1, 5/2)", "normal", True),
    ],
)
def test_a_moment_condition_false_at_the_numbers_given_is_infinite(p, q, finite) -> None:
    """A moment the family states under a condition (the Pareto mean for alpha > 1) that
    the numbers given violate is infinite: the derivation goes through the divergent
    stages (never substitutes the formula, which was an internal error)."""
    derivation = derive(p, q)
    assert (derivation.result != oo) == finite
    assert all(step.verified for step in derivation.steps)
    if not finite:
        rules = [step.rule for step in derivation.steps]
        assert "moment.divergent" in rules and rules[-1] == "divergence.absorb"


def test_the_ends_where_the_mean_diverges() -> None:
    cauchy = _cauchy()
    assert set(divergent_ends(z**2, cauchy)) == {-oo, oo}
    assert divergent_ends(abs(z - 1), cauchy) is not None
    # E[z] of a Cauchy law is undefined, not +oo: z is unbounded below
    assert divergent_ends(z, cauchy) is None
    # a finite mean is not a divergence
    assert divergent_ends(log(gamma_**2 + (z - mu) ** 2), cauchy) is None
    assert divergent_ends(1 / (1 + z**2), cauchy) is None
    exponential = _exponential()
    assert divergent_ends(1 / zp, exponential) == (0,)
    assert divergent_ends(zp**2, exponential) is None


def _draft(p: str, q: str):
    from kl_derive.engine import draft_for
    from kl_derive.spec import parse_spec
    from kl_derive.symbolic.convert import bind_pair

    return draft_for(*bind_pair(parse_spec(p), parse_spec(q)))


def _step(draft, rule: str):
    step = next(s for stage in draft.stages for s in stage.steps if s.rule == rule)
    return step, draft.contexts[step.facts]


def test_a_divergence_step_with_a_finite_mean_is_rejected() -> None:
    step, context = _step(_draft("half_cauchy", "exponential"), "moment.divergent")
    assert verify_step(step, context)
    # claim instead that E[1/(1 + z)] (a bounded function) is infinite
    (variable,) = {s for s in step.before.free_symbols if s.name == "z"}
    bounded = 1 / (1 + variable)
    forged = replace(step, params={**step.params, "h": bounded})
    with pytest.raises(VerificationError):
        verify_step(forged, context)
    # or that the mean diverges at an end where it does not
    wrong_end = replace(step, params={**step.params, "ends": (0,)})
    with pytest.raises(VerificationError):
        verify_step(wrong_end, context)


def test_the_substitution_and_absorption_are_checked() -> None:
    draft = _draft("cauchy", "normal")
    insert, context = _step(draft, "divergence.insert")
    absorb, _ = _step(draft, "divergence.absorb")
    assert verify_step(insert, context) and verify_step(absorb, context)
    finite = [a for a in insert.after.args if a != oo]
    wrong = Add(*finite, Rational(1, 2), oo, evaluate=False)
    with pytest.raises(VerificationError):
        verify_step(replace(insert, after=wrong), context)
    with pytest.raises(VerificationError):
        verify_step(replace(absorb, before=Add(Symbol("a"), evaluate=False)), context)


def test_an_unknown_finite_moment_is_still_no_closed_form() -> None:
    # E[log(gamma^2 + z^2)] under a gamma law is finite but has no closed form here
    with pytest.raises(KLDeriveError, match="no closed form"):
        derive("gamma", "cauchy")


def test_the_derivation_reads_in_both_languages() -> None:
    for lang in ("en", "ko"):
        text = derive("cauchy", "normal", lang=lang).to_text()
        assert text.rstrip().count("∞") >= 3
    english = derive("cauchy", "normal").to_markdown()
    assert "infinite" in english and r"\infty" in english
