"""Expectations from power moments: E[z^t] (the Mellin transform) and E[log^2 z] as its
second derivative at t = 0, shown as the squared mean of log z plus its variance.

Each family on the half-line that states its power moments is checked against SciPy's
own numerical expectation at random parameters; the printed form of E[log^2 z] is the
textbook one; the tidier completes the square a log-normal law leaves in a result.
"""

from __future__ import annotations

import math
import random

import pytest
from catalog_reference import REFERENCE
from sympy import Rational, Symbol, log, polygamma, symbols

from kl_derive.families import get_family
from kl_derive.printing.latex import TextbookLatexPrinter
from kl_derive.strategies.tidy import tidy
from kl_derive.symbolic.display import evaluate

FAMILIES = [
    "exponential",
    "gamma",
    "half_normal",
    "beta",
    "pareto",
    "half_cauchy",
    "weibull",
    "chi2",
    "chi",
    "rayleigh",
    "inverse_gamma",
    "log_normal",
]


def _values(family, rng: random.Random) -> tuple:
    out = []
    for parameter in family.parameters:
        if parameter.domain == "positive":
            out.append(Rational(rng.randint(60, 400), 100))
        else:
            out.append(Rational(rng.randint(-150, 150), 100))
    return tuple(out)


@pytest.mark.parametrize("name", FAMILIES)
def test_log_square_moment_matches_scipy(name: str) -> None:
    family = get_family(name)
    z = Symbol("z", positive=True)
    rng = random.Random(name)
    for _ in range(3):
        args = _values(family, rng)
        moment = family.expectation(log(z) ** 2, z, args)
        assert moment is not None
        value = float(evaluate(moment.value).evalf(30))
        law = REFERENCE[name](*map(float, args))
        expected = law.expect(lambda x: math.log(x) ** 2, epsabs=1e-12, epsrel=1e-10)
        assert value == pytest.approx(expected, rel=1e-7), (args, moment.value)


@pytest.mark.parametrize("name", FAMILIES)
def test_power_moment_matches_scipy_where_finite(name: str) -> None:
    family = get_family(name)
    z = Symbol("z", positive=True)
    rng = random.Random(name + "power")
    args = _values(family, rng)
    for t in (Rational(1, 2), Rational(-1, 3)):
        moment = family.expectation(z**t, z, args)
        if moment is None:
            continue
        if not bool(moment.condition.xreplace({})):
            continue
        value = float(evaluate(moment.value).evalf(30))
        law = REFERENCE[name](*map(float, args))
        expected = law.expect(lambda x, t=float(t): x**t, epsabs=1e-12, epsrel=1e-10)
        assert value == pytest.approx(expected, rel=1e-7), (args, t, moment.value)


def test_a_moment_that_fails_its_condition_everywhere_is_not_offered() -> None:
    z = Symbol("z", positive=True)
    rate = (Symbol("lambda", positive=True),)
    # E[1/z] under an exponential law: infinite (the density is positive at zero)
    assert get_family("exponential").expectation(1 / z, z, rate) is None
    shape, r = symbols("alpha beta", positive=True)
    conditional = get_family("gamma").expectation(1 / z, z, (shape, r))
    assert conditional is not None and conditional.condition == (shape > 1)


def test_log_square_is_written_as_squared_mean_plus_variance() -> None:
    z = Symbol("z", positive=True)
    a, b = symbols("alpha beta", positive=True)
    moment = get_family("gamma").expectation(log(z) ** 2, z, (a, b))
    printed = TextbookLatexPrinter({}).doprint(moment.value)
    assert printed == r"(\psi(\alpha) - \log \beta)^{2} + \psi'(\alpha)"
    assert evaluate(moment.value).has(polygamma(1, a))


def test_tidy_completes_the_square_of_a_log_normal_result() -> None:
    a, b, s = symbols("alpha beta sigma", positive=True)
    m = Symbol("mu", real=True)
    from sympy import expand

    psi = polygamma(0, a)
    value = expand(((psi - log(b) - m) ** 2 + polygamma(1, a)) / (2 * s**2) + a * psi - a)
    shown = tidy(value)
    assert expand(evaluate(shown) - value) == 0
    printed = TextbookLatexPrinter({}).doprint(shown)
    assert r"(\psi(\alpha) - \mu - \log \beta)^{2}" in printed or (
        r"(\psi(\alpha) - \log \beta - \mu)^{2}" in printed
    ), printed
