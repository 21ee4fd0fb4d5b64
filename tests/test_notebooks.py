"""Notebooks: every ``--to ipynb`` of the sample runs top to bottom ("Run All") with
nbconvert, and its last cell evaluates the closed form at valid values.

``Derivation.value`` and ``example_values`` are checked against numerics written
independently of kl-derive: quadrature or sums (``catalog_reference``) for univariate laws,
SciPy's entropy, Monte Carlo with SciPy's multivariate laws for the Gaussian, Wishart and
Dirichlet pairs.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from catalog_reference import numeric_kl
from conftest import require_module, run_module
from sample_catalog import SAMPLE, derivation
from scipy import stats

from kl_derive import KLDeriveError, derive


def _law_values(law, values: dict) -> list:
    """A law's arguments at ``values`` (the user's own symbols), as floats."""
    out = []
    for arg in law.user_args:
        out.append(float(arg.subs({s: values[str(s)] for s in arg.free_symbols})))
    return out


UNIVARIATE = [k for k, e in SAMPLE.items() if e.quantity == "kl" and k in {
    "normal", "normal-logvar", "gamma", "beta", "uniform", "pareto", "laplace",
    "log-normal", "exponential-gamma", "von-mises", "gumbel", "poisson", "bernoulli",
}]  # fmt: skip


@pytest.mark.parametrize("key", UNIVARIATE)
def test_value_at_example_values_matches_quadrature(key: str) -> None:
    d = derivation(key)
    values = d.example_values()
    expected = numeric_kl(
        d.p.family.name, _law_values(d.p, values), d.q.family.name, _law_values(d.q, values)
    )
    assert math.isfinite(expected)
    assert d.value(values) == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_entropy_and_cross_entropy_values() -> None:
    d = derivation("entropy-gamma")
    values = d.example_values()
    alpha, rate = values["alpha"], values["beta"]
    assert d.value(values) == pytest.approx(stats.gamma(alpha, scale=1 / rate).entropy())
    d = derivation("cross-entropy")
    values = d.example_values()
    p, q = stats.norm(values["mu"], values["sigma"]), stats.laplace(0, 1)
    from scipy.integrate import quad

    lo, hi = values["mu"] - 40 * values["sigma"], values["mu"] + 40 * values["sigma"]
    expected = -quad(lambda x: p.pdf(x) * q.logpdf(x), lo, hi, points=[0.0], limit=200)[0]
    assert d.value(values) == pytest.approx(expected, rel=1e-7)


def _monte_carlo(p, q, n: int = 400_000) -> tuple[float, float]:
    """E_P[log p - log q] by sampling, and its standard error."""
    x = p.rvs(size=n, random_state=np.random.default_rng(1))
    ratio = p.logpdf(x) - q.logpdf(x)
    return float(ratio.mean()), float(ratio.std() / math.sqrt(n))


def test_matrix_and_vector_values_match_monte_carlo() -> None:
    d = derivation("mvn")
    v = d.example_values()
    p = stats.multivariate_normal(v["mu1"], v["Sigma1"])
    q = stats.multivariate_normal(v["mu2"], v["Sigma2"])
    mean, error = _monte_carlo(p, q)
    assert abs(d.value(v) - mean) < 5 * error

    d = derivation("wishart")
    v = d.example_values()
    assert v["n_1"] > 1 and v["n_2"] > 1  # more than p - 1 degrees of freedom, p = 2
    p, q = stats.wishart(v["n_1"], v["V_1"]), stats.wishart(v["n_2"], v["V_2"])
    x = p.rvs(size=100_000, random_state=np.random.default_rng(2))
    ratio = p.logpdf(np.moveaxis(x, 0, -1)) - q.logpdf(np.moveaxis(x, 0, -1))
    assert abs(d.value(v) - ratio.mean()) < 5 * ratio.std() / math.sqrt(len(ratio))

    d = derivation("dirichlet")
    v = d.example_values()
    a = [v["a1"], v["a2"], v["a3"]]
    b = [v["b1"], v["b2"], v["b3"]]
    x = stats.dirichlet(a).rvs(size=200_000, random_state=np.random.default_rng(3))
    ratio = stats.dirichlet(a).logpdf(x.T) - stats.dirichlet(b).logpdf(x.T)
    assert abs(d.value(v) - ratio.mean()) < 5 * ratio.std() / math.sqrt(len(ratio))

    d = derivation("categorical")
    v = d.example_values()
    assert sum(v["p"]) == pytest.approx(1) and sum(v["q"]) == pytest.approx(1)
    expected = sum(pi * math.log(pi / qi) for pi, qi in zip(v["p"], v["q"], strict=True))
    assert d.value(v) == pytest.approx(expected)


def test_value_reads_the_dimension_from_the_lists() -> None:
    d = derivation("mvn-standard")
    mu, sigma = [1.0, -2.0, 0.5], np.diag([2.0, 0.5, 1.5])
    sigma[0, 1] = sigma[1, 0] = 0.3
    expected = 0.5 * (np.trace(sigma) + mu @ np.array(mu) - 3 - math.log(np.linalg.det(sigma)))
    assert d.value({"mu": mu, "Sigma": sigma.tolist()}) == pytest.approx(expected)


def test_value_is_infinite_outside_the_condition() -> None:
    d = derivation("uniform")
    assert d.value({"a_1": 0, "b_1": 2, "a_2": 0.5, "b_2": 1}) == math.inf
    assert derivation("cauchy-normal").value({}) == math.inf


@pytest.mark.parametrize(
    ("key", "values", "fragment"),
    [
        ("normal", {"mu": 1}, "missing value(s) for sigma"),
        ("normal", {"mu": 1, "sigma": 1, "tau": 2}, "unknown parameter(s) tau"),
        ("normal", {"mu": 1, "sigma": -1}, "sigma must be positive"),
        ("mvn-standard", {"mu": [0, 0], "Sigma": [[1, 2], [2, 1]]}, "positive definite"),
        ("mvn-standard", {"mu": [0, 0], "Sigma": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}, "sizes"),
        ("mvn-standard", {"mu": 0.5, "Sigma": [[1, 0], [0, 1]]}, "give a list"),
    ],
)
def test_bad_values_are_clear_errors(key: str, values: dict, fragment: str) -> None:
    with pytest.raises(KLDeriveError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        derivation(key).value(values)


def test_entropy_notebook_computes_the_entropy() -> None:
    d = derivation("entropy-gamma")
    cells = json.loads(d.render("ipynb", "en"))["cells"]
    code = "".join(cells[-2]["source"])
    assert "kl_derive.entropy('gamma(alpha, beta)')" in code
    assert "derive(" not in code


def test_notebook_keeps_a_chosen_strategy() -> None:
    d = derive("gamma", "gamma", strategy="bregman")
    code = "".join(json.loads(d.render("ipynb", "en"))["cells"][-2]["source"])
    assert "strategy='bregman'" in code


def _execute(text: str):
    nbformat = require_module("nbformat")
    require_module("ipykernel")
    preprocessors = require_module("nbconvert.preprocessors")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    runner = preprocessors.ExecutePreprocessor(timeout=600, kernel_name="python3")
    runner.preprocess(nb, {"metadata": {"path": "."}})
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("key", list(SAMPLE))
def test_every_sample_notebook_runs_top_to_bottom(key: str) -> None:
    """nbconvert runs every cell (an error in any cell fails); the last cell's output is
    the closed form at the notebook's own values: a finite number but where the
    divergence is infinite for every parameter (Cauchy against a normal law)."""
    d = derivation(key)
    lang = "ko" if key in ("wishart", "entropy-gamma") else "en"
    nb = _execute(d.render("ipynb", lang))
    outputs = [c.outputs for c in nb.cells if c.cell_type == "code"]
    assert all(o.output_type != "error" for cell in outputs for o in cell)
    shown = outputs[-1][-1]["data"]["text/plain"]
    expected = d.value(d.example_values())
    assert float(shown) == pytest.approx(expected, rel=1e-12)
    assert math.isfinite(expected) == (key != "cauchy-normal")


def test_cli_notebook_of_the_entropy() -> None:
    done = run_module(["entropy", "gamma", "--to", "ipynb"])
    assert done.returncode == 0, done.stderr
    assert "kl_derive.entropy(" in done.stdout
