"""The derive command (``kl-derive P [Q]``) and the entropy and cross-entropy commands,
which share its options and rendering code."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path

import click

from .cli_options import (
    ALIGNMENTS,
    CONTEXT,
    DETAILS,
    EPILOG,
    FORMATS,
    PAGES,
    PARAMS,
    STANDALONE,
    choice,
    languages,
    output_option,
    write_output,
)

__all__ = [
    "QUANTITY",
    "SETTINGS",
    "cross_entropy_command",
    "derive_command",
    "entropy_command",
    "estimators_command",
    "mixture_command",
]


@click.command("derive", context_settings=CONTEXT, epilog=EPILOG)
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
@click.option(
    "--via-base",
    is_flag=True,
    help="log_normal or logit_normal pairs: KL as a corollary of the change of variables "
    "(normal laws through exp or sigmoid; the strategy 'change of variables').",
)
@output_option
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
    via_base: bool,
    output: str | None,
    standalone: bool,
    template_dir: str | None,
    no_cache: bool,
) -> None:
    """Derive KL(P || Q) step by step and print the derivation."""
    if via_base:
        from .strategies import VIA_BASE

        if strategy not in (None, VIA_BASE):
            raise click.UsageError(
                f"--via-base is the strategy {VIA_BASE!r}; give one or the other"
            )
        strategy = VIA_BASE
    fmt = choice("format", fmt, FORMATS)
    detail = choice("detail", detail, DETAILS)
    align = choice("alignment", align, ALIGNMENTS)
    lang = choice("language", lang, languages())
    if param is not None:
        param = choice("parametrization", param, PARAMS)
    if page is not None:
        page = choice("page", page, PAGES)
    if standalone and fmt not in STANDALONE:
        raise click.UsageError("--standalone applies to --to latex and --to typst only")
    env = choice("environment", env, ("align*", "aligned", "equation"))
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
        QUANTITY.get(),
        p,
        q,
        fmt,
        lang,
        param,
        dims,
        strategy,
        template_dir,
        options,
        settings=SETTINGS.get(),
    )
    if SAMPLES.get() is not None:
        request = replace(request, samples=SAMPLES.get())
    if not submit(request, output):  # a build reading its manifest takes it from here
        write_output(serve(request, use_cache=not no_cache), output)


#: which quantity the derive command's body derives (set by entropy / cross-entropy)
QUANTITY: ContextVar[str] = ContextVar("quantity", default="kl")
#: the Monte-Carlo sample size of ``kl-derive mixture`` (``None``: its default)
SAMPLES: ContextVar[int | None] = ContextVar("samples", default=None)
#: a companion's own choices for the derive command's body (set by kl-derive elbo)
SETTINGS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("settings", default=())


def _one_sided_command(name: str, quantity: str, two: bool, doc: str) -> click.Command:
    """A command with the derive command's output options that derives an entropy or a
    cross-entropy instead of a divergence (the same rendering code)."""
    arguments = [click.Argument(["p"], metavar="P")]
    if two:
        arguments.append(click.Argument(["q"], metavar="[Q]", required=False))
    options = [o for o in derive_command.params if isinstance(o, click.Option)]
    options = [o for o in options if o.name not in ("dims", "strategy", "via_base")]

    def callback(p: str, q: str | None = None, **kwargs: object) -> None:
        token = QUANTITY.set(quantity)
        try:
            derive_command.callback(p=p, q=q, dims=None, strategy=None, via_base=False, **kwargs)
        finally:
            QUANTITY.reset(token)

    return click.Command(
        name, params=[*arguments, *options], callback=callback, help=doc, context_settings=CONTEXT
    )


entropy_command = _one_sided_command(
    "entropy",
    "entropy",
    False,
    "Derive the entropy H(P) = -E[log p] step by step (a univariate family).",
)
cross_entropy_command = _one_sided_command(
    "cross-entropy",
    "cross_entropy",
    True,
    "Derive the cross-entropy H(P, Q) = -E_P[log q] step by step; Q defaults to the "
    "standard member of P's family.",
)
estimators_command = _one_sided_command(
    "estimators",
    "estimators",
    True,
    "Derive the Monte-Carlo estimators k1, k2, k3 of KL(P || Q) from samples of P: "
    "their means, the bias of k2, their variances and (two normal laws) their gradients; "
    "two normal, exponential, Poisson, Bernoulli or geometric laws.",
)


def _mixture_command() -> click.Command:
    """``kl-derive mixture P Q``: the derive command's output options and ``--samples``."""
    options = [o for o in derive_command.params if isinstance(o, click.Option)]
    options = [o for o in options if o.name not in ("dims", "strategy", "param")]
    samples = click.Option(
        ["--samples"],
        type=int,
        default=None,
        metavar="N",
        help="Monte-Carlo sample size when every parameter is a number (default 20000, "
        "fixed seed).",
    )

    def callback(p: str, q: str, samples: int | None, **kwargs: object) -> None:
        from .options import MAX_SAMPLES

        if samples is not None and not 2 <= samples <= MAX_SAMPLES:
            raise click.UsageError(f"--samples is between 2 and {MAX_SAMPLES}; got {samples}")
        tokens = (QUANTITY.set("mixture"), SAMPLES.set(samples))
        try:
            derive_command.callback(p=p, q=q, dims=None, strategy=None, param=None, **kwargs)
        finally:
            QUANTITY.reset(tokens[0])
            SAMPLES.reset(tokens[1])

    return click.Command(
        "mixture",
        params=[
            click.Argument(["p"], metavar="P"),
            click.Argument(["q"], metavar="Q"),
            samples,
            *options,
        ],
        callback=callback,
        help="Bound and approximate KL(P || Q) when P or Q is a mixture "
        "mixture([w1, w2], [law1, law2]): why there is no closed form, the joint-convexity "
        "upper bound, Hershey and Olsen's approximation, Durrieu et al.'s bounds for normal "
        "components, and a Monte-Carlo estimate when every parameter is a number.",
        context_settings=CONTEXT,
    )


mixture_command = _mixture_command()
