"""The ``code`` and ``check`` subcommands, as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import clean_env


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kl_derive", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "line",
    [
        "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",  # PyTorch's VAE example
        "-0.5 * tf.reduce_sum(1 + logvar - tf.square(mu) - tf.exp(logvar), axis=1)",
        "-0.5 * sum(1 + logvar - mu**2 - exp(logvar))",
    ],
)
@pytest.mark.slow
def test_check_accepts_correct_lines_written_with_a_leading_minus(line: str) -> None:
    done = run("check", line)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("correct")


@pytest.mark.slow
def test_check_options_may_come_before_or_after_the_line() -> None:
    line = "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"
    assert run("check", "--param", "logvar", line).returncode == 0
    assert run("check", line, "--param=logvar").returncode == 0


def test_check_names_the_mistake_and_gives_a_counterexample() -> None:
    done = run("check", "-sum(1 + logvar - mu**2 - exp(logvar))")
    assert done.returncode == 1
    assert len(done.stdout.strip().splitlines()) == 1
    assert "missing" in done.stdout and "at mu=" in done.stdout


@pytest.mark.parametrize(
    "line", ["__import__('os').system('echo hi')", "open('/etc/passwd').read()", "lambda: 1", ""]
)
@pytest.mark.slow
def test_check_refuses_bad_input_in_one_line(line: str) -> None:
    done = run("check", line) if line else run("check")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("kl-derive: error:")
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_code_prints_numpy_that_computes_the_kl() -> None:
    done = run("code", "normal", "--framework", "numpy", "--param", "logvar")
    assert done.returncode == 0, done.stderr
    namespace: dict = {}
    exec(compile(done.stdout, "generated", "exec"), namespace)  # our own generated code
    mu = np.array([[0.5, -1.0], [0.0, 2.0]])
    logvar = np.array([[0.3, -0.7], [0.0, 1.0]])
    expected = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
    np.testing.assert_allclose(namespace["kl_divergence"](mu, logvar), expected, rtol=1e-12)


def test_code_rejects_an_unknown_framework() -> None:
    done = run("code", "normal", "--framework", "pytorch")
    assert done.returncode == 2
    assert "did you mean 'torch'" in done.stderr


def test_pairs_lists_the_derivable_pairs_without_sympy() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom kl_derive.cli import main\ntry:\n    main(['pairs'])\n"
            "except SystemExit:\n    pass\nprint('sympy' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "False"
    assert any(line.startswith("normal || normal") and "moments" in line for line in lines)
    assert any(line.startswith("multivariate_normal || multivariate_normal") for line in lines)


def test_families_lists_parameters_support_and_notation() -> None:
    done = run("families")
    assert done.returncode == 0, done.stderr
    assert "normal(loc, scale)" in done.stdout
    assert r"\mathcal{N}(\mu, \sigma^{2})" in done.stdout
    assert "multivariate_normal(loc, covariance_matrix)" in done.stdout


def test_an_underivable_pair_points_to_pairs() -> None:
    # (normal || diag_normal is derived since issue 17: the law in every coordinate)
    done = run("normal", "wishart")
    assert done.returncode == 2 and "kl-derive pairs" in done.stderr
