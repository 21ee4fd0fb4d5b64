"""The page a derivation is typeset for: presets, --page and --width, per-format defaults."""

from __future__ import annotations

import pytest
from conftest import one_line_error, run_module

from kl_derive import derive
from kl_derive.errors import KLDeriveError
from kl_derive.render.page import PAGES, Page, parse_length, resolve_page


@pytest.fixture(scope="module")
def derivation():
    return derive("normal")


@pytest.mark.parametrize(
    ("text", "points"),
    [("3.3in", 238.491), ("8cm", 227.622), ("230pt", 230.0), ("230bp", 230.8625), ("20pc", 240)],
)
def test_lengths_are_read_in_tex_points(text: str, points: float) -> None:
    assert parse_length(text) == pytest.approx(points, abs=1e-3)


@pytest.mark.parametrize("text", ["3.3", "in", "-3in", "3.3 inch", "1e3pt", "0.5in", "50in", ""])
def test_a_bad_length_is_refused(text: str) -> None:
    with pytest.raises(KLDeriveError, match="width"):
        parse_length(text)


def test_each_format_has_its_default_page() -> None:
    assert resolve_page("latex").name == "onecolumn"
    assert resolve_page("beamer").name == "beamer"
    assert resolve_page("ipynb").name == "notebook"
    assert resolve_page("markdown").name == "onecolumn"


def test_the_presets_are_the_standard_classes() -> None:
    # pdflatex's \the\columnwidth for article, twocolumn, a4paper (the narrower paper)
    assert PAGES["twocolumn"].text_width == 221.0
    assert PAGES["onecolumn"].width_em == 34.5
    assert PAGES["beamer169"].text_width > PAGES["beamer"].text_width
    assert all(isinstance(page, Page) for page in PAGES.values())


def test_a_width_replaces_the_page_width_and_keeps_the_rest() -> None:
    page = resolve_page("latex", "twocolumn", "3.3in")
    assert page.text_width == pytest.approx(238.491, abs=1e-3)
    assert page.text_height == PAGES["twocolumn"].text_height
    assert page.class_options == PAGES["twocolumn"].class_options
    assert page.geometry is not None and "textwidth=" in page.geometry
    assert resolve_page("latex", PAGES["beamer"], 200.0).text_width == 200.0


def test_slides_need_a_slide_page() -> None:
    with pytest.raises(KLDeriveError, match="beamer169"):
        resolve_page("beamer", "twocolumn")
    with pytest.raises(KLDeriveError, match="unknown page"):
        resolve_page("latex", "a5")


def test_a_narrower_page_breaks_more(derivation) -> None:
    wide = derivation.render("latex", "en", page="notebook")
    narrow = derivation.render("latex", "en", page="twocolumn")
    assert narrow.count("\\\\") > wide.count("\\\\")
    assert narrow.splitlines()[0].endswith("--to latex --page twocolumn")


def test_beamer169_is_a_wide_deck(derivation) -> None:
    deck = derivation.render("beamer", "en", page="beamer169")
    assert "\\documentclass[11pt,aspectratio=169]{beamer}" in deck


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--page", "twocolum"], "did you mean 'twocolumn'"),
        (["--width", "3.3"], "unit"),
        (["--to", "beamer", "--page", "onecolumn"], "not a slide"),
        (["--to", "text", "--width", "3in"], "do not apply"),
        (["--standalone", "--page", "beamer"], "--to beamer"),
    ],
)
@pytest.mark.slow
def test_page_options_fail_in_one_line(args: list[str], fragment: str) -> None:
    one_line_error(run_module(["normal", *args]), fragment)
