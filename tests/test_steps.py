"""The steps of a derivation: all verified, well-formed, and a false step is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from conftest import accepted_false_steps
from sympy import Add, Expr, Integral, Piecewise, Rational, Symbol, log, pi

from kl_derive import derive
from kl_derive.derivation import Derivation
from kl_derive.engine import draft_for, verify_draft
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.rules import RULES
from kl_derive.steps.step import Chain, Step
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.draft import Draft
from kl_derive.symbolic.convert import bind_pair
from kl_derive.symbolic.objects import KL, Expect, OnSupport

STAGES = ("definition", "log_ratio", "split", "normalization", "expectation", "combine")
SPECS = [
    ("normal", None),
    ("normal(m1, s1)", "normal(m2, s2)"),
    ("normal(m, exp(s))", None),
    ("normal(mu, s)", "normal(nu, s)"),
    ("normal(0.5, 1/3)", None),
]


@pytest.fixture(scope="module")
def standard() -> Derivation:
    return derive("normal")


def make_draft(p: str = "normal", q: str | None = None) -> Draft:
    first, second = bind_pair(parse_spec(p), parse_spec(q) if q is not None else None)
    return draft_for(first, second)


@pytest.fixture(scope="module")
def draft() -> Draft:
    return make_draft()


# ---------------------------------------------------------------------------
# the verified derivation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("p", "q"), SPECS)
def test_every_step_is_verified(p: str, q: str | None) -> None:
    d = derive(p, q)
    assert d.steps
    for step in d.steps:
        assert step.verified, step.rule
        assert step.check in {"symbolic", "numeric"}, (step.rule, step.check)
        assert step.rule in RULES, step.rule


@pytest.mark.parametrize(("p", "q"), SPECS)
def test_chains_are_continuous(p: str, q: str | None) -> None:
    for stage in derive(p, q).stages:
        assert stage.chains, stage.key
        for chain in stage.chains:
            assert chain.steps, stage.key
            for first, second in zip(chain.steps, chain.steps[1:], strict=False):
                assert first.after == second.before, (stage.key, second.rule)


def test_six_stages(standard: Derivation) -> None:
    assert tuple(stage.key for stage in standard.stages) == STAGES


def test_last_step_is_the_result(standard: Derivation) -> None:
    assert standard.steps[-1].after == standard.result_display
    assert standard.stages[-1].steps[-1].after == standard.result_display


def test_steps_flatten_stages(standard: Derivation) -> None:
    assert standard.steps == tuple(s for stage in standard.stages for s in stage.steps)


def test_verify_draft_marks_every_step(draft: Draft, standard: Derivation) -> None:
    stages = verify_draft(draft)
    checks = [step.check for stage in stages for step in stage.steps]
    assert checks == [step.check for step in standard.steps]
    assert all(check in {"symbolic", "numeric"} for check in checks)
    # the draft itself is unverified: the engine returns marked copies
    assert all(step.check is None for stage in draft.stages for step in stage.steps)


def test_each_draft_step_verifies_on_its_own(draft: Draft) -> None:
    for stage in draft.stages:
        for step in stage.steps:
            assert verify_step(step, draft.contexts[step.facts]) in {"symbolic", "numeric"}


# ---------------------------------------------------------------------------
# false steps are refused
# ---------------------------------------------------------------------------


def test_every_step_plus_one_is_rejected(draft: Draft) -> None:
    accepted = accepted_false_steps(draft, {"plus one": lambda e: e + 1})
    assert not accepted, f"false steps accepted: {accepted}"


def test_every_nonzero_step_doubled_or_negated_is_rejected(draft: Draft) -> None:
    accepted = accepted_false_steps(draft, {"doubled": lambda e: 2 * e, "negated": lambda e: -e})
    assert not accepted, f"false steps accepted: {accepted}"


@dataclass(frozen=True)
class Position:
    stage: int
    chain: int
    step: int


def find(draft: Draft, stage_key: str, match: Callable[[Step], bool]) -> Position:
    """The position of the first step of stage ``stage_key`` that ``match`` accepts."""
    for s, stage in enumerate(draft.stages):
        if stage.key != stage_key:
            continue
        for c, chain in enumerate(stage.chains):
            for i, step in enumerate(chain.steps):
                if match(step):
                    return Position(s, c, i)
    raise LookupError(f"no such step in stage {stage_key!r}")


def step_at(draft: Draft, at: Position) -> Step:
    return draft.stages[at.stage].chains[at.chain].steps[at.step]


def with_step(draft: Draft, at: Position, step: Step) -> Draft:
    """``draft`` with the step at ``at`` replaced (the next step continues from it)."""
    stage = draft.stages[at.stage]
    steps = list(stage.chains[at.chain].steps)
    steps[at.step] = step
    if at.step + 1 < len(steps):
        steps[at.step + 1] = replace(steps[at.step + 1], before=step.after)
    chains = list(stage.chains)
    chains[at.chain] = Chain(tuple(steps))
    stages = list(draft.stages)
    stages[at.stage] = replace(stage, chains=tuple(chains))
    return replace(draft, stages=tuple(stages))


@dataclass(frozen=True)
class Names:
    """The symbols and densities of the reference draft, KL(N(mu, sigma^2) || N(0, 1))."""

    mu: Symbol
    sigma: Symbol
    z: Symbol
    epsilon: Symbol
    q: Expr
    p: Expr
    phi: Expr


def names_of(draft: Draft) -> Names:
    densities = draft.contexts["main"].densities
    mu, sigma = sorted(draft.result_display.free_symbols, key=lambda s: s.name)
    assert (mu.name, sigma.name) == ("mu", "sigma")
    return Names(
        mu,
        sigma,
        densities["q"].variable,
        densities["phi"].variable,
        densities["q"].function,
        densities["p"].function,
        densities["phi"].function,
    )


Breaker = Callable[[Draft, Names], tuple[Position, Expr]]


def _q_density_wrong_normalizer(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "definition", lambda s: s.rule == "density.formula" and s.before == n.q)
    return at, step_at(d, at).after.xreplace({pi: pi / 2})


def _kl_definition_reversed(d: Draft, n: Names) -> tuple[Position, Expr]:
    # KL(q || p) written as the integral of p log(p / q): the classic slip
    at = find(d, "definition", lambda s: s.rule == "kl.definition")
    return at, step_at(d, at).after.xreplace({n.q: n.p, n.p: n.q})


def _collect_sign_swapped(d: Draft, n: Names) -> tuple[Position, Expr]:
    # mu -> -mu flips only the sign of the linear term of the collected polynomial
    at = find(d, "log_ratio", lambda s: s.rule == "algebra.collect")
    return at, step_at(d, at).after.xreplace({n.mu: -n.mu})


def _log_reciprocal_sign(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "log_ratio", lambda s: s.rule == "log.reciprocal")
    after = step_at(d, at).after
    assert after.has(log(n.sigma))
    return at, after.xreplace({log(n.sigma): -log(n.sigma)})


def _linearity_drops_a_term(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "split", lambda s: s.rule == "log_ratio.split_integral")
    terms = Add.make_args(step_at(d, at).after)
    assert len(terms) == 2 and all(isinstance(t, Integral) for t in terms)
    return at, next(t for t in terms if not t.has(log))


def _log_square_without_half(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "normalization", lambda s: s.rule == "log.square")
    return at, -log(n.sigma**2)


def _density_integrates_to_zero(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "normalization", lambda s: s.rule == "density.normalized")
    return at, Rational(0)


def _second_moment_wrong(d: Draft, n: Names) -> tuple[Position, Expr]:
    # E[z^2] = mu^2 + 2 sigma^2 (it is mu^2 + sigma^2)
    at = find(d, "expectation", lambda s: s.before == Expect(n.z**2, n.q))
    assert step_at(d, at).rule == "moment.reparametrize"
    return at, n.mu**2 + 2 * n.sigma**2


def _first_moment_wrong(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "expectation", lambda s: s.before == Expect(n.z, n.q))
    return at, n.mu + n.sigma


def _standard_second_moment_zero(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "expectation", lambda s: s.before == Expect(n.epsilon**2, n.phi))
    assert step_at(d, at).rule == "moment.base"
    return at, Rational(0)


def _expectation_without_half(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "expectation", lambda s: s.rule == "algebra.cancel")
    return at, n.mu**2 + n.sigma**2 - 1


def _result_without_half(d: Draft, n: Names) -> tuple[Position, Expr]:
    # the final line with its factor 1/2 missing
    stage = next(i for i, s in enumerate(d.stages) if s.key == "combine")
    chain = len(d.stages[stage].chains) - 1
    at = Position(stage, chain, len(d.stages[stage].chains[chain].steps) - 1)
    assert step_at(d, at).after == d.result_display
    return at, n.mu**2 + n.sigma**2 - log(n.sigma**2) - 1


def _combine_log_sign(d: Draft, n: Names) -> tuple[Position, Expr]:
    at = find(d, "combine", lambda s: s.rule == "combine.stages")
    return at, (n.mu**2 + n.sigma**2 - 1) / 2 + log(n.sigma**2) / 2


BREAKERS: dict[str, Breaker] = {
    "definition: q density with pi for 2 pi": _q_density_wrong_normalizer,
    "definition: KL(p || q) for KL(q || p)": _kl_definition_reversed,
    "log_ratio: sign of the linear term": _collect_sign_swapped,
    "log_ratio: log(1/sigma) = +log(sigma)": _log_reciprocal_sign,
    "split: linearity drops the constant": _linearity_drops_a_term,
    "normalization: -log(sigma) = -log(sigma^2)": _log_square_without_half,
    "normalization: density integrates to 0": _density_integrates_to_zero,
    "expectation: E[z^2] = mu^2 + 2 sigma^2": _second_moment_wrong,
    "expectation: E[z] = mu + sigma": _first_moment_wrong,
    "expectation: E[eps^2] = 0": _standard_second_moment_zero,
    "expectation: cancel loses 1/2": _expectation_without_half,
    "combine: result without 1/2": _result_without_half,
    "combine: sign of the log term": _combine_log_sign,
}


def test_breakers_cover_every_stage() -> None:
    covered = {name.split(":")[0] for name in BREAKERS}
    assert covered == set(STAGES)


@pytest.mark.parametrize("name", list(BREAKERS))
def test_broken_step_is_rejected(draft: Draft, name: str) -> None:
    at, after = BREAKERS[name](draft, names_of(draft))
    step = step_at(draft, at)
    assert after != step.after
    broken = replace(step, after=after)
    with pytest.raises(VerificationError) as caught:
        verify_step(broken, draft.contexts[step.facts])
    assert caught.value.rule == step.rule


@pytest.mark.parametrize("name", list(BREAKERS))
def test_draft_with_broken_step_is_rejected(draft: Draft, name: str) -> None:
    at, after = BREAKERS[name](draft, names_of(draft))
    step = step_at(draft, at)
    broken = with_step(draft, at, replace(step, after=after))
    with pytest.raises(VerificationError) as caught:
        verify_draft(broken)
    assert caught.value.rule == step.rule


def test_unbroken_rebuild_still_verifies(draft: Draft) -> None:
    # the rebuilding helper alone does not make a draft fail
    at = find(draft, "combine", lambda s: s.rule == "combine.stages")
    same = with_step(draft, at, step_at(draft, at))
    assert len(verify_draft(same)) == len(STAGES)


def test_broken_step_in_general_pair_is_rejected() -> None:
    d = make_draft("normal(m1, s1)", "normal(m2, s2)")
    last = d.stages[-1].chains[-1].steps[-1]
    with pytest.raises(VerificationError):
        verify_step(replace(last, after=2 * last.after), d.contexts[last.facts])


# ---------------------------------------------------------------------------
# the two false patterns of a result that holds under a condition (issue 11)
# ---------------------------------------------------------------------------


def _find_step(draft: Draft, rule: str) -> Step:
    return next(s for stage in draft.stages for s in stage.steps if s.rule == rule)


def _refused(draft: Draft, step: Step, match: str | None = None) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_step(step, draft.contexts[step.facts])


@pytest.fixture(scope="module")
def uniforms() -> Draft:
    return make_draft("uniform", "uniform")


@pytest.fixture(scope="module")
def moment_conditional() -> Draft:
    """KL(Gamma || InvGamma): finite only for alpha_1 > 1 (E[1/z] under the gamma law)."""
    return make_draft("gamma", "inverse_gamma")


def test_closed_form_equated_with_the_piecewise_result_is_refused(uniforms: Draft) -> None:
    """log((b2 - a2)/(b1 - a1)) = {log(...) if a1 >= a2 and b1 <= b2; oo otherwise} is
    false where the condition fails (the left side is finite there): it was printed so."""
    step = _find_step(uniforms, "support.piecewise")
    assert isinstance(step.before, type(KL(Symbol("q"), Symbol("p"))))
    closed_form = step.after.args[0][0]
    _refused(uniforms, replace(step, before=closed_form), "not infinite")
    assert verify_step(step, uniforms.contexts[step.facts])  # the true step stands


def test_closed_form_without_its_condition_is_refused(uniforms, moment_conditional) -> None:
    """D = closed form, with the condition left off the equality: refused, whether the
    condition is the supports' or a moment's."""
    for draft in (uniforms, moment_conditional):
        step = _find_step(draft, "moment.insert")
        assert step.condition is not None
        _refused(draft, replace(step, condition=None), "does not state")
        assert verify_step(step, draft.contexts[step.facts])
    # the moment that needs alpha_1 > 1 states it
    moment = next(s for s in moment_conditional.stages[-2].steps if s.before.args[0].is_Pow)
    assert str(moment.condition) == "alpha_1 > 1"


def test_piecewise_with_a_wrong_condition_is_refused(moment_conditional: Draft) -> None:
    """{closed form if alpha_1 > 1/2; oo otherwise} (too weak: E[1/z] is infinite for
    alpha_1 <= 1) and {... if alpha_1 > 1 and beta_2 > 1; ...} (a condition that changes
    nothing) are both refused."""
    step = _find_step(moment_conditional, "support.piecewise")
    (value, condition), infinite = step.after.args
    (alpha,) = condition.free_symbols
    beta = next(s for s in value.free_symbols if s.name == "beta_2")
    for wrong in (alpha > Rational(1, 2), condition & (beta > 1)):
        after = Piecewise((value, wrong), infinite, evaluate=False)
        _refused(moment_conditional, replace(step, after=after, params={**step.params}))


@pytest.mark.parametrize(
    ("p", "q"), [("normal(a1, a2)", "exponential(b1)"), ("uniform", "uniform")]
)
def test_density_written_without_its_support_is_refused(p: str, q: str) -> None:
    """int q log(q/p) dz = int q log(q / b e^{-bz}) dz over the whole line is false (the
    left side is +oo where q > 0 = p): the density must carry its support."""
    draft = make_draft(p, q)
    formula = next(
        s
        for s in draft.stages[0].steps
        if s.rule == "density.formula" and s.before.func.__name__ == "p"
    )
    assert isinstance(formula.after, OnSupport), formula.after  # shown with its support
    substitute = _find_step(draft, "density.substitute")
    assert substitute.after.has(OnSupport)
    unsupported = substitute.after.replace(lambda x: isinstance(x, OnSupport), lambda x: x.args[0])
    _refused(draft, replace(substitute, after=unsupported))


def test_log_ratio_inserted_without_the_support_condition_is_refused(uniforms: Draft) -> None:
    step = _find_step(uniforms, "log_ratio.insert")
    assert step.condition is not None
    _refused(uniforms, replace(step, condition=None))


@pytest.mark.parametrize(
    ("p", "q"),
    [("uniform", "uniform"), ("gamma", "inverse_gamma"), ("normal(a1, a2)", "exponential(b1)")],
)
@pytest.mark.slow
def test_every_step_of_a_conditional_or_infinite_pair_plus_one_is_rejected(p, q) -> None:
    draft = make_draft(p, q)
    accepted = accepted_false_steps(
        draft, {"plus one": lambda e: e + 1, "doubled": lambda e: 2 * e}
    )
    assert not accepted, f"false steps accepted: {accepted}"
