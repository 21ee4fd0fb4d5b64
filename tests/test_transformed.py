"""KL under a change of variables: transformed(P, f) for exp, sigmoid and affine maps.

The results are checked against SciPy quadrature of the transformed densities, written
here independently of the engine (the base law's SciPy density at the inverse map times
the inverse map's derivative, or SciPy's own log-normal law), at random parameters; the
corollary (--via-base) against the catalog's direct derivation; every format in en and
ko; bad input as one line and exit status 2.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import zlib

import numpy as np
import pytest
from conftest import (
    accepted_false_steps,
    console_script,
    katex_blocks,
    one_line_error,
    run_pdflatex,
)
from scipy import integrate, stats

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.errors import KLDeriveError, SpecError, VerificationError
from kl_derive.spec import parse_spec, parse_transformed


def _rng(*key: object) -> np.random.Generator:
    """A generator of its own for each test case: the values do not depend on which
    tests ran before in the same worker."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# -- the transformed densities, written independently --------------------------------


def _maps(name: str, args: tuple[float, ...]):
    """(f, f^-1, log |(f^-1)'|) for a bijection, in NumPy."""
    if name == "exp":
        return np.exp, np.log, lambda y: -np.log(y)
    if name == "sigmoid":
        return (
            lambda z: 1 / (1 + np.exp(-z)),
            lambda y: np.log(y) - np.log1p(-y),
            lambda y: -np.log(y) - np.log1p(-y),
        )
    a, b = args
    return (lambda z: a + b * z), (lambda y: (y - a) / b), (lambda y: -np.log(abs(b)) + 0 * y)


def _kl_by_quadrature(base_p, base_q, name: str, args=(), kinks=()) -> float:
    """KL of the laws of f(z) by quadrature over y of their densities, each the base
    law's SciPy density at f^-1(y) times |(f^-1)'(y)|; the range is cut at the images of
    the base law's quantiles and of the densities' kinks (a Laplace law's location)."""
    forward, inverse, log_slope = _maps(name, args)

    def integrand(y: float) -> float:
        with np.errstate(all="ignore"):
            lp = base_p.logpdf(inverse(y)) + log_slope(y)
            lq = base_q.logpdf(inverse(y)) + log_slope(y)
        return float(np.exp(lp) * (lp - lq)) if np.isfinite(lp) else 0.0

    if name == "sigmoid":
        return _sigmoid_kl_by_quadrature(base_p, base_q, kinks)
    tails = [10.0**-k for k in range(1, 14)]
    levels = [*tails, 0.25, 0.5, 0.75, *(1 - t for t in tails[:-1])]
    upper = [base_p.isf(t) for t in tails]  # the upper quantiles, without 1 - t rounding
    quantiles = [*base_p.ppf(levels), *upper, *kinks]
    # from the 1e-13 quantile to the 1 - 1e-13 one: what lies beyond is below 1e-11 for
    # these laws, and the ends of the support are where rounding would take logpdf to -inf
    cuts = sorted({float(forward(t)) for t in quantiles if np.isfinite(t)})
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        if a < b:
            total += integrate.quad(integrand, a, b, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
    return total


def _sigmoid_kl_by_quadrature(base_p, base_q, kinks=()) -> float:
    """The same for y = sigmoid(z) on (0, 1), with the upper half integrated over u = 1 - y
    (the density of y written at 1 - u, with log(1 - u) from log1p): near y = 1 a double
    holds u to 16 digits, y = 1 - u only to the digits u leaves."""

    def integrand(u: float, upper: bool) -> float:
        # y = u below 1/2; y = 1 - u above, so log y = log1p(-u), log(1 - y) = log u
        log_y, log_1my = (np.log1p(-u), np.log(u)) if upper else (np.log(u), np.log1p(-u))
        z = log_y - log_1my
        with np.errstate(all="ignore"):
            lp = base_p.logpdf(z) - log_y - log_1my
            lq = base_q.logpdf(z) - log_y - log_1my
        return float(np.exp(lp) * (lp - lq)) if np.isfinite(lp) else 0.0

    tails = [10.0**-k for k in range(1, 14)]
    levels = [*tails, 0.25, 0.5, 0.75, *(1 - t for t in tails[:-1])]
    points = [*base_p.ppf(levels), *(base_p.isf(t) for t in tails), *kinks]
    points = [t for t in points if np.isfinite(t)]
    total = 0.0
    for upper in (False, True):
        # u = sigmoid(-t) above (1 - sigmoid(t), without the rounding), sigmoid(t) below
        cuts = sorted({0.5, *(1 / (1 + np.exp(t if upper else -t)) for t in points)})
        cuts = [c for c in cuts if 0 < c <= 0.5]
        for a, b in itertools.pairwise(cuts):
            total += integrate.quad(
                integrand, a, b, args=(upper,), epsabs=1e-15, epsrel=1e-12, limit=500
            )[0]
    return total


def _draw(kind: str, rng: np.random.Generator) -> float:
    return {"real": rng.uniform(-1.5, 1.5), "positive": rng.uniform(0.6, 2.5)}[kind]


# (base spec of P, base spec of Q, the parameters' kinds, SciPy laws from the values)
BASES = {
    "normal": (
        "normal(m1, s1)",
        "normal(m2, s2)",
        {"m1": "real", "s1": "positive", "m2": "real", "s2": "positive"},
        lambda v: (stats.norm(v["m1"], v["s1"]), stats.norm(v["m2"], v["s2"])),
    ),
    "gamma": (
        "gamma(a1, b1)",
        "gamma(a2, b2)",
        {"a1": "positive", "b1": "positive", "a2": "positive", "b2": "positive"},
        lambda v: (
            stats.gamma(v["a1"], scale=1 / v["b1"]),
            stats.gamma(v["a2"], scale=1 / v["b2"]),
        ),
    ),
    "laplace": (
        "laplace(m1, s1)",
        "laplace(m2, s2)",
        {"m1": "real", "s1": "positive", "m2": "real", "s2": "positive"},
        lambda v: (stats.laplace(v["m1"], v["s1"]), stats.laplace(v["m2"], v["s2"])),
    ),
    "beta": (
        "beta(a1, b1)",
        "beta(a2, b2)",
        {"a1": "positive", "b1": "positive", "a2": "positive", "b2": "positive"},
        lambda v: (stats.beta(v["a1"], v["b1"]), stats.beta(v["a2"], v["b2"])),
    ),
    "exponential_gamma": (
        "exponential(l1)",
        "gamma(a2, b2)",
        {"l1": "positive", "a2": "positive", "b2": "positive"},
        lambda v: (stats.expon(scale=1 / v["l1"]), stats.gamma(v["a2"], scale=1 / v["b2"])),
    ),
}

CASES = [
    ("normal", "exp", ()),
    ("gamma", "exp", ()),
    ("laplace", "exp", ()),
    ("exponential_gamma", "exp", ()),
    ("normal", "sigmoid", ()),
    ("beta", "sigmoid", ()),
    ("laplace", "sigmoid", ()),
    ("normal", "affine", ("c", "d")),  # a symbolic map: its scale d may have either sign
    ("laplace", "affine", ("c", "d")),
    ("gamma", "affine", ("3/2", "-2")),  # a negative scale turns the half-line over
    ("beta", "affine", ("-1", "5")),
]


def _spec(base: str, name: str, args: tuple[str, ...]) -> str:
    shown = f"{name}({', '.join(args)})" if args else name
    return f"transformed({base}, {shown})"


@pytest.fixture(scope="module")
def derived():
    cache = {}

    def get(case):
        if case not in cache:
            base, name, args = case
            p, q, _, _ = BASES[base]
            cache[case] = kl_derive.derive(_spec(p, name, args), _spec(q, name, args))
        return cache[case]

    return get


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
@pytest.mark.slow
def test_result_matches_quadrature_of_the_transformed_densities(derived, case) -> None:
    base, name, args = case
    d = derived(case)
    assert all(step.verified for step in d.steps)
    assert [s.key for s in d.stages] == [
        "transform_densities",
        "transform_log_ratio",
        "transform_substitution",
    ]
    _, _, kinds, scipy_laws = BASES[base]
    rng = _rng(case)
    for _ in range(3):  # random parameters, and random maps where they are symbols
        values = {n: _draw(k, rng) for n, k in kinds.items()}
        c = rng.uniform(-2, 2)
        dd = rng.choice([-1, 1]) * rng.uniform(0.3, 3)
        numbers = (
            tuple(float(eval(a)) for a in args)  # the test's own literals ("3/2", "-2")
            if args and args[0] != "c"
            else (c, dd)
        )
        kinks = [v for n, v in values.items() if n.startswith("m")] if base == "laplace" else []
        expected = _kl_by_quadrature(*scipy_laws(values), name, numbers, kinks)
        got = d.value(
            {n: v for n, v in values.items() if any(str(s) == n for s in d.result.free_symbols)}
        )
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-9), (values, numbers)


def test_the_log_normal_law_of_scipy_agrees() -> None:
    """exp of a normal law is SciPy's own log-normal law: a second, separate reference."""
    d = kl_derive.derive("transformed(normal(m1, s1), exp)", "transformed(normal(m2, s2), exp)")
    m1, s1, m2, s2 = 0.3, 0.7, -0.4, 1.3
    p, q = stats.lognorm(s1, scale=np.exp(m1)), stats.lognorm(s2, scale=np.exp(m2))
    expected = integrate.quad(
        lambda y: p.pdf(y) * (p.logpdf(y) - q.logpdf(y)), 0, np.inf, epsabs=1e-13, limit=400
    )[0]
    assert d.value({"m1": m1, "s1": s1, "m2": m2, "s2": s2}) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(
    "p, q, base_p, base_q",
    [
        (
            "transformed(normal(m1, s1), exp)",
            "transformed(normal(m2, s2), exp)",
            "normal(m1, s1)",
            "normal(m2, s2)",
        ),
        (
            "transformed(gamma(a, b), sigmoid)",
            "transformed(exponential(l), sigmoid)",
            "gamma(a, b)",
            "exponential(l)",
        ),
        (
            "transformed(laplace(m, s), affine(c, d))",
            "transformed(laplace(0, 1), affine(c, d))",
            "laplace(m, s)",
            "laplace(0, 1)",
        ),
    ],
)
def test_equals_the_divergence_of_the_base_laws(p, q, base_p, base_q) -> None:
    from sympy import simplify

    d, base = kl_derive.derive(p, q), kl_derive.derive(base_p, base_q)
    assert simplify(d.result - base.result) == 0


# -- the corollary (--via-base) -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("family", ["log_normal", "logit_normal"])
def test_corollary_agrees_with_the_direct_catalog_result(family) -> None:
    from sympy import simplify

    p, q = f"{family}(m1, s1)", f"{family}(m2, s2)"
    via = kl_derive.derive(p, q, strategy="change of variables")
    direct = kl_derive.derive(p, q)
    assert direct.strategy != via.strategy == "change of variables"
    assert simplify(via.result - direct.result) == 0
    assert [s.key for s in via.stages] == ["transform_identify", "transform_corollary"]
    assert all(step.verified for step in via.steps)
    rules = [step.rule for step in via.steps]
    assert rules.count("transform.identify") == 2 and "transform.invariance" in rules
    # and the value at random parameters is the quadrature's
    rng = _rng(family)
    m1, s1, m2, s2 = (
        rng.uniform(-1, 1),
        rng.uniform(0.5, 2),
        rng.uniform(-1, 1),
        rng.uniform(0.5, 2),
    )
    name = "exp" if family == "log_normal" else "sigmoid"
    expected = _kl_by_quadrature(stats.norm(m1, s1), stats.norm(m2, s2), name, ())
    got = via.value({"m1": m1, "s1": s1, "m2": m2, "s2": s2})
    assert got == pytest.approx(expected, rel=1e-7)


def test_a_log_normal_law_meets_a_transformed_one() -> None:
    d = kl_derive.derive("transformed(normal(m1, s1), exp)", "log_normal(m2, s2)")
    direct = kl_derive.derive("log_normal(m1, s1)", "log_normal(m2, s2)")
    assert (d.result - direct.result).simplify() == 0


# -- the verifier sees every step -----------------------------------------------------


@pytest.mark.slow
def test_false_steps_are_refused() -> None:
    from sympy import Rational

    from kl_derive.strategies.change_of_variables import derive_transformed

    d = kl_derive.derive(
        "transformed(normal(m1, s1), sigmoid)", "transformed(normal(m2, s2), sigmoid)"
    )
    draft = derive_transformed(d.p, d.q)
    mutations = {
        "plus_one": lambda e: e + 1,
        "double": lambda e: 2 * e,
        "tiny": lambda e: e * (1 + Rational(1, 10**6)),
    }
    assert accepted_false_steps(draft, mutations) == []


def test_a_wrong_substitution_is_refused() -> None:
    from dataclasses import replace

    from sympy import exp

    from kl_derive.steps.verify import verify_step
    from kl_derive.strategies.change_of_variables import derive_transformed

    d = kl_derive.derive("transformed(normal(m1, s1), exp)", "transformed(normal(m2, s2), exp)")
    draft = derive_transformed(d.p, d.q)
    (step,) = [s for s in draft.stages[2].steps if s.rule == "transform.substitute"]
    z = step.hint.new_var
    wrong = replace(step, hint=replace(step.hint, transform=exp(2 * z)))
    with pytest.raises(VerificationError):
        verify_step(wrong, draft.contexts[step.facts])


# -- the spec reader -----------------------------------------------------------------


def test_spec_reader() -> None:
    found = parse_transformed("transformed(gamma(lambda, 2), affine(a, -2*b))")
    assert found.base == "gamma(lambda, 2)" and found.bijection == "affine"
    assert parse_transformed("normal(0, 1)") is None
    assert parse_transformed("  transformed(normal, exp) ").bijection == "exp"
    with pytest.raises(SpecError, match="transformed law"):
        parse_spec("transformed(normal, exp)")  # not a plain law for the other commands


BAD = [
    ("transformed(normal, foo)", "unknown bijection 'foo'"),
    ("transformed(normal)", "takes a law and a bijection"),
    ("transformed(normal, affine(1))", "affine(a, b)"),
    ("transformed(normal, affine(1, 0))", "b != 0"),
    ("transformed(transformed(normal, exp), exp)", "one bijection"),
    ("transformed(normal, __import__('os'))", "unknown bijection"),
    ("transformed(normal, affine(a, eval(b)))", "'eval' is not allowed"),
    ("transformed(normal, affine(z, 1))", "reserved"),
    ("transformed(normal, exp", "cannot read"),
    ("transformed(normal, exp, exp)", "takes a law and a bijection"),
    ("transformed(normal, exp(s))", "write the bijection as exp"),
    ("transformed(normal, sigmoid=1)", "takes a law and a bijection"),
]


@pytest.mark.parametrize("spec, fragment", BAD)
def test_bad_specs_are_one_line(spec, fragment) -> None:
    with pytest.raises(KLDeriveError, match=re.escape(fragment)):
        kl_derive.derive(spec, "transformed(normal(m, s), exp)")


REFUSED = [
    (
        ("transformed(normal(m1, s1), exp)", "transformed(normal(m2, s2), sigmoid)"),
        "different bijections (exp and sigmoid)",
    ),
    (
        ("transformed(normal(m1, s1), affine(a, b))", "transformed(normal(m2, s2), affine(a, c))"),
        "must be a number",  # two affine maps: derived when the first scale is a number
    ),
    (("transformed(normal(m1, s1), exp)", "normal(m2, s2)"), "is not a transformed law"),
    (("transformed(poisson(l1), exp)", "transformed(poisson(l2), exp)"), "with a density"),
    (
        ("transformed(gamma(a1, b1), affine(c, d))", "transformed(gamma(a2, b2), affine(c, d))"),
        "sign of the scale",
    ),
    (
        ("transformed(normal(m1, s1), exp)", "transformed(exponential(l), exp)"),
        "support lies inside",
    ),
    (("transformed(normal(m1, s1), exp)", None), "give both laws"),
]


@pytest.mark.parametrize("pair, fragment", REFUSED)
def test_refused_pairs_say_why(pair, fragment) -> None:
    with pytest.raises(KLDeriveError, match=re.escape(fragment)):
        kl_derive.derive(*pair)


# -- rendering -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shown():
    return (
        kl_derive.derive(
            "transformed(normal(m1, s1), sigmoid)", "transformed(normal(m2, s2), sigmoid)"
        ),
        kl_derive.derive(
            "transformed(gamma(a1, b1), affine(c, -2))", "transformed(gamma(a2, b2), affine(c, -2))"
        ),
        kl_derive.derive(
            "log_normal(m1, s1)", "log_normal(m2, s2)", strategy="change of variables"
        ),
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(shown, lang) -> None:
    for d in shown:
        for fmt in FORMATS:
            assert d.render(fmt, lang).strip()
        text = d.render("text", lang)
        assert not re.search(r"\{[a-z_]+\}", text)  # every placeholder filled
        data = json.loads(d.render("json", lang))
        assert all(step["verified"] for step in data["steps"])
        assert data["strategy"] == "change of variables"
    data = json.loads(shown[0].render("json", lang))
    assert data["p"]["spec"] == "transformed(normal(m1, s1), sigmoid)"
    assert "transformed(normal(m2, s2), sigmoid)" in shown[0].render("latex", lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_markdown_renders_with_katex(shown, lang) -> None:
    katex_blocks(shown, lang)


@pytest.mark.slow  # pdflatex, or kl-derive in subprocesses
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_latex_compiles_without_overfull_boxes(shown, lang, tmp_path) -> None:
    for i, d in enumerate(shown):
        (tmp_path / f"t{i}.tex").write_text(d.to_latex(lang, standalone=True), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, f"t{i}.tex")
        assert done.returncode == 0, log[-2000:]
        assert "Overfull" not in log


# -- the command line ------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow  # pdflatex, or kl-derive in subprocesses
def test_command_line() -> None:
    done = _run(
        "transformed(normal(m1, s1), exp)", "transformed(normal(m2, s2), exp)", "--to", "json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["p"]["spec"] == "transformed(normal(m1, s1), exp)"
    via = _run("log_normal", "log_normal", "--via-base", "--to", "text", "--no-cache")
    assert via.returncode == 0, via.stderr
    assert "D_KL(f#P ‖ f#Q) = D_KL(P ‖ Q)" in via.stdout


@pytest.mark.slow  # pdflatex, or kl-derive in subprocesses
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["transformed(normal, exp)", "transformed(normal, sigmoid)"], "different bijections"),
        (["transformed(normal, exp)", "transformed(normal, exp)", "--param", "logvar"], "param"),
        (["normal", "normal", "--via-base"], "--via-base"),
        (["log_normal", "log_normal", "--via-base", "--strategy", "moments"], "--via-base"),
        (["entropy", "transformed(normal, exp)"], "transformed law"),
        (["transformed(normal, os.system)", "normal"], "bijection"),
    ],
)
def test_command_line_refusals_are_one_line(args, fragment) -> None:
    one_line_error(_run(*args), fragment)


@pytest.mark.slow  # pdflatex, or kl-derive in subprocesses
def test_build_manifest_entries(tmp_path) -> None:
    """transformed laws and --via-base in a manifest: the single commands' bytes."""
    from conftest import run_module

    (tmp_path / "notes.toml").write_text(
        """
[[derivation]]
p = "transformed(normal(m1, s1), sigmoid)"
q = "transformed(normal(m2, s2), sigmoid)"
to = "text"
output = "out/sigmoid.txt"

[[derivation]]
p = "log_normal"
q = "log_normal"
via-base = true
lang = "ko"
to = "markdown"
output = "out/via.md"

[[derivation]]
p = "transformed(normal(m1, s1), exp)"
q = "transformed(normal(m2, s2), sigmoid)"
output = "out/bad.tex"
""",
        encoding="utf-8",
    )
    done = run_module(["build", "notes.toml", "--no-cache", "-j", "1"], cwd=tmp_path, timeout=600)
    assert done.returncode == 2, done.stderr
    assert "derivation 3" in done.stderr and "different bijections" in done.stderr
    for name, args in (
        (
            "out/sigmoid.txt",
            [
                "transformed(normal(m1, s1), sigmoid)",
                "transformed(normal(m2, s2), sigmoid)",
                "--to",
                "text",
            ],
        ),
        (
            "out/via.md",
            ["log_normal", "log_normal", "--via-base", "--lang", "ko", "--to", "markdown"],
        ),
    ):
        single = run_module([*args, "--no-cache"], cwd=tmp_path, timeout=600)
        assert single.returncode == 0, single.stderr
        assert (tmp_path / name).read_text(encoding="utf-8") == single.stdout


@pytest.mark.parametrize(
    "spec",
    [
        "transformed(normal(" + "a + " * 120 + "a, 1), exp)",  # over the length limit
        "transformed(" * 40 + "normal" + ", exp)" * 40,
        "transformed(normal(1e300, 1), exp)",
        "transformed(normal, affine(1e13, 1))",
        "transformed(normal, affine(a, b ** 100))",
        "transformed(normal, [exp])",
        "transformed(normal, lambda: 1)",
        "transformed(normal, exp)[0]",
        "transformed(normal, 'exp')",
    ],
)
def test_hostile_specs_are_refused_in_one_line(spec) -> None:
    with pytest.raises(KLDeriveError) as caught:
        kl_derive.derive(spec, "transformed(normal(m, s), exp)")
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 1000


def test_what_is_assumed_and_the_reproducing_command_are_written() -> None:
    """A symbolic affine scale is assumed nonzero, and the text says so; the header's
    command line of the corollary names --via-base (it reproduces the derivation)."""
    d = kl_derive.derive(
        "transformed(normal(m1, s1), affine(a, b))", "transformed(normal(m2, s2), affine(a, b))"
    )
    en, ko = (" ".join(d.to_text(lang).split()) for lang in ("en", "ko"))
    assert "We assume b ≠ 0" in en and "b ≠ 0이라고 가정한다" in ko
    numeric = kl_derive.derive(
        "transformed(normal(m1, s1), affine(1, 2))", "transformed(normal(m2, s2), affine(1, 2))"
    )
    assert "We assume" not in " ".join(numeric.to_text("en").split()).split("Step 1")[1]
    via = kl_derive.derive("log_normal", "log_normal", strategy="change of variables")
    assert '"log_normal(mu_2, sigma_2)" --via-base --to markdown' in via.to_markdown()
