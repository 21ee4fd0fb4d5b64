"""Rendering a derivation through Jinja templates: LaTeX, Markdown and JSON.

Templates live in the top-level ``templates/`` folder of the source tree and ship inside
the wheel as ``kl_derive/templates``. A user can override any of them with
``template_dir``: a file there with the same name wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import KLDeriveError
from .environment import environment
from .escape import html_escape, latex_escape, markdown_escape
from .text import TEXT_WIDTH, keep_together
from .view import DETAILS, LINE_BUDGET, Style, build_view, canonical_spec

if TYPE_CHECKING:  # pragma: no cover
    from ..derivation import Derivation

__all__ = ["ALIGNMENTS", "DETAILS", "FORMATS", "render"]


@dataclass(frozen=True)
class Format:
    """A target format: its template, how it writes inline math and prose, and how it
    opens and closes a display (``{label}`` in ``labelled_close`` is the equation label)."""

    template: str
    style: Style
    display_open: str = "$$"
    display_close: str = "$$"
    labelled_close: str | None = None
    #: how wide a display line may be, in ems (slides are narrower than a page)
    line_budget: float = LINE_BUDGET
    #: how mathematics is printed: "latex" or "unicode" (--to text)
    printer: str = "latex"


_MARKDOWN = Style(lambda m: f"${m}$", markdown_escape, lambda c: f"`{c}`")

FORMATS: dict[str, Format] = {
    "latex": Format(
        "latex.tex.j2",
        Style(lambda m: f"${m}$", latex_escape, lambda c: rf"\texttt{{{latex_escape(c)}}}"),
        labelled_close="{label}",
    ),
    # slides: a frame per display, steps revealed with \pause
    "beamer": Format(
        "beamer.tex.j2",
        Style(lambda m: f"${m}$", latex_escape, lambda c: rf"\texttt{{{latex_escape(c)}}}"),
        line_budget=26.0,
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
        ),
    ),
    # a Jupyter notebook: the Markdown flavour split into cells, and a checking code cell
    "ipynb": Format("markdown.md.j2", _MARKDOWN),
    "json": Format("json.json.j2", Style(lambda m: f"${m}$", code=lambda c: f"`{c}`")),
    # a terminal: Unicode mathematics, prose wrapped (lines of columns, not ems)
    "text": Format(
        "text.txt.j2",
        Style(keep_together, code=keep_together),
        line_budget=TEXT_WIDTH - 6,
        printer="unicode",
    ),
}

#: --align: where displays sit (centred is LaTeX's and KaTeX's default)
ALIGNMENTS = ("center", "left")

#: LaTeX, --align left: amsmath's fleqn switched on for the body (a group), displays
#: indented by 1em from the left margin
FLEQN_OPEN = r"\begingroup\csname @fleqntrue\endcsname" r"\csname @mathmargin\endcsname=1em\relax"
FLEQN_CLOSE = r"\endgroup"

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
    _check_options(fmt, detail, highlight, align, bare, exercise)
    if env not in ENVIRONMENTS:
        raise KLDeriveError(f"unknown environment {env!r} (available: {', '.join(ENVIRONMENTS)})")
    if fmt not in FORMATS:
        raise KLDeriveError(f"unknown format {fmt!r} (available: {', '.join(FORMATS)})")
    spec = FORMATS[fmt]
    view = build_view(
        derivation,
        lang,
        spec.style,
        sympy_strings=fmt == "json",
        line_budget=spec.line_budget,
        printer_name=spec.printer,
        detail=detail,
        highlight=highlight,
    )
    view["format"] = fmt
    view["align"] = align
    view["highlight"] = highlight
    view["fleqn_open"], view["fleqn_close"] = (
        (FLEQN_OPEN, FLEQN_CLOSE) if align == "left" else ("", "")
    )
    view["display_open"] = spec.display_open
    labelled = label is not None and spec.labelled_close is not None
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
    view["katex"] = (katex or KATEX_DEFAULT).rstrip("/")
    view["title_text"] = derivation.title
    name = spec.template
    if standalone:
        if fmt != "latex":
            raise KLDeriveError("--standalone applies to --to latex only")
        name = "latex_standalone.tex.j2"
    if bare:
        if fmt not in ("latex", "markdown"):
            raise KLDeriveError("--bare applies to --to latex and --to markdown")
        name = "latex_bare.tex.j2"
        view["wrap"] = fmt == "markdown" or wrap
    if fmt == "json":
        view["data"] = _json_data(derivation, view)
    if exercise:
        if fmt not in ("latex", "markdown", "gfm", "myst", "quarto"):
            raise KLDeriveError("--exercise applies to --to latex and the Markdown flavours")
        view["exercise_stages"] = _blanked(view["stages"])
        if fmt != "latex":
            exercise_text = environment(template_dir).get_template("exercise.md.j2").render(**view)
            solution = environment(template_dir).get_template(name).render(**view)
            body = solution.split("\n", 1)[1].lstrip("\n")  # its header comment is ours
            text = exercise_text.rstrip("\n") + "\n\n" + body
            return text if text.endswith("\n") else text + "\n"
        name = "exercise.tex.j2"
    template = environment(template_dir).get_template(name)
    text = template.render(**view)
    text = text if text.endswith("\n") else text + "\n"
    if fmt == "text":
        text = text.replace(keep_together(" "), " ")
    if fmt == "ipynb":
        from .notebook import notebook

        args = f"{canonical_spec(derivation.p)!r}, {canonical_spec(derivation.q)!r}"
        return notebook(text, args, lang)
    return text


def _check_options(
    fmt: str, detail: str, highlight: bool, align: str, bare: bool, exercise: bool
) -> None:
    """A one-line error for an option the format cannot honour."""
    if detail not in DETAILS:
        raise KLDeriveError(f"unknown detail {detail!r} (available: {', '.join(DETAILS)})")
    if align not in ALIGNMENTS:
        raise KLDeriveError(f"unknown alignment {align!r} (available: {', '.join(ALIGNMENTS)})")
    if detail != "standard" and fmt == "json":
        raise KLDeriveError("--detail applies to every format but json (which has every step)")
    if detail == "full" and (fmt == "beamer" or exercise or bare):
        raise KLDeriveError("--detail full does not apply to beamer, --exercise or --bare")
    if highlight and fmt in ("json", "text"):
        raise KLDeriveError("--highlight applies to latex, beamer, html and the Markdown flavours")
    if align != "center" and (fmt == "json" or bare):
        raise KLDeriveError("--align applies to the displays of a document, not to json or --bare")


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
    return {
        "kl_derive": view["version"],
        "lang": view["lang"],
        "strategy": derivation.strategy,
        "p": law(derivation.p, derivation.functions.get("q", "")),
        "q": law(derivation.q, derivation.functions.get("p", "")),
        "title": view["title"],
        "steps": steps,
        "result": {"sympy": view["result_sympy"], "latex": view["result_latex"]},
    }
