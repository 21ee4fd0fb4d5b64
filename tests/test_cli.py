"""The ``kl-derive`` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import (
    FINAL_LATEX,
    clean_env,
    console_script,
    has_catalog,
    has_latex,
    one_line_error,
    run_module,
    squash,
)

import kl_derive

Runner = Callable[..., subprocess.CompletedProcess[str]]


def run_script(args: Sequence[str], *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["module", "script"])
def run(request: pytest.FixtureRequest) -> Runner:
    """Run the CLI as ``python -m kl_derive`` and as the ``kl-derive`` console script."""
    return run_module if request.param == "module" else run_script


# ---------------------------------------------------------------------------
# success
# ---------------------------------------------------------------------------


def test_latex(run: Runner, tmp_path: Path) -> None:
    done = run(["normal", "--to", "latex"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert has_latex(done.stdout, FINAL_LATEX), done.stdout[-400:]
    assert r"\begin{align*}" in done.stdout


def test_default_format_is_latex(tmp_path: Path) -> None:
    done = run_module(["normal"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run_module(["normal", "--to", "latex"], cwd=tmp_path).stdout


def test_markdown_and_json(tmp_path: Path) -> None:
    import json

    md = run_module(["normal", "--to", "markdown"], cwd=tmp_path)
    assert md.returncode == 0, md.stderr
    assert "$$" in md.stdout and has_latex(md.stdout, FINAL_LATEX)
    js = run_module(["normal", "--to", "json"], cwd=tmp_path)
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert squash(data["result"]["latex"]) == squash(FINAL_LATEX)
    assert all(step["verified"] for step in data["steps"])


def test_two_distributions(tmp_path: Path) -> None:
    done = run_module(["normal(mu, sigma)", "normal(0, 1)", "--to", "latex"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run_module(["normal", "--to", "latex"], cwd=tmp_path).stdout


def test_output_file(run: Runner, tmp_path: Path) -> None:
    target = tmp_path / "kl.tex"
    done = run(["normal", "--to", "latex", "-o", str(target)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    written = target.read_text(encoding="utf-8")
    assert has_latex(written, FINAL_LATEX)
    assert written == run_module(["normal", "--to", "latex"], cwd=tmp_path).stdout


def test_version(run: Runner) -> None:
    done = run(["--version"])
    assert done.returncode == 0, done.stderr
    assert kl_derive.__version__ in done.stdout
    assert "kl-derive" in done.stdout


def test_help(run: Runner) -> None:
    done = run(["--help"])
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    for option in ("--to", "--lang", "--output", "--standalone", "normal(m, exp(s))"):
        assert option in done.stdout


# ---------------------------------------------------------------------------
# errors: status 2, exactly one line on stderr, no traceback
# ---------------------------------------------------------------------------

ERRORS: list[tuple[list[str], list[str]]] = [
    (["nrmal"], ["did you mean 'normal'", "nrmal"]),
    (["normal(0)"], ["normal(0)"]),
    (["normal(0, -1)"], ["positive"]),
    (["normal(0, 0)"], ["positive"]),
    (["normal(mu, sigma)", "normal(0, -2)"], ["positive"]),
    (["normal(mu,,)"], ["normal(mu,,)"]),
    (["normal(z, 1)"], ["reserved"]),
    (["normal(__import__('os'), 1)"], ["__import__"]),
    (["normal", "--to", "pdf"], ["'pdf'", "latex"]),
    (["normal", "--to", "latx"], ["did you mean 'latex'"]),
    (["normal", "--to", "markdwn"], ["did you mean 'markdown'"]),
    (["normal", "--lang", "xx"], ["'xx'"]),
    (["normal", "--lang", "kr"], ["'kr'"]),
    (["normal", "--to", "markdown", "--standalone"], ["--standalone"]),
    (["normal", "--to", "json", "--standalone"], ["--standalone"]),
    (["normal", "--bogus"], ["--bogus"]),
    (["normal", "normal", "normal"], []),
    ([], []),
    (["normal", "--template-dir", "/nonexistent/kl-derive-templates"], ["template"]),
]


@pytest.mark.parametrize(
    ("args", "expected"), ERRORS, ids=[" ".join(a) or "no-args" for a, _ in ERRORS]
)
def test_error(run: Runner, args: list[str], expected: list[str]) -> None:
    one_line_error(run(args), *expected)


def test_unknown_language_suggestion() -> None:
    line = one_line_error(run_module(["normal", "--lang", "kr"]), "'kr'")
    if has_catalog("ko"):
        assert "did you mean 'ko'" in line


def test_output_into_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    """``-o`` into a directory that does not exist is the user's mistake, not an internal
    error: status 2 and one plain line, like every other failure the user can cause."""
    target = tmp_path / "no" / "such" / "dir" / "kl.tex"
    one_line_error(run_module(["normal", "-o", str(target)]))
    assert not target.exists()


def test_debug_variable_is_not_needed_for_errors() -> None:
    # with KL_DERIVE_DEBUG unset, even a bad spec never shows a traceback
    done = run_module(["normal(lambda: 1, 1)"])
    one_line_error(done, "lambda")


# ---------------------------------------------------------------------------
# start-up: --help and --version do not import SymPy
# ---------------------------------------------------------------------------


def imported_modules(args: Sequence[str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kl_derive", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "kl_derive.cli" in modules  # the report is what we think it is
    return modules


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_no_sympy_at_startup_importtime(flag: str) -> None:
    modules = imported_modules([flag])
    heavy = sorted(m for m in modules if m.split(".")[0] in {"sympy", "mpmath", "jinja2"})
    assert not heavy, heavy


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_no_sympy_at_startup_sys_modules(flag: str) -> None:
    code = (
        "import sys\n"
        "from kl_derive.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "else:\n"
        "    raise AssertionError('main returned')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'sympy')\n"
        "assert not loaded, loaded[:5]\n"
        "print('clean')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("clean")


def test_importtime_sees_sympy_when_deriving() -> None:
    # the start-up checks above can fail: a real derivation does load SymPy
    assert "sympy" in imported_modules(["normal", "--to", "json"])
