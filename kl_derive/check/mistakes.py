"""Naming what is wrong with a line: one usual mistake, or two of them together.

Each target lists its own mistakes (a term's sign, sigma for sigma^2, the direction
reversed, ...); four more apply to any KL summed over an axis and compose with them: a
missing 1/2, a flipped overall sign, a mean instead of the sum over the latent axis, and
the sum missing altogether. :func:`find_mistakes` looks for the line among the single
mistakes first, then among pairs (``-torch.mean(1 + logvar - ...)`` has lost its 1/2 *and*
averages the latent axis), and last for a constant factor or a constant offset per
coordinate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import sympy as sp

from .equality import DIFFERENT, PROVED, same_form
from .numeric import close, coordinate_points, value
from .targets import RED, VEC, D, Form, Mistake, Target

__all__ = ["TITLES", "find_mistakes", "outer_mistake"]

#: Short titles of the mistakes, by id.
TITLES = {
    "missing_half": "missing 1/2",
    "flipped_sign": "flipped sign",
    "sigma_for_variance": "sigma used for sigma^2",
    "log_sigma_vs_log_variance": "log sigma vs log sigma^2",
    "missing_sum": "missing sum",
    "reversed_direction": "KL direction reversed",
    "mean_instead_of_sum": "mean instead of sum",
    "wrong_parametrization": "wrong parametrization",
    "wrong_factor": "wrong factor",
    "constant_offset": "wrong constant term",
    "missing_term": "missing term",
    "wrong_denominator": "wrong denominator",
    "prior_ignored": "prior ignored",
    "inverted_ratio": "ratio inverted in k3",
    "biased_estimator": "k2 used as an unbiased KL estimate",
    "extra_normaliser": "normalised twice",
    "extra_batch_factor": "extra batch factor",
}


def outer_mistake(op: str, form: Form, target: Target) -> Mistake | None:
    """One of the four mistakes that apply to any summed KL, applied to ``form``."""
    if op == "missing_half":
        return Mistake(op, "the factor 1/2 is missing", form.map(lambda e: 2 * e))
    if op == "flipped_sign":
        return Mistake(
            op, "the overall sign is flipped (a KL is never negative)", form.map(lambda e: -e)
        )
    if form.kind != RED:
        return None
    if op == "mean_instead_of_sum":
        size = "K" if target.kind == "categorical" else "d"
        return Mistake(
            op,
            f"{target.axis} is averaged (a per-dim mean: the KL divided by {size}) instead of "
            "summed",
            form.map(lambda e: e / D),
        )
    return Mistake(
        op,
        f"the result is still a vector over {target.axis}: the sum over it is missing",
        Form(VEC, form.expr),
    )


def _candidates(target: Target, base: Form) -> Iterator[tuple[tuple[Mistake, ...], Form]]:
    """The single mistakes, then the pairs, each with the form it gives, in order."""
    outer = [m for op in target.outer if (m := outer_mistake(op, base, target))]
    yield from (((m,), m.form) for m in outer)
    yield from (((m,), m.form) for m in target.mistakes)
    for op in target.outer:
        for inner in target.mistakes:
            composed = outer_mistake(op, inner.form, target)
            if composed is not None:
                yield (inner, composed), composed.form
    for first, second in itertools.combinations(target.outer, 2):
        inner = outer_mistake(first, base, target)
        composed = None if inner is None else outer_mistake(second, inner.form, target)
        if inner is not None and composed is not None:
            yield (inner, composed), composed.form


def find_mistakes(form: Form, target: Target) -> tuple[tuple[Mistake, ...], bool]:
    """The mistakes the line's form equals (one or two), and whether that was proved.

    Returns ``((), False)`` when the line is none of them.
    """
    base = target.accepted[0].form
    for combination, combined in _candidates(target, base):
        verdict = same_form(form, combined, target)
        if verdict != DIFFERENT:
            return combination, verdict == PROVED
    if form.kind == VEC and base.kind == RED:
        clause = (
            f"the result is still a vector over {target.axis}: the sum over it is missing "
            "(and the terms are not the KL's either)"
        )
        return (Mistake("missing_sum", clause, form),), True
    if target.simplex or form.kind != base.kind:
        return (), False
    return _generic(form, base, target)


def _generic(form: Form, base: Form, target: Target) -> tuple[tuple[Mistake, ...], bool]:
    """A constant factor or a constant offset per coordinate, if that is what is wrong."""
    ratios, offsets = [], []
    for point in coordinate_points(target):
        u, v = value(form.expr, point), value(base.expr, point)
        if u is None or v is None:
            return (), False
        ratios.append(u / v if v else math.nan)
        offsets.append(u - v)
    if all(math.isfinite(r) and close(r, ratios[0]) for r in ratios) and ratios[0] != 0:
        factor = sp.nsimplify(ratios[0], rational=True, tolerance=1e-12)
        candidate = base.map(lambda e: factor * e)
        verdict = same_form(form, candidate, target)
        if verdict != DIFFERENT:
            mistake = Mistake("wrong_factor", f"the line is {factor} times the KL", candidate)
            return (mistake,), verdict == PROVED
    if all(close(o, offsets[0]) for o in offsets):
        offset = sp.nsimplify(offsets[0], rational=True, tolerance=1e-12)
        candidate = base.map(lambda e: e + offset)
        verdict = same_form(form, candidate, target)
        if verdict != DIFFERENT:
            clause = f"each coordinate is off by the constant {offset} (is a 1 missing or extra?)"
            return (Mistake("constant_offset", clause, candidate),), verdict == PROVED
    return (), False
