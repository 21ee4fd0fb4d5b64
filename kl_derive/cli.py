"""The ``kl-derive`` command.

``kl-derive P [Q]`` derives KL(P || Q); ``kl-derive normal`` is shorthand for
``kl-derive "normal(mu, sigma)" "normal(0, 1)"``. This module imports only click and the
standard library at start-up, so ``--help`` and ``--version`` do not load SymPy; the
derivation machinery is imported when a derivation is asked for.

Every failure the user can cause ends in one line on stderr and exit status 2; an
unexpected internal error ends in one line and status 1 (set ``KL_DERIVE_DEBUG=1`` for
the traceback).
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import click

from . import __version__

FORMATS = ("latex", "markdown", "json")

_EPILOG = """\b
Distributions are written family(arg, ...) with PyTorch's parameter order:
  normal(loc, scale)     e.g. normal(mu, sigma), normal(0, 1), normal(m, exp(s))
Arguments are names, numbers, + - * / ** and exp, log, sqrt.

\b
Examples:
  kl-derive normal --to latex
  kl-derive "normal(mu, sigma)" "normal(0, 1)" --to markdown --lang ko
  kl-derive "normal(m, exp(s))" --to json -o kl.json
"""


def _choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> str:
    if value in choices:
        return value
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise click.UsageError(f"unknown {kind} {value!r}{hint} (choose from {', '.join(choices)})")


def _languages() -> list[str]:
    # the catalogs are files; listing them needs neither SymPy nor the renderers
    messages = Path(__file__).resolve().parent / "messages"
    return sorted(p.stem for p in messages.glob("*.toml"))


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_EPILOG,
)
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option(
    "--to",
    "fmt",
    default="latex",
    show_default=True,
    metavar="FORMAT",
    help="Output format: latex, markdown or json.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="LANG",
    help="Language of the explanations: en or ko.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--standalone",
    is_flag=True,
    help="With --to latex: a complete document that pdflatex compiles on its own.",
)
@click.option(
    "--template-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Look for templates in DIR first (override any built-in template).",
)
@click.version_option(__version__, "-V", "--version", prog_name="kl-derive")
def main_command(
    p: str,
    q: str | None,
    fmt: str,
    lang: str,
    output: str | None,
    standalone: bool,
    template_dir: str | None,
) -> None:
    """Derive KL(P || Q) step by step, every step checked with SymPy.

    P and Q are distributions; Q defaults to the standard member of P's family, so
    `kl-derive normal` is KL(N(mu, sigma^2) || N(0, 1)).
    """
    fmt = _choice("format", fmt, FORMATS)
    lang = _choice("language", lang, _languages())
    if standalone and fmt != "latex":
        raise click.UsageError("--standalone applies to --to latex only")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise click.UsageError(f"template directory {template_dir!r} does not exist")

    from .api import derive
    from .render import render

    derivation = derive(p, q, lang=lang)
    text = render(derivation, fmt, lang, standalone=standalone, template_dir=template_dir)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Run the command; errors become one line on stderr and a non-zero status."""
    from .errors import KLDeriveError

    args = sys.argv[1:] if argv is None else argv
    try:
        main_command.main(args=args, prog_name="kl-derive", standalone_mode=False)
    except click.UsageError as error:
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        _fail(message.splitlines()[0] if message else "invalid usage", 2)
    except click.exceptions.Abort:
        _fail("aborted", 1)
    except click.ClickException as error:
        _fail(error.format_message(), error.exit_code or 1)
    except KLDeriveError as error:
        _fail(str(error), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as error:
        if os.environ.get("KL_DERIVE_DEBUG"):
            raise
        _fail(f"internal error ({type(error).__name__}: {error}); please report it", 1)
    else:
        sys.exit(0)


def _fail(message: str, status: int) -> None:
    click.echo(f"kl-derive: error: {message}", err=True)
    sys.exit(status)
