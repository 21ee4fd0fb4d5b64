"""`kl-derive code`: generated functions, executed and compared with independent references.

References, each independent of the generated code:

* the textbook closed form written directly in NumPy;
* numeric integration of p * log(p / q) (``scipy.integrate.quad`` over
  ``scipy.stats.norm.logpdf``);
* for the multivariate normal, a direct NumPy formula with ``inv`` and ``det``, and Monte
  Carlo (200,000 samples; the estimate must lie within 3 standard errors);
* ``torch.distributions.kl_divergence`` where torch is installed (skipped otherwise);
* mpmath at 50 digits for the stability cases (logvar = -30 and +30, a KL near 0, scales
  that overflow when squared).

JAX and TensorFlow are not installed: their code is compiled, its names checked, and it is
run against a NumPy stand-in for the module, which catches a wrong call shape but not a
wrong library function; that part needs the real libraries.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import types
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import sympy as sp
from conftest import one_line_error, run_module
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, stats
from scipy import special as scipy_special

from kl_derive import derive
from kl_derive.codegen import (
    FRAMEWORKS,
    PARAMETRIZATIONS,
    REDUCTIONS,
    code_for,
    generate,
    generate_mvn,
    mvn_kl_expression,
    stabilize,
)
from kl_derive.errors import KLDeriveError

SHAPE = (3, 4)  # (batch, latent)
EXAMPLES = settings(max_examples=20, deadline=None)
PAIRS = {
    "scale": ("normal(mu1, sigma1)", "normal(mu2, sigma2)"),
    "logvar": ("normal(mu1, exp(logvar1/2))", "normal(mu2, exp(logvar2/2))"),
    "variance": ("normal(mu1, sqrt(var1))", "normal(mu2, sqrt(var2))"),
}


# -- helpers --------------------------------------------------------------------------------
def load(source: str, name: str = "kl_divergence", **modules: object) -> Callable[..., object]:
    """Execute generated source in a fresh namespace and return its function.

    ``modules`` replaces the source's import lines (a stand-in module for a framework
    that is not installed).
    """
    if modules:
        source = "\n".join(
            line for line in source.splitlines() if not line.startswith(("import ", "from "))
        )
    namespace: dict[str, object] = dict(modules)
    exec(compile(source, f"<generated {name}>", "exec"), namespace)
    return namespace[name]  # type: ignore[return-value]


@functools.cache
def source_for(
    spec_p: str | None, spec_q: str | None, framework: str, param: str, reduce: str
) -> str:
    return code_for(spec_p, spec_q, framework=framework, param=param, reduce=reduce)


@functools.cache
def numpy_function(
    spec_p: str | None, spec_q: str | None = None, param: str = "logvar", reduce: str = "sum"
) -> Callable[..., np.ndarray]:
    return load(source_for(spec_p, spec_q, "numpy", param, reduce))  # type: ignore[return-value]


def to_scale(param: str, value: np.ndarray) -> np.ndarray:
    """The standard deviation for an encoder output in parametrization ``param``."""
    return {
        "logvar": lambda v: np.exp(v / 2),
        "scale": lambda v: v,
        "variance": np.sqrt,
        "logscale": np.exp,
    }[param](value)


def textbook_kl(m1, s1, m2=0.0, s2=1.0):
    """KL(N(m1, s1^2) || N(m2, s2^2)) as textbooks print it, elementwise."""
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def quad_kl(m1: float, s1: float, m2: float = 0.0, s2: float = 1.0) -> float:
    """KL by numeric integration of p log(p/q) over mean +- 14 standard deviations."""

    def integrand(x: float) -> float:
        log_p = stats.norm.logpdf(x, m1, s1)
        return math.exp(log_p) * (log_p - stats.norm.logpdf(x, m2, s2))

    value, _ = integrate.quad(
        integrand, m1 - 14 * s1, m1 + 14 * s1, points=[m1], epsabs=1e-13, epsrel=1e-11, limit=200
    )
    return value


def quad_grid(m1, s1, m2=None, s2=None) -> np.ndarray:
    m2 = np.zeros_like(m1) if m2 is None else m2
    s2 = np.ones_like(s1) if s2 is None else s2
    flat = [
        quad_kl(*map(float, args))
        for args in zip(*(a.ravel() for a in (m1, s1, m2, s2)), strict=True)
    ]
    return np.array(flat).reshape(m1.shape)


def check_reductions(call: Callable[[str], np.ndarray], elementwise: np.ndarray, **tol) -> None:
    """The three reductions of the generated function against an elementwise reference."""
    expected = {"none": elementwise, "sum": elementwise.sum(-1), "mean": elementwise.mean(-1)}
    for how in REDUCTIONS:
        got = call(how)
        assert got.shape == expected[how].shape, how
        np.testing.assert_allclose(got, expected[how], **tol)


def arrays(low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, SHAPE, elements=st.floats(low, high))


PARAM_RANGES = {
    "logvar": (-4.0, 4.0),
    "scale": (0.15, 6.0),
    "variance": (0.02, 30.0),
    "logscale": (-2.0, 2.0),
}


def free_names(source: str) -> set[str]:
    """Names the generated function reads without defining them (modules, builtins)."""
    tree = ast.parse(source)
    (function,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    defined = {a.arg for a in function.args.args}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    return {
        n.id
        for n in ast.walk(function)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in defined
    }


# -- the shape of the output ----------------------------------------------------------------
def test_numpy_logvar_source_reads_like_vae_code() -> None:
    source = source_for("normal", None, "numpy", "logvar", "sum")
    assert source.startswith("import numpy as np\n\n\ndef kl_divergence(mu, logvar):\n")
    assert "kl = 0.5*(mu**2 + np.expm1(logvar) - logvar)" in source
    assert "return np.sum(kl, axis=-1)" in source
    assert "(batch, latent)" in source and "(batch,)" in source
    assert "sqrt" not in source.split('"""')[-1]  # exp(logvar) is never rebuilt from a sigma


@pytest.mark.parametrize("param", list(PARAMETRIZATIONS))
def test_parameters_are_named_as_in_the_spec(param: str) -> None:
    source = source_for(None, None, "numpy", param, "sum")
    symbol = {"logvar": "logvar", "scale": "sigma", "variance": "var", "logscale": "logsigma"}
    assert f"def kl_divergence(mu, {symbol[param]}):" in source
    assert PARAMETRIZATIONS[param] in source  # the docstring says which KL it is


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_docstring_states_the_shapes(reduce: str) -> None:
    source = source_for("normal", None, "torch", "logvar", reduce)
    returns = source.split("Returns:")[1]
    assert {"sum": "(batch,)", "mean": "(batch,)", "none": "(batch, latent)"}[reduce] in returns
    assert "tensor of shape (batch, latent)" in source
    expected = {"sum": "torch.sum(kl, dim=-1)", "mean": "torch.mean(kl, dim=-1)", "none": "kl"}
    assert f"return {expected[reduce]}\n" in source


def test_stable_rewrites_in_the_source() -> None:
    scale = source_for("normal", None, "numpy", "scale", "sum")
    assert "np.log(sigma)" in scale and "sigma**2)" not in scale.split('"""')[-1]
    pair = source_for(*PAIRS["scale"], "numpy", "logvar", "sum")
    body = pair.split('"""')[-1]
    assert "np.log(sigma2) - np.log(sigma1)" in body  # not log(sigma2/sigma1)
    assert "sigma2**2" not in body  # squares over squares become (ratio)**2
    assert "t0 = sigma1/sigma2" in body and "t1 = (mu1 - mu2)/sigma2" in body
    logvar_pair = source_for(*PAIRS["logvar"], "numpy", "logvar", "sum")
    assert "np.expm1(logvar1 - logvar2)" in logvar_pair  # exp(lv1)*exp(-lv2) combined


def test_stabilize_keeps_the_value() -> None:
    for spec_p, spec_q in [*PAIRS.values(), *((p, None) for p in PARAMETRIZATIONS.values())]:
        result = derive(spec_p, spec_q).result
        form = stabilize(result)
        point = {
            s: sp.Rational(7, 5) + i for i, s in enumerate(sorted(result.free_symbols, key=str))
        }
        value = form.value().rewrite(sp.exp).xreplace(point).evalf(40)
        assert abs(value - result.xreplace(point).evalf(40)) < 1e-30


# -- NumPy: executed and compared -----------------------------------------------------------
@pytest.mark.parametrize("param", list(PARAMETRIZATIONS))
@EXAMPLES
@given(data=st.data())
def test_numpy_matches_closed_form_and_quadrature(param: str, data: st.DataObject) -> None:
    mu = data.draw(arrays(-3.0, 3.0), label="mu")
    value = data.draw(arrays(*PARAM_RANGES[param]), label=param)
    sigma = to_scale(param, value)
    closed = textbook_kl(mu, sigma)
    quadrature = quad_grid(mu, sigma)
    np.testing.assert_allclose(closed, quadrature, rtol=1e-7, atol=1e-9)  # the references agree

    def call(how: str) -> np.ndarray:
        return numpy_function("normal", None, param, how)(mu, value)

    check_reductions(call, closed, rtol=1e-12, atol=1e-13)
    check_reductions(call, quadrature, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", list(PAIRS))
@EXAMPLES
@given(data=st.data())
def test_numpy_general_pair(kind: str, data: st.DataObject) -> None:
    m1, m2 = data.draw(arrays(-3.0, 3.0), label="mu1"), data.draw(arrays(-3.0, 3.0), label="mu2")
    v1 = data.draw(arrays(*PARAM_RANGES[kind]), label="scale1")
    v2 = data.draw(arrays(*PARAM_RANGES[kind]), label="scale2")
    s1, s2 = to_scale(kind, v1), to_scale(kind, v2)
    closed = textbook_kl(m1, s1, m2, s2)
    quadrature = quad_grid(m1, s1, m2, s2)
    np.testing.assert_allclose(closed, quadrature, rtol=1e-7, atol=1e-9)

    def call(how: str) -> np.ndarray:
        return numpy_function(*PAIRS[kind], reduce=how)(m1, v1, m2, v2)

    check_reductions(call, closed, rtol=1e-11, atol=1e-12)
    check_reductions(call, quadrature, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    ("spec_p", "spec_q"),
    [
        ("normal(m, exp(s))", "normal(1, 2)"),
        ("normal(mu, exp(logvar/2))", "normal(0, 2)"),
        ("normal(mu, 1/tau)", None),
        ("normal(mu, sigma)", "normal(mu, tau)"),  # mu cancels: still an input, shape kept
        ("normal(mu, sigma)", "normal(mu, sigma)"),  # the KL is 0
        ("normal(a, sigma)", "normal(b, exp(c))"),
    ],
)
def test_numpy_other_specs_match_lambdify(spec_p: str, spec_q: str | None) -> None:
    result = derive(spec_p, spec_q).result
    source = source_for(spec_p, spec_q, "numpy", "logvar", "none")
    function = load(source)
    params = ast.parse(source).body[-1].args.args  # type: ignore[attr-defined]
    names = [a.arg for a in params]
    rng = np.random.default_rng(7)
    values = {n: rng.uniform(0.3, 2.0, SHAPE) for n in names}
    got = function(*values.values())
    assert got.shape == SHAPE
    by_name = {s.name: s for s in result.free_symbols}
    symbols = [by_name[n] for n in names if n in by_name]
    reference = sp.lambdify(symbols, result, "numpy")(*(values[s.name] for s in symbols))
    np.testing.assert_allclose(got, np.broadcast_to(reference, SHAPE), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("spec_p", "spec_q", "param"),
    [
        ("diag_normal", None, "logvar"),
        ("diag_normal", None, "scale"),
        ("diag_normal(mu, sigma)", "diag_normal(nu, tau)", "logvar"),
    ],
)
def test_diag_normal_is_printed_per_coordinate(spec_p: str, spec_q: str | None, param: str) -> None:
    # Sum(f(mu[j], sigma[j]), (j, 1, d)): f elementwise, the coordinates on the last axis
    source = source_for(spec_p, spec_q, "numpy", param, "sum")
    assert "[j]" not in source and "Sum" not in source
    rng = np.random.default_rng(5)
    mu, value = rng.normal(size=SHAPE), rng.uniform(0.3, 2.0, SHAPE)
    if spec_q is None:
        got = load(source)(mu, value)
        expected = textbook_kl(mu, to_scale(param, value)).sum(-1)
    else:
        nu, tau = rng.normal(size=SHAPE), rng.uniform(0.3, 2.0, SHAPE)
        got = load(source)(mu, value, nu, tau)
        expected = textbook_kl(mu, value, nu, tau).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_generate_with_own_names_and_symbols() -> None:
    mu, logvar = sp.symbols("mu logvar", real=True)
    result = derive("normal(mu, exp(logvar/2))").result
    source = generate(
        result,
        framework="numpy",
        reduce="none",
        inputs=[("z_mean", mu), ("z_log_var", logvar)],
        name="vae_kl",
        doc="The VAE's KL term.",
    )
    assert "def vae_kl(z_mean, z_log_var):" in source
    assert '"""The VAE\'s KL term.' in source
    function = load(source, "vae_kl")
    np.testing.assert_allclose(function(np.array([1.0]), np.array([0.0])), [0.5], rtol=1e-15)


# -- stability ------------------------------------------------------------------------------
def mp_kl_logvar(mu: float, logvar: float) -> float:
    """The KL for the logvar parametrization in 50-digit arithmetic."""
    with mpmath.workdps(50):
        mu_, lv = mpmath.mpf(mu), mpmath.mpf(logvar)
        return float((mu_**2 + mpmath.exp(lv) - lv - 1) / 2)


@pytest.mark.parametrize("logvar", [-30.0, 30.0])
def test_logvar_extremes_are_finite_and_exact(logvar: float) -> None:
    mu = np.array([[0.0, 0.5, -2.0, 1e-3]])
    lv = np.full_like(mu, logvar)
    got = numpy_function("normal", reduce="none")(mu, lv)
    assert np.all(np.isfinite(got))
    expected = np.array([[mp_kl_logvar(m, logvar) for m in mu[0]]])
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_allclose(
        numpy_function("normal", reduce="sum")(mu, lv), expected.sum(-1), rtol=1e-14
    )


def test_logvar_near_zero_kl_keeps_its_digits() -> None:
    # KL ~ logvar**2/4 ~ 1e-17: exp(lv) - lv - 1 cancels to noise, expm1(lv) - lv does not
    lv = np.array([1e-8, -3e-8, 2e-9, 5e-7])
    mu = np.zeros_like(lv)
    got = numpy_function("normal", reduce="none")(mu, lv)
    expected = np.array([mp_kl_logvar(0.0, x) for x in lv])
    np.testing.assert_allclose(got, expected, rtol=1e-7)
    naive = 0.5 * (mu**2 + np.exp(lv) - lv - 1)
    assert np.max(np.abs(naive / expected - 1)) > 1e-3  # why expm1 is printed


def test_scales_that_overflow_when_squared() -> None:
    m1, s1 = np.array([0.0, 1.0, 0.0]), np.array([1e200, 1e-300, 1e-200])
    m2, s2 = np.array([1.0, 0.0, 0.0]), np.array([1e200, 1e300, 1e-200])
    got = numpy_function(*PAIRS["scale"], reduce="none")(m1, s1, m2, s2)
    assert np.all(np.isfinite(got))
    expected = []
    with mpmath.workdps(50):
        for a, b, c, d in zip(m1, s1, m2, s2, strict=True):
            a_, b_, c_, d_ = (mpmath.mpf(float(x)) for x in (a, b, c, d))
            kl = mpmath.log(d_ / b_) + (b_**2 + (a_ - c_) ** 2) / (2 * d_**2) - 0.5
            expected.append(float(kl))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-300)
    with np.errstate(all="ignore"):
        assert not np.all(np.isfinite(textbook_kl(m1, s1, m2, s2)))  # the textbook form fails
    # one scale alone: log(sigma**2) underflows to log(0), -log(sigma) does not
    sigma = np.array([1e-200])
    got = numpy_function("normal", param="scale", reduce="none")(np.zeros(1), sigma)
    np.testing.assert_allclose(got, [200 * math.log(10) - 0.5], rtol=1e-14)


# -- the multivariate normal ----------------------------------------------------------------
def random_spd(rng: np.random.Generator, batch: tuple[int, ...], d: int) -> np.ndarray:
    a = rng.normal(size=(*batch, d, d))
    return a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(d)


def mvn_direct(m1, S1, m2, S2) -> np.ndarray:
    """The textbook formula with an explicit inverse and determinants."""
    inverse = np.linalg.inv(S2)
    diff = m2 - m1
    return 0.5 * (
        np.trace(inverse @ S1, axis1=-2, axis2=-1)
        + np.einsum("...i,...ij,...j->...", diff, inverse, diff)
        - m1.shape[-1]
        + np.log(np.linalg.det(S2))
        - np.log(np.linalg.det(S1))
    )


@functools.cache
def mvn_numpy() -> Callable[..., np.ndarray]:
    return load(generate_mvn("numpy"), "mvn_kl_divergence")  # type: ignore[return-value]


def test_mvn_source_uses_cholesky_and_solves() -> None:
    for framework, solve in [
        ("numpy", "solve_triangular(L2, L1, lower=True)"),
        ("torch", "torch.linalg.solve_triangular(L2, L1, upper=False)"),
    ]:
        source = generate_mvn(framework)
        body = source.split('"""')[-1]
        assert "def mvn_kl_divergence(m1, S1, m2, S2):" in source
        assert "cholesky(S1)" in body and "cholesky(S2)" in body and solve in body
        assert "inv" not in body and "det(" not in body
        assert "return 0.5*(trace_term + mahalanobis - d + logdet_S2 - logdet_S1)" in body
    assert code_for("mvn", framework="torch") == generate_mvn("torch")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.sampled_from([2, 3]))
def test_mvn_numpy_matches_direct_formula(seed: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    m1, m2 = rng.normal(size=(4, d)), rng.normal(size=(4, d))
    S1, S2 = random_spd(rng, (4,), d), random_spd(rng, (4,), d)
    got = mvn_numpy()(m1, S1, m2, S2)
    assert got.shape == (4,)
    np.testing.assert_allclose(got, mvn_direct(m1, S1, m2, S2), rtol=1e-9, atol=1e-10)
    # leading axes broadcast: one Q for the whole batch
    got = mvn_numpy()(m1, S1, m2[0], S2[0])
    np.testing.assert_allclose(got, mvn_direct(m1, S1, m2[0], S2[0]), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("d", [2, 3])
def test_mvn_numpy_matches_monte_carlo(d: int) -> None:
    # 200,000 samples of log p(x) - log q(x), x ~ P; the mean is within 3 standard errors
    rng = np.random.default_rng(100 + d)
    m1, m2 = rng.normal(size=d), rng.normal(size=d)
    S1, S2 = random_spd(rng, (), d), random_spd(rng, (), d)
    p, q = stats.multivariate_normal(m1, S1), stats.multivariate_normal(m2, S2)
    x = p.rvs(size=200_000, random_state=rng)
    log_ratio = p.logpdf(x) - q.logpdf(x)
    estimate = log_ratio.mean()
    standard_error = log_ratio.std(ddof=1) / math.sqrt(len(log_ratio))
    kl = float(mvn_numpy()(m1, S1, m2, S2))
    assert abs(estimate - kl) < 3 * standard_error


def test_mvn_expression_is_the_univariate_kl_at_d_1() -> None:
    kl = mvn_kl_expression()
    mu1, mu2 = sp.symbols("mu1 mu2", real=True)
    sigma1, sigma2 = sp.symbols("sigma1 sigma2", positive=True)
    explicit = kl.expr.xreplace(
        {
            kl.m1: sp.ImmutableMatrix([mu1]),
            kl.m2: sp.ImmutableMatrix([mu2]),
            kl.S1: sp.ImmutableMatrix([[sigma1**2]]),
            kl.S2: sp.ImmutableMatrix([[sigma2**2]]),
            kl.d: 1,
        }
    ).doit()
    derived = derive(*PAIRS["scale"]).result
    assert sp.simplify(sp.expand_log(explicit - derived, force=True)) == 0


def test_mvn_code_agrees_with_its_matrix_expression() -> None:
    kl = mvn_kl_expression()
    rng = np.random.default_rng(3)
    a, b = rng.integers(-3, 4, size=(2, 3, 3))
    S1 = sp.ImmutableMatrix(a @ a.T + np.eye(3, dtype=int))
    S2 = sp.ImmutableMatrix(b @ b.T + np.eye(3, dtype=int))
    m1, m2 = (sp.ImmutableMatrix(v) for v in rng.integers(-3, 4, size=(2, 3)))
    exact = kl.expr.xreplace({kl.m1: m1, kl.m2: m2, kl.S1: S1, kl.S2: S2, kl.d: 3}).doit()
    as_array = [np.array(x.tolist(), dtype=float) for x in (m1, S1, m2, S2)]
    got = mvn_numpy()(as_array[0][:, 0], as_array[1], as_array[2][:, 0], as_array[3])
    assert float(got) == pytest.approx(float(exact.evalf(30)), rel=1e-12)


# -- torch, where installed -----------------------------------------------------------------
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_torch_logvar_matches_torch_distributions(reduce: str) -> None:
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    function = load(source_for("normal", None, "torch", "logvar", reduce))
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(SHAPE, generator=generator, dtype=torch.float64) * 2
    logvar = torch.randn(SHAPE, generator=generator, dtype=torch.float64) * 3
    elementwise = kl_divergence(Normal(mu, torch.exp(logvar / 2)), Normal(0.0, 1.0))
    expected = {"sum": elementwise.sum(-1), "mean": elementwise.mean(-1), "none": elementwise}
    torch.testing.assert_close(function(mu, logvar), expected[reduce], rtol=1e-12, atol=1e-12)


def test_torch_general_pair_and_mvn_match_torch_distributions() -> None:
    torch = pytest.importorskip("torch")
    from torch.distributions import MultivariateNormal, Normal, kl_divergence

    generator = torch.Generator().manual_seed(1)

    def randn(*shape: int) -> object:
        return torch.randn(shape, generator=generator, dtype=torch.float64)

    function = load(source_for(*PAIRS["scale"], "torch", "logvar", "sum"))
    m1, m2, s1, s2 = randn(*SHAPE), randn(*SHAPE), randn(*SHAPE).exp(), randn(*SHAPE).exp()
    expected = kl_divergence(Normal(m1, s1), Normal(m2, s2)).sum(-1)
    torch.testing.assert_close(function(m1, s1, m2, s2), expected, rtol=1e-12, atol=1e-12)

    mvn = load(generate_mvn("torch"), "mvn_kl_divergence")
    for d in (2, 3):
        a, b = randn(5, d, d), randn(5, d, d)
        S1 = a @ a.mT + 0.5 * torch.eye(d, dtype=torch.float64)
        S2 = b @ b.mT + 0.5 * torch.eye(d, dtype=torch.float64)
        mean1, mean2 = randn(5, d), randn(5, d)
        expected = kl_divergence(MultivariateNormal(mean1, S1), MultivariateNormal(mean2, S2))
        torch.testing.assert_close(mvn(mean1, S1, mean2, S2), expected, rtol=1e-10, atol=1e-10)


# -- every framework: compiles, right names; JAX/TF/torch against a NumPy stand-in ----------
MODULE_NAMES = {"numpy": {"np"}, "torch": {"torch"}, "jax": {"jnp"}, "tensorflow": {"tf"}}
IMPORT_LINES = {
    "numpy": "import numpy as np",
    "torch": "import torch",
    "jax": "import jax.numpy as jnp",
    "tensorflow": "import tensorflow as tf",
}


def _reduce_with(axis_keyword: str, function: Callable[..., np.ndarray]) -> Callable[..., object]:
    return lambda x, **kw: function(x, axis=kw[axis_keyword])


STAND_INS = {
    "jax": {"jnp": np},
    "tensorflow": {
        "tf": types.SimpleNamespace(
            math=types.SimpleNamespace(log=np.log, exp=np.exp, expm1=np.expm1, sqrt=np.sqrt),
            reduce_sum=_reduce_with("axis", np.sum),
            reduce_mean=_reduce_with("axis", np.mean),
            zeros_like=np.zeros_like,
        )
    },
    "torch": {
        "torch": types.SimpleNamespace(
            log=np.log,
            exp=np.exp,
            expm1=np.expm1,
            sqrt=np.sqrt,
            sum=_reduce_with("dim", np.sum),
            mean=_reduce_with("dim", np.mean),
            zeros_like=np.zeros_like,
        )
    },
}


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
@pytest.mark.parametrize("param", list(PARAMETRIZATIONS))
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_every_framework_compiles_with_its_module(framework: str, param: str, reduce: str) -> None:
    source = source_for("normal", None, framework, param, reduce)
    compile(source, "<generated>", "exec")
    assert source.splitlines()[0] == IMPORT_LINES[framework]
    assert free_names(source) <= MODULE_NAMES[framework]
    body = source.split('"""')[-1]
    assert re.search(r"(?<![\w.])(numpy|jax|tensorflow|math)\.", body) is None  # aliases only


@pytest.mark.parametrize("framework", ["jax", "tensorflow", "torch"])
@pytest.mark.parametrize(
    ("spec_p", "spec_q", "param"),
    [
        ("normal", None, "logvar"),
        ("normal", None, "scale"),
        ("normal", None, "logscale"),
        (*PAIRS["scale"], "logvar"),
        (*PAIRS["logvar"], "logvar"),
    ],
)
def test_framework_code_runs_on_a_numpy_stand_in(
    framework: str, spec_p: str, spec_q: str | None, param: str
) -> None:
    rng = np.random.default_rng(11)
    for reduce in REDUCTIONS:
        reference = numpy_function(spec_p, spec_q, param, reduce)
        function = load(
            source_for(spec_p, spec_q, framework, param, reduce), **STAND_INS[framework]
        )
        n_inputs = 2 if spec_q is None else 4
        inputs = [rng.uniform(0.2, 2.0, SHAPE) for _ in range(n_inputs)]
        np.testing.assert_allclose(function(*inputs), reference(*inputs), rtol=1e-13)


def test_tensorflow_and_jax_use_their_function_names() -> None:
    tf_source = source_for("normal", None, "tensorflow", "logvar", "mean")
    assert "tf.math.expm1(logvar)" in tf_source and "tf.reduce_mean(kl, axis=-1)" in tf_source
    jax_source = source_for(*PAIRS["scale"], "jax", "logvar", "sum")
    assert "jnp.log(sigma2) - jnp.log(sigma1)" in jax_source
    assert "jnp.sum(kl, axis=-1)" in jax_source


# -- refusals -------------------------------------------------------------------------------
def test_refusals_are_one_line_errors() -> None:
    result = derive("normal(mu, exp(logvar/2))").result
    mu, logvar = sp.symbols("mu logvar", real=True)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: code_for("normal", framework="mxnet"), "unknown framework"),
        (lambda: code_for("normal", reduce="max"), "unknown reduction"),
        (lambda: code_for("normal", param="logvr"), "did you mean 'logvar'"),
        (lambda: generate_mvn("jax"), "numpy and torch"),
        (lambda: code_for("mvn", "normal"), "multivariate normal Q"),
        (lambda: generate(result, framework="numpy", inputs=[("mu", mu)]), "logvar"),
        (
            lambda: generate(result, framework="numpy", inputs=[("mu", mu), ("lambda", logvar)]),
            "not a Python identifier",
        ),
        (
            lambda: generate(result, framework="numpy", inputs=[("mu", mu), ("kl", logvar)]),
            "used by the generated code",
        ),
        (
            lambda: generate(result, framework="numpy", inputs=[("mu", mu), ("mu", logvar)]),
            "given twice",
        ),
    ]
    for call, message in cases:
        with pytest.raises(KLDeriveError, match=message) as caught:
            call()
        assert "\n" not in str(caught.value)


# -- the catalog: special functions, piecewise results --------------------------------------
#: catalog pairs whose KL needs log-gamma, digamma, trigamma, Bessel or error functions,
#: or holds only under a condition (a piecewise result)
CATALOG_CODE = [
    ("gamma", "gamma"),
    ("beta", "beta"),
    ("gamma", "log_normal"),  # trigamma
    ("von_mises", "von_mises"),  # I0, I1
    ("rayleigh", "gumbel"),  # erf
    ("gumbel", "gumbel"),  # log-gamma inside an exponential
    ("uniform", "uniform"),  # piecewise
    ("pareto", "pareto"),  # piecewise
    ("beta", "uniform"),  # piecewise, digamma
]

#: X ‖ Laplace pairs whose KL needs an incomplete gamma, Ei or the incomplete beta function
#: (torch has no Ei and no incomplete beta: those are refused for torch, below)
INCOMPLETE_CODE = [("gamma", "laplace"), ("chi2", "laplace"), ("weibull", "laplace")]
TORCHLESS_CODE = [("beta", "laplace"), ("gumbel", "laplace")]


def _catalog_inputs(spec_p: str, spec_q: str, rng: np.random.Generator) -> tuple[list, dict]:
    """Random inputs for the generated function (named as its parameters), and the same
    values for the derived result; shapes and locations in (0.3, 2.5), angles anywhere."""
    source = source_for(spec_p, spec_q, "numpy", "logvar", "none")
    (function,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    names = [a.arg for a in function.args.args]
    values = {n: rng.uniform(0.3, 2.5, SHAPE) for n in names}
    for name in names:  # a uniform law's high end above its low end
        low = "a" + name[1:]
        if name.startswith("b_") and low in values:
            values[name] = values[low] - 1.0 + rng.uniform(0.3, 3.0, SHAPE)
            values[low] = values[low] - 1.0
    return [values[n] for n in names], values


def _reference(result: sp.Expr, values: dict, index: tuple[int, int]) -> float:
    symbols = {s.name: s for s in result.free_symbols}
    point = {symbols[n]: sp.Float(float(v[index]), 30) for n, v in values.items() if n in symbols}
    value = result.xreplace(point)
    if isinstance(value, sp.Piecewise):
        value = value.args[0][0] if bool(value.args[0][1]) else sp.oo
    return float(value.evalf(30))


@pytest.mark.parametrize(("spec_p", "spec_q"), CATALOG_CODE + INCOMPLETE_CODE + TORCHLESS_CODE)
def test_catalog_numpy_code_matches_the_derived_result(spec_p: str, spec_q: str) -> None:
    """The NumPy code (SciPy's special functions) computes the derived KL, infinity where
    a piecewise KL is infinite."""
    rng = np.random.default_rng(5)
    function = load(source_for(spec_p, spec_q, "numpy", "logvar", "none"))
    result = derive(spec_p, spec_q).result
    arrays, values = _catalog_inputs(spec_p, spec_q, rng)
    with np.errstate(all="ignore"):  # the unused branch of a where may be nan
        got = function(*arrays)
    assert got.shape == SHAPE
    for index in np.ndindex(*SHAPE):
        expected = _reference(result, values, index)
        if math.isinf(expected):
            assert got[index] == np.inf
        else:
            assert got[index] == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("spec_p", "spec_q"), CATALOG_CODE)
@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_catalog_code_compiles_with_its_modules(framework: str, spec_p: str, spec_q: str) -> None:
    source = source_for(spec_p, spec_q, framework, "logvar", "sum")
    compile(source, "<generated>", "exec")
    extra = {"numpy": {"scipy"}, "jax": {"jax"}}.get(framework, set())
    assert free_names(source) <= MODULE_NAMES[framework] | extra | {"float"}
    # no function a framework lacks (torch has no torch.special.gamma), no logarithm of
    # a gamma or Bessel function that overflows (log-gamma and scaled Bessel instead)
    assert "special.gamma(" not in source
    assert re.search(r"log\((torch|tf|np|jnp|scipy)\S*(gamma|i0|i1)\(", source) is None


#: SciPy's special functions under the names torch.special and tf.math give them
_SCIPY = {name: getattr(scipy_special, name) for name in ("digamma", "polygamma", "erf")}
_BESSEL = {name: getattr(scipy_special, name) for name in ("i0", "i1", "i0e", "i1e")}

SPECIAL_STAND_INS = {
    "torch": {
        "torch": types.SimpleNamespace(
            **vars(STAND_INS["torch"]["torch"]),
            lgamma=scipy_special.gammaln,
            special=types.SimpleNamespace(
                **_SCIPY,
                **_BESSEL,
                gammainc=scipy_special.gammainc,
                gammaincc=scipy_special.gammaincc,
            ),
            cos=np.cos,
            abs=np.abs,
            where=np.where,
            inf=np.inf,
            le=np.less_equal,
            pow=np.power,
            lt=np.less,
            ge=np.greater_equal,
            gt=np.greater,
        )
    },
    "jax": {
        "jnp": np,
        "jax": types.SimpleNamespace(scipy=types.SimpleNamespace(special=scipy_special)),
    },
    "tensorflow": {
        "tf": types.SimpleNamespace(
            **{k: v for k, v in vars(STAND_INS["tensorflow"]["tf"]).items() if k != "math"},
            math=types.SimpleNamespace(
                **vars(STAND_INS["tensorflow"]["tf"].math),
                lgamma=scipy_special.gammaln,
                **_SCIPY,
                **{f"bessel_{name}": f for name, f in _BESSEL.items()},
                igamma=scipy_special.gammainc,
                igammac=scipy_special.gammaincc,
                betainc=scipy_special.betainc,
                special=types.SimpleNamespace(expint=scipy_special.expi),
                less_equal=np.less_equal,
                pow=np.power,
                less=np.less,
                greater_equal=np.greater_equal,
                greater=np.greater,
                cos=np.cos,
                abs=np.abs,
            ),
            where=np.where,
            ones_like=np.ones_like,
            constant=lambda value, dtype: np.asarray(value, dtype=dtype),
        )
    },
}


@pytest.mark.parametrize(
    ("framework", "spec_p", "spec_q"),
    [
        (framework, *pair)
        for framework in ("jax", "tensorflow", "torch")
        for pair in CATALOG_CODE
        + INCOMPLETE_CODE
        + (TORCHLESS_CODE if framework != "torch" else [])
    ],
)
def test_catalog_code_runs_on_a_numpy_stand_in(framework: str, spec_p: str, spec_q: str) -> None:
    """With each framework's functions stood in for by NumPy and SciPy, the code computes
    what the NumPy code computes: the names and argument orders are right."""
    rng = np.random.default_rng(7)
    arrays, _ = _catalog_inputs(spec_p, spec_q, rng)
    reference = load(source_for(spec_p, spec_q, "numpy", "logvar", "none"))
    function = load(
        source_for(spec_p, spec_q, framework, "logvar", "none"), **SPECIAL_STAND_INS[framework]
    )
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(function(*arrays), reference(*arrays), rtol=1e-12)


def test_torch_catalog_code_matches_torch_distributions() -> None:
    torch = pytest.importorskip("torch")
    from torch.distributions import Beta, Dirichlet, Gamma, kl_divergence

    generator = torch.Generator().manual_seed(3)

    def positive(*shape: int) -> object:
        return torch.rand(shape, generator=generator, dtype=torch.float64) * 2 + 0.3

    a1, b1, a2, b2 = (positive(*SHAPE) for _ in range(4))
    gamma = load(source_for("gamma", "gamma", "torch", "logvar", "none"))
    expected = kl_divergence(Gamma(a1, b1), Gamma(a2, b2))
    torch.testing.assert_close(gamma(a1, b1, a2, b2), expected, rtol=1e-10, atol=1e-12)
    beta = load(source_for("beta", "beta", "torch", "logvar", "none"))
    expected = kl_divergence(Beta(a1, b1), Beta(a2, b2))
    torch.testing.assert_close(beta(a1, b1, a2, b2), expected, rtol=1e-10, atol=1e-12)
    dirichlet = load(
        source_for("dirichlet([a1, a2])", "dirichlet([c1, c2])", "torch", "logvar", "none")
    )
    expected = kl_divergence(
        Dirichlet(torch.stack([a1, b1], -1)), Dirichlet(torch.stack([a2, b2], -1))
    )
    torch.testing.assert_close(dirichlet(a1, b1, a2, b2), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("spec_p", "spec_q", "message"),
    [
        ("cauchy", "normal", "infinite for every value"),
        ("wishart", "wishart", "Wishart"),
        ("gumbel", "laplace", "PyTorch code cannot express Ei"),
        ("beta", "laplace", "PyTorch code cannot express betainc_regularized"),
    ],
)
def test_catalog_code_refusals_are_one_line(spec_p: str, spec_q: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message) as caught:
        code_for(spec_p, spec_q, framework="torch")
    assert "\n" not in str(caught.value)
    one_line_error(run_module(["code", spec_p, spec_q, "--framework", "torch"]), message)


def test_von_mises_code_does_not_overflow_for_a_large_concentration() -> None:
    """I_0(800) overflows a double; the code uses the scaled Bessel functions instead."""
    function = load(source_for("von_mises", "von_mises", "numpy", "logvar", "none"))
    mu1, k1, mu2, k2 = 0.3, 800.0, -0.2, 650.0
    got = float(function(np.array(mu1), np.array(k1), np.array(mu2), np.array(k2)))
    ratio = mpmath.besseli(1, k1) / mpmath.besseli(0, k1)
    expected = (
        mpmath.log(mpmath.besseli(0, k2))
        - mpmath.log(mpmath.besseli(0, k1))
        + ratio * (k1 - k2 * mpmath.cos(mu1 - mu2))
    )
    assert math.isfinite(got)
    assert got == pytest.approx(float(expected), rel=1e-9)


def test_a_bare_law_takes_its_parameters_in_the_family_order() -> None:
    source = source_for("von_mises", "von_mises", "numpy", "logvar", "sum")
    assert "def kl_divergence(mu_1, kappa_1, mu_2, kappa_2):" in source


def test_a_keyword_parameter_name_gets_an_underscore() -> None:
    """An exponential law's rate is lambda, a Python keyword: the input is lambda_."""
    source = source_for("gamma(a, b)", "exponential", "numpy", "logvar", "sum")
    assert "def kl_divergence(a, b, lambda_):" in source
    function = load(source)
    result = derive("gamma(a, b)", "exponential").result
    values = {"a": 1.7, "b": 0.6, "lambda": 1.3}
    expected = float(result.subs({s: values[s.name] for s in result.free_symbols}))
    got = function(np.array([1.7]), np.array([0.6]), np.array([1.3]))
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_a_function_the_framework_lacks_is_a_one_line_refusal() -> None:
    """torch has no Bessel function of a general order: a refusal, not an internal error."""
    x = sp.Symbol("x", positive=True)
    with pytest.raises(KLDeriveError, match="PyTorch code cannot express iv") as caught:
        generate(sp.besseli(3, x), framework="torch", inputs=[("x", x)])
    assert "\n" not in str(caught.value)
