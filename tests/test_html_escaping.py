"""The HTML page escapes what it prints (autoescaping), once, and --katex is checked.

The prose of the page is escaped by the view (``Style.escape``) and marked safe, so it is
not escaped twice; anything else a template prints is escaped by Jinja.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kl_derive import derive
from kl_derive.errors import KLDeriveError


@pytest.fixture(scope="module")
def diag():
    return derive("diag_normal")


def test_prose_is_escaped_once(diag) -> None:
    page = diag.render("html")
    assert "the coordinates' densities" in page  # not &#39; nor &amp;#39;
    assert "&amp;" not in page
    # the header comment holds the command as text (no &#34;)
    assert "<!-- kl-derive " in page and '"diag_normal(mu, sigma)"' in page


def test_a_user_template_escapes_what_it_prints(diag, tmp_path: Path) -> None:
    fields = ("'<script>'", "title_text", "title", "stages[0].blocks[0].chains[0][0].lhs")
    (tmp_path / "html.html.j2").write_text("\n".join("{{ " + f + " }}" for f in fields))
    page = diag.render("html", template_dir=str(tmp_path))
    script, title_text, title, lhs = page.rstrip("\n").split("\n")
    assert script == "&lt;script&gt;"
    assert title_text == "KL(diag_normal(mu, sigma) || diag_normal(0, 1))"
    assert title == diag.render("html").split("<h1>")[1].split("</h1>")[0]  # prose: as is
    assert "\\" in lhs and "<" not in lhs


@pytest.mark.parametrize(
    "katex",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        'https://example.org/k" onload="alert(1)',
        "https://example.org/<x>",
        "http://",
        "",
        "a\nb",
    ],
)
def test_katex_that_is_not_a_folder_or_a_url_is_refused(diag, katex: str) -> None:
    with pytest.raises(KLDeriveError, match="--katex"):
        diag.render("html", katex=katex)


@pytest.mark.parametrize(
    ("katex", "href"),
    [
        ("https://cdn.example.org/katex/0.16/dist/", "https://cdn.example.org/katex/0.16/dist"),
        ("../vendor/katex", "../vendor/katex"),
        ("my katex", "my%20katex"),
        # a path is written as a link: what HTML or a URL would read is %-encoded
        ('"><script>alert(1)</script>', "%22%3E%3Cscript%3Ealert%281%29%3C/script%3E"),
        ("file:///opt/katex/dist", "file:///opt/katex/dist"),
    ],
)
def test_katex_goes_into_the_page_as_a_link(diag, katex: str, href: str) -> None:
    page = diag.render("html", katex=katex)
    assert f'href="{href}/katex.min.css"' in page
    assert f'src="{href}/katex.min.js"' in page


def test_katex_only_with_html(diag) -> None:
    with pytest.raises(KLDeriveError, match="--katex applies to --to html only"):
        diag.render("markdown", katex="https://cdn.example.org/katex")
