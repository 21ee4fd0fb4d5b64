"""kl-derive estimators: the Monte-Carlo estimators k1, k2, k3 of KL(q || p), checked
against numerics written independently of the engine (SciPy quadrature, Monte Carlo
with fixed seeds, finite differences)."""

from __future__ import annotations

import json
import math
import re
import subprocess

import numpy as np
import pytest
from conftest import console_script, katex_blocks, run_pdflatex
from scipy import integrate, stats
from sympy import Symbol, lambdify, oo

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.steps.rules import RULES

M1, S1, M2, S2 = (Symbol(n) for n in ("mu_1", "sigma_1", "mu_2", "sigma_2"))
GENERAL = ("normal(mu_1, sigma_1)", "normal(mu_2, sigma_2)")


@pytest.fixture(scope="module")
def general():
    return kl_derive.estimators(*GENERAL)


@pytest.fixture(scope="module")
def heavy():
    """2 sigma_1^2 < sigma_2^2: E_q[r^2] and Var k3 are infinite."""
    return kl_derive.estimators("normal(0, 0.5)", "normal(1, 1)")


def _symbols(d):
    return {str(s): s for s in d.result.free_symbols} | {
        "mu_1": M1,
        "sigma_1": S1,
        "mu_2": M2,
        "sigma_2": S2,
    }


def _f(expr, d):
    names = _symbols(d)
    args = [names[n] for n in ("mu_1", "sigma_1", "mu_2", "sigma_2")]
    args = [next((s for s in expr.free_symbols if str(s) == str(a)), a) for a in args]
    return lambdify(args, expr, "math")


def _quad(f) -> float:
    value, _ = integrate.quad(f, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-10, limit=400)
    return value


def _log_r(z, m1, s1, m2, s2):
    return stats.norm.logpdf(z, m2, s2) - stats.norm.logpdf(z, m1, s1)


def _draws(seed: int, n: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        m1, m2 = rng.uniform(-1.5, 1.5, 2)
        s1, s2 = rng.uniform(0.4, 2.0, 2)
        yield float(m1), float(s1), float(m2), float(s2)


# ---------------------------------------------------------------------------
# the derivation itself
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_step_is_verified_and_cites_a_known_rule(general, heavy) -> None:
    for d in (general, heavy):
        assert d.quantity == "estimators"
        for step in d.steps:
            assert step.check in {"symbolic", "numeric"}, step.rule
            assert step.rule in RULES, step.rule


@pytest.mark.slow
def test_the_variance_of_k3_is_stated_under_its_condition(general) -> None:
    conditional = {s.rule: s.condition for s in general.steps if s.condition is not None}
    assert set(conditional) == {
        "estimator.k3_variance",
        "estimator.ratio_square",
        "estimator.gaussian_integral",
    }
    for condition in conditional.values():
        names = {str(s): s for s in condition.free_symbols}
        assert bool(condition.subs({names["sigma_1"]: 1, names["sigma_2"]: 1}))
        assert not bool(condition.subs({names["sigma_1"]: 0.5, names["sigma_2"]: 1}))
    # the infinite case states no closed form for E_q[r^2]
    assert kl_derive.estimators("normal(0, 0.5)", "normal(1, 1)").steps  # derives
    text = general.to_text()
    assert "if 2σ₁² > σ₂²" in text


@pytest.mark.slow
def test_the_infinite_case_says_so(heavy) -> None:
    rules = {s.rule for s in heavy.steps}
    assert "estimator.ratio_square" not in rules
    assert "infinite" in heavy.to_text()
    assert heavy.facts.variance["k3"] == oo
    assert heavy.facts.second_moment_ratio == oo


# ---------------------------------------------------------------------------
# the closed forms against quadrature (both sides of the chi-square condition)
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_means_variances_and_bias_against_quadrature(general) -> None:
    facts = general.facts
    closed = {
        "kl": _f(facts.kl, general),
        "reverse": _f(facts.reverse_kl, general),
        "mean_k2": _f(facts.mean["k2"], general),
        "var_k1": _f(facts.variance["k1"], general),
        "var_k2": _f(facts.variance["k2"], general),
        "var_k3": _f(facts.variance["k3"], general),
        "bias": _f(facts.bias_k2, general),
        "r2": _f(facts.second_moment_ratio, general),
    }
    finite_seen = infinite_seen = 0
    for m1, s1, m2, s2 in _draws(7, 12):
        q = stats.norm(m1, s1).pdf

        def mean(g, q=q, m1=m1, s1=s1, m2=m2, s2=s2):
            return _quad(lambda z: q(z) * g(_log_r(z, m1, s1, m2, s2)))

        args = (m1, s1, m2, s2)
        k1 = mean(lambda lr: -lr)
        k2 = mean(lambda lr: lr**2 / 2)
        k1_sq = mean(lambda lr: lr**2)
        k2_sq = mean(lambda lr: lr**4 / 4)
        assert k1 == pytest.approx(closed["kl"](*args), rel=1e-8, abs=1e-10)
        assert k2 == pytest.approx(closed["mean_k2"](*args), rel=1e-8, abs=1e-10)
        assert k2 - k1 == pytest.approx(closed["bias"](*args), rel=1e-7, abs=1e-10)
        assert k1_sq - k1**2 == pytest.approx(closed["var_k1"](*args), rel=1e-7, abs=1e-10)
        assert k2_sq - k2**2 == pytest.approx(closed["var_k2"](*args), rel=1e-6, abs=1e-9)
        reverse = _quad(
            lambda z, m1=m1, s1=s1, m2=m2, s2=s2: (
                stats.norm.pdf(z, m2, s2) * _log_r(z, m1, s1, m2, s2)
            )
        )
        assert reverse == pytest.approx(closed["reverse"](*args), rel=1e-8, abs=1e-10)
        if 2 * s1**2 > s2**2:
            finite_seen += 1
            # in logarithms: q r = p and q r^2 = exp(2 log p - log q), which decay where r
            # alone overflows

            def parts(z, m1=m1, s1=s1, m2=m2, s2=s2):
                lq, lp = stats.norm.logpdf(z, m1, s1), stats.norm.logpdf(z, m2, s2)
                return math.exp(lq), math.exp(lp), math.exp(2 * lp - lq), 1 + lp - lq

            def k3_term(z, parts=parts):
                q, p, _, a = parts(z)
                return p - q * a

            def k3_square(z, parts=parts):
                q, p, qr2, a = parts(z)
                return qr2 - 2 * p * a + q * a * a

            k3, k3_sq = _quad(k3_term), _quad(k3_square)
            r2 = _quad(lambda z, parts=parts: parts(z)[2])
            assert k3 == pytest.approx(closed["kl"](*args), rel=1e-7, abs=1e-10)
            assert r2 == pytest.approx(closed["r2"](*args), rel=1e-7)
            assert k3_sq - k3**2 == pytest.approx(closed["var_k3"](*args), rel=1e-6, abs=1e-9)
        else:  # the integrand p^2/q does not decay: its integral is infinite
            infinite_seen += 1
            assert closed["var_k3"](*args) == math.inf and closed["r2"](*args) == math.inf
            assert _log_integrand_tail(m1, s1, m2, s2) > 0
    assert finite_seen and infinite_seen


def _log_integrand_tail(m1, s1, m2, s2) -> float:
    """The smallest, over |z| in [50, 200], of the larger of log(p^2/q) at z and -z: a
    lower bound for p^2/q on an unbounded set (a positive one: the integral is infinite)."""
    z = np.linspace(50, 200, 301)

    def log_g(x):
        return 2 * stats.norm.logpdf(x, m2, s2) - stats.norm.logpdf(x, m1, s1)

    return float(np.maximum(log_g(z), log_g(-z)).min())


@pytest.mark.slow
def test_the_boundary_of_the_condition_is_infinite() -> None:
    """2 sigma_1^2 = sigma_2^2: the exponent of p^2/q is linear, no decay."""
    d = kl_derive.estimators("normal(0, 1)", "normal(1, sqrt(2))")
    assert d.facts.variance["k3"] == oo
    assert _log_integrand_tail(0, 1, 1, math.sqrt(2)) > 0


# ---------------------------------------------------------------------------
# Monte Carlo, fixed seeds, within a few standard errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.3, 1.2, -0.4, 1.0), (0.5, 1.0, 0.0, 0.8)])
def test_monte_carlo_means_match(general, m1, s1, m2, s2) -> None:
    """Means within four standard errors; sample variances within 5% (the laws are chosen
    with sigma_1 >= sigma_2, where r has light enough tails for a sample variance to settle:
    near 2 sigma_1^2 = sigma_2^2 the variance of k3 is finite but its sample variance is
    not reliable, E_q[r^4] being infinite)."""
    rng = np.random.default_rng(20261207)
    z = rng.normal(m1, s1, 400_000)
    lr = _log_r(z, m1, s1, m2, s2)
    samples = {"k1": -lr, "k2": lr**2 / 2, "k3": np.expm1(lr) - lr}
    facts = general.facts
    for name, x in samples.items():
        se = x.std(ddof=1) / math.sqrt(x.size)
        expected = _f(facts.mean[name], general)(m1, s1, m2, s2)
        assert abs(x.mean() - expected) < 4 * se, name
        assert x.var(ddof=1) == pytest.approx(
            _f(facts.variance[name], general)(m1, s1, m2, s2), rel=0.05
        )
    assert samples["k3"].min() >= 0 and samples["k1"].min() < 0


def test_k3_is_never_negative_and_zero_only_at_one() -> None:
    r = np.concatenate([np.logspace(-12, 12, 2001), [1.0]])
    k3 = np.expm1(np.log(r)) - np.log(r)
    assert (k3 >= 0).all()
    assert k3[-1] == 0 and (k3[:-1][np.abs(r[:-1] - 1) > 1e-6] > 0).all()


# ---------------------------------------------------------------------------
# the gradient remark: d/d mu_1 with the sample held fixed
# ---------------------------------------------------------------------------


def _kl_quad(m1, s1, m2, s2) -> float:
    return _quad(lambda z: stats.norm.pdf(z, m1, s1) * -_log_r(z, m1, s1, m2, s2))


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.5, 1.3, -0.2, 0.9), (-0.7, 0.9, 0.4, 1.4)])
def test_gradients_held_fixed_against_finite_differences(general, m1, s1, m2, s2) -> None:
    h = 1e-5
    forward = (_kl_quad(m1 + h, s1, m2, s2) - _kl_quad(m1 - h, s1, m2, s2)) / (2 * h)
    reverse = (_kl_quad(m2, s2, m1 + h, s1) - _kl_quad(m2, s2, m1 - h, s1)) / (2 * h)
    facts = general.facts
    assert _f(facts.gradient["k2"], general)(m1, s1, m2, s2) == pytest.approx(forward, rel=1e-5)
    assert _f(facts.gradient["k3"], general)(m1, s1, m2, s2) == pytest.approx(reverse, rel=1e-5)
    assert forward != pytest.approx(reverse, rel=1e-2)  # the scales differ
    # Monte Carlo: per-sample derivative with z held fixed, by central differences
    rng = np.random.default_rng(11)
    z = rng.normal(m1, s1, 400_000)

    def k(mu, which):
        lr = _log_r(z, mu, s1, m2, s2)
        return {"k1": -lr, "k2": lr**2 / 2, "k3": np.expm1(lr) - lr}[which]

    for which, expected in (("k1", 0.0), ("k2", forward), ("k3", reverse)):
        g = (k(m1 + h, which) - k(m1 - h, which)) / (2 * h)
        se = g.std(ddof=1) / math.sqrt(g.size)
        assert abs(g.mean() - expected) < 4 * se, which
    # with the score term (the sample moving with q) k3's gradient is the forward one
    score = (z - m1) / s1**2
    g = (k(m1 + h, "k3") - k(m1 - h, "k3")) / (2 * h) + k(m1, "k3") * score
    assert abs(g.mean() - forward) < 4 * g.std(ddof=1) / math.sqrt(g.size)


# inside the chi-square condition 2 sigma_1^2 > sigma_2^2: there r has a finite variance
# under q, so the Monte Carlo mean of k3's derivative has a standard error to trust
@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.5, 1.3, -0.2, 0.9), (-0.7, 1.1, 0.4, 1.4)])
def test_scale_gradients_held_fixed_against_finite_differences(general, m1, s1, m2, s2) -> None:
    """d/d sigma_1 with the sample held fixed: k1 -> 0, k2 -> d KL(q || p), k3 -> d KL(p || q)
    (finite differences of quadrature, and Monte Carlo of per-sample central differences)."""
    h = 1e-5
    forward = (_kl_quad(m1, s1 + h, m2, s2) - _kl_quad(m1, s1 - h, m2, s2)) / (2 * h)
    reverse = (_kl_quad(m2, s2, m1, s1 + h) - _kl_quad(m2, s2, m1, s1 - h)) / (2 * h)
    facts = general.facts
    assert _f(facts.gradient_scale["k1"], general)(m1, s1, m2, s2) == 0
    assert _f(facts.gradient_scale["k2"], general)(m1, s1, m2, s2) == pytest.approx(
        forward, rel=1e-5
    )
    assert _f(facts.gradient_scale["k3"], general)(m1, s1, m2, s2) == pytest.approx(
        reverse, rel=1e-5
    )
    assert forward != pytest.approx(reverse, rel=1e-2)
    assert [s.key for s in general.stages][-4:-2] == [
        "estimators_gradient",
        "estimators_gradient_scale",
    ]
    rng = np.random.default_rng(12)
    z = rng.normal(m1, s1, 400_000)

    def k(sigma, which):
        lr = _log_r(z, m1, sigma, m2, s2)
        return {"k1": -lr, "k2": lr**2 / 2, "k3": np.expm1(lr) - lr}[which]

    for which, expected in (("k1", 0.0), ("k2", forward), ("k3", reverse)):
        g = (k(s1 + h, which) - k(s1 - h, which)) / (2 * h)
        se = g.std(ddof=1) / math.sqrt(g.size)
        assert abs(g.mean() - expected) < 4 * se, which
    # with the score term (the sample moving with q) k3's gradient is the forward one
    score = ((z - m1) ** 2 - s1**2) / s1**3
    g = (k(s1 + h, "k3") - k(s1 - h, "k3")) / (2 * h) + k(s1, "k3") * score
    assert abs(g.mean() - forward) < 4 * g.std(ddof=1) / math.sqrt(g.size)


def test_scale_gradients_agree_only_for_equal_laws(general) -> None:
    """The stage says the two scale gradients agree only where the laws are the same."""
    from sympy import Eq, solve

    grad = general.facts.gradient_scale
    m1, s1, m2, s2 = (
        next(s for s in general.result.free_symbols if str(s) == n)
        for n in ("mu_1", "sigma_1", "mu_2", "sigma_2")
    )
    solutions = solve(Eq(grad["k2"], grad["k3"]), [m2], dict=True)
    for solution in solutions:  # real solutions need sigma_1 = sigma_2 and then m2 = m1
        value = solution[m2]
        assert value.subs(s2, s1).simplify() == m1 or not value.subs(s2, s1 * 1.1).is_real


# ---------------------------------------------------------------------------
# expressions, the API, rendering, the command line
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_parameters_given_as_expressions_are_substituted_back() -> None:
    d = kl_derive.estimators("normal(m, exp(s))")
    assert {str(s) for s in d.result.free_symbols} == {"m", "s"}
    value = d.value({"m": 0.3, "s": -0.2})
    expected = _kl_quad(0.3, math.exp(-0.2), 0.0, 1.0)
    assert value == pytest.approx(expected, rel=1e-9)
    assert {str(s) for s in d.facts.variance["k1"].free_symbols} == {"m", "s"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("p", "q", "point", "law_q", "law_p"),
    [
        # a number beside a symbol in each law (the gradient stages compare display
        # expressions, whose brackets held (1 - m)^2 apart from SymPy's (m - 1)^2)
        ("normal(1, s)", "normal(m, 2)", {"s": 0.7, "m": -0.4}, (1.0, 0.7), (-0.4, 2.0)),
        (
            "normal(mu, exp(s))",
            "normal(m, t)",
            {"mu": 0.2, "s": -0.3, "m": 0.9, "t": 1.3},
            (0.2, math.exp(-0.3)),
            (0.9, 1.3),
        ),
        (
            "normal(mu, s)",
            "normal(m, t)",
            {"mu": -1.0, "s": 1.6, "m": 0.5, "t": 0.8},
            (-1.0, 1.6),
            (0.5, 0.8),
        ),
    ],
)
def test_mixed_numbers_symbols_and_expressions(p, q, point, law_q, law_p) -> None:
    d = kl_derive.estimators(p, q)
    assert d.value(point) == pytest.approx(_kl_quad(*law_q, *law_p), rel=1e-9)
    names = {str(s): s for s in d.facts.variance["k1"].free_symbols}
    variance = float(
        d.facts.variance["k1"].subs({names[k]: v for k, v in point.items() if k in names})
    )
    (m1, s1), (m2, s2) = law_q, law_p
    mean = _quad(lambda z: -_log_r(z, m1, s1, m2, s2) * stats.norm.pdf(z, m1, s1))
    second = _quad(lambda z: _log_r(z, m1, s1, m2, s2) ** 2 * stats.norm.pdf(z, m1, s1))
    assert variance == pytest.approx(second - mean**2, rel=1e-8)


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("gamma", None, "two laws"),
        ("beta(a, b)", "beta(c, d)", "not derived yet"),
        ("poisson", None, "two laws"),
        ("normal", "laplace(0, 1)", "two laws of one family"),
        ("normal(0, 1)", "normal(0, -1)", "must be positive"),
        ("diag_normal(mu, sigma)", None, "normal"),
    ],
)
def test_refused_pairs_are_clear_errors(p, q, message) -> None:
    with pytest.raises(KLDeriveError, match=message):
        kl_derive.estimators(p, q)


def test_bad_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        kl_derive.estimators(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kl_derive.estimators("normal", lang=None)  # type: ignore[arg-type]


FORMATS = ("latex", "beamer", "markdown", "gfm", "myst", "quarto", "html", "json", "text")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(general, heavy, lang) -> None:
    for d in (general, heavy):
        for fmt in (*FORMATS, "ipynb", "typst"):
            text = d.render(fmt, lang)
            assert text.strip()
        assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))  # every placeholder filled
        data = json.loads(d.render("json", lang))
        assert all(step["verified"] for step in data["steps"])
        notebook = json.loads(d.render("ipynb", lang))
        source = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "kl_derive.estimators(" in source
    assert 'kl-derive estimators "normal(mu_1, sigma_1)"' in general.render("latex", lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_markdown_renders_with_katex(general, lang) -> None:
    katex_blocks([general], lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_latex_compiles_without_overfull_boxes(general, heavy, lang, tmp_path) -> None:
    for i, d in enumerate((general, heavy)):
        (tmp_path / f"e{i}.tex").write_text(d.to_latex(lang, standalone=True), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, f"e{i}.tex")
        assert done.returncode == 0, log[-2000:]
        assert "Overfull" not in log


@pytest.mark.slow
def test_command_line(tmp_path) -> None:
    script = console_script()
    done = subprocess.run(
        [script, "estimators", "normal(0, 2)", "normal(1, 1)", "--to", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "k₃" in done.stdout and "Var_q[k₃]" in done.stdout
    for args in (["gamma"], ["normal", "laplace(0, 1)"], ["normal", "--dims", "2"]):
        bad = subprocess.run(
            [script, "estimators", *args], capture_output=True, text=True, timeout=300
        )
        assert bad.returncode == 2, args
        assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("kl-derive: error:")


# ---------------------------------------------------------------------------
# kl-derive code estimators
# ---------------------------------------------------------------------------


def _run_generated(source: str, framework: str):
    """Run generated code with NumPy standing in for the framework's module."""
    from types import SimpleNamespace

    stand_in = {
        "numpy": {},
        "torch": {"torch": np},
        "jax": {"jnp": np},
        "tensorflow": {"tf": SimpleNamespace(math=SimpleNamespace(expm1=np.expm1))},
    }[framework]
    lines = [line for line in source.splitlines() if not line.startswith("import ")]
    namespace = {"np": np, **stand_in}
    if framework == "numpy":
        lines = source.splitlines()
    exec(compile("\n".join(lines), "generated", "exec"), namespace)  # our own generated code
    return next(v for k, v in namespace.items() if k.startswith("kl_"))


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
def test_generated_estimators_compute_the_definitions(framework) -> None:
    from kl_derive.codegen.estimators import estimator_code

    rng = np.random.default_rng(3)
    logp, ref_logp = rng.normal(size=1000), rng.normal(size=1000)
    log_r = ref_logp - logp
    r = np.exp(log_r)
    k1, k2, k3 = _run_generated(estimator_code(framework), framework)(logp, ref_logp)
    assert np.allclose(k1, -log_r) and np.allclose(k2, log_r**2 / 2)
    assert np.allclose(k3, r - 1 - log_r, rtol=1e-12, atol=1e-15)
    only = _run_generated(estimator_code(framework, "k3"), framework)
    tiny = np.array([1e-9, -1e-9, 0.0])  # log r near 0: expm1 keeps the digits
    assert np.allclose(only(np.zeros(3), tiny), tiny**2 / 2, rtol=1e-6, atol=0)


def test_generated_k3_estimates_kl_by_monte_carlo(general) -> None:
    from kl_derive.codegen.estimators import estimator_code

    m1, s1, m2, s2 = 0.2, 1.1, -0.3, 0.9
    rng = np.random.default_rng(99)
    x = rng.normal(m1, s1, 200_000)
    k1, _k2, k3 = _run_generated(estimator_code("numpy"), "numpy")(
        stats.norm.logpdf(x, m1, s1), stats.norm.logpdf(x, m2, s2)
    )
    kl = _f(general.facts.kl, general)(m1, s1, m2, s2)
    for k in (k1, k3):
        assert abs(k.mean() - kl) < 4 * k.std(ddof=1) / math.sqrt(k.size)


@pytest.mark.slow
def test_code_estimators_command_line(tmp_path) -> None:
    script = console_script()
    done = subprocess.run(
        [script, "code", "estimators", "--framework", "torch", "--estimator", "k2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "def kl_k2(logp, ref_logp):" in done.stdout
    kl = subprocess.run([script, "code", "normal"], capture_output=True, text=True, timeout=120)
    assert kl.returncode == 0 and "def kl_divergence(mu, logvar):" in kl.stdout
    out = tmp_path / "k.py"
    assert (
        subprocess.run([script, "code", "estimators", "-o", str(out)], timeout=120).returncode == 0
    )
    assert "def kl_estimators" in out.read_text()
    for args in (["--framework", "pytorch"], ["--estimator", "k4"], ["--bogus"]):
        bad = subprocess.run(
            [script, "code", "estimators", *args], capture_output=True, text=True, timeout=120
        )
        assert bad.returncode == 2, args
        assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("kl-derive: error:")


def test_off_policy_samples_need_the_differentiated_weight() -> None:
    """Samples from a fixed law m (not q): the held-fixed gradient of k3 estimates
    neither divergence's gradient; weighted by q/m with the weight differentiated too, it
    is the gradient of KL(q || p) (the remark of the derivation's last stage)."""
    # p narrower than q and m wider than q: r and the weight q/m are bounded
    m1, s1, m2, s2 = 0.4, 1.0, -0.3, 0.8
    mb, sb = 0.0, 1.2  # the sampling law m
    h = 1e-5
    forward = (_kl_quad(m1 + h, s1, m2, s2) - _kl_quad(m1 - h, s1, m2, s2)) / (2 * h)
    reverse = (_kl_quad(m2, s2, m1 + h, s1) - _kl_quad(m2, s2, m1 - h, s1)) / (2 * h)
    rng = np.random.default_rng(5)
    x = rng.normal(mb, sb, 400_000)

    def k3(mu):
        lr = _log_r(x, mu, s1, m2, s2)
        return np.expm1(lr) - lr

    def weighted(mu):
        return np.exp(stats.norm.logpdf(x, mu, s1) - stats.norm.logpdf(x, mb, sb)) * k3(mu)

    plain = (k3(m1 + h) - k3(m1 - h)) / (2 * h)
    full = (weighted(m1 + h) - weighted(m1 - h)) / (2 * h)
    assert abs(full.mean() - forward) < 4 * full.std(ddof=1) / math.sqrt(full.size)
    plain_se = plain.std(ddof=1) / math.sqrt(plain.size)
    assert abs(plain.mean() - forward) > 10 * plain_se
    assert abs(plain.mean() - reverse) > 10 * plain_se


# ---------------------------------------------------------------------------
# kl-derive build: estimators entries
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_build_manifest_with_estimators_entries(tmp_path) -> None:
    """An ``estimators`` entry of a manifest writes what ``kl-derive estimators`` prints;
    a refused pair fails on its own line (exit 2) and the other entries are still built."""
    from conftest import run_module

    (tmp_path / "notes.toml").write_text(
        """
[[derivation]]
quantity = "estimators"
p = "normal(0, 2)"
q = "normal(1, 1)"
to = "text"
output = "out/est.txt"

[[derivation]]
quantity = "estimators"
p = "normal(0, 2)"
q = "normal(1, 1)"
lang = "ko"
to = "markdown"
output = "out/est-ko.md"

[[derivation]]
quantity = "estimators"
p = "gamma"
output = "out/bad.tex"

[[derivation]]
quantity = "estimators"
p = "normal(0, 2)"
dims = 2
output = "out/bad-dims.tex"
""",
        encoding="utf-8",
    )
    done = run_module(["build", "notes.toml", "--no-cache", "-j", "1"], cwd=tmp_path, timeout=600)
    assert done.returncode == 2, done.stderr
    assert "derivation 3" in done.stderr and "normal" in done.stderr
    assert "derivation 4" in done.stderr and "dims" in done.stderr
    for name, args in (
        ("out/est.txt", ["--to", "text"]),
        ("out/est-ko.md", ["--lang", "ko", "--to", "markdown"]),
    ):
        single = run_module(
            ["estimators", "normal(0, 2)", "normal(1, 1)", *args, "--no-cache"],
            cwd=tmp_path,
            timeout=600,
        )
        assert single.returncode == 0, single.stderr
        assert (tmp_path / name).read_text(encoding="utf-8") == single.stdout
    assert not (tmp_path / "out" / "bad.tex").exists()


# ---------------------------------------------------------------------------
# gradients in the reference law's parameters (q does not move with them)
# ---------------------------------------------------------------------------


def _mean_k2_quad(m1, s1, m2, s2) -> float:
    return _quad(lambda z: stats.norm.pdf(z, m1, s1) * _log_r(z, m1, s1, m2, s2) ** 2 / 2)


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.5, 1.3, -0.2, 0.9), (-0.7, 1.1, 0.4, 1.4)])
@pytest.mark.slow
def test_reference_gradients_against_finite_differences(general, m1, s1, m2, s2) -> None:
    """d/d mu_2 and d/d sigma_2: k1 and k3 both give d KL(q || p), k2 the derivative of its
    own mean (finite differences of quadrature; Monte Carlo of per-sample derivatives)."""
    h = 1e-5
    grads = general.facts.gradient_reference
    assert set(grads) == {"mu_2", "sigma_2"}
    rng = np.random.default_rng(13)
    z = rng.normal(m1, s1, 400_000)
    for name, shift in (("mu_2", (h, 0.0)), ("sigma_2", (0.0, h))):
        up, down = (m2 + shift[0], s2 + shift[1]), (m2 - shift[0], s2 - shift[1])
        forward = (_kl_quad(m1, s1, *up) - _kl_quad(m1, s1, *down)) / (2 * h)
        own = (_mean_k2_quad(m1, s1, *up) - _mean_k2_quad(m1, s1, *down)) / (2 * h)
        for which, expected in (("k1", forward), ("k2", own), ("k3", forward)):
            value = _f(grads[name][which], general)(m1, s1, m2, s2)
            assert value == pytest.approx(expected, rel=1e-5), (name, which)
        assert own != pytest.approx(forward, rel=1e-2)  # k2's bias reaches its gradient

        def k(params, which):
            lr = _log_r(z, m1, s1, *params)
            return {"k1": -lr, "k2": lr**2 / 2, "k3": np.expm1(lr) - lr}[which]

        for which, expected in (("k1", forward), ("k2", own), ("k3", forward)):
            g = (k(up, which) - k(down, which)) / (2 * h)
            se = g.std(ddof=1) / math.sqrt(g.size)
            assert abs(g.mean() - expected) < 4 * se, (name, which)


@pytest.mark.slow
def test_reference_gradient_stages_follow_the_others(general) -> None:
    keys = [s.key for s in general.stages]
    assert keys[-4:] == [
        "estimators_gradient",
        "estimators_gradient_scale",
        "estimators_gradient_reference",
        "estimators_gradient_reference",
    ]
    numbers = kl_derive.estimators("normal(mu_1, sigma_1)", "normal(0, 1)")
    assert "estimators_gradient_reference" not in [s.key for s in numbers.stages]
    assert numbers.facts.gradient_reference == {}
