"""The verifier's normal form expands the logarithms of quantities known to be positive
(``1 - z`` on the unit interval, ``B(a, b)``, ``I_0(k)``, ``b - a`` for ``a < b``), so the
log-ratio steps of laws on bounded supports are proved symbolically, not by quadrature;
and it does so only where the quantity is positive."""

from __future__ import annotations

import pytest
from conftest import accepted_false_steps
from sympy import Function, Symbol, besseli, beta, cos, exp, log, sin, sqrt

from kl_derive import derive
from kl_derive.engine import draft_for
from kl_derive.spec import parse_spec
from kl_derive.steps.context import Context, DensityFacts
from kl_derive.steps.verify import normal_form
from kl_derive.symbolic.convert import bind_pair
from kl_derive.symbolic.objects import Expect

#: the steps that rewrite log densities and log ratios: symbolic for these pairs now
ALGEBRA = ("log_density.expand", "log.quotient", "log_density.insert", "log_ratio.insert")

PAIRS = [
    ("logit_normal", "logit_normal"),
    ("beta", "logit_normal"),
    ("beta", "beta"),
    ("von_mises", "von_mises"),
    ("uniform", "uniform"),
]


@pytest.mark.parametrize(("p", "q"), PAIRS)
@pytest.mark.slow
def test_log_ratio_steps_are_proved_symbolically(p: str, q: str) -> None:
    d = derive(p, q)
    algebra = [s for s in d.steps if s.rule in ALGEBRA]
    assert algebra
    assert all(s.verified for s in d.steps)
    numeric = [s.rule for s in algebra if s.check != "symbolic"]
    assert not numeric, numeric


def test_logit_normal_needs_quadrature_only_for_its_two_moments() -> None:
    """E[logit z] = mu and E[logit^2 z] = mu^2 + sigma^2 are the facts the derivation
    cites; the verifier checks them by quadrature, and proves everything else."""
    d = derive("logit_normal", "logit_normal")
    assert sorted(s.rule for s in d.steps if s.check == "numeric") == [
        "moment.known",
        "moment.known",
    ]


@pytest.mark.parametrize(("p", "q"), PAIRS[:2])
@pytest.mark.slow
def test_false_steps_are_still_rejected(p: str, q: str) -> None:
    first, second = bind_pair(parse_spec(p), parse_spec(q))
    draft = draft_for(first, second)
    accepted = accepted_false_steps(
        draft, {"plus one": lambda e: e + 1, "doubled": lambda e: 2 * e}
    )
    assert not accepted, f"false steps accepted: {accepted}"


z = Symbol("z", positive=True)


def _context(*supports: tuple[int, int], conditions=()) -> Context:
    densities = {
        name: DensityFacts(Function(name)(z), z, support, z)
        for name, support in zip("qp", supports, strict=False)
    }
    return Context(densities, conditions=tuple(conditions))


def test_distance_to_an_end_is_positive_inside_one_shared_support() -> None:
    e = log(z / (1 - z)) + log((1 - z) ** 2)
    assert normal_form(e, _context((0, 1), (0, 1))) == log(z) + log(1 - z)


def test_no_expansion_when_the_supports_differ() -> None:
    """On (0, 2), 1 - z may be negative: log((1 - z)^2) is not 2 log(1 - z) there."""
    e = log((1 - z) ** 2)
    form = normal_form(e, _context((0, 1), (0, 2)))
    assert form != 2 * log(1 - z)
    assert log(1 - z) not in form.atoms(log)  # the logarithm stays whole


def test_positive_special_functions_and_stated_gaps() -> None:
    a, b = Symbol("a", positive=True), Symbol("b", positive=True)
    k = Symbol("kappa", positive=True)
    lo, hi = Symbol("lo", real=True), Symbol("hi", real=True)
    context = _context((0, 1), conditions=(lo < hi,))
    assert normal_form(log(1 / beta(a, b)), context) == -log(beta(a, b))
    assert normal_form(log(1 / besseli(0, k)), context) == -log(besseli(0, k))
    assert normal_form(log(1 / (hi - lo)), context) == -log(hi - lo)
    # without the condition hi - lo may be negative, and the logarithm stays whole
    assert normal_form(log(1 / (hi - lo)), _context((0, 1))) == log(1 / (hi - lo))


def test_trigonometric_differences_are_expanded() -> None:
    mu = Symbol("mu", real=True)
    context = _context((0, 1))
    e = cos(z - mu) - cos(z) * cos(mu) - sin(z) * sin(mu)
    assert normal_form(e, context) == 0
    # and a wrong expansion is not zero
    assert normal_form(cos(z - mu) - cos(z) * cos(mu) + sin(z) * sin(mu), context) != 0


def test_a_sum_of_known_statistics_is_read_as_one() -> None:
    """E[log z - log(1 - z)] under a law that knows E[logit z] is that one fact."""
    mu = Symbol("mu", real=True)
    facts = DensityFacts(
        Function("q")(z), z, (0, 1), exp(-z) / sqrt(2), expectations={log(z / (1 - z)): mu}
    )
    context = Context({"q": facts})
    e = Expect(3 * log(z) - 3 * log(1 - z) + 2, facts.function)
    assert normal_form(e, context) == 3 * mu + 2
