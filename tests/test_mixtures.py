"""``kl-derive mixture``: bounds and approximations of KL between mixtures, checked against
SciPy quadrature of the true divergence (written here, independently of the engine) at
random mixtures with fixed seeds, Monte Carlo within a few standard errors, every format,
LaTeX and KaTeX, the command line and its refusals."""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess

import numpy as np
import pytest
from conftest import console_script, katex_blocks, run_pdflatex
from scipy import integrate, stats
from scipy.special import logsumexp

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.mixture_laws import bind_mixtures
from kl_derive.mixture_numbers import mixture_facts
from kl_derive.steps.rules import RULES

GAUSS = (
    "mixture([0.3, 0.7], [normal(0, 1), normal(2, 1)])",
    "mixture([0.5, 0.5], [normal(1, 1), normal(-1, 2)])",
)
SYMBOLIC = ("mixture([w, 1 - w], [normal(m1, s1), normal(m2, s2)])", "normal(0, 1)")
GAMMA = (
    "mixture([0.4, 0.6], [gamma(2, 1), exponential(1)])",
    "mixture([0.4, 0.6], [gamma(3, 2), exponential(2)])",
)


@pytest.fixture(scope="module")
def gauss():
    return kl_derive.mixture(*GAUSS)


@pytest.fixture(scope="module")
def symbolic():
    return kl_derive.mixture(*SYMBOLIC)


@pytest.fixture(scope="module")
def gamma_pair():
    return kl_derive.mixture(*GAMMA)


# -- the true divergence, independently of kl-derive ----------------------------------


def _frozen(law: str, args: list[float]):
    if law == "normal":
        return stats.norm(args[0], args[1])
    if law == "exponential":
        return stats.expon(scale=1 / args[0])
    if law == "gamma":
        return stats.gamma(args[0], scale=1 / args[1])
    raise AssertionError(law)


def _log_density(mixture: list[tuple[float, str, list[float]]]):
    laws = [(math.log(w), _frozen(name, args)) for w, name, args in mixture]
    return lambda x: logsumexp([lw + law.logpdf(x) for lw, law in laws])


def true_kl(f, g, low=-np.inf, high=np.inf) -> float:
    """KL(f || g) by adaptive quadrature, split at the components' centres."""
    lf, lg = _log_density(f), _log_density(g)

    def integrand(x: float) -> float:
        a = lf(x)
        return math.exp(a) * (a - lg(x)) if a > -700 else 0.0

    centres = sorted({float(_frozen(n, a).mean()) for _, n, a in (*f, *g)})
    points = [low, *[c for c in centres if low < c < high], high]
    total = 0.0
    for a, b in itertools.pairwise(points):
        value, error = integrate.quad(integrand, a, b, limit=400, epsabs=1e-13, epsrel=1e-12)
        assert error < 1e-8
        total += value
    return total


def _spec(mixture) -> str:
    weights = ", ".join(repr(w) for w, _, _ in mixture)
    laws = ", ".join(f"{n}({', '.join(repr(x) for x in a)})" for _, n, a in mixture)
    return f"mixture([{weights}], [{laws}])"


def _random_gauss(rng, k: int):
    raw = rng.uniform(0.1, 1.0, k)
    weights = [round(float(x), 3) for x in raw / raw.sum()]
    weights[-1] = round(1 - sum(weights[:-1]), 3)
    return [
        (w, "normal", [round(float(rng.normal(0, 2)), 2), round(float(rng.uniform(0.3, 2)), 2)])
        for w in weights
    ]


# -- the engine's own checks ---------------------------------------------------------


@pytest.mark.slow
def test_every_step_is_verified_and_cites_a_known_rule(gauss, symbolic, gamma_pair) -> None:
    for d in (gauss, symbolic, gamma_pair):
        assert d.steps and all(step.verified for step in d.steps)
        assert all(step.rule in RULES for step in d.steps)


@pytest.mark.slow
def test_the_result_is_stated_as_an_upper_bound(gauss) -> None:
    text = gauss.to_text()
    assert "D_KL(f(z) ‖ g(z)) ≤ D_C =" in text
    assert "Monte-Carlo" in text and "standard error" in text


# -- bounds against quadrature -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.slow
def test_gaussian_bounds_bracket_the_truth(seed) -> None:
    rng = np.random.default_rng(seed)
    f, g = _random_gauss(rng, 2 + seed % 2), _random_gauss(rng, 2)
    truth = true_kl(f, g)
    facts = mixture_facts(*bind_mixtures(_spec(f), _spec(g)), samples=40000)
    n = facts.numbers
    assert n["lower"] <= truth + 1e-9 <= n["upper"] + 2e-9
    assert truth <= n["coupling"] + 1e-9
    assert truth <= n["variational_upper"] + 1e-9 <= n["coupling"] + 2e-9
    assert abs(n["monte_carlo"] - truth) < 4 * n["standard_error"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.slow
def test_matched_components_bound_the_truth(seed) -> None:
    """Same weights: sum_a w_a KL(f_a || g_a), for normal components and for gamma and
    exponential ones."""
    rng = np.random.default_rng(100 + seed)
    f = _random_gauss(rng, 2)
    g = [
        (w, n, [a[0] + float(rng.normal(0, 1)), a[1] * float(rng.uniform(0.5, 2))]) for w, n, a in f
    ]
    g = [(w, n, [round(a[0], 2), round(a[1], 2)]) for w, n, a in g]
    facts = mixture_facts(*bind_mixtures(_spec(f), _spec(g)), samples=20000)
    assert facts.matched
    assert true_kl(f, g) <= facts.numbers["coupling"] + 1e-9
    shapes = [round(float(x), 2) for x in rng.uniform(0.5, 4, 4)]
    rates = [round(float(x), 2) for x in rng.uniform(0.3, 3, 4)]
    w = round(float(rng.uniform(0.1, 0.9)), 2)
    f = [(w, "gamma", [shapes[0], rates[0]]), (round(1 - w, 2), "exponential", [rates[1]])]
    g = [(w, "gamma", [shapes[2], rates[2]]), (round(1 - w, 2), "exponential", [rates[3]])]
    facts = mixture_facts(*bind_mixtures(_spec(f), _spec(g)), samples=40000)
    truth = true_kl(f, g, 0.0, np.inf)
    assert facts.matched and facts.gaussian is None
    assert truth <= facts.numbers["coupling"] + 1e-9
    assert truth <= facts.numbers["variational_upper"] + 1e-9
    assert abs(facts.numbers["monte_carlo"] - truth) < 4 * facts.numbers["standard_error"]


def test_unmatched_non_gaussian_mixture_against_a_law() -> None:
    f = [(0.25, "gamma", [2.0, 1.5]), (0.75, "gamma", [5.0, 1.0])]
    g = [(1.0, "exponential", [0.4])]
    facts = mixture_facts(*bind_mixtures(_spec(f), "exponential(0.4)"), samples=40000)
    truth = true_kl(f, g, 0.0, np.inf)
    assert truth <= facts.numbers["coupling"] + 1e-9
    assert abs(facts.numbers["monte_carlo"] - truth) < 4 * facts.numbers["standard_error"]


def test_hershey_olsen_is_close_when_components_are_well_separated() -> None:
    f = [(0.4, "normal", [-10.0, 1.0]), (0.6, "normal", [10.0, 1.5])]
    g = [(0.5, "normal", [-9.5, 1.2]), (0.5, "normal", [10.5, 1.0])]
    truth = true_kl(f, g)
    n = mixture_facts(*bind_mixtures(_spec(f), _spec(g))).numbers
    assert abs(n["variational"] - truth) < 1e-3 * max(1, truth)
    assert abs(n["variational_upper"] - truth) < 1e-3 * max(1, truth)


def test_single_components_make_every_bound_exact() -> None:
    f = [(1.0, "normal", [0.5, 1.3])]
    g = [(1.0, "normal", [-1.0, 0.7])]
    truth = true_kl(f, g)
    n = mixture_facts(*bind_mixtures("mixture([1], [normal(0.5, 1.3)])", _spec(g))).numbers
    for key in ("coupling", "variational", "variational_upper"):
        assert n[key] == pytest.approx(truth, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.slow
def test_symbolic_closed_forms_at_random_values(symbolic, seed) -> None:
    """The closed forms the symbolic derivation prints, evaluated at random parameters:
    the bounds hold, and the identity behind the coupling bound (D_C - KL is the mean of
    a divergence between the posteriors, never negative) holds to quadrature accuracy."""
    rng = np.random.default_rng(200 + seed)
    w = float(rng.uniform(0.05, 0.95))
    m1, m2 = (float(x) for x in rng.normal(0, 2, 2))
    s1, s2 = (float(x) for x in rng.uniform(0.3, 2.5, 2))
    values = {"w": w, "m1": m1, "m2": m2, "s1": s1, "s2": s2}
    subs = {s: values[str(s)] for s in symbolic.result.free_symbols}
    facts = symbolic.facts
    f = [(w, "normal", [m1, s1]), (1 - w, "normal", [m2, s2])]
    g = [(1.0, "normal", [0.0, 1.0])]
    truth = true_kl(f, g)
    coupling = float(facts.coupling.subs(subs))
    lower, upper = (float(b.subs(subs)) for b in facts.gaussian)
    assert lower <= truth + 1e-9 <= upper + 2e-9
    assert truth <= coupling + 1e-9
    lf = _log_density(f)
    comps = [(math.log(wa), _frozen(n, a)) for wa, n, a in f]

    def gap(x: float) -> float:
        a = lf(x)
        # posteriors over the labels: pi_a = w_a f_a / f, rho_a = w_a g / g = w_a
        return sum(
            math.exp(lw + law.logpdf(x)) * ((lw + law.logpdf(x) - a) - lw) for lw, law in comps
        )

    gap_integral = integrate.quad(gap, -np.inf, np.inf, limit=400, epsabs=1e-12)[0]
    assert coupling - truth == pytest.approx(gap_integral, abs=1e-7)
    assert gap_integral >= -1e-12


# -- formats ------------------------------------------------------------------------------

FORMATS = ("latex", "beamer", "markdown", "gfm", "myst", "quarto", "html", "json", "text")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(gauss, symbolic, gamma_pair, lang) -> None:
    for d in (gauss, symbolic, gamma_pair):
        for fmt in (*FORMATS, "ipynb", "typst"):
            assert d.render(fmt, lang).strip()
        assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
        data = json.loads(d.render("json", lang))
        assert all(step["verified"] for step in data["steps"])
        notebook = json.loads(d.render("ipynb", lang))
        source = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "kl_derive.mixture(" in source
    assert 'kl-derive mixture "mixture([3/10, 7/10]' in gauss.render("latex", lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_markdown_renders_with_katex(gauss, symbolic, lang) -> None:
    katex_blocks([gauss, symbolic], lang)


@pytest.mark.parametrize("page", ["onecolumn", "twocolumn"])
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_latex_compiles_without_overfull_boxes(gauss, symbolic, gamma_pair, lang, page, tmp_path):
    for i, d in enumerate((gauss, symbolic, gamma_pair)):
        latex = d.to_latex(lang, standalone=True, page=page)
        (tmp_path / f"m{i}.tex").write_text(latex, encoding="utf-8")
        done, log = run_pdflatex(tmp_path, f"m{i}.tex")
        assert done.returncode == 0, log[-2000:]
        assert "Overfull" not in log


# -- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("mixture([0.3, 0.6], [normal(0, 1), normal(1, 1)])", "normal(0, 1)", "sum to 0.9"),
        ("mixture([1e-300, 1], [normal(0, 1), normal(1, 1)])", "normal(0, 1)", "sum to 1 + 1e-300"),
        ("mixture([w, v], [normal(0, 1), normal(1, 1)])", "normal(0, 1)", "sum to 1 as written"),
        ("mixture([0.5], [normal(0, 1), normal(1, 1)])", "normal(0, 1)", "one weight per"),
        ("mixture([0.5, 0.5], [normal(0, 1), gamma(1, 1)])", "normal(0, 1)", "supports"),
        ("mixture([1], [poisson(2)])", "poisson(1)", "univariate laws with a density"),
        ("mixture([1], [__import__('os')])", "normal(0, 1)", "not a distribution family"),
        ("mixture([__import__('os')], [normal(0, 1)])", "normal(0, 1)", "not allowed"),
        ("normal(0, 1)", "normal(1, 1)", "neither law is a mixture"),
        ("mixture([0.5, 0.5], [normal, normal])", "normal(0, 1)", "give each mixture component"),
        ("mixture([-0.5, 1.5], [normal(0, 1), normal(1, 1)])", "normal(0, 1)", "positive"),
    ],
)
def test_refused_inputs_are_clear_errors(p, q, message) -> None:
    with pytest.raises(KLDeriveError, match=re.escape(message)):
        kl_derive.mixture(p, q)


def test_bad_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        kl_derive.mixture(1, "normal(0, 1)")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kl_derive.mixture(*GAUSS, samples=1.5)  # type: ignore[arg-type]


def test_a_mixture_given_to_derive_points_to_the_mixture_command() -> None:
    with pytest.raises(KLDeriveError, match="kl-derive mixture"):
        kl_derive.derive(GAUSS[0], GAUSS[1])


@pytest.mark.slow
def test_command_line(tmp_path) -> None:
    script = console_script()
    run = [script, "mixture", "mixture([0.5, 0.5], [exponential(1), exponential(3)])"]
    done = subprocess.run(
        [*run, "exponential(2)", "--to", "json", "--samples", "5000"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert all(step["verified"] for step in data["steps"])
    numbers = data["mixture"]["numbers"]
    assert numbers["samples"] == 5000 and numbers["standard_error"] > 0
    assert set(data["mixture"]["closed_forms"]) == {"coupling", "variational"}
    for args in (
        [GAUSS[0]],
        ["normal", "normal(1, 1)"],
        [*GAUSS, "--samples", "0"],
        [*GAUSS, "--param", "logvar"],
        ["mixture([0.3, 0.6], [normal(0, 1), normal(1, 1)])", "normal(0, 1)"],
    ):
        bad = subprocess.run(
            [script, "mixture", *args], capture_output=True, text=True, timeout=300
        )
        assert bad.returncode == 2, (args, bad.stderr)
        assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("kl-derive: error:")
    main = subprocess.run([script, *GAUSS], capture_output=True, text=True, timeout=300)
    assert main.returncode == 2 and "kl-derive mixture" in main.stderr
