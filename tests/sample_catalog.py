"""The sample of the catalog the format tests run over (issue 12): at least twenty
derivations, among them normal, normal || normal with a log-variance, gamma, beta,
Dirichlet, Wishart, multivariate normal, Cauchy || normal (infinite), uniform (a condition),
discrete pairs, an entropy and a cross-entropy.

``derivation(key)`` derives each once per test session.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from kl_derive import cross_entropy, derive, entropy


class Entry(NamedTuple):
    quantity: str  # "kl", "entropy" or "cross_entropy"
    p: str
    q: str | None = None
    param: str | None = None


SAMPLE: dict[str, Entry] = {
    "normal": Entry("kl", "normal"),
    "normal-logvar": Entry("kl", "normal", "normal", "logvar"),
    "gamma": Entry("kl", "gamma", "gamma"),
    "beta": Entry("kl", "beta", "beta"),
    "dirichlet": Entry("kl", "dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])"),
    "wishart": Entry("kl", "wishart", "wishart"),
    "mvn": Entry("kl", "multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)"),
    "mvn-standard": Entry("kl", "multivariate_normal"),
    "diag-normal-logvar": Entry("kl", "diag_normal", None, "logvar"),
    "cauchy-normal": Entry("kl", "cauchy", "normal"),
    "uniform": Entry("kl", "uniform", "uniform"),
    "pareto": Entry("kl", "pareto", "pareto"),
    "laplace": Entry("kl", "laplace", "laplace"),
    "log-normal": Entry("kl", "log_normal", "log_normal"),
    "exponential-gamma": Entry("kl", "exponential", "gamma"),
    "von-mises": Entry("kl", "von_mises", "von_mises"),
    "gumbel": Entry("kl", "gumbel", "gumbel"),
    "poisson": Entry("kl", "poisson", "poisson"),
    "bernoulli": Entry("kl", "bernoulli", "bernoulli"),
    "categorical": Entry("kl", "categorical", "categorical"),
    "entropy-gamma": Entry("entropy", "gamma"),
    "cross-entropy": Entry("cross_entropy", "normal", "laplace(0, 1)"),
}


@cache
def derivation(key: str):
    entry = SAMPLE[key]
    if entry.quantity == "entropy":
        return entropy(entry.p, param=entry.param)
    if entry.quantity == "cross_entropy":
        return cross_entropy(entry.p, entry.q, param=entry.param)
    return derive(entry.p, entry.q, param=entry.param)
