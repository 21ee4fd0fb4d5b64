r"""Pieces shared by the chain-rule strategies: the Normal-Gamma and Normal-Wishart laws,
their divergence (:mod:`.normal_gamma_chain`, :mod:`.normal_wishart_chain`) and entropy
(:mod:`.normal_gamma_entropy`, :mod:`.normal_wishart_entropy`).

* :func:`factored_density`: the joint density as the law of the precision times the law
  of the value given it, then written out;
* :func:`simplified`: with numbers for every parameter, one more step, the value
  simplified;
* :func:`established`: a context in which the results of earlier steps are facts;
* :func:`rows`: a matrix as a list of rows, for a command line.
"""

from __future__ import annotations

from collections.abc import Iterable

from sympy import Expr, expand, expand_log

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Step
from ..symbolic.display import display_form, evaluate, mul

__all__ = ["established", "factored_density", "rows", "simplified"]


def factored_density(
    joint: Expr,
    marginal: Expr,
    conditional: Expr,
    law: Distribution,
    density: Expr,
    facts: str = "main",
) -> Chain:
    """``joint = marginal * conditional = density``: the law's density factored, then
    written out."""
    product = mul(marginal, conditional)
    return Chain(
        (
            Step("density.factor_conditional", joint, product, {"law": law}, facts=facts),
            Step("density.formula", product, density, {"law": law}, facts=facts),
        )
    )


def simplified(total: Expr, parameters: Iterable[Expr], facts: str = "main") -> tuple[Step, ...]:
    """With numbers for every parameter, one more step: the value, simplified."""
    if not all(a.is_number for a in parameters):
        return ()
    value = display_form(expand(expand_log(evaluate(total), force=True)))
    return (Step("algebra.simplify", total, value, facts=facts),) if value != total else ()


def established(results: dict[Expr, Expr]) -> Context:
    """A context that takes each key as equal to its value (the results of earlier steps,
    which the verifier checked where they were derived)."""
    return Context({}, definitions={k: evaluate(v) for k, v in results.items()})


def rows(m) -> str:
    """``[[a, b], [b, c]]``: a matrix as a list of its rows."""
    return "[" + ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in m.tolist()) + "]"
