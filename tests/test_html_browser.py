"""The HTML page in a real browser: headless Chromium with a local KaTeX.

Chromium (Debian's ``chromium-headless-shell``) loads the page, KaTeX renders it, and the
rendered DOM must hold one KaTeX display per display we wrote and no KaTeX error. A
screenshot is left in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ARTIFACTS, in_ci, require_tool

from kl_derive import derive

KATEX = Path(__file__).parent / "js" / "node_modules" / "katex" / "dist"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=15000",
]


def _browser() -> str:
    for name in ("chromium-headless-shell", "chromium"):
        if shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    return require_tool("chromium-headless-shell")


@pytest.mark.external
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_renders_without_katex_errors(lang: str, tmp_path: Path) -> None:
    browser = _browser()
    if not KATEX.is_dir():
        message = "KaTeX is not installed: run `npm ci --prefix tests/js`"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    derivation = derive("normal")
    page = tmp_path / "kl.html"
    page.write_text(derivation.render("html", lang, katex=KATEX.as_uri()), encoding="utf-8")
    done = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = done.stdout
    assert done.returncode == 0 and "</html>" in dom, done.stderr[-2000:]
    displays = derivation.render("markdown", lang).count("$$\n") // 2
    assert dom.count('class="katex-display"') == displays
    assert dom.count('class="katex"') > displays  # the inline math rendered too
    assert "katex-error" not in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"html-{lang}.png"
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1000,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
