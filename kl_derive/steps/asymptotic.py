r"""Limits at an end of a support from the leading term, without SymPy's ``limit()``.

Deciding whether a mean is infinite takes a few limits of ``h``, ``w h q`` and the like as
``t -> 0+`` (``z = e + t`` at a finite end, ``z = 1/t`` at an infinite one). With the
parameters given as numbers these expressions are sums, products, powers, exponentials,
logarithms and absolute values of the variable, and their leading term decides the limit.
:func:`leading_limit` computes that term exactly,

.. math:: f(t) = c\, e^{E(1/t)}\, t^{a} (\log t)^{b}\, (1 + o(1)),

with ``c`` a nonzero number, ``E`` a polynomial in (rational powers of) ``1/t`` without a
constant term, ``a`` a rational and ``b`` an integer, by the rules of the leading term of a
sum (the dominant scale; coefficients on one scale added), a product, a power (of a
positive leading term), ``exp`` (of a polynomial part plus a vanishing rest) and ``log``.
Whenever a rule does not apply -- a function it does not know, leading terms that cancel,
a sign it cannot read from 30 digits, a parameter left as a symbol -- it answers ``None``
and the caller falls back on ``limit()``. It never guesses: every answer is the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Abs, Add, Expr, Mul, Pow, Rational, S, Symbol, exp, expand, log, oo

__all__ = ["leading_limit"]

#: a number whose 30-digit value is smaller than this is not told apart from zero
_TINY = 1e-20


class _Unknown(Exception):
    """The leading term is not found by these rules."""


@dataclass(frozen=True)
class _Lead:
    """``c e^{E} t^a (log t)^b``; ``E`` maps exponents k < 0 of t to their coefficients."""

    c: Expr
    e: tuple[tuple[Rational, Expr], ...]
    a: Rational
    b: int

    @property
    def sign(self) -> int:
        return _sign(self.c) * (-1) ** self.b


def _sign(c: Expr) -> int:
    value = complex(c.evalf(30))
    if abs(value.imag) > _TINY * (1 + abs(value.real)) or abs(value.real) < _TINY:
        raise _Unknown(c)
    return 1 if value.real > 0 else -1


def _constant(c: Expr) -> _Lead:
    _sign(c)  # nonzero and real
    return _Lead(c, (), S.Zero, 0)


def _add_e(x: dict, y: tuple, scale: Expr = S.One) -> dict:
    out = dict(x)
    for k, v in y:
        out[k] = out.get(k, S.Zero) + scale * v
    return {k: v for k, v in out.items() if v != 0}


def _frozen(e: dict) -> tuple:
    return tuple(sorted(e.items()))


def _compare(x: _Lead, y: _Lead) -> int:
    """``1`` when ``x`` outgrows ``y``, ``-1`` when ``y`` does, ``0`` on one scale."""
    difference = _add_e(dict(x.e), y.e, S.NegativeOne)
    for k in sorted(difference):  # the most negative power of t leads
        return _sign(difference[k])
    if x.a != y.a:
        return 1 if x.a < y.a else -1
    if x.b != y.b:
        return 1 if x.b > y.b else -1
    return 0


def _lead(f: Expr, t: Symbol) -> _Lead:
    if not f.has(t):
        return _constant(f)
    if f == t:
        return _Lead(S.One, (), S.One, 0)
    if isinstance(f, Add):
        return _lead_sum([_lead(a, t) for a in f.args])
    if isinstance(f, Mul):
        c, e, a, b = S.One, {}, S.Zero, 0
        for factor in f.args:
            x = _lead(factor, t)
            c, e, a, b = c * x.c, _add_e(e, x.e), a + x.a, b + x.b
        return _Lead(c, _frozen(e), a, b)
    if isinstance(f, Pow):
        if f.base == S.Exp1:
            return _lead_exp(f.exp, t)
        n = f.exp
        if n.has(t) and not f.base.has(t) and _sign(f.base) > 0:
            return _lead_exp(n * log(f.base), t)  # 2^z
        if n.has(t) or not n.is_Rational:
            raise _Unknown(f)
        x = _lead(f.base, t)
        if not n.is_Integer and (x.b != 0 or _sign(x.c) < 0):
            raise _Unknown(f)  # a power of a negative leading term: a branch
        return _Lead(x.c**n, _frozen(_add_e({}, x.e, n)), x.a * n, int(x.b * n))
    if isinstance(f, exp):
        return _lead_exp(f.args[0], t)
    if isinstance(f, log):
        x = _lead(f.args[0], t)
        if x.c == 1 and not x.e and x.a == 0 and x.b == 0:
            return _lead(expand(f.args[0] - 1), t)  # log(1 + u) = u (1 + o(1)), u -> 0
        return _lead_log(x)
    if isinstance(f, Abs):
        x = _lead(f.args[0], t)
        return _Lead(x.c * x.sign, x.e, x.a, x.b)
    raise _Unknown(f)


def _lead_sum(terms: list[_Lead]) -> _Lead:
    top = terms[0]
    same = [top]
    for x in terms[1:]:
        order = _compare(x, top)
        if order > 0:
            top, same = x, [x]
        elif order == 0:
            same.append(x)
    c = Add(*(x.c for x in same))
    _sign(c)  # leading terms that cancel (or may): not decided here
    return _Lead(c, top.e, top.a, top.b)


def _lead_exp(g: Expr, t: Symbol) -> _Lead:
    """``exp(g)``: ``g`` split into its polynomial part in ``1/t``, a constant, and a rest
    that tends to 0 (``e^{rest} = 1 + o(1)``)."""
    e: dict = {}
    constant = S.Zero
    for term in Add.make_args(expand(_absolute_values_resolved(g, t))):
        coefficient, power = _monomial(term, t)
        if power is not None and power < 0:
            e[power] = e.get(power, S.Zero) + coefficient
        elif power == 0:
            constant += coefficient
        else:
            x = _lead(term, t)  # must vanish
            if x.e:
                if _sign(_add_e({}, x.e)[min(k for k, _ in x.e)]) > 0:
                    raise _Unknown(term)
            elif x.a < 0 or (x.a == 0 and x.b >= 0):
                raise _Unknown(term)
    return _Lead(exp(constant), _frozen({k: v for k, v in e.items() if v != 0}), S.Zero, 0)


def _monomial(term: Expr, t: Symbol) -> tuple[Expr, Rational | None]:
    """``(c, k)`` when ``term`` is ``c t^k`` with a rational ``k``, else ``(term, None)``."""
    coefficient, rest = term.as_independent(t, as_Add=False)
    if rest == 1:
        return coefficient, S.Zero
    if rest == t:
        return coefficient, S.One
    if isinstance(rest, Pow) and rest.base == t and rest.exp.is_Rational:
        return coefficient, rest.exp
    return term, None


def _absolute_values_resolved(g: Expr, t: Symbol) -> Expr:
    """``g`` with each ``|u|`` written ``u`` or ``-u``, by the sign ``u`` keeps near the end."""
    found = sorted(g.atoms(Abs), key=lambda a: a.count_ops())
    if not found:
        return g
    return g.xreplace({a: _lead(a.args[0], t).sign * a.args[0] for a in found if a.has(t)})


def _lead_log(x: _Lead) -> _Lead:
    if _sign(x.c) < 0 or x.b != 0:
        raise _Unknown(x)  # a logarithm of a negative number, or log log t
    if x.e:
        k = min(k for k, _ in x.e)
        return _Lead(dict(x.e)[k], (), k, 0)
    if x.a != 0:
        return _Lead(x.a, (), S.Zero, 1)
    return _constant(log(x.c))  # log c = 0 would need the next term: refused


def leading_limit(f: Expr, t: Symbol) -> Expr | None:
    """The limit of ``f`` as ``t -> 0+`` read from its leading term (``oo``, ``-oo``, 0 or
    a nonzero number), or ``None`` when these rules do not find it (``f`` has another
    symbol, an unknown function, or terms that cancel)."""
    if f.free_symbols - {t}:
        return None
    if f == 0:
        return S.Zero
    try:
        x = _lead(f, t)
    except (_Unknown, TypeError, ValueError, ZeroDivisionError):
        return None
    if x.e:
        leading = dict(x.e)[min(k for k, _ in x.e)]
        return x.sign * oo if _sign(leading) > 0 else S.Zero
    if x.a < 0 or (x.a == 0 and x.b > 0):
        return x.sign * oo
    if x.a > 0 or x.b < 0:
        return S.Zero
    return x.c
