r"""A LaTeX printer tuned for textbooks.

SymPy's :class:`~sympy.printing.latex.LatexPrinter` is built for round-tripping, so it
writes ``\log{\left(\sigma^{2} \right)}`` and sorts terms. This printer writes what a
careful author types:

* ``\log \sigma^{2}`` and ``\log \frac{q(z \mid x)}{p(z)}`` (brackets only when needed);
* ``e^{s}`` for a short exponent, ``\exp\left(-\frac{z^{2}}{2}\right)`` for a long one;
* ``\int_{-\infty}^{\infty} \dots \,dz``;
* ``\frac{1}{2} \log \sigma^{2}`` rather than ``\frac{\log \sigma^{2}}{2}``;
* sums and products in the order they were built (see :mod:`kl_derive.symbolic.display`),
  with a sum nested inside a sum shown in parentheses;
* densities by name, ``q(z \mid x)``, and ``\mathbb{E}[z^{2}]`` for expectations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sympy import (
    Add,
    Expr,
    Indexed,
    Integral,
    Mul,
    Number,
    NumberSymbol,
    Pow,
    Rational,
    S,
    Symbol,
    exp,
    log,
)
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from ..symbolic.matrices import MatDet, MatTrace, QuadForm
from ..symbolic.objects import Bracket, Expect
from .breaking import BREAK_PRODUCT, BREAK_SUM, flatten, fraction, group
from .conditions import ENGLISH
from .core import (
    fraction_parts,
    has_inverse,
    is_inverse,
    is_number,
    is_simple,
    needs_brackets,
    signed_terms,
    split_sign,
)
from .latex_operators import LatexOperators, is_tall_latex, kl_latex

__all__ = ["TextbookLatexPrinter", "kl_latex", "latex", "small_matrices"]


class TextbookLatexPrinter(LatexOperators, LatexPrinter):
    """LaTeX for lecture notes; see the module docstring for the conventions.

    ``functions`` maps an undefined function's name to the LaTeX of its application,
    e.g. ``{"q": r"q(z \\mid x)"}``, used when it is applied to its own variable.
    """

    printmethod = "_kl_latex"

    def __init__(
        self,
        functions: Mapping[str, str] | None = None,
        expect_subscripts: bool = False,
        **settings: object,
    ) -> None:
        settings.setdefault("order", "none")
        settings.setdefault("mat_str", "pmatrix")
        settings.setdefault("mat_delim", "")
        super().__init__(settings)
        self._functions = dict(functions or {})
        self._expect_subscripts = expect_subscripts
        self._depth = 0  # how many fractions we are inside

    # -- output ----------------------------------------------------------------
    def doprint(self, expr: Expr) -> str:
        """The LaTeX of ``expr``."""
        return flatten(self.marked(expr))

    def marked(self, expr: Expr) -> str:
        """The LaTeX of ``expr`` with the places it may be broken over lines marked (see
        :mod:`kl_derive.printing.breaking`)."""
        return super().doprint(expr)

    # -- atoms ---------------------------------------------------------------
    def _print_Symbol(self, expr: Symbol, style: str = "plain") -> str:
        if expr.name == "epsilon":
            return r"\varepsilon"
        text = super()._print_Symbol(expr, style)
        if text == expr.name and len(text) > 1:
            return rf"\mathrm{{{text}}}"  # logvar is one name, not l o g v a r
        return text

    def _print_Rational(self, expr: Rational) -> str:
        if expr.q == 1:
            return str(expr.p)
        sign = "- " if expr.p < 0 else ""
        return rf"{sign}\frac{{{abs(expr.p)}}}{{{expr.q}}}"

    def _print_Pi(self, expr: Expr) -> str:
        return r"\pi"

    def _print_Infinity(self, expr: Expr) -> str:
        return r"\infty"

    def _print_NegativeInfinity(self, expr: Expr) -> str:
        return r"-\infty"

    # -- sums ----------------------------------------------------------------
    def _print_Add(self, expr: Add, order: str | None = None) -> str:
        return f" {BREAK_SUM}".join(self._signed_terms(expr))

    def _signed_terms(self, expr: Add) -> list[str]:
        """``["a", "- b", "+ c"]``: each term with the sign that joins it to the previous."""
        out: list[str] = []
        for i, (negative, text) in enumerate(signed_terms(expr, self._term)):
            if negative:
                out.append(f"- {text}")
            else:
                out.append(text if i == 0 else f"+ {text}")
        return out

    def _term(self, term: Expr) -> str:
        if isinstance(term, Add):
            return self._paren(term)
        return self._print(term)

    def _paren(self, expr: Expr) -> str:
        """A bracketed factor or term: ``\\left(...\\right)``, as textbooks set ``a(b + c)``."""
        return group(self._print(expr), "(", ")", grows=True)

    def _argument(self, expr: Expr) -> str:
        """A function's argument: plain brackets unless the content is tall.

        ``\\exp\\left(`` would put a thin space between the name and the bracket.
        """
        return self._wrap(self._print(expr), "(", ")")

    @staticmethod
    def _wrap(text: str, left: str, right: str) -> str:
        """Brackets that grow (``\\left(``) only around tall content such as a fraction."""
        return group(text, left, right, grows=is_tall_latex(text))

    def _fraction(self, top: str, bottom: str, top_is_sum: bool, bottom_is_compound: bool) -> str:
        """``\\frac{top}{bottom}``, or ``top/bottom`` inside another fraction's parts.

        A fraction inside a fraction is set in a smaller type; the slash keeps it legible.
        """
        if self._depth == 0:
            return fraction(top, bottom)
        # marked as brackets, so a break inside them is a last resort, not a break of
        # the sum around the slash fraction
        if bottom_is_compound and not _enclosed(bottom):
            bottom = group(bottom, "(", ")", grows=False)
        if top_is_sum:
            top = group(top, "(", ")", grows=False)
        return f"{top}/{bottom}"

    # -- products ------------------------------------------------------------
    def _print_Mul(self, expr: Mul) -> str:
        negative, magnitude = split_sign(expr)
        sign = "- " if negative else ""
        if not isinstance(magnitude, Mul):
            return sign + self._factor(magnitude, first=True)
        coeff, numerator, denominator = fraction_parts(magnitude)
        if not denominator and coeff.q != 1 and any(map(_is_heavy, numerator)):
            # \frac{1}{2} \log \sigma^{2}, \frac{1}{2}\left(\mu^{2} + \dots\right)
            head = self._print_Rational(coeff)
            gap = "" if isinstance(numerator[0], Add) else " "
            return sign + head + gap + self._product(numerator, leading=False)
        if denominator:
            numerator = [f for f in numerator if f != 1] or [S.One]
        if not denominator and coeff.q == 1:
            return sign + self._product(numerator)
        self._depth += 1
        try:
            if len(numerator) == 1 and isinstance(numerator[0], Add):
                top = self._print(numerator[0])
            else:
                top = self._product(numerator) if numerator else "1"
            if coeff != 1:
                top = self._product([Rational(coeff.p), *numerator]) if coeff.p != 1 else top
            bottom_factors = ([Rational(coeff.q)] if coeff.q != 1 else []) + denominator
            if len(bottom_factors) == 1 and isinstance(bottom_factors[0], Add):
                # \frac{a}{1 + e^{a}}: no brackets; inside a fraction, a/(1 + e^{a})
                bottom = self._print(bottom_factors[0])
            else:
                bottom = self._product(bottom_factors, in_fraction=True)
        finally:
            self._depth -= 1
        top_is_sum = len(numerator) == 1 and isinstance(numerator[0], Add)
        bottom_is_compound = len(bottom_factors) > 1 or isinstance(bottom_factors[0], Add)
        return sign + self._fraction(top, bottom, top_is_sum, bottom_is_compound)

    def _product(self, factors: list[Expr], leading: bool = True, in_fraction: bool = False) -> str:
        pieces: list[str] = []
        previous: Expr | None = None
        for i, factor in enumerate(factors):
            text = self._factor(factor, first=(i == 0 and leading), in_fraction=in_fraction)
            if self._depth and len(factors) > 1 and has_inverse(factor) and "/" in text:
                text = f"({text})"  # (1/\sqrt{2\pi}) \exp(...), not 1/(\sqrt{2\pi} \exp(...))
            if previous is not None and not (is_simple(previous) and is_simple(factor)):
                pieces.append(BREAK_PRODUCT)  # a product may be broken between factors
            if previous is not None and _needs_cdot(previous, factor):
                pieces.append(r" \cdot ")
            elif previous is not None:
                pieces.append("" if _tight(previous, factor) else " ")
            pieces.append(text)
            previous = factor
        return "".join(pieces)

    def _factor(self, factor: Expr, first: bool = False, in_fraction: bool = False) -> str:
        if isinstance(factor, Bracket) and not first and _is_atomic(factor.args[0]):
            return r"\cdot " + self._print(factor.args[0])  # a value just substituted
        if needs_brackets(factor):
            return self._paren(factor)
        return self._print(factor)

    # -- powers, roots, functions -------------------------------------------
    def _print_Pow(self, expr: Pow) -> str:
        base, e = expr.base, expr.exp
        if e == S.Half:
            return rf"\sqrt{{{self._print(base)}}}"
        if is_number(e) and e.is_negative:
            inverse = base if e == -1 else Pow(base, -e, evaluate=False)
            self._depth += 1
            try:
                bottom = self._print(inverse)
            finally:
                self._depth -= 1
            return self._fraction("1", bottom, False, isinstance(inverse, (Mul, Add)))
        if type(base).__name__ in ("cos", "sin") and e.is_Integer and e.is_positive:
            return self._trig(type(base).__name__, base, e)  # \sin^{2} \mu
        if isinstance(base, exp):
            # (e^{s})^{2}
            return group(self._print(base), "(", ")", grows=True) + f"^{{{self._print(e)}}}"
        if base == S.Exp1:
            return rf"e^{{{self._print(e)}}}"
        if (
            isinstance(base, (Add, Mul, Pow, log, MatDet))
            or (is_number(base) and base.is_negative)
            or (isinstance(base, Rational) and base.q != 1)
        ):
            base_text = self._argument(base)
        else:
            base_text = self._print(base)
        return f"{base_text}^{{{self._print(e)}}}"

    # -- special functions, as textbooks write them ---------------------------------
    def _print_gamma(self, expr: Expr, exp: object = None) -> str:
        return r"\Gamma" + self._argument(expr.args[0])

    def _print_loggamma(self, expr: Expr, exp: object = None) -> str:
        return r"\log \Gamma" + self._argument(expr.args[0])

    def _print_digamma(self, expr: Expr, exp: object = None) -> str:
        return r"\psi" + self._argument(expr.args[0])

    def _print_polygamma(self, expr: Expr, exp: object = None) -> str:
        order, arg = expr.args
        if order == 0:
            return r"\psi" + self._argument(arg)
        if order == 1:  # the trigamma function, written as the derivative of psi
            return r"\psi'" + self._argument(arg)
        return rf"\psi^{{({self._print(order)})}}" + self._argument(arg)

    def _print_MultiGamma(self, expr: Expr, exp: object = None) -> str:
        a, p = expr.args
        return rf"\Gamma_{{{self._print(p)}}}" + self._argument(a)

    def _print_MultiDigamma(self, expr: Expr, exp: object = None) -> str:
        a, p = expr.args
        return rf"\psi_{{{self._print(p)}}}" + self._argument(a)

    def _print_beta(self, expr: Expr, exp: object = None) -> str:
        inner = ", ".join(self._print(a) for a in expr.args)
        return r"\mathrm{B}" + self._wrap(inner, "(", ")")

    def _print_besseli(self, expr: Expr, exp: object = None) -> str:
        order, arg = expr.args
        return rf"I_{{{self._print(order)}}}" + self._argument(arg)

    def _trig(self, name: str, expr: Expr, power: Expr | None = None) -> str:
        """``\\cos \\mu``, ``\\cos(z - \\mu)``, ``\\sin^{2} \\mu`` as textbooks write them."""
        arg = expr.args[0]
        head = rf"\{name}" if power is None else rf"\{name}^{{{self._print(power)}}}"
        if is_simple(arg):
            return f"{head} {self._print(arg)}"
        return head + self._argument(arg)

    def _print_cos(self, expr: Expr, exp: object = None) -> str:
        return self._trig("cos", expr)

    def _print_sin(self, expr: Expr, exp: object = None) -> str:
        return self._trig("sin", expr)

    def _print_sinh(self, expr: Expr, exp: object = None) -> str:
        return self._trig("sinh", expr)

    def _print_coth(self, expr: Expr, exp: object = None) -> str:
        return self._trig("coth", expr)

    def _print_EulerGamma(self, expr: Expr) -> str:
        return r"\gamma"

    def _print_Abs(self, expr: Expr, exp: object = None) -> str:
        return self._wrap(self._print(expr.args[0]), "|", "|")

    def _print_atanh(self, expr: Expr, exp: object = None) -> str:
        return r"\operatorname{artanh}" + self._argument(expr.args[0])

    def _print_factorial(self, expr: Expr, exp: object = None) -> str:
        arg = expr.args[0]
        inner = self._print(arg) if is_simple(arg) else self._paren(arg)
        return f"{inner}!"

    def _print_binomial(self, expr: Expr, exp: object = None) -> str:
        n, k = expr.args
        return rf"\binom{{{self._print(n)}}}{{{self._print(k)}}}"

    def _print_log(self, expr: log, exp: object = None) -> str:
        arg = expr.args[0]
        if type(arg).__name__ in (
            "gamma",
            "factorial",
            "binomial",
            "beta",
            "digamma",
            "besseli",
            "MultiGamma",
            "VMFNormalizer",
            "SphereArea",
        ):
            return rf"\log {self._print(arg)}"
        if is_simple(arg) or _is_fraction(arg) or _is_root(arg) or arg is S.Pi:
            return rf"\log {self._print(arg)}"
        return r"\log" + self._argument(arg)

    def _print_exp(self, expr: exp, exp_: object = None) -> str:
        arg = expr.args[0]
        if _is_short_exponent(arg):
            return rf"e^{{{self._print(arg)}}}"
        if (
            isinstance(arg, Mul)
            and len(arg.args) == 2
            and isinstance(arg.args[0], Rational)
            and arg.args[0].q != 1
            and abs(arg.args[0].p) == 1
            and is_simple(arg.args[1])
        ):
            sign = "-" if arg.args[0].p < 0 else ""
            return rf"e^{{{sign}{self._print(arg.args[1])}/{arg.args[0].q}}}"
        return r"\exp" + self._argument(arg)

    def _print_Function(self, expr: Expr, exp: object = None) -> str:
        name = expr.func.__name__
        if isinstance(expr, AppliedUndef) and len(expr.args) == 1:
            (arg,) = expr.args
            if isinstance(arg, Indexed) and f"{name}[]" in self._functions:
                index = self._print(arg.indices[0])
                return self._functions[f"{name}[]"] % (index, index)
            if name in self._functions:
                return self._functions[name]
        if isinstance(expr, AppliedUndef):  # A(eta_1, eta_2): plain brackets
            inner = ", ".join(self._print(a) for a in expr.args)
            return self._print(Symbol(name)) + self._wrap(inner, "(", ")")
        return super()._print_Function(expr, exp)

    def _print_Identity(self, expr: Expr) -> str:
        return "I"

    def _print_Indexed(self, expr: Indexed) -> str:
        base = self._print(Symbol(str(expr.base.label)))
        return f"{base}_{{{','.join(self._print(i) for i in expr.indices)}}}"

    #: the words inside formulas (see :data:`~kl_derive.printing.conditions.ENGLISH`)
    words: Mapping[str, str] = ENGLISH


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _is_atomic(e: Expr) -> bool:
    return isinstance(e, (Symbol, Number, NumberSymbol))


def _is_heavy(e: Expr) -> bool:
    """A factor a coefficient is written in front of: a sum, a function, an integral."""
    return isinstance(e, (Add, Integral, Expect, Bracket, MatDet, MatTrace, QuadForm)) or bool(
        e.atoms(log, exp)
    )


def _needs_cdot(previous: Expr, factor: Expr) -> bool:
    """Numbers next to numbers, or a number after a letter, need an explicit ``\\cdot``."""
    if is_number(factor) or (has_inverse(previous) and has_inverse(factor)):
        return True
    return isinstance(previous, (Integral, log)) and not isinstance(factor, Integral)


def _tight(previous: Expr, factor: Expr) -> bool:
    """``2\\sigma^{2}`` reads better than ``2 \\sigma^{2}``; ``a\\left(b + c\\right)`` too."""
    if isinstance(factor, Add):
        return True
    return (
        is_number(previous)
        and isinstance(factor, (Symbol, Pow, NumberSymbol))
        and not is_inverse(factor)
    )


def _is_fraction(e: Expr) -> bool:
    return (
        (isinstance(e, Mul) and any(is_inverse(f) for f in e.args))
        or (is_inverse(e) and e.exp == -1)
        or (isinstance(e, Rational) and e.q != 1 and e.p > 0)
    )


def _is_root(e: Expr) -> bool:
    return isinstance(e, Pow) and e.exp == S.Half


def _is_short_exponent(e: Expr) -> bool:
    if is_simple(e) or is_number(e):
        return True
    if isinstance(e, Mul):
        _negative, magnitude = split_sign(e)
        parts = Mul.make_args(magnitude)
        return (
            len(parts) <= 2
            and all(isinstance(p, Symbol) or (is_number(p) and p.is_Integer) for p in parts)
            and not any(is_inverse(p) for p in parts)
        )
    return False


_DEFAULT = TextbookLatexPrinter()


def latex(expr: Expr, functions: Mapping[str, str] | None = None) -> str:
    """Print ``expr`` with :class:`TextbookLatexPrinter`."""
    printer = TextbookLatexPrinter(functions) if functions else _DEFAULT
    return printer.doprint(expr)


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesized group, ``(...)`` or ``\\left(...\\right)``
    (a second pair would print a sum in double parentheses)."""
    text = flatten(text).strip()
    if not text.startswith("(") and not text.startswith(r"\left("):
        return False
    depth = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


#: a matrix with more rows than this is set as a ``smallmatrix`` in prose (amsmath's
#: matrix for running text): a 4 x 4 ``pmatrix`` already fills half a line
SMALL_MATRIX_ROWS = 3
_PMATRIX = re.compile(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", re.S)


def small_matrices(math: str) -> str:
    """Matrices of more than :data:`SMALL_MATRIX_ROWS` rows in a law's name or in prose as
    ``\\left(\\begin{smallmatrix}…\\end{smallmatrix}\\right)``: a matrix of numbers
    given by the user (``multivariate_normal([...], [[...], ...])``) at d = 8 set as a
    ``pmatrix`` is wider than the line."""

    def small(match: re.Match[str]) -> str:
        body = match.group(1)
        if body.count(r"\\") < SMALL_MATRIX_ROWS:
            return match.group(0)
        return rf"\left(\begin{{smallmatrix}}{body}\end{{smallmatrix}}\right)"

    return _PMATRIX.sub(small, math)
