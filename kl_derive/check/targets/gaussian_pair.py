"""Two Gaussians: sum_j KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2)), a learned prior.

Conditional VAEs, VRNNs and hierarchical VAEs compare the encoder's Gaussian with a prior
whose mean and scale are outputs of a network too::

    0.5 * (logvar_p - logvar_q + (exp(logvar_q) + (mu_q - mu_p)**2) / exp(logvar_p) - 1)

per coordinate, with either scale held in any of the parametrizations of
:mod:`kl_derive.check.targets.gaussian`. The reversed direction (prior and encoder
swapped) is the first mistake looked for.
"""

from __future__ import annotations

import sympy as sp

from .base import RED, Accepted, Coordinate, Form, Mistake, Target
from .gaussian import PARAM_OF_ROLE, PARAMS, Pieces, scale_symbol

__all__ = ["SCALE_SPECS", "normal_pair_target", "pair_reference", "pair_specs"]

#: The scale argument of a kl-derive spec for each parametrization, with a suffix.
SCALE_SPECS = {
    "logvar": "exp(logvar{s}/2)",
    "scale": "sigma{s}",
    "variance": "sqrt(var{s})",
    "logscale": "exp(logsigma{s})",
}
_MEAN_RANGE = (-200, 200)


def pair_specs(param_q: str, param_p: str) -> tuple[str, str]:
    """The kl-derive specs of the encoder and of the prior."""
    return (
        f"normal(mu_q, {SCALE_SPECS[param_q].format(s='_q')})",
        f"normal(mu_p, {SCALE_SPECS[param_p].format(s='_p')})",
    )


def _kl(mq: sp.Expr, q: Pieces, mp: sp.Expr, p: Pieces) -> sp.Expr:
    return (p.log_variance - q.log_variance + (q.variance + (mq - mp) ** 2) / p.variance - 1) / 2


def pair_reference(param_q: str, param_p: str) -> sp.Expr:
    """The per-coordinate KL in the canonical symbols (``mu_q``, ``logvar_q``, ...)."""
    mq, mp = sp.Symbol("mu_q", real=True), sp.Symbol("mu_p", real=True)
    xq, _ = scale_symbol(param_q, "_q")
    xp, _ = scale_symbol(param_p, "_p")
    return _kl(mq, Pieces.of(param_q, xq, xq.name), mp, Pieces.of(param_p, xp, xp.name))


def normal_pair_target(
    param_q: str,
    param_p: str,
    names: tuple[str, str, str, str] = ("mu_q", "", "mu_p", ""),
) -> Target:
    """The learned-prior term; ``names`` are the user's (mean_q, scale_q, mean_p, scale_p)."""
    mq, mp = sp.Symbol("mu_q", real=True), sp.Symbol("mu_p", real=True)
    xq, sampled_q = scale_symbol(param_q, "_q")
    xp, sampled_p = scale_symbol(param_p, "_p")
    mq_name, xq_name, mp_name, xp_name = names
    xq_name, xp_name = xq_name or xq.name, xp_name or xp.name
    q, p = Pieces.of(param_q, xq, xq_name), Pieces.of(param_p, xp, xp_name)
    kl = _kl(mq, q, mp, p)
    values: dict[str, sp.Expr] = {"mu": mq, "mu_p": mp}
    for role in PARAM_OF_ROLE:
        values[role] = q.role(role)
        values[role + "_p"] = p.role(role)
    d2 = (mq - mp) ** 2
    right = (
        f"0.5 * sum({p.log_variance_text} - {q.log_variance_text} + ({q.variance_text} + "
        f"({mq_name} - {mp_name})**2) / {p.variance_text} - 1)"
    )
    half = sp.Rational(1, 2)
    mistakes = [
        Mistake(
            "reversed_direction",
            "this is KL(prior || q), the reversed direction (the encoder's and the prior's "
            "parameters are swapped); the term is KL(q || prior)",
            Form(RED, _kl(mp, p, mq, q)),
        ),
        Mistake(
            "flipped_sign",
            f"the log term has the wrong sign ({q.log_variance_text} - {p.log_variance_text} "
            f"where {p.log_variance_text} - {q.log_variance_text} was meant)",
            Form(RED, (q.log_variance - p.log_variance + (q.variance + d2) / p.variance - 1) / 2),
        ),
        Mistake(
            "sigma_for_variance",
            f"sigma ({q.std_text}, {p.std_text}) is used where sigma^2 ({q.variance_text}, "
            f"{p.variance_text}) was meant in the ratio",
            Form(RED, (p.log_variance - q.log_variance + (q.std + d2) / p.std - 1) / 2),
        ),
        Mistake(
            "log_sigma_vs_log_variance",
            "log sigma is used where log sigma^2 was meant in the log term",
            Form(
                RED,
                ((p.log_variance - q.log_variance) / 2 + (q.variance + d2) / p.variance - 1) / 2,
            ),
        ),
        Mistake(
            "wrong_denominator",
            f"the ratio divides by the encoder's variance {q.variance_text} where the prior's "
            f"{p.variance_text} was meant",
            Form(RED, (p.log_variance - q.log_variance + (q.variance + d2) / q.variance - 1) / 2),
        ),
        Mistake(
            "missing_term",
            f"the encoder's variance {q.variance_text} is missing from the ratio",
            Form(RED, (p.log_variance - q.log_variance + d2 / p.variance - 1) / 2),
        ),
        Mistake(
            "missing_term",
            f"the squared mean difference ({mq_name} - {mp_name})**2 is missing",
            Form(RED, (p.log_variance - q.log_variance + q.variance / p.variance - 1) / 2),
        ),
        Mistake(
            "prior_ignored",
            "this is the KL to N(0, 1): the prior's mean and scale are not used",
            Form(RED, half * (mq**2 + q.variance - q.log_variance - 1)),
        ),
    ]
    if param_q == param_p:
        for other in PARAMS:
            if other == param_q:
                continue
            wq, wp = Pieces.of(other, xq, xq_name), Pieces.of(other, xp, xp_name)
            mistakes.append(
                Mistake(
                    "wrong_parametrization",
                    f"the formula treats {xq_name} and {xp_name} as {wq.variance_text} and "
                    f"{wp.variance_text} being the variances, but they are read otherwise",
                    Form(RED, _kl(mq, wq, mp, wp)),
                )
            )
    description = f"KL(N({mq_name}, {q.variance_text}) || N({mp_name}, {p.variance_text}))"
    spec_q, spec_p = pair_specs(param_q, param_p)
    return Target(
        kind="normal_pair",
        coordinates=(
            Coordinate(mq, *_MEAN_RANGE, mq_name),
            Coordinate(xq, *sampled_q, xq_name),
            Coordinate(mp, *_MEAN_RANGE, mp_name),
            Coordinate(xp, *sampled_p, xp_name),
        ),
        values=values,
        accepted=(
            Accepted("kl", Form(RED, kl), "correct", f"{description} summed over the latent axis"),
        ),
        mistakes=tuple(mistakes),
        right=right,
        derivation=f'kl-derive "{spec_q}" "{spec_p}" --to latex',
        specs=(spec_q, spec_p),
        param=param_q,
    )
