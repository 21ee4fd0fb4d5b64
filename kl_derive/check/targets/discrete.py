"""Discrete latents: Bernoulli and categorical KL, against a uniform or a learned prior.

Binary latents (sigmoid units) have per-coordinate KL q log(q/p) + (1-q) log((1-q)/(1-p)),
summed over the latent axis; the uniform prior is p = 1/2. Categorical latents (Gumbel-
softmax, VQ-style code) have sum_k q_k log(q_k / p_k) over the category axis, the uniform
prior p_k = 1/K; there the probabilities sum to one, so a line may differ from the KL
term by terms that sum to zero (``q * log(q * K)`` is right), which
:mod:`kl_derive.check.equality` takes into account.
"""

from __future__ import annotations

import sympy as sp

from .base import RED, Accepted, Coordinate, D, Form, Mistake, Target

__all__ = ["bernoulli_target", "categorical_target", "probability_values"]

_RANGE = (3, 97)


def probability_values(q: sp.Expr, p: sp.Expr) -> dict[str, sp.Expr]:
    """The value of each role for probabilities ``q`` (first law) and ``p`` (second)."""
    return {
        "q": q,
        "p": p,
        "log_q": sp.log(q),
        "log_p": sp.log(p),
        "log_ratio": sp.log(q) - sp.log(p),
        "ratio": q / p,
    }


def _coordinates(q_name: str, p_name: str, uniform: bool) -> tuple[sp.Symbol, sp.Symbol, tuple]:
    q = sp.Symbol("q", positive=True)
    p = sp.Symbol("p", positive=True)
    coordinates = [Coordinate(q, *_RANGE, q_name)]
    if not uniform:
        coordinates.append(Coordinate(p, *_RANGE, p_name))
    return q, p, tuple(coordinates)


def bernoulli_target(q_name: str = "q", p_name: str = "p", *, uniform: bool = False) -> Target:
    """sum_j KL(Bernoulli(q_j) || Bernoulli(p_j)); with ``uniform``, p = 1/2."""
    q, p_symbol, coordinates = _coordinates(q_name, p_name, uniform)
    p: sp.Expr = sp.Rational(1, 2) if uniform else p_symbol
    prior = "1/2" if uniform else p_name
    kl = q * sp.log(q / p) + (1 - q) * sp.log((1 - q) / (1 - p))
    right = (
        f"sum({q_name} * log({q_name} / {prior}) + (1 - {q_name}) * log((1 - {q_name}) / "
        f"(1 - {prior})))"
    )
    mistakes = (
        Mistake(
            "reversed_direction",
            f"this is KL(Bernoulli({prior}) || Bernoulli({q_name})), the reversed direction",
            Form(RED, p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q))),
        ),
        Mistake(
            "missing_term",
            f"the (1 - {q_name}) term is missing: a Bernoulli KL has one term for each outcome",
            Form(RED, q * sp.log(q / p)),
        ),
    )
    description = f"KL(Bernoulli({q_name}) || Bernoulli({prior}))"
    second = "bernoulli(1/2)" if uniform else "bernoulli(p)"
    return Target(
        kind="bernoulli",
        coordinates=coordinates,
        values=probability_values(q, p),
        accepted=(
            Accepted("kl", Form(RED, kl), "correct", f"{description} summed over the latent axis"),
        ),
        mistakes=mistakes,
        right=right,
        derivation=f'kl-derive "bernoulli(q)" "{second}" --to latex',
        specs=("bernoulli(q)", second),
    )


def categorical_target(q_name: str = "q", p_name: str = "p", *, uniform: bool = False) -> Target:
    """KL(Cat(q) || Cat(p)) = sum_k q_k log(q_k / p_k); with ``uniform``, p_k = 1/K."""
    q, p_symbol, coordinates = _coordinates(q_name, p_name, uniform)
    p: sp.Expr = 1 / D if uniform else p_symbol
    prior = "1/K" if uniform else p_name
    kl = q * sp.log(q / p)
    right = (
        f"sum({q_name} * log({q_name} / {prior}))"
        if not uniform
        else (f"sum({q_name} * log({q_name} * K)) over the K categories")
    )
    mistakes = (
        Mistake(
            "reversed_direction",
            f"this is KL(Cat({prior}) || Cat({q_name})), the reversed direction",
            Form(RED, p * sp.log(p / q)),
        ),
        Mistake(
            "missing_term",
            f"the prior term is missing: sum({q_name} * log({q_name})) is minus the entropy, "
            "not the KL",
            Form(RED, q * sp.log(q)),
        ),
        Mistake(
            "flipped_sign",
            f"the sign of the prior term is flipped ({q_name} * log({q_name} * {prior}) where "
            f"{q_name} * log({q_name} / {prior}) was meant)",
            Form(RED, q * sp.log(q * p)),
        ),
    )
    description = f"KL(Cat({q_name}) || Cat({prior}))"
    return Target(
        kind="categorical",
        coordinates=coordinates,
        values=probability_values(q, p),
        accepted=(
            Accepted(
                "kl", Form(RED, kl), "correct", f"{description} summed over the category axis"
            ),
        ),
        mistakes=mistakes,
        right=right,
        derivation='kl-derive "categorical(q)" "categorical(p)" --to latex'
        + (" (with p_k = 1/K)" if uniform else ""),
        simplex=(q,) if uniform else (q, p_symbol),
        specs=("categorical(q)", "categorical(p)"),
        axis="the category axis",
    )
