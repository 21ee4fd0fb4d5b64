"""Limits from the leading term (``steps/asymptotic.py``) against SymPy's ``limit()``.

Every answer the fast rules give must be the limit; where they cannot tell (terms that
cancel, an unknown function, a symbol left), they must say so (``None``) so that the
divergence check falls back on ``limit()``.
"""

from __future__ import annotations

import pytest
from sympy import (
    Abs,
    Dummy,
    Rational,
    Symbol,
    beta,
    cos,
    exp,
    gamma,
    limit,
    log,
    oo,
    pi,
    simplify,
    sqrt,
)

from kl_derive.steps.asymptotic import leading_limit

t = Dummy("t", positive=True)
z = Symbol("z")
R = Rational

# the log ratios and weighted densities of laplace || moyal and beta || inverse_gamma at
# numbers, as the piecewise check of the verifier takes their limits
LAPLACE_MOYAL = (
    50 * z / 161
    + exp(-100 * z / 161 - R(93, 161)) / 2
    - R(25, 42) * Abs(z - R(43, 100))
    - log(84)
    + log(161)
    + log(pi) / 2
)
LAPLACE = R(25, 84) * exp(-R(25, 42) * Abs(z - R(43, 100)))
BETA_INVERSE_GAMMA = (
    R(143, 100) * log(z) - 2 * log(1 - z) / 25 + 49 / (50 * z) - log(beta(R(41, 50), R(23, 25)))
)
BETA = 1 / (z ** R(9, 50) * (1 - z) ** R(2, 25) * beta(R(41, 50), R(23, 25)))

DECIDED = [
    (LAPLACE_MOYAL, -1 / t),
    (LAPLACE_MOYAL, 1 / t),
    (-z * LAPLACE_MOYAL * LAPLACE, -1 / t),
    (z**2 * LAPLACE_MOYAL * LAPLACE, 1 / t),
    (BETA_INVERSE_GAMMA, t),
    (BETA_INVERSE_GAMMA, 1 - t),
    (z * BETA_INVERSE_GAMMA * BETA, t),
    (Abs(z - 1) * BETA_INVERSE_GAMMA * BETA, 1 - t),
    (z * exp(-z), 1 / t),
    (exp(z) / z**100, 1 / t),
    (z * log(z) ** 2, t),
    (log(z) / z, t),
    (log(z) ** 3, t),
    (-(log(z) ** 3), t),
    (exp(-1 / z) / z**5, t),
    (z**5 * exp(1 / z), t),
    (exp(z**2 - 3 * z) * exp(-(z**2)), 1 / t),
    (Abs(log(z)), t),
    (sqrt(z) * log(z), t),
    (2**z, 1 / t),
    (2**z, -1 / t),
    (log(1 + z) / z, t),  # log(1 + u) read as u
    (gamma(R(3, 7)) * exp(-z / 3) * z ** R(5, 2), 1 / t),
    (exp(-Abs(z)) * z**3, -1 / t),
    (R(1, 3) + z, t),
    ((z - 2) ** 3, 2 - t),
    (1 / (z - 2) ** 3, 2 - t),
]

UNDECIDED = [
    (z - sqrt(z**2 + 1), 1 / t),  # the leading terms cancel
    (log(z) - log(z + 1), 1 / t),
    (log(2 * z) - log(z), 1 / t),
    (cos(z), t),  # a function the rules do not know
    (log(log(z)), t),
    (sqrt(z - 1), t),  # a power of a negative leading term: a branch
    (Symbol("a") * z, 1 / t),  # a parameter left
    (exp(log(z) ** 2), t),
]


@pytest.mark.parametrize(("f", "approach"), DECIDED, ids=range(len(DECIDED)))
def test_the_leading_term_gives_sympys_limit(f, approach) -> None:
    near = f.xreplace({z: approach})
    fast = leading_limit(near, t)
    assert fast is not None
    expected = limit(near, t, 0, "+")
    if expected in (oo, -oo) or fast in (oo, -oo):
        assert fast == expected
    else:
        assert simplify(fast - expected) == 0


@pytest.mark.parametrize(("f", "approach"), UNDECIDED, ids=range(len(UNDECIDED)))
def test_undecided_limits_are_left_to_sympy(f, approach) -> None:
    assert leading_limit(f.xreplace({z: approach}), t) is None
