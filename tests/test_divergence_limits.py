"""The one-sided limits that decide whether a mean is infinite, at a finite end of the
support: a power of ``1 - z`` approached from below (SymPy's limit in ``z`` itself gave
``-oo`` for ``sqrt(z) / (sqrt(1 - z) (2 - 2z))`` at ``1^-``, so beta pairs were refused)."""

from __future__ import annotations

from sympy import Rational, Symbol, beta, expand_log, sqrt

from kl_derive.steps.context import DensityFacts
from kl_derive.steps.divergence import divergent_ends, mean_is_infinite

Z = Symbol("z", positive=True)


def _beta_facts(a, b) -> DensityFacts:
    from sympy import Function

    density = Z ** (a - 1) * (1 - Z) ** (b - 1) / beta(a, b)
    return DensityFacts(Function("q")(Z), Z, (0, 1), density)


def _ratio(a1, b1, a2, b2):
    q = Z ** (a1 - 1) * (1 - Z) ** (b1 - 1) / beta(a1, b1)
    p = Z ** (a2 - 1) * (1 - Z) ** (b2 - 1) / beta(a2, b2)
    return expand_log(q / p, force=True)


def test_a_power_of_one_minus_z_from_below_tends_to_plus_infinity() -> None:
    # chi-square between Beta(3/2, 1/2) and Beta(1, 2): E_q[q/p] is infinite at z -> 1^-
    a1, b1, a2, b2 = Rational(3, 2), Rational(1, 2), 1, 2
    h = _ratio(a1, b1, a2, b2)
    assert mean_is_infinite(h, _beta_facts(a1, b1))
    assert divergent_ends(h, _beta_facts(a1, b1)) == (1,)


def test_fractional_powers_at_both_ends() -> None:
    # (1 - z)^(-7/4) at the upper end (SymPy's limit in z gave oo times a root of -1)
    a1, b1, a2, b2 = Rational(3, 2), Rational(1, 2), Rational(7, 5), Rational(9, 4)
    h = _ratio(a1, b1, a2, b2)
    assert mean_is_infinite(h, _beta_facts(a1, b1))
    # z^(-2/3) at the lower end
    h = _ratio(Rational(1, 3), 2, 1, 2)
    assert divergent_ends(h, _beta_facts(Rational(1, 3), 2)) == (0,)


def test_a_finite_mean_is_not_called_infinite() -> None:
    # Beta(2, 3) against Beta(2, 2): q/p = c (1 - z) is bounded, its mean finite
    h = _ratio(2, 3, 2, 2)
    assert not mean_is_infinite(h, _beta_facts(2, 3))
    assert divergent_ends(h, _beta_facts(2, 3)) is None
    # a decaying power at the upper end: (1 - z)^(1/2) sqrt(z)
    h = sqrt(1 - Z) * sqrt(Z)
    assert not mean_is_infinite(h, _beta_facts(2, 2))
