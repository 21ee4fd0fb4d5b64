"""The commands that list what kl-derive knows: ``families`` and ``pairs``."""

from __future__ import annotations

import click

from .cli_options import CONTEXT

__all__ = ["families_command", "pairs_command"]


@click.command("families", context_settings=CONTEXT)
def families_command() -> None:
    """List the distribution families: parameters (PyTorch's names), support, notation."""
    from .errors import KLDeriveError
    from .families import family_names, get_family
    from .printing.latex import latex

    for name in family_names():
        family = get_family(name)
        params = ", ".join(f"{p.name} ({_describe_parameter(p)})" for p in family.parameters)
        multivariate = family.vector or getattr(family, "matrix", False)
        support = _support_text(family, multivariate)
        try:
            notation = family.notation(tuple(_default_args(family)), latex)
        except KLDeriveError:  # a family that needs lists: show its name
            notation = family.name
        click.echo(f"{name}({', '.join(p.name for p in family.parameters)})")
        click.echo(f"    parameters: {params}")
        click.echo(f"    support:    {support}")
        click.echo(f"    notation:   {notation}")


def _support_text(family, multivariate: bool) -> str:
    """The support in words: R, (0, oo), {0, 1, ..., n}, the simplex, ..."""
    if getattr(family, "support_text", None):  # a family that says it in its own words
        return family.support_text
    if family.name == "dirichlet":
        return "the probability simplex"
    if family.name == "wishart":
        return "the p x p symmetric positive-definite matrices"
    if family.name in ("categorical", "one_hot_categorical"):
        return "{1, ..., K}"
    if family.name == "multinomial":
        return "count vectors (k_1, ..., k_K) with k_1 + ... + k_K = n"
    if multivariate:
        return "R^d"
    from sympy import sstr

    from .errors import KLDeriveError

    try:
        lower, upper = family.support(tuple(_default_args(family)))
    except (KLDeriveError, TypeError, ValueError):
        return "R"
    if lower == -upper and str(upper) == "oo":
        return "R"
    if family.discrete:
        if upper == lower + 1:
            return f"{{{sstr(lower)}, {sstr(upper)}}}"
        return f"{{{sstr(lower)}, {sstr(lower + 1)}, ..., {sstr(upper)}}}"
    return f"({sstr(lower)}, {sstr(upper)})"


def _describe_parameter(parameter) -> str:
    positive = parameter.domain == "positive" and "matrix" not in parameter.name
    return f"{parameter.meaning}, > 0" if positive else parameter.meaning


def _default_args(family) -> list:
    from sympy import IndexedBase, MatrixSymbol, Symbol

    from .symbolic.objects import DIMENSION

    if getattr(family, "matrix", False):
        return [MatrixSymbol("mu", DIMENSION, 1), MatrixSymbol("Sigma", DIMENSION, DIMENSION)]
    if getattr(family, "vector", False):
        return [IndexedBase(p.symbol, **p.assumptions()) for p in family.parameters]
    return [Symbol(p.symbol, **p.assumptions()) for p in family.parameters]


@click.command("pairs", context_settings=CONTEXT)
def pairs_command() -> None:
    """List the pairs KL(P || Q) kl-derive derives, the strategy each uses and what it
    gives (a closed form, a closed form under a condition, or infinity); then how much
    of PyTorch's table of pairs that covers."""
    from .strategies import PAIRS
    from .strategies.pytorch_pairs import FINITE, GENERIC, INFINITE
    from .strategies.table import OUTCOMES, SHARED

    width = max(len(f"{p} || {q}") for p, q in PAIRS)
    for (p, q), strategies in PAIRS.items():
        names = ", ".join(name for name, _ in strategies)
        outcome = OUTCOMES.get((p, q), "finite")
        if outcome == "none":  # no closed form: derived up to one exact integral
            outcome = "none (up to one integral)"
        if (p, q) in SHARED:  # the closed form needs, e.g., the same total_count
            outcome += " with the same " + ", ".join(SHARED[(p, q)])
        click.echo(f"{p + ' || ' + q:<{width}}  {names:<24}  {outcome}")
    finite = sum(1 for pair in FINITE if pair in PAIRS)
    infinite = sum(1 for pair in INFINITE if OUTCOMES.get(pair) == "infinite")
    click.echo(
        f"\n{len(PAIRS)} pairs. PyTorch's torch.distributions.kl: {finite} of its "
        f"{len(FINITE)} closed-form pairs derived, {infinite} of its {len(INFINITE)} "
        f"always-infinite pairs explained ({len(GENERIC)} generic rules not counted)."
    )
