"""The code command: the KL term as a function for a deep-learning framework."""

from __future__ import annotations

import click

from .cli_options import (
    CONTEXT,
    FRAMEWORKS,
    PARAMS,
    REDUCTIONS,
    choice,
    output_option,
    write_output,
)

__all__ = ["code_command"]


@click.command("code", context_settings=CONTEXT)
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option(
    "--framework",
    default="numpy",
    show_default=True,
    metavar="NAME",
    help="numpy, torch, jax or tensorflow.",
)
@click.option(
    "--param",
    default="logvar",
    show_default=True,
    metavar="NAME",
    help="How the encoder's scale is given: scale, variance, logvar or logscale.",
)
@click.option(
    "--reduce",
    "reduction",
    default=None,
    metavar="HOW",
    help="Over the latent axis: sum, mean or none.  [default: sum; none for a divergence "
    "that does not add over coordinates]",
)
@click.option(
    "--divergence",
    default="kl",
    show_default=True,
    metavar="NAME",
    help="The divergence to print: kl, or one of kl-derive divergences (renyi, hellinger, ...).",
)
@click.option(
    "--alpha",
    default=None,
    metavar="A",
    help="The Rényi order (--divergence renyi): a number or a symbol's name.  [default: alpha]",
)
@click.option(
    "--terms",
    type=click.IntRange(min=1),
    default=None,
    metavar="M",
    help="For a KL that is an infinite series (kumaraswamy || beta): the terms to keep "
    "[default: 100]; the docstring states the bound on what is left out.",
)
@output_option
def code_command(
    p: str,
    q: str | None,
    framework: str,
    param: str,
    reduction: str | None,
    divergence: str,
    alpha: str | None,
    terms: int | None,
    output: str | None,
) -> None:
    """Print the KL term (or another divergence's closed form) as a function for a
    deep-learning framework.

    The function is generated from the derived SymPy result by SymPy's code printers; a
    result that holds under a condition is the framework's where on that condition.
    """
    framework = choice("framework", framework, FRAMEWORKS)
    param = choice("parametrization", param, PARAMS)
    if reduction is not None:
        reduction = choice("reduction", reduction, REDUCTIONS)
    from .codegen import code_for

    source = code_for(
        p,
        q,
        framework=framework,
        param=param,
        reduce=reduction,
        divergence=divergence,
        alpha=alpha,
        terms=terms,
    )
    write_output(source, output)
