"""The view model: a derivation turned into text and LaTeX, ready for any template.

Templates receive plain data (strings, lists, dicts) and only lay it out. This module
fills each sentence of the message catalog with typeset mathematics; the ``style`` says
how inline math and plain text are written in the target format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sympy import (
    Eq,
    Expr,
    Function,
    Indexed,
    IndexedBase,
    MatrixSymbol,
    Symbol,
)

from ..families.canonical import canonical_spec
from ..options import DETAILS
from ..printing.conditions import ENGLISH
from ..steps.step import Code, Sentence
from ..symbolic.display import display_form
from ..symbolic.objects import KL, VARIABLE
from ..version import __version__
from .catalog import catalog
from .layout import Measure, lay_out_block, lay_out_result
from .view_filler import Filler
from .view_model import BlockView, LatexRaw, Raw, StageView, Style
from .view_printers import PRINTERS, Printer, UnicodeMemoPrinter
from .view_steps import brief_view, dimension_symbol, justify, lookup, state_condition, step_view
from .view_sympy import sympy_text

if TYPE_CHECKING:  # pragma: no cover
    from ..record import DerivationRecord as Derivation

__all__ = ["Style", "build_view", "canonical_spec"]


def build_view(
    derivation: Derivation,
    lang: str,
    style: Style,
    *,
    sympy_strings: bool = False,
    measure: Measure | None = None,
    printer_name: str = "latex",
    detail: str = "standard",
    highlight: bool = False,
) -> dict[str, Any]:
    """Everything a template needs, as plain data.

    ``sympy_strings`` adds each step's sides as SymPy strings (``before``/``after``), which
    only the JSON output needs. ``printer_name`` is ``"latex"`` or ``"unicode"`` (the
    text format); ``measure`` is how wide displays may be (in ems, or in columns for
    text; by default a standard article's). ``detail``:

    * ``"standard"``: every step, a paragraph of explanation per display;
    * ``"brief"``: each stage's introduction and one display per stage in which every
      chain is reduced to its first and last member (``lhs = final rhs``); the step
      explanations are left out;
    * ``"full"``: what standard shows, and under each display a note per equality, marked
      ``(1)``, ``(2)``, ... on its equals sign: the rule's name, the identity it rests on,
      and how the engine verified it.

    ``highlight`` colours, in each step's right-hand side, what differs from its left
    (see :mod:`kl_derive.printing.highlight`).
    """
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}")
    if measure is None:
        from .page import PAGES

        measure = Measure.for_page(PAGES["onecolumn"])
    messages = catalog(lang)
    printer = PRINTERS[printer_name](
        derivation.functions, expect_subscripts=derivation.expect_subscripts
    )
    printer.words = {**ENGLISH, **messages.get("math", {})}  # "if", "otherwise", "and"
    z, x, eps = Symbol("z"), Symbol("x"), Symbol("epsilon")
    q_fn, p_fn = Function("q")(VARIABLE), Function("p")(VARIABLE)
    common = {
        "q": LatexRaw(printer.snippet(derivation.functions.get("q", "q"))),
        "p": LatexRaw(printer.snippet(derivation.functions.get("p", "p"))),
        "q_law": derivation.p,
        "p_law": derivation.q,
        "z": z,
        "x": x,
        "epsilon": eps,
        "g": LatexRaw(printer.snippet(derivation.functions.get("g", "g"))),
        "kl": KL(q_fn, p_fn),
        # a change of variables (transformed laws): the variable and densities of y = f(z)
        "y": Symbol("y"),
        "q_y": Function("q_Y")(Symbol("y")),
        "p_y": Function("p_Y")(Symbol("y")),
    }
    laws = tuple(printer.law(d.family, d.user_args) for d in (derivation.p, derivation.q))
    quantity = getattr(derivation, "quantity", "kl")
    result_lhs = printer.kl(*laws) if quantity == "kl" else _entropy_lhs(printer, laws, quantity)
    if getattr(derivation, "result_lhs", None) is not None:  # a companion names its own
        result_lhs = printer.doprint(derivation.result_lhs)
    elif quantity not in ("kl", "entropy", "cross_entropy"):  # kl_derive.divergences
        result_lhs = _divergence_lhs(printer, laws, derivation)
    common["kl_laws"] = LatexRaw(result_lhs)
    fill = Filler(printer, style, {})
    common = {
        k: (Raw(style.inline(str(v))) if isinstance(v, LatexRaw) else v) for k, v in common.items()
    }
    fill.common = common

    def _sentences(params: dict[str, Any]) -> dict[str, Any]:
        """The parameters that are sentences of the catalog, read (with the others)."""
        return {
            k: Raw(fill(lookup(messages, v), params)) if isinstance(v, Sentence) else v
            for k, v in params.items()
        }

    def text(key: str, params: Mapping[str, Any] | None = None) -> str:
        return fill(lookup(messages, _own_key(messages, key, quantity)), params)

    stages: list[StageView] = []
    for number, stage in enumerate(derivation.stages, start=1):
        view = StageView(
            number=number,
            key=stage.key,
            title=text(f"stage.{stage.key}.title"),
            intro=text(f"stage.{stage.key}.intro", _sentences(_stage_params(stage, derivation))),
        )
        for chain in stage.chains:
            if detail == "brief":
                steps = [brief_view(chain.steps, printer, sympy_strings, highlight)]
                state_condition(steps[-1], chain, printer, sympy_strings)
                if view.blocks:
                    view.blocks[-1].chains.append(steps)
                else:
                    view.blocks.append(BlockView("", [steps]))
                continue
            steps = [
                step_view(step, stage.key, messages, fill, printer, sympy_strings, highlight)
                for step in chain.steps
            ]
            state_condition(steps[-1], chain, printer, sympy_strings)
            paragraph = style.safe(" ").join(s.explanation for s in steps if s.explanation)
            if view.blocks and view.blocks[-1].text == paragraph and paragraph:
                view.blocks[-1].chains.append(steps)
            else:
                view.blocks.append(BlockView(paragraph, [steps]))
        for block in view.blocks:
            block.stacked = lay_out_block(block.chains, printer.width, measure)
        if detail == "full":
            for block in view.blocks:
                justify(block, stage.key, messages, fill, printer, derivation)
        stages.append(view)

    covariances = tuple(
        a
        for d in (derivation.p, derivation.q)
        for a in d.args
        if isinstance(a, MatrixSymbol) and a.shape[0] == a.shape[1]
    )
    placeholders = tuple(
        (symbol, display_form(value))
        for d in (derivation.p, derivation.q)
        for symbol, value in d.substitutions.items()
    )
    steps = derivation.steps
    counts = {
        kind: sum(1 for s in steps if s.check == kind)
        for kind in ("symbolic", "numeric", "instances", "sphere", "digits")
    }
    kl_of_densities = printer.doprint(KL(q_fn, p_fn))
    labels = {b.label for b in derivation.result.atoms(IndexedBase)}
    positive = sorted(
        {
            s
            for s in derivation.result.free_symbols
            if s.is_positive
            and not s.is_integer
            and not isinstance(s, (IndexedBase, Indexed))
            and s not in labels
        },
        key=str,
    )
    title_plain = _plain_title(derivation, messages, quantity)
    return {
        "version": __version__,
        "lang": lang,
        "language": messages["meta"]["language"],
        "command": _command(derivation),
        "title": text("document.title"),
        # the title without markup: Unicode mathematics, for headings that tables of
        # contents show (MkDocs, Sphinx, Quarto) and for a document's metadata
        "title_plain": title_plain,
        "title_heading": style.escape(title_plain),
        "intro": text("document.intro"),
        "setting": text(_setting_key(getattr(derivation, "setting", "vae"))),
        "placeholders": text("document.placeholders", {"mapping": placeholders})
        if placeholders
        else "",
        "assumptions": style.safe(" ").join(
            filter(
                None,
                [
                    text(
                        "document.assumption_positive"
                        if _all_scales(derivation, positive)
                        else "document.assumption_positive_parameters",
                        {"condition": _positivity(positive, printer)},
                    )
                    if positive
                    else "",
                    text("document.assumption_spd", {"matrices": covariances})
                    if covariances
                    else "",
                ],
            )
        ),
        "stage_heading": lambda s: fill(
            lookup(messages, "document.stage"),
            {"number": Raw(str(s.number)), "title": Raw(s.title)},
        ),
        "stages": stages,
        "result_title": text("document.result_title"),
        "continued": text("document.continued"),
        "exercise_title": text("document.exercise_title"),
        "exercise_task": text("document.exercise_task"),
        "hint_label": text("document.hint"),
        "solution_title": text("document.solution"),
        "result_text": text("document.result"),
        "result_lhs": result_lhs,
        **_result(derivation, result_lhs, printer, measure),
        "detail": detail,
        "result_sympy": sympy_text(derivation.result_display),
        "kl_latex": kl_of_densities,
        "asymmetry": text(
            "document.asymmetry",
            {
                "reverse": Code(
                    f'kl-derive "{canonical_spec(derivation.q)}" "{canonical_spec(derivation.p)}"'
                )
            },
        )
        if quantity == "kl"
        and canonical_spec(derivation.p) != canonical_spec(derivation.q)
        and _reverse_derived_differently(derivation)
        else "",
        "checked": text(
            (
                "document.checked_sphere"
                if derivation.instance_sizes
                else "document.checked_sphere_given"
            )
            if counts["sphere"]
            else "document.checked_digits"
            if counts["digits"]
            else "document.checked_draws"
            if counts["instances"] and getattr(derivation, "instance_draws", 0)
            else "document.checked_instances"
            if counts["instances"]
            else "document.checked_all"
            if counts["numeric"] == 0
            else "document.checked_one"
            if counts["numeric"] == 1
            else "document.checked",
            {
                "symbolic": Raw(str(counts["symbolic"])),
                "numeric": Raw(str(counts["numeric"])),
                "digits": Raw(str(counts["digits"])),
                "instances": Raw(str(counts["instances"])),
                "draws": Raw(str(getattr(derivation, "instance_draws", 0))),
                "sizes": tuple(
                    Eq(dimension_symbol(derivation), k, evaluate=False)
                    for k in derivation.instance_sizes
                ),
                "total": Raw(str(len(steps))),
            },
        ),
        "counts": counts,
        "total_steps": len(steps),
    }


def _result(
    derivation: Derivation, lhs: str, printer: Printer, measure: Measure
) -> dict[str, object]:
    """The closing display laid out for the page; ``result_latex``, the formula on one
    line of the display, is the laid-out line when there is one (a fraction or a piecewise
    result broken inside, still one line of the display)."""
    laid_out = lay_out_result(
        lhs, printer.breaker(derivation.result_display), printer.width, measure
    )
    lines = laid_out["result_lines"]
    one = lines[0] if isinstance(lines, list) and len(lines) == 1 else None
    return {"result_latex": one or printer.doprint(derivation.result_display), **laid_out}


def _plain_title(derivation: Derivation, messages: Mapping[str, Any], quantity: str) -> str:
    """The document's title in plain text, its laws in Unicode: ``KL divergence between
    𝒩(μ, σ²) and 𝒩(0, 1)``."""
    printer = UnicodeMemoPrinter(derivation.functions)
    fill = Filler(printer, Style(lambda m: m), {"q_law": derivation.p, "p_law": derivation.q})
    return fill(lookup(messages, _quantity_key("document.title", quantity)))


def _all_scales(derivation: Derivation, symbols: list[Expr]) -> bool:
    """Whether every positive symbol is a scale parameter of one of the two laws (the
    assumption sentence then says so; rates, shapes, degrees of freedom are not)."""
    roles: dict[Expr, str] = {}
    for law in (derivation.p, derivation.q):
        parameters = getattr(getattr(law, "family", None), "parameters", ())
        args = getattr(law, "args", ())
        for parameter, arg in zip(parameters, args, strict=False):
            roles.setdefault(arg, parameter.name)
    return all(roles.get(s) == "scale" for s in symbols)


def _positivity(symbols: list[Expr], printer: Printer) -> LatexRaw:
    plain = type(printer)({})  # no density names: a symbol is just its letter
    return LatexRaw(", ".join(plain.doprint(s) for s in symbols) + " > 0")


def _stage_params(stage: Any, derivation: Derivation) -> dict[str, Any]:
    params = dict(stage.params)
    if stage.key == "expectation":
        for chain in stage.chains:
            if chain.steps[0].rule == "moment.base":
                params.setdefault("mgf", chain.steps[0].params["mgf"])
    return params


def _entropy_lhs(printer: Printer, laws: tuple[str, ...], quantity: str) -> str:
    """``H(P)`` (entropy) or ``H(P, Q)`` (cross-entropy), in the printer's notation; the
    cross-entropy of laws written with matrices may break between the two, as a KL does."""
    opening = printer.snippet(r"\mathrm{H}") + "("
    if quantity == "entropy":
        return opening + laws[0] + ")"
    return printer.divergence(opening, laws[0], ", ", laws[1], ")")


def _divergence_lhs(printer: Printer, laws: tuple[str, ...], derivation: Derivation) -> str:
    """``D_{2}(P \\parallel Q)``: a divergence of :mod:`kl_derive.divergences`."""
    from ..divergences.describe import lhs_latex

    before, between, after = (printer.snippet(s) for s in lhs_latex(derivation))
    return printer.divergence(before, laws[0], between, laws[1], after)


def _setting_key(setting: str) -> str:
    """The opening paragraph: ``document.setting`` (a VAE's encoder and prior), else
    ``document.setting_<setting>`` (``catalog``: two laws; ``transformed``: two laws
    through one bijection)."""
    return "document.setting" if setting == "vae" else f"document.setting_{setting}"


def _quantity_key(key: str, quantity: str) -> str:
    """The document's title, introduction and setting for an entropy or a cross-entropy."""
    if quantity == "kl" or key not in _QUANTITY_KEYS:
        return key
    return f"document.{quantity}.{_QUANTITY_KEYS[key]}"


def _own_key(messages: Mapping[str, Any], key: str, quantity: str) -> str:
    """:func:`_quantity_key`; and a document sentence the quantity words its own way
    (``document.elbo.checked_instances``), where its section of the catalog has it."""
    own = _quantity_key(key, quantity)
    if own == key and quantity != "kl" and key.startswith("document."):
        section = messages.get("document", {}).get(quantity, {})
        name = key[len("document.") :]
        if isinstance(section, Mapping) and name in section:
            return f"document.{quantity}.{name}"
    return own


_QUANTITY_KEYS = {
    "document.title": "title",
    "document.intro": "intro",
    "document.setting_catalog": "setting",
}


def _command(derivation: Derivation) -> str:
    if isinstance(getattr(type(derivation), "command", None), property):  # a companion
        return derivation.command
    p, q = canonical_spec(derivation.p), canonical_spec(derivation.q)
    quantity = getattr(derivation, "quantity", "kl")
    if quantity == "entropy":
        return f'kl-derive entropy "{p}"'
    if quantity == "cross_entropy":
        return f'kl-derive cross-entropy "{p}" "{q}"'
    if quantity != "kl":  # a divergence of kl_derive.divergences
        from ..divergences.describe import command_line

        return command_line(derivation, p, q)
    if (p, q) == ("normal(mu, sigma)", "normal(0, 1)"):
        return "kl-derive normal"
    return f'kl-derive "{p}" "{q}"' + _strategy_option(derivation)


def _strategy_option(derivation: Derivation) -> str:
    """`` --strategy bregman`` (`` --via-base``) for a derivation by a strategy other than
    its pair's default, so that the command line written with it reproduces it."""
    import shlex

    from ..strategies import PAIRS, VIA_BASE

    strategies = PAIRS.get((derivation.p.family.name, derivation.q.family.name), ())
    if not strategies or derivation.strategy == strategies[0][0]:
        return ""
    if derivation.strategy == VIA_BASE:
        return " --via-base"
    return f" --strategy {shlex.quote(derivation.strategy)}"


def _reverse_derived_differently(derivation: Any) -> bool:
    """Whether ``kl-derive Q P`` derives something else: not when the catalog lists the
    reverse pair without a closed form (``normal || student_t``), nor when both
    directions are infinite (the same value, not a different function)."""
    from sympy import oo

    from ..strategies.table import OUTCOMES

    reverse = tuple(
        getattr(getattr(law, "family", None), "name", None) for law in (derivation.q, derivation.p)
    )
    outcome = OUTCOMES.get(reverse)
    if outcome == "none":
        return False
    return not (outcome == "infinite" and derivation.result == oo)
