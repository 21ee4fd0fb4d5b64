"""Multivariate normals with covariances given as numbers, up to d = 8 and beyond.

Above 3 x 3 the steps are verified exactly at pseudo-random rational parameter values of
the dimension (a generic covariance's inverse has too many terms). The results are
compared with the textbook closed form computed by NumPy (Cholesky factors, solves and
log-determinants, written here independently of the engine) at random symmetric
positive-definite matrices, and wrong steps at d = 8 must be rejected: a factor of two, a
dimension off by one, the two covariances exchanged, one mean for the other, a result off by
10^-6.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from kl_derive import cross_entropy, derive, entropy
from kl_derive.engine import draft_for
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.convert import bind_pair
from kl_derive.symbolic.matrices import MatTrace


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random symmetric positive-definite integer matrix L L^T (small entries, so the
    spec stays within its 400 characters)."""
    lower = np.tril(rng.integers(-2, 3, size=(n, n)), -1) + np.diag(rng.integers(1, 3, size=n))
    return lower @ lower.T


def _spec(mean: np.ndarray, cov: np.ndarray | None) -> str:
    if cov is None:
        return "multivariate_normal(0, 1)"
    rows = ", ".join("[" + ", ".join(str(int(x)) for x in row) + "]" for row in cov)
    return f"multivariate_normal([{', '.join(str(int(x)) for x in mean)}], [{rows}])"


def _kl(m1: np.ndarray, s1: np.ndarray, m2: np.ndarray, s2: np.ndarray) -> float:
    """KL(N(m1, s1) || N(m2, s2)) from Cholesky factors: no inverse, no determinant."""
    c1, c2 = np.linalg.cholesky(s1), np.linalg.cholesky(s2)
    a = np.linalg.solve(c2, c1)  # C2^-1 C1: tr(S2^-1 S1) is its squared Frobenius norm
    b = np.linalg.solve(c2, m2 - m1)
    logdet = 2 * (np.log(np.diag(c2)).sum() - np.log(np.diag(c1)).sum())
    return 0.5 * (np.sum(a * a) + b @ b - len(m1) + logdet)


def _pair(n: int, seed: int, two: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    m1, s1 = rng.integers(-3, 4, size=n), _spd(rng, n)
    m2, s2 = (rng.integers(-3, 4, size=n), _spd(rng, n)) if two else (np.zeros(n), np.eye(n))
    return m1, s1, m2, s2


@pytest.mark.parametrize(("n", "seed", "two"), [(4, 1, True), (5, 2, False), (8, 3, False)])
@pytest.mark.slow
def test_explicit_covariances_match_numpy(n, seed, two) -> None:
    m1, s1, m2, s2 = _pair(n, seed, two)
    d = derive(_spec(m1, s1), _spec(m2, s2 if two else None))
    assert all(step.verified for step in d.steps)
    assert float(d.result) == pytest.approx(_kl(m1, s1, m2, s2), rel=1e-12, abs=1e-12)
    text = d.to_text()
    assert f"d = {n} in exact rational arithmetic, at 2 pseudo-random" in " ".join(text.split())


@pytest.fixture(scope="module")
def two_at_eight():
    m1, s1, m2, s2 = _pair(8, 4, True)
    return (m1, s1, m2, s2), derive(_spec(m1, s1), _spec(m2, s2))


@pytest.mark.slow
def test_two_full_covariances_at_d8(two_at_eight) -> None:
    (m1, s1, m2, s2), d = two_at_eight
    assert float(d.result) == pytest.approx(_kl(m1, s1, m2, s2), rel=1e-12)
    ko = derive(_spec(m1, s1), _spec(m2, s2), lang="ko").to_text()
    assert "유리수 매개변수 값 2개에서 확인했고" in " ".join(ko.split()).replace("\n", "")


@pytest.mark.slow
def test_entropy_and_cross_entropy_at_d8() -> None:
    m1, s1, m2, s2 = _pair(8, 5, True)
    h = entropy(_spec(m1, s1))
    _, logdet = np.linalg.slogdet(s1)
    assert float(h.result) == pytest.approx(0.5 * (8 * np.log(2 * np.pi * np.e) + logdet))
    cross = cross_entropy(_spec(m1, s1), _spec(m2, s2))
    expected = _kl(m1, s1, m2, s2) + 0.5 * (8 * np.log(2 * np.pi * np.e) + logdet)
    assert float(cross.result) == pytest.approx(expected, rel=1e-12)


def test_small_dimensions_keep_generic_parameters() -> None:
    """Up to 3 x 3 the steps are still proved with symbols for the covariance's factor."""
    m1, s1, m2, s2 = _pair(3, 6, True)
    draft = draft_for(*bind_pair(parse_spec(_spec(m1, s1)), parse_spec(_spec(m2, s2))))
    instance = draft.contexts["main"].instances[3]
    assert draft.instance_draws == 0 and instance.draws == ()
    assert any(
        isinstance(v, sp.MatrixBase) and v.free_symbols and v.shape == (3, 3)
        for v in instance.bindings.values()
    )
    text = " ".join(derive(_spec(m1, s1), _spec(m2, s2)).to_text().split())
    assert "with generic parameters of that size" in text


@pytest.fixture(scope="module")
def draft_at_eight():
    m1, s1, m2, s2 = _pair(8, 4, True)
    return draft_for(*bind_pair(parse_spec(_spec(m1, s1)), parse_spec(_spec(m2, s2))))


def test_draws_are_fixed_distinct_and_positive_definite(draft_at_eight) -> None:
    instance = draft_at_eight.contexts["main"].instances[8]
    assert len(instance.draws) == 1 and draft_at_eight.instance_draws == 2
    covariances = []
    for each in (instance, *instance.draws):
        matrices = [
            v for v in each.bindings.values() if isinstance(v, sp.MatrixBase) and v.shape == (8, 8)
        ]
        assert len(matrices) == 2
        for m in matrices:
            assert not m.free_symbols and m.is_symmetric()
            assert all(isinstance(x, sp.Rational) for x in m)
            np.linalg.cholesky(np.array(m.tolist(), dtype=float))  # positive definite
        covariances.append(matrices)
    assert covariances[0][0] != covariances[1][0] and covariances[0][0] != covariances[0][1]
    # the same values in every run: drafted again, bound to the same matrices
    m1, s1, m2, s2 = _pair(8, 4, True)
    again = draft_for(*bind_pair(parse_spec(_spec(m1, s1)), parse_spec(_spec(m2, s2))))
    assert again.contexts["main"].instances[8].bindings == instance.bindings


def _steps(draft):
    return [step for stage in draft.stages for step in stage.steps]


def _rejected(step, draft) -> None:
    with pytest.raises(VerificationError):
        verify_step(step, draft.contexts[step.facts])


@pytest.mark.slow
def test_every_step_at_d8_is_verified(draft_at_eight) -> None:
    for step in _steps(draft_at_eight):
        assert verify_step(step, draft_at_eight.contexts[step.facts]) == "instances"


@pytest.mark.slow
def test_doubled_steps_at_d8_are_rejected(draft_at_eight) -> None:
    steps = _steps(draft_at_eight)
    assert len(steps) >= 10
    for step in steps:
        wrong = step.after * 2 if step.after != 0 else sp.S.One
        _rejected(replace(step, after=wrong), draft_at_eight)


def test_a_dimension_off_by_one_at_d8_is_rejected(draft_at_eight) -> None:
    identity = next(s for s in _steps(draft_at_eight) if s.rule == "trace.identity")
    assert identity.after == 8
    _rejected(replace(identity, after=sp.S(7)), draft_at_eight)


@pytest.mark.slow
def test_exchanged_parameters_at_d8_are_rejected(draft_at_eight) -> None:
    """A step with the two covariances exchanged on one side (or the first mean written
    for the second): right when they are equal, wrong at any generic point."""
    steps = [s for s in _steps(draft_at_eight) if s.facts == "main"]
    matrices = {s.name: s for step in steps for s in step.after.atoms(sp.MatrixSymbol)}
    swaps = (
        {matrices["Sigma_1"]: matrices["Sigma_2"], matrices["Sigma_2"]: matrices["Sigma_1"]},
        # one way only: (mu_2 - mu_1)^T A (mu_2 - mu_1) is symmetric in the two means
        {matrices["mu_1"]: matrices["mu_2"]},
    )
    for swap in swaps:
        mutated = 0
        for step in steps:
            wrong = step.after.xreplace(swap)
            # tr(Sigma_1^-1 Sigma_1) = tr(Sigma_2^-1 Sigma_2): still true, not a mutation
            still_true = isinstance(wrong, MatTrace) and wrong.args[0] == wrong.args[1].I
            if wrong != step.after and not still_true:
                mutated += 1
                _rejected(replace(step, after=wrong), draft_at_eight)
        assert mutated >= 4


def test_a_result_off_by_a_millionth_at_d8_is_rejected(draft_at_eight) -> None:
    last = _steps(draft_at_eight)[-1]
    assert last.rule == "parameter.substitute"
    _rejected(replace(last, after=last.after + sp.Rational(1, 10**6)), draft_at_eight)
