"""From the variables of a line to the targets it may compute.

:func:`assign_roles` gives every variable a role: stated (``--names``), set by
``--param`` (the scale variable's parametrization), guessed from its name
(:func:`kl_derive.check.roles.guess_role`), or by position (next to a recognised scale
variable, an unnamed one is the mean; next to a mean, it is the scale, whose
parametrization is then tried in turn). Names left over are taken for weights, which the
analysis confirms (a weight must multiply the whole line).

:func:`candidates` turns the roles into the targets to compare with, in order: one per
parametrization that is not known, and for probabilities the categorical, Bernoulli and
estimator readings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from .errors import CheckInputError, option
from .roles import (
    DISTRIBUTION_ROLES,
    GAUSSIAN_ROLES,
    ROLE_TEXT,
    SCALE_ROLES,
    guess_role,
    role_of_key,
)
from .semantics import Input
from .targets import (
    BATCH,
    D,
    Target,
    bernoulli_target,
    categorical_target,
    estimator_target,
    normal_pair_target,
    normal_target,
)
from .targets.gaussian import PARAM_OF_ROLE, PARAMS, ROLE_OF_PARAM

__all__ = ["UNKNOWN_SCALE", "Candidate", "Roles", "assign_roles", "candidates"]

#: The role of a scale variable whose parametrization is not known (tried in turn).
UNKNOWN_SCALE = "scale?"
_FAMILIES = ("normal", "bernoulli", "categorical", "estimator")
_EXAMPLE = {"mu": "z_mean", "logvar": "z_log_var"}


@dataclass(frozen=True)
class Roles:
    """Each variable's role and where it comes from (given, param, name, position, assumed)."""

    roles: dict[str, str]
    sources: dict[str, str]
    param: str | None = None
    against: str | None = None

    def named(self, *roles: str) -> list[str]:
        """The variables with one of ``roles``, in order."""
        return [n for n, r in self.roles.items() if r in roles]


@dataclass(frozen=True)
class Candidate:
    """A target and the values of the line's variables in its coordinates."""

    target: Target
    inputs: dict[str, Input]
    #: parametrizations tried rather than known: name -> param
    tried: dict[str, str] = field(default_factory=dict)
    weights: dict[str, sp.Symbol] = field(default_factory=dict)


def _how() -> str:
    return f"state the roles with {option('names', _EXAMPLE)}"


def assign_roles(
    used: Sequence[str],
    names: Mapping[str, str] | None = None,
    param: str | None = None,
    against: str | None = None,
) -> Roles:
    """Give every variable in ``used`` a role (see the module docstring)."""
    if against is not None and against not in _FAMILIES:
        raise CheckInputError(
            f"unknown family {against!r} for {option('against')} (choose from "
            f"{', '.join(_FAMILIES)}; by default it is read from the variables' names)"
        )
    roles: dict[str, str] = {}
    sources: dict[str, str] = {}
    explicit = _explicit(names or {}, param)
    for name in used:
        if name in explicit:
            roles[name], sources[name] = explicit[name], "given"
        elif (guess := guess_role(name)) is not None:
            roles[name], sources[name] = guess, "name"
    unknown = [n for n in used if n not in roles]
    if names and unknown:
        mapped = ", ".join(f"{v} ({k})" for k, v in names.items())
        raise CheckInputError(
            f"the line uses {', '.join(repr(n) for n in unknown)}, which "
            f"{option('names')} does not map (it maps {mapped})"
        )
    gaussian = any(r in GAUSSIAN_ROLES for r in roles.values())
    distribution = any(r in DISTRIBUTION_ROLES for r in roles.values())
    if gaussian and distribution:
        listed = ", ".join(f"{n} ({ROLE_TEXT[r]})" for n, r in roles.items())
        raise CheckInputError(
            f"the line mixes a Gaussian's parameters with probabilities ({listed}); {_how()}"
        )
    _no_duplicates(roles)
    if against == "normal" or (not distribution and against is None):
        _gaussian_positions(roles, sources, unknown, param)
    if param is not None:
        _apply_param(roles, sources, param)
    for name in unknown:
        if name not in roles:
            roles[name], sources[name] = "weight", "assumed"
    _no_duplicates(roles)
    if not any(r in GAUSSIAN_ROLES | DISTRIBUTION_ROLES for r in roles.values()):
        listed = ", ".join(repr(n) for n in used) or "no variable"
        raise CheckInputError(
            f"cannot tell what the line computes: it uses {listed}, and none of them reads as "
            f"a mean, a scale or a probability; {_how()}"
        )
    return Roles({n: roles[n] for n in used}, {n: sources[n] for n in used}, param, against)


def _explicit(names: Mapping[str, str], param: str | None) -> dict[str, str]:
    explicit: dict[str, str] = {}
    for key, value in names.items():
        role = role_of_key(key)
        if role == "scale":
            role = ROLE_OF_PARAM[param] if param else "std"
        if not isinstance(value, str) or not value.isidentifier() or "__" in value:
            raise CheckInputError(f"{value!r} in {option('names')} is not a variable name")
        if value in explicit:
            raise CheckInputError(f"{option('names')} gives {value!r} two roles")
        if role in explicit.values() and role not in ("weight", "mask"):
            raise CheckInputError(f"{option('names')} gives the role {key!r} twice")
        explicit[value] = role
    return explicit


def _gaussian_positions(
    roles: dict[str, str], sources: dict[str, str], unknown: list[str], param: str | None
) -> None:
    """Unnamed variables next to a recognised mean or scale take the missing role."""
    pending = [n for n in unknown if n not in roles]
    for side in ("", "_p"):
        scales = {s + side for s in SCALE_ROLES}
        has_mean = "mu" + side in roles.values()
        has_scale = any(r in scales for r in roles.values())
        if not pending or has_mean == has_scale:
            continue
        name = pending.pop(0)
        if not has_mean:
            roles[name], sources[name] = "mu" + side, "position"
        elif param is not None:
            roles[name], sources[name] = ROLE_OF_PARAM[param] + side, "param"
        else:
            roles[name], sources[name] = UNKNOWN_SCALE + side, "position"


def _apply_param(roles: dict[str, str], sources: dict[str, str], param: str) -> None:
    """``--param`` says what the scale variable holds (one per distribution)."""
    for side in ("", "_p"):
        scales = [
            n
            for n, r in roles.items()
            if r in {s + side for s in SCALE_ROLES} | {UNKNOWN_SCALE + side}
            and sources[n] != "given"
        ]
        if not scales:
            continue
        if len(scales) > 1:
            raise CheckInputError(
                f"{option('param')} cannot say which of {', '.join(scales)} holds what; {_how()}"
            )
        roles[scales[0]], sources[scales[0]] = ROLE_OF_PARAM[param] + side, "param"


def _no_duplicates(roles: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for name, role in roles.items():
        if role in ("weight", "mask", "batch_size", "latent_size", "epsilon"):
            continue
        if role in seen:
            what = ROLE_TEXT.get(role, "the scale").removeprefix("the ")
            raise CheckInputError(
                f"both {seen[role]!r} and {name!r} look like the {what}; {_how()}"
            )
        seen[role] = name


# --------------------------------------------------------------------------- candidates


def _weights(roles: Roles, taken: set[str]) -> dict[str, sp.Symbol]:
    symbols = {}
    for name in roles.named("weight"):
        label = name if name not in taken else name + "_w"
        symbols[name] = sp.Symbol(label, positive=True)
    return symbols


def _commons(roles: Roles, inputs: dict[str, Input], weights: dict[str, sp.Symbol]) -> None:
    for name, role in roles.roles.items():
        if role == "weight":
            inputs[name] = Input(weights[name], tensor=False)
        elif role == "batch_size":
            inputs[name] = Input(BATCH, tensor=False)
        elif role == "latent_size":
            inputs[name] = Input(D, tensor=False)
        elif role == "mask":
            inputs[name] = Input(sp.Integer(1))
        elif role == "epsilon":
            inputs[name] = Input(sp.Integer(0), tensor=False)


def candidates(roles: Roles) -> list[Candidate]:
    """The targets the line may compute, in the order they are tried."""
    present = set(roles.roles.values())
    if present & GAUSSIAN_ROLES or any(r.startswith(UNKNOWN_SCALE) for r in present):
        if roles.against not in (None, "normal"):
            raise CheckInputError(
                f"{option('against', roles.against)} does not fit a line with a Gaussian's "
                "mean and scale"
            )
        return _gaussian_candidates(roles)
    if roles.against == "normal":
        raise CheckInputError(
            f"{option('against', 'normal')} needs a mean and a scale; the line has probabilities"
        )
    return _distribution_candidates(roles)


def _scale_params(roles: Roles, side: str) -> tuple[str | None, list[str]]:
    """The known parametrization of a side's scale (its first scale variable), and names."""
    names = [
        n
        for n, r in roles.roles.items()
        if r in {s + side for s in SCALE_ROLES} | {UNKNOWN_SCALE + side}
    ]
    known = [
        roles.roles[n].removesuffix(side)
        for n in names
        if not roles.roles[n].startswith(UNKNOWN_SCALE)
    ]
    return (PARAM_OF_ROLE[known[0]] if known else None), names


def _gaussian_candidates(roles: Roles) -> list[Candidate]:
    pair = any(r.endswith("_p") for r in roles.roles.values())
    param_q, scales_q = _scale_params(roles, "")
    param_p, scales_p = _scale_params(roles, "_p") if pair else (None, [])
    mu_q = (roles.named("mu") or ["mu"])[0]
    mu_p = (roles.named("mu_p") or ["mu_p"])[0]
    options_q = [param_q] if param_q else list(PARAMS)
    options_p = [param_p] if param_p else list(PARAMS)
    combos: list[tuple[str, str]] = []
    if pair and not param_q and not param_p:
        combos = [(p, p) for p in PARAMS]
    else:
        combos = [(q, p) for q in options_q for p in (options_p if pair else ["logvar"])]
    result = []
    for pq, pp in combos:
        tried = {}
        if not param_q:
            tried.update(dict.fromkeys(scales_q, pq))
        if pair and not param_p:
            tried.update(dict.fromkeys(scales_p, pp))
        if pair:
            scale_names = (scales_q or [""])[0], (scales_p or [""])[0]
            target = normal_pair_target(pq, pp, (mu_q, scale_names[0], mu_p, scale_names[1]))
        else:
            target = normal_target(pq, mu_q, scales_q[0] if scales_q else "")
        weights = _weights(roles, {c.symbol.name for c in target.coordinates})
        inputs: dict[str, Input] = {}
        for name, role in roles.roles.items():
            if role.startswith(UNKNOWN_SCALE):
                side = "_p" if role.endswith("_p") else ""
                role = ROLE_OF_PARAM[pp if side else pq] + side
            if role in target.values:
                inputs[name] = Input(target.values[role])
        _commons(roles, inputs, weights)
        result.append(Candidate(target, inputs, tried, weights))
    return result


def _distribution_candidates(roles: Roles) -> list[Candidate]:
    present = set(roles.roles.values())
    old = "old_logp" in present
    first = roles.named("old_logp") if old else roles.named("q", "log_q")
    second = roles.named("log_q", "p", "log_p") if old else roles.named("p", "log_p")
    log_roles = ("log_q", "log_p", "old_logp")

    def label(names: list[str], default: str, log: bool) -> str:
        if not names:
            return default
        name, is_log = names[0], roles.roles[names[0]] in log_roles
        if log:
            return name if is_log else f"log({name})"
        return f"exp({name})" if is_log else name

    uniform = not present & {"p", "log_p", "log_ratio", "ratio"} and not old
    probabilities = bool(present & {"q", "p"})
    kinds = (
        ["categorical", "bernoulli", "estimator"]
        if probabilities
        else ["estimator", "categorical", "bernoulli"]
    )
    if roles.against in ("bernoulli", "categorical", "estimator"):
        kinds = [roles.against]
    elif old or not present <= {
        "log_q",
        "log_p",
        "log_ratio",
        "ratio",
        "q",
        "p",
        "weight",
        "batch_size",
        "latent_size",
        "mask",
    }:
        kinds = [k for k in kinds if k != "estimator"] if not old else ["estimator"]
    result = []
    for kind in kinds:
        if kind == "estimator":
            if uniform:
                continue
            names = label(first, "logp", True), label(second, "ref_logp", True)
            target = estimator_target(*names, old=old)
        else:
            names = label(first, "q", False), label(second, "p", False)
            build = categorical_target if kind == "categorical" else bernoulli_target
            target = build(*names, uniform=uniform)
        weights = _weights(roles, {c.symbol.name for c in target.coordinates})
        inputs = {}
        for name, role in roles.roles.items():
            if old and role == "old_logp":
                role = "log_q"
            elif old and role == "log_q":
                role = "log_p"
            if role in target.values:
                inputs[name] = Input(target.values[role])
        _commons(roles, inputs, weights)
        result.append(Candidate(target, inputs, {}, weights))
    return result
