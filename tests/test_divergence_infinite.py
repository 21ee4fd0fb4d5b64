"""A pair whose divergence is infinite for every value of its parameters ends in one line
that gives the answer (+oo) and its reason, not a chain of equalities through a formula
that does not hold there; checked against quadrature of the definition, which grows
without bound."""

from __future__ import annotations

import json
import math

import pytest
from conftest import one_line_error, run_module
from scipy import integrate, stats
from sympy import sympify


def truncated_chi_square(s1: float, s2: float, half_width: float) -> float:
    """int_{-L}^{L} p^2/q - 1 for P = N(0, s1^2), Q = N(0, s2^2)."""

    def f(z: float) -> float:
        return math.exp(2 * stats.norm.logpdf(z, 0, s1) - stats.norm.logpdf(z, 0, s2))

    value, _ = integrate.quad(f, -half_width, half_width, limit=400)
    return value - 1


@pytest.mark.parametrize(
    ("args", "point", "family"),
    [
        (["chi-square", "normal(0, 2)", "normal(0, 1)"], "(0, 1/4)", "normal family"),
        (["renyi", "normal(0, 2)", "normal(0, 1)", "--alpha", "3"], "(0, 5/8)", "normal"),
        (["renyi", "beta(3/2, 1/2)", "beta(1, 2)", "--alpha", "3/2"], "(3/4, -5/4)", "beta"),
    ],
)
@pytest.mark.slow
def test_always_infinite_pair_is_one_line_with_its_reason(args, point, family) -> None:
    line = one_line_error(run_module(args), "infinite for every value", "+oo", point, family)
    assert "=" not in line.split("since", 1)[0].replace("a = ", "")  # no chain, one reason


@pytest.mark.slow
def test_the_chi_square_of_those_normals_is_infinite_by_quadrature() -> None:
    grown = [truncated_chi_square(2.0, 1.0, width) for width in (5.0, 10.0, 20.0)]
    assert grown[0] < grown[1] < grown[2] and grown[2] > 1e40
    # a neighbour under the condition (s1^2 < 2 s2^2) converges, and is derived
    near = [truncated_chi_square(1.3, 1.0, width) for width in (20.0, 40.0)]
    assert near[1] == pytest.approx(near[0], rel=1e-9)
    done = run_module(["chi-square", "normal(0, 13/10)", "normal(0, 1)", "--to", "json"])
    assert done.returncode == 0, done.stderr
    value = float(sympify(json.loads(done.stdout)["result"]["sympy"]))
    assert value == pytest.approx(near[1], rel=1e-9)
