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
    default="sum",
    show_default=True,
    metavar="HOW",
    help="Over the latent axis: sum, mean or none.",
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
    reduction: str,
    terms: int | None,
    output: str | None,
) -> None:
    """Print the KL term as a function for a deep-learning framework.

    The function is generated from the derived SymPy result by SymPy's code printers.
    """
    framework = choice("framework", framework, FRAMEWORKS)
    param = choice("parametrization", param, PARAMS)
    reduction = choice("reduction", reduction, REDUCTIONS)
    from .codegen import code_for

    code = code_for(p, q, framework=framework, param=param, reduce=reduction, terms=terms)
    write_output(code, output)
