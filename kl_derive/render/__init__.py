"""Rendering a derivation through Jinja templates: LaTeX, Markdown and JSON.

Templates live in the top-level ``templates/`` folder of the source tree and ship inside
the wheel as ``kl_derive/templates``. A user can override any of them with
``template_dir``: a file there with the same name wins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..errors import KLDeriveError
from ..options import ALIGNMENTS, DETAILS, check_options
from .environment import environment
from .escape import html_escape, latex_code, latex_escape, latex_inline, markdown_escape
from .katex import katex_href
from .layout import Measure
from .page import DEFAULT_PAGES, PAGES, Page, resolve_page
from .sandbox import render_bounded
from .slides import fill_frames, prose_frames, result_overflows
from .text import TEXT_WIDTH, keep_together
from .typst import typst_code, typst_escape, typst_page
from .view import Style, build_view, canonical_spec

if TYPE_CHECKING:  # pragma: no cover
    from ..record import DerivationRecord as Derivation

__all__ = ["ALIGNMENTS", "DETAILS", "FORMATS", "PAGES", "Page", "check_options", "render"]


@dataclass(frozen=True)
class Format:
    """A target format: its template, how it writes inline math and prose, and how it
    opens and closes a display (``{label}`` in ``labelled_close`` is the equation label)."""

    template: str
    style: Style
    display_open: str = "$$"
    display_close: str = "$$"
    labelled_close: str | None = None
    #: how mathematics is printed: "latex" or "unicode" (--to text)
    printer: str = "latex"
    #: the template of a complete document (--standalone), if the format has one
    standalone: str | None = None
    #: how wide a line of mathematics may be in terminal columns (text; the other
    #: formats are measured on a page, see .page)
    columns: float = 0.0


_MARKDOWN = Style(lambda m: f"${m}$", markdown_escape, lambda c: f"`{c}`")

FORMATS: dict[str, Format] = {
    "latex": Format(
        "latex.tex.j2",
        Style(latex_inline, latex_escape, latex_code),
        labelled_close="{label}",
        standalone="latex_standalone.tex.j2",
    ),
    # slides: a frame per display, steps revealed with \pause
    "beamer": Format(
        "beamer.tex.j2",
        Style(latex_inline, latex_escape, latex_code),
    ),
    # KaTeX / MathJax: GitHub, MkDocs with arithmatex, Jupyter, Jupyter Book
    "markdown": Format("markdown.md.j2", _MARKDOWN),
    # GitHub's own syntax: ```math fences and $`...`$ inline
    "gfm": Format(
        "markdown.md.j2",
        Style(lambda m: f"$`{m}`$", markdown_escape, lambda c: f"`{c}`"),
        display_open="```math",
        display_close="```",
    ),
    # MyST (Jupyter Book): $$ ... $$ (label), referenced as {eq}`label`
    "myst": Format("markdown.md.j2", _MARKDOWN, labelled_close="$$ ({label})"),
    # Quarto: $$ ... $$ {#eq-label}, referenced as @eq-label
    "quarto": Format("markdown.md.j2", _MARKDOWN, labelled_close="$$ {{#eq-{label}}}"),
    # a standalone page; KaTeX renders \( \) and \[ \] in the browser
    "html": Format(
        "html.html.j2",
        Style(
            lambda m: rf"\({html_escape(m)}\)",
            html_escape,
            lambda c: f"<code>{html_escape(c)}</code>",
            Markup,  # the prose is escaped already; the template escapes everything else
        ),
    ),
    # a Jupyter notebook: the Markdown flavour split into cells, and a checking code cell
    "ipynb": Format("markdown.md.j2", _MARKDOWN),
    "json": Format("json.json.j2", Style(lambda m: f"${m}$", code=lambda c: f"`{c}`")),
    # Typst: a fragment to #include, or a document (--standalone); labels as <label>
    "typst": Format(
        "typst.typ.j2",
        Style(lambda m: f"${m}$", typst_escape, typst_code),
        labelled_close="{label}",
        printer="typst",
        standalone="typst_standalone.typ.j2",
    ),
    # a terminal: Unicode mathematics, prose wrapped (lines of columns, not ems)
    "text": Format(
        "text.txt.j2",
        Style(keep_together, code=keep_together),
        printer="unicode",
        columns=TEXT_WIDTH - 6,
    ),
}

#: the printers whose lines are broken for a page (--page, --width): Typst mathematics is
#: the LaTeX printer's, translated, and measured the same way
_PAGED = ("latex", "typst")

#: the formats that write a complete document with --standalone
STANDALONE = tuple(name for name, spec in FORMATS.items() if spec.standalone)

#: --align: where displays sit (centred is LaTeX's and KaTeX's default)

#: LaTeX, --align left: amsmath's fleqn switched on for the body (a group), displays
#: indented by 1em from the left margin
FLEQN_OPEN = r"\begingroup\csname @fleqntrue\endcsname" r"\csname @mathmargin\endcsname=1em\relax"
FLEQN_CLOSE = r"\endgroup"

#: LaTeX: the body of a derivation is a group in which a paragraph with long inline
#: mathematics may stretch its spaces more than usual rather than stick out into the
#: margin (a third pass of TeX's line breaking, \emergencystretch), and a long display
#: may be broken across pages or columns
BODY_OPEN = r"\begingroup\emergencystretch=3em\relax\allowdisplaybreaks"
BODY_CLOSE = r"\par\endgroup"

#: LaTeX display environments (--env): how a display opens and closes
ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "align*": ("\\begin{align*}", "\\end{align*}"),
    "aligned": ("\\[\n\\begin{aligned}", "\\end{aligned}\n\\]"),
    "equation": ("\\begin{equation*}\n\\begin{aligned}", "\\end{aligned}\n\\end{equation*}"),
}

#: where the HTML page loads KaTeX from unless told otherwise (--katex)
KATEX_DEFAULT = "https://cdn.jsdelivr.net/npm/katex@0.16.22/dist"


def render(
    derivation: Derivation,
    fmt: str,
    lang: str,
    *,
    standalone: bool = False,
    bare: bool = False,
    template_dir: str | None = None,
    label: str | None = None,
    katex: str | None = None,
    env: str = "align*",
    wrap: bool = False,
    exercise: bool = False,
    detail: str = "standard",
    highlight: bool = False,
    align: str = "center",
    page: Page | str | None = None,
    width: str | float | None = None,
) -> str:
    """Render ``derivation`` to ``fmt`` in language ``lang``.

    ``label`` numbers the displays ``label-1``, ``label-2``, ... in the formats that have
    equation labels (LaTeX, MyST, Quarto); the closing formula is ``label-result``.
    ``bare`` gives the mathematics alone, one aligned block (``wrap`` puts it in ``$$``);
    ``exercise`` writes the task, every step after the set-up left blank under its hint,
    and then the whole derivation as the solution (LaTeX and the Markdown flavours).
    ``env`` is the LaTeX environment of a display: ``align*``, ``aligned`` (inside
    ``\\[ \\]``) or ``equation`` (an unnumbered ``equation*`` holding ``aligned``).
    ``detail`` is ``brief``, ``standard`` or ``full`` (see :func:`~.view.build_view`);
    ``highlight`` colours the part of each step's right-hand side that changed;
    ``align="left"`` sets the displays flush left (LaTeX: amsmath's fleqn; HTML: KaTeX's
    ``fleqn``; Markdown: each chain's lines start at the left, ``= …`` under the
    left-hand side).
    """
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
    if template_dir is not None:
        if not isinstance(template_dir, (str, os.PathLike)):
            raise TypeError(f"template_dir is a folder's path; got {template_dir!r}")
        template_dir = os.fspath(template_dir)
    if env not in ENVIRONMENTS:
        raise KLDeriveError(f"unknown environment {env!r} (available: {', '.join(ENVIRONMENTS)})")
    if fmt not in FORMATS:
        raise KLDeriveError(f"unknown format {fmt!r} (available: {', '.join(FORMATS)})")
    spec = FORMATS[fmt]
    if spec.printer not in _PAGED and (page is not None or width is not None):
        raise KLDeriveError(f"--page and --width do not apply to --to {fmt}")
    target = resolve_page(fmt, page, width)
    if standalone and target.is_slide:
        raise KLDeriveError("--standalone makes an article; for slides use --to beamer")
    labelled = label is not None and spec.labelled_close is not None
    if spec.printer == "unicode":
        measure = Measure(spec.columns, lhs_shares_line=False)
    else:
        measure = Measure.for_page(target, left=align == "left", numbered=labelled)
    style = spec.style
    if style.inline is latex_inline:  # how long an inline formula is depends on the page
        style = replace(style, inline=partial(latex_inline, measure=target.width_em))
    view = build_view(
        derivation,
        lang,
        style,
        sympy_strings=fmt == "json",
        measure=measure,
        printer_name=spec.printer,
        detail=detail,
        highlight=highlight,
    )
    view["format"] = fmt
    view["page"] = target
    if fmt == "typst":
        view["typst_page"] = typst_page(target)
    view["page_args"] = _page_args(fmt, page, width)
    view["align"] = align
    view["highlight"] = highlight
    view["fleqn_open"], view["fleqn_close"] = (
        (FLEQN_OPEN, FLEQN_CLOSE) if align == "left" else ("", "")
    )
    fleqn = FLEQN_OPEN.removeprefix(r"\begingroup") if align == "left" else ""
    view["body_open"], view["body_close"] = BODY_OPEN + fleqn, BODY_CLOSE
    view["display_open"] = spec.display_open
    if labelled:
        number = 0
        for stage in view["stages"]:
            for block in stage.blocks:
                number += 1
                block.label = f"{label}-{number}"
    view["result_label"] = f"{label}-result" if labelled else None

    def display_close(block_label: str | None) -> str:
        if block_label and spec.labelled_close:
            return spec.labelled_close.format(label=block_label)
        return spec.display_close

    view["display_close"] = display_close
    view["env_open"], view["env_close"] = ENVIRONMENTS[env]
    if katex is not None and fmt != "html":
        raise KLDeriveError("--katex applies to --to html only")
    view["katex"] = KATEX_DEFAULT if katex is None else katex_href(katex)
    if fmt == "html":  # inside an HTML comment: as text, without < > & (so no "-->")
        view["command"] = Markup(html_escape(view["command"]))
    view["title_text"] = derivation.title
    view["depth"] = 0  # Markdown: the page's own sections (1: under an exercise's title)
    view["exercise"] = exercise
    name = spec.template
    if standalone:
        if spec.standalone is None:
            raise KLDeriveError(f"--standalone applies to --to {' and '.join(STANDALONE)} only")
        name = spec.standalone
    if bare:
        if fmt not in ("latex", "markdown"):
            raise KLDeriveError("--bare applies to --to latex and --to markdown")
        name = "latex_bare.tex.j2"
        view["wrap"] = fmt == "markdown" or wrap
    if fmt == "beamer":
        _slides(view, target, pause=detail != "brief")
    if fmt == "json":
        view["data"] = _json_data(derivation, view)
    if exercise:
        if fmt not in ("latex", "markdown", "gfm", "myst", "quarto"):
            raise KLDeriveError("--exercise applies to --to latex and the Markdown flavours")
        view["exercise_stages"] = _blanked(view["stages"])
        if fmt != "latex":
            exercise_text = render_bounded(environment(template_dir), "exercise.md.j2", view)
            view["depth"] = 1  # the solution: sections under the exercise's title
            body = render_bounded(environment(template_dir), name, view).lstrip("\n")
            text = exercise_text.rstrip("\n") + "\n\n" + body
            return text if text.endswith("\n") else text + "\n"
        if not standalone:
            name = "exercise.tex.j2"
    text = render_bounded(environment(template_dir), name, view)
    text = text if text.endswith("\n") else text + "\n"
    if fmt == "text":
        text = text.replace(keep_together(" "), " ")
    if fmt == "ipynb":
        from .notebook import notebook

        return notebook(text, derivation, lang)
    return text


def _slides(view: dict[str, Any], page: Page, pause: bool) -> None:
    """What goes on which beamer frame (see .slides)."""
    view["pause"] = pause
    view["frames"] = fill_frames(view["stages"], view["stage_heading"], view["continued"], page)
    paragraphs = [view["intro"], view["setting"], view["placeholders"], view["assumptions"]]
    view["intro_frames"] = prose_frames(paragraphs, page)
    lines = ([view["result_lhs"]] if view["result_lhs_long"] else []) + view["result_lines"]
    after = [view["asymmetry"], view["checked"]]
    view["result_split"] = result_overflows(view["result_text"], lines, after, page)


def _page_args(fmt: str, page: Page | str | None, width: str | float | None) -> str:
    """The options that chose a page other than the format's default, as typed."""
    name = page.name if isinstance(page, Page) else page
    args = f" --page {name}" if name and name != DEFAULT_PAGES.get(fmt, "onecolumn") else ""
    if width is not None:
        args += f" --width {width if isinstance(width, str) else f'{width:g}pt'}"
    return args


BLANK = r"\underline{\hspace{8em}}"


def _blanked(stages: list) -> list:
    """The stages with every step's right-hand side left blank, but for the set-up."""
    from copy import deepcopy

    out = deepcopy(stages)
    for stage in out:
        for block in stage.blocks:
            block.label = None  # labels belong to the solution
        if stage.key == "definition":
            continue
        for block in stage.blocks:
            for chain in block.chains:
                for step in chain:
                    step.rhs_lines = [BLANK]
    return out


def _json_data(derivation: Derivation, view: dict[str, Any]) -> dict[str, Any]:
    from ..printing.exact import exact

    def law(distribution: Any, density: str) -> dict[str, Any]:
        from ..printing.latex import latex

        return {
            "family": distribution.family.name,
            "spec": canonical_spec(distribution),
            "args": [str(a) for a in distribution.user_args],
            "latex": distribution.family.notation(distribution.args, latex),
            "density": density,
        }

    steps = []
    for stage in view["stages"]:
        for block in stage.blocks:
            for chain in block.chains:
                for step in chain:
                    steps.append(
                        {
                            "stage": stage.number,
                            "stage_key": stage.key,
                            "rule": step.rule,
                            "title": step.title,
                            "explanation": step.explanation,
                            "latex": f"{step.lhs} = {step.rhs}",
                            "before": step.before,
                            "after": step.after,
                            "verified": bool(step.check),
                            "check": step.check,
                            # where the chain this step ends holds (None: everywhere)
                            "condition": step.condition or None,
                        }
                    )
    data = {
        "kl_derive": view["version"],
        "lang": view["lang"],
        "strategy": derivation.strategy,
        "p": law(derivation.p, derivation.functions.get("q", "")),
        "q": law(derivation.q, derivation.functions.get("p", "")),
        "title": view["title"],
        "steps": steps,
        "result": {
            "sympy": view["result_sympy"],
            "srepr": exact(derivation.result),
            "latex": view["result_latex"],
        },
    }
    extra = getattr(derivation, "json_extra", None)  # a companion's own data (mixture bounds)
    if extra:
        data[derivation.quantity] = extra
    return data
