"""The α-family (Rényi, Bhattacharyya, Hellinger, chi-square) between two categorical laws
given by lists: every step verified, the results against sums written here with NumPy
(not the engine's), at random probabilities and random orders on both sides of 1; a false
step rejected; every format in English and Korean, pdflatex with no overfull box."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from conftest import run_pdflatex
from sympy import Rational, Symbol

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.divergences import pairs
from kl_derive.divergences.alpha_route import alpha_family_draft
from kl_derive.engine import verify_draft
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import Chain, Step
from kl_derive.symbolic.convert import bind_pair

SYMBOLIC = ("categorical([a, b, 1 - a - b])", "categorical([c, d, 1 - c - d])")


@cache
def _derived(name: str, p: str, q: str, alpha: str | None = None):
    options = {} if alpha is None else {"alpha": alpha}
    return kl_derive.divergence(name, p, q, **options)


def _at(e, values: dict[str, float]) -> float:
    return float(e.xreplace({s: values[s.name] for s in e.free_symbols}).evalf(30))


def _integral(q: np.ndarray, p: np.ndarray, alpha: float) -> float:
    return float(np.sum(q**alpha * p ** (1 - alpha)))


def _reference(name: str, q: np.ndarray, p: np.ndarray, alpha: float | None) -> float:
    if name == "renyi":
        return math.log(_integral(q, p, alpha)) / (alpha - 1)
    if name == "bhattacharyya":
        return -math.log(float(np.sum(np.sqrt(q * p))))
    if name == "hellinger":
        return 0.5 * float(np.sum((np.sqrt(q) - np.sqrt(p)) ** 2))
    return float(np.sum((q - p) ** 2 / p))  # Pearson's chi-square


def _random_law(rng: random.Random, k: int) -> np.ndarray:
    x = np.array([rng.uniform(0.05, 1.0) for _ in range(k)])
    return x / x.sum()


@pytest.mark.parametrize("name", ["renyi", "bhattacharyya", "hellinger", "chi-square"])
def test_symbolic_probabilities_against_sums(name: str) -> None:
    d = _derived(name, *SYMBOLIC)
    assert all(step.verified for step in d.steps)
    assert not d.result.has(Symbol("k"))  # the sum written out
    rng = random.Random(f"categorical-{name}")
    for i in range(12):
        q, p = _random_law(rng, 3), _random_law(rng, 3)
        values = {"a": q[0], "b": q[1], "c": p[0], "d": p[1]}
        alpha = None
        if name == "renyi":  # both sides of 1
            alpha = rng.uniform(0.05, 0.95) if i % 2 else rng.uniform(1.05, 6.0)
            values["alpha"] = alpha
        expected = _reference(name, q, p, alpha)
        assert _at(d.result, values) == pytest.approx(expected, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("alpha", ["1/3", "2", "7/2"])
def test_numbers_with_five_categories(alpha: str) -> None:
    q = [Rational(1, 10), Rational(2, 10), Rational(3, 10), Rational(1, 4), Rational(3, 20)]
    p = [Rational(1, 5)] * 5
    spec = [f"categorical([{', '.join(str(x) for x in law)}])" for law in (q, p)]
    d = _derived("renyi", *spec, alpha)
    assert all(step.verified for step in d.steps)
    assert not d.result.free_symbols
    a = float(Rational(alpha))
    expected = _reference("renyi", np.array(q, float), np.array(p, float), a)
    assert float(d.result) == pytest.approx(expected, rel=1e-12)
    chi = _derived("chi-square", *spec)
    assert float(chi.result) == pytest.approx(
        _reference("chi", np.array(q, float), np.array(p, float), None), rel=1e-12
    )


@pytest.mark.slow
def test_conventions_and_inequalities() -> None:
    same = "categorical([1/5, 3/10, 1/2])"
    for name in ("renyi", "bhattacharyya", "hellinger", "chi-square"):
        assert _derived(name, same, same, "3" if name == "renyi" else None).result == 0
    # D_alpha increasing in alpha; H^2 <= TV <= sqrt(2) H; KL <= log(1 + chi^2)
    rng = random.Random("categorical-inequalities")
    renyi = _derived("renyi", *SYMBOLIC)
    hellinger = _derived("hellinger", *SYMBOLIC)
    chi = _derived("chi-square", *SYMBOLIC)
    for _ in range(8):
        q, p = _random_law(rng, 3), _random_law(rng, 3)
        values = {"a": q[0], "b": q[1], "c": p[0], "d": p[1]}
        orders = sorted(rng.uniform(0.05, 5) for _ in range(4))
        series = [_at(renyi.result, {**values, "alpha": a}) for a in orders if abs(a - 1) > 1e-3]
        assert series == sorted(series)
        tv = 0.5 * float(np.sum(np.abs(q - p)))
        h2 = _at(hellinger.result, values)
        assert h2 <= tv + 1e-12 and tv <= math.sqrt(2 * h2) + 1e-12
        kl = float(np.sum(q * np.log(q / p)))
        assert kl <= math.log(1 + _at(chi.result, values)) + 1e-12


def test_listed() -> None:
    for name in ("renyi", "bhattacharyya", "hellinger", "chi-square"):
        assert ("categorical", "categorical", "finite") in pairs(name)


def test_a_false_step_is_rejected() -> None:
    first, second = bind_pair(*(parse_spec(s) for s in SYMBOLIC))
    draft = alpha_family_draft(first, second, "renyi", Symbol("alpha", positive=True))
    verify_draft(draft)  # as drafted: true
    stage = draft.stages[0]
    chain = stage.chains[0]
    terms = chain.steps[1]
    # one term's exponents swapped: a^(1 - alpha) for a^alpha
    names = {s.name: s for s in terms.after.free_symbols}
    a, alpha = names["a"], names["alpha"]
    wrong = terms.after.xreplace({a**alpha: a ** (1 - alpha)})
    assert wrong != terms.after
    bad = Step(terms.rule, terms.before, wrong)
    stages = (replace(stage, chains=(Chain((chain.steps[0], bad)), *stage.chains[1:])),)
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=stages))


def test_mismatched_numbers_of_categories_is_one_line() -> None:
    from kl_derive.errors import KLDeriveError

    with pytest.raises(KLDeriveError, match="categories"):
        _derived("renyi", "categorical([1/2, 1/2])", "categorical([1/3, 1/3, 1/3])")


CASES = [(name, *SYMBOLIC) for name in ("renyi", "bhattacharyya", "hellinger", "chi-square")]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
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
        name = f"c{i}.tex"
        (tmp_path / name).write_text(d.to_latex(lang, standalone=True, page=page), encoding="utf-8")
        done, log = run_pdflatex(tmp_path, name)
        assert done.returncode == 0, (case, log[-2000:])
        assert "Overfull" not in log, (case, re.findall(r"Overfull.*", log)[:3])
