"""The numeric check never counts a divergent integral as agreement.

A heavy-tailed law has moments only for some parameters (``E[z^2]`` under a t law for
``nu > 2``, under a Pareto or inverse gamma law for a shape above 2; ``E[1/z^2]`` under a
gamma law for a shape above 2, a singularity at the end 0). Where such a moment diverges,
the 30-digit quadrature of its tail up to its far cut-off is a huge but finite number;
both sides of a step holding it share that number, and a relative tolerance of 1e-10
then swallowed any error below it: ``E[z^2] = E[z^2] + 1`` under a t law was accepted at
every sample the verifier drew (all with ``nu <= 2``). The verifier now sees that the
tail has not decayed (:class:`~kl_derive.steps.verify.quadrature.DivergentIntegral`),
treats the point as not evaluable and draws another; where no point converges the step
is not verified. The reference here is the mathematics of the mutation itself: the two
sides differ by a nonzero constant wherever they are finite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sympy import Integral, Rational, Symbol, oo

from kl_derive.engine import draft_for
from kl_derive.errors import UncheckedError, VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step
from kl_derive.steps.verify.quadrature import DivergentIntegral, quadrature
from kl_derive.symbolic.convert import bind_pair
from kl_derive.symbolic.objects import Expect


def _draft(p: str, q: str):
    first, second = bind_pair(parse_spec(p), parse_spec(q))
    return draft_for(first, second)


def _first_law_context(draft):
    """A context of the draft with the first law's density ``q`` and no conditions."""
    for context in draft.contexts.values():
        facts = context.densities.get("q")
        if facts is not None and not context.conditions and not context.assumed:
            return context, facts
    raise AssertionError("no context with the first law")


# (first law, a second law of the catalog, the function whose expectation diverges for
# some or all parameters, as a function of the variable)
# (the t law stays in the inner loop; every draw of the others costs a quadrature)
SHARED_DIVERGENT = [
    ("student_t", "normal", lambda z: z**2),  # nu <= 2: every default draw
    pytest.param("cauchy", "normal", lambda z: z**2, marks=pytest.mark.slow),  # always
    pytest.param("half_cauchy", "half_normal", lambda z: z, marks=pytest.mark.slow),  # always
    pytest.param("pareto", "exponential", lambda z: z**2, marks=pytest.mark.slow),  # shape <= 2
    pytest.param("inverse_gamma", "gamma", lambda z: z**2, marks=pytest.mark.slow),  # shape <= 2
    # shape <= 2: a singularity at the end 0
    pytest.param("gamma", "inverse_gamma", lambda z: 1 / z**2, marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("p", "q", "f"), SHARED_DIVERGENT)
def test_a_false_step_sharing_a_divergent_term_is_refused(p, q, f) -> None:
    context, facts = _first_law_context(_draft(p, q))
    moment = Expect(f(facts.variable), facts.function)
    wrong = Step("test.shared_divergent", moment, moment + 1)
    with pytest.raises((VerificationError, UncheckedError)):
        verify_step(wrong, context)


@pytest.mark.slow
def test_the_true_step_under_a_t_law_is_still_checked_where_it_converges() -> None:
    """``log_ratio.insert`` of t || normal holds E[z^2]: it is verified numerically (at
    points with nu > 2), and the same step with its right side off by 1, or by 1e-7
    relative, is refused."""
    draft = _draft("student_t", "normal")
    (step,) = [s for stage in draft.stages for s in stage.steps if s.rule == "log_ratio.insert"]
    context = draft.contexts[step.facts]
    assert verify_step(step, context) == "numeric"
    for after in (step.after + 1, step.after * (1 + Rational(1, 10**7))):
        with pytest.raises(VerificationError):
            verify_step(replace(step, after=after), context)


def test_a_divergent_tail_or_end_is_not_a_number() -> None:
    z = Symbol("z", positive=True)
    x = Symbol("x", real=True)
    with pytest.raises(DivergentIntegral):  # a power-law tail z^(-0.9)
        quadrature(Integral(z ** Rational(-9, 10), (z, 1, oo)), {}, fast=False)
    with pytest.raises(DivergentIntegral):  # the whole line, x^2 times a Cauchy density
        quadrature(Integral(x**2 / (1 + x**2), (x, -oo, oo)), {}, fast=False)
    with pytest.raises(DivergentIntegral):  # a singularity z^(-1.1) at the end 0
        quadrature(Integral(z ** Rational(-11, 10), (z, 0, 1)), {}, fast=False)
    with pytest.raises(DivergentIntegral):  # a half-line from a negative end
        quadrature(Integral(1 / (1 + x**2) ** Rational(1, 4), (x, -2, oo)), {}, fast=False)
    # a slow but convergent tail is still a number: z^(-1.02) on [1, oo) is 50
    found = quadrature(Integral(z ** Rational(-51, 50), (z, 1, oo)), {}, fast=False)
    assert abs(found - 50) < 1e-20


@pytest.mark.parametrize("nu", ["1", "2"])
@pytest.mark.slow
def test_a_step_whose_integrals_diverge_everywhere_is_checked_by_its_difference(nu) -> None:
    """With a number nu <= 2, the log ratio inserted into t || normal is an equality of
    two infinite integrals: it holds because the sides differ by a convergent 0 (their
    divergent parts cancel in the difference), which is what is checked; the same step
    off by 1e-7 relative, or with 1 added, or with its integrand changed by a relative
    1e-7 far out, is refused."""
    draft = _draft(f"student_t({nu}, mu_1, gamma)", "normal(mu_2, sigma)")
    (step,) = [s for stage in draft.stages for s in stage.steps if s.rule == "log_ratio.insert"]
    context = draft.contexts[step.facts]
    assert verify_step(step, context) == "numeric"
    (integral,) = step.after.atoms(Integral)
    z = integral.limits[0][0]
    tiny_change = integral.function * (1 + Rational(1, 10**7) * z**8 / (1 + z**8))
    for after in (
        step.after * (1 + Rational(1, 10**7)),
        step.after + 1,
        step.after.xreplace({integral: Integral(tiny_change, *integral.limits)}),
    ):
        with pytest.raises((VerificationError, UncheckedError)):
            verify_step(replace(step, after=after), context)
