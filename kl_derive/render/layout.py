r"""Laying out the displays for a page: how wide each line of a chain may be.

A display is an ``align*`` (or KaTeX ``aligned``) block of chains ``lhs = rhs = …``: the
left-hand sides right-aligned in the first column, ``= rhs`` in the second, a right-hand
side too long for its line continued on lines indented by ``\qquad``. All the chains of a
block share the first column, so the widest left-hand side of the block decides how much
room the right-hand sides have. When that leaves too little, the block is *stacked*:
each left-hand side on a line of its own and the equalities under it::

    &lhs \\
    &\quad = rhs \\
    &\qquad\quad continued

The widths are in ems of the display font (:attr:`~.page.Page.width_em`), measured by
:func:`~kl_derive.printing.measure.latex_width`; the text format (``--to text``) measures
in terminal columns and always puts the left-hand side on a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..printing.cases import stacked as stacked_cases
from .page import Page

__all__ = ["Measure", "lay_out_block", "lay_out_result", "split_lhs"]

RELATION = 0.2778 + 0.7778 + 0.2778  # "= " in the second column: thick spaces around =
BINARY = 2 * 0.2222  # a continued line's leading + or - is a binary operator there
QQUAD, QUAD = 2.0, 1.0
#: a block is stacked when its widest left-hand side takes more than this share
STACK_SHARE = 0.4
#: an equation number and the space before it (--label)
NUMBER = 3.0


@dataclass(frozen=True)
class Measure:
    """How wide a display may be: ``width`` in ems (or columns, for text), and whether
    left-hand sides share their line with the right-hand side (``False`` for text)."""

    width: float
    lhs_shares_line: bool = True

    @classmethod
    def for_page(cls, page: Page, *, left: bool = False, numbered: bool = False) -> Measure:
        """The measure of displays on ``page``: its width, less a margin for the width
        model's error (about 3%, see ``tests/test_measure.py``), the indentation of a
        flush-left display (``left``) and room for equation numbers (``numbered``)."""
        width = page.width_em * 0.97 - 0.2
        if left:
            width -= 1.0  # amsmath's \@mathmargin, as --align left sets it
        if numbered:
            width -= NUMBER
        return cls(width)


def _budgets(measure: Measure, lhs: float, stacked: bool) -> tuple[float, float]:
    """The widths of a right-hand side's first line and of its continued lines."""
    if not measure.lhs_shares_line:
        return measure.width, measure.width
    if stacked:
        return measure.width - QUAD - RELATION, measure.width - QQUAD - QUAD - BINARY
    return measure.width - lhs - RELATION, measure.width - lhs - QQUAD - BINARY


def _stacked(measure: Measure, lhs: float) -> bool:
    return measure.lhs_shares_line and lhs > STACK_SHARE * measure.width


def lay_out_block(
    chains: Sequence[Sequence[object]],
    width: Callable[[str], float],
    measure: Measure,
) -> bool:
    """Break every right-hand side of a block's ``chains`` (lists of step views, each with
    ``lhs`` and a ``breaker(first, rest)``) for ``measure``; set their ``rhs_lines`` and
    return whether the block is stacked."""
    lhs = max((width(chain[0].lhs) for chain in chains if chain), default=0.0)
    stacked = _stacked(measure, lhs)
    layouts = [stacked] if stacked or not measure.lhs_shares_line else [False, True]
    best: tuple[float, bool, list[list[list[str]]]] | None = None
    fallback = None
    for stacked in layouts:
        # aligned, unless a right-hand side cannot be broken to fit beside its lhs; then
        # stacked, which gives it more room
        first, rest = _budgets(measure, lhs, stacked)
        lines = [[step.breaker(first, rest) for step in chain] for chain in chains]
        excess = max(
            (
                width(line) - (first if k == 0 else rest)
                for chain in lines
                for step_lines in chain
                for k, line in enumerate(step_lines)
            ),
            default=0.0,
        )
        # a piecewise result folded over rows (:mod:`~kl_derive.printing.cases`) fits, but
        # a layout that needs no folding is preferred
        folded = any(stacked_cases(line) for chain in lines for step in chain for line in step)
        if excess <= 0.05 and folded:
            fallback = fallback or (excess, stacked, lines)
            continue
        if best is None or excess < best[0] - 0.05:
            best = (excess, stacked, lines)
        if excess <= 0.05:
            break
    if fallback is not None and (best is None or best[0] > 0.05):
        best = fallback
    assert best is not None
    _excess, stacked, lines = best
    for chain, chain_lines in zip(chains, lines, strict=True):
        for step, step_lines in zip(chain, chain_lines, strict=True):
            step.rhs_lines = step_lines
    return stacked


def lay_out_result(
    lhs: str,
    breaker: Callable[[float, float], list[str]],
    width: Callable[[str], float],
    measure: Measure,
) -> dict[str, object]:
    """The closing display: ``result_lines`` and whether the divergence takes a line of its
    own (``result_lhs_long``: then ``= …`` lines follow, indented by ``\\qquad``)."""
    lhs_width = width(lhs)
    if not measure.lhs_shares_line:  # text: the closed form under the divergence if long
        long_lhs = lhs_width > measure.width / 2
        budget = measure.width - 3 if long_lhs else measure.width - lhs_width - 1.5
        return {"result_lines": breaker(budget, budget), "result_lhs_long": long_lhs}
    long_lhs = _stacked(measure, lhs_width)
    if long_lhs:
        first, rest = measure.width - QQUAD - RELATION, measure.width - QQUAD - QUAD - BINARY
    else:
        first, rest = _budgets(measure, lhs_width, False)
    return {
        "result_lines": breaker(first, rest),
        "result_lhs_long": long_lhs,
        "result_lhs_lines": split_lhs(lhs, width, measure.width) if long_lhs else [lhs],
    }


def split_lhs(lhs: str, width: Callable[[str], float], room: float) -> list[str]:
    """A divergence too wide for the line, broken between its laws (written with their
    matrices): ``D(P`` on one line, ``\\parallel Q)`` on the next; where a comma separates
    the laws (``W(P, Q)``) the comma ends the first line."""
    if width(lhs) <= room:
        return [lhs]
    depth = 0
    for k, c in enumerate(lhs):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0 and lhs.startswith(r" \parallel ", k):
            return [lhs[:k], lhs[k + 1 :]]
        if depth == 0 and lhs.startswith(r"\right., \left.", k):
            return [lhs[: k + len(r"\right.,")], lhs[k + len(r"\right., ") :]]
    return [lhs]
