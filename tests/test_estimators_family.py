"""kl-derive estimators for two laws of one exponential family: the closed forms (through
the log-partition function) against numerics written independently of the engine (SciPy
quadrature and sums over SciPy's own log densities, Monte Carlo with fixed seeds), at
random parameters on both sides of the chi-square condition."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import lambdify, oo

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.spec import parse_spec
from kl_derive.steps.rules import RULES
from kl_derive.strategies.estimator_family_facts import family_estimator_facts
from kl_derive.symbolic.convert import bind_pair

# family -> (spec of q, spec of p, parameter names, SciPy law from parameters, support kind)
FAMILIES = {
    "exponential": (
        "exponential(a1)",
        "exponential(a2)",
        lambda a: stats.expon(scale=1 / a[0]),
        "half",
    ),
    "gamma": (
        "gamma(a1, b1)",
        "gamma(a2, b2)",
        lambda a: stats.gamma(a[0], scale=1 / a[1]),
        "half",
    ),
    "beta": ("beta(a1, b1)", "beta(a2, b2)", lambda a: stats.beta(a[0], a[1]), "unit"),
    "poisson": ("poisson(a1)", "poisson(a2)", lambda a: stats.poisson(a[0]), "count"),
    "bernoulli": ("bernoulli(a1)", "bernoulli(a2)", lambda a: stats.bernoulli(a[0]), "count"),
    # kl-derive's geometric law counts failures, k = 0, 1, ...: NB(1, p)
    "geometric": ("geometric(a1)", "geometric(a2)", lambda a: stats.nbinom(1, a[0]), "count"),
}


@pytest.fixture(scope="module")
def facts():
    out = {}
    for name, (p, q, _, _) in FAMILIES.items():
        first, second = bind_pair(parse_spec(p), parse_spec(q), None)
        out[name] = (first, second, family_estimator_facts(first, second))
    return out


def _draw(name: str, rng) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if name in ("exponential", "poisson"):
        return (rng.uniform(0.3, 3),), (rng.uniform(0.3, 3),)
    if name in ("gamma", "beta"):
        return tuple(rng.uniform(0.6, 4, 2)), tuple(rng.uniform(0.6, 4, 2))
    return (rng.uniform(0.1, 0.9),), (rng.uniform(0.1, 0.9),)


def _evaluate(expr, first, second, a, b) -> float:
    symbols = [*first.args, *second.args]
    return float(lambdify(symbols, expr, "mpmath")(*a, *b).real)


def _total(kind: str, h, law) -> float:
    """The integral (or sum, for a mass function) of h over the support."""
    if kind == "count":
        k = np.arange(0, int(law.ppf(1 - 1e-16)) + 400)
        return float(np.sum(h(k)))
    lo, hi = (0.0, np.inf) if kind == "half" else (0.0, 1.0)
    return integrate.quad(h, lo, hi, limit=400, epsrel=1e-11)[0]


def _laws(name, a, b):
    make, kind = FAMILIES[name][2], FAMILIES[name][3]
    q, p = make(a), make(b)
    if kind == "count":
        return q, p, kind, q.logpmf, p.logpmf
    return q, p, kind, q.logpdf, p.logpdf


def _numbers(name, a, b) -> dict[str, float]:
    """Every quantity the facts give, from SciPy's log densities; each integrand is written
    with its weight in log space (exp(2 log p - log q) for r^2 q), so that no tail
    overflows."""
    q, _p, kind, lq, lp = _laws(name, a, b)

    def under(f, log_weight):
        def h(z):
            with np.errstate(all="ignore"):
                w = np.exp(log_weight(z))
                return np.where(w > 0, w * f(z), 0.0)

        return _total(kind, h, q)

    def log_r(z):
        return lp(z) - lq(z)

    kl = -under(log_r, lq)
    out = {
        "kl": kl,
        "m2": under(lambda z: log_r(z) ** 2, lq),
        "m4": under(lambda z: log_r(z) ** 4, lq),
        "reverse": under(log_r, lp),
        "r2": under(lambda z: 1.0 + 0 * z, lambda z: 2 * lp(z) - lq(z)),
    }
    # E_q[(r - 1 - L)^2] = E_q[r^2] - 2 E_p[1 + L] + E_q[(1 + L)^2]
    out["k3_square"] = (
        out["r2"] - 2 * under(lambda z: 1 + log_r(z), lp) + under(lambda z: (1 + log_r(z)) ** 2, lq)
    )
    out["var3"] = out["k3_square"] - kl**2
    return out


def _log_density_in_u(name, args, u):
    """log of (density times dz/du) at z(u), written by hand: z = e^u on the half-line,
    z = 1/(1 + e^-u) on (0, 1), so that both ends of the support are reached."""
    if name == "exponential":
        (rate,) = args
        return math.log(rate) - rate * math.exp(min(u, 700)) + u
    if name == "gamma":
        a, b = args
        return a * math.log(b) + a * u - b * math.exp(min(u, 700)) - math.lgamma(a)
    a, b = args  # beta: log z = -log(1 + e^-u), log(1 - z) = -log(1 + e^u)
    log_z, log_w = -np.logaddexp(0, -u), -np.logaddexp(0, u)
    norm = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return a * log_z + b * log_w - norm


def _growth(name, a, b) -> tuple[float, float]:
    """The integral (sum) of p^2/q over a part of the support and over a much larger one."""
    _q, _p, kind, lq, lp = _laws(name, a, b)
    if kind == "count":
        k = np.arange(0, 4000)
        terms = np.exp(2 * lp(k) - lq(k))
        return float(terms[:200].sum()), float(terms.sum())

    def h(u):
        value = 2 * _log_density_in_u(name, b, u) - _log_density_in_u(name, a, u)
        return math.exp(min(value, 700.0))

    ends = ((-20.0, 3.0), (-400.0, 8.0)) if kind == "half" else ((-20.0, 20.0), (-400.0, 400.0))
    return tuple(  # type: ignore[return-value]
        integrate.quad(h, lo, hi, limit=1000, points=[0.0])[0] for lo, hi in ends
    )


def _condition_holds(name, a, b) -> bool:
    if name == "exponential":
        return 2 * b[0] > a[0]
    if name in ("gamma", "beta"):
        return 2 * b[0] > a[0] and 2 * b[1] > a[1]
    if name == "geometric":
        return (1 - b[0]) ** 2 < 1 - a[0]
    return True


@pytest.mark.parametrize("name", list(FAMILIES))
@pytest.mark.slow
def test_closed_forms_against_quadrature_and_sums(facts, name) -> None:
    first, second, f = facts[name]
    rng = np.random.default_rng(len(name) * 7919)
    sides = set()
    for _ in range(40):
        a, b = _draw(name, rng)
        holds = _condition_holds(name, a, b)
        if holds in sides and len(sides) < 2 and name not in ("poisson", "bernoulli"):
            continue
        sides.add(holds)
        n = _numbers(name, a, b)
        values = dict(zip([*first.args, *second.args], [*a, *b], strict=True))

        def ev(e, a=a, b=b):
            return _evaluate(e, first, second, a, b)

        assert math.isclose(ev(f.kl), n["kl"], rel_tol=1e-7, abs_tol=1e-9)
        assert math.isclose(ev(f.reverse_kl), n["reverse"], rel_tol=1e-7, abs_tol=1e-9)
        var1 = n["m2"] - n["kl"] ** 2
        assert math.isclose(ev(f.variance["k1"]), var1, rel_tol=1e-6, abs_tol=1e-9)
        assert math.isclose(ev(f.mean["k2"]), n["m2"] / 2, rel_tol=1e-7, abs_tol=1e-9)
        var2 = (n["m4"] - n["m2"] ** 2) / 4
        assert math.isclose(ev(f.variance["k2"]), var2, rel_tol=1e-6, abs_tol=1e-9)
        # the stated condition, and the one shown, are exactly where E_q[r^2] is finite
        assert bool(f.condition.subs(values)) == holds
        assert bool(f.condition_shown.subs(values)) == holds
        if holds:
            assert math.isclose(ev(f.second_moment_ratio), n["r2"], rel_tol=1e-6)
            assert math.isclose(ev(f.variance["k3"]), n["var3"], rel_tol=1e-5, abs_tol=1e-8)
        else:
            assert f.second_moment_ratio.subs(values) is oo
            assert f.variance["k3"].subs(values) is oo
            small, large = _growth(name, a, b)  # the integral of p^2/q grows without bound
            assert large > 3 * small, (small, large)
    if name not in ("poisson", "bernoulli"):
        assert sides == {True, False}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_monte_carlo_within_a_few_standard_errors(facts, name) -> None:
    first, second, f = facts[name]
    rng = np.random.default_rng(20261207)
    a, b = _draw(name, rng)
    while not _condition_holds(name, a, b):
        a, b = _draw(name, rng)
    make, kind = FAMILIES[name][2], FAMILIES[name][3]
    q, p = make(a), make(b)
    z = q.rvs(size=200_000, random_state=np.random.default_rng(7))
    logpdf = (lambda law: law.logpmf) if kind == "count" else (lambda law: law.logpdf)
    log_r = logpdf(p)(z) - logpdf(q)(z)
    samples = {"k1": -log_r, "k2": log_r**2 / 2, "k3": np.expm1(log_r) - log_r}
    for k, x in samples.items():
        mean = _evaluate(f.mean[k], first, second, a, b)
        se = x.std(ddof=1) / math.sqrt(len(x))
        assert abs(x.mean() - mean) <= 4 * se + 1e-12, (k, x.mean(), mean, se)
    for k in ("k1", "k2"):
        x = samples[k]
        var = _evaluate(f.variance[k], first, second, a, b)
        se = np.std((x - x.mean()) ** 2, ddof=1) / math.sqrt(len(x))
        assert abs(x.var(ddof=1) - var) <= 5 * se + 1e-12, (k, x.var(), var, se)
    assert (samples["k3"] >= -1e-12).all()


@pytest.fixture(scope="module")
def exponential():
    return kl_derive.estimators("exponential(lambda_1)", "exponential(lambda_2)")


@pytest.fixture(scope="module")
def heavy():
    """2 lambda_2 < lambda_1: E_q[r^2] and Var k3 are infinite."""
    return kl_derive.estimators("exponential(2)", "exponential(1/2)")


@pytest.mark.slow
def test_every_step_is_verified_and_states_the_condition(exponential, heavy) -> None:
    for d in (exponential, heavy):
        for stage in d.stages:
            for chain in stage.chains:
                for step in chain.steps:
                    assert step.check in ("symbolic", "numeric")
                    assert step.rule in RULES
    stage = next(s for s in exponential.stages if s.key == "estimators_family_k3")
    uses_r2 = [
        step for chain in stage.chains for step in chain.steps if "r(z)**2" in str(step.before)
    ]
    assert uses_r2 and all(step.condition is not None for step in uses_r2)
    assert [s.key for s in heavy.stages][4] == "estimators_family_k3_infinite"
    assert heavy.facts.variance["k3"] is oo
    # the same law twice: no divergence
    assert exponential.result.subs({s: 1 for s in exponential.result.free_symbols}) == 0


FORMATS = ("latex", "beamer", "markdown", "gfm", "myst", "quarto", "html", "json", "text")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(exponential, heavy, lang) -> None:
    for d in (exponential, heavy):
        for fmt in (*FORMATS, "ipynb", "typst"):
            assert d.render(fmt, lang).strip()
        assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
        data = json.loads(d.render("json", lang))
        assert all(step["verified"] for step in data["steps"])
    text = exponential.render("text", lang)
    assert "2λ₂ > λ₁" in text


@pytest.mark.slow
def test_a_mass_function_derives() -> None:
    d = kl_derive.estimators("poisson(2)", "poisson(3)")
    expected = 2 * math.log(2 / 3) + 1
    assert math.isclose(float(d.result), expected, rel_tol=1e-12)
    assert [s.key for s in d.stages][4] == "estimators_family_k3_always"


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("poisson", None, "two laws"),
        ("gamma", None, "two laws"),
        ("beta(1, 2)", "beta(2, 1)", "not derived yet"),
        ("poisson(1)", "geometric(1/2)", "one family"),
        ("laplace(0, 1)", "laplace(1, 1)", "one family"),
        ("normal", "laplace(0, 1)", "one family"),
    ],
)
def test_refused_pairs_are_clear_errors(p, q, message) -> None:
    with pytest.raises(KLDeriveError, match=message):
        kl_derive.estimators(p, q)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_latex_compiles_without_overfull_boxes(exponential, heavy, lang, tmp_path) -> None:
    from conftest import run_pdflatex

    poisson = kl_derive.estimators("poisson(lambda_1)", "poisson(lambda_2)")
    for i, d in enumerate((exponential, heavy, poisson)):
        (tmp_path / f"e{i}.tex").write_text(d.to_latex(lang, standalone=True), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, f"e{i}.tex")
        assert done.returncode == 0, log[-2000:]
        assert "Overfull" not in log


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_markdown_renders_with_katex(exponential, lang) -> None:
    from conftest import katex_blocks

    katex_blocks([exponential], lang)


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
@pytest.mark.slow
def test_code_of_the_moments(framework) -> None:
    """kl-derive code estimators P Q: the printed function (checked against the closed
    forms before printing) runs, and its NumPy form agrees with SciPy sums."""
    from kl_derive.codegen.estimator_moments import estimator_moments_code

    source = estimator_moments_code(framework, "poisson(lambda_1)", "poisson(lambda_2)")
    assert "def kl_estimator_moments(lambda_1, lambda_2):" in source
    if framework != "numpy":
        return
    namespace: dict = {}
    exec(source, namespace)  # the module printed above
    a, b = (1.7,), (2.9,)
    got = namespace["kl_estimator_moments"](1.7, 2.9)
    n = _numbers("poisson", a, b)
    assert got[0] == pytest.approx(n["kl"], rel=1e-9)
    assert got[1] == pytest.approx(n["m2"] - n["kl"] ** 2, rel=1e-8)
    assert got[2] == pytest.approx((n["m4"] - n["m2"] ** 2) / 4, rel=1e-8)
    assert got[3] == pytest.approx(n["var3"], rel=1e-7)
    assert got[4] == pytest.approx(n["m2"] / 2 - n["kl"], rel=1e-8)


@pytest.mark.slow
def test_code_of_the_moments_is_infinite_outside_the_condition() -> None:
    from kl_derive.codegen.estimator_moments import estimator_moments_code

    source = estimator_moments_code("numpy", "exponential(l1)", "exponential(l2)")
    assert "np.where(" in source and "np.inf" in source
    namespace: dict = {}
    exec(source, namespace)  # the module printed above
    assert math.isinf(namespace["kl_estimator_moments"](2.0, 0.5)[3])  # 2 l2 < l1
    assert math.isfinite(namespace["kl_estimator_moments"](2.0, 1.5)[3])
    n = _numbers("exponential", (2.0,), (1.5,))
    assert namespace["kl_estimator_moments"](2.0, 1.5)[3] == pytest.approx(n["var3"], rel=1e-7)


@pytest.mark.slow
def test_code_of_the_moments_command_line() -> None:
    from click.testing import CliRunner

    from kl_derive.cli import main_command as main

    runner = CliRunner()
    done = runner.invoke(main, ["code", "estimators", "geometric(p_1)", "geometric(p_2)"])
    assert done.exit_code == 0, done.output
    assert "def kl_estimator_moments(p_1, p_2):" in done.output
    done = runner.invoke(main, ["code", "estimators", "poisson(1)"])
    assert done.exit_code == 2 and "two laws" in done.output
    done = runner.invoke(
        main, ["code", "estimators", "--estimator", "k3", "poisson(a)", "poisson(b)"]
    )
    assert done.exit_code == 2
