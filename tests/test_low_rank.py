"""Low-rank multivariate normals (PyTorch's LowRankMultivariateNormal): the covariance
W W^T + diag(D) is formed, then the multivariate normal derivation runs; the result is
checked against the Gaussian KL computed by NumPy for random factors."""

from __future__ import annotations

import numpy as np
import pytest

from kl_derive import derive
from kl_derive.errors import KLDeriveError


def _gaussian_kl(m1, s1, m2, s2) -> float:
    inverse = np.linalg.inv(s2)
    diff = m2 - m1
    return 0.5 * (
        np.trace(inverse @ s1)
        + diff @ inverse @ diff
        - len(m1)
        + np.log(np.linalg.det(s2) / np.linalg.det(s1))
    )


@pytest.mark.parametrize("rank", [1, 2])
def test_low_rank_pairs_match_numpy(rank: int) -> None:
    names = [f"w{i}{j}" for i in range(1, 3) for j in range(1, rank + 1)]
    factor = (
        "["
        + ", ".join(
            "[" + ", ".join(f"w{i}{j}" for j in range(1, rank + 1)) + "]" for i in range(1, 3)
        )
        + "]"
    )
    p = f"low_rank_multivariate_normal([m1, m2], {factor}, [d1, d2])"
    q = "low_rank_multivariate_normal([0, 1], [[1], [2]], [2, 1])"
    derivation = derive(p, q)
    assert all(step.verified for step in derivation.steps)
    symbols = {str(s): s for s in derivation.result.free_symbols}
    rng = np.random.default_rng(rank)
    for _ in range(3):
        w = rng.normal(size=(2, rank))
        d = rng.uniform(0.5, 2.0, 2)
        m = rng.normal(size=2)
        values = {symbols[n]: w[int(n[1]) - 1, int(n[2]) - 1] for n in names if n in symbols}
        values.update({symbols["d1"]: d[0], symbols["d2"]: d[1]})
        values.update({symbols["m1"]: m[0], symbols["m2"]: m[1]})
        s1 = w @ w.T + np.diag(d)
        s2 = np.array([[1.0], [2.0]]) @ np.array([[1.0, 2.0]]) + np.diag([2.0, 1.0])
        expected = _gaussian_kl(m, s1, np.array([0.0, 1.0]), s2)
        assert float(derivation.result.xreplace(values)) == pytest.approx(expected, rel=1e-10)


def test_low_rank_against_full_covariance_is_the_same_law() -> None:
    a = derive(
        "low_rank_multivariate_normal([1, 2], [[1], [2]], [1, 3])",
        "multivariate_normal([0, 1], [[2, 0], [0, 1]])",
    )
    b = derive(
        "multivariate_normal([1, 2], [[2, 2], [2, 7]])",
        "low_rank_multivariate_normal([0, 1], [[1, 0], [0, 1]], [1, 0.0001])",
    )
    assert float(a.result) == pytest.approx(
        _gaussian_kl(
            np.array([1.0, 2.0]),
            np.array([[2.0, 2.0], [2.0, 7.0]]),
            np.array([0.0, 1.0]),
            np.diag([2.0, 1.0]),
        )
    )
    assert b.result.free_symbols == set() and float(b.result) > 0


def test_low_rank_needs_lists() -> None:
    with pytest.raises(KLDeriveError, match="as lists"):
        derive("low_rank_multivariate_normal(mu, W, D)", "multivariate_normal(0, 1)")
    with pytest.raises(KLDeriveError, match="different sizes"):
        derive("low_rank_multivariate_normal([m1], [[w1], [w2]], [d1, d2])", "mvn(0, 1)")
