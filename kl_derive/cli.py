"""The ``kl-derive`` command.

``kl-derive P [Q]`` derives KL(P || Q); ``kl-derive normal`` is shorthand for
``kl-derive "normal(mu, sigma)" "normal(0, 1)"``. Subcommands: ``code`` prints the KL term
as code for a framework, ``check`` tells whether a loss line computes the KL.

Each command is a module of its own (``cli_derive``, ``cli_build``, ``cli_code``,
``cli_check``, ``cli_plot``, ``cli_lists``; shared options in ``cli_options``) and is
registered here with one ``main_command.add_command(...)`` line.

This module imports only click and the standard library at start-up, so ``--help`` and
``--version`` do not load SymPy; the derivation machinery is imported when it is needed.
Every failure the user can cause ends in one line on stderr and exit status 2; an
unexpected internal error ends in one line and status 1 (set ``KL_DERIVE_DEBUG=1`` for
the traceback).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

import click

from .cli_build import build_command
from .cli_check import check_command
from .cli_code import code_command
from .cli_companions import code_with_companions
from .cli_derive import (
    QUANTITY,
    cross_entropy_command,
    derive_command,
    entropy_command,
    estimators_command,
    mixture_command,
)
from .cli_divergences import add_divergence_commands
from .cli_elbo import elbo_command
from .cli_lists import families_command, pairs_command
from .cli_options import CONTEXT, EPILOG, output_option
from .cli_plot import plot_command
from .version import __version__


class _DeriveByDefault(click.Group):
    """A group whose first argument, when it is not a subcommand, is a distribution."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        reserved = {*self.commands, *ctx.help_option_names, "-V", "--version"}
        if args and args[0] not in reserved:
            args = ["derive", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("kl-derive", "[OPTIONS] P [Q]   |   kl-derive COMMAND [ARGS]...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The derivation's options first (it is what `kl-derive P [Q]` runs), then commands."""
        derive = self.commands["derive"]
        records = [
            record
            for param in [*derive.get_params(ctx), *self.get_params(ctx)]
            if (record := param.get_help_record(ctx)) is not None and record[0] != "-h, --help"
        ]
        records.append(("-h, --help", "Show this message and exit."))
        with formatter.section("Options"):
            formatter.write_dl(records)
        self.format_commands(ctx, formatter)


@click.group(cls=_DeriveByDefault, context_settings=CONTEXT, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="kl-derive")
def main_command() -> None:
    """Derive KL(P || Q) step by step, every step checked with SymPy.

    `kl-derive P [Q] [OPTIONS]` prints the derivation;
    Q defaults to the standard member of P's family, so `kl-derive normal` is
    KL(N(mu, sigma^2) || N(0, 1)).
    """


main_command.add_command(derive_command)
main_command.add_command(entropy_command)
main_command.add_command(cross_entropy_command)
main_command.add_command(estimators_command)
main_command.add_command(mixture_command)
main_command.add_command(elbo_command)
main_command.add_command(build_command)
main_command.add_command(code_with_companions(code_command, output_option))
main_command.add_command(check_command)
main_command.add_command(plot_command)
main_command.add_command(families_command)
main_command.add_command(pairs_command)
add_divergence_commands(main_command, derive_command, QUANTITY)


def main(argv: list[str] | None = None) -> None:
    """Run the command; errors become one line on stderr and a non-zero status.

    Run as a program (``argv`` not given), it keeps SymPy's tensor algebra from loading
    and the garbage collector from running too often (:mod:`kl_derive.deferred`), and
    ends with :func:`os._exit` once its output is flushed: tearing down SymPy's caches at
    interpreter exit costs more than a tenth of a second and does nothing useful for a
    process that is about to end.
    """
    if argv is None:
        from .deferred import start_quickly

        start_quickly()
    try:
        _run(sys.argv[1:] if argv is None else argv)
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if argv is not None:
            raise
        _exit_now(status)


def _exit_now(status: int) -> None:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):  # the output was not all delivered
        status = status or 1
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()  # a closed or full stderr does not turn a success into a failure
    os._exit(status)


def _run(args: list[str]) -> None:
    from .errors import KLDeriveError

    closed = sys.stdout is None
    if closed:  # file descriptor 1 closed (`kl-derive ... >&-`): see whether output is lost
        sys.stdout = io.StringIO()
    try:
        try:
            status = main_command.main(args=args, prog_name="kl-derive", standalone_mode=False)
        except SystemExit as done:  # a command that sets its own status (check)
            status = done.code
        if closed and sys.stdout.getvalue():
            raise OSError(errno.EBADF, "it is closed")
    except click.UsageError as error:
        message = error.format_message()
        _fail(message.splitlines()[0] if message else "invalid usage", 2)
    except click.exceptions.Abort:
        _fail("aborted", 1)
    except click.ClickException as error:
        _fail(error.format_message(), error.exit_code or 1)
    except KLDeriveError as error:
        _fail(str(error), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except OSError as error:
        if not (closed or _writing_stdout(error)):
            _internal(error)
        if isinstance(error, BrokenPipeError):  # the reader stopped reading: nothing to say
            sys.exit(1)
        _fail(f"cannot write to standard output: {error.strerror or error}", 2)
    except Exception as error:  # never show a traceback to a user
        _internal(error)
    else:
        sys.exit(status if isinstance(status, int) else 0)


def _writing_stdout(error: OSError) -> bool:
    """Whether ``error`` came from writing to standard output (full, a closed pipe): every
    such write goes through ``click.echo`` without ``err``."""
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "echo" and frame.f_globals.get("__name__") == "click.utils":
            return not frame.f_locals.get("err")
        tb = tb.tb_next
    return False


def _internal(error: Exception) -> None:
    if os.environ.get("KL_DERIVE_DEBUG"):
        raise error
    _fail(f"internal error ({type(error).__name__}: {error}); please report it", 1)


def _fail(message: str, status: int) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr full or closed: the status says it
        click.echo(f"kl-derive: error: {message}", err=True)
    sys.exit(status)
