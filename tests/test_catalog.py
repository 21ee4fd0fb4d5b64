"""The family catalog: every derivable pair against SciPy, verified, rendered in en and ko.

For each pair the derivation is made once (every step must verify, or ``derive``
raises); its closed form is then evaluated at random valid parameters drawn by
Hypothesis and compared with the divergence computed independently by quadrature or
summation over SciPy's densities (``catalog_reference``). An infinite result must come
with a numerically infinite divergence (P has mass where Q's density is zero).
"""

from __future__ import annotations

import math
from functools import cache

import pytest
from catalog_reference import REFERENCE, numeric_kl, truncated_kl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sympy import Piecewise, Rational, oo

from kl_derive import derive
from kl_derive.families import get_family
from kl_derive.strategies import catalog_pairs

PAIRS = catalog_pairs()

#: a few more derivations that go through the real renderers with the catalog's pairs
EXTRA = [
    ("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])"),
    ("low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])", "mvn(0, 1)"),
    ("categorical([p1, p2, 1 - p1 - p2])", "categorical([r1, r2, 1 - r1 - r2])"),
]

#: the pairs (and EXTRA) dealt into chunks, every CHUNKS-th pair to the same chunk so
#: that each holds pairs of every family; all the tests of a chunk (the numeric check
#: and the rendering of each of its pairs, and the chunk's sweeps through KaTeX and
#: pdflatex) are one xdist group (``--dist loadgroup``, set in pyproject's addopts): the
#: worker that derives a pair also renders it and puts it through the real renderers,
#: and no pair is derived by both workers. (One group for all the sweeps made its worker
#: derive the whole catalog again, and ran as one long piece.)
CHUNKS = 8
CHUNK_OF = {pair: i % CHUNKS for i, pair in enumerate([*PAIRS, *EXTRA])}


def _chunk_mark(i: int) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(f"catalog-{i}")


PAIR_PARAMS = [
    pytest.param(p, q, id=f"{p}-{q}", marks=_chunk_mark(CHUNK_OF[p, q])) for p, q in PAIRS
]
#: the sweeps through the real renderers, one per chunk and language, in the chunk's group
SWEEP_PARAMS = [
    pytest.param(i, lang, id=f"{i}-{lang}", marks=_chunk_mark(i))
    for i in range(CHUNKS)
    for lang in ("en", "ko")
]


@cache
def _derived(p: str, q: str):
    return derive(p, q)


def _values_strategy(domain: str):
    """Values on a grid of 1/32: boundaries such as alpha = 1 or low = 0 are drawn
    exactly, and no value is so close to another that the closed form cancels away."""
    if domain == "positive":
        return st.integers(13, 96).map(lambda i: i / 32)
    if domain == "unit":
        return st.integers(2, 30).map(lambda i: i / 32)
    if domain == "count":
        return st.integers(1, 8)
    return st.integers(-64, 64).map(lambda i: i / 32)


def _draw_values(draw, distribution) -> dict:
    family = distribution.family
    values = {}
    for parameter, symbol in zip(family.parameters, distribution.args, strict=True):
        if symbol.is_number or symbol in values:
            continue
        values[symbol] = draw(_values_strategy(parameter.domain))
    return values


def _numbers(distribution, values: dict) -> tuple[float, ...]:
    return tuple(float(a.xreplace(values)) for a in distribution.args)


def _conditions_hold(distribution, values: dict) -> bool:
    conditions = distribution.family.conditions(distribution.args)
    return all(bool(c.xreplace(values)) for c in conditions)


def _value(result, values: dict) -> float:
    # exact rationals, not floats: a float argument makes SymPy evaluate a special function
    # at 15 digits as the expression is built (mpmath's lowergamma can recurse without
    # end there); the value is taken at 30 digits below
    substituted = result.xreplace({k: Rational(v) for k, v in values.items()})
    if isinstance(substituted, Piecewise):
        substituted = substituted.doit()
    if substituted == oo:
        return math.inf
    return float(substituted.evalf(30))


def test_catalog_covers_every_reference_family_it_lists() -> None:
    names = {p for p, _ in PAIRS} | {q for _, q in PAIRS}
    assert names <= set(REFERENCE), names - set(REFERENCE)
    assert len(PAIRS) >= 9


@pytest.mark.parametrize(("p", "q"), PAIR_PARAMS)
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_result_matches_numeric_divergence(p: str, q: str, data) -> None:
    derivation = _derived(p, q)
    assert all(step.verified for step in derivation.steps)
    values: dict = {}
    for law in (derivation.p, derivation.q):
        values.update({k: v for k, v in _draw_values(data.draw, law).items() if k not in values})
    assume(_conditions_hold(derivation.p, values) and _conditions_hold(derivation.q, values))
    derived = _value(derivation.result, values)
    p_values, q_values = _numbers(derivation.p, values), _numbers(derivation.q, values)
    diverging_moment = any(step.rule == "moment.divergent" for step in derivation.steps)
    if math.isinf(derived) and diverging_moment:
        # an expectation shown infinite: the integral must keep growing with the cut-off,
        # by a lot, or by as much per factor 100 as before (a logarithmic divergence)
        near, far, farther = (
            truncated_kl(p, p_values, q, q_values, radius) for radius in (30.0, 3000.0, 3e5)
        )
        assert far - near > 1.0 or (far - near > 0.05 and farther - far > 0.5 * (far - near)), (
            near,
            far,
            farther,
            values,
        )
        return
    expected = numeric_kl(p, p_values, q, q_values)
    if math.isinf(derived):
        if not (math.isinf(expected) or expected > 1e6):
            # a moment too heavy for Q: the divergence must grow with the cut-off
            near = truncated_kl(p, p_values, q, q_values, 30.0)
            far = truncated_kl(p, p_values, q, q_values, 3000.0)
            assert far - near > 1.0, (derived, expected, near, far, values)
    else:
        assert math.isfinite(expected), (derived, expected, values)
        assert derived == pytest.approx(expected, rel=1e-6, abs=1e-7), values


@pytest.mark.parametrize(("p", "q"), PAIR_PARAMS)
def test_renders_in_english_and_korean(p: str, q: str) -> None:
    derivation = _derived(p, q)
    for lang in ("en", "ko"):
        latex = derivation.to_latex(lang)
        markdown = derivation.to_markdown(lang)
        assert r"\left(\Gamma" not in latex and "polygamma" not in latex
        assert "operatorname{polygamma}" not in markdown
        assert derivation.functions["q"] in latex or "q(" in latex


def test_family_parameters_follow_pytorch_names() -> None:
    expected = {
        "exponential": ("rate",),
        "gamma": ("concentration", "rate"),
        "normal": ("loc", "scale"),
    }
    for name, parameters in expected.items():
        assert tuple(p.name for p in get_family(name).parameters) == parameters


# ---------------------------------------------------------------------------
# every pair through the real renderers: KaTeX (strict) and pdflatex, en and ko
# ---------------------------------------------------------------------------


def _chunk_derivations(i: int) -> list:
    return [_derived(p, q) for p, q in [*PAIRS, *EXTRA] if CHUNK_OF[p, q] == i]


@pytest.mark.parametrize(("chunk", "lang"), SWEEP_PARAMS)
def test_every_pair_renders_with_katex(chunk: int, lang: str) -> None:
    from conftest import katex_blocks

    pairs = sum(1 for p, q in PAIRS if CHUNK_OF[p, q] == chunk)
    assert len(katex_blocks(_chunk_derivations(chunk), lang)) > 20 * pairs


@pytest.mark.parametrize(("chunk", "lang"), SWEEP_PARAMS)
def test_every_pair_compiles_with_pdflatex(tmp_path, chunk: int, lang: str) -> None:
    from conftest import compile_fragments

    compile_fragments(tmp_path, [d.to_latex(lang) for d in _chunk_derivations(chunk)], lang)


def test_parameters_given_as_expressions_are_substituted_back() -> None:
    # the placeholder for 2*l must not take the first law's own name (lambda): it once
    # did, and KL(Exp(lambda) || Exp(2l)) came out as 0; the result is in the user's names
    derivation = derive("exponential", "exponential(2*l)")
    symbols = {str(s): s for s in derivation.result.free_symbols}
    assert set(symbols) == {"lambda", "l"}
    values = {symbols["lambda"]: 1.5, symbols["l"]: 0.4}
    expected = numeric_kl("exponential", (1.5,), "exponential", (0.8,))
    assert _value(derivation.result, values) == pytest.approx(expected, rel=1e-9)
    assert derivation.steps[-1].verified
