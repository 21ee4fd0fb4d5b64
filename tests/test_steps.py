"""The steps of a derivation: all verified, well-formed, and a false step is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from conftest import accepted_false_steps
from sympy import Add, Expr, Integral, Rational, Symbol, log, pi

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
from kl_derive.symbolic.objects import Expect

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
