"""The α-family (Rényi, Bhattacharyya, Hellinger, chi-square) between diagonal Gaussians:
symbolic dimension and symbolic order, listed vectors of numbers and of names, expression
parameters (exp(v/2)), a normal law against a diagonal one. Each result is checked at
random parameters, on both sides of every coordinate's condition, against numerics written
here, independently of the engine: SciPy quadrature of the integral of p^a q^(1-a) over
R^1 and R^2 (dblquad), Monte Carlo with a fixed seed in R^3; where a condition fails, the
integrand is shown not to decay. False steps are refused; the generated code agrees."""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import Indexed, Piecewise, Product, Rational, S, Sum, oo

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import pairs
from kl_derive.divergences.alpha_diagonal import diagonal_alpha_draft
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.families.diag_normal import INDEX
from kl_derive.steps.verify import verify_step
from kl_derive.symbolic.objects import DIMENSION

# one worker derives each law pair once (the module-level cache) and runs every test of it
pytestmark = pytest.mark.xdist_group("alpha_diagonal")


@cache
def _derived(name: str, p: str, q: str, alpha: str | None = None):
    options = {} if alpha is None else {"alpha": alpha}
    return kl_derive.divergence(name, p, q, **options)


# -- the numerics, written here --------------------------------------------------------


def _log_integrand(x: np.ndarray, m1, s1, m2, s2, a: float) -> np.ndarray:
    """log(p(x)^a q(x)^(1 - a)) for diagonal normals p = N(m1, s1^2), q = N(m2, s2^2),
    summed over the last axis."""
    lp = stats.norm.logpdf(x, m1, s1)
    lq = stats.norm.logpdf(x, m2, s2)
    return np.sum(a * lp + (1 - a) * lq, axis=-1)


def _integral_by_quadrature(m1, s1, m2, s2, a: float) -> float:
    """int p^a q^(1 - a) over R^n, n = 1 or 2, by SciPy quadrature on a wide box."""
    n = len(m1)
    centre = [(x + y) / 2 for x, y in zip(m1, m2, strict=True)]
    half = [12 * max(u, v) + abs(x - y) for u, v, x, y in zip(s1, s2, m1, m2, strict=True)]

    def log_pdf(x: float, m: float, s: float) -> float:
        return -0.5 * ((x - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)

    def f(*x: float) -> float:  # dblquad passes (y, x): the coordinates reversed
        total = 0.0
        for xi, a1, b1, a2, b2 in zip(x[::-1], m1, s1, m2, s2, strict=True):
            total += a * log_pdf(xi, a1, b1) + (1 - a) * log_pdf(xi, a2, b2)
        return math.exp(total)

    if n == 1:
        return integrate.quad(f, centre[0] - half[0], centre[0] + half[0], limit=200)[0]
    return integrate.dblquad(
        f,
        centre[0] - half[0],
        centre[0] + half[0],
        centre[1] - half[1],
        centre[1] + half[1],
        epsabs=1e-13,
        epsrel=1e-10,
    )[0]


def _integral_by_monte_carlo(m1, s1, m2, s2, a: float, seed: int) -> float:
    """int p^a q^(1 - a) = E_p[(q/p)^(1 - a)], from 400000 draws of p (fixed seed)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(m1, s1, size=(400_000, len(m1)))
    lp = _log_integrand(x, m1, s1, m2, s2, 1.0)
    lq = _log_integrand(x, m1, s1, m2, s2, 0.0)
    return float(np.mean(np.exp((1 - a) * (lq - lp))))


def _grows(m1, s1, m2, s2, a: float, j: int) -> bool:
    """Whether coordinate j's integrand p_j^a q_j^(1 - a) fails to decay: its integral
    over [-L, L] keeps growing (a divergent integral)."""

    def f(x: float) -> float:
        return math.exp(
            a * stats.norm.logpdf(x, m1[j], s1[j]) + (1 - a) * stats.norm.logpdf(x, m2[j], s2[j])
        )

    small = integrate.quad(f, -20, 20, limit=400)[0]
    large = integrate.quad(f, -40, 40, limit=400)[0]
    return large > 10 * small


def _divergence(name: str, integral: float, a: float) -> float:
    if name == "renyi":
        return math.log(integral) / (a - 1)
    if name == "bhattacharyya":
        return -math.log(integral)
    if name == "hellinger":
        return 1 - integral
    return integral - 1


# -- the derived results, read at numbers ------------------------------------------------


def _value(result, vectors: dict[str, list[float]], scalars: dict[str, float]) -> float:
    """The result at the given vectors (by name) and scalars: the sums and products over
    j = 1..d written out, a condition in j read for every coordinate."""
    n = len(next(iter(vectors.values()))) if vectors else 0
    e = result.xreplace({DIMENSION: n}) if vectors else result

    def at(x):
        x = x.replace(lambda y: isinstance(y, (Sum, Product)), lambda y: y.doit())
        values = {y: vectors[str(y.base.label)][int(y.indices[0]) - 1] for y in x.atoms(Indexed)}
        values.update({s: scalars[s.name] for s in x.free_symbols if s.name in scalars})
        return x.xreplace(values)

    if isinstance(e, Piecewise):
        (finite, condition), _ = e.args
        held = all(bool(at(condition.xreplace({INDEX: S(j)}))) for j in range(1, max(n, 1) + 1))
        return float(at(finite).evalf(30)) if held else math.inf
    return float(at(e).evalf(30))


def _draw(rng: random.Random, n: int, wide: bool = False) -> tuple[list[float], ...]:
    m1 = [rng.uniform(-1.5, 1.5) for _ in range(n)]
    m2 = [rng.uniform(-1.5, 1.5) for _ in range(n)]
    s1 = [rng.uniform(0.5, 1.5) for _ in range(n)]
    s2 = [rng.uniform(0.5, 1.5) * (1.6 if wide else 1) for _ in range(n)]
    return m1, s1, m2, s2


# -- the tests ---------------------------------------------------------------------------


def test_listed_pairs() -> None:
    for name, outcome in (
        ("renyi", "conditional"),
        ("chi-square", "conditional"),
        ("hellinger", "finite"),
        ("bhattacharyya", "finite"),
    ):
        listed = pairs(name)
        for pair in [("diag_normal", "diag_normal"), ("normal", "diag_normal")]:
            assert (*pair, outcome) in listed, (name, pair)


@pytest.mark.slow
def test_renyi_symbolic_dimension_and_order() -> None:
    d = _derived("renyi", "diag_normal(mu, sigma)", "diag_normal(m, s)")
    assert all(step.verified for step in d.steps)
    assert isinstance(d.result, Piecewise) and d.result.args[1] == (oo, True)
    rng = random.Random("alpha-diag")
    for n, a in ((1, 0.4), (2, 0.7), (1, 1.8), (2, 1.5), (2, 3.0)):
        m1, s1, m2, s2 = _draw(rng, n, wide=a > 1)
        assert all(a * v**2 + (1 - a) * u**2 > 0 for u, v in zip(s1, s2, strict=True))
        got = _value(d.result, {"mu": m1, "sigma": s1, "m": m2, "s": s2}, {"alpha": a})
        expected = _divergence("renyi", _integral_by_quadrature(m1, s1, m2, s2, a), a)
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-9), (n, a)


@pytest.mark.slow
def test_renyi_three_coordinates_by_monte_carlo() -> None:
    d = _derived("renyi", "diag_normal(mu, sigma)", "diag_normal(m, s)")
    rng = random.Random("alpha-diag-mc")
    for seed, a in ((1, 0.5), (2, 1.4)):
        m1, s1, m2, s2 = _draw(rng, 3, wide=True)
        got = _value(d.result, {"mu": m1, "sigma": s1, "m": m2, "s": s2}, {"alpha": a})
        integral = _integral_by_monte_carlo(m1, s1, m2, s2, a, seed)
        assert got == pytest.approx(_divergence("renyi", integral, a), rel=0.02, abs=2e-3)


def test_renyi_infinite_where_one_coordinate_fails() -> None:
    """Order 2.5: coordinate 2 with sigma_2^2 > 2.5/1.5 s_2^2 breaks its condition alone;
    the result is +oo and that coordinate's integrand does not decay."""
    d = _derived("renyi", "diag_normal(mu, sigma)", "diag_normal(m, s)")
    a = 2.5
    m1, s1, m2, s2 = [0.3, -0.2, 0.5], [0.8, 2.0, 0.9], [0.0, 0.1, 0.2], [1.0, 1.0, 1.2]
    conditions = [a * v**2 + (1 - a) * u**2 > 0 for u, v in zip(s1, s2, strict=True)]
    assert conditions == [True, False, True]
    got = _value(d.result, {"mu": m1, "sigma": s1, "m": m2, "s": s2}, {"alpha": a})
    assert got == math.inf
    assert _grows(m1, s1, m2, s2, a, 1) and not _grows(m1, s1, m2, s2, a, 0)


@pytest.mark.parametrize("name", ["bhattacharyya", "hellinger"])
@pytest.mark.slow
def test_expression_parameters(name: str) -> None:
    """exp(v/2) as the scale, against the standard law, in 2 (quadrature) and 3 (Monte
    Carlo) coordinates."""
    d = _derived(name, "diag_normal(mu, exp(v/2))", "diag_normal(0, 1)")
    assert all(step.verified for step in d.steps)
    rng = random.Random(f"alpha-diag-{name}")
    for n in (2, 3):
        mu = [rng.uniform(-1.5, 1.5) for _ in range(n)]
        v = [rng.uniform(-1.5, 1.5) for _ in range(n)]
        s1 = [math.exp(x / 2) for x in v]
        got = _value(d.result, {"mu": mu, "v": v}, {})
        if n == 2:
            integral = _integral_by_quadrature(mu, s1, [0.0] * n, [1.0] * n, 0.5)
            assert got == pytest.approx(_divergence(name, integral, 0.5), rel=1e-8, abs=1e-10)
        else:
            integral = _integral_by_monte_carlo(mu, s1, [0.0] * n, [1.0] * n, 0.5, 7)
            assert got == pytest.approx(_divergence(name, integral, 0.5), rel=0.01, abs=2e-3)


@pytest.mark.slow
def test_chi_square_listed_names_both_sides() -> None:
    """Coordinate 1 is finite when s^2 < 2, coordinate 2 when t^2 > 2 (sigma^2 = 4 < 2
    t^2): the result under both, +oo when either fails (that integrand does not decay)."""
    d = _derived("chi-square", "diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])")
    assert all(step.verified for step in d.steps)
    rng = random.Random("chi-diag")
    for s_low, t_high in ((True, True), (False, True), (True, False), (False, False)):
        a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
        s = rng.uniform(0.5, 1.3) if s_low else rng.uniform(1.5, 2.0)
        t = rng.uniform(1.5, 2.5) if t_high else rng.uniform(0.6, 1.3)
        m1, s1, m2, s2 = [a, 1.0], [s, 2.0], [0.0, b], [1.0, t]
        got = _value(d.result, {}, {"a": a, "b": b, "s": s, "t": t})
        if s_low and t_high:
            expected = _integral_by_quadrature(m1, s1, m2, s2, 2.0) - 1
            assert got == pytest.approx(expected, rel=1e-7)
        else:
            assert got == math.inf
            broken = [j for j, ok in enumerate((s_low, t_high)) if not ok]
            assert all(_grows(m1, s1, m2, s2, 2.0, j) for j in broken)


def test_chi_square_numbers_pick_their_side() -> None:
    d = _derived("chi-square", "diag_normal([0, 1], [1, 2])", "diag_normal([1, 1], [1, 2])")
    assert float(d.result) == pytest.approx(math.e - 1)  # e^(1^2/(2 - 1)) in coordinate 1
    got = float(d.result)
    expected = _integral_by_quadrature([0, 1], [1, 2], [1, 1], [1, 2], 2.0) - 1
    assert got == pytest.approx(expected, rel=1e-8)
    # sigma_1^2 = 9 >= 2 s_1^2 = 2: coordinate 1 diverges, said in one line
    with pytest.raises(KLDeriveError, match=r"infinite.*coordinate 1.*-7 is not > 0"):
        kl_derive.divergence(
            "chi-square", "diag_normal([0, 1], [3, 1])", "diag_normal([0, 0], [1, 1])"
        )
    assert _grows([0, 1], [3, 1], [0, 0], [1, 1], 2.0, 0)


@pytest.mark.slow
def test_cli_refuses_an_infinite_case_in_one_line() -> None:
    from conftest import one_line_error, run_module

    done = run_module(["renyi", "diag_normal(mu, 2)", "diag_normal(m, 1)", "--alpha", "2"])
    one_line_error(done, "infinite", "every coordinate", "-2 is not > 0")
    # Hellinger's code is no longer refused (a product over the coordinates, summed in
    # logs: tests/test_codegen_divergences.py checks its values)
    done = run_module(
        ["code", "diag_normal(mu, sigma)", "diag_normal(m, s)", "--divergence", "hellinger"]
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "def " in done.stdout and "np.sum" in done.stdout


@pytest.mark.slow
def test_a_normal_law_in_every_coordinate() -> None:
    d = _derived("renyi", "normal(m, s)", "diag_normal(mu, sigma)", "3")
    rng = random.Random("alpha-normal-diag")
    for n in (1, 2):
        mu = [rng.uniform(-1, 1) for _ in range(n)]
        sigma = [rng.uniform(1.0, 1.6) for _ in range(n)]
        m, s = rng.uniform(-1, 1), rng.uniform(0.5, 0.9)
        got = _value(d.result, {"mu": mu, "sigma": sigma}, {"m": m, "s": s})
        expected = _divergence(
            "renyi", _integral_by_quadrature([m] * n, [s] * n, mu, sigma, 3.0), 3.0
        )
        assert got == pytest.approx(expected, rel=1e-7)


def test_order_half_listed_numbers_exact() -> None:
    d = _derived("renyi", "diag_normal([0, 1], [1, 1])", "diag_normal([0, 0], [1, 2])", "1/2")
    expected = _divergence(
        "renyi", _integral_by_quadrature([0, 1], [1, 1], [0, 0], [1, 2], 0.5), 0.5
    )
    assert float(d.result) == pytest.approx(expected, rel=1e-9)
    assert not d.result.free_symbols


@pytest.mark.parametrize("dimension", [pytest.param("symbolic", marks=pytest.mark.slow), "listed"])
def test_false_steps_are_refused(dimension: str) -> None:
    p, q = (
        ("diag_normal(mu, sigma)", "diag_normal(m, s)")
        if dimension == "symbolic"
        else ("diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])")
    )
    first, second = bind(p, q, None, "en")
    draft = diagonal_alpha_draft(first, second, "chi_square")
    context = draft.contexts["main"]
    factor, result = draft.stages
    independent, coordinate = factor.chains[0].steps
    (piecewise,) = result.chains[1].steps
    condition = coordinate.condition
    # every true step passes here
    for step in (independent, coordinate, piecewise):
        verify_step(step, context)
    # a coordinate's value off by a factor 11/10
    with pytest.raises(VerificationError):
        verify_step(replace(coordinate, after=Rational(11, 10) * coordinate.after), context)
    # the factorization with one factor too many (its square), or a factor left out
    with pytest.raises(VerificationError):
        verify_step(replace(independent, after=independent.after**2), context)
    if dimension == "listed":
        first_factor = independent.after.args[0]
        with pytest.raises(VerificationError):
            verify_step(replace(independent, after=first_factor), context)
    # the coordinate's value claimed without its condition: the integral diverges there
    with pytest.raises(VerificationError):
        verify_step(replace(coordinate, condition=None), context)
    # the piecewise result with a condition too strong (x + 1/2 < y for x < y): breaking it
    # alone leaves the divergence finite
    (finite, stated), infinite = piecewise.after.args
    tighter = _tighter(stated)
    wrong = Piecewise((finite, tighter), infinite, evaluate=False)
    with pytest.raises(VerificationError):
        verify_step(
            replace(piecewise, after=wrong, params={**piecewise.params, "condition": tighter}),
            context,
        )
    # and with the wrong closed form
    wrong = Piecewise((2 * finite, stated), infinite, evaluate=False)
    with pytest.raises(VerificationError):
        verify_step(replace(piecewise, after=wrong), context)
    assert condition is not None


def _tighter(condition):
    """Each ``x < y`` of ``condition`` as ``x + 1/2 < y``: stronger than the truth."""
    from sympy.core.relational import StrictLessThan

    return condition.replace(
        lambda e: isinstance(e, StrictLessThan),
        lambda e: StrictLessThan(e.lhs + S.Half, e.rhs),
    )


@pytest.mark.parametrize("name", ["renyi", "bhattacharyya"])
@pytest.mark.slow
def test_generated_code_matches_quadrature(name: str) -> None:
    from test_codegen import load

    from kl_derive.codegen import code_for

    options = {"alpha": "alpha"} if name == "renyi" else {}
    source = code_for("diag_normal(mu, sigma)", "diag_normal(m, s)", divergence=name, **options)
    function = load(source, name)
    rng = np.random.default_rng(5)
    m1, m2 = rng.uniform(-1, 1, (2, 3, 2))
    s1 = rng.uniform(0.5, 1.0, (3, 2))
    s2 = rng.uniform(0.5, 1.5, (3, 2)) * 1.6
    a = 0.6 if name == "bhattacharyya" else 1.7
    assert np.all(a * s2**2 + (1 - a) * s1**2 > 0)  # every coordinate finite
    args = (m1, s1, m2, s2) if name == "bhattacharyya" else (m1, s1, m2, s2, a)
    got = function(*args)
    order = 0.5 if name == "bhattacharyya" else a
    expected = [
        _divergence(name, _integral_by_quadrature(m1[i], s1[i], m2[i], s2[i], order), order)
        for i in range(3)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-7)
    # a row with a coordinate past its condition is +oo
    if name == "renyi":
        s1[0, 1] = 5.0
        assert np.isinf(function(m1, s1, m2, s2, a)[0])


@pytest.mark.parametrize("name", ["hellinger", "chi-square"])
@pytest.mark.slow
def test_code_for_a_product_matches_the_derivation(name: str) -> None:
    """Hellinger and chi-square are 1 - prod_j f_j and prod_j f_j - 1: the code sums each
    coordinate's log f_j over the latent axis and returns 1 - e^d, e^d - 1 per row, equal
    to the derived value and to quadrature; a row with a coordinate past chi-square's
    condition is +oo; --reduce sum is refused in one line."""
    from test_codegen import load

    from kl_derive.codegen import code_for

    source = code_for("diag_normal(mu, sigma)", "diag_normal(m, s)", divergence=name)
    function = load(source, name.replace("-", "_"))
    d = _derived(name, "diag_normal(mu, sigma)", "diag_normal(m, s)")
    rng = np.random.default_rng(11)
    m1, m2 = rng.uniform(-1, 1, (2, 3, 2))
    s1 = rng.uniform(0.5, 1.0, (3, 2))
    s2 = rng.uniform(0.6, 1.5, (3, 2))
    assert np.all(2 * s2**2 > s1**2)  # chi-square's condition in every coordinate
    got = function(m1, s1, m2, s2)
    assert got.shape == (3,)
    order = 0.5 if name == "hellinger" else 2.0
    for i in range(3):
        vectors = {"mu": list(m1[i]), "sigma": list(s1[i]), "m": list(m2[i]), "s": list(s2[i])}
        derived = _value(d.result, vectors, {})
        assert got[i] == pytest.approx(derived, rel=1e-10, abs=1e-13)
        integral = _integral_by_quadrature(m1[i], s1[i], m2[i], s2[i], order)
        assert got[i] == pytest.approx(_divergence(name, integral, order), rel=1e-7)
    if name == "chi-square":
        s1[1, 0] = 3 * s2[1, 0]  # sigma^2 = 9 s^2 > 2 s^2 in one coordinate
        assert np.isinf(function(m1, s1, m2, s2)[1]) and np.isfinite(function(m1, s1, m2, s2)[0])
    with pytest.raises(KLDeriveError, match="does not add over independent coordinates") as caught:
        code_for("diag_normal(mu, sigma)", "diag_normal(m, s)", divergence=name, reduce="sum")
    assert "\n" not in str(caught.value)


CASES = [
    ("renyi", "diag_normal(mu, sigma)", "diag_normal(m, s)", None),
    ("chi-square", "diag_normal([a, 1], [s, 2])", "diag_normal([0, b], [1, t])", None),
    ("hellinger", "diag_normal(mu, exp(v/2))", "diag_normal(0, 1)", None),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.slow
def test_every_format(case, lang: str) -> None:
    import json

    from kl_derive.cli_options import FORMATS

    d = _derived(*case)
    for fmt in FORMATS:
        assert d.render(fmt, lang).strip(), fmt
    text = d.render("text", lang)
    assert not re.search(r"\{[a-z_]+\}", text)
    data = json.loads(d.render("json", lang))
    assert data["result"]["sympy"] and all(step["verified"] for step in data["steps"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_katex_strict(lang: str) -> None:
    from conftest import katex_blocks

    katex_blocks([_derived(*case) for case in CASES], lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("page", ["onecolumn", "twocolumn"])
@pytest.mark.slow
def test_latex_has_no_overfull_box(tmp_path, lang: str, page: str) -> None:
    from conftest import run_pdflatex

    for i, case in enumerate(CASES):
        d = _derived(*case)
        name = f"a{i}.tex"
        (tmp_path / name).write_text(d.to_latex(lang, standalone=True, page=page), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, name)
        assert done.returncode == 0, (case, log[-2000:])
        assert "Overfull" not in log, (case, re.findall(r"Overfull.*", log)[:3])


def test_identical_laws_give_zero() -> None:
    """The conventions: each divergence of a law from itself is 0 (shared components make
    every coordinate's condition hold: no condition, no piecewise)."""
    for name, alpha in (("renyi", "2"), ("hellinger", None), ("chi-square", None)):
        d = _derived(name, "diag_normal(mu, sigma)", "diag_normal(mu, sigma)", alpha)
        got = _value(d.result, {"mu": [0.3, -1.2], "sigma": [0.7, 1.9]}, {})
        assert got == pytest.approx(0, abs=1e-12), name
        assert not d.result.has(Piecewise)
