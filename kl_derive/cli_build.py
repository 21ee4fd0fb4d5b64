"""The build command: every derivation of a TOML manifest, in one process and its workers."""

from __future__ import annotations

import sys

import click

from .cli_derive import (
    cross_entropy_command,
    derive_command,
    entropy_command,
    estimators_command,
    mixture_command,
)
from .cli_elbo import elbo_command
from .cli_options import CONTEXT

__all__ = ["build_command", "divergence_commands"]


def divergence_commands() -> dict[str, click.Command]:
    """The command of each divergence beyond KL (``renyi``, ``chi-square``, ...), as the
    running ``kl-derive`` group registered them, by name."""
    from .divergences import DIVERGENCES, load

    context = click.get_current_context(silent=True)
    group = context.find_root().command if context is not None else None
    if not isinstance(group, click.Group):  # called outside the kl-derive group
        return {}
    load()
    found = {name: group.get_command(context, name) for name in DIVERGENCES}
    return {name: command for name, command in found.items() if command is not None}


_BUILDEPILOG = """\b
A manifest lists derivations, one [[derivation]] table each:
  [defaults]                  # optional: keys every entry starts from
  lang = "en"
  [[derivation]]
  p = "normal"                # and q = "...", as on the command line
  to = "latex"
  output = "notes/kl-normal.tex"
  [[derivation]]
  quantity = "entropy"        # kl (default), entropy, cross-entropy, estimators,
  p = "gamma"                 # mixture (p and q) or elbo (no p: see below)
  output = "notes/entropy-gamma.md"
  to = "markdown"
  [[derivation]]
  quantity = "elbo"
  decoder = "bernoulli"       # elbo's own options: decoder, prior, beta
  output = "notes/elbo.tex"
  [[derivation]]
  quantity = "renyi"          # a divergence, by its command (kl-derive divergences)
  p = "normal(0, 1)"
  q = "normal(1, 2)"
  alpha = "2"                 # its own options too
  output = "notes/renyi.tex"

\b
Other keys are the command's long options without their dashes (detail, highlight,
label, template-dir, ...); a number may stand for an option's text (alpha = 2). Paths
are relative to the manifest's folder.
"""


@click.command("build", context_settings=CONTEXT, epilog=_BUILDEPILOG)
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Derive N at a time [default: CPUs].",
)
@click.option("--no-cache", is_flag=True, help="Derive every entry afresh (no result cache).")
@click.option("-q", "--quiet", is_flag=True, help="Report failures only.")
def build_command(manifest: str, jobs: int | None, no_cache: bool, quiet: bool) -> None:
    """Derive every entry of a TOML manifest and write each output (see README, Batch builds).

    Entries are checked like the same command lines, derived in parallel and written in
    the manifest's order; unchanged derivations come from the result cache.
    """
    from .batch import build

    commands: dict[str, click.Command] = {
        "kl": derive_command,
        "entropy": entropy_command,
        "cross-entropy": cross_entropy_command,
        "estimators": estimators_command,
        "mixture": mixture_command,
        "elbo": elbo_command,
    }
    commands.update(divergence_commands())
    sys.exit(build(manifest, commands, jobs=jobs, use_cache=not no_cache, quiet=quiet))
