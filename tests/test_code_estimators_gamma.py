"""kl-derive code estimators for two gamma laws: the closed forms printed through the
framework's log-gamma (no math.gamma, which fails on arrays) and, executed, against SciPy
quadrature of KL, Var k1 and Var k3 written here from the densities, on both sides of the
chi-square condition 2 a2 > a1, 2 b2 > b1 (Var k3 infinite outside it)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from kl_derive.codegen.estimator_moments import estimator_moments_code

pytestmark = pytest.mark.xdist_group("code_estimators_gamma")

_CODE: dict[str, str] = {}


def _code(framework: str) -> str:
    if framework not in _CODE:
        _CODE[framework] = estimator_moments_code(framework, "gamma(a1, b1)", "gamma(a2, b2)")
    return _CODE[framework]


def _quadrature(a1, b1, a2, b2):
    q, p = stats.gamma(a1, scale=1 / b1), stats.gamma(a2, scale=1 / b2)

    def log_r(x):
        return p.logpdf(x) - q.logpdf(x)

    def weighted(f, x):
        density = q.pdf(x)
        return density * f(x) if density > 0 else 0.0  # r overflows only where q is 0

    def mean(f):
        return sum(
            integrate.quad(lambda x: weighted(f, x), lo, hi, limit=400)[0]
            for lo, hi in ((0, 1), (1, math.inf))
        )

    kl = mean(lambda x: -log_r(x))
    var_k1 = mean(lambda x: (log_r(x) + kl) ** 2)
    var_k3 = mean(lambda x: (math.expm1(log_r(x)) - log_r(x) - kl) ** 2)
    return kl, var_k1, var_k3


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
def test_printed_through_log_gamma(framework) -> None:
    code = _code(framework)
    assert "lgamma" in code or "gammaln" in code
    assert "math.gamma" not in code and "scipy.special.gamma(" not in code


@pytest.mark.parametrize(
    ("a1", "b1", "a2", "b2", "finite"),
    [(2.5, 1.5, 3.0, 1.2, True), (1.3, 0.7, 0.9, 0.5, True), (3.0, 2.0, 1.0, 0.8, False)],
)
def test_numpy_code_against_quadrature(a1, b1, a2, b2, finite) -> None:
    namespace: dict = {}
    exec(_code("numpy"), namespace)
    with warnings.catch_warnings():  # the code is quiet off the condition too
        warnings.simplefilter("error")
        kl, var_k1, _var_k2, var_k3, _bias = namespace["kl_estimator_moments"](
            np.array([a1]), np.array([a2]), np.array([b1]), np.array([b2])
        )
    ref_kl, ref_v1, ref_v3 = _quadrature(a1, b1, a2, b2)
    assert float(kl[0]) == pytest.approx(ref_kl, rel=1e-7)
    assert float(var_k1[0]) == pytest.approx(ref_v1, rel=1e-7)
    if finite:
        assert float(var_k3[0]) == pytest.approx(ref_v3, rel=1e-6)
    else:
        assert math.isinf(float(var_k3[0]))
