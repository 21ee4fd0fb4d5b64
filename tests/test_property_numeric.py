"""The independent numeric property test: every quantity kl-derive derives, at random.

Hypothesis (derandomized, a bounded number of examples) picks a pair from the pair table
(and, where several apply, a strategy), writes each parameter as a number, a name or an
expression (``exp(s)``, ``2*m``, ``sqrt(2)``, ``1/(1 + exp(-a))``), derives KL(P || Q),
H(P) or H(P, Q), and compares ``.result`` at random values of the names with the
definition computed here: quadrature or summation of the densities written in
``catalog_reference`` (SciPy and textbook formulas), with the parameter values computed
from the expressions by Python itself. Nothing of kl-derive's densities, moments or
verifier is used.

A conditional pair is checked on both sides of every condition: where all of them hold
(a finite value that must match) and where each one fails (the divergence must be
infinite: P has mass where Q's density is zero, or the integral grows without bound).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

import pytest
from catalog_reference import (
    DISCRETE,
    numeric_cross_entropy,
    numeric_entropy,
    numeric_kl,
    truncated_kl,
)
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from sympy import And, Piecewise, oo

import kl_derive
from kl_derive.errors import KLDeriveError
from kl_derive.strategies import PAIRS, catalog_pairs
from kl_derive.strategies.table import OUTCOMES

#: each family's parameters in PyTorch's order, by domain (written here, not read from
#: kl-derive): "real", "positive", "unit" (strictly between 0 and 1), "count"
DOMAINS: dict[str, tuple[str, ...]] = {
    "normal": ("real", "positive"),
    "exponential": ("positive",),
    "gamma": ("positive", "positive"),
    "bernoulli": ("unit",),
    "binomial": ("count", "unit"),
    "geometric": ("unit",),
    "poisson": ("positive",),
    "negative_binomial": ("count", "unit"),
    "gumbel": ("real", "positive"),
    "half_normal": ("positive",),
    "continuous_bernoulli": ("unit",),
    "cauchy": ("real", "positive"),
    "half_cauchy": ("positive",),
    "log_normal": ("real", "positive"),
    "weibull": ("positive", "positive"),
    "chi2": ("positive",),
    "inverse_gamma": ("positive", "positive"),
    "rayleigh": ("positive",),
    "chi": ("positive",),
    "uniform": ("real", "real"),
    "laplace": ("real", "positive"),
    "pareto": ("positive", "positive"),
    "beta": ("positive", "positive"),
    "moyal": ("real", "positive"),
    "logit_normal": ("real", "positive"),
    "von_mises": ("real", "positive"),
}

#: families whose entropy has no closed form (an expectation such as E[log k!])
NO_ENTROPY = {"poisson", "binomial", "negative_binomial", "logit_normal"}

#: families whose total_count must be the same in both laws for a closed form
SHARED_COUNT = {"binomial", "negative_binomial"}

KL_PAIRS = [pair for pair in catalog_pairs() if set(pair) <= set(DOMAINS)]
CONDITIONAL = [pair for pair in KL_PAIRS if OUTCOMES.get(pair) == "conditional"]
#: two laws of one family: where several strategies apply (drawn half of the time)
SAME_FAMILY = [(p, q) for p, q in KL_PAIRS if p == q]
ENTROPY_FAMILIES = sorted(set(DOMAINS) - NO_ENTROPY)


# ---------------------------------------------------------------------------
# parameters written as numbers, names and expressions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """How one parameter is written: ``text`` with ``{x}`` for its own name, the value
    as a function of that name's value, and the range the name's value is drawn from."""

    text: str
    value: object  # Callable[[float], float]
    draw: tuple[float, float] | None  # the name's range; None: no name

    def spec(self, name: str) -> str:
        return self.text.format(x=name)


FORMS: dict[str, list[Form]] = {
    "real": [
        Form("{x}", lambda x: x, (-1.5, 1.5)),
        Form("2*{x}", lambda x: 2 * x, (-0.75, 0.75)),
        Form("exp({x})", math.exp, (-1.0, 1.0)),
        Form("sqrt(2)", lambda x: math.sqrt(2), None),
        Form("-1/2", lambda x: -0.5, None),
    ],
    "positive": [
        Form("{x}", lambda x: x, (0.5, 3.0)),
        Form("exp({x})", math.exp, (-0.7, 1.0)),
        Form("2*{x}", lambda x: 2 * x, (0.3, 1.5)),
        Form("sqrt(2)", lambda x: math.sqrt(2), None),
        Form("3/2", lambda x: 1.5, None),
    ],
    "unit": [
        Form("{x}", lambda x: x, (0.1, 0.9)),
        Form("1/(1 + exp(-{x}))", lambda x: 1 / (1 + math.exp(-x)), (-2.0, 2.0)),
        Form("1/4", lambda x: 0.25, None),
    ],
    "count": [
        Form("{x}", lambda x: x, (1, 5)),
        Form("3", lambda x: 3, None),
    ],
}


@dataclass(frozen=True)
class Law:
    family: str
    forms: tuple[Form, ...]
    names: tuple[str, ...]

    @property
    def spec(self) -> str:
        args = ", ".join(f.spec(n) for f, n in zip(self.forms, self.names, strict=True))
        return f"{self.family}({args})"

    def draws(self) -> dict[str, tuple[float, float, bool]]:
        """The names to draw, with their range and whether they are counts."""
        out = {}
        for form, name, domain in zip(self.forms, self.names, DOMAINS[self.family], strict=True):
            if form.draw is not None and "{x}" in form.text:
                out[name] = (*form.draw, domain == "count")
        return out

    def values(self, names: dict[str, float]) -> tuple[float, ...]:
        return tuple(
            form.value(names.get(name, 0.0))  # type: ignore[operator]
            for form, name in zip(self.forms, self.names, strict=True)
        )


def _law(draw, family: str, prefix: str, shared: Law | None = None) -> Law:
    forms, names = [], []
    for i, domain in enumerate(DOMAINS[family]):
        if shared is not None and domain == "count" and family in SHARED_COUNT:
            forms.append(shared.forms[i])  # the same total_count in both laws
            names.append(shared.names[i])
            continue
        forms.append(draw(st.sampled_from(FORMS[domain])))
        names.append(f"{prefix}{i + 1}")
    return Law(family, tuple(forms), tuple(names))


def _valid(law: Law, values: tuple[float, ...]) -> bool:
    """The parameters lie in the family's domain (with a margin from its edges where the
    closed form loses digits: a continuous Bernoulli's 1/2)."""
    for domain, v in zip(DOMAINS[law.family], values, strict=True):
        if domain == "positive" and not v > 0:
            return False
        if domain == "unit" and not 0.02 < v < 0.98:
            return False
    if law.family == "uniform" and not values[0] + 0.1 < values[1]:
        return False
    return not (law.family == "continuous_bernoulli" and abs(values[0] - 0.5) < 0.03)


def _tries(rng: random.Random, *laws: Law) -> list[dict[str, float]]:
    return [_draw_names(rng, *laws, wide=i >= 20) for i in range(40)]


def _draw_names(rng: random.Random, *laws: Law, wide: bool = False) -> dict[str, float]:
    """Values for the names; ``wide`` triples the ranges (to break a condition such as
    ``b <= pi``)."""
    names: dict[str, float] = {}
    for law in laws:
        for name, (low, high, count) in law.draws().items():
            if name in names:
                continue
            if count:
                names[name] = rng.randint(int(low), int(high) * (3 if wide else 1))
            elif wide and low < 0:
                names[name] = rng.uniform(3 * low, 3 * high)
            else:
                names[name] = rng.uniform(low, 3 * high if wide else high)
    return names


# ---------------------------------------------------------------------------
# the derived result at numbers
# ---------------------------------------------------------------------------


def _at(result, names: dict[str, float]) -> float:
    """``result`` with its names replaced by numbers; every free symbol must be one of
    the user's names (a placeholder left in the result is a failure)."""
    symbols = {s.name: s for s in result.free_symbols}
    unknown = set(symbols) - set(names)
    assert not unknown, f"result {result} has names the user did not write: {sorted(unknown)}"
    value = result.xreplace({symbols[n]: names[n] for n in symbols})
    if isinstance(value, Piecewise):
        value = value.doit()
    if value == oo:
        return math.inf
    return float(value.evalf(30))


def _condition_at(condition, names: dict[str, float]) -> bool:
    symbols = {s.name: s for s in condition.free_symbols}
    return bool(condition.xreplace({symbols[n]: names[n] for n in symbols}))


def _close(derived: float, expected: float) -> bool:
    return math.isclose(derived, expected, rel_tol=1e-6, abs_tol=1e-7)


def _assert_infinite_kl(p: Law, pv, q: Law, qv, names) -> None:
    """KL(P || Q) is infinite: P has mass where Q's density is zero, or the integral over
    a growing window grows without bound (a moment too heavy for Q)."""
    if math.isinf(numeric_kl(p.family, pv, q.family, qv)):
        return
    assert p.family not in DISCRETE, (p.spec, q.spec, names)
    near, far, farther = (
        truncated_kl(p.family, pv, q.family, qv, radius) for radius in (30.0, 3000.0, 3e5)
    )
    assert far - near > 1.0 or (far - near > 0.05 and farther - far > 0.5 * (far - near)), (
        p.spec,
        q.spec,
        names,
        (near, far, farther),
    )


@cache
def _derive(quantity: str, p: str, q: str | None, strategy: str | None):
    if quantity == "kl":
        return kl_derive.derive(p, q, strategy=strategy)
    if quantity == "entropy":
        return kl_derive.entropy(p)
    return kl_derive.cross_entropy(p, q)


def _check_kl(p: Law, q: Law, strategy: str | None, names: dict[str, float]) -> None:
    derivation = _derive("kl", p.spec, q.spec, strategy)
    pv, qv = p.values(names), q.values(names)
    derived = _at(derivation.result, names)
    if math.isinf(derived):
        _assert_infinite_kl(p, pv, q, qv, names)
        return
    expected = numeric_kl(p.family, pv, q.family, qv)
    assert _close(derived, expected), (p.spec, q.spec, strategy, names, derived, expected)


SETTINGS = settings(
    max_examples=24,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: each example is a derivation of seconds, and the example that failed
    # is reported as drawn
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ---------------------------------------------------------------------------
# the properties
# ---------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_kl_matches_the_definition(data) -> None:
    """KL(P || Q) of a random listed pair, random parameter forms, a random strategy."""
    pairs = st.one_of(st.sampled_from(SAME_FAMILY), st.sampled_from(KL_PAIRS))
    p_family, q_family = data.draw(pairs, label="pair")
    strategies = [name for name, _ in PAIRS[(p_family, q_family)]]
    strategy = data.draw(st.sampled_from(strategies), label="strategy")
    p = _law(data.draw, p_family, "u")
    q = _law(data.draw, q_family, "v", shared=p if p_family == q_family else None)
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    names = _draw_names(rng, p, q)
    assume(_valid(p, p.values(names)) and _valid(q, q.values(names)))
    _check_kl(p, q, strategy if len(strategies) > 1 else None, names)


@settings(SETTINGS, max_examples=12)
@given(data=st.data())
def test_conditional_kl_on_both_sides_of_every_condition(data) -> None:
    """A pair whose divergence is finite only under a condition: the closed form where
    every condition holds, and infinity where any one of them fails."""
    p_family, q_family = data.draw(st.sampled_from(CONDITIONAL), label="pair")
    p = _law(data.draw, p_family, "u")
    q = _law(data.draw, q_family, "v")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    # laws that no value of the names makes valid (uniform(-1/2, -1/2)) are not drawn
    assume(any(_valid(p, p.values(n)) and _valid(q, q.values(n)) for n in _tries(rng, p, q)))
    derivation = _derive("kl", p.spec, q.spec, None)
    result = derivation.result
    if not isinstance(result, Piecewise):  # the forms settled the condition
        names = _draw_names(rng, p, q)
        assume(_valid(p, p.values(names)) and _valid(q, q.values(names)))
        _check_kl(p, q, None, names)
        return
    condition = result.args[0][1]
    conjuncts = condition.args if isinstance(condition, And) else (condition,)
    targets = [("all hold", None), *((f"{c} fails", c) for c in conjuncts)]
    for label, broken in targets:
        for attempt in range(400):
            names = _draw_names(rng, p, q, wide=attempt >= 200)
            if not (_valid(p, p.values(names)) and _valid(q, q.values(names))):
                continue
            if broken is None and _condition_at(condition, names):
                break
            if broken is not None and not _condition_at(broken, names):
                break
        else:
            if broken is None:
                continue  # the forms drawn leave no room for it (checked at other forms)
            raise AssertionError(f"{p.spec} || {q.spec}: no parameters where {label}")
        _check_kl(p, q, None, names)
        if broken is not None:
            assert _at(result, names) == math.inf, (p.spec, q.spec, label, names)


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_entropy_matches_the_definition(data) -> None:
    family = data.draw(st.sampled_from(ENTROPY_FAMILIES), label="family")
    p = _law(data.draw, family, "u")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    names = _draw_names(rng, p)
    assume(_valid(p, p.values(names)))
    derived = _at(_derive("entropy", p.spec, None, None).result, names)
    expected = numeric_entropy(family, p.values(names))
    assert _close(derived, expected), (p.spec, names, derived, expected)


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_cross_entropy_matches_the_definition(data) -> None:
    """H(P, Q) of a random listed pair; a pair whose cross-entropy has no closed form is
    refused with the bare names too (the expressions do not change what is derivable)."""
    p_family, q_family = data.draw(st.sampled_from(KL_PAIRS), label="pair")
    p = _law(data.draw, p_family, "u")
    q = _law(data.draw, q_family, "v", shared=p if p_family == q_family else None)
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    names = _draw_names(rng, p, q)
    pv, qv = p.values(names), q.values(names)
    assume(_valid(p, pv) and _valid(q, qv))
    try:
        derivation = _derive("cross_entropy", p.spec, q.spec, None)
    except KLDeriveError as error:
        if "is infinite" in str(error):  # a divergent moment, said in one line
            _assert_infinite_kl(p, pv, q, qv, names)
            return
        assert "no closed form" in str(error), error
        with pytest.raises(KLDeriveError, match="no closed form"):
            _derive("cross_entropy", p_family, q_family, None)
        return
    derived = _at(derivation.result, names)
    if math.isinf(derived):
        _assert_infinite_kl(p, pv, q, qv, names)
        return
    expected = numeric_cross_entropy(p_family, pv, q_family, qv)
    assert _close(derived, expected), (p.spec, q.spec, names, derived, expected)
