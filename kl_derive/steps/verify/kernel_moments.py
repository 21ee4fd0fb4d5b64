r"""Exact expectations of logarithm-polynomial statistics under a gamma or beta kernel.

When a density, as the context gives it, is a constant times a gamma kernel
:math:`z^{s - 1} e^{-b z}` on :math:`(0, \infty)`, or a beta kernel
:math:`z^{a - 1} (1 - z)^{c - 1}` on :math:`(0, 1)`, the expectation of a monomial
:math:`z^j \log^k z` (gamma), or :math:`z^j \log^k z \, \log^l (1 - z)` (beta), is the
derivative of an Euler integral, written down exactly:

* :math:`\int_0^\infty z^{s + j - 1} \log^k z \, e^{-b z} \, dz
  = \partial_s^k \bigl[\Gamma(s) b^{-s}\bigr]_{s \to s + j}`, for :math:`s + j > 0`,
  :math:`b > 0`;
* :math:`\int_0^1 z^{a + j - 1} (1 - z)^{c - 1} \log^k z \log^l (1 - z) \, dz
  = \partial_a^k \partial_c^l B(a + j, c)`, for :math:`a + j > 0`, :math:`c > 0`.

The derivative of :math:`\log \Gamma` of order :math:`n \ge 1` is the polygamma function
:math:`\psi^{(n - 1)}`, so the values hold digamma and trigamma and nothing to integrate:
the moments of a gamma log ratio, :math:`\mathbb{E}_q[(\log r - \kappa_1)^4]`, are then
checked in double precision (or symbolically) instead of by 30-digit quadrature of
integrands singular at :math:`z = 0`. The constant in front is the density's own, read
from its value (not assumed to normalize it), so a wrong density or a wrong step is found
as before. A kernel whose exponents' signs are not known is left to quadrature.
"""

from __future__ import annotations

from sympy import (
    Dummy,
    Expr,
    Integer,
    Mul,
    Pow,
    S,
    Symbol,
    diff,
    exp,
    expand_func,
    gamma,
    log,
    oo,
)

from ..context import DensityFacts

__all__ = ["MAX_ORDER", "kernel_moment"]

#: the highest power of a logarithm (and of z) taken exactly; beyond it, quadrature
MAX_ORDER = 8


def kernel_moment(statistic: Expr, facts: DensityFacts) -> Expr | None:
    """``E[statistic]`` under ``facts`` exactly, or ``None`` when the density is not a
    gamma or beta kernel with known signs or ``statistic`` is not a monomial of the kind
    above."""
    if facts.discrete or not isinstance(facts.variable, Symbol):
        return None
    z = facts.variable
    lower, upper = facts.support
    if lower != 0:
        return None
    if upper is oo:
        return _gamma_moment(statistic, facts.value, z)
    if upper == 1:
        return _beta_moment(statistic, facts.value, z)
    return None


def _powers(statistic: Expr, z: Symbol, logs: tuple[Expr, ...]) -> tuple[int, ...] | None:
    """The exponents ``(j, k_1, k_2, ...)`` of ``statistic = z^j log(...)^k_1 ...``, each a
    whole number at most :data:`MAX_ORDER`, or ``None``."""
    found = [0] * (1 + len(logs))
    for factor in Mul.make_args(statistic):
        base, power = factor.as_base_exp()
        if not (isinstance(power, Integer) and 0 < power <= MAX_ORDER):
            return None
        if base == z:
            slot = 0
        elif base in logs:
            slot = 1 + logs.index(base)
        else:
            return None
        if found[slot]:
            return None
        found[slot] = int(power)
    return tuple(found)


def _split(value: Expr, z: Symbol) -> tuple[Expr, list[Expr]] | None:
    """``value`` as (its factor free of ``z``, the factors that hold ``z``)."""
    constant, rest = S.One, []
    for factor in Mul.make_args(value):
        if factor.has(z):
            rest.append(factor)
        else:
            constant *= factor
    return constant, rest


def _gamma_moment(statistic: Expr, value: Expr, z: Symbol) -> Expr | None:
    powers = _powers(statistic, z, (log(z),))
    if powers is None:
        return None
    j, k = powers
    constant, rest = _split(value, z)
    shape, rate = S.One, S.Zero  # z^(shape - 1) e^(-rate z)
    for factor in rest:
        if isinstance(factor, exp):
            slope = (factor.args[0] / z).expand()
            if slope.has(z):
                return None
            rate -= slope
        elif isinstance(factor, Pow) and factor.base == z and not factor.exp.has(z):
            shape += factor.exp
        else:
            return None
    if not (rate.is_positive and (shape + j).is_positive):
        return None
    s, base = Dummy("s", positive=True), Dummy("a", positive=True)
    transform = gamma(s) * rate ** (-s)
    found = _shifted(diff(transform, s, k), {s: base + j})
    return constant * found.xreplace({base: shape})


def _beta_moment(statistic: Expr, value: Expr, z: Symbol) -> Expr | None:
    powers = _powers(statistic, z, (log(z), log(1 - z)))
    if powers is None:
        return None
    j, k, m = powers
    constant, rest = _split(value, z)
    a, c = S.One, S.One  # z^(a - 1) (1 - z)^(c - 1)
    for factor in rest:
        if not (isinstance(factor, Pow) and not factor.exp.has(z)):
            return None
        if factor.base == z:
            a += factor.exp
        elif factor.base == 1 - z:
            c += factor.exp
        else:
            return None
    if not ((a + j).is_positive and c.is_positive):
        return None
    x, y = Dummy("x", positive=True), Dummy("y", positive=True)
    base, other = Dummy("a", positive=True), Dummy("c", positive=True)
    transform = gamma(x) * gamma(y) / gamma(x + y)
    derivative = diff(transform, x, k, y, m) if m else diff(transform, x, k)
    found = _shifted(derivative, {x: base + j, y: other})
    return constant * found.xreplace({base: a, other: c})


def _shifted(e: Expr, point: dict) -> Expr:
    """``e`` at ``point``, where each variable is a placeholder plus a whole number, with
    the gamma and polygamma functions brought back to the placeholders (Gamma(a + 2) =
    a (a + 1) Gamma(a), psi(a + 1) = psi(a) + 1/a) so that they cancel against the
    density's constant and meet the derivation's own psi(a). The placeholders stand for
    the density's exponents only afterwards: a numeric exponent (3/10) is then not
    expanded by Gauss's digamma theorem."""
    return expand_func(e.xreplace(point))
