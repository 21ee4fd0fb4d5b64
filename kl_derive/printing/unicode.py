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

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sympy import (
    Add,
    Expr,
    Identity,
    Indexed,
    Integral,
    MatrixBase,
    Mul,
    Number,
    Piecewise,
    Pow,
    Rational,
    S,
    Symbol,
    ZeroMatrix,
    exp,
    log,
)
from sympy.core.function import AppliedUndef
from sympy.printing.conventions import split_super_sub
from sympy.printing.pretty.pretty_symbology import greek_unicode
from sympy.printing.str import StrPrinter

from ..symbolic.matrices import MatDet
from ..symbolic.objects import KL, Between, Bracket, Expect
from .conditions import ENGLISH, as_bounds
from .latex import _is_inverse, _split_sign

__all__ = ["UnicodePrinter", "kl_unicode", "latex_to_unicode", "text_width", "unicode"]

MINUS = "\N{MINUS SIGN}"

_SUPERSCRIPT = dict(
    zip(
        "0123456789+-=()nidTjkt",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵈᵀʲᵏᵗ",
        strict=True,
    )
)
_SUPERSCRIPT[MINUS] = "⁻"
_SUBSCRIPT = dict(
    zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUBSCRIPT[MINUS] = "₋"
_FRACTIONS = {(1, 2): "½", (1, 3): "⅓", (2, 3): "⅔", (1, 4): "¼", (3, 4): "¾", (1, 8): "⅛"}
_GREEK = {name: greek_unicode[name] for name in greek_unicode}
_GREEK.update({"epsilon": "ε", "varepsilon": "ε", "varphi": "φ", "phi": "φ", "vartheta": "ϑ"})


def superscript(text: str) -> str | None:
    """``text`` in superscript characters, or ``None`` when Unicode lacks one of them."""
    out = [_SUPERSCRIPT.get(c) for c in text.replace(" ", "")]
    return "".join(out) if out and all(out) else None  # type: ignore[arg-type]


def subscript(text: str) -> str | None:
    """``text`` in subscript characters, or ``None`` when Unicode lacks one of them."""
    out = [_SUBSCRIPT.get(c) for c in text.replace(" ", "")]
    return "".join(out) if out and all(out) else None  # type: ignore[arg-type]


def _sup(text: str) -> str:
    small = superscript(text)
    if small is not None:
        return small
    return "^" + (text if _is_word(text) else f"({text})")


def _sub(text: str) -> str:
    small = subscript(text)
    if small is not None:
        return small
    return "_" + (text if _is_word(text) else f"({text})")


def _is_word(text: str) -> bool:
    """A number, or a name (not starting with a digit): it can follow ``^`` or ``_`` bare
    (``e^st``); ``2s`` cannot, since ``e^2s`` reads as ``e^2 s``."""
    return bool(re.fullmatch(r"\d+|[^\W\d]\w*", text))


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (East Asian wide characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def symbol_name(name: str) -> str:
    """``mu1`` -> ``μ₁``, ``Sigma_2`` -> ``Σ₂``, ``logvar`` -> ``logvar``."""
    base, sups, subs = split_super_sub(name)
    text = _GREEK.get(base, base)
    for s in subs:
        text += _sub(_GREEK.get(s, s))
    for s in sups:
        text += _sup(_GREEK.get(s, s))
    return text


def kl_unicode(left: str, right: str) -> str:
    """``D_KL(left ‖ right)``."""
    return f"D_KL({left} ‖ {right})"


class UnicodePrinter(StrPrinter):
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
                negative, magnitude = _split_sign(term)
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
        return sign + _FRACTIONS.get(key, f"{key[0]}/{key[1]}")

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

    def _print_Indexed(self, expr: Indexed) -> str:
        base = symbol_name(str(expr.base.label))
        return base + _sub(",".join(self._print(i) for i in expr.indices))

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
        for i, term in enumerate(expr.args):
            negative, magnitude = _split_sign(term)
            text = self._term(magnitude)
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
        negative, magnitude = _split_sign(expr)
        sign = MINUS if negative else ""
        if not isinstance(magnitude, Mul):
            return sign + self._factor(magnitude, alone=True)
        coeff: Rational = S.One
        numerator: list[Expr] = []
        denominator: list[Expr] = []
        for factor in magnitude.args:
            if isinstance(factor, Rational) and factor.q != 1 and not numerator and coeff == 1:
                coeff = factor
            elif _is_inverse(factor):
                if factor.exp == -1 and _has_inverse(factor.base):
                    denominator.append(factor.base)  # a fraction over a fraction
                elif factor.exp == -1:
                    denominator.extend(Mul.make_args(factor.base))
                else:
                    denominator.append(Pow(factor.base, -factor.exp, evaluate=False))
            else:
                numerator.append(factor)
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
        if isinstance(factor, Add):
            return f"({self._print(factor)})"
        if isinstance(factor, Number) and factor.is_negative:
            return f"({self._print(factor)})"
        if isinstance(factor, Mul) and _split_sign(factor)[0]:
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
        if _is_word(text):
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
        if (_is_simple(arg) and "/" not in text) or arg is S.Pi or type(arg).__name__ == "besseli":
            return f"log {text}"
        if type(arg).__name__ in ("gamma", "factorial", "binomial", "beta"):
            return f"log {text}"  # log Γ(α), as in the LaTeX output
        return f"log({text})"

    def _print_exp(self, expr: exp) -> str:
        arg = expr.args[0]
        text = self._print(arg)
        if _is_word(text) or (isinstance(arg, Symbol)) or superscript(text) is not None:
            return "e" + self._exponent(arg)
        if (
            isinstance(arg, Mul)
            and len(arg.args) == 2
            and isinstance(arg.args[0], Rational)
            and abs(arg.args[0].p) == 1
            and arg.args[0].q != 1
            and _is_simple(arg.args[1])
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
        return f"ψ{_sup(self._print(n))}({self._print(x)})"

    def _print_besseli(self, expr: Any) -> str:
        order, arg = expr.args
        return f"I{_sub(self._print(order))}({self._print(arg)})"

    def _trig(self, name: str, expr: Any, power: Expr | None = None) -> str:
        """``cos μ``, ``cos(z − μ)``, ``sin² μ``."""
        arg = expr.args[0]
        head = name if power is None else name + self._exponent(power)
        if _is_simple(arg):
            return f"{head} {self._print(arg)}"
        return f"{head}({self._print(arg)})"

    def _print_cos(self, expr: Any) -> str:
        return self._trig("cos", expr)

    def _print_sin(self, expr: Any) -> str:
        return self._trig("sin", expr)

    def _print_MultiGamma(self, expr: Any) -> str:
        a, p = expr.args
        return f"Γ{_sub_or_plain(self._print(p))}({self._print(a)})"

    def _print_MultiDigamma(self, expr: Any) -> str:
        a, p = expr.args
        return f"ψ{_sub_or_plain(self._print(p))}({self._print(a)})"

    def _print_beta(self, expr: Any) -> str:
        return "B(" + ", ".join(self._print(a) for a in expr.args) + ")"

    #: the words inside formulas (see :data:`~kl_derive.printing.conditions.ENGLISH`)
    words: Mapping[str, str] = ENGLISH

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

    def _print_And(self, expr: Any) -> str:
        bounds = as_bounds(expr)
        if bounds is not None:
            lower, low, variable, high, upper = bounds
            ops = {"<=": "≤", "<": "<"}
            parts = (self._print(lower), ops[low], self._print(variable), ops[high])
            return " ".join((*parts, self._print(upper)))
        return self.words["and"].join(self._print(a) for a in expr.args)

    def _print_OnSupport(self, expr: Any) -> str:
        value, condition = expr.args
        return self._print(Piecewise((value, condition), (0, True), evaluate=False))

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(self._print(a) for a in expr.args)

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
        (variable, lower, upper) = expr.limits[0]
        body = self._term(integrand)
        head = "∫"
        if (lower, upper) != (S.NegativeInfinity, S.Infinity):
            head = f"∫{_sub(self._print(lower))}{_sup(self._print(upper))}"
        return f"{head} {body} d{self._print(variable)}"

    def _print_Expect(self, expr: Expect) -> str:
        body = f"[{self._print(expr.args[0])}]"
        if self._expect_subscripts:
            density = self._print(expr.args[1])
            return "𝔼" + _sub_or_plain(density) + body
        return "𝔼" + body

    def _print_Sum(self, expr: Any) -> str:
        return self._big("Σ", expr)

    def _print_Product(self, expr: Any) -> str:
        return self._big("∏", expr)

    def _big(self, sign: str, expr: Any) -> str:
        ((index, lower, upper),) = expr.limits
        body = self._print(expr.function)
        if isinstance(expr.function, Add) or _split_sign(expr.function)[0]:
            body = f"({body})"
        limits = f"{self._print(index)}={self._print(lower)}"
        return f"{sign}{_sub(limits)}{_sup(self._print(upper))} {body}"

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
        return " ".join(self._base(a) for a in expr.args)

    def _print_Bracket(self, expr: Bracket) -> str:
        return f"({self._print(expr.args[0])})"

    def _print_Between(self, expr: Between) -> str:
        antiderivative, _variable, lower, upper = expr.args
        body = self._print(antiderivative)
        return f"[{body}]{_sub(self._print(lower))}{_sup(self._print(upper))}"

    def _print_KL(self, expr: KL) -> str:
        q, p = expr.args
        return kl_unicode(self._print(q), self._print(p))

    def _print_Entropy(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])})"

    def _print_CrossEntropy(self, expr: Any) -> str:
        return f"H({self._print(expr.args[0])}, {self._print(expr.args[1])})"


def _sub_or_plain(text: str) -> str:
    small = subscript(text)
    return small if small is not None else f"_{text}"


def _is_matrix(e: Expr) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _is_simple(e: Expr) -> bool:
    """Short enough to follow ``log`` without brackets."""
    if isinstance(e, (Symbol, AppliedUndef, Indexed, MatDet)):
        return True
    if isinstance(e, Number):
        return bool(e.is_positive and e.is_Integer)
    if isinstance(e, Pow):
        return isinstance(e.base, (Symbol, Indexed)) and e.exp.is_Integer and e.exp.is_positive
    return False


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


def _has_inverse(e: Expr) -> bool:
    return isinstance(e, Mul) and any(_is_inverse(f) for f in e.args)


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

_COMMANDS = {
    r"\parallel": "‖",
    r"\|": "‖",
    r"\mid": "|",
    r"\cdot": "·",
    r"\infty": "∞",
    r"\int": "∫",
    r"\sum": "Σ",
    r"\prod": "∏",
    r"\log": "log",
    r"\exp": "exp",
    r"\det": "det",
    r"\partial": "∂",
    r"\to": "→",
    r"\le": "≤",
    r"\ge": "≥",
    r"\neq": "≠",
    r"\approx": "≈",
    r"\sim": "∼",
    r"\,": " ",
    r"\;": " ",
    r"\:": " ",
    r"\!": "",
    r"\ ": " ",
    r"\quad": "  ",
    r"\qquad": "    ",
    r"\left": "",
    r"\right": "",
    r"\middle": "",
    r"\Bigl": "",
    r"\Bigr": "",
    r"\bigl": "",
    r"\bigr": "",
    r"\displaystyle": "",
    r"\textstyle": "",
    r"\langle": "⟨",
    r"\rangle": "⟩",
    r"\lvert": "|",
    r"\rvert": "|",
    r"\dots": "…",
    r"\ldots": "…",
    r"\cdots": "⋯",
    r"\times": "×",
    r"\in": "∈",
    r"\nabla": "∇",
    r"\ne": "≠",
    r"\mapsto": "↦",
    r"\implies": "⟹",
}
_WRAPPERS = {
    r"\mathrm": lambda s: s,
    r"\operatorname": lambda s: s,
    r"\text": lambda s: s,
    r"\boldsymbol": lambda s: s,
    r"\mathbf": lambda s: s,
    r"\mathcal": lambda s: {"N": "𝒩", "W": "𝒲"}.get(s, s),
    r"\mathbb": lambda s: {"E": "𝔼", "R": "ℝ"}.get(s, s),
}


def _group(text: str, i: int) -> tuple[str, int]:
    """The argument starting at ``text[i]`` (a brace group, a command or one character)."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] == "{":
        depth = 0
        for j in range(i, len(text)):
            if text[j] == "\\":
                continue
            if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
                depth += 1
            elif text[j] == "}" and text[j - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return text[i + 1 : j], j + 1
        return text[i + 1 :], len(text)
    if text[i] == "\\":
        match = re.match(r"\\([A-Za-z]+|.)", text[i:])
        assert match is not None
        return match.group(0), i + len(match.group(0))
    return text[i], i + 1


def _compound(text: str) -> bool:
    return bool(re.search(r"[ +\-−·/]", text.strip()))


def latex_to_unicode(latex: str) -> str:
    """A short LaTeX formula (an identity, a density's name, a family's notation) in
    Unicode: ``\\log (1/a) = -\\log a`` -> ``log (1/a) = −log a``. Expressions are printed
    by :class:`UnicodePrinter`; this is only for the fixed snippets."""
    out: list[str] = []
    i = 0
    while i < len(latex):
        c = latex[i]
        if c == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[i:])
            assert match is not None
            command = match.group(0)
            i += len(command)
            if command in (r"\frac", r"\tfrac", r"\dfrac"):
                top, i = _group(latex, i)
                bottom, i = _group(latex, i)
                top, bottom = latex_to_unicode(top), latex_to_unicode(bottom)
                if top.isdigit() and bottom.isdigit() and (int(top), int(bottom)) in _FRACTIONS:
                    out.append(_FRACTIONS[int(top), int(bottom)])
                    continue
                top = f"({top})" if _compound(top) else top
                bottom = f"({bottom})" if _compound(bottom) else bottom
                out.append(f"{top}/{bottom}")
            elif command == r"\sqrt":
                inner, i = _group(latex, i)
                inner = latex_to_unicode(inner)
                out.append("√" + (inner if len(inner) == 1 or inner.isdigit() else f"({inner})"))
            elif command in _WRAPPERS:
                inner, i = _group(latex, i)
                out.append(_WRAPPERS[command](latex_to_unicode(inner)))
            elif command in _COMMANDS:
                out.append(_COMMANDS[command])
            elif command in (r"\textcolor", r"\color"):
                _, i = _group(latex, i)
            elif command[1:] in _GREEK:
                out.append(_GREEK[command[1:]])
            elif command in (r"\{", r"\}", r"\(", r"\)"):
                out.append(command[1])
            else:
                out.append(command[1:])
        elif c in "^_" and latex[i + 1 : i + 2] == "(":
            out.append(c)  # text already written out: e^(2s) stays as it is
            i += 1
        elif c in "^_":
            inner, i = _group(latex, i + 1)
            if inner in _WRAPPERS:  # e^\boldsymbol{logvar}: the command and its argument
                argument, i = _group(latex, i)
                inner = f"{inner}{{{argument}}}"
            inner = latex_to_unicode(inner)
            if inner == "-1" or inner == f"{MINUS}1":
                out.append("⁻¹")
            else:
                out.append(_sup(inner) if c == "^" else _sub(inner))
        elif c in "{}":
            i += 1
        elif c == "-":
            out.append(MINUS)
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out)) if "  " not in latex else "".join(out)


_DEFAULT = UnicodePrinter()


def unicode(expr: Expr, functions: Mapping[str, str] | None = None) -> str:
    """Print ``expr`` with :class:`UnicodePrinter`."""
    printer = UnicodePrinter(functions) if functions else _DEFAULT
    return printer.doprint(expr)
