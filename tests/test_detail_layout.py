"""``--detail``, ``--highlight`` and ``--align``: what each adds or removes, and that the
outputs still work in the real renderers (pdflatex for LaTeX, KaTeX in strict mode for
the Markdown and HTML math)."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

import pytest
from conftest import has_latex
from test_latex_compile import LOST_CHARS, Document, compile_tex
from test_markdown_render import math_tokens, render_with_katex

from kl_derive import derive
from kl_derive.printing.highlight import HIGHLIGHT_COLOR, changed_parts
from kl_derive.symbolic.objects import VARIABLE

RESULT = r"\frac{1}{2}\left(\mu^{2} + \sigma^{2} - \log \sigma^{2} - 1\right)"
COLOR = rf"\textcolor{{{HIGHLIGHT_COLOR}}}"

PAIRS = [
    ("normal", None),
    ("diag_normal", None),
    ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)"),
]
VARIANTS = [
    {"detail": "brief"},
    {"detail": "full"},
    {"highlight": True},
    {"align": "left"},
    {"detail": "full", "highlight": True, "align": "left"},
]


def _name(options: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in options.items())


@pytest.fixture(scope="module")
def derivations() -> dict:
    return {pair: derive(*pair) for pair in PAIRS}


# -- detail ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["latex", "markdown", "html", "text"])
def test_brief_is_shorter_than_standard_shorter_than_full(derivations, fmt: str, lang: str):
    for pair, d in derivations.items():
        sizes = [len(d.render(fmt, lang, detail=level)) for level in ("brief", "standard", "full")]
        assert sizes[0] < sizes[1] < sizes[2], (pair, fmt, sizes)


def test_standard_is_the_default(derivations) -> None:
    d = derivations["normal", None]
    assert d.to_latex(detail="standard") == d.to_latex()
    assert d.render("markdown", detail="standard") == d.to_markdown()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_brief_keeps_each_chain_first_and_last(derivations, lang: str) -> None:
    d = derivations["normal", None]
    brief = d.to_latex(lang, detail="brief")
    assert has_latex(brief.rsplit(r"\paragraph", 1)[1], RESULT)  # it still ends in the result
    # one equality per chain: the chain's left-hand side, then its last right-hand side
    chains = sum(len(stage.chains) for stage in d.stages)
    assert brief.count("&= ") == chains
    assert has_latex(brief, r"\mathbb{E}[z^{2}] &= \mu^{2} + \sigma^{2}")
    assert r"\mathbb{E}[(\mu + \sigma \varepsilon)^{2}]" not in brief  # an intermediate step
    standard = d.to_latex(lang)
    explanation = "The logarithm undoes the exponential" if lang == "en" else "로그"
    assert explanation in standard
    if lang == "en":
        assert explanation not in brief


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_full_justifies_every_equality(derivations, lang: str) -> None:
    for d in derivations.values():
        full = d.to_latex(lang, detail="full")
        marks = re.findall(r"\\overset\{\((\d+)\)\}\{=\}", full)
        assert len(marks) == len(d.steps)
        notes = re.findall(r"\\item\[\] \((\d+)\) ", full)
        assert notes == marks  # one note per marked equality, in the same order
    full = derivations["normal", None].to_latex("en", detail="full")
    assert r"Logarithm of a product: $\log (AB) = \log A + \log B$; proved symbolically" in full
    assert "checked numerically by quadrature" in full  # E[eps^2] = 1 is numeric


def test_full_text_marks_equalities(derivations) -> None:
    d = derivations["normal", None]
    text = d.to_text(detail="full")
    assert text.count("=(1) ") >= len([c for s in d.stages for c in s.chains]) - 4
    assert "(2) Logarithm of a product: log (AB) = log A + log B; proved symbolically" in text
    assert "\\" not in text


# -- highlight ---------------------------------------------------------------


def _strip_colour(text: str) -> str:
    """The text with every ``\\textcolor{c}{x}`` replaced by ``x``."""
    out, i = [], 0
    while True:
        k = text.find(COLOR, i)
        if k < 0:
            return "".join(out) + text[i:]
        out.append(text[i:k])
        j, depth = k + len(COLOR), 0
        for m in range(j, len(text)):
            depth += {"{": 1, "}": -1}.get(text[m], 0) if text[m - 1] != "\\" else 0
            if depth == 0:
                out.append(_strip_colour(text[j + 1 : m]))
                i = m + 1
                break


def _coloured(line: str) -> list[str]:
    found = []
    for k in [m.start() for m in re.finditer(re.escape(COLOR), line)]:
        j, depth = k + len(COLOR), 0
        for m in range(j, len(line)):
            depth += {"{": 1, "}": -1}.get(line[m], 0) if line[m - 1] != "\\" else 0
            if depth == 0:
                found.append(line[j + 1 : m])
                break
    return found


@pytest.mark.parametrize("fmt", ["latex", "markdown", "html"])
def test_highlight_only_adds_colour(derivations, fmt: str) -> None:
    for d in derivations.values():
        marked = d.render(fmt, highlight=True)
        assert marked.count(COLOR) >= 4
        needs = ", \\usepackage{xcolor}"  # the fragment says it needs xcolor
        assert _strip_colour(marked).replace(needs, "", 1) == d.render(fmt)


def test_highlight_marks_exactly_the_changed_terms(derivations) -> None:
    lines = derivations["normal", None].to_latex(highlight=True).splitlines()
    # log.exp: only the second term of the sum changed (the exponentials' log ratio)
    step = next(line for line in lines if r"\left(\textcolor" in line and r"\log \frac{1/" in line)
    assert _coloured(step) == [r"- \frac{(z - \mu)^{2}}{2\sigma^{2}} + \frac{z^{2}}{2}"]
    # E[z^2]: the moments substituted, and nothing else
    step = next(line for line in lines if r"2\mu \sigma \cdot 0" in line)
    assert _coloured(step) == [r"2\mu \sigma \cdot 0", r"\sigma^{2} \cdot 1"]
    step = next(line for line in lines if line.strip().startswith(r"&= - \textcolor"))
    assert _coloured(step) == [r"\log \sigma"]  # log(1/sigma) -> -log sigma


def test_changed_parts_of_a_sum() -> None:
    a, b, c, e = (VARIABLE * k for k in (1, 2, 3, 5))
    from sympy import Add

    before = Add(a, b, c, evaluate=False)
    after = Add(a, e, c, evaluate=False)
    assert changed_parts(before, after) == {e}
    assert changed_parts(before, before) == set()


# -- the renderers -----------------------------------------------------------


def _fragment_document(text: str, lang: str, highlight: bool) -> Document:
    packages = "\\usepackage{amsmath,amssymb}\n" + ("\\usepackage{xcolor}\n" if highlight else "")
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    main = (
        "\\documentclass{article}\n"
        f"{korean}{packages}{LOST_CHARS}"
        "\\begin{document}\n\\input{kl}\n\\end{document}\n"
    )
    return Document(main, {"kl.tex": text}, lang)


LATEX_CASES = [
    (pair, lang, options, standalone)
    for pair in [("normal", None)]
    for lang in ("en", "ko")
    for options in VARIANTS
    for standalone in (False, True)
] + [
    (("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)"), "en", v, False)
    for v in VARIANTS
]


@pytest.mark.external
@pytest.mark.parametrize(
    ("pair", "lang", "options", "standalone"),
    LATEX_CASES,
    ids=[f"{p[0][:12]}-{lang}-{_name(o)}-{s}" for p, lang, o, s in LATEX_CASES],
)
def test_latex_compiles(derivations, tmp_path: Path, pair, lang, options, standalone) -> None:
    d = derivations[pair]
    text = d.to_latex(lang, standalone=standalone, **options)
    if standalone:
        document = Document(
            text.replace("\\begin{document}", LOST_CHARS + "\\begin{document}"), {}, lang
        )
    else:
        document = _fragment_document(text, lang, bool(options.get("highlight")))
    name = f"detail-{lang}-{_name(options)}-{'standalone' if standalone else 'input'}"
    result = compile_tex(re.sub(r"[^\w-]", "_", name), document, tmp_path)
    assert not result.problems(), "\n".join(result.problems())
    if options.get("align") == "left":
        assert text.count("\\begingroup") == 1 and text.count("\\endgroup") == 1


@pytest.mark.external
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_beamer_and_exercise_compile(derivations, tmp_path: Path, lang: str) -> None:
    d = derivations["normal", None]
    slides = d.render("beamer", lang, highlight=True, align="left", detail="brief")
    result = compile_tex(f"slides-{lang}", Document(slides, {}, lang), tmp_path / "slides")
    assert not result.problems(), "\n".join(result.problems())
    exercise = d.to_latex(lang, exercise=True, highlight=True, align="left", detail="brief")
    document = _fragment_document(exercise, lang, True)
    result = compile_tex(f"exercise-{lang}", document, tmp_path / "exercise")
    assert not result.problems(), "\n".join(result.problems())


def _html_math(page: str) -> list[tuple[str, bool]]:
    page = page.split("<body>", 1)[1]  # the page's script holds delimiters, not math
    blocks = [(m, True) for m in re.findall(r"\\\[(.*?)\\\]", page, flags=re.S)]
    blocks += [(m, False) for m in re.findall(r"\\\((.*?)\\\)", page, flags=re.S)]
    return [(html_module.unescape(tex), display) for tex, display in blocks]


@pytest.mark.external
def test_every_math_block_renders_with_katex(derivations) -> None:
    blocks: list[tuple[str, bool]] = []
    owners: list[str] = []
    for pair, d in derivations.items():
        for lang in ("en", "ko"):
            for options in VARIANTS:
                for fmt in ("markdown", "myst", "gfm"):
                    if fmt == "gfm":
                        continue  # the same math as markdown, other fences
                    found, prose = math_tokens(d.render(fmt, lang, **options))
                    assert not any("$" in t for t in prose), (pair, fmt, options)
                    blocks += found
                    owners += [f"{pair} {lang} {fmt} {options}"] * len(found)
                found = _html_math(d.render("html", lang, **options))
                blocks += found
                owners += [f"{pair} {lang} html {options}"] * len(found)
    assert len(blocks) > 1000
    results = render_with_katex(blocks)
    failures = [
        (owners[i], blocks[i][0][:160], r["error"]) for i, r in enumerate(results) if not r["ok"]
    ]
    assert not failures, failures[:5]


def test_markdown_left_layout_puts_each_line_at_the_left(derivations) -> None:
    d = derivations["normal", None]
    left = d.to_markdown(align="left")
    blocks, _ = math_tokens(left)
    chains = [tex for tex, display in blocks if display and r"\begin{aligned}" in tex]
    for tex in chains:
        rows = [row for row in tex.splitlines() if row and not row.startswith("\\")]
        assert all(row.startswith("&") for row in rows), tex  # no row is centred on "="
    assert "&\\quad = \\mathbb{E}[\\mu + \\sigma \\varepsilon]" in left
    page = d.render("html", align="left")
    assert "fleqn: true" in page and "fleqn" not in d.render("html")
