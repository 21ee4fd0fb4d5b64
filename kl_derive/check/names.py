"""Which of the user's variables is the mean and which is the scale.

VAE code names the encoder's outputs in many ways (``mu``, ``z_mean``, ``loc`` ...;
``logvar``, ``z_log_var``, ``sigma``, ``std`` ...). A loss line uses at most two
variables; :func:`resolve_names` maps each to its role, ``"mu"`` or ``"scale"``. The
meaning of the scale variable (log-variance, standard deviation ...) is not read from its
name but from the ``param`` the caller gives; the name only serves for a hint when the
two disagree (:func:`suggested_param`).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping

from .parse import MODULES, REDUCTIONS, UNARY, CheckInputError

__all__ = [
    "MEAN_NAMES",
    "PARAMS",
    "SCALE_NAMES",
    "parse_names_option",
    "resolve_names",
    "suggested_param",
]

#: The parametrizations of the encoder's scale, as ``--param`` spells them.
PARAMS = ("logvar", "scale", "variance", "logscale")

#: Names that usually hold the encoder's mean.
MEAN_NAMES = frozenset(
    {"mu", "mean", "z_mean", "loc", "m", "z_mu", "mu_z", "means", "z_loc", "q_mu", "mean_z"}
)

#: Names that usually hold the encoder's scale, with the parametrization each suggests.
SCALE_NAMES: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "logvar",
            "log_var",
            "z_log_var",
            "z_logvar",
            "lv",
            "log_sigma2",
            "logsigma2",
            "log_sigma_sq",
            "log_variance",
            "logvariance",
        ),
        "logvar",
    ),
    **dict.fromkeys(
        ("sigma", "std", "scale", "s", "z_std", "z_sigma", "z_scale", "stddev", "sd"), "scale"
    ),
    **dict.fromkeys(
        (
            "log_sigma",
            "logsigma",
            "logstd",
            "log_std",
            "logscale",
            "log_scale",
            "z_log_sigma",
            "z_log_std",
        ),
        "logscale",
    ),
    **dict.fromkeys(
        ("var", "variance", "sigma2", "sigma_sq", "z_var", "sigma_squared"), "variance"
    ),
}

#: Keys of an explicit ``names`` mapping that mean "the mean" and "the scale".
_MEAN_KEYS = frozenset({"mu", "mean", "loc"})
_SCALE_KEYS = frozenset({"scale", "sigma", *PARAMS})

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOW = "name them explicitly, e.g. names={'mu': 'z_mean', 'scale': 'z_log_var'}"


def _not_a_variable(name: str) -> bool:
    return (
        keyword.iskeyword(name)
        or hasattr(builtins, name)
        or name in UNARY
        or name in REDUCTIONS
        or name.split(".")[0] in {m.split(".")[0] for m in MODULES}
    )


def resolve_names(
    used: list[str], param: str, names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map each used variable name to ``"mu"`` or ``"scale"``.

    ``used`` lists the names in the loss line. With an explicit ``names`` mapping
    (``{"mu": "z_mean", "scale": "z_log_var"}``; the scale key may also be the param's
    name, e.g. ``"logvar"``) every used name must be one of its values. Without one, the
    names must be recognisable: a usual mean name and/or a usual scale name; next to a
    recognised scale name, an unrecognised name is taken for the mean.

    Raises :class:`CheckInputError` when the names cannot be mapped.
    """
    if names is not None:
        return _explicit(used, names)
    if len(used) > 2:
        raise CheckInputError(
            f"the loss line uses {len(used)} variables ({', '.join(used)}); "
            "the KL term of a VAE uses only the mean and the scale"
        )
    means = [n for n in used if n in MEAN_NAMES]
    scales = [n for n in used if n in SCALE_NAMES]
    unknown = [n for n in used if n not in MEAN_NAMES and n not in SCALE_NAMES]
    if len(means) > 1:
        raise CheckInputError(f"both {means[0]!r} and {means[1]!r} look like the mean; {_HOW}")
    if len(scales) > 1:
        raise CheckInputError(f"both {scales[0]!r} and {scales[1]!r} look like the scale; {_HOW}")
    roles = {n: "mu" for n in means} | {n: "scale" for n in scales}
    if unknown:
        name = unknown[0]
        if len(unknown) > 1 or not scales or _not_a_variable(name):
            listed = ", ".join(repr(n) for n in unknown)
            raise CheckInputError(
                f"cannot tell whether {listed} {'is' if len(unknown) == 1 else 'are'} the mean "
                f"or the scale; {_HOW}"
            )
        roles[name] = "mu"  # the variable holding the mean is the one that isn't the scale
    return roles


def _explicit(used: list[str], names: Mapping[str, str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for key, value in names.items():
        if key in _MEAN_KEYS:
            role = "mu"
        elif key in _SCALE_KEYS:
            role = "scale"
        else:
            raise CheckInputError(
                f"unknown role {key!r} in names; use 'mu' for the mean and 'scale' for the scale"
            )
        if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value) or "__" in value:
            raise CheckInputError(f"{value!r} is not a variable name")
        if role in roles.values():
            raise CheckInputError(f"names gives the {role} twice")
        if value in roles:
            raise CheckInputError(f"names gives {value!r} two roles")
        roles[value] = role
    stray = [n for n in used if n not in roles]
    if stray:
        mapped = ", ".join(f"{name} ({role})" for name, role in roles.items()) or "none"
        raise CheckInputError(
            f"the loss line uses {', '.join(repr(n) for n in stray)}, which names does not map "
            f"(it maps {mapped})"
        )
    return {n: roles[n] for n in used}


def parse_names_option(text: str) -> dict[str, str]:
    """Read a command-line mapping such as ``"mu=z_mean,scale=z_log_var"``."""
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CheckInputError(
                f"cannot read {item!r} in the names mapping; write ROLE=NAME, e.g. mu=z_mean"
            )
        result[key.strip()] = value.strip()
    return result


def suggested_param(name: str) -> str | None:
    """The parametrization a scale variable's name suggests (``"sigma"`` -> ``"scale"``)."""
    return SCALE_NAMES.get(name)
