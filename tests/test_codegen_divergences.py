"""`kl-derive code --divergence NAME`: each divergence's closed form as framework code,
executed with NumPy and compared with numerics of its definition written here,
independently of the engine (SciPy quadrature of the integral, sums of the mass
functions, quantile integrals), at random parameters on both sides of every condition.

The torch, JAX and TensorFlow code runs on the NumPy stand-ins of ``test_codegen`` (those
libraries are not installed): it must compute what the NumPy code computes.
"""

from __future__ import annotations

import functools
import math
import types

import numpy as np
import pytest
from conftest import one_line_error, run_module
from scipy import integrate, stats
from scipy import special as scipy_special
from scipy.spatial.distance import jensenshannon
from test_codegen import SPECIAL_STAND_INS, load

from kl_derive.codegen import code_for
from kl_derive.errors import KLDeriveError

SHAPE = (2, 3)


@functools.cache
def cached_code(p: str, q: str, divergence: str, framework: str = "numpy", **options) -> str:
    """One derivation per pair in this process (each test has its own result cache)."""
    return code_for(p, q, divergence=divergence, framework=framework, reduce="none", **options)


def numpy_code(p: str, q: str, divergence: str, **options: str) -> tuple[str, object]:
    source = cached_code(p, q, divergence, **options)
    name = source.split("def ", 1)[1].split("(", 1)[0]
    return source, load(source, name)


def _with_erfc(framework: str) -> dict[str, object]:
    """The stand-ins of test_codegen with erfc (the normal distribution function)."""
    stand_ins = dict(SPECIAL_STAND_INS[framework])
    if framework == "tensorflow":
        tf = stand_ins["tf"]
        math_ = types.SimpleNamespace(**vars(tf.math), erfc=scipy_special.erfc)
        stand_ins["tf"] = types.SimpleNamespace(**{**vars(tf), "math": math_})
    if framework == "torch":
        torch = stand_ins["torch"]
        special = types.SimpleNamespace(**vars(torch.special), erfc=scipy_special.erfc)
        stand_ins["torch"] = types.SimpleNamespace(**{**vars(torch), "special": special})
    return stand_ins


def quad(f, low: float, high: float, points=()) -> float:
    value, _ = integrate.quad(f, low, high, points=list(points) or None, limit=400, epsabs=1e-12)
    return value


# -- the alpha family, at random parameters on both sides of the condition ------------------
def renyi_normal(a: float, m1: float, s1: float, m2: float, s2: float) -> float:
    """D_a(N(m1, s1^2) || N(m2, s2^2)) by quadrature of p^a q^(1-a); inf where it diverges."""
    if a * s2**2 + (1 - a) * s1**2 <= 0:
        return math.inf

    def f(z: float) -> float:
        return math.exp(a * stats.norm.logpdf(z, m1, s1) + (1 - a) * stats.norm.logpdf(z, m2, s2))

    spread = 30 * max(s1, s2)
    return math.log(quad(f, min(m1, m2) - spread, max(m1, m2) + spread, [m1, m2])) / (a - 1)


def test_renyi_normal_with_a_symbolic_order_is_where_on_its_condition() -> None:
    source, function = numpy_code("normal(m1, s1)", "normal(m2, s2)", "renyi")
    assert "def renyi(m1, s1, m2, s2, alpha):" in source
    assert "np.where(alpha*s1**2 < alpha*s2**2 + s1**2, d, np.inf)" in source
    rng = np.random.default_rng(3)
    m1, m2 = rng.uniform(-2, 2, (2, *SHAPE))
    s1, s2 = rng.uniform(0.4, 2.5, (2, *SHAPE))
    alpha = rng.uniform(0.2, 4.0, SHAPE)
    alpha[0, :] = [0.5, 3.0, 5.0]  # both sides of alpha s2^2 + (1 - alpha) s1^2 > 0
    s1[0, :], s2[0, :] = [1.0, 2.0, 2.0], [1.5, 1.0, 1.0]
    with np.errstate(all="ignore"):
        got = function(m1, s1, m2, s2, alpha)
    expected = np.vectorize(renyi_normal)(alpha, m1, s1, m2, s2)
    assert np.isinf(expected).any() and np.isfinite(expected).any()
    np.testing.assert_allclose(got, expected, rtol=1e-7)


@pytest.mark.parametrize(
    ("divergence", "p", "q", "density", "bounds", "reference"),
    [
        (
            "chi-square",
            "exponential(l1)",
            "exponential(l2)",
            lambda z, a, b: (stats.expon.pdf(z, scale=1 / a), stats.expon.pdf(z, scale=1 / b)),
            (0, math.inf),
            lambda integral: integral("p2/q") - 1,
        ),
        (
            "hellinger",
            "beta(a1, b1)",
            "beta(a2, b2)",
            lambda z, a1, b1, a2, b2: (stats.beta.pdf(z, a1, b1), stats.beta.pdf(z, a2, b2)),
            (0, 1),
            lambda integral: 1 - integral("sqrt"),
        ),
        (
            "bhattacharyya",
            "gamma(a1, b1)",
            "gamma(a2, b2)",
            lambda z, a1, b1, a2, b2: (
                stats.gamma.pdf(z, a1, scale=1 / b1),
                stats.gamma.pdf(z, a2, scale=1 / b2),
            ),
            (0, math.inf),
            lambda integral: -math.log(integral("sqrt")),
        ),
    ],
)
def test_alpha_family_code_matches_quadrature(divergence, p, q, density, bounds, reference):
    source, function = numpy_code(p, q, divergence)
    n = source.split("(", 1)[1].split(")", 1)[0].count(",") + 1
    rng = np.random.default_rng(5)
    for _ in range(6):
        args = list(rng.uniform(0.6, 3.0, n))
        if divergence == "chi-square" and _ == 0:
            args = [1.0, 2.5]  # l2 >= 2 l1: infinite
        expected = _alpha_reference(density, bounds, reference, args)
        with np.errstate(all="ignore"):
            got = float(function(*(np.array(a) for a in args)))
        if math.isinf(expected):
            assert got == math.inf
        else:
            assert got == pytest.approx(expected, rel=1e-7, abs=1e-10)


def _alpha_reference(density, bounds, reference, args) -> float:
    def integral(kind: str) -> float:
        def f(z: float) -> float:
            p, q = density(z, *args)
            return math.sqrt(p * q) if kind == "sqrt" else (p * p / q if q > 0 else 0.0)

        return quad(f, *bounds)

    if len(args) == 2 and args[1] >= 2 * args[0]:  # chi-square of exponentials diverges
        return math.inf
    return reference(integral)


def test_hellinger_and_chi_square_of_mass_functions_match_sums() -> None:
    rng = np.random.default_rng(9)
    _, hellinger = numpy_code("poisson(l1)", "poisson(l2)", "hellinger")
    _, chi = numpy_code("binomial(n, p1)", "binomial(n, p2)", "chi-square")
    k = np.arange(0, 400)
    for _ in range(5):
        l1, l2 = rng.uniform(0.2, 12, 2)
        bc = np.sum(np.sqrt(stats.poisson.pmf(k, l1) * stats.poisson.pmf(k, l2)))
        assert float(hellinger(np.array(l1), np.array(l2))) == pytest.approx(1 - bc, rel=1e-9)
        n = int(rng.integers(1, 30))
        p1, p2 = rng.uniform(0.05, 0.95, 2)
        kk = np.arange(0, n + 1)
        expected = np.sum(stats.binom.pmf(kk, n, p1) ** 2 / stats.binom.pmf(kk, n, p2)) - 1
        got = float(chi(np.array(float(n)), np.array(p1), np.array(p2)))
        assert got == pytest.approx(expected, rel=1e-9)


# -- distances: total variation, Wasserstein-2, Jensen-Shannon ------------------------------
def tv_quad(p, q, low, high, points=()) -> float:
    return 0.5 * quad(lambda z: abs(p(z) - q(z)), low, high, points)


def test_total_variation_normals_select_the_equal_scale_case() -> None:
    source, function = numpy_code("normal(m1, s1)", "normal(m2, s2)", "total-variation")
    assert "d = np.where(s1 == s2, d_1, d_2)" in source
    assert "NormalCDF(x) = " in source  # the docstring writes kl-derive's functions out
    rng = np.random.default_rng(1)
    for equal in (True, False, False, False):
        m1, m2 = rng.uniform(-2, 2, 2)
        s1, s2 = rng.uniform(0.3, 3, 2)
        s2 = s1 if equal else s2
        p = stats.norm(m1, s1).pdf
        q = stats.norm(m2, s2).pdf
        spread = 30 * max(s1, s2)
        expected = tv_quad(p, q, min(m1, m2) - spread, max(m1, m2) + spread, [m1, m2])
        with np.errstate(all="ignore"):
            got = float(function(*(np.array(v) for v in (m1, s1, m2, s2))))
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-12)


def test_total_variation_exponentials_and_bernoulli() -> None:
    _, tv_exp = numpy_code("exponential(a)", "exponential(b)", "total-variation")
    _, tv_bern = numpy_code("bernoulli(p1)", "bernoulli(p2)", "total-variation")
    rng = np.random.default_rng(2)
    for a, b in [(1.5, 1.5), *rng.uniform(0.2, 4, (4, 2))]:
        p = stats.expon(scale=1 / a).pdf
        q = stats.expon(scale=1 / b).pdf
        with np.errstate(all="ignore"):
            got = float(tv_exp(np.array(a), np.array(b)))
        assert got == pytest.approx(tv_quad(p, q, 0, 200 / min(a, b)), rel=1e-7, abs=1e-12)
        p1, p2 = rng.uniform(0, 1, 2)
        assert float(tv_bern(np.array(p1), np.array(p2))) == pytest.approx(abs(p1 - p2))


@pytest.mark.parametrize(
    ("p", "q", "quantiles"),
    [
        ("normal(m1, s1)", "normal(m2, s2)", lambda u, m, s: stats.norm.ppf(u, m, s)),
        ("laplace(m1, s1)", "laplace(m2, s2)", lambda u, m, s: stats.laplace.ppf(u, m, s)),
        ("uniform(m1, s1)", "uniform(m2, s2)", lambda u, a, b: a + (b - a) * u),
    ],
)
def test_wasserstein_code_matches_the_quantile_integral(p, q, quantiles) -> None:
    _, function = numpy_code(p, q, "wasserstein")
    rng = np.random.default_rng(4)
    for _ in range(4):
        m1, m2 = rng.uniform(-2, 1, 2)
        s1, s2 = rng.uniform(1.1, 3, 2)

        def squared(u: float, m1=m1, s1=s1, m2=m2, s2=s2) -> float:
            return (quantiles(u, m1, s1) - quantiles(u, m2, s2)) ** 2

        expected = quad(squared, 0, 1)
        got = float(function(*(np.array(v) for v in (m1, s1, m2, s2))))
        assert got == pytest.approx(expected, rel=1e-7)


def test_jensen_shannon_bernoulli_matches_scipy() -> None:
    _, function = numpy_code("bernoulli(p1)", "bernoulli(p2)", "jensen-shannon")
    rng = np.random.default_rng(6)
    for p1, p2 in rng.uniform(0.01, 0.99, (5, 2)):
        expected = jensenshannon([p1, 1 - p1], [p2, 1 - p2]) ** 2  # natural logarithm
        assert float(function(np.array(p1), np.array(p2))) == pytest.approx(expected, rel=1e-9)


# -- reductions, other frameworks, refusals -------------------------------------------------
def test_additive_divergences_sum_over_the_latent_axis_by_default() -> None:
    source = code_for("normal(m1, s1)", "normal(m2, s2)", divergence="wasserstein")
    assert "return np.sum(d, axis=-1)" in source
    source = code_for("normal(m1, s1)", "normal(m2, s2)", divergence="hellinger")
    assert "return d\n" in source and "of each entry, not" in source
    with pytest.raises(KLDeriveError, match="does not add over independent coordinates"):
        code_for("normal(m1, s1)", "normal(m2, s2)", divergence="hellinger", reduce="sum")


def test_an_input_named_d_keeps_its_name() -> None:
    source, function = numpy_code("uniform(a, b)", "uniform(c, d)", "wasserstein")
    assert "def wasserstein(a, b, c, d):" in source and "d_ = " in source
    a, b, c, d = 0.0, 1.0, 0.5, 3.0
    expected = quad(lambda u: (a + (b - a) * u - c - (d - c) * u) ** 2, 0, 1)
    assert float(function(*(np.array(v) for v in (a, b, c, d)))) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("p", "q", "divergence"),
    [
        ("normal(m1, s1)", "normal(m2, s2)", "renyi"),
        ("normal(m1, s1)", "normal(m2, s2)", "total-variation"),
        ("exponential(m1)", "exponential(s1)", "total-variation"),
        ("gamma(m1, s1)", "gamma(m2, s2)", "chi-square"),
        ("beta(m1, s1)", "beta(m2, s2)", "hellinger"),
        ("gumbel(m1, s1)", "gumbel(m2, s2)", "wasserstein"),
    ],
)
def test_framework_code_computes_what_numpy_code_computes(p, q, divergence) -> None:
    reference_source, reference = numpy_code(p, q, divergence)
    n = reference_source.split("(", 2)[1].split(")", 1)[0].count(",") + 1
    rng = np.random.default_rng(8)
    inputs = [rng.uniform(0.4, 2.5, SHAPE) for _ in range(n)]
    inputs[1][0, 0] = inputs[0][0, 0]  # an equal-parameter entry (a TV case)
    for framework in ("jax", "tensorflow", "torch"):
        source = cached_code(p, q, divergence, framework)
        name = source.split("def ", 1)[1].split("(", 1)[0]
        function = load(source, name, **_with_erfc(framework))
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(function(*inputs), reference(*inputs), rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["normal(m1, s1)", "normal(m2, s2)", "--divergence", "jensen-shannon"], "integral"),
        (
            ["normal(m1, s1)", "normal(m2, s2)", "--divergence", "hellinger", "--reduce", "sum"],
            "does not add",
        ),
        (["normal(0, 2)", "normal(0, 1)", "--divergence", "chi-square"], "infinite"),
        (["normal", "--divergence", "renyi", "--alpha", "0"], "alpha"),
        (["normal", "--divergence", "hellinger", "--alpha", "2"], "alpha"),
        (["normal", "--divergence", "kolmogorov"], "unknown divergence"),
    ],
)
def test_refusals_are_one_line(args: list[str], message: str) -> None:
    one_line_error(run_module(["code", *args]), message)


def test_cli_prints_renyi_of_a_given_order() -> None:
    done = run_module(
        [
            "code",
            "normal(m1, s1)",
            "normal(m2, s2)",
            "--divergence",
            "renyi",
            "--alpha",
            "2",
            "--framework",
            "torch",
        ]
    )
    assert done.returncode == 0, done.stderr
    assert "def renyi(m1, s1, m2, s2):" in done.stdout
    assert "torch.where(" in done.stdout and "torch.sum(d, dim=-1)" in done.stdout


def test_an_unknown_parametrization_is_a_one_line_error_for_a_divergence_too() -> None:
    # it was a raw KeyError through the API (the CLI checks --param itself)
    from kl_derive.errors import KLDeriveError

    with pytest.raises(KLDeriveError, match="unknown parametrization 'bogus'"):
        code_for("normal", divergence="hellinger", param="bogus")
