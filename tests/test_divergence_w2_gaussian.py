"""The squared 2-Wasserstein distance between full-covariance normals given as numbers
(2 x 2 at random rational covariances, 3 x 3 where the eigenvalues are in radicals),
against the Gaussian formula computed here with scipy.linalg.sqrtm, and against a Monte
Carlo check of the optimal map's cost; every false matrix square root (the negative
root, a root with a negative eigenvalue, a root off by a little, a wrong product) is
refused; bad input ends in one line."""

from __future__ import annotations

import random
from fractions import Fraction
from functools import cache

import numpy as np
import pytest
from conftest import one_line_error, run_module
from scipy import linalg
from sympy import ImmutableMatrix, MatPow, Rational, sqrt

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import pairs
from kl_derive.divergences.wasserstein_gaussian import gaussian_draft
from kl_derive.errors import VerificationError
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.matrices import MatTrace


@cache
def _w2(p: str, q: str):
    return kl_derive.divergence("wasserstein", p, q)


def _spec(mean, cov) -> str:
    rows = ", ".join("[" + ", ".join(str(x) for x in row) + "]" for row in cov)
    return f"multivariate_normal([{', '.join(str(x) for x in mean)}], [{rows}])"


def _reference(m1, c1, m2, c2) -> float:
    m1, m2 = np.array(m1, float), np.array(m2, float)
    c1, c2 = np.array(c1, float), np.array(c2, float)
    root = linalg.sqrtm(c2)
    middle = linalg.sqrtm(root @ c1 @ root)
    return float(np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * middle).real)


def _monte_carlo(m1, c1, m2, c2, n: int = 400_000) -> float:
    """E||X - T(X)||^2 for X ~ N(m1, c1) and the optimal linear map T (Q's law)."""
    c1, c2 = np.array(c1, float), np.array(c2, float)
    r1 = linalg.sqrtm(c1).real
    inverse = np.linalg.inv(r1)
    a = inverse @ linalg.sqrtm(r1 @ c2 @ r1).real @ inverse
    rng = np.random.default_rng(5)
    x = rng.multivariate_normal(np.array(m1, float), c1, size=n)
    y = np.array(m2, float) + (x - np.array(m1, float)) @ a.T
    assert np.allclose(np.cov(y.T), c2, atol=0.05)  # the map carries P to Q
    return float(np.mean(np.sum((x - y) ** 2, axis=1)))


def _random_spd(rng: random.Random) -> list[list[Fraction]]:
    while True:
        a, b, c = (Fraction(rng.randint(-12, 12), 4) for _ in range(3))
        cov = [[a * a + 1, a * b], [a * b, b * b + c * c + 1]]
        if cov[0][0] * cov[1][1] - cov[0][1] ** 2 > 0:
            return cov


def test_listed() -> None:
    assert ("multivariate_normal", "multivariate_normal", "finite") in pairs("wasserstein")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_random_two_by_two(seed: int) -> None:
    rng = random.Random(f"w2-mvn-{seed}")
    m1 = [Fraction(rng.randint(-8, 8), 4) for _ in range(2)]
    m2 = [Fraction(rng.randint(-8, 8), 4) for _ in range(2)]
    c1, c2 = _random_spd(rng), _random_spd(rng)
    d = _w2(_spec(m1, c1), _spec(m2, c2))
    assert all(step.verified for step in d.steps)
    assert d.result.is_number
    assert float(d.result) == pytest.approx(_reference(m1, c1, m2, c2), rel=1e-10, abs=1e-12)


THREE = [
    ([0, 0, 1], [[2, 1, 0], [1, 2, 0], [0, 0, 3]], [1, 0, 0], [[1, 0, 0], [0, 4, 0], [0, 0, 9]]),
    ([0, 0, 1], [[3, 1, 1], [1, 3, 1], [1, 1, 3]], [1, 0, 0], [[2, 1, 0], [1, 2, 0], [0, 0, 1]]),
    ([0, 0, 1], [[4, 1, 0], [1, 3, 1], [0, 1, 2]], [0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
]


@pytest.mark.parametrize("case", THREE, ids=["block", "equicorrelated", "tridiagonal"])
def test_three_by_three(case) -> None:
    d = _w2(_spec(case[0], case[1]), _spec(case[2], case[3]))
    assert all(step.verified for step in d.steps)
    assert float(d.result) == pytest.approx(_reference(*case), rel=1e-10)


def test_monte_carlo_of_the_optimal_map() -> None:
    case = THREE[1]
    d = _w2(_spec(case[0], case[1]), _spec(case[2], case[3]))
    assert float(d.result) == pytest.approx(_monte_carlo(*case), rel=0.02)


def test_conventions() -> None:
    same = _w2(_spec([1, 2], [[2, 1], [1, 2]]), _spec([1, 2], [[2, 1], [1, 2]]))
    assert same.result == 0
    # commuting (diagonal) covariances: the sum of (sigma_j - s_j)^2
    diagonal = _w2(_spec([0, 0], [[4, 0], [0, 9]]), _spec([0, 0], [[1, 0], [0, 1]]))
    assert diagonal.result == (2 - 1) ** 2 + (3 - 1) ** 2


def _steps():
    first, second = bind(
        "multivariate_normal([0, 1], [[2, 1], [1, 2]])",
        "multivariate_normal([1, 0], [[1, 0], [0, 3]])",
        None,
        "en",
    )
    draft = gaussian_draft(first, second)
    ((stage),) = draft.stages
    return draft.contexts["main"], [chain.steps for chain in stage.chains]


def test_the_true_steps_verify_and_false_roots_are_refused() -> None:
    context, chains = _steps()
    for steps in chains:
        for step in steps:
            verify_step(step, context)
    (root_step,) = chains[1]
    assert root_step.after == ImmutableMatrix([[1, 0], [0, sqrt(3)]])
    wrong_roots = [
        -root_step.after,  # the negative root: its square is right
        ImmutableMatrix([[1, 0], [0, -sqrt(3)]]),  # another root, not positive semidefinite
        ImmutableMatrix([[1, 0], [0, sqrt(3) + Rational(1, 10**30)]]),  # off by a little
        ImmutableMatrix([[1, Rational(1, 10)], [0, sqrt(3)]]),  # not symmetric
    ]
    for wrong in wrong_roots:
        with pytest.raises(VerificationError):
            verify_step(Step("matrix_root.square_root", root_step.before, wrong), context)
    _, product = chains[2]
    with pytest.raises(VerificationError):
        verify_step(Step("matrix_root.product", product.before, 2 * product.after), context)
    (second_root,) = chains[3]
    inner = second_root.before.args[0]
    # a root of the right matrix, but with the eigenvalues' roots swapped in sign
    with pytest.raises(VerificationError):
        verify_step(
            Step("matrix_root.square_root", second_root.before, -second_root.after), context
        )
    assert isinstance(second_root.before, MatPow) and inner == product.after
    # the formula with -1 in place of -2
    final = chains[4][0]
    wrong = final.after.xreplace({-2: -1})  # the last chain starts from W2^2(q, p)
    assert wrong != final.after
    with pytest.raises(VerificationError):
        verify_step(Step("matrix_root.insert", final.before, wrong), context)


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        (
            "multivariate_normal(mu, Sigma)",
            "multivariate_normal([0, 0], [[1, 0], [0, 1]])",
            "all names, or all lists of numbers",
        ),
        ("multivariate_normal([a, 0], [[1, 0], [0, 1]])", "multivariate_normal(0, 1)", "numbers"),
        (
            "multivariate_normal([0, 0, 0], [[5, 2, 1], [2, 4, 1], [1, 1, 3]])",
            "multivariate_normal(0, 1)",
            "irreducible cubic",
        ),
    ],
)
def test_refusals_are_one_line(p: str, q: str, message: str) -> None:
    one_line_error(run_module(["wasserstein", p, q]), message)


def test_code_refuses_in_one_line() -> None:
    one_line_error(
        run_module(
            [
                "code",
                "multivariate_normal([0, 1], [[2, 1], [1, 2]])",
                "multivariate_normal(0, 1)",
                "--divergence",
                "wasserstein",
            ]
        ),
        "full-covariance",
    )


def test_a_false_trace_of_a_three_by_three_root_is_refused() -> None:
    case = THREE[1]
    first, second = bind(_spec(case[0], case[1]), _spec(case[2], case[3]), None, "en")
    draft = gaussian_draft(first, second)
    ((stage),) = draft.stages
    context = draft.contexts["main"]
    (step,) = stage.chains[1].steps
    assert step.rule == "matrix_root.eigenvalues"
    assert verify_step(step, context) == "digits"
    terms = step.after.args
    wrong = [
        step.after + Rational(1, 10**30),  # off by a little
        terms[0] - sum(terms[1:]),  # a root taken negative
        sum(t**2 for t in terms),  # the eigenvalues, not their roots
    ]
    for value in wrong:
        with pytest.raises(VerificationError):
            verify_step(Step("matrix_root.eigenvalues", step.before, value), context)


# -- names, in a symbolic dimension ----------------------------------------------------------


def _evaluated(expr, values: dict, d: int) -> float:
    """The result at matrices given as numbers: traces, quadratic forms and principal
    square roots by NumPy and SciPy, written here apart from kl-derive's verifier."""
    from sympy import Identity, MatAdd, MatMul, MatrixSymbol, Symbol, ZeroMatrix

    from kl_derive.symbolic.matrices import QuadForm

    def value(e):
        if isinstance(e, MatrixSymbol):
            return np.array(values[e.name], float)
        if isinstance(e, Identity):
            return np.eye(d)
        if isinstance(e, ZeroMatrix):
            return np.zeros((d, 1))
        if isinstance(e, MatPow):
            assert e.args[1] == Rational(1, 2)
            return linalg.sqrtm(value(e.args[0])).real
        if isinstance(e, MatMul):
            out = np.eye(d)
            for f in e.args:
                out = out @ value(f) if not f.is_number else out * float(f)
            return out
        if isinstance(e, MatAdd):
            return sum(value(t) for t in e.args)
        if isinstance(e, MatTrace):
            return float(np.trace(value(e.args[0]) @ value(e.args[1])))
        if isinstance(e, QuadForm):
            v = value(e.args[0]) - value(e.args[1])
            return float((v.T @ value(e.args[2]) @ v)[0, 0])
        if isinstance(e, Symbol):
            return float(d)
        if e.is_Add:
            return sum(value(t) for t in e.args)
        if e.is_Mul:
            return float(np.prod([value(f) for f in e.args]))
        return float(e)

    return value(expr)


@pytest.mark.parametrize(
    ("q", "same"),
    [("multivariate_normal(m, S)", False), ("multivariate_normal(m, Sigma)", True)],
)
def test_names_in_a_symbolic_dimension_against_scipy(q: str, same: bool) -> None:
    d = _w2("multivariate_normal(mu, Sigma)", q)
    assert all(step.verified for step in d.steps)
    if same:  # one covariance: only the means remain
        assert not d.result.has(MatTrace)
    rng = random.Random(f"w2-names-{q}")
    for n in (1, 2, 3, 4):
        for _ in range(3):
            c1 = np.array([[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)])
            c2 = np.array([[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)])
            s1, s2 = c1 @ c1.T + 0.3 * np.eye(n), c2 @ c2.T + 0.3 * np.eye(n)
            s2 = s1 if same else s2
            mu = [[rng.uniform(-2, 2)] for _ in range(n)]
            m = [[rng.uniform(-2, 2)] for _ in range(n)]
            values = {"mu": mu, "Sigma": s1, "m": m, "S": s2}
            got = _evaluated(d.result, values, n)
            want = _reference([x[0] for x in mu], s1, [x[0] for x in m], s2)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    if not same:  # the one-dimensional case: (mu - m)^2 + (sigma - s)^2
        got = _evaluated(
            d.result, {"mu": [[1.0]], "Sigma": [[4.0]], "m": [[-2.0]], "S": [[9.0]]}, 1
        )
        assert got == pytest.approx(9.0 + 1.0)


def test_names_against_the_standard_law() -> None:
    d = _w2("multivariate_normal(mu, Sigma)", "multivariate_normal(0, 1)")
    assert all(step.verified for step in d.steps)
    rng = np.random.default_rng(3)
    for n in (2, 3, 5):
        c = rng.normal(size=(n, n))
        sigma = c @ c.T + 0.2 * np.eye(n)
        mu = rng.normal(size=(n, 1))
        got = _evaluated(d.result, {"mu": mu, "Sigma": sigma}, n)
        want = _reference(mu[:, 0], sigma, np.zeros(n), np.eye(n))
        assert got == pytest.approx(want, rel=1e-9)


def test_a_false_commuting_step_is_refused() -> None:
    """Dropping the trace terms of two different covariances, or the d of the identity,
    is refused in every checked dimension."""
    from sympy import MatrixSymbol

    d = _w2("multivariate_normal(mu, Sigma)", "multivariate_normal(m, S)")
    (step,) = [s for s in d.steps if s.rule == "wasserstein.gaussian"]
    first, second = bind("multivariate_normal(mu, Sigma)", "multivariate_normal(m, S)", None, "en")
    from kl_derive.divergences.wasserstein_gaussian_names import named_gaussian_draft

    draft = named_gaussian_draft(first, second)
    context = draft.contexts["main"]
    shift = step.after.args[0] if step.after.args[0].has(MatrixSymbol) else None
    assert shift is not None
    for wrong in (shift, step.after + Rational(1, 10**20)):
        with pytest.raises(VerificationError):
            verify_step(Step("matrix_root.commuting", step.after, wrong), context)
    assert verify_step(Step("matrix_root.commuting", step.after, step.after), context)
