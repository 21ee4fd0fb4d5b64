"""Parameter draws that must break or meet a condition on a power of a parameter.

The sampler moves a parameter across a condition it breaks; a condition such as
``sigma**2 < 4004`` (a Rényi order of 1001/1000 between normals) was out of reach of
every draw, and the derivation ended in an internal error instead of its conditional
result. The result is checked here against SciPy quadrature on both sides of that
condition.
"""

from __future__ import annotations

import math
import random

import pytest
from scipy import integrate, stats
from sympy import Rational, Symbol, oo

import kl_derive
from kl_derive.steps.verify.sampling import sample_parameters

sigma = Symbol("sigma", positive=True)
mu = Symbol("mu", real=True)


@pytest.mark.parametrize(
    "condition",
    [sigma**2 >= 4004, sigma**2 < Rational(1, 4004), 3 * sigma**3 > 10**7, sigma**-2 > 900],
)
def test_a_condition_on_a_power_is_met(condition) -> None:
    values = sample_parameters([sigma, mu], [condition], random.Random("power"))
    assert values is not None
    assert bool(condition.xreplace(values))
    assert all(v.is_Rational for v in values.values())


@pytest.mark.slow
def test_renyi_of_an_order_near_one_is_conditional_and_right() -> None:
    alpha = Rational(1001, 1000)
    d = kl_derive.divergence("renyi", "normal", "normal(1, 2)", alpha="1001/1000")
    result = d.result
    m = Symbol("mu", real=True)
    (s,) = [x for x in result.free_symbols if x.name == "sigma"]
    a = float(alpha)
    for mean, scale in ((0.5, 2.0), (-1.0, 30.0)):  # inside sigma**2 < 4004
        value = float(result.subs({m: mean, s: scale}))
        p, q = stats.norm(mean, scale), stats.norm(1, 2)

        def integrand(z: float, p=p, q=q) -> float:
            return math.exp(a * p.logpdf(z) + (1 - a) * q.logpdf(z))

        edge = 12 * scale + 12
        integral = integrate.quad(integrand, -edge, edge, limit=200, points=[mean, 1])[0]
        assert value == pytest.approx(math.log(integral) / (a - 1), rel=1e-6)
    assert result.subs({m: 0, s: 70}) == oo  # sigma**2 = 4900 > 4004: the integral diverges
