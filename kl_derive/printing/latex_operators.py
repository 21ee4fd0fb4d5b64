"""The LaTeX dialect's operators: integrals, sums and expectations, determinants, traces
and quadratic forms, brackets, cases and conditions, and the information quantities
(KL, entropy, cross-entropy). A mixin of :class:`~kl_derive.printing.latex.
TextbookLatexPrinter`, which brings the arithmetic (sums, products, powers, functions).
"""

from __future__ import annotations

from sympy import (
    Add,
    Expr,
    Identity,
    ImmutableMatrix,
    Integral,
    Piecewise,
    Rational,
    S,
    Symbol,
    ZeroMatrix,
)

from ..symbolic.objects import KL, Between, Bracket, CrossEntropy, Entropy, Expect
from .breaking import group, is_tall
from .conditions import around, as_bounds, as_chain
from .core import split_sign

__all__ = ["LatexOperators", "is_tall_latex", "kl_latex"]


class LatexOperators:
    """The printing methods of :class:`~kl_derive.printing.latex.TextbookLatexPrinter` for
    operators (it calls ``self._print``, ``self._paren`` and ``self.words``)."""

    def _print_Integral(self, expr: Integral) -> str:
        integrand = expr.function
        body = self._paren(integrand) if isinstance(integrand, Add) else self._print(integrand)
        if len(expr.limits[0]) == 1:  # over the whole space of a vector variable
            return rf"\int {body} \,d{self._print(expr.limits[0][0])}"
        (variable, lower, upper) = expr.limits[0]
        return (
            rf"\int_{{{self._print(lower)}}}^{{{self._print(upper)}}} {body}"
            rf" \,d{self._print(variable)}"
        )

    def _print_Expect(self, expr: Expect) -> str:
        body = self._wrap(self._print(expr.args[0]), "[", "]")
        if self._expect_subscripts:
            return rf"\mathbb{{E}}_{{{self._print(expr.args[1])}}}" + body
        return r"\mathbb{E}" + body

    def _print_Sum(self, expr: Expr) -> str:
        ((index, lower, upper),) = expr.limits
        body = self._print(expr.function)
        if isinstance(expr.function, Add) or split_sign(expr.function)[0]:
            body = self._paren(expr.function)
        head = rf"\sum_{{{self._print(index)}={self._print(lower)}}}^{{{self._print(upper)}}}"
        return f"{head} {body}"

    def _print_MatDet(self, expr: Expr) -> str:
        return rf"\det {self._print(expr.args[0])}"

    def _print_MatTrace(self, expr: Expr) -> str:
        a, b = expr.args
        inner = self._print(b) if isinstance(a, Identity) else f"{self._print(a)} {self._print(b)}"
        # matrices written out: tall brackets
        return r"\operatorname{tr}" + group(
            inner, "(", ")", grows=bool(expr.atoms(ImmutableMatrix))
        )

    def _print_QuadForm(self, expr: Expr) -> str:
        a, b, m = expr.args
        if isinstance(a, ZeroMatrix):  # (0 - b)^T A (0 - b) = b^T A b
            a, b = b, a
        if isinstance(b, ZeroMatrix):
            v = self._print(a)
        else:
            v = f"({self._print(a)} - {self._print(b)})"
        if isinstance(m, Identity):
            return f"{v}^{{T}} {v}"
        return f"{v}^{{T}} {self._print(m)} {v}"

    def _vector_name(self, v: Expr) -> str:
        """A unit vector's name (as a multivariate normal's mean is written), a list as a
        row."""
        if hasattr(v, "name"):  # a name, or a matrix symbol of size p x 1
            return self._print(Symbol(str(v.name)))
        return self._wrap(", ".join(self._print(x) for x in v.args), "(", ")")

    def _print_Inner(self, expr: Expr, exp: object = None) -> str:
        a, b = expr.args
        return f"{self._vector_name(a)}^{{T}} {self._vector_name(b)}"

    def _print_VMFNormalizer(self, expr: Expr, exp: object = None) -> str:
        p, kappa = expr.args
        return rf"C_{{{self._print(p)}}}" + self._argument(kappa)

    def _print_MeanResultant(self, expr: Expr, exp: object = None) -> str:
        p, kappa = expr.args
        return rf"A_{{{self._print(p)}}}" + self._argument(kappa)

    def _print_SphereArea(self, expr: Expr, exp: object = None) -> str:
        (p,) = expr.args
        power = self._print(p - 1) if p.is_Integer else f"{self._print(p)} - 1"
        return rf"\lvert S^{{{power}}} \rvert"

    def _print_Bracket(self, expr: Bracket) -> str:
        return self._paren(expr.args[0])

    def _print_Between(self, expr: Between) -> str:
        antiderivative, _variable, lower, upper = expr.args
        body = group(self._print(antiderivative), "[", "]", grows=True)
        return rf"{body}_{{{self._print(lower)}}}^{{{self._print(upper)}}}"

    def _print_KL(self, expr: KL) -> str:
        q, p = expr.args
        return kl_latex(self._print(q), self._print(p))

    def _print_Piecewise(self, expr: Expr) -> str:
        before, after = around(self.words["cases"])
        rows = []
        for value, condition in expr.args:
            if condition == S.true:
                rows.append(rf"{self._print(value)} & \text{{{self.words['otherwise']}}}")
                continue
            words = [rf"\text{{{before}}}" if before else "", self._print(condition)]
            if after:
                words.append(rf"\text{{{after}}}")
            rows.append(rf"{self._print(value)} & " + "".join(words))
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    def _print_And(self, expr: Expr) -> str:
        bounds = as_bounds(expr)
        chain = as_chain(expr)
        if bounds is None and chain is not None:
            ops = {"<=": r"\leq", "<": "<"}
            return " ".join(ops[x] if isinstance(x, str) else self._print(x) for x in chain)
        if bounds is None:
            joined = rf"\text{{{self.words['and']}}}"
            return joined.join(self._print(a) for a in expr.args)
        lower, low, variable, high, upper = bounds
        ops = {"<=": r"\leq", "<": "<"}
        return " ".join(
            (self._print(lower), ops[low], self._print(variable), ops[high], self._print(upper))
        )

    def _print_MatPow(self, expr: Expr) -> str:
        r"""A matrix square root as a textbook writes it, ``\Sigma^{1/2}``; other powers as
        SymPy prints them."""
        base, power = expr.args
        if power != Rational(1, 2):
            return super()._print_MatPow(expr)  # type: ignore[misc]
        inner = self._print(base)
        if not (base.is_symbol or isinstance(base, ImmutableMatrix)):
            inner = group(inner, "(", ")", grows=bool(base.atoms(ImmutableMatrix)))
        return inner + "^{1/2}"

    def _print_Min(self, expr: Expr, exp: object = None) -> str:
        return r"\min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr: Expr, exp: object = None) -> str:
        return r"\max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr: Expr) -> str:
        joined = rf"\text{{{self.words['or']}}}"
        return joined.join(self._print(a) for a in expr.args)

    def _print_OnSupport(self, expr: Expr) -> str:
        value, condition = expr.args
        return self._print(Piecewise((value, condition), (0, True), evaluate=False))

    def _print_Entropy(self, expr: Entropy) -> str:
        return rf"\mathrm{{H}}({self._print(expr.args[0])})"

    def _print_CrossEntropy(self, expr: CrossEntropy) -> str:
        q, p = expr.args
        return rf"\mathrm{{H}}({self._print(q)}, {self._print(p)})"


def kl_latex(left: str, right: str) -> str:
    """``D_{KL}(left \\parallel right)``, with growing brackets only for tall arguments."""
    if is_tall_latex(left) or is_tall_latex(right):
        # two pairs rather than \middle: a line may break at the bars in running text
        return rf"D_{{\mathrm{{KL}}}}\left({left}\right. \parallel \left.{right}\right)"
    return rf"D_{{\mathrm{{KL}}}}({left} \parallel {right})"


def is_tall_latex(text: str) -> bool:
    """Whether LaTeX ``text`` is taller than a line: a fraction, an integral, a root, ..."""
    tall = (r"\frac", r"\int", r"\sum", r"\left", r"\sqrt", r"\begin{pmatrix}")
    return is_tall(text) or any(token in text for token in tall)
