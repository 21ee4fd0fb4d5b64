"""The built wheel installs into a fresh virtual environment and works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import FINAL_LATEX, ROOT, clean_env, has_latex

pytestmark = [pytest.mark.external, pytest.mark.slow]

REQUIRED = (
    "kl_derive/__init__.py",
    "kl_derive/cli.py",
    "kl_derive/templates/latex.tex.j2",
    "kl_derive/templates/latex_standalone.tex.j2",
    "kl_derive/templates/markdown.md.j2",
    "kl_derive/templates/json.json.j2",
    "kl_derive/templates/partials/latex_body.tex.j2",
    "kl_derive/messages/en.toml",
)


def run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out)], cwd=out)
    (built,) = out.glob("kl_derive-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its dependencies."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", str(wheel)], cwd=env_dir)
    return env_dir


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in REQUIRED if name not in names]
    assert not missing, missing
    assert not any(name.startswith(("tests/", "templates/")) for name in names)
    if (ROOT / "kl_derive" / "messages" / "ko.toml").is_file():
        assert "kl_derive/messages/ko.toml" in names


def test_console_script_outside_checkout(installed: Path, tmp_path: Path) -> None:
    done = run([str(installed / "bin" / "kl-derive"), "normal", "--to", "latex"], cwd=tmp_path)
    assert has_latex(done.stdout, FINAL_LATEX), done.stdout[-500:]
    assert done.stderr == ""


def test_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = "import kl_derive, sys; print(kl_derive.__file__)"
    done = run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path)
    location = Path(done.stdout.strip()).resolve()
    assert installed.resolve() in location.parents
    assert ROOT not in location.parents


def test_installed_formats_and_languages(installed: Path, tmp_path: Path) -> None:
    script = str(installed / "bin" / "kl-derive")
    for args in (
        ["normal", "--to", "markdown"],
        ["normal", "--to", "json"],
        ["normal(m, exp(s))", "--to", "latex", "--standalone"],
    ):
        assert run([script, *args], cwd=tmp_path).stdout
    if (ROOT / "kl_derive" / "messages" / "ko.toml").is_file():
        assert run([script, "normal", "--lang", "ko"], cwd=tmp_path).stdout
