"""Builders for *display* expressions: SymPy trees kept in the order a person writes them.

SymPy normally evaluates ``Rational(1, 2) * (a + b)`` into ``a/2 + b/2`` and sorts the
terms of every sum. A derivation must show ``\\frac{1}{2}(a + b)`` and ``z^2 + z + 1`` in
that order, so display expressions are built here with ``evaluate=False``. The builders
fold the trivial cases (``x + 0``, ``1 \\cdot x``, ``x^1``) so that specialising a general
formula to numbers, such as the standard normal's ``mu = 0, sigma = 1``, reads naturally.

Conventions the LaTeX printer relies on:

* an :class:`~sympy.core.add.Add` directly inside another Add is printed in parentheses,
  so :func:`group` is how a step keeps a bracketed sum visible;
* factors of a :class:`~sympy.core.mul.Mul` are printed in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sympy import (
    Abs,
    Add,
    Basic,
    Expr,
    Function,
    Integer,
    Mul,
    Number,
    Piecewise,
    Pow,
    Rational,
    S,
    Symbol,
    cos,
    exp,
    log,
    sin,
    sympify,
)

__all__ = [
    "add",
    "display_form",
    "div",
    "evaluate",
    "expo",
    "group",
    "hand_order",
    "ln",
    "mul",
    "neg",
    "power",
    "root",
    "square",
    "sub",
    "substitute",
    "times_one",
]


def _s(x: object) -> Expr:
    return x if isinstance(x, Basic) else sympify(x)


def add(*terms: object, flatten: bool = True) -> Expr:
    """A sum kept in the given order; zeros dropped, nested sums flattened unless asked."""
    out: list[Expr] = []
    for term in map(_s, terms):
        if term == 0:
            continue
        if flatten and isinstance(term, Add):
            out.extend(term.args)
        else:
            out.append(term)
    if not out:
        return S.Zero
    if len(out) == 1:
        return out[0]
    return Add(*out, evaluate=False)


def group(*terms: object) -> Expr:
    """A sum that is printed in parentheses when it stands inside another sum."""
    return add(*terms)


def sub(a: object, b: object) -> Expr:
    """``a - b`` in display form (zero when the two are the same)."""
    if _s(a) == _s(b):
        return S.Zero
    return add(a, neg(b))


def neg(x: object) -> Expr:
    """``-x``, flipping a leading numeric factor instead of stacking minus signs."""
    x = _s(x)
    if isinstance(x, Number):
        return -x
    if isinstance(x, Mul) and isinstance(x.args[0], Number):
        coeff, rest = x.args[0], x.args[1:]
        if coeff == -1:
            return rest[0] if len(rest) == 1 else Mul(*rest, evaluate=False)
        return Mul(-coeff, *rest, evaluate=False)
    return Mul(S.NegativeOne, x, evaluate=False)


def mul(*factors: object) -> Expr:
    """A product kept in the given order; ones dropped, a zero factor gives zero."""
    coeff: Expr = S.One
    out: list[Expr] = []
    for f in map(_s, factors):
        parts = f.args if isinstance(f, Mul) and not _is_fraction(f) else (f,)
        for part in parts:
            if isinstance(part, Number):
                coeff *= part
            else:
                out.append(part)
    if coeff == 0:
        return S.Zero
    if coeff != 1:
        out.insert(0, coeff)
    if not out:
        return S.One
    if len(out) == 1:
        return out[0]
    if out[0] == -1:
        return neg(mul(*out[1:]))
    return Mul(*out, evaluate=False)


def _is_fraction(e: Expr) -> bool:
    return any(isinstance(f, Pow) and f.exp.is_negative for f in e.args)


def times_one(x: object) -> Expr:
    """``x \\cdot 1``: a product with one kept, to show a factor that has just become 1."""
    x = _s(x)
    factors = x.args if isinstance(x, Mul) and not _is_fraction(x) else (x,)
    return Mul(*factors, S.One, evaluate=False)


def div(numerator: object, denominator: object) -> Expr:
    """``numerator / denominator`` as a fraction, unless the denominator is one."""
    n, d = _s(numerator), _s(denominator)
    if d == 1:
        return n
    if n == d:
        return S.One
    if isinstance(n, Number) and isinstance(d, Number):
        return n / d
    return Mul(n, Pow(d, S.NegativeOne, evaluate=False), evaluate=False)


def power(base: object, exponent: object) -> Expr:
    """``base ** exponent``; numbers are evaluated, ``x^1`` is ``x``."""
    b, e = _s(base), _s(exponent)
    if e == 1:
        return b
    if e == 0:
        return S.One
    if isinstance(b, Number) and isinstance(e, Number):
        return b**e
    return Pow(b, e, evaluate=False)


def square(x: object) -> Expr:
    """``x^2``."""
    return power(x, 2)


def root(x: object) -> Expr:
    """``\\sqrt{x}`` kept as written (``sqrt(2*pi*sigma**2)`` is not split up)."""
    x = _s(x)
    if x == 1:
        return S.One
    return Pow(x, S.Half, evaluate=False)


def ln(x: object) -> Expr:
    """``\\log x`` unevaluated (``log(sigma**2)`` is not turned into ``2 log(sigma)``)."""
    x = _s(x)
    if x == 1:
        return S.Zero
    return log(x, evaluate=False)


def expo(x: object) -> Expr:
    """``\\exp(x)`` unevaluated."""
    x = _s(x)
    if x == 0:
        return S.One
    return exp(x, evaluate=False)


def substitute(expr: Expr, mapping: dict) -> Expr:
    """Replace subexpressions of a display expression without evaluating the rest."""
    if expr in mapping:
        return mapping[expr]
    if expr.is_Atom or not expr.args:
        return expr
    args = [substitute(a, mapping) for a in expr.args]
    # cosines and sines too: SymPy's own evaluation of cos(a + b - c) on an unevaluated
    # sum can drop terms (cos(1/2 + 2 pi - 1/2) became cos(1/2))
    if isinstance(expr, (Add, Mul, Pow, log, exp, cos, sin)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def evaluate(expr: Expr) -> Expr:
    """The ordinary SymPy value of a display expression.

    Every node is rebuilt with SymPy's usual evaluation; integrals and expectations stay
    unevaluated, :class:`~kl_derive.symbolic.objects.Bracket` disappears, and
    :class:`~kl_derive.symbolic.objects.Between` becomes the difference it stands for.
    """
    if not isinstance(expr, Basic):
        return sympify(expr)
    return _rebuild(expr)


@lru_cache(maxsize=4096)
def _rebuild(expr: Basic) -> Basic:
    if expr.is_Atom or not expr.args:
        return expr
    args = [_rebuild(a) for a in expr.args]
    if type(expr).__name__ == "Bracket":
        return args[0]
    if type(expr).__name__ == "OnSupport":  # f on its support, 0 elsewhere
        value, condition = args
        return Piecewise((value, condition), (S.Zero, True))
    if type(expr).__name__ == "Between":  # [F(z)]_a^b = F(b) - F(a)
        antiderivative, variable, lower, upper = args
        return antiderivative.subs(variable, upper) - antiderivative.subs(variable, lower)
    return expr.func(*args)


# ---------------------------------------------------------------------------
# Ordering evaluated expressions the way a person writes them.
# ---------------------------------------------------------------------------


def _degree(term: Expr, variables: Iterable[Symbol]) -> int:
    total = 0
    for factor in Mul.make_args(term):
        base, exponent = factor.as_base_exp()
        if base in variables and isinstance(exponent, Integer):
            total += int(exponent)
    return total


def _term_key(term: Expr, variable: Symbol | None) -> tuple:
    _coeff, rest = term.as_coeff_Mul()
    if rest == 1:  # a plain number goes last
        return (3, 0, 0, "")
    has_function = bool(rest.atoms(Function))
    if variable is not None and rest.has(variable):
        return (0, -_degree(rest, (variable,)), 0, str(rest))
    symbols = sorted(rest.free_symbols, key=str)
    rank = 2 if has_function else 1
    negative = 1 if _coeff.is_negative else 0  # between equals, positive terms first
    return (rank, -_degree(rest, symbols), negative, str(rest))


def hand_order(expr: Expr, variable: Symbol | None = None) -> Expr:
    """Rebuild a sum with its terms in hand-written order.

    Powers of ``variable`` first (highest degree first), then polynomial terms in the
    parameters (highest degree first, then by name), then terms with functions such as
    ``log``, and the constant last: ``mu**2 + sigma**2 - log(sigma**2) - 1``.
    """
    expr = _s(expr)
    if not isinstance(expr, Add):
        return expr
    terms = sorted(expr.args, key=lambda t: _term_key(t, variable))
    if (
        terms[-1].is_Number
        and terms[-1].is_positive
        and all(t.could_extract_minus_sign() for t in terms[:-1])
    ):
        terms = [terms[-1], *terms[:-1]]  # 1 - z, 1 - alpha: the number leads a difference
    return Add(*[_tidy_term(t) for t in terms], evaluate=False)


def display_form(expr: Expr, variable: Symbol | None = None) -> Expr:
    """An evaluated expression made presentable: every sum in hand-written order.

    A sum with no symbols at all is written with its positive terms first
    (``2 - log(2)``, ``log(2) - 1/4``).
    """
    expr = _s(expr)
    if expr.is_Atom or not expr.args:
        return expr
    if isinstance(expr, Add):
        if not expr.free_symbols:
            terms = sorted(
                expr.args, key=lambda t: (t.could_extract_minus_sign(), not t.is_Rational)
            )
            return Add(*[display_form(t) for t in terms], evaluate=False)
        ordered = hand_order(expr, variable)
        return Add(*[display_form(t, variable) for t in ordered.args], evaluate=False)
    if isinstance(expr, Abs):
        return _abs_form(expr.args[0], variable)
    args = [display_form(a, variable) for a in expr.args]
    if isinstance(expr, (Mul, Pow, log, exp, cos, sin)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def _abs_form(arg: Expr, variable: Symbol | None) -> Expr:
    """``|z - a|`` rather than ``|a - z|``: the variable first, with a plus sign."""
    names = {"z", "k"} if variable is None else {variable.name}
    for term in Add.make_args(arg):
        coeff, rest = term.as_coeff_Mul()
        if isinstance(rest, Symbol) and rest.name in names and coeff.is_negative:
            arg = -arg
            break
    return Abs(hand_order(arg, _named(arg, names)), evaluate=False)


def _named(arg: Expr, names: set[str]) -> Symbol | None:
    for s in arg.free_symbols:
        if s.name in names:
            return s
    return None


def _tidy_term(term: Expr) -> Expr:
    """Put a term's numeric coefficient in front (``-2*mu*z`` rather than ``mu*z*(-2)``)."""
    coeff, rest = term.as_coeff_Mul()
    if rest == 1 or coeff == 1:
        return term
    if coeff == -1:
        return neg(rest)
    if isinstance(coeff, Rational) and coeff.q != 1:
        return term  # the printer writes p/q coefficients as a fraction of the term
    return Mul(coeff, rest, evaluate=False)
