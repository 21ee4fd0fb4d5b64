"""The reparametrization in d latent coordinates: d/dmu_j E_eps[g(mu + sigma (.) eps)] =
E_eps[d/dmu_j g(...)] (and for sigma_j), verified in d = 2 and 3 for every coordinate j,
refused where the law depends on the parameter, and checked against finite differences
of Gauss-Hermite quadrature for a concrete g in two and three coordinates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sympy import Derivative, Function, Mul, S, exp, oo, pi, sqrt

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.steps.context import Context, DensityFacts
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.elbo import (
    EPS_VEC,
    G_VEC,
    MU_VEC,
    NOISE_VEC,
    SIGMA_VEC,
    derive_elbo,
)
from kl_derive.strategies.elbo_parts import LATENT, J
from kl_derive.symbolic.objects import Expect

RULE = "elbo.differentiate_coordinates"


def _steps(stages) -> list:
    return [s for st in stages for c in st.chains for s in c.steps if s.rule == RULE]


def test_the_coordinate_steps_are_verified_in_instances() -> None:
    derivation = kl_derive.elbo("any", "any")
    steps = _steps(derivation.stages)
    assert len(steps) == 2
    assert all(step.check == "instances" for step in steps)
    from kl_derive.render import render

    for fmt in ("text", "latex", "markdown", "typst", "html"):
        for lang in ("en", "ko"):
            text = render(derivation, fmt, lang)
            assert "each partial derivative moves inside" in text or "각 편미분을" in text
            assert "odot" not in text.replace("\\odot", "")  # the glyph, or LaTeX's command


def _shifted_context() -> Context:
    """The same instances, but the noise's law centred at mu_k: it depends on mu_j."""
    instances = {}
    for n in (2, 3):
        eps = tuple(EPS_VEC[k] for k in range(1, n + 1))
        value = Mul(
            *(exp(-((e - MU_VEC[k]) ** 2) / 2) / sqrt(2 * pi) for k, e in enumerate(eps, 1))
        )
        noise = Function("phivec", positive=True)(*eps)
        g = Function("g")(*(MU_VEC[k] + SIGMA_VEC[k] * EPS_VEC[k] for k in range(1, n + 1)))
        instances[n] = Context(
            {"phivec": DensityFacts(noise, eps, (-oo, oo), value)},
            bindings={G_VEC: g, NOISE_VEC: noise},
        )
    return Context({}, dimension=LATENT, index=J, instances=instances)


def test_false_coordinate_steps_are_refused() -> None:
    draft = derive_elbo("any", "any")
    context = draft.contexts["reparam_d"]
    first, second = _steps(draft.stages)
    assert verify_step(first, context) == "instances"
    wrong = [
        replace(first, after=second.after),  # d/dmu_j on the left, d/dsigma_j on the right
        replace(first, after=2 * first.after),
        replace(first, after=S.Zero),  # both sides zero if j were left unreplaced
        replace(first, after=first.after + 1),
    ]
    for step in wrong:
        with pytest.raises(VerificationError):
            verify_step(step, context)
    with pytest.raises(VerificationError):  # the law depends on mu_j: the move is false
        verify_step(first, _shifted_context())
    derivative_only = Step(RULE, Derivative(Expect(G_VEC, NOISE_VEC), MU_VEC[J]), S.Zero)
    with pytest.raises(VerificationError):
        verify_step(derivative_only, context)


def _expectation(f, mu, sigma, nodes: int = 40) -> float:
    """E[f(mu + sigma eps)] over independent standard normal eps, by Gauss-Hermite."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    d = len(mu)
    grids = np.meshgrid(*([x] * d), indexing="ij")
    weights = np.prod(np.meshgrid(*([w] * d), indexing="ij"), axis=0)
    z = [mu[k] + sigma[k] * grids[k] for k in range(d)]
    return float(np.sum(weights * f(*z)))


@pytest.mark.parametrize("d", [2, 3])
def test_the_statement_holds_for_a_concrete_function(d: int) -> None:
    """g(z) = sin(z_1) z_2^2 (+ z_1 z_3): d/dtheta E[g] by central differences equals
    E[dg/dtheta] (the chain rule inside: dg/dmu_j = g_j, dg/dsigma_j = eps_j g_j)."""
    rng = np.random.default_rng(d)
    mu, sigma = rng.uniform(-1, 1, d), rng.uniform(0.5, 1.5, d)

    def g(*z):
        return np.sin(z[0]) * z[1] ** 2 + (z[0] * z[2] if d == 3 else 0)

    def partial(j):
        if j == 0:
            return lambda *z: np.cos(z[0]) * z[1] ** 2 + (z[2] if d == 3 else 0)
        if j == 1:
            return lambda *z: 2 * np.sin(z[0]) * z[1]
        return lambda *z: z[0]

    h = 1e-5
    for j in range(d):
        for which in ("mu", "sigma"):
            up, down = mu.copy(), mu.copy()
            s_up, s_down = sigma.copy(), sigma.copy()
            if which == "mu":
                up[j] += h
                down[j] -= h
            else:
                s_up[j] += h
                s_down[j] -= h
            numeric = (_expectation(g, up, s_up) - _expectation(g, down, s_down)) / (2 * h)
            gj = partial(j)
            if which == "mu":
                inside = _expectation(gj, mu, sigma)
            else:  # dg/dsigma_j = eps_j g_j(z), eps_j = (z_j - mu_j) / sigma_j
                inside = _expectation(
                    lambda *z, gj=gj, j=j: (z[j] - mu[j]) / sigma[j] * gj(*z), mu, sigma
                )
            assert numeric == pytest.approx(inside, rel=1e-6, abs=1e-8), (j, which)
