"""Numerically careful forms of a derived KL, made by SymPy rewrites before printing.

The derivation ends in the form a textbook prints, e.g.
``log(sigma2/sigma1) - 1/2 + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2)``. That is not the
form a careful engineer types into a training loop. :func:`stabilize` turns it into one,
step by step, each step a SymPy rewrite that keeps the value:

1. **Split logarithms** (:func:`sympy.expand_log`, only where the assumptions allow):
   ``log(sigma**2)`` becomes ``2*log(sigma)``, ``log(sigma2/sigma1)`` becomes
   ``log(sigma2) - log(sigma1)`` (no overflow of the ratio), and
   ``log(exp(-logvar1/2)*exp(logvar2/2))`` becomes ``(logvar2 - logvar1)/2``.
2. **Distribute scale factors** over sums (:func:`sympy.expand_mul`, top level only, so
   ``(mu1 - mu2)**2`` is never multiplied out into a cancelling difference), but only
   where step 3 or 4 then applies; ``(var1 + (mu1 - mu2)**2)/var2`` stays one division.
3. **Combine exponentials** (:func:`sympy.powsimp`): ``exp(logvar1)*exp(-logvar2)``
   becomes ``exp(logvar1 - logvar2)``, a variance ratio that cannot overflow.
4. **Standardize** squares over squares: ``sigma1**2/sigma2**2`` is computed as
   ``t**2`` with ``t = sigma1/sigma2`` (one division each, never ``sigma**2`` formed and
   divided twice, no overflow of ``sigma1**2``), like ``torch.distributions`` does.
5. **Factor the common rational** (the ``1/2``) out of the terms that carry it.
6. **expm1 / log1p** (:mod:`sympy.codegen.rewriting`): ``exp(logvar) - 1`` becomes
   ``expm1(logvar)``, accurate when the variance is close to 1, where the KL is small
   and ``exp(x) - 1 - x`` loses every digit to cancellation.
7. **Common subexpressions** (:func:`sympy.cse`) become named temporaries.

Before these, a sum in a denominator has its common factor taken out (``2*nu*s**2 -
4*s**2`` as ``2*s**2*(nu - 2)``, exact near ``nu = 2`` where the first form cancels);
gamma and beta functions are written through the log-gamma function
(``log Gamma(a)`` as ``loggamma(a)``, ``log B(a, b)`` as three of them), which every
framework has and which does not overflow; and a modified Bessel function of a positive
argument through its exponentially scaled form (``log I_0(k) = k + log i0e(k)``).

``exp(logvar)`` stays ``exp(logvar)``: nothing here goes through ``sigma = exp(logvar/2)``
and back, so no ``sqrt(exp(logvar))**2`` appears.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import lcm

from sympy import (
    Add,
    Expr,
    Float,
    Function,
    Integer,
    Mul,
    Pow,
    Rational,
    S,
    Symbol,
    besseli,
    beta,
    count_ops,
    cse,
    exp,
    expand_log,
    expand_mul,
    factor_terms,
    fraction,
    gamma,
    log,
    loggamma,
    numbered_symbols,
    powsimp,
)
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

__all__ = ["ScaledBesselI", "StableForm", "stabilize"]


@dataclass(frozen=True)
class StableForm:
    """A KL as code computes it: temporaries, then ``outer + scale * inner``.

    ``assignments`` are ``(temporary, value)`` pairs in the order they must be computed;
    the values may use earlier temporaries. ``inner`` is kept apart from ``outer`` so
    that the printed line reads ``0.5*(mu**2 + ...)`` rather than a ``0.5`` per term.
    """

    assignments: tuple[tuple[Symbol, Expr], ...]
    outer: Expr
    scale: Rational
    inner: Expr

    def printable(self) -> Expr:
        """``scale*inner + outer`` with the product left unevaluated, for the printer."""
        if self.inner == 0:
            return self.outer
        scaled = self.inner if self.scale == 1 else Mul(self.scale, self.inner, evaluate=False)
        if self.outer == 0:
            return scaled
        return Add(scaled, *Add.make_args(self.outer), evaluate=False)

    def value(self) -> Expr:
        """The whole expression in the inputs alone (temporaries substituted back)."""
        expr = self.outer + self.scale * self.inner
        for symbol, value in reversed(self.assignments):
            expr = expr.xreplace({symbol: value})
        return expr


def stabilize(expr: Expr, *, avoid: Iterable[str] = (), prefix: str = "t") -> StableForm:
    """The numerically careful form of ``expr`` (see the module docstring for the steps).

    Temporaries are named ``t0``, ``t1``, ... skipping the names in ``avoid`` (the
    inputs'). The result is checked to equal ``expr`` at random points in high
    precision; a mismatch is a bug here and raises :class:`AssertionError` (even under -O).
    """
    taken = set(avoid) | {s.name for s in expr.free_symbols}
    names = _fresh(prefix, taken)
    expr = _factor_denominators(_scaled_bessel(_log_gamma(expr)))

    assignments: list[tuple[Symbol, Expr]] = []
    standardized: dict[Expr, Symbol] = {}
    terms: list[Expr] = []
    for term in Add.make_args(expand_log(expr, force=False)):
        terms.extend(_rewrite_term(term, standardized, assignments, names))

    outer, scale, inner = _split_common_rational(terms)
    outer = _careful_functions(outer)
    inner = _careful_functions(inner)

    replacements, reduced = cse([outer, inner], symbols=names, order="none")
    kept, (outer, inner) = _inline_trivial(replacements, reduced)
    assignments.extend(kept)

    # number the temporaries that are left t0, t1, ... in the order they are computed
    fresh = _fresh(prefix, taken)
    renumber = {s: Symbol(next(fresh).name, **s.assumptions0) for s, _ in assignments}
    assignments = [(renumber[s], v.xreplace(renumber)) for s, v in assignments]
    outer, inner = outer.xreplace(renumber), inner.xreplace(renumber)
    result = StableForm(tuple(assignments), outer, scale, inner)
    _check_equal(expr, result.value())
    return result


def _factor_denominators(expr: Expr) -> Expr:
    """A sum in a denominator with a common factor written as that factor times the rest:
    ``2*nu*s**2 - 4*s**2`` as ``2*s**2*(nu - 2)``. Near ``nu = 2`` the first form loses
    the digits of ``nu`` to cancellation (``2*nu*s**2`` is rounded before ``4*s**2`` is
    taken away: about 10^-7 relative error at ``nu = 2 + 10^-9``); ``nu - 2`` is exact
    there, and the product keeps full precision."""

    def factored(power: Pow) -> Expr:
        base = factor_terms(power.base)
        return power if base == power.base else Pow(base, power.exp)

    return expr.replace(lambda x: x.is_Pow and x.base.is_Add and x.exp.is_negative, factored)


def _fresh(prefix: str, taken: set[str]) -> Iterator[Symbol]:
    for symbol in numbered_symbols(prefix, real=True):
        if symbol.name not in taken:
            yield symbol


def _rewrite_term(
    term: Expr,
    seen: dict[Expr, Symbol],
    assignments: list[tuple[Symbol, Expr]],
    names: Iterator[Symbol],
) -> list[Expr]:
    """Distribute ``term``'s factors over its sums when that lets exponentials combine or
    squares standardize; otherwise keep ``term`` whole (one division, not one per piece)."""
    # expand_mul multiplies denominators out again: take their common factors back out
    pieces = tuple(_factor_denominators(p) for p in Add.make_args(expand_mul(term, deep=False)))
    rewritten = [powsimp(p, combine="exp") for p in pieces]
    trial: list[tuple[Symbol, Expr]] = []
    rewritten = [_standardize(p, seen, trial, names) for p in rewritten]
    if (
        len(pieces) > 1
        and not trial
        and all(a == b for a, b in zip(rewritten, pieces, strict=True))
    ):
        return [term]
    assignments.extend(trial)
    return rewritten


def _inline_trivial(
    replacements: list[tuple[Symbol, Expr]], reduced: list[Expr]
) -> tuple[list[tuple[Symbol, Expr]], list[Expr]]:
    """Put back temporaries not worth a line: a name, a number, ``-logvar2``."""
    kept: list[tuple[Symbol, Expr]] = []
    back: dict[Symbol, Expr] = {}
    for symbol, value in replacements:
        value = value.xreplace(back)
        rest = value.as_coeff_Mul()[1]
        if value.is_Atom or rest.is_Atom:
            back[symbol] = value
        else:
            kept.append((symbol, value))
    return kept, [e.xreplace(back) for e in reduced]


def _standardize(
    term: Expr,
    seen: dict[Expr, Symbol],
    assignments: list[tuple[Symbol, Expr]],
    names: Iterator[Symbol],
) -> Expr:
    """``c * a**2 / b**2`` as ``c * t**2`` with ``t = a/b`` (``b`` positive)."""
    coeff, rest = term.as_coeff_Mul()
    numerator, denominator = fraction(rest)
    if numerator == 1 or denominator == 1:
        return term
    num_root = _square_root(numerator, positive=False)
    den_root = _square_root(denominator, positive=True)
    if num_root is None or den_root is None:
        return term
    ratio = num_root / den_root
    symbol = seen.get(ratio)
    if symbol is None:
        symbol = next(names)
        if ratio.is_positive:
            symbol = Symbol(symbol.name, positive=True)
        seen[ratio] = symbol
        assignments.append((symbol, ratio))
    return coeff * symbol**2


def _square_root(expr: Expr, *, positive: bool) -> Expr | None:
    """``r`` with ``r**2 == expr`` read off even powers (``|r|`` is all a square needs)."""
    roots = []
    for factor in Mul.make_args(expr):
        base, exponent = factor.as_base_exp()
        if not (exponent.is_Integer and exponent.is_even and exponent > 0):
            return None
        if not base.is_real or (positive and not base.is_positive):
            return None
        roots.append(Pow(base, exponent / 2))
    return Mul(*roots)


def _split_common_rational(terms: list[Expr]) -> tuple[Expr, Rational, Expr]:
    """``(outer, scale, inner)``: the terms with a fractional coefficient share ``scale``."""
    fractional = [t for t in terms if t.as_coeff_Mul()[0].q != 1]
    if len(fractional) < 2:
        return Add(*terms), Integer(1), S.Zero
    denominator = lcm(*(int(t.as_coeff_Mul()[0].q) for t in fractional))
    outer = Add(*(t for t in terms if t.as_coeff_Mul()[0].q == 1))
    inner = Add(*(denominator * t for t in fractional))
    return outer, Rational(1, denominator), inner


def _log_gamma(expr: Expr) -> Expr:
    """Gamma and beta functions through the log-gamma function, which frameworks have
    (``torch.lgamma``, ``scipy.special.gammaln``) and which does not overflow:
    ``log Gamma(a)`` is ``loggamma(a)``, ``log B(a, b)`` is ``loggamma(a) + loggamma(b) -
    loggamma(a + b)``, and a gamma or beta function elsewhere is the exponential of that
    (its arguments are positive here: shapes, concentrations)."""
    if not expr.has(gamma, beta):
        return expr

    def log_beta(a: Expr, b: Expr) -> Expr:
        return loggamma(a) + loggamma(b) - loggamma(a + b)

    expr = expr.replace(
        lambda x: isinstance(x, log) and isinstance(x.args[0], (gamma, beta)),
        lambda x: (
            loggamma(x.args[0].args[0])
            if isinstance(x.args[0], gamma)
            else log_beta(*x.args[0].args)
        ),
    )
    expr = expr.replace(lambda x: isinstance(x, beta), lambda x: exp(log_beta(*x.args)))
    return expr.replace(lambda x: isinstance(x, gamma), lambda x: exp(loggamma(x.args[0])))


class ScaledBesselI(Function):
    """``ScaledBesselI(n, x)``: :math:`e^{-x} I_n(x)` for ``x > 0``, the exponentially
    scaled modified Bessel function (``scipy.special.i0e``, ``torch.special.i0e``), which
    does not overflow where :math:`I_n(x)` does (``x`` above about 700)."""

    nargs = 2

    @classmethod
    def eval(cls, n, x):
        return None

    def _eval_is_positive(self):
        return True if self.args[1].is_positive else None

    def _eval_evalf(self, prec):
        n, x = self.args
        return (besseli(n, x) * exp(-x))._eval_evalf(prec)


def _scaled_bessel(expr: Expr) -> Expr:
    """``I_n(x)`` for ``x > 0`` as ``e^{x}`` times its scaled form: the exponentials then
    cancel in a ratio (``I_1(k)/I_0(k)``) and split off a logarithm (``log I_0(k) = k +
    log i0e(k)``), so nothing overflows for a large concentration."""
    if not expr.has(besseli):
        return expr
    return expr.replace(
        lambda x: isinstance(x, besseli) and x.args[1].is_positive and x.args[0] in (0, 1),
        lambda x: exp(x.args[1]) * ScaledBesselI(*x.args),
    )


#: the longest expression (SymPy's operation count) given expm1 / log1p rewrites
_CAREFUL_MAX_OPS = 40


def _careful_functions(expr: Expr) -> Expr:
    """``exp(x) - 1`` as ``expm1(x)`` and ``log(1 + x)`` as ``log1p(x)``.

    ``expm1`` is taken only when it absorbs the whole constant (``exp(x) - x - 1``, the
    shape that cancels near the minimum of the KL); ``exp(x) - 4`` is no better written
    as ``expm1(x) - 3``. Only for a short expression (the Gaussian ones, where it
    matters): SymPy's rewriting factors the whole sum, which for a long catalog KL can
    take minutes.
    """
    if count_ops(expr) > _CAREFUL_MAX_OPS:
        return expr
    careful = optimize(expr, [expm1_opt, log1p_opt])
    if careful.has(expm1) and not expr.has(expm1) and careful.as_coeff_Add()[0] != 0:
        return optimize(expr, [log1p_opt])
    return careful


def _check_equal(original: Expr, rewritten: Expr, points: int = 3) -> None:
    """Compare at random points, 30 digits; the rewrites must not change the value."""
    rewritten = rewritten.replace(expm1, lambda a: exp(a) - 1).replace(log1p, lambda a: log(1 + a))
    symbols = sorted(original.free_symbols | rewritten.free_symbols, key=lambda s: s.name)
    rng = random.Random(20240607)
    for _ in range(points):
        values = {}
        for symbol in symbols:
            magnitude = rng.uniform(0.3, 2.5)
            sign = 1 if symbol.is_positive or rng.random() < 0.5 else -1
            values[symbol] = Float(sign * magnitude, 30)
        a = original.xreplace(values).evalf(30)
        b = rewritten.xreplace(values).evalf(30)
        if not abs(a - b) <= Float("1e-20", 30) * (1 + abs(a)):
            raise AssertionError(f"code rewrite changed the KL: {original} -> {rewritten}")
