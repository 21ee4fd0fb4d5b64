"""The Bregman strategy: KL within an exponential family from its log-partition function.

For every family written as an exponential family, ``--strategy bregman`` must verify
every step and agree with the default (moments) derivation at random parameters; the
moments it uses are derivatives of the log-partition function, which the verifier
recomputes. The CLI offers the strategy by name and refuses an unknown one.
"""

from __future__ import annotations

import random

import pytest
from conftest import run_module
from sympy import Rational

from kl_derive import derive
from kl_derive.families import get_family
from kl_derive.strategies import BREGMAN_FAMILIES, PAIRS


def _value(domain: str, rng: random.Random) -> Rational:
    if domain == "unit":
        return Rational(rng.randint(10, 90), 100)
    if domain == "positive":
        return Rational(rng.randint(40, 300), 100)
    return Rational(rng.randint(-200, 200), 100)


@pytest.mark.parametrize("name", BREGMAN_FAMILIES)
def test_bregman_agrees_with_the_moments_derivation(name: str) -> None:
    assert [s for s, _ in PAIRS[(name, name)]][-1] == "bregman"
    bregman = derive(name, name, strategy="bregman")
    moments = derive(name, name)
    assert bregman.strategy == "bregman"
    assert all(step.verified for step in bregman.steps)
    rules = {step.rule for step in bregman.steps}
    assert {"exponential_family.form", "exponential_family.bregman"} <= rules
    assert "log_partition.gradient" in rules
    family = get_family(name)
    rng = random.Random(name)
    for _ in range(4):
        values = {}
        for law in (bregman.p, bregman.q):
            for parameter, symbol in zip(family.parameters, law.args, strict=True):
                values.setdefault(symbol, _value(parameter.domain, rng))
        a = bregman.result.xreplace(values).evalf(30)
        b = moments.result.xreplace(values).evalf(30)
        assert abs(a - b) < 1e-20 * max(1, abs(b)), (values, a, b)


def test_gradient_step_is_checked_against_the_derivative() -> None:
    derivation = derive("gamma", "gamma", strategy="bregman")
    gradient = [s for s in derivation.steps if s.rule == "log_partition.gradient"]
    assert len(gradient) == 2 and all(s.check == "symbolic" for s in gradient)
    from dataclasses import replace

    from kl_derive.errors import VerificationError
    from kl_derive.steps.context import Context
    from kl_derive.steps.verify import verify_step

    wrong = replace(gradient[0], after=gradient[0].after + 1, check=None)
    with pytest.raises(VerificationError):
        verify_step(wrong, Context({}))  # the derivative does not match: refused


def test_cli_strategy_option() -> None:
    done = run_module(["gamma", "gamma", "--strategy", "bregman", "--to", "markdown"])
    assert done.returncode == 0, done.stderr
    assert "Bregman" in done.stdout
    bad = run_module(["gamma", "gamma", "--strategy", "nope"])
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "available: moments, bregman" in bad.stderr


def test_dirichlet_against_monte_carlo_and_the_library_formula() -> None:
    import numpy as np
    from scipy import special, stats

    derivation = derive("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])")
    assert derivation.strategy == "bregman"
    assert all(step.verified for step in derivation.steps)
    rng = np.random.default_rng(7)
    for _ in range(3):
        a, b = rng.uniform(0.5, 3.0, 3), rng.uniform(0.5, 3.0, 3)
        symbols = {str(s): s for s in derivation.result.free_symbols}
        values = {symbols[f"a{i + 1}"]: a[i] for i in range(3)}
        values.update({symbols[f"b{i + 1}"]: b[i] for i in range(3)})
        derived = float(derivation.result.xreplace(values).evalf())
        # the closed form as libraries compute it (PyTorch's kl_dirichlet_dirichlet)
        a0, b0 = a.sum(), b.sum()
        library = (
            special.gammaln(a0)
            - special.gammaln(a).sum()
            - special.gammaln(b0)
            + special.gammaln(b).sum()
            + ((a - b) * (special.digamma(a) - special.digamma(a0))).sum()
        )
        assert derived == pytest.approx(library, rel=1e-10)
        samples = stats.dirichlet(a).rvs(200_000, random_state=rng)
        ratio = stats.dirichlet(a).logpdf(samples.T) - stats.dirichlet(b).logpdf(samples.T)
        error = ratio.std() / np.sqrt(len(ratio))
        assert abs(ratio.mean() - derived) < 5 * error


def test_dirichlet_needs_lists_of_one_length() -> None:
    from kl_derive.errors import KLDeriveError

    with pytest.raises(KLDeriveError, match="list"):
        derive("dirichlet(alpha)", "dirichlet([1, 2])")
    with pytest.raises(KLDeriveError):
        derive("dirichlet([1, 2, 3])", "dirichlet([1, 2])")
