"""The divergences' commands and renderings: every option of the KL command, every format
in English and Korean, pdflatex and KaTeX (strict) on the output, JSON with the result's
SymPy text, the listings, Jeffreys' divergence against SciPy, and bad input refused in
one line."""

from __future__ import annotations

import json
import math
import random
from functools import cache

import pytest
from conftest import compile_fragments, katex_blocks, one_line_error, run_module
from scipy import integrate, stats
from sympy import oo, sympify

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.divergences import DIVERGENCES, load, pairs

load()


@cache
def _derived(name: str, p: str, q: str, alpha: str | None = None):
    options = {"alpha": alpha} if alpha is not None else {}
    return kl_derive.divergence(name, p, q, **options)


SAMPLES = {
    "renyi": ("exponential", "exponential(2)", "1/2"),
    "bhattacharyya": ("normal", "normal(1, 2)", None),
    "hellinger": ("poisson(l)", "poisson(3)", None),
    "chi-square": ("normal", "normal(0, s)", None),
    "jeffreys": ("exponential(a)", "exponential(b)", None),
    "wasserstein": ("normal", "normal(m, s)", None),
    "total-variation": ("bernoulli", "bernoulli(q)", None),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(name: str, lang: str) -> None:
    p, q, alpha = SAMPLES[name]
    d = _derived(name, p, q, alpha)
    assert d.quantity == DIVERGENCES[name].quantity
    assert all(step.verified for step in d.steps)
    for fmt in FORMATS:
        text = d.render(fmt, lang)
        assert text.strip() and "{" + "lhs}" not in text, fmt
        assert "D_{\\mathrm{KL}}(\\mathcal" not in text or name == "jeffreys", fmt
    title = d.to_markdown(lang).splitlines()[0]
    word = {
        "en": {
            "renyi": "Rényi",
            "bhattacharyya": "Bhattacharyya",
            "hellinger": "Hellinger",
            "chi-square": "Chi-square",
            "jeffreys": "Jeffreys",
            "wasserstein": "Wasserstein",
            "total-variation": "Total variation",
        },
        "ko": {
            "renyi": "레니",
            "bhattacharyya": "바타차리야",
            "hellinger": "헬링거",
            "chi-square": "카이제곱",
            "jeffreys": "제프리스",
            "wasserstein": "바서슈타인",
            "total-variation": "총변동",
        },
    }[lang][name]
    assert word in title, title


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_latex_compiles_and_katex_is_strict(tmp_path, lang: str) -> None:
    derivations = [_derived(name, *SAMPLES[name]) for name in sorted(SAMPLES)]
    compile_fragments(tmp_path, [d.to_latex(lang) for d in derivations], lang)
    katex_blocks(derivations, lang)


@pytest.mark.slow
def test_cli_json_and_options(tmp_path) -> None:
    out = tmp_path / "renyi.json"
    options = ["--to", "json", "--lang", "ko", "-o", str(out)]
    done = run_module(["renyi", "exponential", "exponential(2)", "--alpha", "1/2", *options])
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["result"]["sympy"]
    result = sympify(data["result"]["srepr"])
    expected = _derived("renyi", "exponential", "exponential(2)", "1/2").result
    assert (result - expected).simplify() == 0
    options = ["--label", "chi", "--param", "variance", "--detail", "full"]
    latex = run_module(["chi-square", "normal", "normal(0, s)", *options])
    assert latex.returncode == 0, latex.stderr
    assert "\\label{chi-1}" in latex.stdout and "\\chi^{2}" in latex.stdout
    assert "\\infty" in latex.stdout  # the result holds under a condition, infinite otherwise


@pytest.mark.slow
def test_listings() -> None:
    listed = run_module(["divergences"])
    assert listed.returncode == 0, listed.stderr
    for entry in DIVERGENCES.values():
        assert entry.name in listed.stdout and entry.definition in listed.stdout
    chi = run_module(["pairs", "--divergence", "chi-square"])
    assert chi.returncode == 0, chi.stderr
    assert "normal || normal" in chi.stdout and "finite under a condition" in chi.stdout
    beta = next(line for line in chi.stdout.splitlines() if "beta || beta" in line)
    assert "finite under a condition" in beta and "refused" not in beta
    assert any("binomial || binomial" in line for line in chi.stdout.splitlines())
    kl = run_module(["pairs"])
    assert kl.returncode == 0 and "PyTorch" in kl.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["renyi", "normal", "normal", "--alpha", "1"], "not 1"),
        (["renyi", "normal", "normal", "--alpha", "-2"], "positive"),
        (["renyi", "normal", "normal", "--alpha", "2 + x"], "alpha"),
        # an order of 400 digits once ran without end; 10**5 failed its own check
        (["renyi", "normal", "normal(1, 2)", "--alpha", "1e400"], "at most 100,"),
        (["renyi", "normal", "normal(1, 2)", "--alpha", "100000"], "at most 100,"),
        (["renyi", "beta(2, 3)", "beta(1, 2)", "--alpha", "1000"], "at most 100,"),
        (["renyi", "normal", "normal(1, 2)", "--alpha", "1/1001"], "at most 1,000"),
        (["renyi", "normal", "normal(1, 2)", "--alpha", "1/0"], "alpha"),
        (["renyi", "gamma(alpha, b)", "gamma", "--alpha", "alpha"], "name it otherwise"),
        (["chi-square", "normal", "laplace"], "exponential family"),
        (["chi-square", "beta(3/2, 1/2)", "beta(1, 2)"], "infinite for every value"),
        (["renyi", "beta(3/2, 1/2)", "beta(1, 2)", "--alpha", "3/2"], "infinite for every"),
        (["chi-square", "binomial(n, p)", "binomial(m, p)"], "one number of trials"),
        (["chi-square", "binomial(4, p)", "binomial(3, p)"], "infinite for every value"),
        (["jeffreys", "uniform(0, 1)", "normal"], "infinite"),
        (["pairs", "--divergence", "nosuch"], "unknown divergence"),
        (["hellinger", "normal", "normal", "--alpha", "2"], "--alpha"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_line(args: list[str], fragment: str) -> None:
    one_line_error(run_module(args), fragment)


def test_python_api_refuses_unknown_options() -> None:
    from kl_derive.errors import KLDeriveError

    with pytest.raises(KLDeriveError, match="takes no option"):
        kl_derive.divergence("hellinger", "normal", alpha=2)
    with pytest.raises(KLDeriveError, match="unknown divergence"):
        kl_derive.divergence("tv", "normal")
    with pytest.raises(TypeError):
        kl_derive.divergence("renyi", 3)  # type: ignore[arg-type]


JEFFREYS = [
    ("normal", "normal", lambda a: stats.norm(*a), ((-2, 2), (0.4, 2.5))),
    ("exponential", "exponential", lambda a: stats.expon(scale=1 / a[0]), ((0.3, 3),)),
    ("gamma", "gamma", lambda a: stats.gamma(a[0], scale=1 / a[1]), ((0.5, 3), (0.5, 3))),
    ("laplace", "laplace", lambda a: stats.laplace(*a), ((-2, 2), (0.4, 2.5))),
]


@pytest.mark.parametrize(("p", "q", "law", "ranges"), JEFFREYS, ids=[c[0] for c in JEFFREYS])
@pytest.mark.slow
def test_jeffreys_against_quadrature(p, q, law, ranges) -> None:
    d = _derived("jeffreys", p, q)
    rng = random.Random(p)
    names = sorted({s.name for s in d.result.free_symbols})
    for _ in range(3):
        a1 = tuple(rng.uniform(*r) for r in ranges)
        a2 = tuple(rng.uniform(*r) for r in ranges)
        values = dict(zip(names, _ordered(names, a1, a2), strict=True))
        got = float(d.result.xreplace({s: values[s.name] for s in d.result.free_symbols}))
        l1, l2 = law(a1), law(a2)
        lo, hi = l1.support()

        def f(z, l1=l1, l2=l2):
            x, y = l1.logpdf(z), l2.logpdf(z)
            return (math.exp(x) - math.exp(y)) * (x - y)

        # a finite range holding all but a negligible mass, split at the laws' kinks
        lo, hi = max(lo, -80.0), min(hi, 80.0)
        kinks = sorted({float(a1[0]), float(a2[0])}) if p == "laplace" else None
        expected = integrate.quad(f, lo, hi, limit=400, points=kinks)[0]
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-10)
        swapped = {k: values[_other(k)] for k in values}
        again = float(d.result.xreplace({s: swapped[s.name] for s in d.result.free_symbols}))
        assert again == pytest.approx(got, rel=1e-12)
    assert d.result != oo


def _ordered(names, a1, a2):
    """The values of the sorted symbol names ``x_1, y_1, x_2, y_2`` (law 1, then 2)."""
    out = []
    for name in names:
        base, _, index = name.rpartition("_")
        position = sorted({n.rpartition("_")[0] for n in names}, key=_parameter_order).index(base)
        out.append((a1 if index == "1" else a2)[position])
    return out


def _parameter_order(base: str) -> int:
    return ["mu", "loc", "lambda", "alpha", "sigma", "b", "beta"].index(base)


def _other(name: str) -> str:
    base, _, index = name.rpartition("_")
    return f"{base}_{'2' if index == '1' else '1'}"


@pytest.mark.parametrize(("p", "q"), [("poisson", "poisson"), ("normal", "laplace")])
@pytest.mark.slow
def test_jeffreys_of_listed_pairs(p: str, q: str) -> None:
    """A sample of the listed pairs: every step verified, a closed form."""
    listed = {(a, b): outcome for a, b, outcome in pairs("jeffreys")}
    assert listed[(p, q)] == "finite"
    d = kl_derive.divergence("jeffreys", p, q)
    assert all(step.verified for step in d.steps)
    assert d.result.is_finite is not False and not d.result.has(oo)


@pytest.mark.slow
def test_jeffreys_of_conditional_pairs_on_the_command_line() -> None:
    """Where a KL is finite only under a condition, Jeffreys' is finite where both are
    (listed as conditional); where that is only at a limit, refused in one line."""
    listed = {(a, b): outcome for a, b, outcome in pairs("jeffreys")}
    assert listed[("pareto", "pareto")] == "conditional"
    done = run_module(["jeffreys", "pareto", "pareto", "--to", "text"])
    assert done.returncode == 0, done.stderr
    assert "if xₘ₁ = xₘ₂; ∞ otherwise }" in done.stdout
    one_line_error(run_module(["jeffreys", "uniform", "beta"]), "closed form is a limit")


@pytest.mark.slow
def test_total_variation_of_bernoulli_laws_and_the_inequalities() -> None:
    """TV(Bern(p1), Bern(p2)) against the sum (1/2) sum_k |p1(k) - p2(k)| over scipy's
    masses; Pinsker (TV <= sqrt(KL / 2)) and H^2 <= TV <= sqrt(2) H with the derived KL
    and squared Hellinger distance."""
    tv = _derived("total-variation", "bernoulli", "bernoulli").result
    h2 = _derived("hellinger", "bernoulli", "bernoulli").result
    kl = kl_derive.derive("bernoulli(p_1)", "bernoulli(p_2)").result
    rng = random.Random("total-variation")
    for _ in range(8):
        p1, p2 = rng.uniform(0.02, 0.98), rng.uniform(0.02, 0.98)
        values = {"p_1": p1, "p_2": p2}

        def at(e, values=values):
            return float(e.xreplace({s: values[s.name] for s in e.free_symbols}))

        l1, l2 = stats.bernoulli(p1), stats.bernoulli(p2)
        expected = 0.5 * sum(abs(l1.pmf(k) - l2.pmf(k)) for k in (0, 1))
        assert at(tv) == pytest.approx(expected, rel=1e-12)
        assert at(tv) <= math.sqrt(at(kl) / 2) + 1e-12
        assert at(h2) <= at(tv) + 1e-12 <= math.sqrt(2 * at(h2)) + 2e-12


@pytest.mark.slow
def test_jeffreys_truncated_normals_without_cancelling_logarithms() -> None:
    """The two KLs carry log(Z_p / Z_q) and log(Z_q / Z_p) (the normalizers' ratio both
    ways): their sum is 0 and the result holds no logarithm; it still equals the
    integral of (p - q)(log p - log q) by SciPy quadrature at random parameters."""
    from sympy import log

    d = _derived("jeffreys", "truncated_normal(mu, sigma, a, b)", "truncated_normal(m, s, a, b)")
    assert all(step.verified for step in d.steps)
    assert not d.result.has(log)
    rng = random.Random("jeffreys-truncated")
    for _ in range(3):
        lo = rng.uniform(-2, 0)
        hi = lo + rng.uniform(0.5, 3)
        mu, m = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)
        sigma, s = rng.uniform(0.4, 2), rng.uniform(0.4, 2)
        values = {"mu": mu, "sigma": sigma, "m": m, "s": s, "a": lo, "b": hi}
        got = float(d.result.xreplace({x: values[x.name] for x in d.result.free_symbols}))
        p = stats.truncnorm((lo - mu) / sigma, (hi - mu) / sigma, loc=mu, scale=sigma)
        q = stats.truncnorm((lo - m) / s, (hi - m) / s, loc=m, scale=s)

        def f(z, p=p, q=q):
            x, y = p.logpdf(z), q.logpdf(z)
            return (math.exp(x) - math.exp(y)) * (x - y)

        expected = integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-11)[0]
        assert got == pytest.approx(expected, rel=1e-8, abs=1e-11)
