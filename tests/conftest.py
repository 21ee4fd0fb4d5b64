"""Shared helpers for the kl-derive test suite.

``require_tool`` implements the external-tool policy: a test that needs a program which
is not installed is skipped on a developer's machine but fails in CI, where every tool
the suite uses must be present.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "kl_derive" / "messages"
ARTIFACTS = ROOT / "test-artifacts"

#: The closing formula of ``kl-derive normal --to latex`` (compare with :func:`has_latex`).
FINAL_LATEX = r"\frac{1}{2} \left(\mu^{2} + \sigma^{2} - \log \sigma^{2} - 1\right)"

_FALSY = {"", "0", "false", "no", "off"}

#: the test modules of the whole suite only, left out of the inner loop
#: (``python -m pytest -q -n 2 -m "not slow"``, see CONTRIBUTING.md): real renderers
#: (pdflatex, Typst, Chromium, nbconvert, Sphinx, MkDocs), sweeps over the catalog or the
#: bad-input matrix, independent numerics (quadrature, generated code) over many pairs,
#: explicit matrices, and tests that start many processes or build wheels; chosen by
#: their measured durations. A slow test in another module carries ``@pytest.mark.slow``.
SLOW_MODULES = frozenset(
    {
        "test_bad_input.py",
        "test_batch.py",
        "test_bregman.py",
        "test_cache.py",
        "test_catalog.py",
        "test_catalog_discrete.py",
        "test_check_cli.py",
        "test_check_corpus.py",
        "test_check_precommit.py",
        "test_cli.py",
        "test_codegen.py",
        "test_codegen_divergences.py",
        "test_conditional.py",
        "test_detail_layout.py",
        "test_determinism.py",
        "test_direct_integration.py",
        "test_entropy.py",
        "test_examples.py",
        "test_gaussian_cases.py",
        "test_html_browser.py",
        "test_json_roundtrip.py",
        "test_latex_compile.py",
        "test_layout.py",
        "test_low_rank.py",
        "test_markdown_render.py",
        "test_mellin.py",
        "test_multinomial_logits.py",
        "test_notebooks.py",
        "test_plot.py",
        "test_property_numeric.py",
        "test_sites.py",
        "test_startup.py",
        "test_torch_crosscheck.py",
        "test_typst.py",
        "test_von_mises.py",
        "test_wheel.py",
        "test_wishart.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of :data:`SLOW_MODULES` ``slow``."""
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets an empty cache folder of its own (``KL_DERIVE_CACHE_DIR``, inherited
    by the processes it starts): no test reads or fills the user's cache, and no test sees
    what another one cached."""
    folder = tmp_path_factory.mktemp("kl-derive-cache")
    monkeypatch.setenv("KL_DERIVE_CACHE_DIR", str(folder))
    monkeypatch.delenv("KL_DERIVE_NO_CACHE", raising=False)
    return folder


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI`` set to anything truthy)."""
    return os.environ.get("CI", "").strip().lower() not in _FALSY


def require_tool(name: str) -> str:
    """The path of the program ``name``; skip the test without it (fail in CI)."""
    path = shutil.which(name)
    if path is None:
        if in_ci():
            pytest.fail(f"{name} is required in CI")
        pytest.skip(f"{name} is not installed")
    return path


def require_latex_package(name: str) -> None:
    """Skip (fail in CI) unless the LaTeX package ``name`` is installed."""
    kpsewhich = require_tool("kpsewhich")
    found = subprocess.run(
        [kpsewhich, f"{name}.sty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not found:
        message = f"the LaTeX package {name} is not installed"
        if in_ci():
            pytest.fail(f"{message}; it is required in CI")
        pytest.skip(message)


def console_script() -> str:
    """The ``kl-derive`` console script of the running interpreter's installation."""
    beside = Path(sysconfig.get_path("scripts")) / "kl-derive"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return require_tool("kl-derive")


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without variables that change kl-derive's behaviour."""
    env = {k: v for k, v in os.environ.items() if k not in {"KL_DERIVE_DEBUG", "PYTHONPATH"}}
    env.update(extra)
    return env


#: seconds after which a command a test starts is taken to hang: a guard against a hang,
#: not a measure of speed, so it is far above any derivation's time on a machine with two
#: busy processes beside the suite (a 120 s guard failed a Student-t derivation at load 15)
HANG_GUARD = 900


def run_module(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = HANG_GUARD,
) -> subprocess.CompletedProcess[str]:
    """``python -m kl_derive ARGS`` in a subprocess."""
    return run_python(["-m", "kl_derive", *args], env=env, cwd=cwd, timeout=timeout)


_HEAVY_MODULES = """
import sys
from kl_derive.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    status = done.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("sympy", "jinja2"))
print(f"STATUS {status} LOADED {heavy}", file=sys.stderr)
"""


def heavy_modules_loaded(args: Sequence[str], *, cwd: Path) -> tuple[str, str]:
    """Run the command ``kl-derive ARGS`` in a fresh interpreter; return its standard output
    and the last line of its standard error: its exit status and the SymPy and Jinja
    modules it loaded (``STATUS 0 LOADED []`` when it needed neither)."""
    done = run_python(["-c", _HEAVY_MODULES, *args], cwd=cwd)
    return done.stdout, done.stderr.splitlines()[-1]


def run_python(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = HANG_GUARD,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` (the running interpreter) in a subprocess, text in and out."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env if env is not None else clean_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def squash(latex: str) -> str:
    """LaTeX without whitespace: spacing between control sequences is not content."""
    return re.sub(r"\s+", "", latex)


def has_latex(text: str, latex: str) -> bool:
    """Whether ``text`` contains the LaTeX ``latex``, up to whitespace."""
    return squash(latex) in squash(text)


def has_catalog(lang: str) -> bool:
    return (MESSAGES / f"{lang}.toml").is_file()


def run_pdflatex(
    workdir: Path, main: str, timeout: float = 180
) -> tuple[subprocess.CompletedProcess, str]:
    """Compile ``workdir/main`` once with pdflatex (halting on the first error); return the
    finished process and the log's text."""
    pdflatex = require_tool("pdflatex")
    done = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", main],
        cwd=workdir,
        capture_output=True,
        text=True,
        errors="replace",  # TeX writes Korean to its terminal as raw bytes
        timeout=timeout,
        check=False,
    )
    log = workdir / (Path(main).stem + ".log")
    return done, log.read_text(errors="replace") if log.is_file() else done.stdout


def compile_fragments(workdir: Path, fragments: Sequence[str], lang: str) -> None:
    """Assert that LaTeX fragments, each ``\\input`` on a page of its own in one article
    (``kotex`` for Korean), compile with pdflatex without a lost character."""
    parts = []
    for i, fragment in enumerate(fragments):
        (workdir / f"part{i}.tex").write_text(fragment, encoding="utf-8")
        parts.append(f"\\clearpage\n\\input{{part{i}}}\n")
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    (workdir / "all.tex").write_text(
        "\\documentclass{article}\n"
        f"{korean}"
        "\\usepackage{amsmath,amssymb}\n"
        "\\tracinglostchars=3\n"
        "\\begin{document}\n" + "".join(parts) + "\\end{document}\n",
        encoding="utf-8",
    )
    done, log = run_pdflatex(workdir, "all.tex")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log
    assert (workdir / "all.pdf").stat().st_size > 10_000


def katex_blocks(derivations: Sequence, lang: str) -> list[tuple[str, bool]]:
    """Every math block of the derivations' Markdown, after asserting that KaTeX renders
    each in strict mode; the blocks are returned for further checks."""
    from test_markdown_render import math_tokens, render_with_katex

    blocks, owners = [], []
    for derivation in derivations:
        found, _prose = math_tokens(derivation.to_markdown(lang))
        blocks += found
        owners += [derivation.title] * len(found)
    results = render_with_katex(blocks)
    failures = [
        (owners[i], blocks[i][0][:100], r["error"]) for i, r in enumerate(results) if not r["ok"]
    ]
    assert not failures, failures[:5]
    return blocks


def rendering_tests(derivations: Callable[[], Sequence]) -> tuple[Callable, Callable]:
    """The two real-renderer tests of a module's derivations, in English and Korean: the
    Markdown's every math block through KaTeX in strict mode, and the LaTeX compiled by
    pdflatex without a lost character (both ``slow``). A test module binds them to its
    own names so that pytest collects them there::

        test_markdown_renders_with_katex, test_latex_compiles_with_pdflatex = (
            rendering_tests(_all_derivations)
        )
    """

    @pytest.mark.slow
    @pytest.mark.parametrize("lang", ["en", "ko"])
    def test_markdown_renders_with_katex(lang: str) -> None:
        assert katex_blocks(derivations(), lang)

    @pytest.mark.slow
    @pytest.mark.parametrize("lang", ["en", "ko"])
    def test_latex_compiles_with_pdflatex(tmp_path, lang: str) -> None:
        compile_fragments(tmp_path, [d.to_latex(lang) for d in derivations()], lang)

    return test_markdown_renders_with_katex, test_latex_compiles_with_pdflatex


def accepted_false_steps(draft, mutations: dict) -> list[str]:
    """The steps of ``draft`` that the verifier still accepts after a mutation of their
    right side: ``mutations`` maps a name to a function of ``after`` (``lambda e: e + 1``);
    a mutation that changes nothing (``2 * 0``) is left out."""
    from dataclasses import replace

    from kl_derive.errors import VerificationError
    from kl_derive.steps.verify import verify_step

    accepted = []
    for stage in draft.stages:
        for step in stage.steps:
            for name, mutate in mutations.items():
                after = mutate(step.after)
                if after == step.after:
                    continue
                try:
                    verify_step(replace(step, after=after), draft.contexts[step.facts])
                except VerificationError:
                    continue
                accepted.append(f"{stage.key}:{step.rule} {name}")
    return accepted


def one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Assert that a ``kl-derive`` run failed the way bad input must: exit status 2,
    nothing on stdout, one line on stderr (``kl-derive: error: ...``, no traceback)
    holding every fragment; return that line."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    (line,) = lines
    assert line.startswith("kl-derive: error: "), line
    assert "internal error" not in line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def require_module(name: str):
    """The Python module ``name`` (a test extra such as nbconvert or typst, or torch, the
    extra ``torch``); skip the test without it, fail in CI, where ``.ci/run`` installs it."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        if in_ci():
            pytest.fail(f"the Python package {name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
