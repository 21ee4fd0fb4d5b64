"""Entropy and cross-entropy of categorical laws given by lists (issue 17), checked
against SciPy's ``stats.entropy`` and the sum -sum p log q written here."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_module
from scipy import stats

import kl_derive
from kl_derive.errors import KLDeriveError


def _value(derivation, values: dict[str, float]) -> float:
    symbols = {str(s): s for s in derivation.result.free_symbols}
    return float(derivation.result.xreplace({symbols[k]: values[k] for k in symbols}))


@pytest.mark.parametrize("family", ["categorical", "one_hot_categorical"])
def test_entropy_matches_scipy(family: str) -> None:
    d = kl_derive.entropy(f"{family}([a, b, 1 - a - b])")
    assert d.quantity == "entropy" and all(step.verified for step in d.steps)
    rng = np.random.default_rng(5)
    for _ in range(5):
        p = rng.dirichlet([1.0, 1.0, 1.0])
        got = _value(d, {"a": p[0], "b": p[1]})
        assert got == pytest.approx(stats.entropy(p), rel=1e-12)


def test_numbers_and_cross_entropy() -> None:
    h = kl_derive.entropy("categorical([0.2, 0.3, 0.5])")
    assert float(h.result) == pytest.approx(stats.entropy([0.2, 0.3, 0.5]), rel=1e-12)
    c = kl_derive.cross_entropy("categorical([a, b, 1 - a - b])", "categorical([c, e, 1 - c - e])")
    assert all(step.verified for step in c.steps)
    rng = np.random.default_rng(6)
    for _ in range(5):
        p, q = rng.dirichlet([1.0] * 3), rng.dirichlet([1.0] * 3)
        expected = -float(np.sum(p * np.log(q)))
        got = _value(c, {"a": p[0], "b": p[1], "c": q[0], "e": q[1]})
        assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_renders(lang: str) -> None:
    from kl_derive.render import FORMATS

    d = kl_derive.entropy("categorical([a, b, 1 - a - b])")
    for fmt in FORMATS:
        assert d.render(fmt, lang).strip()


def test_names_are_refused_in_one_line() -> None:
    with pytest.raises(KLDeriveError, match="given as a list"):
        kl_derive.entropy("categorical(p)")
    done = run_module(["entropy", "categorical"])
    assert done.returncode == 2 and "given as a list" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
