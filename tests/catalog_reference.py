"""Independent numeric references for the family catalog: each family as a SciPy law.

``REFERENCE[name](*values)`` is a frozen ``scipy.stats`` distribution (or an object with
``pdf``/``logpdf``/``pmf``/``logpmf`` and ``support``) with kl-derive's parameters in
PyTorch's order. Nothing here comes from kl-derive: it is the yardstick the derived
results are measured against, by quadrature or summation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import mpmath
import numpy as np
from scipy import stats


class _Density:
    """A continuous law given by its log density on an interval.

    With ``mp`` the log density is written with mpmath and is evaluated at the
    quadrature's own high-precision points (a beta density near its ends needs it).
    """

    def __init__(
        self, logpdf: Callable[[float], float], lower: float, upper: float, mp: bool = False
    ):
        self._logpdf, self._lower, self._upper = logpdf, lower, upper
        self.mp = mp

    def logpdf(self, x: float) -> float:
        if not self._lower <= x <= self._upper:
            return -math.inf
        return self._logpdf(x)

    def pdf(self, x: float) -> float:
        return math.exp(self.logpdf(x))

    def support(self) -> tuple[float, float]:
        return self._lower, self._upper

    def _quad(self, f) -> float:
        return float(mpmath.quad(f, [self._lower, (self._lower + self._upper) / 2, self._upper]))

    def entropy(self) -> float:
        return self._quad(lambda x: -mpmath.exp(self.logpdf(x)) * self.logpdf(x))

    def mean(self) -> float:
        return self._quad(lambda x: x * mpmath.exp(self.logpdf(x)))

    def ppf(self, u):
        """Points inside the (finite) support, used only to split integrals."""
        if isinstance(u, (int, float)):
            return self._lower + float(u) * (self._upper - self._lower)
        return [self.ppf(float(v)) for v in u]


def _continuous_bernoulli(lam: float) -> _Density:
    norm = 2.0 if abs(lam - 0.5) < 1e-09 else 2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam)
    return _Density(
        lambda x: math.log(norm) + x * math.log(lam) + (1 - x) * math.log1p(-lam), 0.0, 1.0
    )


def _beta(a: float, b: float) -> _Density:
    normalizer = mpmath.log(mpmath.beta(a, b))

    def logpdf(x):
        return (a - 1) * mpmath.log(x) + (b - 1) * mpmath.log(1 - x) - normalizer

    return _Density(logpdf, 0.0, 1.0, mp=True)


def _pareto(scale: float, alpha: float) -> _Density:
    def logpdf(x):
        return mpmath.log(alpha) + alpha * mpmath.log(scale) - (alpha + 1) * mpmath.log(x)

    return _Density(logpdf, scale, math.inf, mp=True)


def _log_normal(loc: float, scale: float) -> _Density:
    def logpdf(x):
        y = mpmath.log(x)
        return (
            -((y - loc) ** 2) / (2 * scale**2) - y - mpmath.log(scale * mpmath.sqrt(2 * mpmath.pi))
        )

    return _Density(logpdf, 0.0, math.inf, mp=True)


def _mp_density(logpdf, lower: float, upper: float) -> _Density:
    return _Density(logpdf, lower, upper, mp=True)


def _with_constant(constant, logpdf, lower: float, upper: float) -> _Density:
    """A log density ``logpdf(c, x)`` whose constant part ``c`` (log-gamma functions, a
    normal law's mass) is worked out once, at 40 digits, not at every quadrature node."""
    with mpmath.workdps(40):
        c = constant()
    return _mp_density(lambda x: logpdf(c, x), lower, upper)


def _continuous_bernoulli_mp(lam: float) -> _Density:
    lam = mpmath.mpf(lam)
    if abs(lam - 0.5) < 1e-12:
        norm = mpmath.mpf(2)
    else:
        norm = 2 * mpmath.atanh(1 - 2 * lam) / (1 - 2 * lam)
    return _mp_density(
        lambda x: mpmath.log(norm) + x * mpmath.log(lam) + (1 - x) * mpmath.log(1 - lam),
        0.0,
        1.0,
    )


_mp = mpmath


def _normal_mass(alpha: float, beta: float):
    """Phi(beta) - Phi(alpha) without cancellation: from the upper tail when the interval
    lies right of 0 (Phi(-alpha) - Phi(-beta)), at 50 digits."""
    with mpmath.workdps(50):
        if alpha > 0:
            return mpmath.ncdf(-alpha) - mpmath.ncdf(-beta)
        return mpmath.ncdf(beta) - mpmath.ncdf(alpha)


_INF = math.inf


def _capped_exp(t):
    """e^t, capped at e^(10^5): far beyond where any density here has mass, and the
    quadrature's extreme nodes would otherwise ask for e^(e^(10^9))."""
    return mpmath.exp(min(t, 10**5))


#: every continuous family's log density in mpmath, from textbook formulas: the KL
#: reference integrates these at the quadrature's own high-precision points
MP_LOGPDF: dict[str, Callable] = {
    "normal": lambda loc, scale: _mp_density(
        lambda x: -((x - loc) ** 2) / (2 * scale**2) - _mp.log(scale * _mp.sqrt(2 * _mp.pi)),
        -_INF,
        _INF,
    ),
    "exponential": lambda rate: _mp_density(lambda x: _mp.log(rate) - rate * x, 0.0, _INF),
    "gamma": lambda a, rate: _with_constant(
        lambda: a * _mp.log(rate) - _mp.loggamma(a),
        lambda c, x: c + (a - 1) * _mp.log(x) - rate * x,
        0.0,
        _INF,
    ),
    "uniform": lambda low, high: _mp_density(lambda x: -_mp.log(high - low), low, high),
    "laplace": lambda loc, scale: _mp_density(
        lambda x: -_mp.log(2 * scale) - abs(x - loc) / scale, -_INF, _INF
    ),
    "pareto": _pareto,
    "beta": _beta,
    "gumbel": lambda loc, scale: _mp_density(
        lambda x: -_mp.log(scale) - (x - loc) / scale - _capped_exp(-(x - loc) / scale),
        -_INF,
        _INF,
    ),
    "half_normal": lambda scale: _mp_density(
        lambda x: _mp.log(_mp.sqrt(2 / _mp.pi) / scale) - x**2 / (2 * scale**2), 0.0, _INF
    ),
    "log_normal": _log_normal,
    "cauchy": lambda loc, scale: _mp_density(
        lambda x: -_mp.log(_mp.pi * scale) - _mp.log(1 + ((x - loc) / scale) ** 2), -_INF, _INF
    ),
    "half_cauchy": lambda scale: _mp_density(
        lambda x: _mp.log(2 / (_mp.pi * scale)) - _mp.log(1 + (x / scale) ** 2), 0.0, _INF
    ),
    "weibull": lambda scale, k: _mp_density(
        lambda x: _mp.log(k / scale) + (k - 1) * _mp.log(x / scale) - (x / scale) ** k, 0.0, _INF
    ),
    "chi2": lambda df: _with_constant(
        lambda: -(df / 2) * _mp.log(2) - _mp.loggamma(df / 2),
        lambda c, x: (df / 2 - 1) * _mp.log(x) - x / 2 + c,
        0.0,
        _INF,
    ),
    "chi": lambda df: _with_constant(
        lambda: -(df / 2 - 1) * _mp.log(2) - _mp.loggamma(df / 2),
        lambda c, x: (df - 1) * _mp.log(x) - x**2 / 2 + c,
        0.0,
        _INF,
    ),
    "rayleigh": lambda scale: _mp_density(
        lambda x: _mp.log(x / scale**2) - x**2 / (2 * scale**2), 0.0, _INF
    ),
    "inverse_gamma": lambda a, rate: _with_constant(
        lambda: a * _mp.log(rate) - _mp.loggamma(a),
        lambda c, x: c - (a + 1) * _mp.log(x) - rate / x,
        0.0,
        _INF,
    ),
    "continuous_bernoulli": _continuous_bernoulli_mp,
    "logit_normal": lambda loc, scale: _mp_density(
        lambda x: (
            -_mp.log(scale * _mp.sqrt(2 * _mp.pi))
            - _mp.log(x)
            - _mp.log(1 - x)
            - (_mp.log(x / (1 - x)) - loc) ** 2 / (2 * scale**2)
        ),
        0.0,
        1.0,
    ),
    "moyal": lambda loc, scale: _mp_density(
        lambda x: (
            -_mp.log(scale * _mp.sqrt(2 * _mp.pi))
            - ((x - loc) / scale + _capped_exp(-(x - loc) / scale)) / 2
        ),
        -_INF,
        _INF,
    ),
    "student_t": lambda df, loc, scale: _with_constant(
        lambda: (
            _mp.loggamma((df + 1) / 2)
            - _mp.loggamma(df / 2)
            - _mp.log(_mp.sqrt(df * _mp.pi) * scale)
        ),
        lambda c, x: c - (df + 1) / 2 * _mp.log(1 + ((x - loc) / scale) ** 2 / df),
        -_INF,
        _INF,
    ),
    "truncated_normal": lambda loc, scale, low, high: _with_constant(
        lambda: (
            -_mp.log(scale * _mp.sqrt(2 * _mp.pi))
            - _mp.log(_normal_mass((low - loc) / scale, (high - loc) / scale))
        ),
        lambda c, x: -((x - loc) ** 2) / (2 * scale**2) + c,
        low,
        high,
    ),
    "kumaraswamy": lambda a, b: _mp_density(
        lambda x: _mp.log(a * b) + (a - 1) * _mp.log(x) + (b - 1) * _mp.log(1 - x**a),
        0.0,
        1.0,
    ),
}


#: laws whose KL is integrated with their log density in mpmath (singular ends, heavy
#: tails); on a half-line the integral runs in log x, which tames power-law tails
HIGH_PRECISION: dict[str, Callable] = {
    "beta": _beta,
    "pareto": _pareto,
    "log_normal": _log_normal,
}

#: where a log density has a kink (|z - loc|): quadrature splits there
KINKS: dict[str, Callable] = {
    "laplace": lambda loc, scale: [loc],
    "uniform": lambda low, high: [low, high],
}


def _logit_normal(loc: float, scale: float) -> _Density:
    def logpdf(x: float) -> float:
        if x <= 0 or x >= 1:
            return -math.inf
        y = math.log(x / (1 - x))
        return stats.norm(loc, scale).logpdf(y) - math.log(x) - math.log1p(-x)

    return _Density(logpdf, 0.0, 1.0)


def _von_mises(loc: float, concentration: float) -> _Density:
    def logpdf(x: float) -> float:
        return concentration * math.cos(x - loc) - math.log(2 * math.pi * np.i0(concentration))

    return _Density(logpdf, -math.pi, math.pi)


REFERENCE: dict[str, Callable] = {
    "normal": lambda loc, scale: stats.norm(loc, scale),
    "exponential": lambda rate: stats.expon(scale=1 / rate),
    "gamma": lambda a, rate: stats.gamma(a, scale=1 / rate),
    "uniform": lambda low, high: stats.uniform(low, high - low),
    "laplace": lambda loc, scale: stats.laplace(loc, scale),
    "pareto": lambda scale, alpha: stats.pareto(alpha, scale=scale),
    "beta": lambda c1, c0: stats.beta(c1, c0),
    "gumbel": lambda loc, scale: stats.gumbel_r(loc, scale),
    "half_normal": lambda scale: stats.halfnorm(scale=scale),
    "log_normal": lambda loc, scale: stats.lognorm(scale, scale=math.exp(loc)),
    "cauchy": lambda loc, scale: stats.cauchy(loc, scale),
    "half_cauchy": lambda scale: stats.halfcauchy(scale=scale),
    "weibull": lambda scale, k: stats.weibull_min(k, scale=scale),
    "chi2": lambda df: stats.chi2(df),
    "chi": lambda df: stats.chi(df),
    "rayleigh": lambda scale: stats.rayleigh(scale=scale),
    "inverse_gamma": lambda a, rate: stats.invgamma(a, scale=rate),
    "moyal": lambda loc, scale: stats.moyal(loc, scale),
    "continuous_bernoulli": _continuous_bernoulli,
    "logit_normal": _logit_normal,
    "von_mises": _von_mises,
    "student_t": lambda df, loc, scale: stats.t(df, loc, scale),
    "truncated_normal": lambda loc, scale, low, high: stats.truncnorm(
        (low - loc) / scale, (high - loc) / scale, loc=loc, scale=scale
    ),
    "kumaraswamy": lambda a, b: MP_LOGPDF["kumaraswamy"](a, b),
    # mass functions (PyTorch's conventions)
    "bernoulli": lambda p: stats.bernoulli(p),
    "binomial": lambda n, p: stats.binom(int(n), p),
    "geometric": lambda p: stats.geom(p, loc=-1),  # failures before the first success
    "poisson": lambda rate: stats.poisson(rate),
    # successes (probability p) before the r-th failure
    "negative_binomial": lambda r, p: stats.nbinom(r, 1 - p),
}

DISCRETE = {"bernoulli", "binomial", "geometric", "poisson", "negative_binomial"}


def _logpdf(law, discrete: bool):
    return law.logpmf if discrete else law.logpdf


def numeric_kl(p_name: str, p_values, q_name: str, q_values) -> float:
    """KL(P || Q) by quadrature (or summation) of p log(p/q) over P's support.

    ``inf`` when P gives positive probability to a set where Q's density is zero.
    """
    p, q = REFERENCE[p_name](*p_values), REFERENCE[q_name](*q_values)
    discrete = p_name in DISCRETE
    lp, lq = _logpdf(p, discrete), _logpdf(q, q_name in DISCRETE)
    if discrete:
        lower, upper = p.support()
        upper = min(upper, p.ppf(1 - 1e-16) + 50)
        total = 0.0
        for k in range(int(lower), int(upper) + 1):
            a = float(lp(k))
            if a == -math.inf:
                continue
            b = float(lq(k))
            if b == -math.inf:
                return math.inf
            total += math.exp(a) * (a - b)
        return total
    lower, upper = (float(b) for b in p.support())
    if q_name in DISCRETE:
        return math.inf
    q_lower, q_upper = (float(b) for b in q.support())
    if lower < q_lower or upper > q_upper:
        # P has mass where Q's density is zero, however little (every family here has a
        # positive density on the whole inside of its support)
        return math.inf

    def integrand(x: float) -> float:
        if not lower < x < upper:
            return 0.0  # an end of the support, reached only by rounding
        a = float(lp(x))
        if a == -math.inf:
            return 0.0
        b = float(lq(x))
        if b == -math.inf:
            raise _Outside
        return math.exp(a) * (a - b)

    breaks = [
        *KINKS.get(p_name, lambda *v: [])(*p_values),
        *KINKS.get(q_name, lambda *v: [])(*q_values),
    ]
    if p_name in MP_LOGPDF and q_name in MP_LOGPDF:  # both in mpmath: the reference
        q = MP_LOGPDF[q_name](*q_values)
        return _kl_high_precision(MP_LOGPDF[p_name](*p_values), q, q.logpdf, lower, upper, breaks)
    if hasattr(p, "ppf") and hasattr(p, "isf"):
        return _kl_by_quantiles(p, lp, lq, lower, upper, breaks)
    try:
        pieces = _pieces(p, lower, upper)
        total = 0.0
        for a, b in pieces:
            # tanh-sinh quadrature copes with the integrable singularities at the ends
            # of a support (a gamma density with shape below one)
            value = mpmath.quad(lambda x: integrand(float(x)), [a, b])
            total += float(value)
        return total
    except _Outside:
        return math.inf


class _Outside(Exception):
    pass


def numeric_cross_entropy(p_name: str, p_values, q_name: str, q_values) -> float:
    """H(P, Q) = -E_P[log q] by quadrature (or summation) over P's support, from the
    densities written here; ``inf`` when P gives positive probability to a set where Q's
    density is zero. With Q = P it is the entropy H(P)."""
    discrete = p_name in DISCRETE
    if discrete != (q_name in DISCRETE):
        return math.inf
    if discrete:
        p, q = REFERENCE[p_name](*p_values), REFERENCE[q_name](*q_values)
        lower, upper = p.support()
        upper = min(upper, p.ppf(1 - 1e-16) + 50)
        total = 0.0
        for k in range(int(lower), int(upper) + 1):
            a = float(p.logpmf(k))
            if a == -math.inf:
                continue
            b = float(q.logpmf(k))
            if b == -math.inf:
                return math.inf
            total -= math.exp(a) * b
        return total
    p, q = _mp_law(p_name, p_values), _mp_law(q_name, q_values)
    lower, upper = p.support()
    q_lower, q_upper = q.support()
    if lower < q_lower or upper > q_upper:
        return math.inf  # every density here is positive inside its support
    breaks = [
        *KINKS.get(p_name, lambda *v: [])(*p_values),
        *KINKS.get(q_name, lambda *v: [])(*q_values),
    ]
    return _expectation_high_precision(p, lambda x, a: -q.logpdf(x), lower, upper, breaks)


def numeric_entropy(name: str, values) -> float:
    """H(P) = -E_P[log p] by quadrature (or summation)."""
    return numeric_cross_entropy(name, values, name, values)


def _mp_law(name: str, values) -> _Density:
    """A continuous law as a log density that mpmath's points can be given to."""
    if name in MP_LOGPDF:
        return MP_LOGPDF[name](*values)
    law = REFERENCE[name](*values)
    assert isinstance(law, _Density), name
    return law


def _kl_high_precision(
    p: _Density, q, lq, lower: float, upper: float, breaks: list[float]
) -> float:
    """KL by tanh-sinh quadrature in mpmath of p log(p/q), both log densities in mpmath."""
    return _expectation_high_precision(p, lambda x, a: a - lq(x), lower, upper, breaks)


def _expectation_high_precision(
    p: _Density, g: Callable, lower: float, upper: float, breaks: list[float]
) -> float:
    """E_p[g(x, log p(x))] by tanh-sinh quadrature in mpmath (p log(p/q) for the KL,
    -p log q for a cross-entropy).

    The support is split at the kinks; an infinite end is reached through
    x = c +- (e^u - 1), which turns power-law tails (Pareto, Cauchy) into exponential
    ones.
    """

    def integrand(x):
        a = p.logpdf(x)
        if a < -20000:
            return 0  # p is nothing here (and q's log density may be huge)
        b = g(x, a)
        if not mpmath.isfinite(b):
            return 0  # the supports nest (checked before): q underflows in a far tail
        return mpmath.exp(a) * b

    def tail(start, sign):
        return mpmath.quad(
            lambda u: integrand(start + sign * (mpmath.exp(u) - 1)) * mpmath.exp(u),
            # x up to e^30000: a tail x^(-1.01) (E[z^2] under a Pareto law with alpha =
            # 2.01) still holds a part in a thousand of the integral beyond e^700; the
            # integrand is cut where the density is below e^-20000
            [0, 1, 5, 20, 100, 700, 2000, 7000, 30000],
        )

    def end(point, sign, width):
        """The piece from ``point`` (an end of the support) to ``point + sign*width``,
        through x = point + sign e^u: a density with an integrable singularity at the
        end (a shape below one) becomes a smooth, decaying integrand in u."""
        if point == 0:
            return mpmath.quad(
                lambda u: integrand(sign * mpmath.exp(u)) * mpmath.exp(u),
                [-mpmath.inf, -40, -10, mpmath.log(width)],
            )

        def near(u):
            # at an end other than 0, point + e^u cancels: stop at e^-100 and carry x and
            # the integrand at 60 digits (the quadrature itself needs no more than the
            # working precision: its nodes in u are exact, and the integrand is smooth)
            with mpmath.workdps(60):
                value = integrand(point + sign * mpmath.exp(u)) * mpmath.exp(u)
            return +value

        return mpmath.quad(near, [-100, -40, -10, mpmath.log(width)])

    inner = sorted({x for x in breaks if lower < x < upper})
    if lower != -math.inf and upper != math.inf:
        cuts = [lower, *inner, upper]
        if len(cuts) == 2:
            cuts = [lower, (lower + upper) / 2, upper]
        left, right = cuts[1] - cuts[0], cuts[-1] - cuts[-2]
        body = mpmath.quad(integrand, cuts[1:-1]) if len(cuts) > 3 else 0
        return float(end(lower, 1, left) + body + end(upper, -1, right))
    if upper == math.inf and lower != -math.inf:
        c = max([lower + 1, *(x + 1 for x in inner)])
        first = min([c, *inner])
        body = mpmath.quad(integrand, [first, *[x for x in inner if x > first], c])
        return float(end(lower, 1, first - lower) + body + tail(c, 1))
    if lower == -math.inf and upper == math.inf:
        c = max([abs(x) for x in inner] + [1.0]) + 1
        body = mpmath.quad(integrand, [-c, *sorted({*inner, 0.0}), c])
        return float(tail(-c, -1) + body + tail(c, 1))
    c = min([upper - 1, *(x - 1 for x in inner)])  # (-oo, upper]
    last = max([c, *inner])
    body = mpmath.quad(integrand, [c, *[x for x in inner if x < last], last])
    return float(tail(c, -1) + body + end(upper, -1, upper - last))


def _kl_by_quantiles(p, lp, lq, lower: float, upper: float, breaks: list[float]) -> float:
    """KL as the integral over u in (0, 1) of log p(x) - log q(x) at x = F^{-1}(u).

    The substitution removes the density from the integrand, so a density that is
    infinite at an end of its support (a beta law with a parameter below one) leaves only
    a logarithmic singularity; the upper half uses the inverse survival function, which
    keeps the tail accurate.
    """

    def integrand(u) -> float:
        x = float(p.ppf(float(u))) if u <= 0.5 else float(p.isf(float(1 - u)))
        if not lower < x < upper or not math.isfinite(x):
            return 0.0  # an end of the support: a set of probability zero
        a, b = float(lp(x)), float(lq(x))
        if b == -math.inf:
            raise _Outside
        return a - b

    cuts = {float(p.cdf(x)) for x in breaks if lower < x < upper}
    points = sorted({0.0, 0.25, 0.5, 0.75, 1.0, *cuts})
    try:
        return float(mpmath.quad(integrand, points))
    except _Outside:
        return math.inf


def truncated_kl(p_name: str, p_values, q_name: str, q_values, radius: float) -> float:
    """The integral of p log(p/q) over P's support cut to [-radius, radius] and kept
    1/radius^2 away from a finite end: it grows without bound with the radius exactly
    when the divergence is infinite because a moment is (a tail too heavy for Q, or a
    pole of Q's log density at an end of P's support)."""
    p, q = REFERENCE[p_name](*p_values), REFERENCE[q_name](*q_values)
    lower, upper = (float(b) for b in p.support())
    # a finite end is cut too, closer than the tails (1/radius^2): a pole of log q there
    # (1/z of an inverse-gamma law under an exponential one) diverges like log(1/cut)
    lower = lower + radius**-2 if math.isfinite(lower) else -radius
    upper = upper - radius**-2 if math.isfinite(upper) else radius
    exact = p_name in MP_LOGPDF and q_name in MP_LOGPDF
    if exact:  # mpmath log densities: no overflow far out in a tail
        p, q = MP_LOGPDF[p_name](*p_values), MP_LOGPDF[q_name](*q_values)

    def integrand(x):
        if not exact:
            x = float(x)
        a = p.logpdf(x)
        if a == -math.inf:
            return 0
        return mpmath.exp(a) * (a - q.logpdf(x))

    edges = [lower, *(x for x in (-10.0, -1.0, 0.0, 1.0, 10.0) if lower < x < upper), upper]
    return float(mpmath.quad(integrand, edges))


def _pieces(p, lower: float, upper: float) -> list[tuple[float, float]]:
    """Split the support at a few quantiles so that quad sees the mass."""
    try:
        points = [float(p.ppf(u)) for u in (1e-6, 0.25, 0.5, 0.75, 1 - 1e-6)]
    except AttributeError:
        points = []
    inner = sorted({x for x in points if lower < x < upper and math.isfinite(x)})
    edges = [lower, *inner, upper]
    return list(itertools.pairwise(edges))
