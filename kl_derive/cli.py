"""The ``kl-derive`` command.

``kl-derive P [Q]`` derives KL(P || Q); ``kl-derive normal`` is shorthand for
``kl-derive "normal(mu, sigma)" "normal(0, 1)"``. Subcommands: ``code`` prints the KL term
as code for a framework, ``check`` tells whether a loss line computes the KL.

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
from contextvars import ContextVar
from pathlib import Path

import click

from . import __version__
from .cli_check import check_command
from .cli_companions import code_with_companions
from .cli_divergences import add_divergence_commands

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

_EPILOG = """\b
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


def _choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> str:
    if value in choices:
        return value
    import difflib

    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise click.UsageError(f"unknown {kind} {value!r}{hint} (choose from {', '.join(choices)})")


def _languages() -> list[str]:
    # the catalogs are files; listing them needs neither SymPy nor the renderers
    messages = Path(__file__).resolve().parent / "messages"
    return sorted(p.stem for p in messages.glob("*.toml"))


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from .files import write_text

    write_text(output, text)


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


_output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=_DeriveByDefault, context_settings=_CONTEXT, epilog=_EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="kl-derive")
def main_command() -> None:
    """Derive KL(P || Q) step by step, every step checked with SymPy.

    `kl-derive P [Q] [OPTIONS]` prints the derivation;
    Q defaults to the standard member of P's family, so `kl-derive normal` is
    KL(N(mu, sigma^2) || N(0, 1)).
    """


@main_command.command("derive", context_settings=_CONTEXT, epilog=_EPILOG)
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option(
    "--to",
    "fmt",
    default="latex",
    show_default=True,
    metavar="FORMAT",
    help="Output format: latex, beamer, markdown, gfm, myst, quarto, html, ipynb, json, text "
    "or typst.",
)
@click.option(
    "--detail",
    default="standard",
    show_default=True,
    metavar="LEVEL",
    help="brief (each chain's first and last member), standard, or full (every equality "
    "justified: rule, identity, how it was verified).",
)
@click.option(
    "--highlight",
    is_flag=True,
    help="Colour the part of each step that changed (latex, beamer, markdown, html).",
)
@click.option(
    "--align",
    default="center",
    show_default=True,
    metavar="WHERE",
    help="Displays centred or flush left: center or left.",
)
@click.option(
    "--page",
    metavar="NAME",
    help="The measure equations are broken for: onecolumn (latex's default), twocolumn, "
    "beamer (beamer's default), beamer169 or notebook (ipynb's default).",
)
@click.option(
    "--width",
    metavar="LENGTH",
    help="The text (or column) width instead of the page's, e.g. 3.3in, 8cm, 230pt.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="LANG",
    help="Language of the explanations: en or ko.",
)
@click.option(
    "--param",
    metavar="NAME",
    help="Read P's scale argument as: scale (default), variance, logvar or logscale.",
)
@click.option(
    "--exercise",
    is_flag=True,
    help="The task with each step blank under its hint, then the solution (latex, markdown).",
)
@click.option(
    "--bare", is_flag=True, help="The mathematics alone, one aligned block (latex, markdown)."
)
@click.option(
    "--env",
    default="align*",
    show_default=True,
    metavar="ENV",
    help="LaTeX display environment: align*, aligned or equation.",
)
@click.option(
    "--katex",
    metavar="PATH_OR_URL",
    help="With --to html: where KaTeX is (its dist folder); a CDN by default.",
)
@click.option(
    "--label",
    metavar="PREFIX",
    help="Number and label the displays PREFIX-1, PREFIX-2, ... (latex, myst, quarto, typst).",
)
@click.option(
    "--dims",
    type=int,
    metavar="N",
    help="Write vectors given by name (diag_normal(mu, sigma)) in N coordinates.",
)
@click.option(
    "--strategy",
    metavar="NAME",
    help="Derive by another strategy where several apply (see kl-derive pairs), e.g. bregman.",
)
@_output_option
@click.option(
    "--standalone",
    is_flag=True,
    help="With --to latex or typst: a complete document that pdflatex or typst compiles "
    "on its own.",
)
@click.option(
    "--template-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Look for templates in DIR first (override any built-in template).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Derive afresh: neither read nor store the result cache (also KL_DERIVE_NO_CACHE=1).",
)
def derive_command(
    p: str,
    q: str | None,
    fmt: str,
    detail: str,
    highlight: bool,
    align: str,
    page: str | None,
    width: str | None,
    lang: str,
    param: str | None,
    exercise: bool,
    bare: bool,
    env: str,
    katex: str | None,
    label: str | None,
    dims: int | None,
    strategy: str | None,
    output: str | None,
    standalone: bool,
    template_dir: str | None,
    no_cache: bool,
) -> None:
    """Derive KL(P || Q) step by step and print the derivation."""
    fmt = _choice("format", fmt, FORMATS)
    detail = _choice("detail", detail, DETAILS)
    align = _choice("alignment", align, ALIGNMENTS)
    lang = _choice("language", lang, _languages())
    if param is not None:
        param = _choice("parametrization", param, PARAMS)
    if page is not None:
        page = _choice("page", page, PAGES)
    if standalone and fmt not in STANDALONE:
        raise click.UsageError("--standalone applies to --to latex and --to typst only")
    env = _choice("environment", env, ("align*", "aligned", "equation"))
    if bare and fmt not in ("latex", "markdown"):
        raise click.UsageError("--bare applies to --to latex and --to markdown")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise click.UsageError(f"template directory {template_dir!r} does not exist")
    if katex is not None:
        if fmt != "html":
            raise click.UsageError("--katex applies to --to html only")
        from .render.katex import katex_folder, katex_href

        katex_href(katex)
        katex_folder(katex, output)

    from .batch import Request, serve, submit
    from .options import check_options

    check_options(
        fmt,
        detail=detail,
        highlight=highlight,
        align=align,
        bare=bare,
        exercise=exercise,
        standalone=standalone,
        label=label,
    )
    options = {"standalone": standalone, "label": label, "katex": katex, "bare": bare}
    options.update(env=env, exercise=exercise, detail=detail, highlight=highlight, align=align)
    options.update(page=page, width=width)
    request = Request(
        _QUANTITY.get(), p, q, fmt, lang, param, dims, strategy, template_dir, options
    )
    if not submit(request, output):  # a build reading its manifest takes it from here
        _write(serve(request, use_cache=not no_cache), output)


#: which quantity the derive command's body derives (set by entropy / cross-entropy)
_QUANTITY: ContextVar[str] = ContextVar("quantity", default="kl")


def _one_sided_command(name: str, quantity: str, two: bool, doc: str) -> click.Command:
    """A command with the derive command's output options that derives an entropy or a
    cross-entropy instead of a divergence (the same rendering code)."""
    arguments = [click.Argument(["p"], metavar="P")]
    if two:
        arguments.append(click.Argument(["q"], metavar="[Q]", required=False))
    options = [o for o in derive_command.params if isinstance(o, click.Option)]
    options = [o for o in options if o.name not in ("dims", "strategy")]

    def callback(p: str, q: str | None = None, **kwargs: object) -> None:
        token = _QUANTITY.set(quantity)
        try:
            derive_command.callback(p=p, q=q, dims=None, strategy=None, **kwargs)
        finally:
            _QUANTITY.reset(token)

    return click.Command(
        name, params=[*arguments, *options], callback=callback, help=doc, context_settings=_CONTEXT
    )


main_command.add_command(
    _one_sided_command(
        "entropy",
        "entropy",
        False,
        "Derive the entropy H(P) = -E[log p] step by step (a univariate family).",
    )
)
main_command.add_command(
    _one_sided_command(
        "cross-entropy",
        "cross_entropy",
        True,
        "Derive the cross-entropy H(P, Q) = -E_P[log q] step by step; Q defaults to the "
        "standard member of P's family.",
    )
)

main_command.add_command(
    _one_sided_command(
        "estimators",
        "estimators",
        True,
        "Derive the Monte-Carlo estimators k1, k2, k3 of KL(P || Q) from samples of P: "
        "their means, the bias of k2, their variances and their gradients (two normal laws).",
    )
)

_BUILD_EPILOG = """\b
A manifest lists derivations, one [[derivation]] table each:
  [defaults]                  # optional: keys every entry starts from
  lang = "en"
  [[derivation]]
  p = "normal"                # and q = "...", as on the command line
  to = "latex"
  output = "notes/kl-normal.tex"
  [[derivation]]
  quantity = "entropy"        # kl (default), entropy or cross-entropy
  p = "gamma"
  output = "notes/entropy-gamma.md"
  to = "markdown"

\b
Other keys are the command's long options without their dashes (detail, highlight,
label, template-dir, ...). Paths are relative to the manifest's folder.
"""


@main_command.command("build", context_settings=_CONTEXT, epilog=_BUILD_EPILOG)
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

    commands = {q: main_command.commands[q] for q in ("entropy", "cross-entropy")}
    commands["kl"] = derive_command
    sys.exit(build(manifest, commands, jobs=jobs, use_cache=not no_cache, quiet=quiet))


@main_command.command("code", context_settings=_CONTEXT)
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
@_output_option
def code_command(
    p: str, q: str | None, framework: str, param: str, reduction: str, output: str | None
) -> None:
    """Print the KL term as a function for a deep-learning framework.

    The function is generated from the derived SymPy result by SymPy's code printers.
    """
    framework = _choice("framework", framework, FRAMEWORKS)
    param = _choice("parametrization", param, PARAMS)
    reduction = _choice("reduction", reduction, REDUCTIONS)
    from .codegen import code_for

    _write(code_for(p, q, framework=framework, param=param, reduce=reduction), output)


main_command.add_command(code_with_companions(code_command, _output_option))
main_command.add_command(check_command)


@main_command.command("plot", context_settings=_CONTEXT)
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


@main_command.command("families", context_settings=_CONTEXT)
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


@main_command.command("pairs", context_settings=_CONTEXT)
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


add_divergence_commands(main_command, derive_command, _QUANTITY)


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
