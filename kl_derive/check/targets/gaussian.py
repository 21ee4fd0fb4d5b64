"""The VAE term: sum_j KL(N(mu_j, sigma_j^2) || N(0, 1)), in each parametrization of sigma.

Code gives the encoder's scale as the log-variance (``logvar``), the standard deviation
(``std``), the variance or the log standard deviation; the coordinate of a check is the
one the line's scale variable holds, and the other roles are written through it
(:class:`Pieces`). The per-coordinate KL is the textbook (mu^2 + sigma^2 - log sigma^2 -
1) / 2; the test-suite proves it equal to what ``kl-derive`` derives for each spec of
:data:`SPECS`, which the report names as the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .base import RED, Accepted, Coordinate, Form, Mistake, Target

__all__ = [
    "DESCRIPTIONS",
    "MEANINGS",
    "PARAMS",
    "PARAM_OF_ROLE",
    "ROLE_OF_PARAM",
    "SPECS",
    "Pieces",
    "normal_target",
    "reference",
    "reversed_reference",
    "scale_symbol",
]

#: The parametrizations of the encoder's scale, as ``--param`` spells them.
PARAMS = ("logvar", "scale", "variance", "logscale")
#: The role a scale variable plays under each parametrization, and back.
ROLE_OF_PARAM = {"logvar": "logvar", "scale": "std", "variance": "var", "logscale": "logstd"}
PARAM_OF_ROLE = {role: param for param, role in ROLE_OF_PARAM.items()}

#: The kl-derive spec of the encoder for each parametrization.
SPECS = {
    "logvar": "normal(mu, exp(logvar/2))",
    "scale": "normal(mu, sigma)",
    "variance": "normal(mu, sqrt(var))",
    "logscale": "normal(mu, exp(logsigma))",
}

#: How the KL reads for each parametrization, for messages.
DESCRIPTIONS = {
    "logvar": "KL(N({mu}, exp({x})) || N(0, 1))",
    "scale": "KL(N({mu}, {x}**2) || N(0, 1))",
    "variance": "KL(N({mu}, {x}) || N(0, 1))",
    "logscale": "KL(N({mu}, exp(2*{x})) || N(0, 1))",
}

#: What a scale variable holds under each parametrization, in words.
MEANINGS = {
    "logvar": "the log-variance log(sigma^2)",
    "scale": "the standard deviation sigma",
    "variance": "the variance sigma^2",
    "logscale": "log(sigma)",
}

_SCALE_SYMBOLS = {
    "logvar": ("logvar", {"real": True}, (-150, 150)),
    "scale": ("sigma", {"positive": True}, (20, 250)),
    "variance": ("var", {"positive": True}, (10, 300)),
    "logscale": ("logsigma", {"real": True}, (-100, 100)),
}
_MEAN_RANGE = (-200, 200)


def scale_symbol(param: str, suffix: str = "") -> tuple[sp.Symbol, tuple[int, int]]:
    """The coordinate symbol of a scale held as ``param`` and where it is sampled."""
    name, assumptions, sampled = _SCALE_SYMBOLS[param]
    return sp.Symbol(name + suffix, **assumptions), sampled


@dataclass(frozen=True)
class Pieces:
    """sigma^2, sigma and log sigma^2 written in a parametrization, as SymPy and as code."""

    variance: sp.Expr
    std: sp.Expr
    log_variance: sp.Expr
    variance_text: str
    std_text: str
    log_variance_text: str

    @classmethod
    def of(cls, param: str, x: sp.Expr, name: str) -> Pieces:
        """The pieces for the scale value ``x`` (called ``name`` in the code) read as ``param``."""
        if param == "logvar":
            return cls(sp.exp(x), sp.exp(x / 2), x, f"exp({name})", f"exp({name}/2)", name)
        if param == "scale":
            return cls(x**2, x, sp.log(x**2), f"{name}**2", name, f"log({name}**2)")
        if param == "variance":
            return cls(x, sp.sqrt(x), sp.log(x), name, f"sqrt({name})", f"log({name})")
        if param == "logscale":
            return cls(
                sp.exp(2 * x), sp.exp(x), 2 * x, f"exp(2*{name})", f"exp({name})", f"2*{name}"
            )
        raise ValueError(param)  # pragma: no cover

    def role(self, role: str) -> sp.Expr:
        """The value of a scale role (``logvar``, ``std``, ``var``, ``logstd``)."""
        return {
            "logvar": self.log_variance,
            "std": self.std,
            "var": self.variance,
            "logstd": self.log_variance / 2,
        }[role]

    def kl(self, mu: sp.Expr) -> sp.Expr:
        """The per-coordinate KL, (mu^2 + sigma^2 - log sigma^2 - 1) / 2."""
        return (mu**2 + self.variance - self.log_variance - 1) / 2


def reference(param: str) -> sp.Expr:
    """The per-coordinate KL(N(mu, sigma^2) || N(0, 1)) in the canonical symbols."""
    x, _ = scale_symbol(param)
    return Pieces.of(param, x, x.name).kl(sp.Symbol("mu", real=True))


def reversed_reference(param: str) -> sp.Expr:
    """The KL(N(0, 1) || N(mu, sigma^2)), log sigma + (1 + mu^2)/(2 sigma^2) - 1/2."""
    x, _ = scale_symbol(param)
    p = Pieces.of(param, x, x.name)
    mu = sp.Symbol("mu", real=True)
    return p.log_variance / 2 + (1 + mu**2) / (2 * p.variance) - sp.Rational(1, 2)


def normal_target(param: str, mu_name: str = "mu", x_name: str = "") -> Target:
    """The VAE term for a scale held as ``param``, explained with the user's names."""
    mu = sp.Symbol("mu", real=True)
    x, sampled = scale_symbol(param)
    x_name = x_name or x.name
    p = Pieces.of(param, x, x_name)
    kl = p.kl(mu)
    values = {"mu": mu, **{role: p.role(role) for role in PARAM_OF_ROLE}}
    right = f"0.5 * sum({mu_name}**2 + {p.variance_text} - {p.log_variance_text} - 1)"
    description = DESCRIPTIONS[param].format(mu=mu_name, x=x_name)
    terms = [
        (f"{mu_name}**2", mu**2),
        (p.variance_text, p.variance),
        (p.log_variance_text, -p.log_variance),
        ("constant 1", sp.Integer(-1)),
    ]
    mistakes = [
        Mistake("flipped_sign", f"the sign of the {text} term is flipped", Form(RED, kl - term))
        for text, term in terms
    ]
    mistakes += [
        Mistake("missing_term", f"the {text} term is missing", Form(RED, kl - term / 2))
        for text, term in terms
    ]
    crossed = [_crossed(param, other, mu, x, x_name) for other in PARAMS if other != param]
    mistakes += [m for m in crossed if m.id != "wrong_parametrization"]
    mistakes += [
        Mistake(
            "sigma_for_variance",
            f"sigma ({p.std_text}) is used where sigma^2 ({p.variance_text}) was meant",
            Form(RED, (mu**2 + p.std - p.log_variance - 1) / 2),
        ),
        Mistake(
            "sigma_for_variance",
            f"sigma ({p.std_text}) is used where sigma^2 ({p.variance_text}) was meant, in the "
            "variance and in its log",
            Form(RED, (mu**2 + p.std - p.log_variance / 2 - 1) / 2),
        ),
        Mistake(
            "log_sigma_vs_log_variance",
            f"log sigma is used where log sigma^2 ({p.log_variance_text}) was meant",
            Form(RED, (mu**2 + p.variance - p.log_variance / 2 - 1) / 2),
        ),
        Mistake(
            "log_sigma_vs_log_variance",
            f"the log term is 2 log sigma^2 where log sigma^2 ({p.log_variance_text}) was meant",
            Form(RED, (mu**2 + p.variance - 2 * p.log_variance - 1) / 2),
        ),
        Mistake(
            "reversed_direction",
            "this is KL(N(0, 1) || q), the reversed direction; the VAE term is KL(q || N(0, 1))",
            Form(RED, p.log_variance / 2 + (1 + mu**2) / (2 * p.variance) - sp.Rational(1, 2)),
        ),
    ]
    mistakes += [m for m in crossed if m.id == "wrong_parametrization"]
    summary = f"{description} summed over the latent axis"
    return Target(
        kind="normal",
        coordinates=(
            Coordinate(mu, *_MEAN_RANGE, mu_name),
            Coordinate(x, *sampled, x_name),
        ),
        values=values,
        accepted=(Accepted("kl", Form(RED, kl), "correct", summary),),
        mistakes=tuple(mistakes),
        right=right,
        derivation=f'kl-derive "{SPECS[param]}" --to latex',
        specs=(SPECS[param],),
        param=param,
    )


def _crossed(param: str, other: str, mu: sp.Symbol, x: sp.Symbol, x_name: str) -> Mistake:
    """The formula of parametrization ``other`` applied to a variable that holds ``param``."""
    wrong = Pieces.of(other, x, x_name)
    return Mistake(
        _cross_id(param, other),
        f"the formula treats {x_name} as {MEANINGS[other]} ({wrong.variance_text} as "
        f"sigma^2), but {x_name} is read as {MEANINGS[param]}",
        Form(RED, wrong.kl(mu)),
    )


def _cross_id(param: str, other: str) -> str:
    if param == "scale" and other == "variance":
        return "sigma_for_variance"
    if {param, other} == {"logvar", "logscale"}:
        return "log_sigma_vs_log_variance"
    return "wrong_parametrization"
