"""The gradient of a log-partition function: ``E[T_i] = dA/d eta_i``, by differentiation."""

from __future__ import annotations

from sympy import diff, expand

from ...symbolic.display import evaluate
from ..step import Step

__all__ = ["verify_gradient"]


def verify_gradient(step: Step) -> bool:
    """``E[T_i] = dA/d eta_i`` at the law's natural parameters, by differentiation."""
    params = step.params
    derivative = diff(params["log_partition"], params["eta"]).xreplace(
        {k: evaluate(v) for k, v in params["natural"]}
    )
    return expand(evaluate(step.after) - derivative) == 0 or (
        (evaluate(step.after) - derivative).equals(0) is True
    )
