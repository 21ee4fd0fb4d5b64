"""The pairs PyTorch's ``torch.distributions.kl`` registers, in kl-derive's family names.

Kept as data so that ``kl-derive pairs`` can report how much of PyTorch's table the
catalog derives. PyTorch registers 87 pairs: 51 with a finite closed form, 33 that are
always infinite (the support of P is not inside that of Q) and 3 generic rules
(exponential families, transformed distributions, independent products).
"""

from __future__ import annotations

#: pairs with a closed form (some are infinite for part of the parameter space)
FINITE: tuple[tuple[str, str], ...] = (
    ("bernoulli", "bernoulli"),
    ("beta", "beta"),
    ("binomial", "binomial"),
    ("categorical", "categorical"),
    ("continuous_bernoulli", "continuous_bernoulli"),
    ("dirichlet", "dirichlet"),
    ("exponential", "exponential"),
    ("gamma", "gamma"),
    ("gumbel", "gumbel"),
    ("geometric", "geometric"),
    ("half_normal", "half_normal"),
    ("laplace", "laplace"),
    ("low_rank_multivariate_normal", "low_rank_multivariate_normal"),
    ("low_rank_multivariate_normal", "multivariate_normal"),
    ("multivariate_normal", "low_rank_multivariate_normal"),
    ("multivariate_normal", "multivariate_normal"),
    ("normal", "normal"),
    ("one_hot_categorical", "one_hot_categorical"),
    ("pareto", "pareto"),
    ("poisson", "poisson"),
    ("uniform", "uniform"),
    ("cauchy", "cauchy"),
    ("bernoulli", "poisson"),
    ("beta", "continuous_bernoulli"),
    ("beta", "exponential"),
    ("beta", "gamma"),
    ("beta", "normal"),
    ("beta", "uniform"),
    ("continuous_bernoulli", "exponential"),
    ("continuous_bernoulli", "normal"),
    ("continuous_bernoulli", "uniform"),
    ("exponential", "gamma"),
    ("exponential", "gumbel"),
    ("exponential", "normal"),
    ("gamma", "exponential"),
    ("gamma", "gumbel"),
    ("gamma", "normal"),
    ("gumbel", "normal"),
    ("laplace", "normal"),
    ("normal", "gumbel"),
    ("normal", "laplace"),
    ("pareto", "exponential"),
    ("pareto", "gamma"),
    ("pareto", "normal"),
    ("uniform", "beta"),
    ("uniform", "continuous_bernoulli"),
    ("uniform", "exponential"),
    ("uniform", "gamma"),
    ("uniform", "gumbel"),
    ("uniform", "normal"),
    ("uniform", "pareto"),
)

_BOUNDED = ("beta", "continuous_bernoulli", "pareto", "uniform")

#: pairs that are infinite for every parameter value
INFINITE: tuple[tuple[str, str], ...] = (
    ("poisson", "bernoulli"),
    ("poisson", "binomial"),
    ("beta", "pareto"),
    ("continuous_bernoulli", "pareto"),
    *(("exponential", q) for q in _BOUNDED),
    *(("gamma", q) for q in _BOUNDED),
    *(("gumbel", q) for q in ("exponential", "gamma", *_BOUNDED)),
    *(("laplace", q) for q in ("exponential", "gamma", *_BOUNDED)),
    *(("normal", q) for q in ("exponential", "gamma", *_BOUNDED)),
    *(("pareto", q) for q in ("beta", "continuous_bernoulli", "uniform")),
)

#: generic rules PyTorch registers (not pairs of families)
GENERIC: tuple[str, ...] = (
    "ExponentialFamily || ExponentialFamily",
    "TransformedDistribution || TransformedDistribution",
    "Independent || Independent",
)
