"""The Markdown and JSON outputs go through the renderers people use.

* markdown-it-py with its dollar-math plugin (the parser of MyST / Jupyter Book) must find
  every math block we wrote, and leave no stray ``$`` in the prose;
* every math block, display or inline, must render with KaTeX (npm ``katex``, pinned in
  ``tests/js/package-lock.json``) in strict mode with ``throwOnError``.

KaTeX runs under Node; like pdflatex it is an external tool: skipped on a developer's
machine without it, a failure in CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import in_ci, require_tool
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from kl_derive import derive

JS = Path(__file__).parent / "js"

CASES = [
    ("normal", None, None),
    ("normal(mu1, sigma1)", "normal(mu2, sigma2)", None),
    ("normal", None, "logvar"),
    ("normal(m, exp(s))", None, None),
    ("diag_normal", None, None),
    ("diag_normal", None, "logvar"),
    ("diag_normal([m1, m2], [s1, s2])", "diag_normal([a1, a2], [b1, b2])", None),
    ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)", None),
    ("multivariate_normal([m1, m2], [[s11, s12], [s12, s22]])", None, None),
]


def _katex() -> Path:
    node = require_tool("node")
    if not (JS / "node_modules" / "katex").is_dir():
        message = "KaTeX is not installed: run `npm ci --prefix tests/js`"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return Path(node)


def render_with_katex(blocks: list[tuple[str, bool]]) -> list[dict]:
    node = _katex()
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in blocks])
    done = subprocess.run(
        [str(node), str(JS / "render_math.js")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def math_tokens(markdown: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """(math blocks as (tex, display), the text of the prose) as markdown-it-py sees them."""
    parser = MarkdownIt("commonmark").use(dollarmath_plugin, double_inline=True)
    blocks: list[tuple[str, bool]] = []
    prose: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type in ("math_block", "math_block_label"):
                blocks.append((token.content, True))
            elif token.type in ("math_inline", "math_inline_double"):
                blocks.append((token.content, token.type == "math_inline_double"))
            elif token.type == "text":
                prose.append(token.content)
            if token.children:
                walk(token.children)

    walk(parser.parse(markdown))
    return blocks, prose


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, str], str]:
    out = {}
    for p, q, param in CASES:
        d = derive(p, q, param=param)
        for lang in ("en", "ko"):
            out[(f"{p} | {q} | {param}", lang)] = d.to_markdown(lang)
    return out


def test_markdown_it_finds_every_display_block(outputs) -> None:
    for key, markdown in outputs.items():
        blocks, prose = math_tokens(markdown)
        displays = [tex for tex, display in blocks if display]
        assert len(displays) == markdown.count("\n$$\n") // 2 + markdown.startswith("$$"), key
        # a $ left in the prose would be math the parser did not recognise
        assert not any("$" in text for text in prose), (key, [t for t in prose if "$" in t])
        assert all(r"\begin{aligned}" in tex or "D_{" in tex for tex in displays), key


def test_every_math_block_renders_with_katex(outputs) -> None:
    blocks: list[tuple[str, bool]] = []
    owners: list[tuple[str, str]] = []
    for key, markdown in outputs.items():
        found, _ = math_tokens(markdown)
        blocks.extend(found)
        owners.extend([key] * len(found))
    assert len(blocks) > 200  # every case has dozens of blocks
    results = render_with_katex(blocks)
    failures = [
        (owners[i], blocks[i][0][:120], r["error"]) for i, r in enumerate(results) if not r["ok"]
    ]
    assert not failures, failures[:5]


def test_json_step_latex_renders_with_katex() -> None:
    data = json.loads(derive("normal").to_json())
    blocks = [(step["latex"], True) for step in data["steps"]]
    blocks.append((data["result"]["latex"], True))
    results = render_with_katex(blocks)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:3]


def test_katex_check_can_fail() -> None:
    """The harness really rejects what KaTeX rejects (guards a vacuous pass)."""
    results = render_with_katex([(r"\log{\left(\sigma \right)}", True), (r"\notacommand", True)])
    assert results[0]["ok"] and not results[1]["ok"]


def test_python_markdown_arithmatex_keeps_every_block_unchanged(outputs) -> None:
    """MkDocs' Markdown (Python-Markdown + pymdownx.arithmatex, generic mode) must hand
    each math block to the browser exactly as we wrote it."""
    import html as html_module
    import re

    markdown = pytest.importorskip("markdown")
    for key, text in outputs.items():
        page = markdown.markdown(
            text,
            extensions=["pymdownx.arithmatex"],
            extension_configs={"pymdownx.arithmatex": {"generic": True}},
        )
        displays = [
            html_module.unescape(b).strip()
            for b in re.findall(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', page, flags=re.S)
        ]
        ours, _ = math_tokens(text)
        expected = [tex.strip() for tex, display in ours if display]
        assert displays == expected, key
