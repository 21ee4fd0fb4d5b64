"""Compare the values of an extreme-shapes sweep with SciPy, computed independently.

Run ``python bench/extreme_check.py FILE...`` on what ``bench/extreme.py --json`` wrote (its
summary on standard output, or its one JSON line per case on standard error). Each derived
case is compared with KL(P || Q) computed by SciPy alone, as the integral over u in (0, 1) of
log p(z) - log q(z) at z = F_P^{-1}(u) (the quantile substitution flattens a narrow peak and
an integrable pole at an end of the support), and classed as

For P a beta or Kumaraswamy law and Q a partner whose log density is a combination of
log z, z, z^2, (log z)^2 and 1/z (and log(1 - z) under a beta law), the reference is the
closed form -H(P) - E_P[log q] from the law's textbook moments (mpmath, 30 digits)
instead.

- ``agrees``: within a relative 1e-6 (absolute 1e-9 near 0) of SciPy's value or, where
  SciPy's quadrature is not accurate enough, of the test suite's mpmath reference
  (``tests/catalog_reference.numeric_kl``);
- ``wrong``: the two references agree with each other (both finite, within 1e-6, or both
  infinite) and not with kl-derive;
- ``infinite``: kl-derive and SciPy agree that the KL is infinite (P has mass where q is
  zero, or the integral cut at u = 1e-6, 1e-9, 1e-12 of either end grows by more than 1
  at each cut);
- ``unverified``: neither reference is accurate enough at this shape to decide, or they
  disagree with each other (SciPy's quantiles round z to 1 within about (v b B(a, b))^(1/b)
  of the upper end, v = 1 - u; the mpmath reference stops e^(-100) short of an end at 1,
  losing about e^(-100 b) of the mass where the density behaves like (1 - z)^(b - 1)).

Exit status 1 when a case is ``wrong``.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import integrate, stats


class _Kumaraswamy:
    """a b x^(a-1) (1 - x^a)^(b-1) on (0, 1), with its quantiles in closed form."""

    def __init__(self, a: float, b: float) -> None:
        self.a, self.b = a, b

    def logpdf(self, x: float) -> float:
        a, b = self.a, self.b
        return math.log(a * b) + (a - 1) * math.log(x) + (b - 1) * math.log1p(-(x**a))

    def ppf(self, u: float) -> float:  # F(x) = 1 - (1 - x^a)^b
        return (-math.expm1(math.log1p(-u) / self.b)) ** (1 / self.a)

    def isf(self, v: float) -> float:
        return (-math.expm1(math.log(v) / self.b)) ** (1 / self.a)

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0


class _ContinuousBernoulli:
    """C(lam) lam^x (1 - lam)^(1 - x) on (0, 1), lam != 1/2."""

    def __init__(self, lam: float) -> None:
        self.lam = lam
        self.log_c = math.log(2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam))
        self.slope = math.log(lam) - math.log1p(-lam)

    def logpdf(self, x: float) -> float:
        return self.log_c + x * math.log(self.lam) + (1 - x) * math.log1p(-self.lam)

    def ppf(self, u: float) -> float:  # F(x) = (e^(slope x) - 1) / (e^slope - 1)
        return math.log1p(u * math.expm1(self.slope)) / self.slope

    def isf(self, v: float) -> float:
        return self.ppf(1 - v)

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0


#: each family as a law with logpdf, ppf, isf and support, in kl-derive's parameter order
LAWS = {
    "beta": lambda a, b: stats.beta(a, b),
    "kumaraswamy": _Kumaraswamy,
    "uniform": lambda low, high: stats.uniform(low, high - low),
    "continuous_bernoulli": _ContinuousBernoulli,
    "gamma": lambda a, rate: stats.gamma(a, scale=1 / rate),
    "inverse_gamma": lambda a, scale: stats.invgamma(a, scale=scale),
    "weibull": lambda scale, k: stats.weibull_min(k, scale=scale),
    "exponential": lambda rate: stats.expon(scale=1 / rate),
    "log_normal": lambda loc, scale: stats.lognorm(scale, scale=math.exp(loc)),
    "chi2": lambda df: stats.chi2(df),
    "chi": lambda df: stats.chi(df),
    "half_normal": lambda scale: stats.halfnorm(scale=scale),
    "rayleigh": lambda scale: stats.rayleigh(scale=scale),
}


def law(spec: str):
    """The law of a spec such as ``beta(1/8, 30)``."""
    name, _, rest = spec.partition("(")
    values = [float(eval_fraction(v)) for v in rest.rstrip(")").split(",")]
    return LAWS[name](*values)


def eval_fraction(text: str) -> float:
    top, _, bottom = text.strip().partition("/")
    return float(top) / float(bottom or 1)


def _integrand(p, q, lower: float, upper: float):
    def f(u: float) -> float:
        z = float(p.ppf(u)) if u <= 0.5 else float(p.isf(1 - u))
        if not lower < z < upper:
            return 0.0  # an end of the support, reached only by rounding: measure ~ u
        a, b = float(p.logpdf(z)), float(q.logpdf(z))
        if b == -math.inf:
            raise _Outside
        return a - b

    return f


class _Outside(Exception):
    pass


def reference(p_spec: str, q_spec: str) -> tuple[float, float] | str:
    """SciPy's (value, error estimate), or "inf" / "unknown"."""
    p, q = law(p_spec), law(q_spec)
    lower, upper = (float(b) for b in p.support())
    q_lower, q_upper = (float(b) for b in q.support())
    if lower < q_lower or upper > q_upper:
        return "inf"  # every density here is positive inside its support
    f = _integrand(p, q, lower, upper)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                value, error = integrate.quad(
                    f,
                    0,
                    1,
                    limit=200,
                    points=[1e-9, 1e-4, 0.5, 1 - 1e-4, 1 - 1e-9],
                    epsabs=1e-13,
                    epsrel=1e-12,
                )
                if math.isfinite(value) and error <= 1e-8 * max(1.0, abs(value)):
                    return value, error
                cuts = []
                for k in (6, 9, 12):
                    e = 10.0**-k
                    cuts.append(integrate.quad(f, e, 1 - e, limit=200, points=[0.5])[0])
            except _Outside:
                return "inf"
    if cuts[1] - cuts[0] > 1 and cuts[2] - cuts[1] > 1:
        return "inf"
    return "unknown"


def second_reference(p_spec: str, q_spec: str) -> tuple[float, float] | str:
    """The test suite's reference (``tests/catalog_reference.py``: mpmath's tanh-sinh
    quadrature of p log(p/q), the ends of the support reached through z = e^u)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from catalog_reference import numeric_kl

    def split(spec: str) -> tuple[str, list[float]]:
        name, _, rest = spec.partition("(")
        return name, [eval_fraction(v) for v in rest.rstrip(")").split(",")]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = numeric_kl(*split(p_spec), *split(q_spec))
        except Exception:  # the reference itself fails at this shape
            return "unknown"
    if value == math.inf:
        return "inf"
    return (value, 0.0) if math.isfinite(value) else "unknown"


def exact_reference(p_spec: str, q_spec: str) -> tuple[float, float] | str | None:
    """KL(P || Q) = -H(P) - E_P[log q] for P a beta or a Kumaraswamy law, from textbook
    moments (mpmath, 30 digits), for the partners whose log density is a combination of
    log z, z, z^2, (log z)^2, 1/z (and log(1 - z) under a beta law); ``None`` for another
    pair. A Kumaraswamy(a, b) variable is Y^(1/a) with Y ~ Beta(1, b)."""
    import mpmath as mp

    name, _, rest = p_spec.partition("(")
    if name not in ("beta", "kumaraswamy"):
        return None
    with mp.workdps(30):
        a, b = (mp.mpf(eval_fraction(v)) for v in rest.rstrip(")").split(","))
        if name == "beta":
            log_z = mp.digamma(a) - mp.digamma(a + b)
            log_1z = mp.digamma(b) - mp.digamma(a + b)
            m1, m2 = a / (a + b), a * (a + 1) / ((a + b) * (a + b + 1))
            log_z2 = mp.psi(1, a) - mp.psi(1, a + b) + log_z**2
            inverse = (a + b - 1) / (a - 1) if a > 1 else mp.inf
            entropy = (
                mp.log(mp.beta(a, b))
                - (a - 1) * mp.digamma(a)
                - (b - 1) * mp.digamma(b)
                + (a + b - 2) * mp.digamma(a + b)
            )
        else:
            log_y = mp.digamma(1) - mp.digamma(1 + b)  # E[log Y], Y = z^a ~ Beta(1, b)
            log_z, log_1z = log_y / a, None
            m1, m2 = (b * mp.beta(1 + k / a, b) for k in (1, 2))
            log_z2 = (mp.psi(1, 1) - mp.psi(1, 1 + b) + log_y**2) / a**2
            inverse = b * mp.beta(1 - 1 / a, b) if a > 1 else mp.inf
            entropy = (1 - 1 / b) + (1 - 1 / a) * (mp.euler + mp.digamma(b) + 1 / b)
            entropy -= mp.log(a * b)
        lam = mp.mpf(1) / 3
        expected = {
            "uniform(0, 1)": mp.mpf(0),
            "continuous_bernoulli(1/3)": mp.log(2 * mp.atanh(1 - 2 * lam) / (1 - 2 * lam))
            + m1 * mp.log(lam)
            + (1 - m1) * mp.log(1 - lam),
            "gamma(2, 1)": log_z - m1,
            "weibull(1, 2)": mp.log(2) + log_z - m2,
            "exponential(1)": -m1,
            "log_normal(0, 1)": -log_z - log_z2 / 2 - mp.log(2 * mp.pi) / 2,
            "chi2(3)": log_z / 2 - m1 / 2 - mp.mpf(3) / 2 * mp.log(2) - mp.loggamma(1.5),
            "chi(3)": 2 * log_z - m2 / 2 - mp.log(2) / 2 - mp.loggamma(1.5),
            "half_normal(1)": mp.log(mp.sqrt(2 / mp.pi)) - m2 / 2,
            "rayleigh(1)": log_z - m2 / 2,
            "inverse_gamma(3, 1)": -mp.log(2) - 4 * log_z - inverse,
        }
        if log_1z is not None:
            expected["beta(2, 3)"] = mp.log(12) + log_z + 2 * log_1z
        expected_log_q = expected.get(q_spec)
        if expected_log_q is None:
            return None
        value = -entropy - expected_log_q
        return "inf" if value == mp.inf else (float(value), 0.0)


def classify(case: dict) -> str:
    exact = exact_reference(case["p"], case["q"])
    if exact is not None:  # a closed form from the law's textbook moments
        return _classify(case, exact)
    first = reference(case["p"], case["q"])
    verdict = _classify(case, first)
    if verdict in ("agrees", "infinite"):
        return verdict
    second = second_reference(case["p"], case["q"])
    verdict = _classify(case, second)
    if verdict in ("agrees", "infinite"):
        return verdict
    # wrong only where the two references agree with each other and not with kl-derive
    if first == second == "inf" or (
        isinstance(first, tuple) and isinstance(second, tuple) and _close(first[0], second[0])
    ):
        return "wrong"
    return "unverified"


def _close(value: float, expected: float) -> bool:
    return abs(value - expected) <= max(1e-9, 1e-6 * abs(expected))


def _classify(case: dict, ref) -> str:
    derived = case["value"]
    if derived in ("oo", "inf"):
        return "infinite" if ref == "inf" else ("unverified" if ref == "unknown" else "wrong")
    value = float(derived)
    if ref == "inf":
        return "wrong"
    if ref == "unknown":
        return "unverified"
    expected, _ = ref
    return "agrees" if _close(value, expected) else "wrong"


def read(paths: list[str]) -> list[dict]:
    cases = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        if text.lstrip().startswith('{\n "counts"'):
            cases += json.loads(text)["results"]
        else:
            cases += [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return cases


def main() -> int:
    cases = [c for c in read(sys.argv[1:]) if c["status"] == "ok" and c["value"]]
    counts: Counter = Counter()
    for case in cases:
        verdict = classify(case)
        counts[verdict] += 1
        if verdict in ("wrong", "unverified"):
            print(f"{verdict:10} {case['p']} || {case['q']}  kl-derive {case['value']}")
            sys.stdout.flush()
    print(f"{len(cases)} derived cases: {dict(counts)}")
    return 1 if counts["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
