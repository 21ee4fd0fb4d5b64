"""The pre-commit hook: ``.pre-commit-hooks.yaml`` runs ``kl-derive check`` on the files of a
commit, and pre-commit itself installs and runs it (slow: it builds an environment)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, clean_env, require_tool

from kl_derive.cli_check import check_command

GOOD = "def loss(mu, logvar):\n    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n"
BAD = "def kl_loss(mu, logvar):\n    return -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n"


def test_the_hook_definition() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "kl-derive-check"
    assert hook["entry"] == "kl-derive check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    # pre-commit appends file names (and a user's args) to the entry: all must be options
    known = {o for p in check_command.params for o in (*p.opts, *p.secondary_opts)}
    assert set(hook.get("args", [])) <= known


@pytest.mark.external
@pytest.mark.slow
def test_pre_commit_runs_the_hook(tmp_path: Path) -> None:
    pre_commit = require_tool("pre-commit")
    if not (ROOT / ".git").exists():
        pytest.skip("the hook is tried from a git checkout")
    project = tmp_path / "project"
    project.mkdir()
    (project / "good.py").write_text(GOOD)
    (project / "bad.py").write_text(BAD)
    env = clean_env(PRE_COMMIT_HOME=str(tmp_path / "cache"))
    git = shutil.which("git") or "git"
    subprocess.run([git, "init", "-q"], cwd=project, check=True, env=env)

    def hook(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [pre_commit, "try-repo", str(ROOT), "kl-derive-check", "--files", *files],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )

    passed = hook("good.py")
    assert passed.returncode == 0, passed.stdout[-2000:] + passed.stderr[-2000:]
    failed = hook("good.py", "bad.py")
    assert failed.returncode == 1
    assert "bad.py:2: incorrect (missing 1/2)" in failed.stdout
    assert "good.py:2: correct" in failed.stdout
