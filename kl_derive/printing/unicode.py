r"""A Unicode printer for terminals: ``½(μ² + σ² − log σ² − 1)``.

It follows the conventions of :mod:`kl_derive.printing.latex` (terms in the order they
were built, ``log σ²`` without brackets, ``½ log σ²`` rather than ``log σ² / 2``) but
writes plain Unicode: Greek letters, superscripts and subscripts where Unicode has them
(``μ₁``, ``σ²``, ``Σ⁻¹``, ``zᵀ``), ``√``, ``∫``, ``𝔼``, ``‖`` and fractions ``a/b`` with
brackets where they are needed. :func:`latex_to_unicode` translates the few fixed LaTeX
snippets a derivation carries besides expressions (the identities of the rules, the
densities' names, the notation of a family).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sympy import (
    Add,
    Expr,
    Indexed,
    Integral,
    MatrixBase,
    Mul,
    Number,
    Pow,
    Rational,
    S,
    Symbol,
    exp,
    log,
)
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

from ..symbolic.matrices import MatDet
from ..symbolic.objects import Bracket
from .conditions import ENGLISH
from .core import (
    fraction_parts,
    is_simple,
    needs_brackets,
    signed_terms,
    split_sign,
)
from .glyphs import (
    MINUS,
    VULGAR_FRACTIONS,
    is_word,
    sub_or_plain,
    sub_text,
    subscript,
    sup_text,
    superscript,
    symbol_name,
    text_width,
)
from .snippets import latex_to_unicode
from .unicode_operators import UnicodeOperators, kl_unicode

__all__ = [
    "UnicodePrinter",
    "kl_unicode",
    "latex_to_unicode",
    "subscript",
    "superscript",
    "symbol_name",
    "text_width",
    "unicode",
]


class UnicodePrinter(UnicodeOperators, StrPrinter):
    """Plain Unicode mathematics for a terminal; see the module docstring.

    ``functions`` maps an undefined function's name to the LaTeX of its application
    (the same mapping :class:`~kl_derive.printing.latex.TextbookLatexPrinter` takes);
    it is translated with :func:`latex_to_unicode`.
    """

    printmethod = "_kl_unicode"

    def __init__(
        self,
        functions: Mapping[str, str] | None = None,
        expect_subscripts: bool = False,
        **settings: Any,
    ) -> None:
        settings.setdefault("order", "none")
        super().__init__(settings)
        self._functions = dict(functions or {})
        self._expect_subscripts = expect_subscripts

    # -- long lines ------------------------------------------------------------
    def doprint_lines(self, expr: Expr, budget: float) -> list[str]:
        """``expr`` as pieces of at most about ``budget`` columns: a sum breaks between
        terms (a piece after the first starts with its sign), ``c(a + b + …)`` inside its
        bracket; anything else stays on one line."""
        whole = self.doprint(expr)
        if text_width(whole) <= budget:
            return [whole]
        if isinstance(expr, Add):
            pieces: list[str] = []
            for i, term in enumerate(expr.args):
                negative, magnitude = split_sign(term)
                sign = f"{MINUS} " if negative else ("" if i == 0 else "+ ")
                pieces.append(sign + self._term(magnitude))
            return _pack(pieces, budget)
        if (
            isinstance(expr, Mul)
            and len(expr.args) == 2
            and isinstance(expr.args[0], Rational)
            and isinstance(expr.args[1], Add)
        ):
            coeff = self._print_Rational(expr.args[0])
            inner = self.doprint_lines(expr.args[1], budget - text_width(coeff) - 1)
            if len(inner) > 1:
                return [f"{coeff}({inner[0]}", *inner[1:-1], f"{inner[-1]})"]
        if isinstance(expr, Integral) and isinstance(expr.function, Mul):
            (variable, _, _) = expr.limits[0]
            head = self._print_Integral(expr).split(" ", 1)[0]
            factors = [self._factor(f) for f in expr.function.args]
            pieces = [f"{head} {factors[0]}", *factors[1:]]
            pieces[-1] += f" d{self._print(variable)}"
            return _pack(pieces, budget)
        return [whole]

    # -- atoms ---------------------------------------------------------------
    def _print_Symbol(self, expr: Symbol) -> str:
        return symbol_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_MatrixSymbol(self, expr: Any) -> str:
        return symbol_name(expr.name)

    def _print_Integer(self, expr: Any) -> str:
        return str(expr.p).replace("-", MINUS)

    def _print_Rational(self, expr: Rational) -> str:
        if expr.q == 1:
            return self._print_Integer(expr)
        sign = MINUS if expr.p < 0 else ""
        key = (abs(expr.p), expr.q)
        return sign + VULGAR_FRACTIONS.get(key, f"{key[0]}/{key[1]}")

    def _print_Half(self, expr: Any) -> str:
        return "½"

    def _print_Float(self, expr: Any) -> str:
        return super()._print_Float(expr).replace("-", MINUS)

    def _print_EulerGamma(self, expr: Expr) -> str:
        return "γ"

    def _print_Pi(self, expr: Expr) -> str:
        return "π"

    def _print_Exp1(self, expr: Expr) -> str:
        return "e"

    def _print_Infinity(self, expr: Expr) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr: Expr) -> str:
        return f"{MINUS}∞"

    def _print_ImaginaryUnit(self, expr: Expr) -> str:
        return "i"

    def _print_Identity(self, expr: Expr) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: Expr) -> str:
        return "0"

    def _print_Derivative(self, expr: Any) -> str:
        parts = "".join(f"∂{self._print(v)}" for v, n in expr.variable_count for _ in range(n))
        return f"∂/{parts} {self._factor(expr.expr)}"

    def _print_Indexed(self, expr: Indexed) -> str:
        base = symbol_name(str(expr.base.label))
        return base + sub_text(",".join(self._print(i) for i in expr.indices))

    def _print_IndexedBase(self, expr: Any) -> str:
        return symbol_name(str(expr.label))

    def _print_Str(self, expr: Any) -> str:
        return str(expr)

    def _print_Tuple(self, expr: Any) -> str:
        return "(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_MatrixBase(self, expr: MatrixBase) -> str:
        if expr.shape[1] == 1:
            return "(" + ", ".join(self._print(x) for x in expr) + ")ᵀ"
        rows = ("; ".join(", ".join(self._print(x) for x in row) for row in expr.tolist()),)
        return f"[{rows[0]}]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
    _print_ImmutableMatrix = _print_MatrixBase

    # -- sums ----------------------------------------------------------------
    def _print_Add(self, expr: Add, order: str | None = None) -> str:
        out: list[str] = []
        for i, (negative, text) in enumerate(signed_terms(expr, self._term)):
            if negative:
                out.append(f"{MINUS} {text}" if i else f"{MINUS}{text}")
            else:
                out.append(text if i == 0 else f"+ {text}")
        return " ".join(out)

    def _term(self, term: Expr) -> str:
        if isinstance(term, Add):
            return f"({self._print(term)})"
        return self._print(term)

    # -- products ------------------------------------------------------------
    def _print_Mul(self, expr: Mul) -> str:
        negative, magnitude = split_sign(expr)
        sign = MINUS if negative else ""
        if not isinstance(magnitude, Mul):
            return sign + self._factor(magnitude, alone=True)
        coeff, numerator, denominator = fraction_parts(magnitude)
        if not denominator and coeff.q != 1:
            # ½ log σ², ½(μ² + σ² − 1), (1/3) x
            head = self._print_Rational(coeff)
            if len(head) > 1:
                head = f"({head})"
            rest = self._product(numerator)
            gap = "" if numerator and isinstance(numerator[0], Add) else " "
            return sign + head + gap + rest
        if not denominator:
            return sign + self._product(numerator)
        top_factors = ([Rational(coeff.p)] if coeff.p != 1 else []) + [
            f for f in numerator if f != 1
        ]
        bottom_factors = ([Rational(coeff.q)] if coeff.q != 1 else []) + denominator
        top = self._product(top_factors) if top_factors else "1"
        bottom = self._product(bottom_factors)
        if len(top_factors) > 1 or (top_factors and isinstance(top_factors[0], Mul)):
            top = f"({top})"
        if len(bottom_factors) > 1 or isinstance(bottom_factors[0], Mul):
            bottom = f"({bottom})"
        return f"{sign}{top}/{bottom}"

    def _product(self, factors: list[Expr]) -> str:
        pieces: list[str] = []
        previous: Expr | None = None
        previous_text = ""
        for factor in factors:
            text = self._factor(factor)
            if previous is not None:
                if isinstance(factor, Number) or _substituted(factor) or "/" in previous_text:
                    pieces.append(" · ")
                elif isinstance(factor, Add) or (_atomic(previous) and _atomic(factor)):
                    pieces.append("")
                else:
                    pieces.append(" ")
            pieces.append(text)
            previous, previous_text = factor, text
        return "".join(pieces)

    def _factor(self, factor: Expr, alone: bool = False) -> str:
        if isinstance(factor, Bracket) and _substituted(factor) and not alone:
            return self._print(factor.args[0])  # a value just substituted: "· μ"
        if needs_brackets(factor):
            return f"({self._print(factor)})"
        return self._print(factor)

    # -- powers, roots, functions -------------------------------------------
    def _print_Pow(self, expr: Pow) -> str:
        base, e = expr.base, expr.exp
        if e == S.Half:
            return "√" + self._radicand(base)
        if isinstance(e, Number) and e.is_negative:
            if e == -1 and _is_matrix(base):
                return self._base(base) + "⁻¹"
            inverse = base if e == -1 else Pow(base, -e, evaluate=False)
            bottom = self._print(inverse)
            if isinstance(inverse, (Add, Mul)):
                bottom = f"({bottom})"
            return f"1/{bottom}"
        if base == S.Exp1:
            return "e" + self._exponent(e)
        if type(base).__name__ in ("cos", "sin") and e.is_Integer and e.is_positive:
            return self._trig(type(base).__name__, base, e)  # sin² μ
        return self._base(base) + self._exponent(e)

    def _base(self, base: Expr) -> str:
        text = self._print(base)
        if (
            isinstance(base, (Add, Mul, Pow, log, exp, MatDet))
            or (isinstance(base, Number) and (base.is_negative or not base.is_Integer))
            or "/" in text
        ):
            return f"({text})"
        return text

    def _exponent(self, e: Expr) -> str:
        text = self._print(e)
        small = superscript(text) if isinstance(e, (Number, Symbol)) else None
        if small is not None:
            return small
        if is_word(text):
            return "^" + text
        return f"^({text})"

    def _radicand(self, base: Expr) -> str:
        text = self._print(base)
        if isinstance(base, (Symbol, Number)) and (len(text) == 1 or text.isdigit()):
            return text
        return f"({text})"

    def _print_Inverse(self, expr: Any) -> str:
        return self._base(expr.arg) + "⁻¹"

    def _print_Transpose(self, expr: Any) -> str:
        return self._base(expr.arg) + "ᵀ"

    def _print_log(self, expr: log) -> str:
        arg = expr.args[0]
        text = self._print(arg)
        if (is_simple(arg) and "/" not in text) or arg is S.Pi or type(arg).__name__ == "besseli":
            return f"log {text}"
        if type(arg).__name__ in (
            "gamma",
            "factorial",
            "binomial",
            "beta",
            "VMFNormalizer",
            "SphereArea",
        ):
            return f"log {text}"  # log Γ(α), as in the LaTeX output
        return f"log({text})"

    def _print_exp(self, expr: exp) -> str:
        arg = expr.args[0]
        text = self._print(arg)
        if is_word(text) or (isinstance(arg, Symbol)) or superscript(text) is not None:
            return "e" + self._exponent(arg)
        if (
            isinstance(arg, Mul)
            and len(arg.args) == 2
            and isinstance(arg.args[0], Rational)
            and abs(arg.args[0].p) == 1
            and arg.args[0].q != 1
            and is_simple(arg.args[1])
        ):
            sign = MINUS if arg.args[0].p < 0 else ""
            return f"e^({sign}{self._print(arg.args[1])}/{arg.args[0].q})"
        if isinstance(arg, Mul) and len(text) <= 8 and " " not in text:
            return f"e^({text})"
        return f"exp({text})"

    def _print_Function(self, expr: Any) -> str:
        name = expr.func.__name__
        if isinstance(expr, AppliedUndef) and len(expr.args) == 1:
            (arg,) = expr.args
            if isinstance(arg, Indexed) and f"{name}[]" in self._functions:
                index = self._print(arg.indices[0])
                return latex_to_unicode(self._functions[f"{name}[]"] % (index, index))
            if name in self._functions:
                return latex_to_unicode(self._functions[name])
        args = ", ".join(self._print(a) for a in expr.args)
        return f"{symbol_name(name)}({args})"

    def _print_Abs(self, expr: Any) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_factorial(self, expr: Any) -> str:
        return self._base(expr.args[0]) + "!"

    def _print_gamma(self, expr: Any) -> str:
        return f"Γ({self._print(expr.args[0])})"

    def _print_loggamma(self, expr: Any) -> str:
        return f"log Γ({self._print(expr.args[0])})"

    def _print_digamma(self, expr: Any) -> str:
        return f"ψ({self._print(expr.args[0])})"

    def _print_polygamma(self, expr: Any) -> str:
        n, x = expr.args
        if n == 0:
            return f"ψ({self._print(x)})"
        if n == 1:
            return f"ψ′({self._print(x)})"
        return f"ψ{sup_text(self._print(n))}({self._print(x)})"

    def _print_besseli(self, expr: Any) -> str:
        order, arg = expr.args
        return f"I{sub_text(self._print(order))}({self._print(arg)})"

    def _trig(self, name: str, expr: Any, power: Expr | None = None) -> str:
        """``cos μ``, ``cos(z − μ)``, ``sin² μ``."""
        arg = expr.args[0]
        head = name if power is None else name + self._exponent(power)
        if is_simple(arg):
            return f"{head} {self._print(arg)}"
        return f"{head}({self._print(arg)})"

    def _print_cos(self, expr: Any) -> str:
        return self._trig("cos", expr)

    def _print_sin(self, expr: Any) -> str:
        return self._trig("sin", expr)

    def _print_MultiGamma(self, expr: Any) -> str:
        a, p = expr.args
        return f"Γ{sub_or_plain(self._print(p))}({self._print(a)})"

    def _print_MultiDigamma(self, expr: Any) -> str:
        a, p = expr.args
        return f"ψ{sub_or_plain(self._print(p))}({self._print(a)})"

    def _vector_name(self, v: Any) -> str:
        if hasattr(v, "name"):  # a name, or a matrix symbol of size p x 1
            return symbol_name(str(v.name))
        return "(" + ", ".join(self._print(x) for x in v.args) + ")"

    def _print_Inner(self, expr: Any) -> str:
        a, b = expr.args
        return f"{self._vector_name(a)}ᵀ{self._vector_name(b)}"

    def _print_VMFNormalizer(self, expr: Any) -> str:
        p, kappa = expr.args
        return f"C{sub_or_plain(self._print(p))}({self._print(kappa)})"

    def _print_MeanResultant(self, expr: Any) -> str:
        p, kappa = expr.args
        return f"A{sub_or_plain(self._print(p))}({self._print(kappa)})"

    def _print_SphereArea(self, expr: Any) -> str:
        (p,) = expr.args
        power = self._print(p - 1) if p.is_Integer else f"{self._print(p)}{MINUS}1"
        raised = superscript(power)
        return f"|S{raised}|" if raised is not None else f"|S^({power})|"

    def _print_beta(self, expr: Any) -> str:
        return "B(" + ", ".join(self._print(a) for a in expr.args) + ")"

    #: the words inside formulas (see :data:`~kl_derive.printing.conditions.ENGLISH`)
    words: Mapping[str, str] = ENGLISH


def _is_matrix(e: Expr) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _substituted(e: Expr) -> bool:
    return isinstance(e, Bracket) and isinstance(e.args[0], (Symbol, Number))


def _atomic(e: Expr) -> bool:
    """A factor written next to another without a space: 2, π, σ², μⱼ."""
    if isinstance(e, Pow):
        e = e.base if e.exp.is_Integer and e.exp.is_positive else e
    if isinstance(e, Mul):
        return all(map(_atomic, e.args))
    return (
        isinstance(e, (Symbol, Indexed)) or (isinstance(e, Number) and e.is_Integer) or (e is S.Pi)
    )


def _pack(pieces: list[str], budget: float) -> list[str]:
    lines: list[str] = []
    for piece in pieces:
        if lines and text_width(lines[-1] + " " + piece) <= budget:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


# ---------------------------------------------------------------------------
# fixed LaTeX snippets
# ---------------------------------------------------------------------------


_DEFAULT = UnicodePrinter()


def unicode(expr: Expr, functions: Mapping[str, str] | None = None) -> str:
    """Print ``expr`` with :class:`UnicodePrinter`."""
    printer = UnicodePrinter(functions) if functions else _DEFAULT
    return printer.doprint(expr)
