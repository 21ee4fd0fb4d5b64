"""The α-family (Rényi, Bhattacharyya, Hellinger, chi-square) between two Dirichlet laws
with listed concentrations (numbers and names), through the log-partition function, with
the integrals over the simplex checked by :mod:`kl_derive.steps.verify.simplex_integral`.

Each result is checked at random parameters, on both sides of its condition
(``alpha a_i + (1 - alpha) b_i > 0`` for every i), with orders below and above 1, against
numerics written here, independently of the engine: SciPy quadrature over the simplex
(K = 2: one integral of the Beta densities; K = 3: dblquad of scipy.stats.dirichlet) and
Monte Carlo with a fixed seed (K = 4). Where the condition fails the integral, cut at
distance eps from the face z_i = 0, is shown to grow without bound. False steps are
refused."""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from scipy import integrate, stats
from sympy import Piecewise, Rational, oo

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import pairs
from kl_derive.divergences.alpha import alpha_draft
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.steps.verify import verify_step

pytestmark = pytest.mark.xdist_group("alpha_dirichlet")


@cache
def _derived(name: str, p: str, q: str, alpha: str | None = None):
    options = {} if alpha is None else {"alpha": alpha}
    return kl_derive.divergence(name, p, q, **options)


# -- the numerics, written here --------------------------------------------------------


def _log_integrand(z: np.ndarray, a: list[float], b: list[float], order: float) -> np.ndarray:
    """log(q(z)^order p(z)^(1 - order)) for q = Dir(a), p = Dir(b), z on the simplex."""
    return order * stats.dirichlet.logpdf(z, a) + (1 - order) * stats.dirichlet.logpdf(z, b)


def _integral(a: list[float], b: list[float], order: float, eps: float = 0.0) -> float:
    """int over the simplex of q^order p^(1 - order) by SciPy quadrature (K = 2, 3); with
    ``eps`` > 0, over the part where z_1 > eps (and, for K = 2, z_2 > eps). The
    coordinate z_1 is integrated on a log scale near 0 (z_1 = e^u)."""
    lower = math.log(eps) if eps > 0 else -60.0
    if len(a) == 2:

        def f(x: float) -> float:
            if not 0 < x < 1:
                return 0.0
            return math.exp(
                order * stats.beta.logpdf(x, a[0], a[1])
                + (1 - order) * stats.beta.logpdf(x, b[0], b[1])
            )

        left = integrate.quad(
            lambda u: f(math.exp(u)) * math.exp(u), lower, math.log(0.5), limit=400
        )[0]
        right = integrate.quad(
            lambda u: f(1 - math.exp(u)) * math.exp(u), lower, math.log(0.5), limit=400
        )[0]
        return left + right

    def g(y: float, u: float) -> float:
        x = math.exp(u)
        z = np.array([x, y, 1 - x - y])
        if z.min() <= 0:
            return 0.0
        return math.exp(_log_integrand(z, a, b, order)) * x

    return integrate.dblquad(
        g, lower, 0.0, 0.0, lambda u: 1 - math.exp(u), epsabs=1e-12, epsrel=1e-9
    )[0]


def _integral_by_monte_carlo(a: list[float], b: list[float], order: float, seed: int) -> float:
    """E_q[(p/q)^(1 - order)] from 400000 draws of q = Dir(a), fixed seed."""
    rng = np.random.default_rng(seed)
    z = rng.dirichlet(a, size=400_000)
    ratio = stats.dirichlet.logpdf(z.T, b) - stats.dirichlet.logpdf(z.T, a)
    return float(np.mean(np.exp((1 - order) * ratio)))


def _divergence(name: str, integral: float, order: float) -> float:
    if name == "renyi":
        return math.log(integral) / (order - 1)
    if name == "bhattacharyya":
        return -math.log(integral)
    if name == "hellinger":
        return 1 - integral
    return integral - 1


def _value(result, values: dict[str, float]) -> float:
    """The result at the named values (a piecewise result read on its side)."""
    at = {s: values[s.name] for s in result.free_symbols if s.name in values}
    e = result.subs(at)
    if isinstance(e, Piecewise):
        e = e.args[0][0] if bool(e.args[0][1]) else oo
    return math.inf if e == oo else float(e.evalf(30))


def _names(prefix: str, xs: list[float]) -> dict[str, float]:
    return {f"{prefix}{i + 1}": x for i, x in enumerate(xs)}


def _order(name: str, alpha: float | None) -> float:
    return {"bhattacharyya": 0.5, "hellinger": 0.5, "chi-square": 2.0}.get(name, alpha or 0.0)


SYMBOLIC = {2: ("dirichlet([a1, a2])", "dirichlet([b1, b2])")}
SYMBOLIC[3] = ("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])")


# -- the tests ---------------------------------------------------------------------------


def test_listed_pairs() -> None:
    assert ("dirichlet", "dirichlet", "conditional") in pairs("renyi")
    assert ("dirichlet", "dirichlet", "conditional") in pairs("chi-square")
    assert ("dirichlet", "dirichlet", "finite") in pairs("hellinger")
    assert ("dirichlet", "dirichlet", "finite") in pairs("bhattacharyya")


@pytest.mark.parametrize("k", [2, pytest.param(3, marks=pytest.mark.slow)])
def test_renyi_symbolic_order_both_sides(k: int) -> None:
    d = _derived("renyi", *SYMBOLIC[k])
    assert all(step.verified for step in d.steps)
    assert isinstance(d.result, Piecewise) and d.result.args[1] == (oo, True)
    rng = random.Random(f"alpha-dirichlet-{k}")
    for order in (0.3, 0.7, 1.6, 2.5):
        for _ in range(2 if k == 2 else 1):
            while True:  # inside the condition: alpha a_i + (1 - alpha) b_i > 0
                a = [rng.uniform(0.6, 4) for _ in range(k)]
                b = [rng.uniform(0.6, 4) for _ in range(k)]
                if all(order * x + (1 - order) * y > 0.3 for x, y in zip(a, b, strict=True)):
                    break
            got = _value(d.result, {**_names("a", a), **_names("b", b), "alpha": order})
            expected = _divergence("renyi", _integral(a, b, order), order)
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-9), (a, b, order)


@pytest.mark.parametrize("k", [2, pytest.param(3, marks=pytest.mark.slow)])
def test_renyi_infinite_where_the_condition_fails(k: int) -> None:
    """Order 2.5 with 2.5 a_1 - 1.5 b_1 < 0: the result is +oo, and the integral cut at eps
    from the faces grows as eps shrinks (it stays bounded where the condition holds)."""
    d = _derived("renyi", *SYMBOLIC[k])
    order = 2.5
    a, b = [0.8, 2.0, 1.5][:k], [2.0, 1.5, 1.2][:k]
    assert order * a[0] + (1 - order) * b[0] < 0
    got = _value(d.result, {**_names("a", a), **_names("b", b), "alpha": order})
    assert got == math.inf
    small, large = (_integral(a, b, order, eps) for eps in (1e-3, 1e-7))
    assert large > 5 * small
    a_ok = [2.0, 2.0, 1.5][:k]
    finite = [_integral(a_ok, b, order, eps) for eps in (1e-3, 1e-7)]
    assert finite[1] == pytest.approx(finite[0], rel=0.05)


@pytest.mark.parametrize("name", ["bhattacharyya", "hellinger", "chi-square"])
def test_fixed_orders_against_quadrature(name: str) -> None:
    d = _derived(name, *SYMBOLIC[2])
    rng = random.Random(f"dirichlet-{name}")
    order = _order(name, None)
    checked = {True: 0, False: 0}
    for _ in range(6):
        a = [rng.uniform(0.6, 4) for _ in range(2)]
        b = [rng.uniform(0.6, 4) for _ in range(2)]
        inside = all(order * x + (1 - order) * y > 0 for x, y in zip(a, b, strict=True))
        if inside and min(order * x + (1 - order) * y for x, y in zip(a, b, strict=True)) < 0.2:
            continue  # too close to the edge for the quadrature's accuracy
        got = _value(d.result, {**_names("a", a), **_names("b", b)})
        if inside:
            expected = _divergence(name, _integral(a, b, order), order)
            assert got == pytest.approx(expected, rel=1e-6, abs=1e-9), (a, b)
        else:
            assert got == math.inf
            assert _integral(a, b, order, 1e-7) > 5 * _integral(a, b, order, 1e-3)
        checked[inside] += 1
    assert checked[True] >= 2
    if name == "chi-square":  # both sides drawn
        assert checked[False] >= 1


@pytest.mark.slow
def test_three_coordinates_by_quadrature() -> None:
    d = _derived("hellinger", *SYMBOLIC[3])
    a, b = [1.3, 2.2, 0.9], [2.5, 1.1, 1.7]
    got = _value(d.result, {**_names("a", a), **_names("b", b)})
    assert got == pytest.approx(1 - _integral(a, b, 0.5), rel=1e-7, abs=1e-9)


@pytest.mark.slow
def test_four_coordinates_listed_numbers_by_monte_carlo() -> None:
    for seed, order in ((1, 0.4), (2, 1.5)):
        alpha = str(Rational(order).limit_denominator(10))
        d = _derived("renyi", "dirichlet([2, 3/2, 3, 5/2])", "dirichlet([3, 2, 5/2, 2])", alpha)
        assert not d.result.free_symbols
        integral = _integral_by_monte_carlo([2, 1.5, 3, 2.5], [3, 2, 2.5, 2], order, seed)
        expected = _divergence("renyi", integral, order)
        assert float(d.result) == pytest.approx(expected, rel=0.02, abs=2e-3)


def test_infinite_for_numbers_in_one_line() -> None:
    with pytest.raises(KLDeriveError, match="infinite for every value"):
        _derived("chi-square", "dirichlet([1, 2, 3])", "dirichlet([2, 2, 2])")
    # 2 * 1 - 2 = 0: the integrand is z_1^(-1) near z_1 = 0
    assert _integral([1, 5], [2, 5], 2.0, 1e-8) > 2 * _integral([1, 5], [2, 5], 2.0, 1e-4)


def test_identical_laws_give_zero() -> None:
    for name, alpha in (("renyi", "3"), ("hellinger", None), ("chi-square", None)):
        d = _derived(name, "dirichlet([a1, a2, a3])", "dirichlet([a1, a2, a3])", alpha)
        assert _value(d.result, {"a1": 0.7, "a2": 1.9, "a3": 3.1}) == pytest.approx(0, abs=1e-12)


def test_false_steps_are_refused() -> None:
    first, second = bind(*SYMBOLIC[2], None, "en")
    draft = alpha_draft(first, second, "chi_square")
    context = draft.contexts["definitions"]
    integral_stage = draft.stages[1]
    combine, normalize, insert, simplify = integral_stage.chains[0].steps
    for step in (combine, normalize, insert, simplify):
        verify_step(step, context)
    # the normalizer claimed without its condition: the integral diverges there
    with pytest.raises(VerificationError):
        verify_step(replace(normalize, condition=None), context)
    # a constant off by 11/10, and a power of z off by one
    with pytest.raises(VerificationError):
        verify_step(replace(combine, after=Rational(11, 10) * combine.after), context)
    with pytest.raises(VerificationError):
        verify_step(replace(normalize, after=Rational(11, 10) * normalize.after), context)
    # the piecewise result with a doubled closed form
    result_stage = draft.stages[-1]
    (piecewise,) = result_stage.chains[1].steps
    (finite, stated), infinite = piecewise.after.args
    wrong = Piecewise((2 * finite, stated), infinite, evaluate=False)
    with pytest.raises(VerificationError):
        verify_step(replace(piecewise, after=wrong), draft.contexts["result"])


CASES = [
    ("renyi", "dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])", None),
    ("chi-square", "dirichlet([a1, a2])", "dirichlet([b1, b2])", None),
    ("hellinger", "dirichlet([1, 2, 3])", "dirichlet([2, 2, 2])", None),
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
def test_latex_compiles(tmp_path, lang: str, page: str) -> None:
    from conftest import run_pdflatex

    for i, case in enumerate(CASES):
        d = _derived(*case)
        name = f"a{i}.tex"
        (tmp_path / name).write_text(d.to_latex(lang, standalone=True, page=page), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, name)
        assert done.returncode == 0, (case, log[-2000:])
