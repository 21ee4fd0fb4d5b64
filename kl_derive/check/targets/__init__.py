"""The KL terms ``kl-derive check`` knows, one module each (see :mod:`.base`)."""

from __future__ import annotations

from .base import BATCH, INDEX, RED, VEC, Accepted, Coordinate, D, Form, Mistake, Target
from .discrete import bernoulli_target, categorical_target
from .estimators import estimator_target
from .gaussian import normal_target
from .gaussian_pair import normal_pair_target

__all__ = [
    "BATCH",
    "INDEX",
    "RED",
    "VEC",
    "Accepted",
    "Coordinate",
    "D",
    "Form",
    "Mistake",
    "Target",
    "bernoulli_target",
    "categorical_target",
    "estimator_target",
    "normal_pair_target",
    "normal_target",
]
