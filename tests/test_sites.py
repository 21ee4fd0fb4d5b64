"""Sites built from the Markdown outputs, as a course site would build them.

* Sphinx with myst-parser builds the MyST pages of the sample (English and Korean, with
  and without equation labels, and an exercise) with ``-W``: any warning fails.
* MkDocs builds the Markdown pages with ``--strict`` and pymdown's arithmatex.

Each page has exactly one level-1 heading, which the site takes as the page's title, and
no table of contents shows raw LaTeX.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env, require_module
from sample_catalog import SAMPLE, derivation

LATEX_LEFT = re.compile(r"[\\${}]")


def _pages(fmt: str) -> dict[str, str]:
    """The sample's pages in ``fmt``: English and Korean, every other one labelled, and
    an exercise."""
    pages = {}
    for i, key in enumerate(SAMPLE):
        lang = "ko" if i % 2 else "en"
        label = {"label": f"{key}-eq"} if i % 3 == 0 and fmt != "markdown" else {}
        pages[f"{key}-{lang}"] = derivation(key).render(fmt, lang, **label)
    pages["exercise-en"] = derivation("gamma").render(fmt, "en", exercise=True)
    return pages


def _write_pages(fmt: str, folder: Path) -> dict[str, str]:
    """The sample's pages in ``fmt`` written to ``folder``; their titles, by name."""
    folder.mkdir()
    titles = {}
    for name, text in _pages(fmt).items():
        titles[name] = _one_title(name, text)
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return titles


def _one_title(name: str, text: str) -> str:
    """The page's one level-1 heading (asserting there is exactly one, on the first line)."""
    titles = [line for line in text.splitlines() if re.match(r"#\s", line)]
    assert len(titles) == 1, (name, titles)
    assert text.startswith(titles[0]), name
    title = titles[0][2:]
    assert not LATEX_LEFT.search(title.replace("\\_", "").replace("\\*", "")), (name, title)
    return title


def _toc_entries(page: str) -> list[str]:
    """The text of the links of the tables of contents in a built HTML page."""
    entries = re.findall(r'<li class="toctree-l\d[^"]*"><a [^>]*>(.*?)</a>', page, flags=re.S)
    entries += re.findall(r'<li class="nav-item"[^>]*>\s*<a [^>]*>(.*?)</a>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", e)).strip() for e in entries]


@pytest.mark.slow
def test_sphinx_builds_the_myst_pages_without_a_warning(tmp_path: Path) -> None:
    require_module("sphinx")
    require_module("myst_parser")
    source = tmp_path / "src"
    titles = _write_pages("myst", source)
    (source / "conf.py").write_text(
        'project = "kl-derive sample"\n'
        'extensions = ["myst_parser"]\n'
        'myst_enable_extensions = ["dollarmath", "amsmath"]\n'
        "myst_heading_anchors = 3\n",
        encoding="utf-8",
    )
    toctree = "\n".join(titles)
    (source / "index.md").write_text(
        f"# Sample\n\n```{{toctree}}\n:maxdepth: 2\n\n{toctree}\n```\n", encoding="utf-8"
    )
    dirs = (str(source), str(tmp_path / "html"))
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", *dirs],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    entries = _toc_entries(index)
    assert len(entries) > len(titles)  # the pages and their sections
    for name, title in titles.items():
        assert html.unescape(title.replace("\\", "")) in entries, (name, title)
    assert not [e for e in entries if LATEX_LEFT.search(e)]
    built = (tmp_path / "html" / "gamma-en.html").read_text(encoding="utf-8")
    headings = [h for h in re.findall(r"<h1\b[^>]*>", built) if "logo" not in h]  # the theme's
    assert len(headings) == 1
    assert built.count('class="math') > 20  # the mathematics is there, for MathJax


@pytest.mark.slow
def test_mkdocs_builds_the_markdown_pages_with_one_title_each(tmp_path: Path) -> None:
    require_module("mkdocs")
    require_module("pymdownx")
    docs = tmp_path / "docs"
    titles = _write_pages("markdown", docs)
    (docs / "index.md").write_text("# Sample\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: kl-derive sample\n"
        "markdown_extensions:\n"
        "  - toc:\n      permalink: true\n"
        "  - pymdownx.arithmatex:\n      generic: true\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    for name, title in titles.items():
        page = (tmp_path / "site" / name / "index.html").read_text(encoding="utf-8")
        assert len(re.findall(r"<h1\b", page)) == 1, name  # no second title
        head = html.unescape(re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1))
        assert head.startswith(html.unescape(title.replace("\\", ""))), (name, head)
        toc = re.search(r'<div class="toc">(.*?)</div>', page, flags=re.S)
        sidebar = re.findall(r'<a[^>]*href="#[^"]*"[^>]*>(.*?)</a>', page, flags=re.S)
        shown = [html.unescape(re.sub(r"<[^>]+>", "", s)) for s in sidebar]
        assert not [s for s in shown if LATEX_LEFT.search(s)], (name, shown)
        assert toc is None or not LATEX_LEFT.search(re.sub(r"<[^>]+>", "", toc.group(1)))
