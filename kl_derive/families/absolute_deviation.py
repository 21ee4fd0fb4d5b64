r"""The mean absolute deviation :math:`\mathbb{E}|z - a|` of the laws on a half-line or an
interval, for the Laplace law's log density (issue 17: X ‖ Laplace).

Split at the kink: with :math:`F` the distribution function and
:math:`M(a) = \int_{\ell}^{a} z f(z)\,dz` the partial mean over the support from its lower
end :math:`\ell`,

.. math::
   \mathbb{E}|z - a| = \mathbb{E}[z] - a + 2\,\mathbb{E}[(a - z)^+],\qquad
   \mathbb{E}[(a - z)^+] = a F(a) - M(a)

for :math:`a` inside the support; below it :math:`(a - z)^+ = 0`, above it (an interval)
:math:`\mathbb{E}[(a-z)^+] = a - \mathbb{E}[z]`. The value is a piecewise expression with
those conditions, never one formula stated for every :math:`a`. Where the mean is infinite
(a Pareto law with :math:`\alpha \le 1`) the moment's condition says so.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import (
    EulerGamma,
    Expr,
    Piecewise,
    S,
    betainc_regularized,
    erf,
    exp,
    gamma,
    log,
    lowergamma,
    pi,
    sqrt,
    uppergamma,
)

from .moment import Moment

__all__ = ["mean_absolute_deviation"]


def _phi(x: Expr) -> Expr:
    """The standard normal distribution function."""
    return (1 + erf(x / sqrt(2))) / 2


def _exponential(a: Expr, args) -> tuple[Expr, Expr, Expr, Expr]:
    (rate,) = args
    # mean, F(a), M(a), lower end of the support
    return 1 / rate, 1 - exp(-rate * a), (1 - exp(-rate * a) * (1 + rate * a)) / rate, S.Zero


def _gamma(a: Expr, args):
    shape, rate = args
    f = lowergamma(shape, rate * a) / gamma(shape)
    # P(alpha + 1, x) = P(alpha, x) - x^alpha e^{-x} / Gamma(alpha + 1)
    m = shape / rate * f - (rate * a) ** shape * exp(-rate * a) / (rate * gamma(shape))
    return shape / rate, f, m, S.Zero


def _half_normal(a: Expr, args):
    (scale,) = args
    mean = scale * sqrt(2 / pi)
    f = erf(a / (sqrt(2) * scale))
    m = mean * (1 - exp(-(a**2) / (2 * scale**2)))
    return mean, f, m, S.Zero


def _log_normal(a: Expr, args):
    loc, scale = args
    mean = exp(loc + scale**2 / 2)
    f = _phi((log(a) - loc) / scale)
    m = mean * _phi((log(a) - loc - scale**2) / scale)
    return mean, f, m, S.Zero


def _pareto(a: Expr, args):
    scale, alpha = args  # PyTorch's Pareto(scale, alpha); finite mean for alpha > 1
    mean = alpha * scale / (alpha - 1)
    f = 1 - (scale / a) ** alpha
    m = alpha * scale**alpha * (scale ** (1 - alpha) - a ** (1 - alpha)) / (alpha - 1)
    return mean, f, m, scale


def _beta(a: Expr, args):
    c1, c0 = args
    mean = c1 / (c1 + c0)
    f = betainc_regularized(c1, c0, 0, a)
    m = mean * betainc_regularized(c1 + 1, c0, 0, a)
    return mean, f, m, S.Zero


def _chi2(a: Expr, args):
    (df,) = args
    return _gamma(a, (df / 2, S.Half))


def _chi(a: Expr, args):
    (df,) = args
    # u = z^2/2: M(a) = sqrt(2) lowergamma((k + 1)/2, a^2/2) / Gamma(k/2)
    mean = sqrt(2) * gamma((df + 1) / 2) / gamma(df / 2)
    f = lowergamma(df / 2, a**2 / 2) / gamma(df / 2)
    m = sqrt(2) * lowergamma((df + 1) / 2, a**2 / 2) / gamma(df / 2)
    return mean, f, m, S.Zero


def _continuous_bernoulli(a: Expr, args):
    (probs,) = args  # lambda != 1/2 (the family's condition); r = log(lambda/(1 - lambda))
    r = log(probs) - log(1 - probs)
    odds = probs**a * (1 - probs) ** (-a)  # e^{r a}
    c = (1 - probs) / (2 * probs - 1)  # C(lambda) (1 - lambda) / r
    mean = probs / (2 * probs - 1) - 1 / r
    return mean, c * (odds - 1), c * (a * odds - (odds - 1) / r), S.Zero


def _rayleigh(a: Expr, args):
    (scale,) = args
    mean = scale * sqrt(pi / 2)
    f = 1 - exp(-(a**2) / (2 * scale**2))
    m = mean * erf(a / (sqrt(2) * scale)) - a * exp(-(a**2) / (2 * scale**2))
    return mean, f, m, S.Zero


def _weibull(a: Expr, args):
    scale, k = args
    x = (a / scale) ** k
    return scale * gamma(1 + 1 / k), 1 - exp(-x), scale * lowergamma(1 + 1 / k, x), S.Zero


def _inverse_gamma(a: Expr, args):
    shape, rate = args  # finite mean for alpha > 1
    f = uppergamma(shape, rate / a) / gamma(shape)
    m = rate * uppergamma(shape - 1, rate / a) / gamma(shape)
    return rate / (shape - 1), f, m, S.Zero


#: family -> (mean, F(a), M(a), lower end) as functions of the point and the parameters
PARTS: dict[str, Callable] = {
    "exponential": _exponential,
    "gamma": _gamma,
    "half_normal": _half_normal,
    "log_normal": _log_normal,
    "pareto": _pareto,
    "beta": _beta,
    "chi2": _chi2,
    "chi": _chi,
    "continuous_bernoulli": _continuous_bernoulli,
    "rayleigh": _rayleigh,
    "weibull": _weibull,
    "inverse_gamma": _inverse_gamma,
}
#: the upper end of the support where it is finite
UPPER: dict[str, Expr] = {"beta": S.One, "continuous_bernoulli": S.One}


def mean_absolute_deviation(family: str, point: Expr, args: tuple[Expr, ...]) -> Expr | None:
    """:math:`\\mathbb{E}|z - a|` under ``family(*args)`` (``None`` if not known here)."""
    if family == "gumbel":
        loc, scale = args
        # with c = e^{-(a - mu)/beta}: E|z - a| = mu + gamma beta - a + 2 beta Gamma(0, c)
        c = exp(-(point - loc) / scale)
        return loc + EulerGamma * scale - point + 2 * scale * uppergamma(0, c)
    if family not in PARTS:
        return None
    mean, f, m, lower = PARTS[family](point, args)
    inside = mean - point + 2 * (point * f - m)
    pieces = [(mean - point, point <= lower)]
    if family in UPPER:
        pieces.append((point - mean, point >= UPPER[family]))
    pieces.append((inside, S.true))
    return Piecewise(*pieces)


def absolute_moment(family: str, statistic: Expr, point: Expr, args) -> Moment | None:
    """The :class:`Moment` ``E|z - a|`` (finite when the mean is: Pareto needs alpha > 1)."""
    value = mean_absolute_deviation(family, point, args)
    if value is None:
        return None
    condition = args[1] > 1 if family == "pareto" else S.true
    if family == "inverse_gamma":
        condition = args[0] > 1
    return Moment(statistic, value, "abs_moment", condition)
