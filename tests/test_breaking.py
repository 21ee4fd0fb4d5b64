"""Breaking long formulas where a textbook breaks them (kl_derive.printing.breaking)."""

from __future__ import annotations

import itertools
import re

import pytest
from sympy import Add, Integral, Mul, Rational, Symbol, exp, log, oo, sqrt

from kl_derive import derive
from kl_derive.printing.breaking import break_lines, flatten
from kl_derive.printing.latex import TextbookLatexPrinter
from kl_derive.printing.measure import latex_width
from kl_derive.symbolic.objects import Expect

a, b, c, d, e, z = (Symbol(n, positive=True) for n in "abcdez")
PRINTER = TextbookLatexPrinter()


def lines(expr, first: float, rest: float | None = None) -> list[str]:
    return break_lines(PRINTER.marked(expr), first, first if rest is None else rest)


def balanced(line: str) -> bool:
    """Braces balanced and no ``\\left`` without its ``\\right`` on one line."""
    depth = 0
    for ch in re.sub(r"\\[{}]", "", line):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    lefts = len(re.findall(r"\\left(?![a-z])", line))
    rights = len(re.findall(r"\\right(?![a-z])", line))
    return depth == 0 and lefts == rights


LONG_SUM = sum((Symbol(f"x_{k}") ** 2 for k in range(1, 13)), start=Rational(0))


def test_marks_disappear_from_the_ordinary_output() -> None:
    expr = Mul(Rational(1, 2), Add(a**2, b**2, -log(b**2), -1, evaluate=False), evaluate=False)
    assert PRINTER.doprint(expr) == flatten(PRINTER.marked(expr))
    assert PRINTER.doprint(expr) == r"\frac{1}{2}\left(a^{2} + b^{2} - \log b^{2} - 1\right)"
    assert not re.search("[\ue000-\ue00f]", PRINTER.doprint(expr))


def test_a_short_formula_stays_on_one_line() -> None:
    expr = a + b
    assert lines(expr, 30) == [PRINTER.doprint(expr)]


def test_a_sum_breaks_before_its_signs_and_fills_each_line() -> None:
    out = lines(LONG_SUM, 12)
    assert len(out) > 1
    assert all(line.startswith("+ ") for line in out[1:])
    assert all(latex_width(line) <= 12 for line in out)
    # greedy: no two consecutive lines would have fitted together
    for first, second in itertools.pairwise(out):
        assert latex_width(f"{first} {second}") > 12
    assert flatten(" ".join(out)) == PRINTER.doprint(LONG_SUM)


def test_a_bracket_is_broken_with_fixed_size_delimiters_never_left_right() -> None:
    expr = Mul(Rational(1, 2), LONG_SUM, evaluate=False)
    out = lines(expr, 14)
    assert len(out) > 1
    assert out[0].startswith(r"\frac{1}{2}\Bigl(") and out[-1].endswith(r"\Bigr)")
    assert all(balanced(line) for line in out)


def test_an_integrand_breaks_between_factors_and_the_dz_stays_at_the_end() -> None:
    integrand = exp(-(z**2) / 2) * log(a * z + b * z**2 + c * z**3 + d * z**4 + e)
    out = lines(Integral(integrand, (z, -oo, oo)), 16)
    assert len(out) > 1
    assert out[0].startswith(r"\int_{-\infty}^{\infty}")
    assert out[-1].endswith(r"\,dz")
    assert all(balanced(line) for line in out)


def test_a_product_continued_on_a_line_starts_with_times_or_its_cdot() -> None:
    roots = Mul(*(sqrt(a + b + c + d + k) for k in range(1, 4)), evaluate=False)
    out = lines(roots, 12)
    assert len(out) == 3 and all(line.startswith(r"\times \sqrt{") for line in out[1:])
    logs = log(a + b + c + d + e) * log(a + b + c + d) * log(a + c + d + e)
    out = lines(logs, 16)
    assert len(out) == 3 and all(line.startswith(r"\cdot \log(") for line in out[1:])


def test_a_wide_fraction_sets_its_numerator_over_lines() -> None:
    expr = LONG_SUM / (2 * a)
    out = lines(expr, 10)
    assert len(out) == 1  # the fraction stays on its line of the display
    assert r"\frac{\begin{aligned}" in out[0]
    assert balanced(out[0])


def test_an_expectation_of_a_long_sum_breaks_inside_its_brackets() -> None:
    out = lines(Expect(LONG_SUM, z), 14)
    assert out[0].startswith(r"\mathbb{E}\bigl[") or out[0].startswith(r"\mathbb{E}\Bigl[")
    assert all(balanced(line) for line in out)


def test_nothing_is_broken_inside_braces() -> None:
    expr = exp(LONG_SUM)  # a long exponent: \exp(...), never split inside ^{...}
    for line in lines(expr, 8):
        assert balanced(line)


@pytest.mark.parametrize(
    ("p", "q", "options"),
    [
        ("gamma", "gamma", {}),
        ("wishart", "wishart", {}),
        ("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])", {}),
        ("normal", "normal", {"param": "logvar"}),
    ],
)
@pytest.mark.slow
def test_every_line_of_real_derivations_is_balanced_and_fits(p, q, options) -> None:
    """The twocolumn measure: every broken line balanced, within its budget unless it is a
    single unbreakable piece, and the lines together are the formula."""
    derivation = derive(p, q, **options)
    printer = TextbookLatexPrinter(derivation.functions)
    for step in derivation.steps:
        marked = printer.marked(step.after)
        out = break_lines(marked, 14, 12)
        assert all(balanced(line) for line in out), out
        strip = re.compile(
            r"\s+|\\times|\\begin\{aligned\}|\\end\{aligned\}|&|\\quad|\\\\"
            r"|\\(?:big|Big|bigg|Bigg)[lr]|\\(?:left|right)(?![a-z])"
        )
        assert strip.sub("", " ".join(out)) == strip.sub("", printer.doprint(step.after))


def test_highlight_colours_every_line_a_changed_part_spans(tmp_path) -> None:
    """--highlight: a coloured part broken over lines is coloured on each of them (the
    operator that starts a continued line outside the colour, where it stays binary), and
    each line's \\textcolor is closed on that line."""
    derivation = derive("gamma", "gamma")
    text = derivation.render("latex", "en", highlight=True, page="twocolumn")
    displays = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", text, flags=re.S)
    coloured_continuations = 0
    for display in displays:
        rows = display.split("\\\\\n")
        for k, row in enumerate(rows):
            assert balanced(row.replace("&", "")), row
            continued = re.match(
                r"&\\qquad (?:\\quad )*(?:[+-] |\\times |\\cdot )?\\textcolor\{blue\}", row.strip()
            )
            if k and continued:
                coloured_continuations += 1
    assert coloured_continuations > 0


def test_a_wide_piecewise_result_is_folded_inside_its_cases() -> None:
    from sympy import Piecewise, S

    wide = Add(*(log(Symbol(f"x_{k}", positive=True) + k) for k in range(1, 13)))
    expr = Piecewise((wide, a > b), (oo, S.true))
    whole = flatten(PRINTER.marked(expr))
    assert lines(expr, latex_width(whole) + 1) == [whole]  # fits: as it was
    assert lines(expr, latex_width(whole) - 0.5) == [whole]  # within the model's error
    (folded,) = lines(expr, 20)
    assert latex_width(folded) <= 20 and balanced(folded)
    assert folded.startswith(r"\begin{cases} \begin{aligned}&\log")
    # the value over lines, a comma after it, its condition on a row of its own
    assert r"\end{aligned} \\ \quad \text{for }" in folded
    assert folded.endswith(r"\\ \infty \quad \text{otherwise} \end{cases}")
    assert folded.count(r"\log") == 12


def test_cells_keep_nested_environments_whole() -> None:
    from kl_derive.printing.cases import cells

    body = r" a & \text{for } b \\ \begin{aligned}&x \\ &y\end{aligned}, \\ {c \\ d} & e "
    assert cells(body) == [
        [" a ", r" \text{for } b "],
        [r" \begin{aligned}&x \\ &y\end{aligned}, "],
        [r" {c \\ d} ", " e "],
    ]
