"""Per-token KL penalties of RLHF: the estimators k1, k2 and k3 of KL(pi || pi_ref).

A token x is sampled from the policy pi; with the log-ratio ``log_ratio = logp - ref_logp``
= log(pi(x)/pi_ref(x)) and r = pi_ref(x)/pi(x) = exp(-log_ratio), the usual per-token
estimates of KL(pi || pi_ref) are

* k1 = log_ratio: unbiased (E_pi[k1] is the KL by definition), high variance, can be < 0;
* k2 = log_ratio**2 / 2: biased, lower variance (it agrees with the KL to second order
  when pi_ref is close to pi);
* k3 = r - 1 - log r = exp(-log_ratio) - 1 + log_ratio: unbiased (E_pi[r] = 1) and never
  negative (log r <= r - 1).

The same holds for PPO's approximate KL, with the old policy as the one sampled from:
``logratio = newlogprob - oldlogprob`` has r = exp(logratio) and estimates
KL(pi_old || pi). :mod:`kl_derive.check.explain` derives each verdict.
"""

from __future__ import annotations

import sympy as sp

from .base import VEC, Accepted, Coordinate, Form, Mistake, Target
from .discrete import probability_values

__all__ = ["ESTIMATORS", "estimator_forms", "estimator_target"]

#: The ids of the estimators, with the verdict each gets as a KL penalty.
ESTIMATORS = {"k1": "correct", "k2": "biased", "k3": "correct"}

_RANGE = (-300, -5)


def estimator_forms(a: sp.Expr, b: sp.Expr) -> dict[str, sp.Expr]:
    """k1, k2, k3 for log pi(x) = a and log pi_ref(x) = b (x sampled from pi)."""
    log_ratio = a - b
    return {
        "k1": log_ratio,
        "k2": log_ratio**2 / 2,
        "k3": sp.exp(-log_ratio) - 1 + log_ratio,
    }


def estimator_target(
    sampled_name: str = "logp", other_name: str = "ref_logp", *, old: bool = False
) -> Target:
    """The estimators for log-probabilities named as in the code.

    ``sampled_name`` holds the log-probability of the law tokens are sampled from (the
    policy in RLHF, the old policy in PPO with ``old``), ``other_name`` the other one.
    """
    a = sp.Symbol("logp", real=True)
    b = sp.Symbol("ref_logp", real=True)
    pi, ref = ("pi_old", "pi") if old else ("pi", "pi_ref")
    kl = f"KL({pi} || {ref})"
    forms = estimator_forms(a, b)
    log_ratio = a - b
    under = f"under samples from {pi}"
    accepted = (
        Accepted(
            "k1",
            Form(VEC, forms["k1"]),
            "correct",
            f"k1 = log({pi}/{ref}), an unbiased estimator of {kl} {under} (high variance; "
            "a single token's value can be negative)",
        ),
        Accepted(
            "k3",
            Form(VEC, forms["k3"]),
            "correct",
            f"k3 = r - 1 - log r with r = {ref}/{pi}, an unbiased estimator of {kl} {under} "
            "that is never negative (low variance)",
        ),
        Accepted(
            "k2",
            Form(VEC, forms["k2"]),
            "biased",
            f"k2 = log({pi}/{ref})**2 / 2, a biased estimator: E_{pi}[k2] is not {kl} in "
            f"general (it agrees to second order when {ref} is close to {pi}); use k3 for an "
            "unbiased, low-variance estimate",
        ),
    )
    mistakes = (
        Mistake(
            "flipped_sign",
            f"the log-ratio has the wrong sign: log({ref}/{pi}) estimates -{kl}",
            Form(VEC, -log_ratio),
        ),
        Mistake(
            "inverted_ratio",
            f"this is k3 with the ratio inverted ({pi}/{ref} - 1 - log({pi}/{ref})): "
            f"{under} its mean is E_{pi}[{pi}/{ref}] - 1 - {kl}, not the KL (it is k3 for "
            f"KL({ref} || {pi}), which needs samples from {ref})",
            Form(VEC, sp.exp(log_ratio) - 1 - log_ratio),
        ),
        Mistake("flipped_sign", "the sign of k3 is flipped", Form(VEC, -forms["k3"])),
        Mistake(
            "flipped_sign",
            "the log term of k3 has the wrong sign",
            Form(VEC, sp.exp(-log_ratio) - 1 - log_ratio),
        ),
        Mistake(
            "missing_term",
            "the -1 of k3 is missing (its mean is the KL plus 1)",
            Form(VEC, sp.exp(-log_ratio) + log_ratio),
        ),
        Mistake(
            "missing_half",
            "this is k2 without its 1/2 (and k2 is a biased estimator)",
            Form(VEC, log_ratio**2),
        ),
    )
    values = probability_values(sp.exp(a), sp.exp(b))
    values.update({"log_q": a, "log_p": b, "log_ratio": log_ratio, "ratio": sp.exp(log_ratio)})
    return Target(
        kind="estimator",
        coordinates=(Coordinate(a, *_RANGE, sampled_name), Coordinate(b, *_RANGE, other_name)),
        values=values,
        accepted=accepted,
        mistakes=mistakes,
        right=f"k3 = exp(-log_ratio) - 1 + log_ratio with log_ratio = {sampled_name} - "
        f"{other_name}",
        derivation="kl-derive check --explain",
        outer=(),
        latent=False,
        axis="the tokens",
        meanings={"pi": pi, "ref": ref},
    )
