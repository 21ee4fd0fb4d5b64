"""``kl-derive code estimators``: the per-sample Monte-Carlo KL estimators as a function.

The inputs are the log-probabilities a training loop has, per sample: ``logp`` under the
law the samples were drawn from (q, the policy) and ``ref_logp`` under the other law (p,
the reference). With ``log r = ref_logp - logp``, the estimators of KL(q || p) are the
expressions of :mod:`kl_derive.strategies.estimators`: ``k1 = -log r``,
``k2 = (log r)^2 / 2``, ``k3 = (r - 1) - log r``, printed by SymPy's code printers for the
framework (``r - 1`` as ``expm1(log r)``: accurate where r is close to 1, where k3 is
small and ``exp(x) - 1 - x`` would lose every digit).
"""

from __future__ import annotations

import textwrap

from sympy import Expr, Symbol
from sympy.codegen.cfunctions import expm1

from ..errors import KLDeriveError
from .frameworks import get_framework, print_expr
from .source import module_source

__all__ = ["ESTIMATORS", "estimator_code", "estimator_expressions"]

#: the estimators, in the order they are returned
ESTIMATORS = ("k1", "k2", "k3")

LOGP, REF_LOGP, LOG_RATIO = Symbol("logp"), Symbol("ref_logp"), Symbol("log_ratio")

_DOC = {
    "k1": "k1 = -log r: unbiased; negative wherever r > 1; high variance.",
    "k2": "k2 = (log r)^2 / 2: biased (small when the laws are close); for samples from q, "
    "its gradient with the samples held fixed is unbiased for the gradient of KL(q || p).",
    "k3": "k3 = (r - 1) - log r: unbiased (E_q[r] = 1) and never negative; its variance "
    "is finite only when E_q[r^2] = 1 + chi^2(p || q) is; for samples from q, its gradient "
    "with the samples held fixed has the mean of the gradient of KL(p || q), the reverse "
    "divergence.",
}


def estimator_expressions() -> dict[str, Expr]:
    """Each estimator in ``log_ratio`` (= ``ref_logp - logp``), ``r - 1`` as ``expm1``."""
    return {
        "k1": -LOG_RATIO,
        "k2": LOG_RATIO**2 / 2,
        "k3": expm1(LOG_RATIO) - LOG_RATIO,
    }


def _check_against_definitions(expressions: dict[str, Expr]) -> None:
    """The printed forms equal the derivation's definitions at a few points."""
    import math

    for value in (-3.0, -1e-6, 0.0, 0.5, 2.0):
        r = math.exp(value)
        expected = {"k1": -math.log(r), "k2": math.log(r) ** 2 / 2, "k3": r - 1 - math.log(r)}
        for name, expr in expressions.items():
            got = float(expr.subs(LOG_RATIO, value).evalf(30))
            if not math.isclose(got, expected[name], rel_tol=1e-12, abs_tol=1e-15):
                raise AssertionError(f"{name} at log r = {value}: {got} != {expected[name]}")


def estimator_code(framework: str = "numpy", estimator: str = "all") -> str:
    """The module source of ``kl_estimators(logp, ref_logp)`` for ``framework``, returning
    the per-sample estimators (a tuple ``(k1, k2, k3)`` for ``estimator="all"``, else the
    one named)."""
    spec = get_framework(framework)
    if estimator not in (*ESTIMATORS, "all"):
        raise KLDeriveError(
            f"unknown estimator {estimator!r} (choose from {', '.join(ESTIMATORS)}, all)"
        )
    expressions = estimator_expressions()
    _check_against_definitions(expressions)
    chosen = ESTIMATORS if estimator == "all" else (estimator,)
    printer = spec.printer()
    body = [f"{LOG_RATIO} = {REF_LOGP} - {LOGP}"]
    for name in chosen:
        body.append(f"{name} = {print_expr(printer, expressions[name])}")
    body.append("return " + ", ".join(chosen))
    returns = (
        f"a tuple (k1, k2, k3) of {spec.array}s shaped like the inputs"
        if estimator == "all"
        else f"{estimator}, {'an' if spec.array[0] in 'aeiou' else 'a'} {spec.array} shaped "
        "like the inputs"
    )
    docstring = "\n".join(
        [
            f"Per-sample Monte-Carlo estimator{'s' if len(chosen) > 1 else ''} of KL(q || p), "
            "derived by kl-derive",
            "(kl-derive estimators), for samples x drawn from q.",
            "",
            "With log r = log p(x) - log q(x) = ref_logp - logp:",
            "",
            *(
                line
                for name in chosen
                for line in textwrap.wrap(
                    _DOC[name], 84, initial_indent="    ", subsequent_indent="      "
                )
            ),
            "",
            "Average over samples for the estimate. Inputs broadcast against each other.",
            "",
            "Args:",
            f"    logp: {spec.array} of log q(x), the law the samples were drawn from.",
            f"    ref_logp: {spec.array} of log p(x) at the same samples.",
            "",
            "Returns:",
            f"    {returns}.",
        ]
    )
    imports = [*spec.imports, *spec.missing_imports(printer)]
    name = "kl_estimators" if estimator == "all" else f"kl_{estimator}"
    return module_source(imports, name, [str(LOGP), str(REF_LOGP)], docstring, body)
