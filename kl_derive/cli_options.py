"""What the ``kl-derive`` commands share: the choices their options take, how a choice
is checked, the ``--output`` option and how output is written, the help layout.

Like every ``cli_*`` module it imports click and the standard library only, so that
``--help`` and bad options do not load SymPy.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = [
    "ALIGNMENTS",
    "CONTEXT",
    "DETAILS",
    "EPILOG",
    "FORMATS",
    "FRAMEWORKS",
    "PAGES",
    "PARAMS",
    "REDUCTIONS",
    "STANDALONE",
    "choice",
    "languages",
    "output_option",
    "write_output",
]

FORMATS = (
    "latex",
    "beamer",
    "markdown",
    "gfm",
    "myst",
    "quarto",
    "html",
    "ipynb",
    "json",
    "text",
    "typst",
)
#: the formats that write a complete document with --standalone
STANDALONE = ("latex", "typst")
DETAILS = ("brief", "standard", "full")
ALIGNMENTS = ("center", "left")
PAGES = ("onecolumn", "twocolumn", "beamer", "beamer169", "notebook")
PARAMS = ("scale", "variance", "logvar", "logscale")
FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")
REDUCTIONS = ("sum", "mean", "none")

EPILOG = """\b
Distributions are written family(arg, ...) with PyTorch's parameter order:
  normal(loc, scale)     e.g. normal(mu, sigma), normal(0, 1), normal(m, exp(s))
Arguments are names, numbers, + - * / ** and exp, log, sqrt.

\b
Examples:
  kl-derive normal --to latex
  kl-derive "normal(mu, sigma)" "normal(0, 1)" --to markdown --lang ko
  kl-derive normal --param logvar
  kl-derive code normal --framework torch --param logvar
  kl-derive check "-0.5 * sum(1 + logvar - mu**2 - exp(logvar))" --param logvar
"""


def choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> str:
    if value in choices:
        return value
    import difflib

    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise click.UsageError(f"unknown {kind} {value!r}{hint} (choose from {', '.join(choices)})")


def languages() -> list[str]:
    # the catalogs are files; listing them needs neither SymPy nor the renderers
    messages = Path(__file__).resolve().parent / "messages"
    return sorted(p.stem for p in messages.glob("*.toml"))


def write_output(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from .files import write_text

    write_text(output, text)


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
