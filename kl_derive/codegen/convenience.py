"""Derive and print in one call: :func:`code_for`, what ``kl-derive code`` runs."""

from __future__ import annotations

import difflib
import re

from sympy import Expr, Mul, Pow, Symbol, sstr

from ..errors import KLDeriveError
from .frameworks import get_framework
from .mvn import generate_mvn
from .univariate import REDUCTIONS, generate

__all__ = ["MVN_SPECS", "PARAMETRIZATIONS", "code_for"]

#: ``--param``: how a VAE encoder gives the scale, as the spec P it stands for.
PARAMETRIZATIONS: dict[str, str] = {
    "logvar": "normal(mu, exp(logvar/2))",
    "scale": "normal(mu, sigma)",
    "variance": "normal(mu, sqrt(var))",
    "logscale": "normal(mu, exp(logsigma))",
}

#: Specs that ask for the full-covariance multivariate normal (:func:`generate_mvn`).
MVN_SPECS = ("mvn", "multivariate_normal")


def code_for(
    spec_p: str | None = None,
    spec_q: str | None = None,
    *,
    framework: str = "numpy",
    param: str = "logvar",
    reduce: str = "sum",
    name: str | None = None,
) -> str:
    """Derive ``KL(P || Q)`` with :func:`kl_derive.derive` and print it for ``framework``.

    ``spec_p`` given with arguments (``"normal(m, exp(s))"``) is used as it is, and so is
    ``spec_q``; a bare ``"normal"`` (or ``None``) is P in the parametrization ``param``:
    ``"logvar"`` is ``normal(mu, exp(logvar/2))``, ``"scale"`` ``normal(mu, sigma)``,
    ``"variance"`` ``normal(mu, sqrt(var))``, ``"logscale"`` ``normal(mu, exp(logsigma))``.
    Q defaults to the standard normal. ``"mvn"`` asks for :func:`generate_mvn` (full
    covariances; ``reduce`` and ``param`` do not apply).

    The function's parameters are the spec's symbols in the order they are written.
    Raises :class:`~kl_derive.errors.KLDeriveError` for a request that cannot be met.
    """
    get_framework(framework)
    if reduce not in REDUCTIONS:
        raise KLDeriveError(f"unknown reduction {reduce!r} (choose from {', '.join(REDUCTIONS)})")
    if param not in PARAMETRIZATIONS:
        close = difflib.get_close_matches(param, list(PARAMETRIZATIONS), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(PARAMETRIZATIONS)
        raise KLDeriveError(f"unknown parametrization {param!r}{hint} (choose from {known})")

    if spec_p is not None and spec_p.strip() in MVN_SPECS:
        if spec_q is not None and spec_q.strip() not in MVN_SPECS:
            raise KLDeriveError("a multivariate normal P needs a multivariate normal Q ('mvn')")
        return generate_mvn(framework, name=name or "mvn_kl_divergence")

    p = PARAMETRIZATIONS[param] if spec_p is None or spec_p.strip() == "normal" else spec_p
    from ..api import derive

    derivation = derive(p, spec_q)
    texts = [p, spec_q or ""]
    distributions = [derivation.p, derivation.q]

    positive: dict[Symbol, Symbol] = {}
    for dist in distributions:
        for parameter, arg in zip(dist.family.parameters, dist.user_args, strict=True):
            if parameter.domain == "positive":
                for symbol in _implied_positive(arg):
                    if not symbol.is_positive:
                        positive[symbol] = Symbol(symbol.name, positive=True)
    result: Expr = derivation.result.xreplace(positive)

    ordered: list[Symbol] = []
    for dist, text in zip(distributions, texts, strict=True):
        taken = {s.name for s in ordered}
        found = {s for a in dist.user_args for s in a.free_symbols if s.name not in taken}
        ordered.extend(sorted(found, key=lambda s: (_position(s.name, text), s.name)))
    taken = {s.name for s in ordered}
    ordered.extend(sorted((s for s in result.free_symbols if s.name not in taken), key=str))
    inputs = [(s.name, _matching(result, s.name, positive.get(s, s))) for s in ordered]

    doc = f"KL(P || Q) for P = {_describe(derivation.p)} and Q = {_describe(derivation.q)}."
    return generate(
        result,
        framework=framework,
        reduce=reduce,
        inputs=inputs,
        name=name or "kl_divergence",
        doc=doc,
    )


def _implied_positive(arg: Expr) -> set[Symbol]:
    """Symbols that must be positive for ``arg`` (a scale) to be: ``sigma``, ``sqrt(var)``,
    ``1/tau``, ``2*s``; nothing for ``exp(s)``, nor for ``s**2`` whose sign is free."""
    if isinstance(arg, Symbol):
        return {arg}
    if (
        isinstance(arg, Pow)
        and arg.exp.is_Rational
        and not (arg.exp.is_Integer and arg.exp.is_even)
    ):
        return _implied_positive(arg.base)
    if isinstance(arg, Mul):
        coeff, rest = arg.as_coeff_Mul()
        if coeff.is_positive and not isinstance(rest, Mul):
            return _implied_positive(rest)
    return set()


def _position(name: str, text: str) -> int:
    match = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)
    return match.start() if match else len(text)


def _matching(result: Expr, name: str, fallback: Symbol) -> Symbol:
    """The symbol named ``name`` as it occurs in ``result`` (assumptions included)."""
    for symbol in result.free_symbols:
        if symbol.name == name:
            return symbol
    return fallback


def _describe(dist: object) -> str:
    family = dist.family.name  # type: ignore[attr-defined]
    args = ", ".join(sstr(a) for a in dist.user_args)  # type: ignore[attr-defined]
    return f"{family}({args})"
