"""The view model: a derivation turned into text and LaTeX, ready for any template.

Templates receive plain data (strings, lists, dicts) and only lay it out. This module
fills each sentence of the message catalog with typeset mathematics; the ``style`` says
how inline math and plain text are written in the target format.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sympy import (
    Basic,
    Eq,
    Expr,
    Function,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    Lambda,
    MatrixSymbol,
    Symbol,
    Tuple,
    sstr,
)

from .. import __version__
from ..families.base import Distribution
from ..options import DETAILS
from ..printing.breaking import COLOR_OFF, COLOR_ON, break_lines
from ..printing.conditions import ENGLISH, around
from ..printing.highlight import changed_parts
from ..printing.latex import TextbookLatexPrinter, kl_latex
from ..printing.measure import latex_width
from ..printing.typst import TypstPrinter
from ..printing.unicode import UnicodePrinter, kl_unicode, latex_to_unicode, text_width
from ..steps.rules import identity
from ..steps.step import Chain, Code, Sentence, Step, conjuncts
from ..symbolic.display import display_form
from ..symbolic.objects import KL, VARIABLE
from .catalog import catalog
from .layout import Measure, lay_out_block, lay_out_result

if TYPE_CHECKING:  # pragma: no cover
    from ..derivation import Derivation

__all__ = ["Style", "build_view", "canonical_spec"]

#: how much a derivation shows (--detail): see :func:`build_view`


@dataclass(frozen=True)
class Style:
    """How a format writes inline math and escapes prose; ``safe`` marks filled prose as
    escaped already (``Markup`` for an autoescaping HTML template)."""

    inline: Callable[[str], str]
    escape: Callable[[str], str] = lambda s: s
    code: Callable[[str], str] = lambda s: s
    safe: Callable[[str], str] = str


Breaker = Callable[[float, float], list[str]]


@dataclass
class StepView:
    rule: str
    title: str
    explanation: str
    lhs: str
    rhs: str
    rhs_lines: list[str]
    before: str
    after: str
    check: str
    #: the sign that joins the step to the previous line: "=", or "=" marked "(3)" (full)
    eq: str = "="
    #: breaks the right-hand side for a first line and continued lines of given widths
    breaker: Breaker | None = field(default=None, repr=False, compare=False)
    #: where the chain this step ends holds, as SymPy text (JSON); "" when everywhere
    condition: str = ""


@dataclass
class BlockView:
    """A paragraph and the display (one or more chains) it introduces; with
    ``--detail full``, ``notes`` justify the display's equalities one by one."""

    text: str
    chains: list[list[StepView]]
    label: str | None = None
    notes: list[str] = field(default_factory=list)
    #: each left-hand side on a line of its own, the equalities under it (see .layout)
    stacked: bool = False


@dataclass
class StageView:
    number: int
    key: str
    title: str
    intro: str
    blocks: list[BlockView] = field(default_factory=list)


_FIELD = re.compile(r"\{(\w+)\}")


class _Filler:
    """Fills catalog sentences: escapes the prose, typesets the placeholders."""

    def __init__(self, printer: _Printer, style: Style, common: Mapping[str, Any]):
        self.printer = printer
        self.style = style
        self.common = dict(common)

    def math(self, value: Any) -> str:
        if isinstance(value, Distribution):
            return self.printer.law(value.family, value.args)
        if isinstance(value, tuple) and value and isinstance(value[0], tuple):
            # a mapping given as pairs: sigma = e^{s}, ...
            return ", ".join(self.math(Eq(a, b, evaluate=False)) for a, b in value)
        if isinstance(value, tuple):
            return ", ".join(self.math(v) for v in value)
        if isinstance(value, Eq):
            return f"{self.printer.doprint(value.lhs)} = {self.printer.doprint(value.rhs)}"
        if isinstance(value, Basic):
            return self.printer.doprint(value)
        return str(value)

    def __call__(self, template: str, params: Mapping[str, Any] | None = None) -> str:
        values = {**self.common, **(params or {})}
        out: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            out.append(self.style.escape(literal))
            if name is None:
                continue
            if name not in values:
                raise KeyError(f"message placeholder {{{name}}} has no value")
            value = values[name]
            if isinstance(value, _Raw):
                out.append(value)
            elif isinstance(value, Code):
                out.append(self.style.code(value))
            else:
                out.append(self.style.inline(self.math(value)))
        return self.style.safe("".join(out))


class _MemoPrinter(TextbookLatexPrinter):
    """Prints each expression once: a chain's steps share their sides.

    With ``marks`` set, the marked sub-expressions are coloured (``--highlight``), and the
    memo is not used. ``width``, ``kl`` and ``snippet`` are what the view needs besides
    expressions: how wide a printed line is, the divergence of two printed laws, and a
    fixed LaTeX snippet (an identity, a density's name) in this printer's notation.
    """

    def __init__(self, functions: Mapping[str, str], expect_subscripts: bool = False) -> None:
        super().__init__(functions, expect_subscripts=expect_subscripts)
        self._memo: dict[Basic, str] = {}
        self.marks: set[Basic] = set()

    def marked(self, expr: Any) -> str:
        if not isinstance(expr, Basic) or self.marks:
            return super().marked(expr)
        if expr not in self._memo:
            self._memo[expr] = super().marked(expr)
        return self._memo[expr]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        text = super()._print(expr, **kwargs)
        if self.marks and isinstance(expr, Basic) and expr in self.marks:
            return f"{COLOR_ON}{text}{COLOR_OFF}"
        return text

    def breaker(self, expr: Expr) -> Breaker:
        """``expr`` broken for lines of given widths (see :mod:`~.printing.breaking`)."""
        marked = self.marked(expr)
        return lambda first, rest: break_lines(marked, first, rest)

    @staticmethod
    def width(text: str) -> float:
        return latex_width(text)

    @staticmethod
    def kl(left: str, right: str) -> str:
        return kl_latex(left, right)

    @staticmethod
    def snippet(latex: str) -> str:
        return latex

    def law(self, family: Any, args: tuple) -> str:
        """A law's notation, ``\\mathcal{N}(\\mu, \\sigma^{2})``."""
        return family.notation(args, self.doprint)

    #: how a step marked ``(n)`` joins the previous line (--detail full)
    @staticmethod
    def marked_eq(number: int) -> str:
        return rf"\overset{{({number})}}{{=}}"

    @staticmethod
    def tag(before: str, conditions: list[str], after: str) -> str:
        """A condition written after a formula: ``\\qquad \\text{if } a \\geq b``."""
        words = [rf"\text{{{before}}}"] if before else []
        words.append(r",\ ".join(conditions))
        if after:
            words.append(rf"\text{{{after}}}")
        return r"\qquad " + "".join(words)


class _UnicodeMemoPrinter(UnicodePrinter):
    """The Unicode printer with the same interface as :class:`_MemoPrinter` (``--to text``)."""

    def __init__(self, functions: Mapping[str, str], expect_subscripts: bool = False) -> None:
        super().__init__(functions, expect_subscripts=expect_subscripts)
        self._memo: dict[Basic, str] = {}
        self.marks: set[Basic] = set()

    def doprint(self, expr: Any) -> str:
        if not isinstance(expr, Basic):
            return super().doprint(expr)
        if expr not in self._memo:
            self._memo[expr] = super().doprint(expr)
        return self._memo[expr]

    def breaker(self, expr: Expr) -> Breaker:
        return lambda first, rest: self.doprint_lines(expr, first)

    @staticmethod
    def width(text: str) -> float:
        return float(text_width(text))

    @staticmethod
    def kl(left: str, right: str) -> str:
        return kl_unicode(left, right)

    @staticmethod
    def snippet(latex: str) -> str:
        return latex_to_unicode(latex)

    def law(self, family: Any, args: tuple) -> str:
        """A law's notation, ``𝒩(μ, σ²)``."""
        return latex_to_unicode(family.notation(args, self.doprint))

    @staticmethod
    def marked_eq(number: int) -> str:
        return f"=({number})"

    @staticmethod
    def tag(before: str, conditions: list[str], after: str) -> str:
        """A condition written after a formula: ``   if a ≥ b`` (``   a ≥ b일 때``)."""
        return "    " + before + ", ".join(conditions) + after


def _typst_printer(functions: Mapping[str, str], expect_subscripts: bool = False) -> TypstPrinter:
    """Typst mathematics (``--to typst``) translated from the memoizing LaTeX printer."""
    return TypstPrinter(latex=_MemoPrinter(functions, expect_subscripts=expect_subscripts))


_Printer = _MemoPrinter | _UnicodeMemoPrinter | TypstPrinter
PRINTERS: dict[str, Callable[..., _Printer]] = {
    "latex": _MemoPrinter,
    "unicode": _UnicodeMemoPrinter,
    "typst": _typst_printer,
}


class _Raw(str):
    """Already formatted for the target (inserted as is)."""


_PSI = Symbol("psi")
_EULER = Symbol("gamma")


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
        "q": _LatexRaw(printer.snippet(derivation.functions.get("q", "q"))),
        "p": _LatexRaw(printer.snippet(derivation.functions.get("p", "p"))),
        "q_law": derivation.p,
        "p_law": derivation.q,
        "z": z,
        "x": x,
        "epsilon": eps,
        "g": _LatexRaw(printer.snippet(derivation.functions.get("g", "g"))),
        "kl": KL(q_fn, p_fn),
    }
    laws = tuple(printer.law(d.family, d.user_args) for d in (derivation.p, derivation.q))
    quantity = getattr(derivation, "quantity", "kl")
    result_lhs = printer.kl(*laws) if quantity == "kl" else _entropy_lhs(printer, laws, quantity)
    common["kl_laws"] = _LatexRaw(result_lhs)
    fill = _Filler(printer, style, {})
    common = {
        k: (_Raw(style.inline(str(v))) if isinstance(v, _LatexRaw) else v)
        for k, v in common.items()
    }
    fill.common = common

    def _sentences(params: dict[str, Any]) -> dict[str, Any]:
        """The parameters that are sentences of the catalog, read (with the others)."""
        return {
            k: _Raw(fill(_lookup(messages, v), params)) if isinstance(v, Sentence) else v
            for k, v in params.items()
        }

    def text(key: str, params: Mapping[str, Any] | None = None) -> str:
        return fill(_lookup(messages, _quantity_key(key, quantity)), params)

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
                steps = [_brief_view(chain.steps, printer, sympy_strings, highlight)]
                _state_condition(steps[-1], chain, printer, sympy_strings)
                if view.blocks:
                    view.blocks[-1].chains.append(steps)
                else:
                    view.blocks.append(BlockView("", [steps]))
                continue
            steps = [
                _step_view(step, stage.key, messages, fill, printer, sympy_strings, highlight)
                for step in chain.steps
            ]
            _state_condition(steps[-1], chain, printer, sympy_strings)
            paragraph = style.safe(" ").join(s.explanation for s in steps if s.explanation)
            if view.blocks and view.blocks[-1].text == paragraph and paragraph:
                view.blocks[-1].chains.append(steps)
            else:
                view.blocks.append(BlockView(paragraph, [steps]))
        for block in view.blocks:
            block.stacked = lay_out_block(block.chains, printer.width, measure)
        if detail == "full":
            for block in view.blocks:
                _justify(block, stage.key, messages, fill, printer, derivation)
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
        for kind in ("symbolic", "numeric", "instances")
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
        "setting": text(
            "document.setting_catalog"
            if getattr(derivation, "setting", "vae") == "catalog"
            else "document.setting"
        ),
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
            _lookup(messages, "document.stage"),
            {"number": _Raw(str(s.number)), "title": _Raw(s.title)},
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
        "result_latex": printer.doprint(derivation.result_display),
        "detail": detail,
        **lay_out_result(
            result_lhs, printer.breaker(derivation.result_display), printer.width, measure
        ),
        "result_sympy": sstr(derivation.result_display),
        "kl_latex": kl_of_densities,
        "asymmetry": text(
            "document.asymmetry",
            {
                "reverse": Code(
                    f'kl-derive "{canonical_spec(derivation.q)}" "{canonical_spec(derivation.p)}"'
                )
            },
        )
        if quantity == "kl" and canonical_spec(derivation.p) != canonical_spec(derivation.q)
        else "",
        "checked": text(
            "document.checked_instances"
            if counts["instances"]
            else "document.checked_all"
            if counts["numeric"] == 0
            else "document.checked_one"
            if counts["numeric"] == 1
            else "document.checked",
            {
                "symbolic": _Raw(str(counts["symbolic"])),
                "numeric": _Raw(str(counts["numeric"])),
                "instances": _Raw(str(counts["instances"])),
                "sizes": tuple(
                    Eq(_dimension_symbol(derivation), k, evaluate=False)
                    for k in derivation.instance_sizes
                ),
                "total": _Raw(str(len(steps))),
            },
        ),
        "counts": counts,
        "total_steps": len(steps),
    }


class _LatexRaw(str):
    """LaTeX that goes into inline math as is."""


def _plain_title(derivation: Derivation, messages: Mapping[str, Any], quantity: str) -> str:
    """The document's title in plain text, its laws in Unicode: ``KL divergence between
    𝒩(μ, σ²) and 𝒩(0, 1)``."""
    printer = _UnicodeMemoPrinter(derivation.functions)
    fill = _Filler(printer, Style(lambda m: m), {"q_law": derivation.p, "p_law": derivation.q})
    return fill(_lookup(messages, _quantity_key("document.title", quantity)))


def _dimension_symbol(derivation: Derivation) -> Symbol:
    """The symbolic size the instances fix: as the strategy names it, K categories, else
    the dimension d."""
    name = getattr(derivation, "dimension_name", "d")
    if name != "d":  # the strategy names it (p for Wishart matrices)
        return Symbol(name)
    categorical = derivation.p.family.name in ("categorical", "one_hot_categorical")
    return Symbol("K" if categorical else "d")


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


def _positivity(symbols: list[Expr], printer: _Printer) -> _LatexRaw:
    plain = type(printer)({})  # no density names: a symbol is just its letter
    return _LatexRaw(", ".join(plain.doprint(s) for s in symbols) + " > 0")


def _lookup(messages: Mapping[str, Any], key: str) -> str:
    node: Any = messages
    for part in _split_key(key):
        node = node[part]
    return node


def _split_key(key: str) -> list[str]:
    if key.startswith("rule."):
        return ["rule", key[len("rule.") :]]
    return key.split(".")


def _step_view(
    step: Step,
    stage: str,
    messages: Mapping[str, Any],
    fill: _Filler,
    printer: _Printer,
    sympy_strings: bool,
    highlight: bool = False,
) -> StepView:
    entry = _rule_entry(messages, stage, step.rule)
    params = dict(step.params)
    params["lhs"] = step.before
    params["rhs"] = step.after
    rule_identity = identity(step.rule)
    if rule_identity is not None:
        params["identity"] = _Raw(fill.style.inline(printer.snippet(rule_identity)))
    for name, value in list(params.items()):
        if isinstance(value, Sentence):  # a sentence of the catalog, by its key
            params[name] = _Raw(fill(_lookup(messages, value), params))
    if isinstance(params.get("reason"), str):
        # why an expectation holds: a sentence of its own in the catalog
        reason_params = {**params, "psi": _PSI, "euler": _EULER}
        params["reason"] = _Raw(fill(messages["moment_reason"][params["reason"]], reason_params))
    rhs, breaker = _right_side(printer, step.before, step.after, highlight)
    return StepView(
        rule=step.rule,
        title=entry["title"],
        explanation=fill(entry["text"], params),
        lhs=printer.doprint(step.before),
        rhs=rhs,
        rhs_lines=[rhs],
        breaker=breaker,
        before=sstr(step.before, order="none") if sympy_strings else "",
        after=sstr(step.after, order="none") if sympy_strings else "",
        check=step.check or "",
    )


def _state_condition(step: StepView, chain: Chain, printer: _Printer, sympy_strings: bool) -> None:
    """Write where a chain holds after its last formula (``if a_1 >= a_2``): on the last
    line when it fits, else on a line of its own."""
    condition = chain.condition
    if condition is None:
        return
    before, after = around(printer.words["condition"])
    texts = [printer.doprint(c) for c in conjuncts(condition)]
    tag = printer.tag(before, texts, after)
    step.rhs += tag
    step.rhs_lines = [*step.rhs_lines[:-1], step.rhs_lines[-1] + tag]
    breaker = step.breaker
    if breaker is not None:

        def lines(first: float, rest: float) -> list[str]:
            out = breaker(first, rest)
            room = first if len(out) == 1 else rest
            if printer.width(out[-1]) + printer.width(tag) <= room:
                return [*out[:-1], out[-1] + tag]
            return [*out, tag.strip().removeprefix(r"\qquad").removeprefix("quad").strip()]

        step.breaker = lines
    if sympy_strings:
        step.condition = sstr(condition)


def _rule_entry(messages: Mapping[str, Any], stage: str, rule: str) -> Mapping[str, str]:
    rules = messages["rule"]
    return rules.get(f"{stage}:{rule}") or rules[rule]


def _right_side(
    printer: _Printer, before: Expr, after: Expr, highlight: bool
) -> tuple[str, Breaker]:
    """A step's right-hand side, whole and as a breaker into lines (see .layout); with
    ``highlight``, what differs from ``before`` is coloured."""
    if highlight:
        printer.marks = changed_parts(before, after)
    try:
        return printer.doprint(after), printer.breaker(after)
    finally:
        printer.marks = set()


def _brief_view(
    steps: tuple[Step, ...],
    printer: _Printer,
    sympy_strings: bool,
    highlight: bool,
) -> StepView:
    """A chain reduced to its first and last member (``--detail brief``)."""
    first, last = steps[0], steps[-1]
    checks = {s.check for s in steps}
    rhs, breaker = _right_side(printer, first.before, last.after, highlight)
    return StepView(
        rule=last.rule,
        title="",
        explanation="",
        lhs=printer.doprint(first.before),
        rhs=rhs,
        rhs_lines=[rhs],
        breaker=breaker,
        before=sstr(first.before, order="none") if sympy_strings else "",
        after=sstr(last.after, order="none") if sympy_strings else "",
        check=checks.pop() if len(checks) == 1 else "",
    )


def _justify(
    block: BlockView,
    stage: str,
    messages: Mapping[str, Any],
    fill: _Filler,
    printer: _Printer,
    derivation: Derivation,
) -> None:
    """Number the equalities of ``block`` and say, for each, what justifies it and how it
    was verified (``--detail full``)."""
    sizes = tuple(
        Eq(_dimension_symbol(derivation), k, evaluate=False) for k in derivation.instance_sizes
    )
    number = 0
    for chain in block.chains:
        for step in chain:
            number += 1
            step.eq = printer.marked_eq(number)
            rule_identity = identity(step.rule)
            check = fill(
                _lookup(messages, f"document.check_{step.check or 'symbolic'}"), {"sizes": sizes}
            )
            params = {
                "number": _Raw(str(number)),
                "title": _Raw(fill.style.escape(_rule_entry(messages, stage, step.rule)["title"])),
                "check": _Raw(check),
            }
            if rule_identity is not None:
                params["identity"] = _Raw(fill.style.inline(printer.snippet(rule_identity)))
                key = "document.note_identity"
            else:
                key = "document.note"
            block.notes.append(fill(_lookup(messages, key), params))


def _stage_params(stage: Any, derivation: Derivation) -> dict[str, Any]:
    params = dict(stage.params)
    if stage.key == "expectation":
        for chain in stage.chains:
            if chain.steps[0].rule == "moment.base":
                params.setdefault("mgf", chain.steps[0].params["mgf"])
    return params


def canonical_spec(distribution: Distribution) -> str:
    """``family(arg, ...)`` with the arguments as the derivation reads them."""
    if getattr(distribution.family, "low_rank", False):  # read as (loc, covariance): as given
        return distribution.spec
    args = ", ".join(_spec_argument(a) for a in distribution.user_args)
    return f"{distribution.family.name}({args})"


def _spec_argument(a: Expr) -> str:
    """An argument as the user would write it: ``exp(logvar/2)`` for an elementwise one."""
    if isinstance(a, Lambda):
        a = a.expr.replace(lambda x: isinstance(x, Indexed), lambda x: Symbol(str(x.base.label)))
    if isinstance(a, Tuple):
        return "[" + ", ".join(sstr(x) for x in a) + "]"
    if isinstance(a, ImmutableMatrix):
        if a.shape[1] == 1:
            return "[" + ", ".join(sstr(x) for x in a) + "]"
        return (
            "[" + ", ".join("[" + ", ".join(sstr(x) for x in row) + "]" for row in a.tolist()) + "]"
        )
    return sstr(a)


def _entropy_lhs(printer: _Printer, laws: tuple[str, ...], quantity: str) -> str:
    """``H(P)`` (entropy) or ``H(P, Q)`` (cross-entropy), in the printer's notation."""
    shown = laws[:1] if quantity == "entropy" else laws
    return printer.snippet(r"\mathrm{H}") + "(" + ", ".join(shown) + ")"


def _quantity_key(key: str, quantity: str) -> str:
    """The document's title, introduction and setting for an entropy or a cross-entropy."""
    if quantity == "kl" or key not in _QUANTITY_KEYS:
        return key
    return f"document.{quantity}.{_QUANTITY_KEYS[key]}"


_QUANTITY_KEYS = {
    "document.title": "title",
    "document.intro": "intro",
    "document.setting_catalog": "setting",
}


def _command(derivation: Derivation) -> str:
    p, q = canonical_spec(derivation.p), canonical_spec(derivation.q)
    quantity = getattr(derivation, "quantity", "kl")
    if quantity == "entropy":
        return f'kl-derive entropy "{p}"'
    if quantity == "cross_entropy":
        return f'kl-derive cross-entropy "{p}" "{q}"'
    if (p, q) == ("normal(mu, sigma)", "normal(0, 1)"):
        return "kl-derive normal"
    return f'kl-derive "{p}" "{q}"'
