"""The ``kl-derive check`` command: one line, a block, standard input, or files as a linter.

``kl-derive check "LINE"`` checks a loss line (it may begin with ``-``); a quoted block of
several lines or ``kl-derive check -`` (standard input) is read as the statements it is;
``kl-derive check model.py src/`` finds and checks the KL terms of Python files, one line
per finding, like a linter (see :mod:`kl_derive.check.lint`). The command's own options
may come before or after the code; a misspelled option is an error, not part of the line.

Registered by :mod:`kl_derive.cli`; it imports click and the standard library only, so
refusing bad options does not load SymPy.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

import click

__all__ = ["CheckCommand", "check_command"]

#: Largest text read from standard input, in characters.
MAX_STDIN = 2_000_000

_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*(=.*)?$", re.DOTALL)


class CheckCommand(click.Command):
    """A command whose options may follow a loss line that starts with ``-``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self.options_first(args))

    def options_first(self, args: list[str]) -> list[str]:
        """Put the command's own options first and everything else after ``--``.

        A loss line such as ``-0.5 * torch.sum(...)`` begins with ``-``; without this, click
        would read it as a cluster of short options (and the ``h`` of ``torch`` as ``-h``).
        An argument that looks like a long option but is none (``--parm``) is an error.
        """
        takes_value: dict[str, bool] = {}
        for param in self.params:
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag
        takes_value.update(dict.fromkeys(("-h", "--help"), False))
        options: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            name = arg.split("=", 1)[0]
            if arg == "--":
                rest.extend(args[i + 1 :])
                break
            if name in takes_value:
                options.append(arg)
                if takes_value[name] and "=" not in arg and i + 1 < len(args):
                    options.append(args[i + 1])
                    i += 1
            elif _OPTION.match(arg):
                known = sorted(n for n in takes_value if n.startswith("--"))
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise click.UsageError(
                    f"no such option {name!r} for check{hint} (options: {', '.join(known)}; "
                    "put -- before a loss line that starts with --)"
                )
            else:
                rest.append(arg)
            i += 1
        return [*options, "--", *rest] if rest else options


def _looks_like_path(arg: str) -> bool:
    if arg.endswith((".py", "/", "\\")):
        return not any(c in arg for c in "()*+ ")
    try:
        return Path(arg).exists()
    except (OSError, ValueError):
        return False


@click.command(
    "check",
    cls=CheckCommand,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.argument("code", nargs=-1, required=True, type=click.UNPROCESSED, metavar="CODE...")
@click.option(
    "--param",
    metavar="NAME",
    help="What the scale variable holds: logvar, scale, variance or logscale "
    "(default: read from its name).",
)
@click.option(
    "--names",
    metavar="ROLE=NAME,...",
    help="State variables' roles, e.g. mu=z_mean,logvar=z_log_var (roles: mu, logvar, std, "
    "var, logstd, mu_p, logvar_p, ..., q, p, logp, ref_logp, log_ratio, ratio, weight, "
    "batch_size, latent_size, mask).",
)
@click.option(
    "--name", metavar="NAME", help="In a block, the variable that holds the KL (default: the last)."
)
@click.option(
    "--against",
    metavar="FAMILY",
    help="Force the family: normal, bernoulli, categorical or estimator (default: from names).",
)
@click.option(
    "--explain", is_flag=True, help="After the verdict, print the derivation that justifies it."
)
@click.option("-q", "--quiet", is_flag=True, help="Files: print only the KL terms that are wrong.")
def check_command(
    code: tuple[str, ...],
    param: str | None,
    names: str | None,
    name: str | None,
    against: str | None,
    explain: bool,
    quiet: bool,
) -> None:
    """Tell whether loss code computes its KL term; exit 0 if so, 1 if not, 2 on bad input.

    CODE is a loss line as written (quoted; it may begin with "-"), a block of lines, "-"
    for standard input, or Python files and folders to lint: every KL term found gives a
    line PATH:LINE: correct|incorrect (MISTAKE): ...
    """
    from .check import parse_names_option
    from .check.errors import command_line_spelling

    with command_line_spelling():
        mapping = parse_names_option(names) if names is not None else None
        if code == ("-",):
            _check_stdin(param, mapping, name, against, explain, quiet)
        elif all(_looks_like_path(arg) for arg in code):
            if explain or name is not None:
                flag = "--explain" if explain else "--name"
                raise click.UsageError(f"{flag} applies to a loss line or a block, not to files")
            _lint(list(code), param, mapping, against, quiet)
        else:
            _check_text(" ".join(code), "<code>", param, mapping, name, against, explain, quiet)


def _check_code(
    text: str,
    param: str | None,
    names: dict[str, str] | None,
    name: str | None,
    against: str | None,
    explain: bool,
) -> None:
    from .check import check_loss

    report = check_loss(text, against=against, param=param, names=names, name=name)
    click.echo(report.message)
    if explain:
        from .check.explain import explain_report

        click.echo(explain_report(report), nl=False)
    sys.exit(report.exit_code())


def _check_stdin(
    param: str | None,
    names: dict[str, str] | None,
    name: str | None,
    against: str | None,
    explain: bool,
    quiet: bool,
) -> None:
    from .check import CheckInputError

    try:
        text = sys.stdin.read(MAX_STDIN + 1)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CheckInputError(f"cannot read standard input: {error}") from None
    if len(text) > MAX_STDIN:
        raise CheckInputError(f"standard input is longer than {MAX_STDIN} characters")
    _check_text(text, "<stdin>", param, names, name, against, explain, quiet)


def _check_text(
    text: str,
    origin: str,
    param: str | None,
    names: dict[str, str] | None,
    name: str | None,
    against: str | None,
    explain: bool,
    quiet: bool,
) -> None:
    """A line or a block is checked as one KL term; code with functions is linted."""
    from .check import CheckInputError
    from .check.statements import NotABlock, read_block

    try:
        read_block(text)
    except NotABlock:
        if explain or name is not None:
            flag = "--explain" if explain else "--name"
            raise click.UsageError(
                f"{flag} applies to a loss line or a block; {origin} holds functions or "
                "control flow, read like a file"
            ) from None
        from .check.lint import lint_source, status

        findings = lint_source(text, origin, param=param, names=names, against=against)
        _print_findings(findings, quiet)
        sys.exit(status(findings))
    except CheckInputError:
        pass  # reported with its context by check_loss below
    _check_code(text, param, names, name, against, explain)


def _lint(
    paths: list[str],
    param: str | None,
    names: dict[str, str] | None,
    against: str | None,
    quiet: bool,
) -> None:
    from .check.lint import lint_paths

    findings, code = lint_paths(paths, param=param, names=names, against=against)
    _print_findings(findings, quiet)
    sys.exit(code)


def _print_findings(findings: list, quiet: bool) -> None:
    for finding in findings:
        if quiet and finding.verdict in ("correct", "unchecked"):
            continue
        click.echo(str(finding))
