"""The derivation behind a verdict, as ``kl-derive check --explain`` prints it.

For a KL term it is kl-derive's own derivation of the term (the specs of the report's
``derivation``), rendered as text. For a per-token estimator it is the argument that
settles whether the estimator is unbiased, each equality checked with SymPy on a law with
three outcomes whose probabilities are symbols (and sum to one by construction):

* k3 = r - 1 - log r, r = pi_ref(x)/pi(x): E_pi[r] = sum_x pi_ref(x) = 1, E_pi[-log r] =
  KL(pi || pi_ref), so E_pi[k3] = KL; and log r <= r - 1, so k3 >= 0;
* k1 = log(pi/pi_ref): E_pi[k1] = KL by definition;
* k2 = log(pi/pi_ref)^2 / 2: E_pi[k2] is another quantity, shown to differ at an example
  and to agree with the KL to second order (a series in t for pi_ref = pi + t (1, -1));
* the inverted k3, pi/pi_ref - 1 - log(pi/pi_ref): E_pi[pi/pi_ref] = 1 + chi^2(pi ||
  pi_ref), so its mean is chi^2 - KL.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sympy as sp

from .counterexample import EXAMPLE_PI, EXAMPLE_REF
from .equality import prove_zero
from .targets.estimators import estimator_forms

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    from .analysis import Outcome
    from .report import CheckReport

__all__ = ["CANONICAL", "explain_command", "explain_estimate", "explain_report"]

#: The estimators and usual mistakes, written with ``log_ratio`` = log(pi/pi_ref).
CANONICAL = {
    "k1": "log_ratio",
    "k2": "0.5 * log_ratio**2",
    "k3": "exp(-log_ratio) - 1 + log_ratio",
    "inverted_ratio": "exp(log_ratio) - 1 - log_ratio",
}


def explain_command(outcome: Outcome) -> str:
    """The command that prints the derivation behind an estimator's verdict."""
    key = outcome.accepted_id or next((m.id for m in outcome.mistakes if m.id in CANONICAL), None)
    if key in CANONICAL:
        return f'kl-derive check --explain "{CANONICAL[key]}"'
    return "kl-derive check --explain LINE"


class _Law:
    """Two laws on three outcomes with symbolic probabilities, and their KL."""

    def __init__(self) -> None:
        p1, p2, r1, r2 = sp.symbols("pi_1 pi_2 rho_1 rho_2", positive=True)
        self.pi = (p1, p2, 1 - p1 - p2)
        self.ref = (r1, r2, 1 - r1 - r2)
        self.kl = sum(p * (sp.log(p) - sp.log(r)) for p, r in zip(self.pi, self.ref, strict=True))

    def mean(self, function: sp.Expr, a: sp.Symbol, b: sp.Symbol) -> sp.Expr:
        """E_pi[f(log pi(x), log pi_ref(x))]."""
        return sum(
            p * function.subs({a: sp.log(p), b: sp.log(r)})
            for p, r in zip(self.pi, self.ref, strict=True)
        )


def _holds(expr: sp.Expr) -> bool:
    return prove_zero(sp.expand(sp.expand_log(sp.powsimp(expr), force=True)))


def _example(function: sp.Expr, a: sp.Symbol, b: sp.Symbol) -> tuple[float, float]:
    mean = sum(
        p * float(function.subs({a: math.log(p), b: math.log(r)}))
        for p, r in zip(EXAMPLE_PI, EXAMPLE_REF, strict=True)
    )
    kl = sum(p * math.log(p / r) for p, r in zip(EXAMPLE_PI, EXAMPLE_REF, strict=True))
    return mean, kl


def explain_estimate(function: sp.Expr, a: sp.Symbol, b: sp.Symbol, labels=("pi", "pi_ref")) -> str:
    """The derivation of E_pi[f] for a per-token estimate f(log pi(x), log pi_ref(x))."""
    pi, ref = labels
    kl = f"KL({pi} || {ref})"
    law = _Law()
    forms = estimator_forms(a, b)
    r = f"r = {ref}(x)/{pi}(x)"
    lines = [f"x ~ {pi} (a token sampled from {pi}); log_ratio = log {pi}(x) - log {ref}(x); {r}"]
    mean = law.mean(function, a, b)
    ratio_mean = law.mean(sp.exp(b - a), a, b)
    if _holds(ratio_mean - 1):
        lines.append(f"E_{pi}[r] = sum_x {pi}(x) {ref}(x)/{pi}(x) = sum_x {ref}(x) = 1")
    if _holds(law.mean(a - b, a, b) - law.kl):
        lines.append(f"E_{pi}[log_ratio] = sum_x {pi}(x) log({pi}(x)/{ref}(x)) = {kl}")
    if _holds(function - forms["k3"]):
        lines.append("the line is k3 = r - 1 - log r = r - 1 + log_ratio")
        if _holds(mean - law.kl):
            lines.append(f"E_{pi}[k3] = E_{pi}[r] - 1 + E_{pi}[log_ratio] = 1 - 1 + {kl} = {kl}")
            lines.append(f"so k3 is an unbiased estimator of {kl}")
        r_symbol = sp.Symbol("r", positive=True)
        low = sp.minimum(r_symbol - 1 - sp.log(r_symbol), r_symbol, sp.Interval.open(0, sp.oo))
        if low == 0:
            lines.append(
                "log r <= r - 1 for every r > 0 (equality at r = 1), so k3 >= 0 for every token"
            )
    elif _holds(function - forms["k1"]):
        lines.append(f"the line is k1 = log_ratio, so E_{pi}[k1] = {kl}: unbiased")
        lines.append(f"k1 < 0 wherever {ref}(x) > {pi}(x): single tokens can give negative values")
    elif _holds(mean - law.kl):
        lines.append(f"E_{pi}[line] = {kl} (checked for three outcomes): unbiased")
    else:
        lines.extend(_biased(function, a, b, law, mean, labels))
    lines.append(
        "each equality checked with SymPy for laws with three outcomes and symbolic probabilities"
    )
    return "\n".join(lines) + "\n"


def _biased(
    function: sp.Expr, a: sp.Symbol, b: sp.Symbol, law: _Law, mean: sp.Expr, labels
) -> list[str]:
    pi, ref = labels
    kl = f"KL({pi} || {ref})"
    forms = estimator_forms(a, b)
    lines = []
    inverse_mean = law.mean(sp.exp(a - b), a, b)
    chi2 = sum(p**2 / r for p, r in zip(law.pi, law.ref, strict=True)) - 1
    if _holds(function - (sp.exp(a - b) - 1 - (a - b))):
        if _holds(inverse_mean - 1 - chi2):
            lines.append(
                f"the line is 1/r - 1 + log r = {pi}(x)/{ref}(x) - 1 - log_ratio "
                "(k3 with the ratio inverted)"
            )
            lines.append(f"E_{pi}[1/r] = sum_x {pi}(x)^2/{ref}(x) = 1 + chi2({pi} || {ref}), not 1")
        if _holds(mean - (chi2 - law.kl)):
            lines.append(f"E_{pi}[line] = chi2({pi} || {ref}) - {kl}, not {kl}")
    elif _holds(function - forms["k2"]):
        lines.append(
            f"the line is k2 = log_ratio^2 / 2; "
            f"E_{pi}[k2] = 1/2 sum_x {pi}(x) log({pi}(x)/{ref}(x))^2"
        )
        t = sp.Symbol("t")
        p0 = sp.Rational(1, 3)
        two_kl = p0 * sp.log(p0 / (p0 + t)) + (1 - p0) * sp.log((1 - p0) / (1 - p0 - t))
        two_k2 = (
            p0 * sp.log(p0 / (p0 + t)) ** 2 + (1 - p0) * sp.log((1 - p0) / (1 - p0 - t)) ** 2
        ) / 2
        series = sp.series(two_k2 - two_kl, t, 0, 3).removeO()
        if sp.simplify(series) == 0:
            lines.append(
                f"for {ref} = {pi} + t*(1, -1) with {pi} = (1/3, 2/3): E_{pi}[k2] - {kl} = O(t^3), "
                "so they agree to second order when the laws are close"
            )
    elif _holds(mean + law.kl):
        lines.append(f"E_{pi}[line] = -{kl}: the sign is flipped")
    example_mean, example_kl = _example(function, a, b)
    lines.append(
        f"at {pi} = {list(EXAMPLE_PI)}, {ref} = {list(EXAMPLE_REF)}: E_{pi}[line] = "
        f"{example_mean:.6g} but {kl} = {example_kl:.6g}, so the line is biased"
    )
    return lines


def explain_report(report: CheckReport) -> str:
    """The text ``kl-derive check --explain`` prints after the verdict."""
    if report.kind == "estimator" and report.estimate is not None:
        a, b = sp.Symbol("logp", real=True), sp.Symbol("ref_logp", real=True)
        labels = ("pi_old", "pi") if "pi_old" in report.message else ("pi", "pi_ref")
        return explain_estimate(report.estimate, a, b, labels)
    from ..api import derive

    derivation = derive(*report.specs)
    text = derivation.to_text()
    if report.kind == "categorical" and "p_k = 1/K" in report.derivation:
        text += "with the uniform prior p_k = 1/K, KL = sum_k q_k log(q_k K)\n"
    return text
