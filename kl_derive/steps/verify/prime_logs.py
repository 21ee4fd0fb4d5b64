"""Constants made of rational numbers and logarithms of positive rational numbers, as exact
polynomials in the logarithms of pairwise coprime integers.

``log(33/49) = log 3 + log 11 - 2 log 7``: every logarithm of a positive rational number in
the constant is written over a set of pairwise coprime integers greater than one (the
primes below :data:`TRIAL`, found by trial division, and what is left of the numbers once
they are divided out, refined into a gcd-free basis by gcds alone: no factoring of large
numbers, so the work is bounded by the size of the numbers). Each logarithm is then a
unique integer combination of the logarithms of that basis, and the constant a polynomial
in them with rational coefficients, computed exactly with Python's ``Fraction`` on
dictionaries (monomial -> coefficient), not by SymPy's simplification or expansion.

A zero polynomial proves the constant zero (the rewriting is an identity). A nonzero one
proves nothing by itself (that the logarithms of primes are algebraically independent is
not known), so callers treat it as "not shown". Work is bounded deterministically: a
product of two polynomials with more than :data:`MAX_WORK` pairs of terms, or a power
above :data:`MAX_POWER`, is not computed, and the answer is ``None`` (not decided here).
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd

from sympy import Add, Expr, Integer, Mul, Rational, S, log

__all__ = [
    "MAX_POWER",
    "MAX_WORK",
    "TRIAL",
    "as_prime_logs",
    "logarithms_over_basis",
    "prime_log_polynomial",
]

#: primes below this are divided out by trial division; what is left is kept whole
TRIAL = 1000
#: the largest number of term pairs one product may multiply
MAX_WORK = 400_000
#: the largest integer power of a sum expanded
MAX_POWER = 12

Monomial = tuple[tuple[int, int], ...]  # (base of a logarithm, its exponent), bases sorted
Polynomial = dict[Monomial, Fraction]

_PRIMES = [p for p in range(2, TRIAL) if all(p % d for d in range(2, int(p**0.5) + 1))]


class _TooBig(Exception):
    """A product or power over the work bound."""


def _small_primes(n: int) -> tuple[dict[int, int], int]:
    """``n`` as (powers of the primes below TRIAL, the rest)."""
    found: dict[int, int] = {}
    for p in _PRIMES:
        if p * p > n:
            break
        while n % p == 0:
            n //= p
            found[p] = found.get(p, 0) + 1
    if 1 < n < TRIAL:  # the rest is itself a small prime
        found[n] = found.get(n, 0) + 1
        n = 1
    return found, n


def _coprime_basis(numbers: set[int]) -> list[int]:
    """Pairwise coprime integers > 1 of which every one of ``numbers`` is a product of
    powers (a gcd-free basis, by gcds only)."""
    basis: list[int] = []
    pending = sorted(n for n in numbers if n > 1)
    while pending:
        x = pending.pop()
        if x == 1:
            continue
        for i, b in enumerate(basis):
            g = gcd(x, b)
            if g > 1:
                del basis[i]
                pending.extend((b // g, g, x // g))
                break
        else:
            basis.append(x)
    return sorted(basis)


def _over(n: int, basis: list[int]) -> dict[int, int]:
    powers: dict[int, int] = {}
    for b in basis:
        while n % b == 0:
            n //= b
            powers[b] = powers.get(b, 0) + 1
    return powers


def _rational_powers(x: Expr) -> list[tuple[Expr, Fraction]] | None:
    """A positive number written as a product of rational powers of positive rational
    numbers (``sqrt(15) * 2**(1/10) / 5``), as its (base, exponent) pairs; else ``None``."""
    out = []
    for factor in Mul.make_args(x):
        base, exponent = factor.as_base_exp()
        if not (base.is_Rational and base > 0 and exponent.is_Rational):
            return None
        out.append((base, Fraction(int(exponent.p), int(exponent.q))))
    return out


def _logarithms(arguments: set[Expr]) -> dict[Expr, Polynomial] | None:
    """Each argument's logarithm as a linear polynomial over one basis, or ``None`` if
    one is not a product of rational powers of positive rational numbers."""
    powers = {}
    for x in arguments:
        found = _rational_powers(x)
        if found is None:
            return None
        powers[x] = found
    split = {
        r: (_small_primes(int(r.p)), _small_primes(int(r.q)))
        for pairs in powers.values()
        for r, _ in pairs
    }
    basis = _coprime_basis({parts[1] for pair in split.values() for parts in pair})
    over: dict[Expr, dict[int, int]] = {}
    for r, (num, den) in split.items():
        coefficients: dict[int, int] = {}
        for (small, rest), sign in ((num, 1), (den, -1)):
            for base, k in (*small.items(), *_over(rest, basis).items()):
                coefficients[base] = coefficients.get(base, 0) + sign * k
        over[r] = coefficients
    out: dict[Expr, Polynomial] = {}
    for x, pairs in powers.items():
        linear: dict[int, Fraction] = {}
        for r, exponent in pairs:
            for base, k in over[r].items():
                linear[base] = linear.get(base, 0) + exponent * k
        out[x] = {((b, 1),): c for b, c in sorted(linear.items()) if c}
    return out


def logarithms_over_basis(arguments: set[Expr]) -> dict[Expr, Expr]:
    """``log r`` for each positive rational ``r`` of ``arguments``, as a SymPy sum of
    rational multiples of the logarithms of one coprime basis (see the module)."""
    found = _logarithms(arguments) or {}
    return {
        r: Add(
            *(Rational(c.numerator, c.denominator) * log(Integer(b)) for ((b, _),), c in p.items())
        )
        for r, p in found.items()
    }


def _add(a: Polynomial, b: Polynomial) -> Polynomial:
    out = dict(a)
    for m, c in b.items():
        s = out.get(m, 0) + c
        if s:
            out[m] = s
        else:
            out.pop(m, None)
    return out


def _merge(m: Monomial, n: Monomial) -> Monomial:
    if not m:
        return n
    if not n:
        return m
    powers = dict(m)
    for b, e in n:
        powers[b] = powers.get(b, 0) + e
    return tuple(sorted(powers.items()))


def _mul(a: Polynomial, b: Polynomial) -> Polynomial:
    if len(a) * len(b) > MAX_WORK:
        raise _TooBig
    out: Polynomial = {}
    for m, c in a.items():
        for n, d in b.items():
            key = _merge(m, n)
            s = out.get(key, 0) + c * d
            if s:
                out[key] = s
            else:
                out.pop(key, None)
    return out


def _power(a: Polynomial, k: int) -> Polynomial:
    if k < 0:
        if len(a) == 1 and () in a:  # a nonzero rational
            return {(): a[()] ** k}
        raise ValueError("a negative power of a polynomial")
    if k > MAX_POWER and not (len(a) == 1 and () in a):
        raise _TooBig
    result: Polynomial = {(): Fraction(1)}
    for _ in range(k):
        result = _mul(result, a)
    return result


def prime_log_polynomial(e: Expr) -> Polynomial | None:
    """``e`` as a polynomial over the logarithms of a coprime basis (see the module), or
    ``None`` when ``e`` holds anything else (a symbol, ``pi``, a fractional power outside
    a logarithm, the logarithm of anything but a product of rational powers of positive
    rational numbers) or the work bound is reached."""
    logs = _logarithms({x.args[0] for x in e.atoms(log)})
    if logs is None:
        return None
    seen: dict[Expr, Polynomial] = {}

    def visit(x: Expr) -> Polynomial:
        found = seen.get(x)
        if found is not None:
            return found
        if x.is_Rational:
            value = {(): Fraction(int(x.p), int(x.q))} if x != 0 else {}
        elif isinstance(x, log):
            value = logs[x.args[0]]
        elif x.is_Add:
            value = {}
            for arg in x.args:
                value = _add(value, visit(arg))
        elif x.is_Mul:
            value = {(): Fraction(1)}
            for arg in x.args:
                value = _mul(value, visit(arg))
        elif x.is_Pow and x.exp.is_Integer:
            value = _power(visit(x.base), int(x.exp))
        else:
            raise ValueError("not a polynomial in logarithms of rational numbers")
        seen[x] = value
        return value

    try:
        return visit(e)
    except (_TooBig, ValueError, ZeroDivisionError, RecursionError):
        return None


def as_prime_logs(e: Expr) -> Expr | None:
    """``e`` rewritten from :func:`prime_log_polynomial` as a SymPy sum of monomials in the
    logarithms of the basis (``log(33/49)**2`` as ``log(3)**2 + 2*log(3)*log(11) - ...``),
    or ``None`` as there."""
    polynomial = prime_log_polynomial(e)
    if polynomial is None:
        return None
    terms = []
    for monomial, c in polynomial.items():
        factors = [log(Integer(b)) ** k for b, k in monomial]
        terms.append(Mul(Rational(c.numerator, c.denominator), *factors))
    return Add(*terms) if terms else S.Zero
