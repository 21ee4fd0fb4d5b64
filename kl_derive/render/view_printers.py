"""The printers the view model typesets with, one per notation (LaTeX, Unicode text,
Typst): each remembers what it printed and says how its notation writes a KL
divergence, a law, a numbered equality and a condition."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sympy import (
    Basic,
    Expr,
)

from ..printing.breaking import COLOR_OFF, COLOR_ON, break_lines
from ..printing.latex import TextbookLatexPrinter, kl_latex, small_matrices
from ..printing.measure import latex_width
from ..printing.typst import TypstPrinter
from ..printing.unicode import UnicodePrinter, kl_unicode, latex_to_unicode, text_width
from .view_model import Breaker


class LatexMemoPrinter(TextbookLatexPrinter):
    """Prints each expression once: a chain's steps share their sides.

    With ``marks`` set, the marked sub-expressions are coloured (``--highlight``), and the
    memo is not used. ``width``, ``kl`` and ``snippet`` are what the view needs besides
    expressions: how wide a printed line is, the divergence of two printed laws, and a
    fixed LaTeX snippet (an identity, a density's name) in this printer's notation.
    """

    def __init__(self, functions: Mapping[str, str], expect_subscripts: bool = False) -> None:
        super().__init__(functions, expect_subscripts=expect_subscripts)
        self._memo: dict[Basic, str] = {}
        self.marks: set[Basic] = set()

    def marked(self, expr: Any) -> str:
        if not isinstance(expr, Basic) or self.marks:
            return super().marked(expr)
        if expr not in self._memo:
            self._memo[expr] = super().marked(expr)
        return self._memo[expr]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        text = super()._print(expr, **kwargs)
        if self.marks and isinstance(expr, Basic) and expr in self.marks:
            return f"{COLOR_ON}{text}{COLOR_OFF}"
        return text

    def breaker(self, expr: Expr) -> Breaker:
        """``expr`` broken for lines of given widths (see :mod:`~.printing.breaking`)."""
        marked = self.marked(expr)
        return lambda first, rest: break_lines(marked, first, rest)

    @staticmethod
    def width(text: str) -> float:
        return latex_width(text)

    @staticmethod
    def kl(left: str, right: str) -> str:
        return kl_latex(left, right)

    @staticmethod
    def divergence(before: str, left: str, between: str, right: str, after: str) -> str:
        """``D(left, right)`` from its printed pieces; around laws written with matrices,
        brackets that grow, as two pairs (as for KL): the line may break between the laws."""
        matrices = r"\begin{pmatrix}" in left + right
        if before.endswith("(") and after == ")" and matrices:
            return rf"{before[:-1]}\left({left}\right.{between}\left.{right}\right)"
        return before + left + between + right + after

    @staticmethod
    def snippet(latex: str) -> str:
        return latex

    def law(self, family: Any, args: tuple) -> str:
        """A law's notation, ``\\mathcal{N}(\\mu, \\sigma^{2})`` (a matrix of numbers
        given by the user, from 4 x 4 on, in the small size of running text)."""
        return small_matrices(family.notation(args, self.doprint))

    #: how a step marked ``(n)`` joins the previous line (--detail full)
    @staticmethod
    def marked_eq(number: int) -> str:
        return rf"\overset{{({number})}}{{=}}"

    @staticmethod
    def tag(before: str, conditions: list[str], after: str) -> str:
        """A condition written after a formula: ``\\qquad \\text{if } a \\geq b``."""
        words = [rf"\text{{{before}}}"] if before else []
        words.append(r",\ ".join(conditions))
        if after:
            words.append(rf"\text{{{after}}}")
        return r"\qquad " + "".join(words)


class UnicodeMemoPrinter(UnicodePrinter):
    """The Unicode printer with the same interface as :class:`LatexMemoPrinter` (``--to text``)."""

    def __init__(self, functions: Mapping[str, str], expect_subscripts: bool = False) -> None:
        super().__init__(functions, expect_subscripts=expect_subscripts)
        self._memo: dict[Basic, str] = {}
        self.marks: set[Basic] = set()

    def doprint(self, expr: Any) -> str:
        if not isinstance(expr, Basic):
            return super().doprint(expr)
        if expr not in self._memo:
            self._memo[expr] = super().doprint(expr)
        return self._memo[expr]

    def breaker(self, expr: Expr) -> Breaker:
        return lambda first, rest: self.doprint_lines(expr, first)

    @staticmethod
    def width(text: str) -> float:
        return float(text_width(text))

    @staticmethod
    def kl(left: str, right: str) -> str:
        return kl_unicode(left, right)

    @staticmethod
    def divergence(before: str, left: str, between: str, right: str, after: str) -> str:
        return before + left + between + right + after

    @staticmethod
    def snippet(latex: str) -> str:
        return latex_to_unicode(latex)

    def law(self, family: Any, args: tuple) -> str:
        """A law's notation, ``𝒩(μ, σ²)``."""
        return latex_to_unicode(family.notation(args, self.doprint))

    @staticmethod
    def marked_eq(number: int) -> str:
        return f"=({number})"

    @staticmethod
    def tag(before: str, conditions: list[str], after: str) -> str:
        """A condition written after a formula: ``   if a ≥ b`` (``   a ≥ b일 때``)."""
        return "    " + before + ", ".join(conditions) + after


def typst_printer(functions: Mapping[str, str], expect_subscripts: bool = False) -> TypstPrinter:
    """Typst mathematics (``--to typst``) translated from the memoizing LaTeX printer."""
    return TypstPrinter(latex=LatexMemoPrinter(functions, expect_subscripts=expect_subscripts))


Printer = LatexMemoPrinter | UnicodeMemoPrinter | TypstPrinter


PRINTERS: dict[str, Callable[..., Printer]] = {
    "latex": LatexMemoPrinter,
    "unicode": UnicodeMemoPrinter,
    "typst": typst_printer,
}
