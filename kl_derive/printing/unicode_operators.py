"""The Unicode dialect's operators: cases and conditions, sets, integrals, sums and
expectations, determinants, traces and quadratic forms, brackets, and the information
quantities. A mixin of :class:`~kl_derive.printing.unicode.UnicodePrinter`, which brings
the arithmetic (sums, products, powers, functions).
"""

from __future__ import annotations

from typing import Any

from sympy import (
    Add,
    Identity,
    Integral,
    MatPow,
    MatrixBase,
    Piecewise,
    Rational,
    S,
    ZeroMatrix,
)

from ..symbolic.objects import KL, Between, Bracket, Expect
from .conditions import as_bounds, as_chain
from .core import (
    split_sign,
)
from .glyphs import (
    MINUS,
    sub_or_plain,
    sub_text,
    sup_text,
)

__all__ = ["UnicodeOperators", "kl_unicode"]


def kl_unicode(left: str, right: str) -> str:
    """``D_KL(left ‖ right)``."""
    return f"D_KL({left} ‖ {right})"


class UnicodeOperators:
    """The printing methods of :class:`~kl_derive.printing.unicode.UnicodePrinter` for
    operators (it calls ``self._print`` and ``self.words``)."""

    def _print_Piecewise(self, expr: Any) -> str:
        cases = []
        for value, condition in expr.args:
            if condition == S.true:
                row = self.words["otherwise_text"].replace("{value}", self._print(value))
            else:
                row = self.words["case_text"].replace("{value}", self._print(value))
                row = row.replace("{condition}", self._print(condition))
            cases.append(row)
        return "{ " + "; ".join(cases) + " }"

    def _print_MatPow(self, expr: Any) -> str:
        """A matrix square root, ``Σ^(1/2)``; other powers as ``A^(k)``."""
        base, power = expr.args
        inner = self._print(base)
        if not (base.is_symbol or isinstance(base, MatrixBase)):
            inner = f"({inner})"
        return f"{inner}^({self._print(power) if power != Rational(1, 2) else '1/2'})"

    def _print_Min(self, expr: Any) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Max(self, expr: Any) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_And(self, expr: Any) -> str:
        bounds = as_bounds(expr)
        if bounds is not None:
            lower, low, variable, high, upper = bounds
            ops = {"<=": "≤", "<": "<"}
            parts = (self._print(lower), ops[low], self._print(variable), ops[high])
            return " ".join((*parts, self._print(upper)))
        chain = as_chain(expr)
        if chain is not None:
            ops = {"<=": "≤", "<": "<"}
            return " ".join(ops[x] if isinstance(x, str) else self._print(x) for x in chain)
        return self.words["and"].join(self._print(a) for a in expr.args)

    def _print_OnSupport(self, expr: Any) -> str:
        value, condition = expr.args
        return self._print(Piecewise((value, condition), (0, True), evaluate=False))

    def _print_Or(self, expr: Any) -> str:
        return self.words["or"].join(self._print(a) for a in expr.args)

    def _print_Interval(self, expr: Any) -> str:
        left = "(" if expr.left_open or expr.start.is_infinite else "["
        right = ")" if expr.right_open or expr.end.is_infinite else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_Union(self, expr: Any) -> str:
        return " ∪ ".join(self._print(a) for a in expr.args)

    def _print_KroneckerDelta(self, expr: Any) -> str:
        """The indicator [k = i] (one when k = i, else zero)."""
        first, second = expr.args
        return f"[{self._print(second)} = {self._print(first)}]"

    def _print_Range(self, expr: Any) -> str:
        # start and stop, not inf and sup: SymPy has no inf for a symbolic start (n + 1)
        first, stop = expr.start, expr.stop
        if stop.is_infinite:
            return f"{{{self._print(first)}, {self._print(first + 1)}, …}}"
        last = stop - 1
        if (last - first).is_number and last - first <= 2:
            return "{" + ", ".join(self._print(k) for k in expr) + "}"
        return f"{{{self._print(first)}, …, {self._print(last)}}}"

    def _print_Relational(self, expr: Any) -> str:
        symbols = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}
        op = symbols.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Integral(self, expr: Integral) -> str:
        integrand = expr.function
        body = self._term(integrand)
        if len(expr.limits[0]) == 1:  # over the whole space of a vector variable
            return f"∫ {body} d{self._print(expr.limits[0][0])}"
        (variable, lower, upper) = expr.limits[0]
        head = "∫"
        if (lower, upper) != (S.NegativeInfinity, S.Infinity):
            head = f"∫{sub_text(self._print(lower))}{sup_text(self._print(upper))}"
        return f"{head} {body} d{self._print(variable)}"

    def _print_Expect(self, expr: Expect) -> str:
        body = f"[{self._print(expr.args[0])}]"
        if self._expect_subscripts:
            density = self._print(expr.args[1])
            return "𝔼" + sub_or_plain(density) + body
        return "𝔼" + body

    def _print_Limit(self, expr: Any) -> str:
        function, variable, point, direction = expr.args
        side = "" if str(direction) == "+-" else str(direction)
        body = self._print(function)
        if isinstance(function, Add) or split_sign(function)[0]:
            body = f"({body})"
        where = f"{self._print(variable)} → {self._print(point)}{side}"
        return f"lim_({where}) {body}"

    def _print_Sum(self, expr: Any) -> str:
        return self._big("Σ", expr)

    def _print_Product(self, expr: Any) -> str:
        return self._big("∏", expr)

    def _big(self, sign: str, expr: Any) -> str:
        ((index, lower, upper),) = expr.limits
        body = self._print(expr.function)
        if isinstance(expr.function, Add) or split_sign(expr.function)[0]:
            body = f"({body})"
        limits = f"{self._print(index)}={self._print(lower)}"
        return f"{sign}{sub_text(limits)}{sup_text(self._print(upper))} {body}"

    def _print_MatDet(self, expr: Any) -> str:
        return f"det {self._print(expr.args[0])}"

    def _print_MatTrace(self, expr: Any) -> str:
        a, b = expr.args
        inner = self._print(b) if isinstance(a, Identity) else f"{self._print(a)} {self._print(b)}"
        return f"tr({inner})"

    def _print_QuadForm(self, expr: Any) -> str:
        a, b, m = expr.args
        if isinstance(a, ZeroMatrix):
            a, b = b, a
        if isinstance(b, ZeroMatrix):
            v = self._print(a)
            vt = v + "ᵀ"
        else:
            v = f"({self._print(a)} {MINUS} {self._print(b)})"
            vt = v + "ᵀ"
        if isinstance(m, Identity):
            return f"{vt} {v}"
        return f"{vt} {self._print(m)} {v}"

    def _print_MatMul(self, expr: Any) -> str:
        # a power of a matrix symbol (Σ^(1/2)) needs no parentheses of its own
        return " ".join(
            self._print(a) if isinstance(a, MatPow) and a.args[0].is_symbol else self._base(a)
            for a in expr.args
        )

    def _print_Bracket(self, expr: Bracket) -> str:
        return f"({self._print(expr.args[0])})"

    def _print_Between(self, expr: Between) -> str:
        antiderivative, _variable, lower, upper = expr.args
        body = self._print(antiderivative)
        return f"[{body}]{sub_text(self._print(lower))}{sup_text(self._print(upper))}"

    def _print_KL(self, expr: KL) -> str:
        q, p = expr.args
        return kl_unicode(self._print(q), self._print(p))

    def _print_Entropy(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])})"

    def _print_CrossEntropy(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])}, {self._print(expr.args[1])})"
