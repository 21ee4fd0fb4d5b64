"""Jeffreys' divergence where each KL divergence is finite only under a condition.

The sum is finite exactly where both are (nested supports asked both ways round: equal
supports). Each finite piece is compared with KL(P || Q) + KL(Q || P) computed by SciPy
and mpmath quadrature (``catalog_reference``), at random parameters inside it (its
equalities made to hold); each of its conditions is then broken alone, and the divergence
must be infinite there: P or Q puts mass outside the other's support, or the truncated
integral keeps growing with the cut-off.
"""

from __future__ import annotations

import math
import random
import re
from functools import cache

import pytest
from catalog_reference import numeric_kl, truncated_kl
from conftest import katex_blocks, run_pdflatex
from sympy import And, Eq, Piecewise, Rational, Symbol, oo

import kl_derive
from kl_derive.cli_options import FORMATS
from kl_derive.divergence_api import bind
from kl_derive.divergences import jeffreys
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.steps.step import Step, conjuncts
from kl_derive.steps.verify import verify_step

PAIRS = [
    ("uniform", "uniform"),
    ("pareto", "pareto"),
    ("gamma", "inverse_gamma"),
    ("inverse_gamma", "chi2"),
    ("laplace", "gumbel"),
    ("uniform", "von_mises"),
    ("continuous_bernoulli", "uniform"),
    ("weibull", "inverse_gamma"),
]


@cache
def _derived(p: str, q: str):
    return kl_derive.divergence("jeffreys", p, q)


def _draw(domain: str, rng: random.Random) -> Rational:
    if domain == "positive":
        return Rational(rng.randint(13, 96), 32)
    if domain == "unit":
        return Rational(rng.randint(2, 30), 32)
    return Rational(rng.randint(-64, 64), 32)


def _fixed(conditions) -> dict:
    """``x = y`` read as the later-named symbol set to the other side."""
    out = {}
    for c in conditions:
        x, y = c.lhs, c.rhs
        if isinstance(x, Symbol) and (not isinstance(y, Symbol) or str(y) < str(x)):
            x, y = y, x
        out[y] = x
    return out


def _values(d, rng: random.Random, hold: list, fixed: dict) -> dict | None:
    """Random parameters of both laws satisfying their families' conditions and ``hold``,
    with the equalities ``fixed`` made to hold."""
    for _ in range(2000):
        values = {}
        for law in (d.p, d.q):
            for parameter, symbol in zip(law.family.parameters, law.args, strict=True):
                if not symbol.is_number and symbol not in values:
                    values[symbol] = _draw(parameter.domain, rng)
        values.update({k: v.xreplace(values) for k, v in fixed.items()})
        laws_ok = all(
            bool(c.xreplace(values)) for law in (d.p, d.q) for c in law.family.conditions(law.args)
        )
        if laws_ok and all(bool(c.xreplace(values)) for c in hold):
            return values
    return None


def _numbers(law, values: dict) -> tuple[float, ...]:
    return tuple(float(a.xreplace(values)) for a in law.args)


def _infinite_numerically(p: str, pv, q: str, qv) -> bool:
    """One of the two KL divergences is infinite: mass outside the other's support, or
    an integral that keeps growing with the cut-off (as in the catalog's tests)."""
    for a, av, b, bv in ((p, pv, q, qv), (q, qv, p, pv)):
        if math.isinf(numeric_kl(a, av, b, bv)):
            return True
        near, far, farther = (truncated_kl(a, av, b, bv, r) for r in (30.0, 3000.0, 3e5))
        if far - near > 1.0 or (far - near > 0.05 and farther - far > 0.5 * (far - near)):
            return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize(("p", "q"), PAIRS, ids=[f"{p}-{q}" for p, q in PAIRS])
def test_both_sides_of_every_condition_against_quadrature(p: str, q: str) -> None:
    d = _derived(p, q)
    assert all(step.verified for step in d.steps)
    result = d.result
    assert isinstance(result, Piecewise) and result.args[-1] == (oo, True)
    rng = random.Random(f"{p}-{q}")
    for value, condition in result.args[:-1]:
        parts = conjuncts(condition)
        equalities = [c for c in parts if isinstance(c, Eq)]
        others = [c for c in parts if not isinstance(c, Eq)]
        for _ in range(2):  # inside the piece
            values = _values(d, rng, others, _fixed(equalities))
            assert values is not None, (p, q, condition)
            derived = float(value.xreplace(values).evalf(30))
            pv, qv = _numbers(d.p, values), _numbers(d.q, values)
            expected = numeric_kl(p, pv, q, qv) + numeric_kl(q, qv, p, pv)
            assert derived == pytest.approx(expected, rel=1e-6, abs=1e-7), values
        for broken in parts:  # each condition broken alone, the others holding
            rest = [c for c in parts if c is not broken]
            hold = [c for c in rest if not isinstance(c, Eq)]
            if not isinstance(broken, Eq):
                hold.append(~broken)
            values = _values(d, rng, hold, _fixed([c for c in rest if isinstance(c, Eq)]))
            assert values is not None, (p, q, broken)
            assert not bool(broken.xreplace(values))
            assert result.xreplace(values) == oo, values
            pv, qv = _numbers(d.p, values), _numbers(d.q, values)
            assert _infinite_numerically(p, pv, q, qv), (broken, values)


def test_equal_supports_asked_both_ways() -> None:
    d = kl_derive.divergence("jeffreys", "uniform(a, b)", "uniform(c, d)")
    a, b, c, dd = (Symbol(n, real=True) for n in "abcd")
    assert d.result == Piecewise((0, And(Eq(a, c), Eq(b, dd))), (oo, True))
    assert all(step.verified for step in d.steps)
    assert "jeffreys.equal_supports" in {step.rule for step in d.steps}
    text = d.to_text()
    assert "0 if a = c and b = d; ∞ otherwise" in text
    # the numbers pick their piece
    same = kl_derive.divergence("jeffreys", "uniform(0, 2)", "uniform(0, 2)")
    assert same.result == 0
    with pytest.raises(KLDeriveError, match="infinite for every value"):
        kl_derive.divergence("jeffreys", "uniform(0, 2)", "uniform(0, 3)")


def test_a_false_sum_is_refused() -> None:
    """The rule's check: a finite piece moved by 1e-12, a condition weakened, or the
    infinite side dropped, and the step is refused."""
    first, second = bind("pareto", "pareto", None, "en")
    draft = jeffreys.draft(first, second)
    steps = [s for stage in draft.stages for chain in stage.chains for s in chain.steps]
    (step,) = [s for s in steps if s.rule == "jeffreys.equal_supports"]
    context = draft.contexts[step.facts]
    assert verify_step(step, context) == "numeric"
    (value, condition), infinite = step.after.args
    x1 = next(s for s in condition.free_symbols if s.name == "x_m_1")
    wrong = [
        Piecewise((value + Rational(1, 10**12), condition), infinite, evaluate=False),
        Piecewise((value, x1 > 0), infinite, evaluate=False),
        Piecewise((value, condition), (value, True), evaluate=False),
    ]
    for after in wrong:
        with pytest.raises(VerificationError):
            verify_step(Step(step.rule, step.before, after, facts=step.facts), context)


def test_finite_only_at_a_limit_is_refused_in_one_line() -> None:
    with pytest.raises(KLDeriveError, match="closed form is a limit"):
        kl_derive.divergence("jeffreys", "uniform", "beta")


def test_pairs_are_listed_as_conditional() -> None:
    listed = {(p, q): outcome for p, q, outcome in jeffreys.pairs()}
    for pair in PAIRS:
        assert listed[pair] == "conditional", pair
    assert listed[("uniform", "beta")] == "refused"  # finite only at a limit


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_renders_in_every_format_and_fits_the_page(tmp_path, lang: str) -> None:
    cases = [_derived("uniform", "uniform"), _derived("gamma", "inverse_gamma")]
    for d in cases:
        for fmt in FORMATS:
            assert d.render(fmt, lang).strip(), fmt
        assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
    katex_blocks(cases, lang)
    for i, d in enumerate(cases):
        for page in ("onecolumn", "twocolumn"):
            name = f"j{i}{page}.tex"
            latex = d.to_latex(lang, standalone=True, page=page)
            (tmp_path / name).write_text(latex, encoding="utf-8")
            done, log = run_pdflatex(tmp_path, name)
            assert done.returncode == 0, log[-2000:]
            assert "Overfull" not in log, re.findall(r"Overfull.*", log)[:3]
