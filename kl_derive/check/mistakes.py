"""The correct KL term and a catalogue of the usual ways to get it wrong.

The reference is derived by kl-derive itself: :func:`reference` is the per-coordinate
KL(N(mu, sigma^2) || N(0, 1)) of :func:`kl_derive.derive` with the scale argument written
for the chosen parametrization (``normal(mu, exp(logvar/2))`` for ``"logvar"`` and so on);
the VAE term is its sum over the latent axis.

:func:`catalogue` lists mutated versions of the correct formula, each with a stable id,
a short title and a sentence of explanation written with the user's variable names: a
missing 1/2, a flipped sign (overall or of one term), sigma where sigma^2 or the
log-variance was meant, log sigma against log sigma^2, a missing sum, the reversed KL
direction, a mean instead of a sum over the latent axis, and the formula of another
parametrization applied to the user's variable. :mod:`kl_derive.check.compare` reports the
first entry the user's line equals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .semantics import D, Form, Red, Symbols, Vec, symbols_for

__all__ = [
    "DESCRIPTIONS",
    "SPECS",
    "TITLES",
    "Mistake",
    "Pieces",
    "catalogue",
    "reference",
    "reversed_reference",
]

#: The parametrizations, in the order the catalogue tries them.
PARAMS = ("logvar", "scale", "variance", "logscale")

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

#: Short titles of the mistakes, by id.
TITLES = {
    "missing_half": "missing 1/2",
    "flipped_sign": "flipped sign",
    "sigma_for_variance": "sigma used for sigma^2",
    "log_sigma_vs_log_variance": "log sigma vs log sigma^2",
    "missing_sum": "missing sum",
    "reversed_direction": "KL direction reversed",
    "mean_instead_of_sum": "mean instead of sum",
    "wrong_parametrization": "wrong parametrization",
    "wrong_factor": "wrong factor",
    "constant_offset": "wrong constant term",
}

_MEANINGS = {
    "logvar": "the log-variance log(sigma^2)",
    "scale": "the standard deviation sigma",
    "variance": "the variance sigma^2",
    "logscale": "log(sigma)",
}


@dataclass(frozen=True)
class Mistake:
    """One usual mistake: its id, title, explanation, and the formula it produces."""

    id: str
    explanation: str
    form: Form

    @property
    def title(self) -> str:
        return TITLES[self.id]


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
    def of(cls, param: str, x: sp.Symbol, name: str) -> Pieces:
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

    def kl(self, mu: sp.Symbol) -> sp.Expr:
        """The per-coordinate KL, (mu^2 + sigma^2 - log sigma^2 - 1) / 2."""
        return (mu**2 + self.variance - self.log_variance - 1) / 2


def _canonical(expr: sp.Expr, symbols: Symbols) -> sp.Expr:
    by_name = {s.name: s for s in symbols.coordinates}
    return expr.xreplace({s: by_name[s.name] for s in expr.free_symbols if s.name in by_name})


@cache
def reference(param: str) -> sp.Expr:
    """The per-coordinate KL(q || N(0, 1)) derived by kl-derive, in :func:`symbols_for` symbols."""
    from ..api import derive

    return _canonical(derive(SPECS[param]).result, symbols_for(param))


@cache
def reversed_reference(param: str) -> sp.Expr:
    """The per-coordinate KL(N(0, 1) || q) derived by kl-derive (the reversed direction)."""
    from ..api import derive

    return _canonical(derive("normal(0, 1)", SPECS[param]).result, symbols_for(param))


def catalogue(param: str, mu_name: str, x_name: str) -> list[Mistake]:
    """The usual mistakes for ``param``, explained with the user's names ``mu_name``, ``x_name``.

    Forms are in the :func:`~kl_derive.check.semantics.symbols_for` symbols; earlier
    entries win when two coincide.
    """
    symbols = symbols_for(param)
    mu, x = symbols.mu, symbols.x
    p = Pieces.of(param, x, x_name)
    kl = reference(param)
    right = f"0.5 * sum({mu_name}**2 + {p.variance_text} - {p.log_variance_text} - 1)"
    entries = [
        Mistake(
            "missing_half",
            f"the factor 1/2 is missing; the KL is {right}",
            Red(2 * kl),
        ),
        Mistake(
            "flipped_sign",
            f"the overall sign is flipped (a KL is never negative); the KL is {right}",
            Red(-kl),
        ),
    ]
    terms = [
        (f"{mu_name}**2", mu**2),
        (p.variance_text, p.variance),
        (p.log_variance_text, -p.log_variance),
        ("constant 1", sp.Integer(-1)),
    ]
    entries += [
        Mistake(
            "flipped_sign",
            f"the sign of the {text} term is flipped; the KL is {right}",
            Red(kl - term),
        )
        for text, term in terms
    ]
    crossed = [_crossed(param, other, symbols, mu_name, x_name, right) for other in PARAMS]
    entries += [m for m in crossed if m is not None and m.id != "wrong_parametrization"]
    entries += [
        Mistake(
            "sigma_for_variance",
            f"sigma ({p.std_text}) is used where sigma^2 ({p.variance_text}) was meant; "
            f"the KL is {right}",
            Red((mu**2 + p.std - p.log_variance - 1) / 2),
        ),
        Mistake(
            "sigma_for_variance",
            f"sigma ({p.std_text}) is used where sigma^2 ({p.variance_text}) was meant, in the "
            f"variance and in its log; the KL is {right}",
            Red((mu**2 + p.std - p.log_variance / 2 - 1) / 2),
        ),
        Mistake(
            "log_sigma_vs_log_variance",
            f"log sigma is used where log sigma^2 ({p.log_variance_text}) was meant; "
            f"the KL is {right}",
            Red((mu**2 + p.variance - p.log_variance / 2 - 1) / 2),
        ),
        Mistake(
            "log_sigma_vs_log_variance",
            f"the log term is 2 log sigma^2 where log sigma^2 ({p.log_variance_text}) was meant; "
            f"the KL is {right}",
            Red((mu**2 + p.variance - 2 * p.log_variance - 1) / 2),
        ),
        Mistake(
            "missing_sum",
            "the result is still a vector over the latent axis: the sum over it is missing",
            Vec(kl),
        ),
        Mistake(
            "reversed_direction",
            "this is KL(N(0, 1) || q), the reversed direction; the VAE term is KL(q || N(0, 1))",
            Red(reversed_reference(param)),
        ),
        Mistake(
            "mean_instead_of_sum",
            "the latent axis is averaged (mean) instead of summed; the KL of a diagonal "
            "Gaussian is the sum of the per-coordinate KLs",
            Red(kl / D),
        ),
    ]
    entries += [m for m in crossed if m is not None and m.id == "wrong_parametrization"]
    return entries


def _crossed(
    param: str, other: str, symbols: Symbols, mu_name: str, x_name: str, right: str
) -> Mistake | None:
    """The formula of parametrization ``other`` applied to a variable that holds ``param``."""
    if other == param:
        return None
    wrong = Pieces.of(other, symbols.x, x_name)
    return Mistake(
        _cross_id(param, other),
        f"the formula treats {x_name} as {_MEANINGS[other]} ({wrong.variance_text} as "
        f"sigma^2), but with param={param!r} it holds {_MEANINGS[param]}; the KL is {right}",
        Red(wrong.kl(symbols.mu)),
    )


def _cross_id(param: str, other: str) -> str:
    if param == "scale" and other in ("variance", "logvar"):
        return "sigma_for_variance"
    if {param, other} == {"logvar", "logscale"}:
        return "log_sigma_vs_log_variance"
    return "wrong_parametrization"
