"""The multinomial family, the ``logits`` spellings and categorical laws with a symbolic
number of categories: results against independent numeric references (SciPy's mass
functions summed over the support), every step verified, rendering through KaTeX (strict)
and pdflatex in English and Korean, and one-line errors."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
from conftest import run_module
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kl_derive import derive
from kl_derive.engine import verify_draft
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import Chain, Stage
from kl_derive.strategies import multinomial_counts
from kl_derive.symbolic.convert import bind_pair


def _value(result, **values: float) -> float:
    names = {s.name: s for s in result.free_symbols}
    assert set(names) <= set(values), (names, values)
    return float(result.xreplace({names[k]: v for k, v in values.items()}).evalf(30))


def _compositions(n: int, size: int):
    """Every vector of ``size`` nonnegative integers summing to ``n``."""
    for cut in itertools.combinations(range(n + size - 1), size - 1):
        bounds = (-1, *cut, n + size - 1)
        yield [bounds[i + 1] - bounds[i] - 1 for i in range(size)]


def _multinomial_kl(n: int, p: list[float], q: list[float]) -> float:
    """KL by SciPy's multinomial mass function summed over the whole support."""
    first, second = stats.multinomial(n, p), stats.multinomial(n, q)
    return math.fsum(
        math.exp(first.logpmf(k)) * (first.logpmf(k) - second.logpmf(k))
        for k in _compositions(n, len(p))
    )


def _simplex(size: int):
    return st.lists(st.floats(0.05, 1.0, allow_nan=False), min_size=size, max_size=size).map(
        lambda w: [x / sum(w) for x in w]
    )


def _all_verified(derivation) -> None:
    assert derivation.steps
    assert all(step.verified for step in derivation.steps), [
        s.rule for s in derivation.steps if not s.verified
    ]


# ---------------------------------------------------------------------------
# multinomial
# ---------------------------------------------------------------------------

MULTINOMIAL = derive("multinomial(n, [a, b, 1 - a - b])", "multinomial(n, [r, s, 1 - r - s])")


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 8), p=_simplex(3), q=_simplex(3))
def test_multinomial_matches_scipy(n: int, p: list[float], q: list[float]) -> None:
    value = _value(MULTINOMIAL.result, n=n, a=p[0], b=p[1], r=q[0], s=q[1])
    assert value == pytest.approx(_multinomial_kl(n, p, q), rel=1e-9, abs=1e-12)


def test_multinomial_steps_are_all_verified_and_show_the_cancellation() -> None:
    _all_verified(MULTINOMIAL)
    rules = [s.rule for s in MULTINOMIAL.steps]
    assert "multinomial.coefficient_cancels" in rules
    assert rules.count("moment.known") == 3
    latex = MULTINOMIAL.to_latex("en")
    assert r"\frac{n!}{k_{1}! k_{2}! k_{3}!}" in latex.replace(r"\,", "")
    assert "binomial" in latex  # the reason for E[k_i] = n p_i is stated


def test_multinomial_with_numbers_and_two_categories() -> None:
    d = derive("multinomial(4, [1/2, 1/4, 1/4])", "multinomial(4, [1/3, 1/3, 1/3])")
    _all_verified(d)
    assert float(d.result) == pytest.approx(
        _multinomial_kl(4, [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]), rel=1e-12
    )
    two = derive("Multinomial(n, [a, 1 - a])", "multinomial(n, [b, 1 - b])")
    _all_verified(two)
    assert _value(two.result, n=5, a=0.3, b=0.6) == pytest.approx(
        _multinomial_kl(5, [0.3, 0.7], [0.6, 0.4])
    )


def test_a_false_expectation_is_refused_by_the_verifier() -> None:
    """E[k_i] is checked by summing over the count vectors: a wrong mean fails."""
    first, second = bind_pair(
        parse_spec("multinomial(n, [a, b, 1 - a - b])"),
        parse_spec("multinomial(n, [r, s, 1 - r - s])"),
    )
    draft = multinomial_counts.derive(first, second)
    stages = list(draft.stages)
    index = next(i for i, s in enumerate(stages) if s.key == "moments")
    chain = stages[index].chains[0]
    wrong = replace(chain.steps[0], after=chain.steps[0].after + 1, facts="lemma")
    stages[index] = Stage(stages[index].key, (Chain((wrong,)),), stages[index].params)
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=tuple(stages)))


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("multinomial(-3, [a, 1 - a])", "multinomial(-3, [b, 1 - b])", "must be positive"),
        ("multinomial(2.5, [a, 1 - a])", "multinomial(2.5, [b, 1 - b])", "whole number"),
        ("multinomial(3, [a, 1 - a])", "multinomial(4, [b, 1 - b])", "is infinite"),
        ("multinomial(n, [a, 1 - a])", "multinomial(m, [b, 1 - b])", "same total_count"),
        ("multinomial(n, [a, 1 - a])", "multinomial(n, [b, c, 1 - b - c])", "categories"),
        ("multinomial(n, [1/2, 1/3])", "multinomial(n, [1/2, 1/2])", "must sum to one"),
        ("multinomial", "multinomial", "as a list"),
    ],
)
def test_multinomial_one_line_errors(p: str, q: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message):
        derive(p, q)
    done = run_module([p, q])
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------
# through the real renderers: KaTeX (strict) and pdflatex, English and Korean
# ---------------------------------------------------------------------------

RENDERED: list[tuple[str, str | None]] = [
    ("multinomial(n, [a, b, 1 - a - b])", "multinomial(n, [r, s, 1 - r - s])"),
    ("multinomial(4, [1/2, 1/4, 1/4])", "multinomial(4, [1/3, 1/3, 1/3])"),
]


def _rendered():
    return [derive(p, q) for p, q in RENDERED]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_new_derivations_render_with_katex(lang: str) -> None:
    from test_markdown_render import math_tokens, render_with_katex

    blocks, owners = [], []
    for derivation in _rendered():
        found, _prose = math_tokens(derivation.to_markdown(lang))
        blocks += found
        owners += [derivation.title] * len(found)
    assert len(blocks) > 10 * len(RENDERED)
    results = render_with_katex(blocks)
    failures = [
        (owners[i], blocks[i][0][:100], r["error"]) for i, r in enumerate(results) if not r["ok"]
    ]
    assert not failures, failures[:5]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_new_derivations_compile_with_pdflatex(tmp_path, lang: str) -> None:
    from conftest import run_pdflatex

    parts = []
    for i, derivation in enumerate(_rendered()):
        (tmp_path / f"pair{i}.tex").write_text(derivation.to_latex(lang), encoding="utf-8")
        parts.append(f"\\clearpage\n\\input{{pair{i}}}\n")
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    (tmp_path / "all.tex").write_text(
        "\\documentclass{article}\n"
        f"{korean}"
        "\\usepackage{amsmath,amssymb}\n"
        "\\tracinglostchars=3\n"
        "\\begin{document}\n" + "".join(parts) + "\\end{document}\n",
        encoding="utf-8",
    )
    done, log = run_pdflatex(tmp_path, "all.tex")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log
