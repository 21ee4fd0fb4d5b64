"""kl-derive's closed forms against ``torch.distributions``, for every pair both implement.

The reference is PyTorch's own code: ``torch.distributions.kl_divergence`` and
``Distribution.entropy()`` in float64, at random parameters (a fixed seed per pair). kl-derive's
result is the derived SymPy expression evaluated at those exact rational values to 30 digits.
The lists of pairs and families are checked against what torch computes, so a pair either
side gains or loses shows up here. Torch is the optional extra ``torch`` (``pip install
-e ".[torch]"``); the module is skipped without it, except in CI.

Both sides of each condition are drawn: a uniform law left of zero against an exponential,
supports that do not nest (an infinite divergence, which torch also returns as ``inf``).
"""

from __future__ import annotations

import math
import random
from functools import cache

import pytest
from conftest import require_module
from sympy import Piecewise, Rational, oo

from kl_derive import derive, entropy
from kl_derive.families import get_family
from kl_derive.strategies import catalog_pairs
from kl_derive.strategies.table import ENTROPY

#: kl-derive's family name -> torch's class name; both take PyTorch's parameter order
TORCH_CLASSES = {
    "normal": "Normal",
    "exponential": "Exponential",
    "gamma": "Gamma",
    "uniform": "Uniform",
    "laplace": "Laplace",
    "pareto": "Pareto",
    "beta": "Beta",
    "gumbel": "Gumbel",
    "half_normal": "HalfNormal",
    "log_normal": "LogNormal",
    "cauchy": "Cauchy",
    "half_cauchy": "HalfCauchy",
    "weibull": "Weibull",
    "chi2": "Chi2",
    "continuous_bernoulli": "ContinuousBernoulli",
    "student_t": "StudentT",
    "kumaraswamy": "Kumaraswamy",
    "inverse_gamma": "InverseGamma",
    "von_mises": "VonMises",
    "bernoulli": "Bernoulli",
    "binomial": "Binomial",
    "geometric": "Geometric",
    "poisson": "Poisson",
    "negative_binomial": "NegativeBinomial",
}

#: the univariate pairs torch computes at generic parameters (checked against torch below)
TORCH_KL_PAIRS = tuple(
    tuple(pair.split())
    for pair in (
        "bernoulli bernoulli",
        "bernoulli poisson",
        "beta beta",
        "beta chi2",
        "beta continuous_bernoulli",
        "beta exponential",
        "beta gamma",
        "beta normal",
        "beta pareto",
        "beta uniform",
        "binomial binomial",
        "cauchy cauchy",
        "chi2 beta",
        "chi2 chi2",
        "chi2 continuous_bernoulli",
        "chi2 exponential",
        "chi2 gamma",
        "chi2 gumbel",
        "chi2 normal",
        "chi2 pareto",
        "chi2 uniform",
        "continuous_bernoulli continuous_bernoulli",
        "continuous_bernoulli exponential",
        "continuous_bernoulli normal",
        "continuous_bernoulli pareto",
        "continuous_bernoulli uniform",
        "exponential beta",
        "exponential chi2",
        "exponential continuous_bernoulli",
        "exponential exponential",
        "exponential gamma",
        "exponential gumbel",
        "exponential normal",
        "exponential pareto",
        "exponential uniform",
        "gamma beta",
        "gamma chi2",
        "gamma continuous_bernoulli",
        "gamma exponential",
        "gamma gamma",
        "gamma gumbel",
        "gamma normal",
        "gamma pareto",
        "gamma uniform",
        "geometric geometric",
        "gumbel beta",
        "gumbel chi2",
        "gumbel continuous_bernoulli",
        "gumbel exponential",
        "gumbel gamma",
        "gumbel gumbel",
        "gumbel normal",
        "gumbel pareto",
        "gumbel uniform",
        "half_cauchy half_cauchy",
        "half_normal half_normal",
        "inverse_gamma inverse_gamma",
        "laplace beta",
        "laplace chi2",
        "laplace continuous_bernoulli",
        "laplace exponential",
        "laplace gamma",
        "laplace laplace",
        "laplace normal",
        "laplace pareto",
        "laplace uniform",
        "log_normal log_normal",
        "normal beta",
        "normal chi2",
        "normal continuous_bernoulli",
        "normal exponential",
        "normal gamma",
        "normal gumbel",
        "normal laplace",
        "normal normal",
        "normal pareto",
        "normal uniform",
        "pareto beta",
        "pareto chi2",
        "pareto continuous_bernoulli",
        "pareto exponential",
        "pareto gamma",
        "pareto normal",
        "pareto pareto",
        "pareto uniform",
        "poisson bernoulli",
        "poisson binomial",
        "poisson poisson",
        "uniform beta",
        "uniform chi2",
        "uniform continuous_bernoulli",
        "uniform exponential",
        "uniform gamma",
        "uniform gumbel",
        "uniform normal",
        "uniform pareto",
        "uniform uniform",
    )
)

#: the univariate entropies both have (torch's VonMises has none: checked below)
TORCH_ENTROPIES = tuple(f for f in ENTROPY if f in TORCH_CLASSES and f != "von_mises")

#: random points per pair
POINTS = 6
REL, ABS = 1e-9, 1e-11


def _torch():
    torch = require_module("torch")
    torch.set_default_dtype(torch.float64)
    return torch


def _draw(rng: random.Random, domain: str) -> Rational:
    """A value on a grid of 1/32 (a count from 1 to 8), as :mod:`test_catalog` draws."""
    if domain == "positive":
        return Rational(rng.randint(13, 96), 32)
    if domain == "unit":
        return Rational(rng.randint(2, 30), 32)
    if domain == "count":
        return Rational(rng.randint(1, 8))
    return Rational(rng.randint(-64, 64), 32)


def _torch_law(torch, name: str, values) -> object:
    cls = getattr(torch.distributions, TORCH_CLASSES[name])
    return cls(*(torch.tensor(float(v)) for v in values), validate_args=False)


def _torch_kl(torch, p: str, p_values, q: str, q_values) -> float | None:
    """Torch's KL, or None where torch has none for these two laws."""
    try:
        return float(
            torch.distributions.kl_divergence(
                _torch_law(torch, p, p_values), _torch_law(torch, q, q_values)
            )
        )
    except NotImplementedError:
        return None


def _points(derivation, seed: str):
    """``POINTS`` random parameter values that meet both laws' conditions."""
    rng = random.Random(seed)
    laws = (derivation.p, derivation.q)
    found = 0
    for _ in range(400):
        values: dict = {}
        for law in laws:
            for parameter, symbol in zip(law.family.parameters, law.args, strict=True):
                if not symbol.is_number and symbol not in values:
                    values[symbol] = _draw(rng, parameter.domain)
        if all(bool(c.xreplace(values)) for law in laws for c in law.family.conditions(law.args)):
            found += 1
            yield values, [tuple(a.xreplace(values) for a in law.args) for law in laws]
            if found == POINTS:
                return
    raise AssertionError(f"only {found} valid points drawn for {seed}")


def _value(result, values: dict) -> float:
    substituted = result.xreplace(values)
    if isinstance(substituted, Piecewise):
        substituted = substituted.doit()
    if substituted == oo:
        return math.inf
    return float(substituted.evalf(30))


def _same(ours: float, theirs: float) -> bool:
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= ABS + REL * abs(ours)


@cache
def _derived(p: str, q: str):
    return derive(p, q)


# -- which pairs: the lists above are exactly what both implement ---------------------------


def _generic_values(name: str, rng: random.Random) -> list[float]:
    """Valid parameters for torch's law (written without kl-derive's conditions: drawn
    until torch's own argument validation accepts them)."""
    torch = _torch()
    cls = getattr(torch.distributions, TORCH_CLASSES[name])
    domains = [parameter.domain for parameter in get_family(name).parameters]
    for _ in range(200):
        values = [float(_draw(rng, d)) for d in domains]
        try:
            cls(*(torch.tensor(v) for v in values), validate_args=True)
        except ValueError:
            continue
        return values
    raise AssertionError(name)


@pytest.mark.slow
def test_pair_list_is_what_torch_computes() -> None:
    torch = _torch()
    rng = random.Random(17)
    catalog = set(catalog_pairs())
    computed = set()
    for p in TORCH_CLASSES:
        for q in TORCH_CLASSES:
            # torch's Weibull, Kumaraswamy, ... are transformed laws: a KL between two
            # only where the transforms are the same, i.e. not at generic parameters
            p_values, q_values = _generic_values(p, rng), _generic_values(q, rng)
            if p == q == "binomial":  # torch's needs one number of trials, as kl-derive's
                q_values[0] = p_values[0]
            value = _torch_kl(torch, p, p_values, q, q_values)
            if value is not None:
                computed.add((p, q))
    assert computed == set(TORCH_KL_PAIRS), computed ^ set(TORCH_KL_PAIRS)
    assert set(TORCH_KL_PAIRS) <= catalog, set(TORCH_KL_PAIRS) - catalog
    assert len(TORCH_KL_PAIRS) == 97


@pytest.mark.slow
def test_entropy_list_is_what_torch_computes() -> None:
    torch = _torch()
    rng = random.Random(18)
    for name in ENTROPY:
        if name not in TORCH_CLASSES:
            continue
        law = _torch_law(torch, name, _generic_values(name, rng))
        try:
            law.entropy()
        except NotImplementedError:
            assert name not in TORCH_ENTROPIES
        else:
            assert name in TORCH_ENTROPIES


# -- univariate ------------------------------------------------------------------------------


@pytest.mark.parametrize(("p", "q"), TORCH_KL_PAIRS, ids=[f"{p}-{q}" for p, q in TORCH_KL_PAIRS])
def test_kl_matches_torch(p: str, q: str) -> None:
    torch = _torch()
    derivation = _derived(p, q)
    assert all(step.verified for step in derivation.steps)
    for values, (p_values, q_values) in _points(derivation, f"{p}-{q}"):
        ours = _value(derivation.result, values)
        theirs = _torch_kl(torch, p, p_values, q, q_values)
        assert theirs is not None, (p_values, q_values)
        assert _same(ours, theirs), (p_values, q_values, ours, theirs)


@pytest.mark.parametrize("name", TORCH_ENTROPIES)
def test_entropy_matches_torch(name: str) -> None:
    torch = _torch()
    derivation = entropy(name)
    for values, (p_values, _) in _points(derivation, f"entropy-{name}"):
        ours = _value(derivation.result, values)
        theirs = float(_torch_law(torch, name, p_values).entropy())
        assert _same(ours, theirs), (p_values, ours, theirs)


def test_both_sides_of_a_condition_are_drawn() -> None:
    """uniform || exponential is finite for low >= 0 and infinite below: both occur."""
    derivation = _derived("uniform", "exponential")
    finite = [
        math.isfinite(_value(derivation.result, v))
        for v, _ in _points(derivation, "uniform-exponential")
    ]
    assert any(finite) and not all(finite)


# -- multivariate ----------------------------------------------------------------------------


def _grid(rng: random.Random, low: int, high: int, step: int = 4) -> Rational:
    """A random multiple of 1/step in [low, high]."""
    return Rational(rng.randint(low * step, high * step), step)


def _spd(rng: random.Random, d: int) -> list[list[Rational]]:
    """A random symmetric positive-definite matrix L L^T, L lower triangular."""
    lower = [
        [
            _grid(rng, 1, 2) if i == j else (_grid(rng, -1, 1) if j < i else Rational(0))
            for j in range(d)
        ]
        for i in range(d)
    ]
    return [[sum(lower[i][k] * lower[j][k] for k in range(d)) for j in range(d)] for i in range(d)]


def _probs(rng: random.Random, k: int) -> list[Rational]:
    weights = [rng.randint(1, 9) for _ in range(k)]
    return [Rational(w, sum(weights)) for w in weights]


def _text(values) -> str:
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in values) + "]"
    return str(values)


def _tensor(torch, values):
    return torch.tensor(
        [[float(x) for x in row] for row in values]
        if isinstance(values[0], (list, tuple))
        else [float(x) for x in values]
    )


def _gaussian(rng: random.Random, kind: str, d: int = 3):
    """(kl-derive spec, torch law) of one random Gaussian of the given kind."""
    torch = _torch()
    D = torch.distributions
    mean = [_grid(rng, -2, 2) for _ in range(d)]
    if kind == "multivariate_normal":
        cov = _spd(rng, d)
        law = D.MultivariateNormal(_tensor(torch, mean), covariance_matrix=_tensor(torch, cov))
        return f"multivariate_normal({_text(mean)}, {_text(cov)})", law
    if kind == "low_rank_multivariate_normal":
        factor = [[_grid(rng, -1, 1)] for _ in range(d)]
        diag = [_grid(rng, 1, 2) for _ in range(d)]
        law = D.LowRankMultivariateNormal(
            _tensor(torch, mean), _tensor(torch, factor), _tensor(torch, diag)
        )
        return f"low_rank_multivariate_normal({_text(mean)}, {_text(factor)}, {_text(diag)})", law
    scale = [_grid(rng, 1, 2) for _ in range(d)]
    law = D.Independent(D.Normal(_tensor(torch, mean), _tensor(torch, scale)), 1)
    return f"diag_normal({_text(mean)}, {_text(scale)})", law


GAUSSIAN_PAIRS = [
    ("multivariate_normal", "multivariate_normal"),
    ("low_rank_multivariate_normal", "low_rank_multivariate_normal"),
    ("low_rank_multivariate_normal", "multivariate_normal"),
    ("multivariate_normal", "low_rank_multivariate_normal"),
    ("diag_normal", "diag_normal"),
]


@pytest.mark.parametrize(("p", "q"), GAUSSIAN_PAIRS)
def test_gaussian_kl_matches_torch(p: str, q: str) -> None:
    torch = _torch()
    rng = random.Random(f"{p}-{q}")
    for _ in range(2):
        (p_spec, p_law), (q_spec, q_law) = _gaussian(rng, p), _gaussian(rng, q)
        derivation = derive(p_spec, q_spec)
        assert all(step.verified for step in derivation.steps)
        theirs = float(torch.distributions.kl_divergence(p_law, q_law))
        assert _same(_value(derivation.result, {}), theirs), (p_spec, q_spec, theirs)


@pytest.mark.parametrize(
    "kind", ["multivariate_normal", "low_rank_multivariate_normal", "diag_normal"]
)
def test_gaussian_entropy_matches_torch(kind: str) -> None:
    rng = random.Random(f"entropy-{kind}")
    for _ in range(2):
        spec, law = _gaussian(rng, kind)
        assert _same(_value(entropy(spec).result, {}), float(law.entropy())), spec


def test_dirichlet_matches_torch() -> None:
    torch = _torch()
    D = torch.distributions
    kl = derive("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])")
    h = entropy("dirichlet([a1, a2, a3])")
    symbols = {s.name: s for s in kl.result.free_symbols}
    rng = random.Random("dirichlet")
    for _ in range(POINTS):
        # concentrations below and above 1
        a = [_grid(rng, 0, 4, 8) + Rational(1, 8) for _ in range(3)]
        b = [_grid(rng, 0, 4, 8) + Rational(1, 8) for _ in range(3)]
        values = {symbols[f"a{i + 1}"]: a[i] for i in range(3)}
        values |= {symbols[f"b{i + 1}"]: b[i] for i in range(3)}
        p_law, q_law = D.Dirichlet(_tensor(torch, a)), D.Dirichlet(_tensor(torch, b))
        theirs = float(D.kl_divergence(p_law, q_law))
        assert _same(_value(kl.result, values), theirs), (a, b)
        ours = _value(h.result.xreplace({s: values[s] for s in h.result.free_symbols}), {})
        assert _same(ours, float(p_law.entropy())), a


@pytest.mark.parametrize("kind", ["categorical", "one_hot_categorical"])
def test_categorical_matches_torch(kind: str) -> None:
    torch = _torch()
    D = torch.distributions
    cls = D.Categorical if kind == "categorical" else D.OneHotCategorical
    rng = random.Random(kind)
    for k in (2, 3, 5):
        p, q = _probs(rng, k), _probs(rng, k)
        derivation = derive(f"{kind}({_text(p)})", f"{kind}({_text(q)})")
        p_law, q_law = cls(probs=_tensor(torch, p)), cls(probs=_tensor(torch, q))
        theirs = float(D.kl_divergence(p_law, q_law))
        assert _same(_value(derivation.result, {}), theirs), (p, q)
        h = entropy(f"{kind}({_text(p)})")
        assert _same(_value(h.result, {}), float(p_law.entropy())), p


def test_multinomial_and_wishart_entropies_match_torch() -> None:
    torch = _torch()
    D = torch.distributions
    rng = random.Random("multinomial-wishart")
    for n, k in ((1, 3), (4, 3), (6, 2)):
        probs = _probs(rng, k)
        h = entropy(f"multinomial({n}, {_text(probs)})")
        law = D.Multinomial(n, probs=_tensor(torch, probs))
        assert _same(_value(h.result, {}), float(law.entropy())), (n, probs)
    for df, d in ((Rational(5, 2), 2), (Rational(7), 2), (Rational(9, 2), 3)):
        scale = _spd(rng, d)
        h = entropy(f"wishart({df}, {_text(scale)})")
        law = D.Wishart(torch.tensor(float(df)), covariance_matrix=_tensor(torch, scale))
        assert _same(_value(h.result, {}), float(law.entropy())), (df, scale)
