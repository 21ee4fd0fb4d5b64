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
}
