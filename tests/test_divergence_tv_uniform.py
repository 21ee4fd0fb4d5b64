"""The total variation distance between two uniform laws, case by case (disjoint intervals
in either order, one inside the other, overlapping in part in either order, with either
interval the longer), against SciPy quadrature of (1/2) int |q - p| split at the four
ends, at random parameters in every case and on the edges between cases; a false step in
each kind of step is refused; the generated NumPy code agrees with the quadrature."""

from __future__ import annotations

import functools
import random
import types
from fractions import Fraction
from functools import cache

import numpy as np
import pytest
from scipy import integrate, stats
from test_codegen import SPECIAL_STAND_INS, load

import kl_derive
from kl_derive.divergence_api import bind
from kl_derive.divergences import pairs
from kl_derive.divergences.total_variation_uniform import uniform_draft
from kl_derive.errors import VerificationError
from kl_derive.steps.step import Step
from kl_derive.steps.verify import verify_step


@cache
def _tv(p: str, q: str):
    return kl_derive.divergence("total-variation", p, q)


def _quadrature(a: float, b: float, c: float, d: float) -> float:
    """(1/2) int |q - p| by SciPy, the density jumps given as break points."""
    q, p = stats.uniform(a, b - a).pdf, stats.uniform(c, d - c).pdf
    lo, hi = min(a, c) - 1, max(b, d) + 1
    value, _ = integrate.quad(
        lambda z: abs(q(z) - p(z)), lo, hi, points=sorted({a, b, c, d}), limit=200
    )
    return value / 2


def _at(e, values: dict[str, float]) -> float:
    return float(e.xreplace({s: values[s.name] for s in e.free_symbols}).evalf(30))


def _case(kind: str, rng: random.Random) -> tuple[float, float, float, float]:
    """Ends (a, b, c, d) of the laws U(a, b), U(c, d) lying as ``kind`` says."""
    x = sorted(rng.uniform(-3, 3) for _ in range(4))
    if kind == "q_below":
        return x[0], x[1], x[2], x[3]
    if kind == "p_below":
        return x[2], x[3], x[0], x[1]
    if kind == "q_inside":
        return x[1], x[2], x[0], x[3]
    if kind == "p_inside":
        return x[0], x[3], x[1], x[2]
    if kind == "q_first":
        return x[0], x[2], x[1], x[3]
    return x[1], x[3], x[0], x[2]  # p_first


KINDS = ["q_below", "p_below", "q_inside", "p_inside", "q_first", "p_first"]


@pytest.mark.slow
def test_symbolic_pair_is_verified_and_listed() -> None:
    d = _tv("uniform(a, b)", "uniform(c, d)")
    assert all(step.verified for step in d.steps)
    assert ("uniform", "uniform", "finite") in pairs("total-variation")
    text = d.to_text()
    for chain in ("c ≤ a < b ≤ d", "a ≤ c < d ≤ b", "a < c < b < d", "c < a < d < b"):
        assert chain in text, chain
    assert "a < b ≤ c < d or c < d ≤ a < b" in text
    assert "Min(" not in text and "Max(" not in text


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_symbolic_result_matches_quadrature_in_every_case(kind: str) -> None:
    d = _tv("uniform(a, b)", "uniform(c, d)")
    rng = random.Random(f"tv-uniform-{kind}")
    for _ in range(12):
        a, b, c, e = _case(kind, rng)
        values = {"a": a, "b": b, "c": c, "d": e}
        assert _at(d.result, values) == pytest.approx(_quadrature(a, b, c, e), abs=1e-9)


@pytest.mark.parametrize(
    "ends",
    [
        (0, 1, 1, 2),  # touching: disjoint up to a point
        (1, 2, 0, 1),
        (0, 1, 0, 2),  # nested with a shared end
        (0, 2, 1, 2),
        (0, 1, 0, 1),  # one law
        (0, 2, 1, 3),  # overlapping in part, equal lengths
        (0, 3, 2, 4),  # the first longer
        (1, 3, 0, 5 / 2),
    ],
)
def test_edges_between_the_cases(ends) -> None:
    d = _tv("uniform(a, b)", "uniform(c, d)")
    a, b, c, e = ends
    expected = _quadrature(a, b, c, e)
    assert _at(d.result, {"a": a, "b": b, "c": c, "d": e}) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_choose_their_case(kind: str) -> None:
    rng = random.Random(f"tv-uniform-numbers-{kind}")
    ends = [Fraction(round(x * 8), 8) for x in _case(kind, rng)]
    a, b, c, e = ends
    if not (a < b and c < e):  # rounding merged two ends: spread them again
        pytest.skip("rounded ends coincide")
    d = _tv(f"uniform({a}, {b})", f"uniform({c}, {e})")
    assert all(step.verified for step in d.steps)
    assert d.result.is_number
    assert float(d.result) == pytest.approx(_quadrature(*map(float, ends)), abs=1e-9)
    assert " if " not in d.to_text()  # one case, no condition left


def test_conventions() -> None:
    assert _tv("uniform(0, 1)", "uniform(0, 1)").result == 0
    assert _tv("uniform(0, 1)", "uniform(2, 3)").result == 1
    assert _tv("uniform(0, 1)", "uniform(1, 3)").result == 1  # touching supports


def test_pinsker_where_the_kl_is_finite() -> None:
    """TV <= sqrt(KL/2) for U(a, b) inside U(c, d), KL = log((d - c)/(b - a))."""
    d = _tv("uniform(a, b)", "uniform(c, d)")
    rng = random.Random("tv-uniform-pinsker")
    for _ in range(20):
        a, b, c, e = _case("q_inside", rng)
        tv = _at(d.result, {"a": a, "b": b, "c": c, "d": e})
        assert tv <= np.sqrt(np.log((e - c) / (b - a)) / 2) + 1e-12


def _draft():
    first, second = bind("uniform(a, b)", "uniform(c, d)", None, "en")
    return uniform_draft(first, second)


def _chains(draft):
    (stage,) = draft.stages
    return stage.chains


def test_a_false_step_is_refused() -> None:
    draft = _draft()
    context = draft.contexts["main"]
    chains = _chains(draft)
    nested = chains[2].steps  # c <= a < b <= d
    overlap, on_overlap, value = nested[1].after, nested[2].after, nested[3].after
    condition = nested[0].condition
    a, b, c, d = (next(s for s in value.free_symbols if s.name == n) for n in "abcd")
    wrong_values = [
        1 - (d - c) / (b - a),  # the ratio upside down
        1 - (b - a) / (d - c) + (b - a) / 10**6,  # off by a little
    ]
    for wrong in wrong_values:
        with pytest.raises(VerificationError):
            verify_step(Step("algebra.simplify", on_overlap, wrong, condition=condition), context)
    # the height of the wider law on the overlap instead of the lower one
    wrong_height = on_overlap.xreplace({1 / (d - c): 1 / (b - a)})
    assert wrong_height != on_overlap
    with pytest.raises(VerificationError):
        step = Step("total_variation.uniform_overlap", overlap, wrong_height, condition=condition)
        verify_step(step, context)
    # a disjoint result claimed where the intervals overlap in part
    partial = chains[4].steps
    with pytest.raises(VerificationError):
        step = Step("total_variation.disjoint", partial[1].after, 1, condition=partial[0].condition)
        verify_step(step, context)
    # the overlap identity without the factor 1/2
    definition = nested[0].after
    with pytest.raises(VerificationError):
        verify_step(
            Step("total_variation.overlap", 2 * definition, overlap, condition=condition), context
        )


def _stand_ins(framework: str) -> dict[str, object]:
    """test_codegen's NumPy stand-ins with the elementwise maximum (torch.max of two
    tensors, tf.math.maximum; jnp is NumPy itself) and functools, whose import line
    ``load`` drops with the framework's."""
    if framework == "numpy":
        return {}
    stand_ins = {**SPECIAL_STAND_INS[framework], "functools": functools}
    if framework == "tensorflow":
        tf = stand_ins["tf"]
        math_ = types.SimpleNamespace(**vars(tf.math), maximum=np.maximum)
        stand_ins["tf"] = types.SimpleNamespace(**{**vars(tf), "math": math_})
    if framework == "torch":
        torch = stand_ins["torch"]
        stand_ins["torch"] = types.SimpleNamespace(**{**vars(torch), "max": np.maximum})
    return stand_ins


@pytest.mark.slow
def test_generated_code_matches_quadrature_in_every_case() -> None:
    from kl_derive.codegen import code_for

    rng = random.Random("tv-uniform-code")
    ends = [_case(kind, rng) for kind in KINDS * 3]
    inputs = [np.array(column) for column in zip(*ends, strict=True)]
    expected = np.array([_quadrature(*row) for row in ends])
    for framework in ("numpy", "jax", "tensorflow", "torch"):
        source = code_for(
            "uniform(a, b)",
            "uniform(c, d)",
            divergence="total-variation",
            framework=framework,
            reduce="none",
        )
        function = load(source, "total_variation", **_stand_ins(framework))
        got = np.asarray(function(*inputs), dtype=float)
        np.testing.assert_allclose(got, expected, atol=1e-9, err_msg=framework)
