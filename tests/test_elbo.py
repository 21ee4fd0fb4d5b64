"""kl-derive elbo: the ELBO down to the VAE loss, checked against numerics written
independently of the engine (SciPy quadrature on a conjugate Gaussian model whose evidence
and posterior are known, Monte Carlo with fixed seeds, hand-written losses)."""

from __future__ import annotations

import json
import math
import re
import subprocess
from dataclasses import replace

import numpy as np
import pytest
from conftest import accepted_false_steps, console_script, katex_blocks, one_line_error
from scipy import integrate, stats
from sympy import (
    Derivative,
    Expr,
    Float,
    Function,
    Integral,
    Symbol,
    exp,
    expand_log,
    lambdify,
    log,
    oo,
    pi,
    sqrt,
)

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.steps.rules import RULES
from kl_derive.symbolic.display import evaluate
from kl_derive.symbolic.objects import KL, VARIABLE, Expect

Z = VARIABLE
COMBINATIONS = [
    (decoder, prior)
    for decoder in ("gaussian", "gaussian-learned", "bernoulli", "any")
    for prior in ("normal", "any")
]


@pytest.fixture(scope="module")
def default():
    return kl_derive.elbo()


# ---------------------------------------------------------------------------
# the derivation itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("decoder", "prior"), COMBINATIONS)
@pytest.mark.slow
def test_every_step_is_verified_and_cites_a_known_rule(decoder, prior) -> None:
    d = kl_derive.elbo(decoder, prior, beta=3 if decoder == "bernoulli" else 1)
    assert d.quantity == "elbo"
    keys = [s.key for s in d.stages]
    assert keys[:4] == ["elbo_identity", "elbo_jensen", "elbo_split", "elbo_reparametrization"]
    assert ("elbo_prior" in keys) == (prior == "normal")
    for step in d.steps:
        assert step.check in {"symbolic", "instances"}, step.rule
        assert step.rule in RULES, step.rule


@pytest.mark.slow
def test_wrong_steps_are_refused() -> None:
    """Every step of every variant, its right side changed, is refused by the verifier."""
    from kl_derive.strategies.elbo import derive_elbo

    mutations = {"plus one": lambda e: e + 1, "doubled": lambda e: 2 * e}
    for decoder, prior in COMBINATIONS:
        draft = derive_elbo(decoder, prior, Symbol("beta", positive=True))
        assert accepted_false_steps(draft, mutations) == [], (decoder, prior)


def test_jensen_is_not_an_equality_and_the_derivative_stays_outside_q() -> None:
    """log E_q[Y] = E_q[log Y] is refused (it is Jensen's inequality); so is moving d/dmu
    inside an expectation under q, whose law depends on mu (only the noise's law does not)."""
    from kl_derive.steps.step import Step
    from kl_derive.steps.verify import verify_step
    from kl_derive.strategies.elbo import JOINT, MU, QF, derive_elbo

    draft = derive_elbo("any", "any")
    ratio = JOINT / QF
    with pytest.raises(VerificationError):
        verify_step(
            Step("x", log(Expect(ratio, QF)), Expect(log(ratio), QF)), draft.contexts["general"]
        )
    g = Function("g")(Z)
    wrong = Step("x", Derivative(Expect(g, QF), MU), Expect(Derivative(g, MU), QF))
    with pytest.raises(VerificationError):
        verify_step(wrong, draft.contexts["reparam"])


# ---------------------------------------------------------------------------
# stages 1-3 against a conjugate Gaussian model, by quadrature
# ---------------------------------------------------------------------------


def _normal(v: Expr, m: float, s: float) -> Expr:
    return exp(-((v - m) ** 2) / (2 * s**2)) / sqrt(2 * pi * s**2)


def _numeric(expr: Expr, densities: dict) -> float:
    """``expr`` (a side of a step) with the densities written out, expectations, KLs and
    integrals done by SciPy quadrature."""
    e = evaluate(expr).xreplace(densities)
    e = e.replace(
        lambda x: isinstance(x, KL), lambda x: Expect(log(x.args[0] / x.args[1]), x.args[0])
    )
    e = e.replace(
        lambda x: isinstance(x, Expect), lambda x: Integral(x.args[0] * x.args[1], (Z, -oo, oo))
    )

    def quad(integral: Integral) -> float:
        # the densities are positive: their logarithms split (no overflow in the tails);
        # every law here has its mass within |z| < 10, the rest below e^-40
        f = lambdify(Z, expand_log(integral.function, force=True), "math")
        value, _ = integrate.quad(f, -40, 40, epsabs=1e-13, epsrel=1e-11, limit=400)
        return value

    values = {i: Float(quad(i), 30) for i in e.atoms(Integral)}
    return float(e.xreplace(values).evalf(30))


@pytest.mark.parametrize(("x", "s", "m", "v"), [(0.7, 0.8, 0.2, 0.5), (-1.3, 1.5, -0.9, 1.1)])
def test_identity_jensen_and_split_on_a_conjugate_model(default, x, s, m, v) -> None:
    """z ~ N(0, 1), x | z ~ N(z, s^2): p(x) = N(x; 0, 1 + s^2) and
    p(z | x) = N(x/(1 + s^2), s^2/(1 + s^2)); q = N(m, v^2) any normal."""
    from kl_derive.strategies import elbo as e

    post_m, post_s = x / (1 + s**2), s / math.sqrt(1 + s**2)
    lik = _normal(Z, x, s)  # N(x; z, s^2) as a function of z
    densities = {
        e.QF: _normal(Z, m, v),
        e.PRIOR: _normal(Z, 0, 1),
        e.POSTERIOR: _normal(Z, post_m, post_s),
        e.LIKELIHOOD: lik,
        e.JOINT: lik * _normal(Z, 0, 1),
        e.EVIDENCE: _normal(Symbol("x"), 0, math.sqrt(1 + s**2)).subs(Symbol("x"), x),
    }
    densities[e.ELBO] = Expect(log(e.JOINT / e.QF), e.QF).xreplace(densities)
    log_evidence = stats.norm.logpdf(x, 0, math.sqrt(1 + s**2))
    # the evidence is the marginal of the joint (independently of the closed form)
    joint = integrate.quad(
        lambda z: stats.norm.pdf(x, z, s) * stats.norm.pdf(z), -np.inf, np.inf, epsabs=1e-14
    )[0]
    assert math.log(joint) == pytest.approx(log_evidence, rel=1e-10)
    checked = 0
    for stage in default.stages[:3]:
        for step in stage.steps:
            before, after = _numeric(step.before, densities), _numeric(step.after, densities)
            assert before == pytest.approx(after, rel=1e-8, abs=1e-10), step.rule
            checked += 1
    assert checked >= 10
    elbo = _numeric(e.ELBO, densities)
    gap = _numeric(KL(e.QF, e.POSTERIOR), densities)
    assert elbo + gap == pytest.approx(log_evidence, rel=1e-9)
    assert elbo < log_evidence and gap > 0  # Jensen, strictly: q is not the posterior
    # with q the posterior, the bound is tight
    densities[e.QF] = _normal(Z, post_m, post_s)
    densities[e.ELBO] = Expect(log(e.JOINT / e.QF), e.QF).xreplace(densities)
    assert _numeric(e.ELBO, densities) == pytest.approx(log_evidence, rel=1e-9)


# ---------------------------------------------------------------------------
# the reparametrization and the decoders, by Monte Carlo
# ---------------------------------------------------------------------------


def test_the_reparametrized_gradient_is_the_gradient_of_the_expectation() -> None:
    """d/dmu and d/dsigma of E_q[g(z)] (quadrature, central differences) against the
    mean of the pathwise derivatives g'(mu + sigma eps) and eps g'(mu + sigma eps)."""
    x, w, b, s = 1.1, 0.8, -0.3, 0.6

    def g(z):
        return stats.norm.logpdf(x, w * z + b, s)

    def g_prime(z):
        return w * (x - w * z - b) / s**2

    def mean(mu, sigma):
        return integrate.quad(lambda z: stats.norm.pdf(z, mu, sigma) * g(z), -np.inf, np.inf)[0]

    mu, sigma, h = 0.4, 0.7, 1e-5
    d_mu = (mean(mu + h, sigma) - mean(mu - h, sigma)) / (2 * h)
    d_sigma = (mean(mu, sigma + h) - mean(mu, sigma - h)) / (2 * h)
    eps = np.random.default_rng(16).standard_normal(400_000)
    for expected, samples in (
        (d_mu, g_prime(mu + sigma * eps)),
        (d_sigma, eps * g_prime(mu + sigma * eps)),
    ):
        se = samples.std(ddof=1) / math.sqrt(samples.size)
        assert abs(samples.mean() - expected) < 4 * se
    # the naive swap (differentiating g with the sample held at z ~ q) misses d_sigma
    z = mu + sigma * eps
    assert abs(np.mean(np.zeros_like(z)) - d_sigma) > 0.1


def _reconstruction(decoder: str, values: dict, size: int) -> float:
    from kl_derive.strategies.elbo_parts import D, reconstruction

    expr = evaluate(reconstruction(decoder)).xreplace({D: size}).doit()
    return float(expr.xreplace(values).evalf(30))


@pytest.mark.slow
def test_gaussian_reconstruction_term_against_monte_carlo() -> None:
    """E_q[log p(x | z)] for a linear decoder x_hat = W z + c (D = 3, d = 2): the derived
    per-sample term averaged over z = mu + sigma * eps, against SciPy's log density and
    against the exact Gaussian expectation."""
    from kl_derive.strategies.elbo_parts import DATA, S_DEC, XHAT

    rng = np.random.default_rng(7)
    w, c = rng.normal(size=(3, 2)), rng.normal(size=3)
    x, mu, sigma, s = rng.normal(size=3), rng.normal(size=2), rng.uniform(0.3, 1.2, 2), 0.7
    eps = rng.standard_normal((20_000, 2))
    x_hat = (mu + sigma * eps) @ w.T + c
    derived = np.array(
        [
            _reconstruction(
                "gaussian",
                {
                    S_DEC: s,
                    **{DATA[i + 1]: x[i] for i in range(3)},
                    **{XHAT[i + 1]: row[i] for i in range(3)},
                },
                3,
            )
            for row in x_hat[:200]
        ]
    )
    scipy_values = stats.norm.logpdf(x, x_hat, s).sum(axis=1)
    assert np.allclose(derived, scipy_values[:200], rtol=1e-12, atol=1e-12)
    # exact: E||x - W z - c||^2 = ||x - W mu - c||^2 + sum_ij W_ij^2 sigma_j^2
    exact = -(np.sum((x - w @ mu - c) ** 2) + np.sum(w**2 * sigma**2)) / (
        2 * s**2
    ) - 1.5 * math.log(2 * math.pi * s**2)
    se = scipy_values.std(ddof=1) / math.sqrt(scipy_values.size)
    assert abs(scipy_values.mean() - exact) < 4 * se


def _hand_loss(decoder: str, x, out, mu, sigma, beta: float) -> float:
    """The per-sample loss written from SciPy's log densities and the KL by quadrature."""
    if decoder == "gaussian":
        data = -stats.norm.logpdf(x, out["x_hat"], out["s"]).sum()
    elif decoder == "gaussian-learned":
        data = -stats.norm.logpdf(x, out["x_hat"], out["s_hat"]).sum()
    else:
        data = -stats.bernoulli.logpmf(x, out["p_hat"]).sum()
    kl = sum(
        integrate.quad(
            lambda z, m=m, sg=sg: (
                stats.norm.pdf(z, m, sg) * (stats.norm.logpdf(z, m, sg) - stats.norm.logpdf(z))
            ),
            -np.inf,
            np.inf,
            epsabs=1e-13,
        )[0]
        for m, sg in zip(mu, sigma, strict=True)
    )
    return data + beta * kl


@pytest.mark.parametrize("decoder", ["gaussian", "gaussian-learned", "bernoulli"])
@pytest.mark.slow
def test_the_loss_against_a_hand_written_one(decoder) -> None:
    from kl_derive.strategies import elbo_parts as parts

    beta = 2.5
    d = kl_derive.elbo(decoder, beta="2.5")
    rng = np.random.default_rng(3)
    for _ in range(3):
        size, latent = 4, 3
        x = (
            rng.integers(0, 2, size).astype(float)
            if decoder == "bernoulli"
            else rng.normal(size=size)
        )
        out = {
            "x_hat": rng.normal(size=size),
            "s": 0.9,
            "s_hat": rng.uniform(0.3, 2, size),
            "p_hat": rng.uniform(0.05, 0.95, size),
        }
        mu, sigma = rng.normal(size=latent), rng.uniform(0.3, 2, latent)
        values = {parts.S_DEC: out["s"]}
        for i in range(size):
            values.update(
                {
                    parts.DATA[i + 1]: x[i],
                    parts.XHAT[i + 1]: out["x_hat"][i],
                    parts.SHAT[i + 1]: out["s_hat"][i],
                    parts.PHAT[i + 1]: out["p_hat"][i],
                }
            )
        for j in range(latent):
            values.update({parts.MU[j + 1]: mu[j], parts.SIGMA[j + 1]: sigma[j]})
        result = d.result.xreplace({parts.D: size, parts.LATENT: latent}).doit()
        got = float(result.xreplace(values).evalf(30))
        assert got == pytest.approx(_hand_loss(decoder, x, out, mu, sigma, beta), rel=1e-9)


# ---------------------------------------------------------------------------
# kl-derive code elbo
# ---------------------------------------------------------------------------


def _run_generated(source: str, framework: str):
    from types import SimpleNamespace

    torch_like = SimpleNamespace(
        **{n: getattr(np, n) for n in ("log", "exp", "abs", "expm1", "log1p", "pi")},
        sum=lambda a, dim: np.sum(a, axis=dim),
        as_tensor=lambda a, dtype=None, device=None: np.asarray(a, dtype=float),
    )
    tf_like = SimpleNamespace(
        math=SimpleNamespace(
            **{n: getattr(np, n) for n in ("log", "exp", "abs", "expm1", "log1p")}
        ),
        abs=np.abs,
        reduce_sum=lambda a, axis: np.sum(a, axis=axis),
    )
    stand_in = {
        "numpy": {},
        "torch": {"torch": torch_like},
        "jax": {"jnp": np},
        "tensorflow": {"tf": tf_like},
    }
    lines = source.splitlines()
    if framework != "numpy":
        lines = [line for line in lines if not line.startswith("import ")]
    namespace = {"np": np, **stand_in[framework]}
    exec(compile("\n".join(lines), "generated", "exec"), namespace)  # our own generated code
    return namespace["vae_loss"]


def _reference(decoder, x, out, mu, logvar, beta):
    sigma = np.exp(logvar / 2)
    kl = 0.5 * np.sum(mu**2 + sigma**2 - np.log(sigma**2) - 1, axis=-1)
    if decoder == "gaussian":
        data = -stats.norm.logpdf(x, out["x_hat"], out["scale"]).sum(axis=-1)
    elif decoder == "gaussian-learned":
        data = -stats.norm.logpdf(x, out["x_hat"], np.exp(out["x_logvar"] / 2)).sum(axis=-1)
    else:
        p = 1 / (1 + np.exp(-out["logits"]))
        data = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=-1)
    return data + beta * kl


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
@pytest.mark.parametrize("decoder", ["gaussian", "gaussian-learned", "bernoulli"])
def test_generated_loss_computes_the_reference(framework, decoder) -> None:
    from kl_derive.codegen.elbo import elbo_code

    f = _run_generated(elbo_code(framework, decoder, "4"), framework)
    rng = np.random.default_rng(5)
    batch, size, latent = 6, 5, 3
    x = (
        rng.integers(0, 2, (batch, size)).astype(float)
        if decoder == "bernoulli"
        else rng.normal(size=(batch, size))
    )
    out = {
        "x_hat": rng.normal(size=(batch, size)),
        "x_logvar": rng.normal(size=(batch, size)),
        "logits": rng.normal(0, 3, (batch, size)),
        "scale": 0.8,
    }
    mu, logvar = rng.normal(size=(batch, latent)), rng.normal(size=(batch, latent))
    args = {
        "gaussian": (x, out["x_hat"], mu, logvar, out["scale"]),
        "gaussian-learned": (x, out["x_hat"], out["x_logvar"], mu, logvar),
        "bernoulli": (x, out["logits"], mu, logvar),
    }[decoder]
    got = f(*args)  # beta defaults to the 4 given
    assert got.shape == (batch,)
    assert np.allclose(got, _reference(decoder, x, out, mu, logvar, 4.0), rtol=1e-12, atol=1e-12)
    assert np.allclose(f(*args, beta=1.0), _reference(decoder, x, out, mu, logvar, 1.0), rtol=1e-12)


def test_generated_bernoulli_loss_is_finite_at_large_logits() -> None:
    from kl_derive.codegen.elbo import elbo_code

    f = _run_generated(elbo_code("numpy", "bernoulli"), "numpy")
    logits = np.array([[800.0, -800.0, 40.0, -40.0]])
    x = np.array([[1.0, 0.0, 0.0, 1.0]])
    got = f(x, logits, np.zeros((1, 2)), np.zeros((1, 2)))
    assert np.isfinite(got).all() and got[0] == pytest.approx(80.0, rel=1e-12)


@pytest.mark.slow
def test_code_elbo_command_line(tmp_path) -> None:
    script = console_script()
    done = subprocess.run(
        [script, "code", "elbo", "--framework", "torch", "--decoder", "bernoulli", "--beta", "4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "def vae_loss(x, logits, mu, logvar, beta=4.0):" in done.stdout
    out = tmp_path / "loss.py"
    assert subprocess.run([script, "code", "elbo", "-o", str(out)], timeout=120).returncode == 0
    assert "def vae_loss(x, x_hat, mu, logvar, scale=1.0, beta=1.0):" in out.read_text()
    for args, fragment in (
        (["--decoder", "any"], "decoder"),
        (["--framework", "pytorch"], "framework"),
        (["--beta", "-2"], "beta"),
        (["--beta", "beta"], "beta"),
    ):
        bad = subprocess.run(
            [script, "code", "elbo", *args], capture_output=True, text=True, timeout=120
        )
        one_line_error(bad, fragment)


# ---------------------------------------------------------------------------
# the API, rendering, the command line
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"decoder": "poisson"}, KLDeriveError, "unknown decoder"),
        ({"prior": "laplace"}, KLDeriveError, "unknown prior"),
        ({"beta": -1}, KLDeriveError, "positive"),
        ({"beta": 0}, KLDeriveError, "positive"),
        ({"beta": "1e400"}, KLDeriveError, "finite"),
        ({"beta": float("nan")}, KLDeriveError, "finite"),
        ({"beta": "2*x"}, KLDeriveError, "positive number"),
        ({"beta": "__import__('os')"}, KLDeriveError, "positive number"),
        ({"beta": None}, TypeError, "beta"),
        ({"beta": True}, TypeError, "beta"),
        ({"inline": "yes"}, TypeError, "inline"),
        ({"lang": None}, TypeError, "lang"),
    ],
)
def test_bad_arguments(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        kl_derive.elbo(**kwargs)


def test_inline_includes_the_seed_derivation(default) -> None:
    inline = kl_derive.elbo(inline=True)
    keys = [s.key for s in inline.stages]
    seed = kl_derive.derive("normal(mu_j, sigma_j)", "normal(0, 1)")
    at = keys.index("elbo_prior")
    assert keys[at - len(seed.stages) : at] == [s.key for s in seed.stages]
    assert len(inline.steps) == len(default.steps) + len(seed.steps)
    assert inline.call == "kl_derive.elbo(inline=True)"
    assert "--detail full" in inline.command


@pytest.mark.slow
def test_beta_is_in_the_loss() -> None:
    d = kl_derive.elbo(beta="beta")
    beta = next(s for s in d.result.free_symbols if str(s) == "beta")
    assert d.result.diff(beta) != 0
    assert kl_derive.elbo(beta=0.5).settings["beta"] == "1/2"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(default, lang) -> None:
    others = [kl_derive.elbo("bernoulli", beta="beta"), kl_derive.elbo("any", "any")]
    for d in (default, *others):
        for fmt in FORMATS:
            assert d.render(fmt, lang).strip()
        assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))  # every placeholder filled
        data = json.loads(d.render("json", lang))
        assert all(step["verified"] for step in data["steps"])
        notebook = json.loads(d.render("ipynb", lang))
        source = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "kl_derive.elbo(" in source
    assert "kl-derive elbo" in default.render("latex", lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_markdown_renders_with_katex(default, lang) -> None:
    katex_blocks([default, kl_derive.elbo("gaussian-learned", beta="beta", inline=True)], lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("target", ["onecolumn", "twocolumn", "beamer", "beamer169"])
@pytest.mark.slow
def test_latex_fits_the_page(target, lang, tmp_path) -> None:
    from layout_check import compile_target

    names = ["elbo", "elbo-learned-inline", "elbo-bernoulli-beta", "elbo-any"]
    result = compile_target(target, lang, tmp_path, names)
    assert result.returncode == 0 and not result.errors, result.errors[:3]
    assert not result.bad(), [(o.points, o.owner) for o in result.bad()]


@pytest.mark.slow
def test_command_line() -> None:
    script = console_script()
    done = subprocess.run(
        [
            script,
            "elbo",
            "--decoder",
            "gaussian-learned",
            "--beta",
            "4",
            "--to",
            "text",
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "L_β(x)" in done.stdout and "s\u0302ᵢ" in done.stdout  # s-hat, subscript i
    runs = {}
    for detail in ("standard", "full"):
        run = subprocess.run(
            [script, "elbo", "--detail", detail, "--to", "text", "--no-cache"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        runs[detail] = len(re.findall(r"^Step \d+:", run.stdout, re.M))
    seed = kl_derive.derive("normal(mu_j, sigma_j)", "normal(0, 1)")
    assert runs == {"standard": 7, "full": 7 + len(seed.stages)}  # the seed inlined
    for args, fragment in (
        (["--decoder", "poisson"], "decoder"),
        (["--prior", "laplace"], "prior"),
        (["--beta", "-1"], "beta"),
        (["--beta", "0"], "beta"),
        (["--beta", "nan"], "beta"),
        (["--beta", "inf"], "beta"),
        (["--beta", "1e400"], "beta"),
        (["--param", "logvar"], "param"),
        (["normal"], "normal"),
    ):
        bad = subprocess.run([script, "elbo", *args], capture_output=True, text=True, timeout=300)
        one_line_error(bad, fragment)


def test_the_command_line_lists_are_the_strategys() -> None:
    from kl_derive.cli_elbo import DECODERS, PRIORS
    from kl_derive.strategies import elbo

    assert DECODERS == elbo.DECODERS and PRIORS == elbo.PRIORS


def test_a_request_without_settings_keeps_its_cache_key() -> None:
    from kl_derive.batch import Request

    plain = Request("kl", "normal", None, "latex", "en")
    assert "settings" not in plain.key_data() and "settings" not in plain.derivation_data()
    with_settings = replace(plain, quantity="elbo", settings=(("decoder", "bernoulli"),))
    assert with_settings.key_data()["settings"] == (("decoder", "bernoulli"),)


@pytest.mark.parametrize("page", [None, "twocolumn"])
@pytest.mark.slow
def test_typst_compiles_inside_the_page(page, tmp_path) -> None:
    import re as _re

    from test_typst import compile_typst, outside

    from kl_derive.render.page import resolve_page
    from kl_derive.render.typst import typst_page

    geometry = typst_page(resolve_page("typst", page))
    for i, d in enumerate((kl_derive.elbo(inline=True), kl_derive.elbo("bernoulli", beta="beta"))):
        for lang in ("en", "ko"):
            source = tmp_path / f"e{i}-{lang}.typ"
            source.write_text(d.render("typst", lang, standalone=True, page=page), encoding="utf-8")
            pdf = source.with_suffix(".pdf")
            assert compile_typst(source, pdf) == []
            assert int(_re.search(rb"/Count (\d+)", pdf.read_bytes()).group(1)) >= 2
            assert outside(pdf, geometry) == []
