"""The α-family between two binomial laws with different numbers of trials: the sum over
the counts computed here with SciPy's binomial masses (not the engine's), at random
probabilities and orders on both sides of 1; with more trials in the first law an order
above 1 is infinite (the stated condition alpha < 1 checked on both sides), with fewer
every order is finite; false steps rejected; every format in English and Korean."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from conftest import one_line_error, run_module, run_pdflatex
from scipy import stats
from sympy import Piecewise, Sum, Symbol, oo

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.divergences.alpha_route import alpha_family_draft
from kl_derive.engine import verify_draft
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import Chain
from kl_derive.symbolic.convert import bind_pair


@cache
def _derived(name: str, p: str, q: str, alpha: str | None = None):
    options = {} if alpha is None else {"alpha": alpha}
    return kl_derive.divergence(name, p, q, **options)


def _at(e, values: dict[str, float]):
    return e.xreplace({s: values[s.name] for s in e.free_symbols}).evalf(30)


def _integral(n1: int, a: float, n2: int, b: float, alpha: float) -> float:
    """sum over k = 0..max(n1, n2) of q(k)^alpha p(k)^(1 - alpha), SciPy's masses; a term
    with q(k) = 0 is 0, one with p(k) = 0 < q(k) is 0 below order 1 and inf above."""
    total = 0.0
    for k in range(max(n1, n2) + 1):
        qk, pk = stats.binom.pmf(k, n1, a), stats.binom.pmf(k, n2, b)
        if qk == 0:
            continue
        if pk == 0:
            if alpha > 1:
                return math.inf
            continue
        total += qk**alpha * pk ** (1 - alpha)
    return total


def _reference(name: str, n1: int, a: float, n2: int, b: float, alpha: float | None) -> float:
    if name == "renyi":
        value = _integral(n1, a, n2, b, alpha)
        return math.inf if math.isinf(value) else math.log(value) / (alpha - 1)
    if name == "bhattacharyya":
        return -math.log(_integral(n1, a, n2, b, 0.5))
    if name == "hellinger":  # (1/2) sum (sqrt q - sqrt p)^2 over both supports
        k = np.arange(max(n1, n2) + 1)
        q, p = stats.binom.pmf(k, n1, a), stats.binom.pmf(k, n2, b)
        return 0.5 * float(np.sum((np.sqrt(q) - np.sqrt(p)) ** 2))
    return _integral(n1, a, n2, b, 2.0) - 1


@pytest.mark.parametrize(("n1", "n2"), [(4, 2), (2, 5), (1, 3), (6, 5)])
@pytest.mark.slow
def test_renyi_both_sides_of_one(n1: int, n2: int) -> None:
    d = _derived("renyi", f"binomial({n1}, a)", f"binomial({n2}, b)")
    assert all(step.verified for step in d.steps)
    assert isinstance(d.result, Piecewise) == (n1 > n2)
    rng = random.Random(f"binomial-trials-{n1}-{n2}")
    for i in range(10):
        a, b = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)
        alpha = rng.uniform(0.05, 0.95) if i % 2 else rng.uniform(1.05, 5.0)
        expected = _reference("renyi", n1, a, n2, b, alpha)
        got = _at(d.result, {"a": a, "b": b, "alpha": alpha})
        if math.isinf(expected):
            assert got == oo
        else:
            assert float(got) == pytest.approx(expected, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("name", ["bhattacharyya", "hellinger", "chi-square"])
@pytest.mark.parametrize(("n1", "n2"), [(3, 2), (2, 3)])
@pytest.mark.slow
def test_the_others(name: str, n1: int, n2: int) -> None:
    if name == "chi-square" and n1 > n2:  # order 2 > 1: infinite whatever the probabilities
        with pytest.raises(KLDeriveError, match="infinite for every value"):
            _derived(name, f"binomial({n1}, a)", f"binomial({n2}, b)")
        assert math.isinf(_reference(name, n1, 0.3, n2, 0.6, None))
        return
    d = _derived(name, f"binomial({n1}, a)", f"binomial({n2}, b)")
    assert all(step.verified for step in d.steps)
    rng = random.Random(f"binomial-trials-{name}-{n1}-{n2}")
    for _ in range(8):
        a, b = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)
        expected = _reference(name, n1, a, n2, b, None)
        got = float(_at(d.result, {"a": a, "b": b}))
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-13)


@pytest.mark.slow
def test_numbers_and_a_numeric_order() -> None:
    d = _derived("renyi", "binomial(5, 1/3)", "binomial(3, 3/4)", "1/2")
    assert not d.result.free_symbols and all(step.verified for step in d.steps)
    assert float(d.result) == pytest.approx(_reference("renyi", 5, 1 / 3, 3, 0.75, 0.5), rel=1e-12)
    with pytest.raises(KLDeriveError, match="infinite for every value"):
        _derived("renyi", "binomial(5, a)", "binomial(3, b)", "3/2")
    above = _derived("renyi", "binomial(3, a)", "binomial(5, b)", "3")
    assert float(_at(above.result, {"a": 0.4, "b": 0.7})) == pytest.approx(
        _reference("renyi", 3, 0.4, 5, 0.7, 3.0), rel=1e-10
    )


@pytest.mark.slow
def test_one_line_refusals() -> None:
    for p, q, message in [
        ("binomial(20, a)", "binomial(12, b)", "at most"),
        ("binomial(n, a)", "binomial(m, b)", "numbers of trials as numbers"),
        ("binomial(3, a)", "binomial(2, b)", "infinite for every value"),
    ]:
        name = "chi-square" if "(3" in p else "renyi"
        one_line_error(run_module([name, p, q]), message)


def _draft(alpha: str = "alpha"):
    first, second = bind_pair(parse_spec("binomial(4, a)"), parse_spec("binomial(2, b)"))
    return alpha_family_draft(first, second, "renyi", Symbol(alpha, positive=True))


@pytest.mark.slow
def test_a_false_step_is_rejected() -> None:
    draft = _draft()
    verify_draft(draft)  # as drafted: true
    stage = draft.stages[0]
    first, rest = stage.chains[0], stage.chains[1:]
    common = first.steps[1]
    # the sum stopped one count too early
    (inner,) = common.after.atoms(Sum)
    k, low, _ = inner.limits[0]
    wrong = common.after.xreplace({inner: Sum(inner.function, (k, low, 1))})
    bad = replace(common, after=wrong)
    chains = (Chain((first.steps[0], bad, replace(first.steps[2], before=wrong))), *rest)
    assert common.rule == "alpha_masses.common_support"
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=(replace(stage, chains=chains),)))
    # the condition widened to alpha < 2: at 1 < alpha < 2 the divergence is infinite
    piece = rest[0].steps[0]
    value, condition = piece.after.args[0]
    alpha = next(s for s in condition.free_symbols if s.name == "alpha")
    widened = replace(
        piece,
        after=Piecewise((value, alpha < 2), (oo, True), evaluate=False),
        condition=None,
        params={**piece.params, "condition": alpha < 2},
    )
    chains = (first, Chain((widened,)))
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=(replace(stage, chains=chains),)))


CASES = [
    ("renyi", "binomial(4, a)", "binomial(2, b)"),
    ("bhattacharyya", "binomial(3, a)", "binomial(2, b)"),
    ("hellinger", "binomial(3, 1/3)", "binomial(2, 1/2)"),
    ("chi-square", "binomial(2, a)", "binomial(3, b)"),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.slow
def test_every_format(case, lang: str) -> None:
    d = _derived(*case)
    for fmt in FORMATS:
        assert d.render(fmt, lang).strip(), fmt
    assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
    data = json.loads(d.render("json", lang))
    assert data["result"]["sympy"] and all(step["verified"] for step in data["steps"])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("page", ["onecolumn", "twocolumn"])
def test_latex_has_no_overfull_box(tmp_path, lang: str, page: str) -> None:
    for i, case in enumerate(CASES):
        d = _derived(*case)
        name = f"b{i}.tex"
        (tmp_path / name).write_text(d.to_latex(lang, standalone=True, page=page), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, name)
        assert done.returncode == 0, (case, log[-2000:])
        assert "Overfull" not in log, (case, re.findall(r"Overfull.*", log)[:3])


@pytest.mark.parametrize("probabilities", [("a", "b"), ("1/3", "1/2")])
def test_chi_square_ends_with_the_renyi_remark_like_the_other_alpha_routes(
    probabilities: tuple[str, str],
) -> None:
    """chi^2 = e^{D_2} - 1, the remark the categorical and exponential-family routes give,
    verified, with D_2 = log sum q^2/p from SciPy's masses equal to the result plus one;
    the text says it in English and Korean. Hellinger's half squared distance of the
    roots is not given here: its sum runs over p's larger support."""
    a, b = probabilities
    d = _derived("chi-square", f"binomial(2, {a})", f"binomial(3, {b})")
    remarks = [s for s in d.steps if s.rule == "chi_square.renyi"]
    assert len(remarks) == 1 and remarks[0].verified
    assert all(step.verified for step in d.steps)
    rng = random.Random(f"binomial-trials-remark-{a}")
    for _ in range(4):
        values = {"a": rng.uniform(0.05, 0.95), "b": rng.uniform(0.05, 0.95)}
        if a == "1/3":
            values = {"a": 1 / 3, "b": 1 / 2}
        renyi_2 = math.log(_integral(2, values["a"], 3, values["b"], 2.0))
        assert math.exp(renyi_2) - 1 == pytest.approx(float(_at(d.result, values)), rel=1e-10)
    categorical = kl_derive.divergence(
        "chi-square", "categorical([1/3, 2/3])", "categorical([1/2, 1/2])"
    )
    assert [s.rule for s in categorical.steps][-1] == remarks[0].rule
    assert "the exponential of the Rényi divergence of order 2" in " ".join(d.to_text("en").split())
    assert "카이제곱 발산은 2차 레니 발산의 지수 함수" in " ".join(d.to_text("ko").split())
    hellinger = _derived("hellinger", "binomial(2, a)", "binomial(3, b)")
    assert not any(s.rule == "hellinger.half_squared" for s in hellinger.steps)
