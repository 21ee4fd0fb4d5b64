"""The Monte-Carlo estimate of ``kl-derive mixture`` for every univariate family.

Each sampler of :mod:`kl_derive.mixture_samplers` is compared with SciPy's distribution
(or, where SciPy has none, the CDF integrated from the family's density) by a
Kolmogorov-Smirnov test at a fixed seed; and for every family that can be a mixture
component, the estimate of KL(f || g) between a two-component mixture and a law of the
family lies within four standard errors of SciPy quadrature of densities written here.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import integrate, special, stats
from sympy import Rational

from kl_derive.families import DISCRETE, MODULES, get_family
from kl_derive.families.base import Distribution
from kl_derive.mixture_laws import Mixture, bind_mixtures
from kl_derive.mixture_numbers import monte_carlo
from kl_derive.mixture_samplers import SAMPLERS, sampler

#: family -> (parameters as numbers, SciPy's frozen law or a CDF written here)
LAWS = {
    "normal": ((0.5, 1.3), stats.norm(0.5, 1.3)),
    "exponential": ((1.7,), stats.expon(scale=1 / 1.7)),
    "gamma": ((2.5, 1.5), stats.gamma(2.5, scale=1 / 1.5)),
    "log_normal": ((0.2, 0.6), stats.lognorm(0.6, scale=math.exp(0.2))),
    "beta": ((2.0, 3.5), stats.beta(2.0, 3.5)),
    "laplace": ((-0.5, 0.8), stats.laplace(-0.5, 0.8)),
    "gumbel": ((1.0, 2.0), stats.gumbel_r(1.0, 2.0)),
    "half_normal": ((1.5,), stats.halfnorm(scale=1.5)),
    "continuous_bernoulli": (
        (0.3,),
        lambda x: (0.3**x * 0.7 ** (1 - x) + 0.3 - 1) / (2 * 0.3 - 1),
    ),
    "cauchy": ((0.5, 2.0), stats.cauchy(0.5, 2.0)),
    "half_cauchy": ((1.5,), stats.halfcauchy(scale=1.5)),
    "weibull": ((2.0, 1.5), stats.weibull_min(1.5, scale=2.0)),
    "chi2": ((3.0,), stats.chi2(3.0)),
    "inverse_gamma": ((3.0, 2.0), stats.invgamma(3.0, scale=2.0)),
    "rayleigh": ((1.2,), stats.rayleigh(scale=1.2)),
    "chi": ((2.5,), stats.chi(2.5)),
    "uniform": ((-1.0, 2.0), stats.uniform(-1.0, 3.0)),
    "pareto": ((1.5, 2.5), stats.pareto(2.5, scale=1.5)),
    "moyal": ((0.5, 1.5), stats.moyal(0.5, 1.5)),
    "logit_normal": ((0.4, 0.9), lambda x: stats.norm.cdf((special.logit(x) - 0.4) / 0.9)),
    "von_mises": ((2.5, 1.7), None),  # the CDF integrated from the family's density
    "student_t": ((4.0, 0.5, 1.5), stats.t(4.0, 0.5, 1.5)),
    "truncated_normal": ((0.5, 1.0, -1.0, 2.0), stats.truncnorm(-1.5, 1.5, 0.5, 1.0)),
    "kumaraswamy": ((2.0, 3.0), lambda x: 1 - (1 - x**2.0) ** 3.0),
}

#: laws of one variable with a density and a fixed number of parameters (not Wishart's
#: matrix, not the normal-gamma pair)
UNIVARIATE = sorted(
    name
    for name in MODULES
    if name not in DISCRETE
    and not getattr(get_family(name), "vector", False)
    and not getattr(get_family(name), "matrix", False)
)


def test_every_univariate_family_has_a_sampler_and_a_reference() -> None:
    # a matrix-valued law, laws of a pair, laws on the sphere: not mixture components
    joint = {"wishart", "normal_gamma", "normal_wishart", "von_mises_fisher", "uniform_sphere"}
    missing = [n for n in UNIVARIATE if n not in SAMPLERS and n not in joint]
    assert missing == []
    assert set(LAWS) == set(SAMPLERS)


def _density_cdf(name: str, args: tuple[float, ...]):
    from sympy import Symbol, lambdify

    from kl_derive.symbolic.display import evaluate

    z = Symbol("z", real=True)
    family = get_family(name)
    low, _high = family.support(args)
    from sympy import Function

    value = evaluate(family.density(z, tuple(args)))
    value = value.xreplace({f: f.evalf(30) for f in value.atoms(Function) if not f.free_symbols})
    density = lambdify(z, value, "math")
    start = float(low)
    return lambda x: integrate.quad(density, start, x, epsabs=1e-12)[0]


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_each_sampler_draws_its_law(name: str) -> None:
    args, law = LAWS[name]
    draw = sampler(name, args)
    rng = random.Random(20261207)
    xs = np.array([draw(rng) for _ in range(3000)])
    if law is None:
        cdf = np.vectorize(_density_cdf(name, args))
    elif callable(getattr(law, "cdf", None)):
        cdf = law.cdf
    else:
        cdf = np.vectorize(law)
    result = stats.kstest(xs, cdf)
    assert result.pvalue > 1e-3, (name, result)


#: families whose laws all share one support (a mixture's components must): not
#: uniform, pareto, truncated_normal (a support in the parameters)
COMPONENTS = sorted(set(SAMPLERS) - {"uniform", "pareto", "truncated_normal"})


def _log_density(name: str, args):
    """log density written here (SciPy where it has the law, the textbook form else)."""
    if name == "continuous_bernoulli":
        (lam,) = args
        c = 2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam)
        return lambda x: x * math.log(lam) + (1 - x) * math.log(1 - lam) + math.log(c)
    if name == "logit_normal":
        mu, s = args
        return lambda x: stats.norm.logpdf(special.logit(x), mu, s) - math.log(x * (1 - x))
    if name == "von_mises":
        mu, k = args
        return lambda x: k * math.cos(x - mu) - math.log(2 * math.pi * special.i0(k))
    if name == "moyal":  # SciPy's logpdf overflows to -inf in both tails
        mu, s = args
        return lambda x: (
            -((x - mu) / s + math.exp(-(x - mu) / s)) / 2 - math.log(s * math.sqrt(2 * math.pi))
        )
    if name == "kumaraswamy":
        a, b = args
        return lambda x: math.log(a * b) + (a - 1) * math.log(x) + (b - 1) * math.log1p(-(x**a))
    return _frozen(name, args).logpdf


def _frozen(name: str, args):
    """SciPy's law of ``name(*args)`` (for the families SciPy has)."""
    a = args
    return {
        "normal": lambda: stats.norm(a[0], a[1]),
        "exponential": lambda: stats.expon(scale=1 / a[0]),
        "gamma": lambda: stats.gamma(a[0], scale=1 / a[1]),
        "log_normal": lambda: stats.lognorm(a[1], scale=math.exp(a[0])),
        "beta": lambda: stats.beta(a[0], a[1]),
        "laplace": lambda: stats.laplace(a[0], a[1]),
        "gumbel": lambda: stats.gumbel_r(a[0], a[1]),
        "half_normal": lambda: stats.halfnorm(scale=a[0]),
        "cauchy": lambda: stats.cauchy(a[0], a[1]),
        "half_cauchy": lambda: stats.halfcauchy(scale=a[0]),
        "weibull": lambda: stats.weibull_min(a[1], scale=a[0]),
        "chi2": lambda: stats.chi2(a[0]),
        "inverse_gamma": lambda: stats.invgamma(a[0], scale=a[1]),
        "rayleigh": lambda: stats.rayleigh(scale=a[0]),
        "chi": lambda: stats.chi(a[0]),
        "moyal": lambda: stats.moyal(a[0], a[1]),
        "student_t": lambda: stats.t(a[0], a[1], a[2]),
    }[name]()


def _perturbed(args: tuple[float, ...], rng: random.Random) -> tuple[float, ...]:
    """The parameters moved by a factor in (0.7, 1.4) each (signs and supports kept)."""
    return tuple(round(x * rng.uniform(0.7, 1.4), 3) if x else 0.5 for x in args)


def _spec(name: str, args) -> str:
    return f"{name}({', '.join(repr(float(x)) for x in args)})"


def _mixture(weights, laws, name: str, text: str) -> Mixture:
    family = get_family(name)
    components = tuple(
        Distribution(family, tuple(Rational(str(x)) for x in args), _spec(name, args))
        for args in laws
    )
    return Mixture(tuple(Rational(str(w)) for w in weights), components, text, len(laws) > 1)


def test_the_command_takes_a_mixture_of_a_new_family() -> None:
    """bind_mixtures reads a gumbel mixture (a family without a sampler before), and the
    estimate comes with it."""
    f, g = bind_mixtures("mixture([0.3, 0.7], [gumbel(0, 1), gumbel(2, 1.5)])", "gumbel(1, 2)")
    assert monte_carlo(f, g, 2000) is not None


@pytest.mark.parametrize("name", COMPONENTS)
@pytest.mark.slow
def test_monte_carlo_within_four_standard_errors(name: str) -> None:
    rng = random.Random(name)
    base = LAWS[name][0]
    if name == "continuous_bernoulli":  # lambda in (0, 1)
        first, second, other = (0.3,), (0.8,), (0.55,)
    else:
        first, second, other = (_perturbed(base, rng) for _ in range(3))
    w = 0.35
    p = f"mixture([{w}, {1 - w}], [{_spec(name, first)}, {_spec(name, second)}])"
    q = _spec(name, other)
    # built directly: kl-derive mixture refuses components whose pair with itself has no
    # closed form (kumaraswamy, student_t), but the estimate needs only draws and densities
    f = _mixture((w, 1 - w), (first, second), name, p)
    g = _mixture((1.0,), (other,), name, q)
    estimate, error = monte_carlo(f, g, 20000)
    parts = [
        (math.log(w), _log_density(name, first)),
        (math.log(1 - w), _log_density(name, second)),
    ]
    log_g = _log_density(name, other)

    def integrand(x: float) -> float:
        terms = [lw + float(ld(x)) for lw, ld in parts]
        top = max(terms)
        if top < -700:
            return 0.0
        log_f = top + math.log(sum(math.exp(t - top) for t in terms))
        return math.exp(log_f) * (log_f - float(log_g(x)))

    low, high = (float(b) for b in get_family(name).support(tuple(first)))
    if name == "moyal":  # the left tail is doubly exponential: nothing below -20
        low = -20.0
    truth, quad_error = integrate.quad(integrand, low, high, limit=500, epsabs=1e-11)
    assert quad_error < 1e-6
    assert abs(estimate - truth) < 4 * error, (name, estimate, error, truth)
    assert 0 < error < 0.2
