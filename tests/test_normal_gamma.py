"""KL between two Normal-Gamma laws (issue 17), derived by the chain rule.

Checked at random parameters against references computed here with SciPy's own densities:
a 2-D quadrature of q log(q/p) over (x, tau) with q = Gamma(tau; alpha, rate beta) times
N(x; mu, 1/(lambda tau)), and a Monte Carlo mean of log(q/p) over draws of (tau, x).
Nothing of kl-derive's densities is used. A wrong step is refused.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import run_module
from render_checks import assert_renders
from scipy import integrate, stats

import kl_derive
from kl_derive.errors import KLDeriveError, VerificationError

NG1 = "normal_gamma(mu_1, lambda_1, alpha_1, beta_1)"
NG2 = "normal_gamma(mu_2, lambda_2, alpha_2, beta_2)"


def _logpdf(x, tau, mu, lam, alpha, beta):
    """log Gamma(tau; alpha, rate beta) + log N(x; mu, 1/(lam tau)), for arrays (SciPy)."""
    return stats.gamma.logpdf(tau, alpha, scale=1 / beta) + stats.norm.logpdf(
        x, mu, 1 / np.sqrt(lam * tau)
    )


def _log_density(x: float, tau: float, mu, lam, alpha, beta) -> float:
    """The same for one point, written out with the math module (quadrature is faster)."""
    log_gamma = alpha * math.log(beta) - math.lgamma(alpha) + (alpha - 1) * math.log(tau)
    log_normal = 0.5 * math.log(lam * tau / (2 * math.pi)) - lam * tau * (x - mu) ** 2 / 2
    return log_gamma - beta * tau + log_normal


def _quadrature(one: tuple, two: tuple) -> float:
    mu, lam, alpha, beta = one
    tau_q = stats.gamma(alpha, scale=1 / beta)
    lo, hi = tau_q.ppf(1e-13), tau_q.ppf(1 - 1e-13)
    # the point densities agree with SciPy's
    assert _log_density(0.3, 1.1, *one) == pytest.approx(float(_logpdf(0.3, 1.1, *one)))

    def inner(tau: float) -> float:
        sd = 1 / math.sqrt(lam * tau)

        def f(x: float) -> float:
            log_q = _log_density(x, tau, *one)
            return math.exp(log_q) * (log_q - _log_density(x, tau, *two))

        value, _ = integrate.quad(f, mu - 12 * sd, mu + 12 * sd, epsabs=1e-13, limit=200)
        return value

    value, _ = integrate.quad(inner, lo, hi, epsabs=1e-11, epsrel=1e-10, limit=200)
    return value


def _monte_carlo(one: tuple, two: tuple, n: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    mu, lam, alpha, beta = one
    tau = rng.gamma(alpha, 1 / beta, size=n)
    x = rng.normal(mu, 1 / np.sqrt(lam * tau))
    ratio = _logpdf(x, tau, *one) - _logpdf(x, tau, *two)
    return float(ratio.mean()), float(ratio.std(ddof=1) / np.sqrt(n))


def _value(derivation, one: tuple, two: tuple) -> float:
    names = ("mu", "lambda", "alpha", "beta")
    values = {f"{k}_1": v for k, v in zip(names, one, strict=True)}
    values |= {f"{k}_2": v for k, v in zip(names, two, strict=True)}
    result = derivation.result
    return float(result.xreplace({s: values[s.name] for s in result.free_symbols}).evalf(30))


def _random(rng: np.random.Generator) -> tuple:
    return (rng.normal(), rng.uniform(0.2, 4), rng.uniform(0.6, 6), rng.uniform(0.3, 4))


@pytest.mark.slow
def test_matches_quadrature_and_monte_carlo() -> None:
    d = kl_derive.derive(NG1, NG2)
    assert all(step.verified for step in d.steps)
    assert d.strategy == "chain rule"
    rng = np.random.default_rng(17)
    for trial in range(4):
        one, two = _random(rng), _random(rng)
        got = _value(d, one, two)
        assert got == pytest.approx(_quadrature(one, two), rel=1e-7, abs=1e-9)
        if trial < 2:
            mean, error = _monte_carlo(one, two, 400_000, seed=trial)
            assert abs(got - mean) < 5 * error
    # the same law: zero
    same = (0.3, 1.7, 2.2, 0.9)
    assert _value(d, same, same) == pytest.approx(0, abs=1e-12)


def test_numbers_and_the_standard_member() -> None:
    d = kl_derive.derive("normal_gamma(0, 1, 2, 3)", "normal_gamma(1, 2, 3, 1)")
    assert d.result.is_number
    assert float(d.result) == pytest.approx(_quadrature((0, 1, 2, 3), (1, 2, 3, 1)), rel=1e-8)
    standard = kl_derive.derive("normal_gamma(m, l, a, b)")  # against NG(0, 1, 1, 1)
    values = {"m": 0.4, "l": 2.5, "a": 1.7, "b": 0.8}
    got = float(standard.result.xreplace({s: values[s.name] for s in standard.result.free_symbols}))
    assert got == pytest.approx(_quadrature((0.4, 2.5, 1.7, 0.8), (0, 1, 1, 1)), rel=1e-8)


def test_a_wrong_step_is_refused() -> None:
    from sympy import Function

    from kl_derive.engine import verify_draft
    from kl_derive.families.normal_gamma import PRECISION
    from kl_derive.spec import parse_spec
    from kl_derive.strategies.normal_gamma_chain import derive
    from kl_derive.symbolic.convert import bind_pair
    from kl_derive.symbolic.objects import KL, Expect

    first, second = bind_pair(parse_spec(NG1), parse_spec(NG2), None)
    draft = derive(first, second)
    verify_draft(draft)  # as drafted: true
    for key, rule in (("normal_gamma_conditional", "kl.conditional"), ("chain_rule", None)):
        stages = list(draft.stages)
        index = next(i for i, s in enumerate(stages) if s.key == key)
        stage = stages[index]
        (chain,) = stage.chains
        (step,) = chain.steps
        if rule is not None:  # forget the factor 1/2 in front of the conditional divergence
            wrong = replace(step, after=2 * step.after)
        else:  # the conditional divergence averaged under the second law of tau
            pt, qt = Function("pt")(PRECISION), Function("qt")(PRECISION)
            expectation = next(a for a in step.after.args if isinstance(a, Expect))
            inner = expectation.args[0]
            wrong = replace(step, after=KL(qt, pt) + Expect(inner, pt))
        stages[index] = replace(stage, chains=(replace(chain, steps=(wrong,)),))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))


def test_pairs_and_families_list_it() -> None:
    pairs = run_module(["pairs"])
    assert "normal_gamma || normal_gamma" in pairs.stdout and "chain rule" in pairs.stdout
    families = run_module(["families"])
    assert "normal_gamma(loc, lambda, concentration, rate)" in families.stdout


def test_code_runs() -> None:
    from kl_derive.codegen.convenience import code_for

    source = code_for("normal_gamma(mu, lambda, alpha, beta)", "normal_gamma(0, 1, 1, 1)")
    namespace: dict = {}
    exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
    one = (0.4, 2.5, 1.7, 0.8)
    got = namespace["kl_divergence"](*(np.array([[v]]) for v in one))
    assert float(got[0]) == pytest.approx(_quadrature(one, (0, 1, 1, 1)), rel=1e-8)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["normal_gamma(mu, lambda, alpha)"], "takes"),
        (["normal_gamma(0, -1, 1, 1)", "normal_gamma"], "positive"),
        (["normal_gamma", "normal"], "not derivable"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = run_module(args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr, done.stderr
    with pytest.raises(KLDeriveError):
        kl_derive.derive(*args)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path, monkeypatch) -> None:
    sample = {
        "normal-gamma": ("kl", NG1, NG2, {}),
        "normal-gamma-numbers": ("kl", "normal_gamma(0, 1, 2, 3)", "normal_gamma(1, 2, 3, 1)", {}),
        "normal-gamma-entropy": ("entropy", NG1, None, {}),
        "normal-gamma-cross-entropy": ("cross_entropy", NG1, NG2, {}),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)


def _entropy_quadrature(law: tuple) -> float:
    """-E[log q] by 2-D quadrature over (x, tau), the densities written out above."""
    mu, lam, alpha, beta = law
    tau_q = stats.gamma(alpha, scale=1 / beta)
    lo, hi = tau_q.ppf(1e-13), tau_q.ppf(1 - 1e-13)

    def inner(tau: float) -> float:
        sd = 1 / math.sqrt(lam * tau)

        def f(x: float) -> float:
            log_q = _log_density(x, tau, *law)
            return -math.exp(log_q) * log_q

        value, _ = integrate.quad(f, mu - 12 * sd, mu + 12 * sd, epsabs=1e-13, limit=200)
        return value

    value, _ = integrate.quad(inner, lo, hi, epsabs=1e-11, epsrel=1e-10, limit=200)
    return value


def test_entropy_matches_quadrature_and_monte_carlo() -> None:
    """The entropy by the chain rule of the entropy (issue 17), at random parameters."""
    d = kl_derive.entropy(NG1)
    assert all(step.verified for step in d.steps) and d.quantity == "entropy"
    names = ("mu", "lambda", "alpha", "beta")
    rng = np.random.default_rng(23)
    for trial in range(4):
        law = _random(rng)
        values = {f"{k}_1": v for k, v in zip(names, law, strict=True)}
        got = float(d.result.xreplace({s: values[s.name] for s in d.result.free_symbols}))
        assert got == pytest.approx(_entropy_quadrature(law), rel=1e-7, abs=1e-9)
        if trial < 2:
            sample = np.random.default_rng(trial)
            mu, lam, alpha, beta = law
            tau = sample.gamma(alpha, 1 / beta, size=400_000)
            x = sample.normal(mu, 1 / np.sqrt(lam * tau))
            minus_log = -_logpdf(x, tau, *law)
            error = minus_log.std(ddof=1) / np.sqrt(minus_log.size)
            assert abs(got - minus_log.mean()) < 5 * error
    numbers = kl_derive.entropy("normal_gamma(1, 2, 3, 4)")
    assert float(numbers.result) == pytest.approx(_entropy_quadrature((1, 2, 3, 4)), rel=1e-8)
    # the cross-entropy of a Normal-Gamma law needs the second law: one line
    done = run_module(["cross-entropy", NG1])
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "second law" in done.stderr


def _cross_entropy_quadrature(one: tuple, two: tuple) -> float:
    """-E_q[log p] by 2-D quadrature over (x, tau), the densities written out above."""
    mu, lam, alpha, beta = one
    tau_q = stats.gamma(alpha, scale=1 / beta)
    lo, hi = tau_q.ppf(1e-13), tau_q.ppf(1 - 1e-13)

    def inner(tau: float) -> float:
        sd = 1 / math.sqrt(lam * tau)

        def f(x: float) -> float:
            return -math.exp(_log_density(x, tau, *one)) * _log_density(x, tau, *two)

        value, _ = integrate.quad(f, mu - 12 * sd, mu + 12 * sd, epsabs=1e-13, limit=200)
        return value

    value, _ = integrate.quad(inner, lo, hi, epsabs=1e-11, epsrel=1e-10, limit=200)
    return value


def test_cross_entropy_matches_quadrature_and_monte_carlo() -> None:
    """H(q, p) by the chain rule of the cross-entropy, at random parameters: against 2-D
    quadrature and a Monte Carlo mean of -log p over draws from q; H(q, q) = H(q) and
    H(q, p) - H(q) = KL(q || p), each from its own derivation."""
    d = kl_derive.cross_entropy(NG1, NG2)
    assert all(step.verified for step in d.steps) and d.quantity == "cross_entropy"
    h, kl = kl_derive.entropy(NG1), kl_derive.derive(NG1, NG2)
    rng = np.random.default_rng(29)
    for trial in range(4):
        one, two = _random(rng), _random(rng)
        got = _value(d, one, two)
        assert got == pytest.approx(_cross_entropy_quadrature(one, two), rel=1e-7, abs=1e-9)
        assert got - _value(h, one, one) == pytest.approx(_value(kl, one, two), abs=1e-10)
        assert _value(d, one, one) == pytest.approx(_value(h, one, one), abs=1e-10)
        if trial < 2:
            sample = np.random.default_rng(trial)
            mu, lam, alpha, beta = one
            tau = sample.gamma(alpha, 1 / beta, size=400_000)
            x = sample.normal(mu, 1 / np.sqrt(lam * tau))
            minus_log = -_logpdf(x, tau, *two)
            error = minus_log.std(ddof=1) / np.sqrt(minus_log.size)
            assert abs(got - minus_log.mean()) < 5 * error
    numbers = kl_derive.cross_entropy("normal_gamma(1, 2, 3, 4)", "normal_gamma(0, 1, 2, 3)")
    expected = _cross_entropy_quadrature((1, 2, 3, 4), (0, 1, 2, 3))
    assert float(numbers.result) == pytest.approx(expected, rel=1e-8)


def test_a_wrong_cross_entropy_step_is_refused() -> None:
    from sympy import Function

    from kl_derive.engine import verify_draft
    from kl_derive.families.normal_gamma import PRECISION
    from kl_derive.spec import parse_spec
    from kl_derive.strategies.normal_gamma_cross_entropy import derive_normal_gamma_cross_entropy
    from kl_derive.symbolic.convert import bind_pair
    from kl_derive.symbolic.objects import CrossEntropy, Expect

    first, second = bind_pair(parse_spec(NG1), parse_spec(NG2), None)
    draft = derive_normal_gamma_cross_entropy(first, second)
    verify_draft(draft)  # as drafted: true
    keys = ("normal_gamma_cross_entropy_conditional", "normal_gamma_cross_entropy_marginal")
    for key in (*keys, "chain_rule_cross_entropy"):
        stages = list(draft.stages)
        index = next(i for i, s in enumerate(stages) if s.key == key)
        stage = stages[index]
        (chain,) = stage.chains
        (step,) = chain.steps
        if key in keys:  # a term too many
            wrong = replace(step, after=step.after + 1)
        else:  # the conditional part averaged under the second law of tau
            pt, qt = Function("pt")(PRECISION), Function("qt")(PRECISION)
            expectation = next(a for a in step.after.args if isinstance(a, Expect))
            wrong = replace(step, after=CrossEntropy(qt, pt) + Expect(expectation.args[0], pt))
        stages[index] = replace(stage, chains=(replace(chain, steps=(wrong,)),))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))
