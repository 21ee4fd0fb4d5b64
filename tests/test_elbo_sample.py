"""kl-derive elbo --decoder any --prior any: the single-sample loss
-log p(x|z) - log p(z) + log q(z|x) at z = mu + sigma (.) eps, unbiased for -ELBO.

The derivation's printed result is evaluated on a concrete model (a linear-Gaussian decoder
and a two-dimensional Gaussian-mixture prior) at Monte-Carlo draws of the noise (fixed
seeds), and compared with the ELBO computed independently by SciPy quadrature."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import accepted_false_steps, katex_blocks
from scipy import integrate, stats
from sympy import Function, Indexed, IndexedBase, Sum, Symbol, lambdify, log, pi

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.elbo import derive_elbo
from kl_derive.symbolic.display import evaluate
from kl_derive.symbolic.objects import DIMENSION, VARIABLE

Z = VARIABLE


@pytest.fixture(scope="module")
def sample():
    return kl_derive.elbo("any", "any")


def test_the_loss_at_one_sample_ends_the_derivation(sample) -> None:
    keys = [s.key for s in sample.stages]
    assert keys[-1] == "elbo_sample" and "elbo_loss" not in keys
    stage = sample.stages[-1]
    assert [s.check for s in stage.steps] == ["symbolic"] * 5 + ["instances"] * 2
    assert str(sample.result_lhs) == "ell(epsilon)"
    mean = stage.chains[0]
    assert str(mean.steps[-1].after) == "-ELBO(x)"
    # only this combination: a decoder, a normal prior or a weight keep the former loss
    for kwargs in ({"decoder": "gaussian", "prior": "any"}, {"beta": 2}, {"prior": "normal"}):
        other = kl_derive.elbo(**{"decoder": "any", "prior": "any", **kwargs})
        assert "elbo_sample" not in [s.key for s in other.stages]


def test_false_steps_are_refused() -> None:
    draft = derive_elbo("any", "any")
    mutations = {
        "plus one": lambda e: e + 1,
        "doubled": lambda e: 2 * e,
        "negated": lambda e: -e,
    }
    assert accepted_false_steps(draft, mutations) == []
    stage = draft.stages[-1]
    by_rule = {s.rule: s for s in stage.steps}
    sigma = Symbol("sigma", positive=True)
    shifted = by_rule["elbo.sample_reparametrize"]
    # the noise scaled twice: then z does not have the encoder's law
    wrong = [replace(shifted, before=shifted.before.xreplace({sigma: 2 * sigma}))]
    log_q = by_rule["elbo.sample_log_q"]
    j, d = Symbol("j", integer=True, positive=True), DIMENSION
    eps_j, sigma_j = IndexedBase("epsilon", real=True)[j], IndexedBase("sigma", positive=True)[j]
    for change in (
        Sum(eps_j**2 / 2, (j, 1, d)),  # the full square of the noise, not its half
        d / 2 * log(2 * pi),  # the constant left out
        Sum(log(sigma_j), (j, 1, d)),  # the variance's logarithm, not the scale's
    ):
        wrong.append(replace(log_q, after=log_q.after - change))
    for step in wrong:
        with pytest.raises(VerificationError):
            verify_step(step, draft.contexts[step.facts])
    # the sign of the ELBO
    last = by_rule["elbo.sample_elbo"]
    with pytest.raises(VerificationError):
        verify_step(replace(last, after=-last.after), draft.contexts[last.facts])


# ---------------------------------------------------------------------------
# Monte Carlo of the printed loss against the ELBO by quadrature
# ---------------------------------------------------------------------------

#: the model: x | z ~ N(w . z + b, s^2), z ~ sum_k pi_k N(m_k, diag(t_k^2)) (d = 2)
MODELS = [
    {
        "x": 0.8,
        "w": (1.2, -0.7),
        "b": 0.3,
        "s": 0.9,
        "pi": (0.3, 0.7),
        "m": ((-1.5, 0.5), (1.0, -0.8)),
        "t": ((0.6, 1.1), (0.9, 0.5)),
        "mu": (0.4, -0.2),
        "sigma": (0.7, 0.45),
    },
    {
        "x": -2.1,
        "w": (0.5, 1.6),
        "b": -0.4,
        "s": 0.6,
        "pi": (0.55, 0.45),
        "m": ((2.0, 1.0), (-1.0, -1.2)),
        "t": ((0.8, 0.7), (1.3, 0.9)),
        "mu": (-0.9, -0.6),
        "sigma": (0.5, 0.8),
    },
]


def _log_normal(v, m: float, s: float):
    return -((v - m) ** 2) / (2 * s**2) - math.log(s) - math.log(2 * math.pi) / 2


def _log_likelihood(model: dict, z1, z2):
    mean = model["w"][0] * z1 + model["w"][1] * z2 + model["b"]
    return _log_normal(model["x"], mean, model["s"])


def _log_prior(model: dict, z1, z2):
    parts = [
        math.log(p) + _log_normal(z1, m[0], t[0]) + _log_normal(z2, m[1], t[1])
        for p, m, t in zip(model["pi"], model["m"], model["t"], strict=True)
    ]
    return np.logaddexp(*parts)


def _elbo_by_quadrature(model: dict) -> float:
    """E_q[log p(x|z) + log p(z) - log q(z|x)] by SciPy's dblquad over mu +- 10 sigma."""
    mu, sigma = model["mu"], model["sigma"]

    def integrand(z2: float, z1: float) -> float:
        log_q = _log_normal(z1, mu[0], sigma[0]) + _log_normal(z2, mu[1], sigma[1])
        value = _log_likelihood(model, z1, z2) + _log_prior(model, z1, z2) - log_q
        return math.exp(log_q) * value

    value, error = integrate.dblquad(
        integrand,
        mu[0] - 10 * sigma[0],
        mu[0] + 10 * sigma[0],
        mu[1] - 10 * sigma[1],
        mu[1] + 10 * sigma[1],
        epsabs=1e-11,
        epsrel=1e-11,
    )
    assert error < 1e-8
    return value


def _printed_loss(derivation):
    """The derivation's result as a NumPy function of (log p(x|z), log p(z), eps, sigma) in
    d = 2 coordinates."""
    lik = Function("pxgz", positive=True)(Z)
    prior = Function("p", positive=True)(Z)
    a, b = Symbol("log_lik"), Symbol("log_prior")
    result = evaluate(derivation.result).xreplace({log(lik): a, log(prior): b})
    result = result.xreplace({DIMENSION: 2}).doit()
    eps = [s for s in result.atoms(Indexed) if str(s).startswith("epsilon")]
    sig = [s for s in result.atoms(Indexed) if str(s).startswith("sigma")]
    assert {str(s) for s in eps} == {"epsilon[1]", "epsilon[2]"}, result
    assert {str(s) for s in sig} == {"sigma[1]", "sigma[2]"}, result
    assert result.atoms(Symbol, Indexed) - {a, b, *eps, *sig} <= {
        s.base.label for s in (*eps, *sig)
    }
    eps.sort(key=str)
    sig.sort(key=str)
    return lambdify((a, b, *eps, *sig), result, "numpy")


@pytest.mark.parametrize(("index", "seed"), [(0, 20261207), (1, 7)])
def test_monte_carlo_of_the_printed_loss_is_minus_the_elbo(sample, index, seed) -> None:
    model = MODELS[index]
    loss = _printed_loss(sample)
    rng = np.random.default_rng(seed)
    n = 400_000
    eps = rng.standard_normal((n, 2))
    mu, sigma = np.array(model["mu"]), np.array(model["sigma"])
    z = mu + sigma * eps
    values = loss(
        _log_likelihood(model, z[:, 0], z[:, 1]),
        _log_prior(model, z[:, 0], z[:, 1]),
        eps[:, 0],
        eps[:, 1],
        sigma[0],
        sigma[1],
    )
    mean, error = float(np.mean(values)), float(np.std(values) / math.sqrt(n))
    elbo = _elbo_by_quadrature(model)
    # the quadrature's log densities are SciPy's
    z1, z2, m = 0.3, -0.4, model
    assert math.isclose(
        _log_likelihood(m, z1, z2),
        stats.norm.logpdf(m["x"], m["w"][0] * z1 + m["w"][1] * z2 + m["b"], m["s"]),
    )
    assert abs(mean + elbo) < 4 * error, (mean, -elbo, error)
    # the test has power: leaving out the encoder's log density moves the mean by its
    # entropy, many standard errors away
    entropy = float(np.sum(np.log(sigma)) + math.log(2 * math.pi * math.e))
    assert entropy > 50 * error


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_and_katex(sample, lang) -> None:
    from kl_derive.cli_options import FORMATS

    for fmt in FORMATS:
        assert sample.render(fmt, lang).strip()
    assert r"\ell(x, \varepsilon)" in sample.render("latex", lang)
    text = sample.render("text", lang)
    assert "ℓ(x, ε)" in text and "in the instances ." not in text
    assert ("Gaussian-mixture prior" in text) == (lang == "en")
    katex_blocks([sample], lang)


# ---------------------------------------------------------------------------
# kl-derive code elbo --decoder any --prior any
# ---------------------------------------------------------------------------


def test_code_matches_the_printed_loss_and_is_unbiased(sample) -> None:
    import ast

    from kl_derive.codegen.elbo import sample_code

    namespace: dict = {}
    exec(compile(sample_code("numpy"), "vae_sample_loss.py", "exec"), namespace)
    code = namespace["vae_sample_loss"]
    for framework in ("torch", "jax", "tensorflow"):
        ast.parse(sample_code(framework))
    model = MODELS[0]
    printed = _printed_loss(sample)
    rng = np.random.default_rng(11)
    n = 400_000
    eps = rng.standard_normal((n, 2))
    mu, sigma = np.array(model["mu"]), np.array(model["sigma"])
    z = mu + sigma * eps
    lik, prior = _log_likelihood(model, z[:, 0], z[:, 1]), _log_prior(model, z[:, 0], z[:, 1])
    values = code(lik, prior, np.broadcast_to(2 * np.log(sigma), (n, 2)), eps)
    assert values.shape == (n,)
    expected = printed(lik, prior, eps[:, 0], eps[:, 1], sigma[0], sigma[1])
    assert np.allclose(values, expected, rtol=1e-12, atol=1e-12)
    mean, error = float(np.mean(values)), float(np.std(values) / math.sqrt(n))
    assert abs(mean + _elbo_by_quadrature(model)) < 4 * error


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--prior", "any", "--decoder", "gaussian"], "--decoder any"),
        (["--decoder", "any"], "--prior any"),
        (["--prior", "any", "--beta", "2"], "--beta is 1"),
        (["--prior", "laplace"], "prior"),
    ],
)
def test_code_command_line(args, fragment) -> None:
    import subprocess

    from conftest import console_script, one_line_error

    script = console_script()
    bad = subprocess.run(
        [script, "code", "elbo", *args], capture_output=True, text=True, timeout=120
    )
    one_line_error(bad, fragment)
    good = subprocess.run(
        [script, "code", "elbo", "--prior", "any", "--framework", "torch"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "def vae_sample_loss(log_likelihood, log_prior, logvar, eps):" in good.stdout
