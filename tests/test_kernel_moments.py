"""The verifier's exact moments under gamma and beta kernels
(kl_derive/steps/verify/kernel_moments.py) against SciPy quadrature, at pseudo-random
exponents, with a constant in front that does not normalize the kernel (the verifier reads
it from the density, it does not assume it); statistics and densities of another kind are
left alone."""

from __future__ import annotations

import math
import random

import pytest
from scipy import integrate
from sympy import Function, Rational, Symbol, exp, log, oo

from kl_derive.steps.context import DensityFacts
from kl_derive.steps.verify.kernel_moments import kernel_moment

z = Symbol("z", positive=True)
Q = Function("q")(z)


def _rational(rng: random.Random, low: float, high: float) -> Rational:
    return Rational(round(rng.uniform(low, high) * 100), 100)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("j", "k"), [(0, 1), (0, 2), (1, 1), (2, 2), (3, 1), (0, 4), (2, 0)])
def test_gamma_kernel_against_quadrature(seed, j, k) -> None:
    rng = random.Random(seed)
    shape, rate, constant = _rational(rng, 0.3, 4), _rational(rng, 0.2, 3), _rational(rng, 1, 3)
    value = constant * z ** (shape - 1) * exp(-rate * z)
    facts = DensityFacts(Q, z, (0, oo), value)
    found = float(kernel_moment(z**j * log(z) ** k, facts))

    def integrand(x: float) -> float:
        return (
            float(constant)
            * x ** (float(shape) - 1 + j)
            * math.log(x) ** k
            * math.exp(-float(rate) * x)
        )

    reference = sum(
        integrate.quad(integrand, a, b, limit=200)[0] for a, b in ((0, 1), (1, math.inf))
    )
    assert found == pytest.approx(reference, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("j", "k", "m"), [(0, 1, 0), (0, 0, 1), (0, 1, 1), (1, 2, 0), (2, 1, 2), (0, 0, 3)]
)
def test_beta_kernel_against_quadrature(seed, j, k, m) -> None:
    rng = random.Random(100 + seed)
    a, c, constant = _rational(rng, 0.4, 4), _rational(rng, 0.4, 4), _rational(rng, 1, 3)
    value = constant * z ** (a - 1) * (1 - z) ** (c - 1)
    facts = DensityFacts(Q, z, (0, 1), value)
    found = float(kernel_moment(z**j * log(z) ** k * log(1 - z) ** m, facts))

    def integrand(x: float) -> float:
        return (
            float(constant)
            * x ** (float(a) - 1 + j)
            * (1 - x) ** (float(c) - 1)
            * math.log(x) ** k
            * math.log1p(-x) ** m
        )

    reference = sum(
        integrate.quad(integrand, lo, hi, limit=200)[0] for lo, hi in ((0, 0.5), (0.5, 1))
    )
    assert found == pytest.approx(reference, rel=1e-7, abs=1e-9)


def test_symbolic_shape_is_written_in_digamma_of_the_shape() -> None:
    a, b = Symbol("a", positive=True), Symbol("b", positive=True)
    from sympy import gamma, polygamma, simplify

    facts = DensityFacts(Q, z, (0, oo), b**a / gamma(a) * z ** (a - 1) * exp(-b * z))
    found = kernel_moment(z * log(z), facts)  # E[z log z] = (a/b)(psi(a + 1) - log b)
    assert simplify(found - a / b * (polygamma(0, a) + 1 / a - log(b))) == 0


def test_other_statistics_and_laws_are_left_alone() -> None:
    a = Symbol("a", real=True)  # the sign of a + j unknown: the integral may diverge
    gamma_facts = DensityFacts(Q, z, (0, oo), z**2 * exp(-z))
    assert kernel_moment(log(1 + z), gamma_facts) is None
    assert kernel_moment(z ** Rational(1, 2) * log(z), gamma_facts) is None
    assert kernel_moment(log(z), DensityFacts(Q, z, (0, oo), z ** (a - 1) * exp(-z))) is None
    assert kernel_moment(log(z), DensityFacts(Q, z, (0, oo), exp(-(z**2)))) is None
    assert kernel_moment(log(z), DensityFacts(Q, z, (1, oo), z * exp(-z))) is None
    assert kernel_moment(log(z), DensityFacts(Q, z, (0, oo), z * exp(z))) is None  # diverges
