"""``kl-derive check`` on files and folders: a linter over a small fake project.

The project has a PyTorch VAE (a right KL and a buggy one), a Keras loss whose KL term
spans three statements, an RLHF trainer and a PPO loop, a learned-prior VAE, code that is
not a KL at all (a reparametrization, an entropy, a library KL), a suppressed line, a
file with a syntax error, one that is not UTF-8 and a virtual environment that must not
be walked into. Files are parsed, never imported: the project imports modules that do
not exist here.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import clean_env

from kl_derive.check.lint import Finding, lint_paths, lint_source

PROJECT = {
    "src/models/vae.py": """
        import torch
        import torch.nn.functional as F


        class VAE(torch.nn.Module):
            def reparameterize(self, mu, logvar):
                std = torch.exp(0.5 * logvar)
                eps = torch.randn_like(std)
                return mu + eps * std

            def loss_function(self, recon_x, x, mu, logvar):
                BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
                KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
                return BCE + KLD


        def kl_divergence(mu, logvar):
            return -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        """,
    "src/models/keras_vae.py": """
        from tensorflow.keras import backend as K


        def vae_loss(x, x_decoded_mean, z_mean, z_log_var):
            xent_loss = original_dim * metrics.binary_crossentropy(x, x_decoded_mean)
            kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
            kl_loss = K.sum(kl_loss, axis=-1)
            kl_loss *= -0.5
            return K.mean(xent_loss + kl_loss)
        """,
    "src/models/cvae.py": """
        def kl_term(recog_mu, recog_logvar, prior_mu, prior_logvar):
            kld = 0.5 * torch.sum(recog_logvar - prior_logvar + (torch.exp(prior_logvar)
                + (prior_mu - recog_mu).pow(2)) / torch.exp(recog_logvar) - 1, dim=1)
            return kld.mean()
        """,
    "src/rlhf/trainer.py": """
        def compute_rewards(scores, logprobs, ref_logprobs, kl_coef):
            kl = logprobs - ref_logprobs
            non_score_reward = -kl_coef * kl
            return scores + non_score_reward


        def kl_penalty(logprobs, ref_logprobs):
            log_ratio = logprobs - ref_logprobs
            ratio = torch.exp(log_ratio)
            return ((ratio - 1) - log_ratio).mean()


        def ppo_step(new_logprobs, old_logprobs):
            logratio = new_logprobs - old_logprobs
            ratio = logratio.exp()
            approx_kl = ((ratio - 1) - logratio).mean()
            return ratio.clamp(0.8, 1.2), approx_kl
        """,
    "src/other.py": """
        def entropy(probs):
            return -(probs * torch.log(probs)).sum(-1)

        def library(q, p):
            kl = torch.distributions.kl_divergence(q, p).sum()
            return kl

        loss = -0.5 * torch.sum(1 + logvar - mu.pow(2))  # kl-derive: ignore
        """,
    "src/broken.py": """
        def f(:
            pass
        """,
    ".venv/lib/site.py": """
        kl = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        """,
    "notes.txt": "not python",
}

EXPECTED = [
    ("src/broken.py", 2, "error"),
    ("src/models/cvae.py", 5, "incorrect"),  # the mean of a reversed KL
    ("src/models/keras_vae.py", 9, "correct"),
    ("src/models/vae.py", 14, "correct"),
    ("src/models/vae.py", 19, "incorrect"),
    ("src/rlhf/trainer.py", 3, "correct"),
    ("src/rlhf/trainer.py", 11, "incorrect"),
    ("src/rlhf/trainer.py", 17, "correct"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (tmp_path / "src" / "latin1.py").write_bytes(
        b"# -*- coding: latin-1 -*-\n# caf\xe9\nkl = -0.5 * torch.sum(1 + logvar - mu**2)\n"
    )
    (tmp_path / "src" / "bad_bytes.py").write_bytes(b"kl = 1\n\xff\xfe\x00\n")
    return tmp_path


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kl_derive", "check", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
        check=False,
        cwd=cwd,
        input=stdin,
    )


def _where(finding: Finding) -> tuple[str, int, str]:
    return finding.path.replace("\\", "/"), finding.line, finding.verdict


def test_the_linter_finds_and_checks_every_kl_term(project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project)
    findings, status = lint_paths(["src"])
    found = [_where(f) for f in findings]
    expected = [*EXPECTED, ("src/latin1.py", 3, "incorrect"), ("src/bad_bytes.py", 0, "error")]
    assert sorted(found) == sorted(expected), found
    assert status == 2  # an unreadable file wins over a wrong KL
    by_place = {(f.path, f.line): f for f in findings}
    keras = by_place[("src/models/keras_vae.py", 9)]
    assert keras.report is not None and keras.report.mistakes == ()
    assert by_place[("src/models/vae.py", 19)].report.mistakes == ("missing_half",)
    assert by_place[("src/rlhf/trainer.py", 11)].report.mistakes == ("inverted_ratio",)
    assert by_place[("src/models/cvae.py", 5)].report.mistakes == ("reversed_direction",)
    assert "syntax error" in by_place[("src/broken.py", 2)].message


def test_the_command_prints_one_line_per_finding_with_the_status(project: Path) -> None:
    done = run("src/models", "src/rlhf", cwd=project)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        "src/models/cvae.py:5",
        "src/models/keras_vae.py:9",
        "src/models/vae.py:14",
        "src/models/vae.py:19",
        "src/rlhf/trainer.py:3",
        "src/rlhf/trainer.py:11",
        "src/rlhf/trainer.py:17",
    ]
    assert lines[3].startswith("src/models/vae.py:19: incorrect (missing 1/2): ")
    assert lines[5].startswith("src/rlhf/trainer.py:11: incorrect (ratio inverted in k3): ")
    assert done.stderr == ""


@pytest.mark.slow
def test_status_is_zero_when_every_term_is_right_and_quiet_hides_them(project: Path) -> None:
    done = run("src/models/keras_vae.py", cwd=project)
    assert (done.returncode, done.stdout.count("\n")) == (0, 1), done.stdout
    quiet = run("-q", "src/models/keras_vae.py", "src/other.py", cwd=project)
    assert (quiet.returncode, quiet.stdout) == (0, "")
    wrong = run("--quiet", "src/models", cwd=project)
    assert wrong.returncode == 1
    assert [line.split(":")[1] for line in wrong.stdout.splitlines()] == ["5", "19"]


def test_a_syntax_error_or_a_missing_file_is_status_2(project: Path) -> None:
    done = run("src/broken.py", cwd=project)
    assert done.returncode == 2
    assert done.stdout == "src/broken.py:2: error: syntax error: invalid syntax\n"
    missing = run("src/absent.py", "src/models/keras_vae.py", cwd=project)
    assert missing.returncode == 2
    assert "src/absent.py: error: no such file or directory" in missing.stdout
    assert "keras_vae.py:9: correct" in missing.stdout  # the other files are still checked


def test_files_are_parsed_never_imported_or_run(project: Path) -> None:
    marker = project / "ran"
    (project / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp())\n"
    )
    done = run("evil.py", cwd=project)
    assert done.returncode == 0 and "evil.py:2: correct" in done.stdout
    assert not marker.exists()


def test_standard_input_holding_a_file_is_linted(project: Path) -> None:
    text = (project / "src/models/vae.py").read_text()
    done = run("-", cwd=project, stdin=text)
    assert done.returncode == 1
    assert [line.split(": ")[0] for line in done.stdout.splitlines()] == [
        "<stdin>:14",
        "<stdin>:19",
    ]


def test_fifty_files_in_one_call(tmp_path: Path) -> None:
    for k in range(50):
        wrong = k % 10 == 0
        factor = "-1.0" if wrong else "-0.5"
        (tmp_path / f"m{k:02d}.py").write_text(
            f"def loss(mu, logvar):\n"
            f"    kld = {factor} * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)\n"
            f"    return kld.mean()\n"
        )
    findings, status = lint_paths([str(tmp_path)])
    assert len(findings) == 50 and status == 1
    assert [f.line for f in findings] == [3] * 50
    assert sum(f.verdict == "incorrect" for f in findings) == 5


def test_lint_source_reads_nested_functions_and_loops() -> None:
    source = textwrap.dedent(
        """
        def outer(layers):
            kl = 0
            for mu_q, logvar_q, mu_p, logvar_p in layers:
                kl += 0.5 * torch.sum(logvar_p - logvar_q
                    + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1)
            def inner(mu, logvar):
                kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
                return kld
            return kl
        """
    )
    findings = lint_source(source, "x.py")
    assert [(f.line, f.verdict) for f in findings] == [(9, "correct"), (10, "correct")]
    assert findings[1].report.kind == "normal_pair"
