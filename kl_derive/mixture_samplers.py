r"""Draws from each univariate catalog family with a density, for the Monte-Carlo estimate
of ``kl-derive mixture``: Python's own :class:`random.Random` (a fixed seed), each family
by a textbook construction written out here, independently of its density in
:mod:`kl_derive.families` (the tests compare every sampler with SciPy's distribution by a
Kolmogorov-Smirnov test).

=====================  ================================================================
family                 draw (U uniform on (0, 1), Z standard normal, G(k, s) a gamma
                       draw with shape k and scale s: Python's ``gammavariate``)
=====================  ================================================================
normal(mu, s)          mu + s Z (``normalvariate``)
exponential(l)         ``expovariate(l)``
gamma(a, b)            G(a, 1/b) (b a rate)
log_normal(mu, s)      exp(mu + s Z) (``lognormvariate``)
beta(a, b)             ``betavariate(a, b)`` (G(a, 1) / (G(a, 1) + G(b, 1)))
laplace(mu, b)         mu + b (E1 - E2), E1, E2 standard exponential
gumbel(mu, b)          mu - b log(-log U) (inverse CDF)
half_normal(s)         s abs(Z)
continuous_bernoulli   log1p(U (2 l - 1) / (1 - l)) / log(l / (1 - l)) (inverse CDF;
(l)                    U itself at l = 1/2)
cauchy(mu, g)          mu + g tan(pi (U - 1/2)) (inverse CDF)
half_cauchy(g)         g tan(pi U / 2) (inverse CDF)
weibull(l, k)          l (-log U)^(1/k) (inverse CDF)
chi2(n)                G(n/2, 2)
inverse_gamma(a, b)    1 / G(a, 1/b)
rayleigh(s)            s sqrt(-2 log U) (inverse CDF)
chi(k)                 sqrt(G(k/2, 2))
uniform(a, b)          a + (b - a) U
pareto(m, a)           m U^(-1/a) (inverse CDF)
moyal(mu, s)           mu - s log(Z^2) (exp(-Y) of a standard Moyal Y is chi-square 1)
logit_normal(mu, s)    1 / (1 + exp(-(mu + s Z)))
von_mises(mu, k)       Best and Fisher's algorithm (``vonmisesvariate``), folded from
                       [0, 2 pi) onto (-pi, pi] (the density has period 2 pi)
student_t(n, mu, s)    mu + s Z / sqrt(G(n/2, 2) / n)
truncated_normal       mu + s Phi^-1(Phi(alpha) + U (Phi(beta) - Phi(alpha))),
(mu, s, a, b)          alpha = (a - mu)/s, beta = (b - mu)/s (inverse CDF,
                       ``statistics.NormalDist``)
kumaraswamy(a, b)      (1 - U^(1/b))^(1/a) (inverse CDF, 1 - U for U)
=====================  ================================================================
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist

__all__ = ["SAMPLERS", "sampler"]

Draw = Callable[[random.Random], float]


def _u(rng: random.Random) -> float:
    """U uniform on the open interval (0, 1) (``random()`` may return 0)."""
    while True:
        u = rng.random()
        if u > 0.0:
            return u


def _normal(a: Sequence[float]) -> Draw:
    return lambda rng: rng.normalvariate(a[0], a[1])


def _continuous_bernoulli(a: Sequence[float]) -> Draw:
    lam = a[0]
    if lam == 0.5:
        return _u
    slope, scale = (2 * lam - 1) / (1 - lam), math.log(lam / (1 - lam))
    return lambda rng: math.log1p(_u(rng) * slope) / scale


def _von_mises(a: Sequence[float]) -> Draw:
    def draw(rng: random.Random) -> float:
        x = rng.vonmisesvariate(a[0] % (2 * math.pi), a[1])
        return x - 2 * math.pi if x > math.pi else x

    return draw


def _student_t(a: Sequence[float]) -> Draw:
    nu, mu, s = a
    return lambda rng: mu + s * rng.gauss(0, 1) / math.sqrt(rng.gammavariate(nu / 2, 2) / nu)


def _truncated_normal(a: Sequence[float]) -> Draw:
    mu, s, low, high = a
    unit = NormalDist()
    lo, hi = unit.cdf((low - mu) / s), unit.cdf((high - mu) / s)
    return lambda rng: mu + s * unit.inv_cdf(lo + _u(rng) * (hi - lo))


SAMPLERS: dict[str, Callable[[Sequence[float]], Draw]] = {
    "normal": _normal,
    "exponential": lambda a: lambda rng: rng.expovariate(a[0]),
    "gamma": lambda a: lambda rng: rng.gammavariate(a[0], 1 / a[1]),
    "log_normal": lambda a: lambda rng: rng.lognormvariate(a[0], a[1]),
    "beta": lambda a: lambda rng: rng.betavariate(a[0], a[1]),
    "laplace": lambda a: lambda rng: a[0] + a[1] * (rng.expovariate(1) - rng.expovariate(1)),
    "gumbel": lambda a: lambda rng: a[0] - a[1] * math.log(-math.log(_u(rng))),
    "half_normal": lambda a: lambda rng: abs(rng.normalvariate(0, a[0])),
    "continuous_bernoulli": _continuous_bernoulli,
    "cauchy": lambda a: lambda rng: a[0] + a[1] * math.tan(math.pi * (_u(rng) - 0.5)),
    "half_cauchy": lambda a: lambda rng: a[0] * math.tan(math.pi * _u(rng) / 2),
    "weibull": lambda a: lambda rng: a[0] * (-math.log(_u(rng))) ** (1 / a[1]),
    "chi2": lambda a: lambda rng: rng.gammavariate(a[0] / 2, 2),
    "inverse_gamma": lambda a: lambda rng: 1 / rng.gammavariate(a[0], 1 / a[1]),
    "rayleigh": lambda a: lambda rng: a[0] * math.sqrt(-2 * math.log(_u(rng))),
    "chi": lambda a: lambda rng: math.sqrt(rng.gammavariate(a[0] / 2, 2)),
    "uniform": lambda a: lambda rng: a[0] + (a[1] - a[0]) * _u(rng),
    "pareto": lambda a: lambda rng: a[0] * _u(rng) ** (-1 / a[1]),
    "moyal": lambda a: lambda rng: a[0] - a[1] * math.log(rng.gauss(0, 1) ** 2),
    "logit_normal": lambda a: lambda rng: 1 / (1 + math.exp(-rng.normalvariate(a[0], a[1]))),
    "von_mises": _von_mises,
    "student_t": _student_t,
    "truncated_normal": _truncated_normal,
    "kumaraswamy": lambda a: lambda rng: (1 - _u(rng) ** (1 / a[1])) ** (1 / a[0]),
}


def sampler(family: str, args: Sequence[float]) -> Draw | None:
    """A function of a ``random.Random`` drawing from ``family(*args)``, or ``None`` for a
    family without a sampler here."""
    make = SAMPLERS.get(family)
    return None if make is None else make([float(x) for x in args])
