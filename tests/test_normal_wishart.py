"""KL between two Normal-Wishart laws (issue 17), derived by the chain rule.

Checked at random parameters (d = 2 and 3, numbers and names) against a Monte Carlo mean of
log(q/p) over draws of (Lambda, x): Lambda from scipy.stats.wishart, x given Lambda from
N(mu, (lambda Lambda)^{-1}), and the log densities written out here with NumPy (checked
against scipy.stats.wishart and scipy.stats.multivariate_normal). Nothing of kl-derive's
densities is used.

Published code got this pair wrong: google-deepmind/torch-distributions#33 ("KL for
Wishart and Normal-Wishart ... not identically zero when p and q are identical") and the
rewrite in #32 ("previous naive version was incorrect"). The same law twice gives exactly 0
here, with numbers and with names.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import run_module
from render_checks import assert_renders
from scipy import special, stats

import kl_derive
from kl_derive.errors import KLDeriveError, VerificationError


def _log_normal(x: np.ndarray, mu: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """log N(x; mu, precision^{-1}) for a stack of points and precision matrices."""
    d = mu.shape[0]
    v = x - mu
    quadratic = np.einsum("ni,nij,nj->n", v, precision, v)
    _, log_det = np.linalg.slogdet(precision)
    return -0.5 * d * np.log(2 * np.pi) + 0.5 * log_det - 0.5 * quadratic


def _log_wishart(draws: np.ndarray, w: np.ndarray, nu: float) -> np.ndarray:
    """log W_d(Lambda; nu, W) for a stack of matrices (SciPy's logpdf loops; this is
    checked against it in test_the_scipy_densities_agree)."""
    d = w.shape[0]
    _, log_det = np.linalg.slogdet(draws)
    trace = np.einsum("ij,nji->n", np.linalg.inv(w), draws)
    return (
        (nu - d - 1) / 2 * log_det
        - trace / 2
        - nu * d / 2 * np.log(2)
        - nu / 2 * np.linalg.slogdet(w)[1]
        - special.multigammaln(nu / 2, d)
    )


def _log_joint(x, lam_draws, law) -> np.ndarray:
    mu, lam, w, nu = law
    return _log_wishart(lam_draws, w, nu) + _log_normal(x, mu, lam * lam_draws)


def _monte_carlo(one: tuple, two: tuple, n: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    mu, lam, w, nu = one
    draws = stats.wishart(df=nu, scale=w).rvs(size=n, random_state=rng)
    # x = mu + L^{-T} z with L L^T = lambda Lambda: covariance (lambda Lambda)^{-1}
    chol = np.linalg.cholesky(lam * draws)
    z = rng.standard_normal((n, mu.shape[0], 1))
    x = mu + np.linalg.solve(np.swapaxes(chol, 1, 2), z)[..., 0]
    ratio = _log_joint(x, draws, one) - _log_joint(x, draws, two)
    return float(ratio.mean()), float(ratio.std(ddof=1) / np.sqrt(n))


def _random_law(rng: np.random.Generator, d: int) -> tuple:
    a = rng.normal(size=(d, d))
    w = a @ a.T / d + 0.3 * np.eye(d)
    # nu > d: below it Bartlett draws of det Lambda underflow in floating point at times
    return (rng.normal(size=d), rng.uniform(0.3, 3), w, d + rng.uniform(0, 4))


def _spec(law: tuple, digits: int = 3) -> str:
    """The law as a spec with rounded numbers (the reference uses the same numbers)."""
    mu, lam, w, nu = law
    num = lambda v: repr(round(float(v), digits))  # noqa: E731
    rows = ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in w)
    return f"normal_wishart([{', '.join(num(v) for v in mu)}], {num(lam)}, [{rows}], {num(nu)})"


def _rounded(law: tuple, digits: int = 3) -> tuple:
    mu, lam, w, nu = law
    w = np.round(w, digits)
    return (np.round(mu, digits), round(lam, digits), (w + w.T) / 2, round(nu, digits))


def _value(expr, values: dict | None = None) -> float:
    values = values or {}
    return float(expr.xreplace({s: values[s.name] for s in expr.free_symbols}).doit().evalf(30))


def test_the_scipy_densities_agree() -> None:
    rng = np.random.default_rng(0)
    mu, lam, w, nu = _random_law(rng, 3)
    x = rng.normal(size=3)
    expected = stats.multivariate_normal(mu, np.linalg.inv(lam * w)).logpdf(x)
    assert _log_normal(x[None], mu, (lam * w)[None])[0] == pytest.approx(expected)
    draws = stats.wishart(df=nu, scale=w).rvs(size=4, random_state=rng)
    expected = stats.wishart(df=nu, scale=w).logpdf(np.moveaxis(draws, 0, -1))
    assert _log_wishart(draws, w, nu) == pytest.approx(expected)


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.slow
def test_numbers_match_monte_carlo(d: int) -> None:
    rng = np.random.default_rng(100 + d)
    for trial in range(2):
        one, two = _rounded(_random_law(rng, d)), _rounded(_random_law(rng, d))
        derivation = kl_derive.derive(_spec(one), _spec(two))
        assert all(step.verified for step in derivation.steps)
        assert derivation.strategy == "chain rule"
        got = _value(derivation.result)
        mean, error = _monte_carlo(one, two, 200_000, seed=trial)
        assert abs(got - mean) < 5 * error, (got, mean, error)
        assert error < 0.05 * max(1.0, abs(mean))  # the check has teeth


@pytest.mark.slow
def test_names_match_monte_carlo() -> None:
    p = "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)"
    q = "normal_wishart([m3, m4], l2, [[e, f], [f, g]], n2)"
    derivation = kl_derive.derive(p, q)
    assert all(step.verified for step in derivation.steps)
    rng = np.random.default_rng(7)
    for trial in range(3):
        one, two = _random_law(rng, 2), _random_law(rng, 2)
        values = {
            "m1": one[0][0], "m2": one[0][1], "l1": one[1], "n1": one[3],
            "a": one[2][0, 0], "b": one[2][0, 1], "c": one[2][1, 1],
            "m3": two[0][0], "m4": two[0][1], "l2": two[1], "n2": two[3],
            "e": two[2][0, 0], "f": two[2][0, 1], "g": two[2][1, 1],
        }  # fmt: skip
        got = _value(derivation.result, values)
        mean, error = _monte_carlo(one, two, 200_000, seed=10 + trial)
        assert abs(got - mean) < 5 * error, (got, mean, error)


def test_the_same_law_is_exactly_zero() -> None:
    """torch-distributions#33: the Normal-Wishart KL of a law with itself was not zero."""
    law = "normal_wishart([1, -2, 1/2], 3/2, [[2, 1, 0], [1, 3, 1], [0, 1, 2]], 9/2)"
    assert kl_derive.derive(law, law).result.doit() == 0
    named = "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)"
    value = _value(
        kl_derive.derive(named, named).result,
        {"m1": 0.3, "m2": -1.2, "l": 0.7, "a": 2.0, "b": 0.4, "c": 1.1, "n": 3.3},
    )
    assert value == pytest.approx(0, abs=1e-25)


def test_a_wrong_step_is_refused() -> None:
    from kl_derive.engine import verify_draft
    from kl_derive.spec import parse_spec
    from kl_derive.strategies.normal_wishart_chain import derive
    from kl_derive.symbolic.convert import bind_pair

    first, second = bind_pair(
        parse_spec("normal_wishart([1, 2], 2, [[2, 1], [1, 3]], 4)"),
        parse_spec("normal_wishart([0, 1], 1, [[1, 0], [0, 1]], 3)"),
    )
    draft = derive(first, second)
    verify_draft(draft)  # as drafted: true

    def wrong(key: str, position: int, change) -> None:
        stages = list(draft.stages)
        index = next(i for i, s in enumerate(stages) if s.key == key)
        stage = stages[index]
        chain = stage.chains[0]
        # the chain cut after the changed step, so that it still continues
        steps = (*chain.steps[:position], change(chain.steps[position]))
        stages[index] = replace(stage, chains=(replace(chain, steps=steps),))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))

    # the conditional divergence without its factor 1/2
    wrong("normal_wishart_conditional", 0, lambda s: replace(s, after=2 * s.after))
    # the Wishart part off by one
    wrong("normal_wishart_marginal", 0, lambda s: replace(s, after=s.after + 1))
    # the conditional divergence averaged under the second law of Lambda
    from sympy import Function

    from kl_derive.strategies.normal_wishart_chain import LABEL_L, LABEL_X
    from kl_derive.symbolic.objects import KL, Expect

    qt, pt = Function("qt")(LABEL_L), Function("pt")(LABEL_L)
    qc, pc = Function("qc")(LABEL_X), Function("pc")(LABEL_X)
    wrong(
        "normal_wishart_chain_rule",
        0,
        lambda s: replace(s, after=KL(qt, pt) + Expect(KL(qc, pc), pt)),
    )
    # the mean over Lambda with E[Lambda] = W (the factor nu forgotten)
    wrong(
        "normal_wishart_average",
        1,
        lambda s: replace(s, after=s.after.xreplace({first.args[3]: 1})),
    )


def test_an_unnormalised_conditional_is_refused() -> None:
    from sympy import Symbol, exp, pi

    from kl_derive.steps.verify.chain_rule import gaussian_integrates_to_one

    x1, x2 = Symbol("x1", real=True), Symbol("x2", real=True)
    u = Symbol("u", positive=True)
    good = u**2 * exp(-(u**2) * (x1**2 + x2**2) / 2 + 0 * x1) / (2 * pi)
    assert gaussian_integrates_to_one(good, (x1, x2))
    assert not gaussian_integrates_to_one(2 * good, (x1, x2))
    # not a positive-definite quadratic: does not integrate at all
    bad = u**2 * exp(-(u**2) * (x1**2 - x2**2) / 2) / (2 * pi)
    assert not gaussian_integrates_to_one(bad, (x1, x2))


def test_pairs_and_families_list_it() -> None:
    pairs = run_module(["pairs"])
    assert "normal_wishart || normal_wishart" in pairs.stdout
    families = run_module(["families"])
    assert "normal_wishart(loc, lambda, scale_matrix, df)" in families.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["normal_wishart([0, 0], 1, [[1, 0], [0, 1]])", "normal_wishart"], "normal_wishart("),
        (
            ["normal_wishart([0, 0, 1], 1, [[1, 0], [0, 1]], 3)", "normal_wishart"],
            "entries",
        ),
        (["normal_wishart([0, 0], -1, [[1, 0], [0, 1]], 3)", "normal_wishart"], "positive"),
        (["normal_wishart([0, 0], 1, [[1, 2], [2, 1]], 3)", "normal_wishart"], "definite"),
        (["normal_wishart([0, 0], 1, [[1, 0], [0, 1]], 1/2)", "normal_wishart"], "exceed"),
        (["normal_wishart(m, 1, [[1, 0], [0, 1]], 3)", "normal_wishart"], "list"),
        (["normal_wishart([0, 0], 1, [[1, 0], [0, 1]], 3)", "wishart"], "not derivable"),
    ],
)
@pytest.mark.slow
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
        "normal-wishart": (
            "kl",
            "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)",
            "normal_wishart([0, 0], 1, [[1, 0], [0, 1]], 3)",
            {},
        ),
        "normal-wishart-entropy": (
            "entropy",
            "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)",
            None,
            {},
        ),
        "normal-wishart-cross-entropy": ("cross_entropy", *NW_NAMED, {}),
        "normal-wishart-3": (
            "kl",
            "normal_wishart([1, 0, 2], 3/2, [[2, 1, 0], [1, 3, 1], [0, 1, 2]], 5)",
            "normal_wishart([0, 1, 1], 1, [[1, 0, 0], [0, 2, 0], [0, 0, 1]], 4)",
            {},
        ),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)


@pytest.mark.slow
def test_code_runs() -> None:
    """``kl-derive code``: the multivariate gamma and digamma functions written out for a
    fixed d; the generated NumPy code agrees with Monte Carlo and with the derivation."""
    from kl_derive.codegen.convenience import code_for

    p = "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)"
    q = "normal_wishart([0, 1], 2, [[1, 0], [0, 3]], 3)"
    source = code_for(p, q, reduce="none")
    namespace: dict = {}
    exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
    values = {"m1": 0.4, "m2": -0.3, "l1": 1.6, "a": 1.2, "b": 0.3, "c": 0.8, "n1": 4.5}
    got = float(namespace["kl_divergence"](*values.values()))
    assert got == pytest.approx(_value(kl_derive.derive(p, q).result, values), rel=1e-10)
    one = (np.array([0.4, -0.3]), 1.6, np.array([[1.2, 0.3], [0.3, 0.8]]), 4.5)
    two = (np.array([0.0, 1.0]), 2.0, np.array([[1.0, 0.0], [0.0, 3.0]]), 3.0)
    mean, error = _monte_carlo(one, two, 200_000, seed=3)
    assert abs(got - mean) < 5 * error
    # a Wishart pair with lists too; with a scale by name (size p) it is refused in one line
    wishart = code_for("wishart(n, [[a, b], [b, c]])", "wishart(3, [[1, 0], [0, 1]])")
    assert "gammaln" in wishart and "digamma" in wishart
    with pytest.raises(KLDeriveError, match="lists"):
        code_for("wishart(n, V)", "wishart(m, U)")


def _entropy_monte_carlo(law: tuple, n: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    mu, lam, w, nu = law
    draws = stats.wishart(df=nu, scale=w).rvs(size=n, random_state=rng)
    chol = np.linalg.cholesky(lam * draws)
    z = rng.standard_normal((n, mu.shape[0], 1))
    x = mu + np.linalg.solve(np.swapaxes(chol, 1, 2), z)[..., 0]
    minus_log = -_log_joint(x, draws, law)
    return float(minus_log.mean()), float(minus_log.std(ddof=1) / np.sqrt(n))


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.slow
def test_entropy_matches_monte_carlo(d: int) -> None:
    rng = np.random.default_rng(200 + d)
    law = _rounded(_random_law(rng, d))
    derivation = kl_derive.entropy(_spec(law))
    assert all(step.verified for step in derivation.steps)
    assert derivation.quantity == "entropy"
    got = _value(derivation.result)
    mean, error = _entropy_monte_carlo(law, 200_000, seed=d)
    assert abs(got - mean) < 5 * error, (got, mean, error)
    # with names, at random values
    named = kl_derive.entropy("normal_wishart([m1, m2], l, [[a, b], [b, c]], n)")
    for trial in range(2):
        mu, lam, w, nu = _random_law(rng, 2)
        values = {
            "m1": mu[0], "m2": mu[1], "l": lam, "n": nu,
            "a": w[0, 0], "b": w[0, 1], "c": w[1, 1],
        }  # fmt: skip
        mean, error = _entropy_monte_carlo((mu, lam, w, nu), 200_000, seed=20 + trial)
        assert abs(_value(named.result, values) - mean) < 5 * error


@pytest.mark.slow
def test_entropy_cli_and_refusals() -> None:
    done = run_module(["entropy", "normal_wishart([0, 0], 2, [[1, 0], [0, 1]], 3)", "--to", "text"])
    assert done.returncode == 0, done.stderr
    assert "Wishart" in done.stdout
    refused = run_module(["cross-entropy", "normal_wishart([0, 0], 2, [[1, 0], [0, 1]], 3)"])
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "second law" in refused.stderr


def _cross_entropy_monte_carlo(one: tuple, two: tuple, n: int, seed: int):
    """-E_q[log p] over draws (Lambda, x) from q, and its standard error."""
    rng = np.random.default_rng(seed)
    mu, lam, w, nu = one
    draws = stats.wishart(df=nu, scale=w).rvs(size=n, random_state=rng)
    chol = np.linalg.cholesky(lam * draws)
    z = rng.standard_normal((n, mu.shape[0], 1))
    x = mu + np.linalg.solve(np.swapaxes(chol, 1, 2), z)[..., 0]
    minus_log = -_log_joint(x, draws, two)
    return float(minus_log.mean()), float(minus_log.std(ddof=1) / np.sqrt(n))


NW_NAMED = (
    "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)",
    "normal_wishart([m3, m4], l2, [[e, f], [f, g]], n2)",
)


def _named_values(one: tuple, two: tuple) -> dict:
    return {
        "m1": one[0][0], "m2": one[0][1], "l1": one[1], "n1": one[3],
        "a": one[2][0, 0], "b": one[2][0, 1], "c": one[2][1, 1],
        "m3": two[0][0], "m4": two[0][1], "l2": two[1], "n2": two[3],
        "e": two[2][0, 0], "f": two[2][0, 1], "g": two[2][1, 1],
    }  # fmt: skip


@pytest.mark.slow
def test_cross_entropy_matches_monte_carlo() -> None:
    """H(q, p) by the chain rule of the cross-entropy: with numbers (d = 2, 3) and with
    names, against a Monte Carlo mean of -log p over draws from q (SciPy's Wishart
    sampler); with names, H(q, p) - H(q) = KL(q || p), each from its own derivation."""
    rng = np.random.default_rng(300)
    for d in (2, 3):
        one, two = _rounded(_random_law(rng, d)), _rounded(_random_law(rng, d))
        derivation = kl_derive.cross_entropy(_spec(one), _spec(two))
        assert all(step.verified for step in derivation.steps)
        assert derivation.quantity == "cross_entropy"
        got = _value(derivation.result)
        mean, error = _cross_entropy_monte_carlo(one, two, 200_000, seed=d)
        assert abs(got - mean) < 5 * error, (got, mean, error)
        assert error < 0.05 * max(1.0, abs(mean))  # the check has teeth
    named = kl_derive.cross_entropy(*NW_NAMED)
    kl = kl_derive.derive(*NW_NAMED)
    entropy = kl_derive.entropy("normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)")
    for trial in range(2):
        one, two = _random_law(rng, 2), _random_law(rng, 2)
        values = _named_values(one, two)
        got = _value(named.result, values)
        mean, error = _cross_entropy_monte_carlo(one, two, 200_000, seed=30 + trial)
        assert abs(got - mean) < 5 * error, (got, mean, error)
        difference = got - _value(entropy.result, values)
        assert difference == pytest.approx(_value(kl.result, values), abs=1e-9)


def test_a_wrong_cross_entropy_step_is_refused() -> None:
    from kl_derive.engine import verify_draft
    from kl_derive.spec import parse_spec
    from kl_derive.strategies.normal_wishart_cross_entropy import (
        derive_normal_wishart_cross_entropy,
    )
    from kl_derive.symbolic.convert import bind_pair

    p = "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)"
    q = "normal_wishart([0, 1], 2, [[1, 0], [0, 3]], 3)"
    first, second = bind_pair(parse_spec(p), parse_spec(q), None)
    draft = derive_normal_wishart_cross_entropy(first, second)
    verify_draft(draft)  # as drafted: true
    for key in ("normal_wishart_cross_entropy_conditional", "normal_wishart_cross_entropy_average"):
        stages = list(draft.stages)
        index = next(i for i, s in enumerate(stages) if s.key == key)
        stage = stages[index]
        (chain,) = stage.chains
        steps = list(chain.steps)
        # the factor 1/2 forgotten in front of the conditional part, or of its mean
        steps[-1] = replace(steps[-1], after=2 * steps[-1].after)
        stages[index] = replace(stage, chains=(replace(chain, steps=tuple(steps)),))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))
