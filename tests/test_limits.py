"""Bounded work with a clear error (issue 11): each documented limit (README, Limits)
stops its input at once with one line naming the limit and the way to the answer, and
what the limits admit still derives (a large number up to the limit, a Poisson law whose
mass lies far from 0)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sympy import Symbol, log

from kl_derive import derive
from kl_derive.errors import SpecError
from kl_derive.symbolic.convert import MAX_NUMBER, MAX_SYMBOLIC_SIZE

_SUM20 = "+".join(f"a{i}" for i in range(1, 21))

#: (argv, a phrase the one-line error must hold)
REFUSED = [
    (["gamma(10**12, 10**12)"], f"limit of {MAX_NUMBER}"),
    (["binomial(10**12, 0.5)"], f"limit of {MAX_NUMBER}"),
    (["poisson(10**12)", "poisson(1)"], f"limit of {MAX_NUMBER}"),
    (["normal(0, 1001)"], f"limit of {MAX_NUMBER}"),
    (["multivariate_normal", "--dims", "8"], f"limit of {MAX_SYMBOLIC_SIZE}x"),
    (["multivariate_normal", "--dims", "4"], f"limit of {MAX_SYMBOLIC_SIZE}x"),
    (
        [
            "multivariate_normal(mu1, Sigma1)",
            "multivariate_normal(mu2, Sigma2)",
            "--dims",
            "6",
        ],
        "keep the dimension symbolic",
    ),
    (["wishart", "--dims", "4"], f"limit of {MAX_SYMBOLIC_SIZE}x"),
    (
        [
            "wishart(n1, [[a, b, c, d], [b, e, f, g], [c, f, h, i], [d, g, i, j]])",
            "wishart(n2, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])",
        ],
        "give the entries as numbers",
    ),
    (
        [
            "low_rank_multivariate_normal([m1, m2, m3, m4], [[w11, w12, w13], "
            "[w21, w22, w23], [w31, w32, w33], [w41, w42, w43]], [d1, d2, d3, d4])",
            "multivariate_normal([0, 0, 0, 0], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], "
            "[0, 0, 0, 1]])",
        ],
        f"limit of {MAX_SYMBOLIC_SIZE}x",
    ),
]


@pytest.mark.parametrize(("argv", "phrase"), REFUSED, ids=lambda x: str(x)[:40])
@pytest.mark.slow
def test_over_a_limit_is_one_line_at_once(argv: list[str], phrase: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kl_derive", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("kl-derive: error: ") and phrase in line
    assert "README, Limits" in line and "internal error" not in line


def test_the_limit_is_on_the_value_not_on_the_way_it_is_written() -> None:
    for spec in ("gamma(1001, 1)", "gamma(10**3 + 1, 1)", "gamma(1000.5, 1)", "normal(-1001, 1)"):
        with pytest.raises(SpecError, match="README, Limits"):
            derive(spec)
    # names, and expressions in names, are never refused for size
    derive("gamma(exp(a), 2)")


def test_up_to_the_limit_derives() -> None:
    d = derive(f"poisson({MAX_NUMBER})", "poisson(1)")
    # KL(Poi(a) || Poi(b)) = a log(a/b) - a + b
    assert (d.result - (MAX_NUMBER * log(MAX_NUMBER) - MAX_NUMBER + 1)).simplify() == 0
    derive(f"binomial({MAX_NUMBER}, 1/2)", f"binomial({MAX_NUMBER}, 1/3)")


def test_a_poisson_law_far_from_zero_is_checked() -> None:
    """The numeric check of E[k] = lambda sums the mass where it lies (around lambda);
    mpmath's nsum alone extrapolated from the first terms and rejected a true step."""
    d = derive("poisson(100)", "poisson(3)")
    assert all(step.verified for step in d.steps)


def test_a_symbolic_matrix_at_the_limit_derives() -> None:
    d = derive("multivariate_normal", dims=MAX_SYMBOLIC_SIZE)
    assert Symbol(f"Sigma_{MAX_SYMBOLIC_SIZE}{MAX_SYMBOLIC_SIZE}", positive=True) in (
        d.result.free_symbols
    )


@pytest.mark.slow
def test_beta_of_long_sums_finishes() -> None:
    d = derive(f"beta({_SUM20}, b)")
    assert Symbol("a20", positive=True) in d.result.free_symbols
