"""The plot command: both densities and the integrand, with the derived value."""

from __future__ import annotations

import click

from .cli_options import CONTEXT

__all__ = ["plot_command"]


@click.command("plot", context_settings=CONTEXT)
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option(
    "--at",
    "at",
    required=True,
    metavar="NAME=VALUE,...",
    help="The parameter values, e.g. mu=1,sigma=0.5.",
)
@click.option(
    "--vary",
    metavar="NAME=LOW:HIGH",
    help="Add a panel with the divergence as this parameter varies.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The figure file: .png, .pdf, .svg or .pgf.",
)
def plot_command(p: str, q: str | None, at: str, vary: str | None, output: str) -> None:
    """Draw both densities and the integrand q log(q/p), with the derived KL value."""
    from .plot import parse_assignments, plot

    figure = plot(p, q, at=parse_assignments(at), output=output, vary=vary)
    click.echo(f"KL = {figure.kl:.6g}; wrote {figure.path}")
