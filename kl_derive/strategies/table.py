"""What the catalog gives for each pair of univariate families (generated).

Written by ``python -m kl_derive.strategies.build_table``; do not edit by hand.
Outcomes: ``"finite"``, ``"conditional"`` (piecewise), ``"infinite"``, ``"none"``.
"""

OUTCOMES: dict[tuple[str, str], str] = {
    ("normal", "normal"): "finite",
    ("normal", "exponential"): "infinite",
    ("normal", "gamma"): "infinite",
    ("exponential", "normal"): "finite",
    ("exponential", "exponential"): "finite",
    ("exponential", "gamma"): "finite",
    ("gamma", "normal"): "finite",
    ("gamma", "exponential"): "finite",
    ("gamma", "gamma"): "finite",
    ("bernoulli", "bernoulli"): "finite",
    ("bernoulli", "binomial"): "finite",
    ("bernoulli", "geometric"): "finite",
    ("bernoulli", "poisson"): "finite",
    ("bernoulli", "negative_binomial"): "finite",
    ("binomial", "bernoulli"): "none",
    ("binomial", "binomial"): "finite",
    ("binomial", "geometric"): "none",
    ("binomial", "poisson"): "none",
    ("binomial", "negative_binomial"): "none",
    ("geometric", "bernoulli"): "infinite",
    ("geometric", "binomial"): "infinite",
    ("geometric", "geometric"): "finite",
    ("geometric", "poisson"): "none",
    ("geometric", "negative_binomial"): "none",
    ("poisson", "bernoulli"): "infinite",
    ("poisson", "binomial"): "infinite",
    ("poisson", "geometric"): "none",
    ("poisson", "poisson"): "finite",
    ("poisson", "negative_binomial"): "none",
    ("negative_binomial", "bernoulli"): "infinite",
    ("negative_binomial", "binomial"): "infinite",
    ("negative_binomial", "geometric"): "none",
    ("negative_binomial", "poisson"): "none",
    ("negative_binomial", "negative_binomial"): "finite",
}
