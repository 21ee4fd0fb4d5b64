"""The exponential-family pairs added to the alpha-family divergences (beta under its
condition, binomial laws with one number of trials): every format in English and Korean,
pdflatex with no overfull box (the wide beta results fold inside their cases) and KaTeX
(strict) on the output."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import compile_fragments, katex_blocks

import kl_derive
from kl_derive.cli_options import FORMATS

NEW = {
    "beta-renyi": ("renyi", "beta", "beta", None),
    "beta-chi-square": ("chi-square", "beta", "beta(c, d)", None),
    "binomial-renyi": ("renyi", "binomial(n, p_1)", "binomial(n, p_2)", None),
    "binomial-hellinger": ("hellinger", "binomial(8, p)", "binomial(8, 1/3)", None),
}


@cache
def _derived(key: str):
    name, p, q, alpha = NEW[key]
    options = {"alpha": alpha} if alpha is not None else {}
    return kl_derive.divergence(name, p, q, **options)


@pytest.mark.parametrize("key", sorted(NEW))
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_every_format_renders(key: str, lang: str) -> None:
    d = _derived(key)
    assert all(step.verified for step in d.steps)
    for fmt in FORMATS:
        text = d.render(fmt, lang)
        assert text.strip() and "{" + "lhs}" not in text, fmt


@pytest.mark.parametrize("key", sorted(NEW))
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.slow
def test_latex_fits_the_page(tmp_path, key: str, lang: str) -> None:
    compile_fragments(tmp_path, [_derived(key).to_latex(lang)], lang)
    log = (tmp_path / "all.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, log[log.find("Overfull") :][:600]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_katex_is_strict(lang: str) -> None:
    katex_blocks([_derived(key) for key in sorted(NEW)], lang)
