#!/usr/bin/env python3
"""Benchmark of ``kl-derive check``: one line, a block, and a 50-file project, against SymPy.

Run it with the interpreter kl-derive is installed in::

    python bench/check.py               # table, ratios, PASS/FAIL; always exits 0
    python bench/check.py --check       # exit 1 if a target is missed
    python bench/check.py --json        # the results as JSON
    python bench/check.py --repeat 9    # more samples per command

What is measured: the wall time of whole, fresh processes started one after another, as a
user waits for them. The commands are

    A  python -c "import sympy"                   what SymPy alone costs
    L  kl-derive check "<a correct line>"         the PyTorch VAE example (exit 0)
    W  kl-derive check "<a wrong line>"           a missing 1/2: counterexample, mistake (exit 1)
    K  kl-derive check "<a block>"                Keras' three-statement KL term (exit 0)
    T  kl-derive check TREE                       a generated project of 50 files (exit 1)

They run ``--repeat`` times (default 7), interleaved A, L, W, K, T, A, ... so that drift of
a shared machine falls on all alike, after one untimed warm-up round; medians are
compared, and every run's exit status and output are checked. The ratios to A are
measured in the same run. Targets: L / A <= 1.5 and W / A <= 1.5 (checking one line costs
at most half as much again as importing SymPy); T is reported (50 files are checked in one
process, so T is far below 50 times L).

As in ``bench/bench.py``, Python's bytecode goes to a private temporary folder
(``PYTHONPYCACHEPREFIX``), compiled in the warm-up round; nothing else is cached between
processes. The 50-file tree is written to a temporary folder: each file is a small model
module with a reparametrization, a loss function and one or two KL terms (one file in ten
has a bug), about 40 lines, like a research project's models folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TARGET = 1.5
LINE = "KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"
WRONG = "KLD = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"
BLOCK = (
    "kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)\n"
    "kl_loss = K.sum(kl_loss, axis=-1)\n"
    "kl_loss *= -0.5\n"
)

MODULE = '''"""Model {k}: an encoder, a decoder and the loss."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Model{k}(nn.Module):
    def __init__(self, latent_dim=16):
        super().__init__()
        self.fc_mu = nn.Linear(256, latent_dim)
        self.fc_logvar = nn.Linear(256, latent_dim)
        self.beta = {beta}

    def encode(self, h):
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def loss_function(self, recon_x, x, mu, logvar):
        recon = F.mse_loss(recon_x, x, reduction="sum")
        kld = {factor} * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
        kld = kld.mean()
        return recon + self.beta * kld


def prior_kl(mu_q, logvar_q, mu_p, logvar_p):
    kl = 0.5 * torch.sum(logvar_p - logvar_q
        + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1, dim=-1)
    return kl


def kl_penalty(logprobs, ref_logprobs, mask):
    log_ratio = logprobs - ref_logprobs
    kl = (torch.exp(-log_ratio) - 1 + log_ratio) * mask
    return kl.sum(-1) / mask.sum(-1)
'''


def write_tree(root: Path, files: int = 50) -> None:
    """The generated project: ``files`` modules, one in ten with a missing 1/2."""
    for k in range(files):
        factor = "-1.0" if k % 10 == 3 else "-0.5"
        folder = root / f"pkg{k // 10}"
        folder.mkdir(parents=True, exist_ok=True)
        text = MODULE.format(k=k, beta=1 + k % 4, factor=factor)
        (folder / f"model_{k:02d}.py").write_text(text)


def console_script() -> str:
    name = "kl-derive.exe" if os.name == "nt" else "kl-derive"
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("kl-derive")
    if found is None:
        sys.exit("bench/check.py: no kl-derive console script found")
    return found


def run(argv: list[str], status: int, expect: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    wall = time.perf_counter() - start
    if done.returncode != status or expect not in done.stdout:
        sys.exit(
            f"bench/check.py: {argv[1:]} gave status {done.returncode} (expected {status}); "
            f"stdout {done.stdout[:300]!r}; stderr {done.stderr[-300:]!r}"
        )
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    script = console_script()
    with tempfile.TemporaryDirectory(prefix="kl-derive-bench-") as tmp:
        tree = Path(tmp) / "project"
        write_tree(tree)
        env = {**os.environ, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("KL_DERIVE_DEBUG", None)
        commands = {
            "A": ([sys.executable, "-c", "import sympy"], 0, ""),
            "L": ([script, "check", LINE], 0, "correct: equals KL("),
            "W": ([script, "check", WRONG], 1, "incorrect (missing 1/2)"),
            "K": ([script, "check", BLOCK], 0, "correct: equals KL("),
            "T": ([script, "check", str(tree)], 1, "model_03.py:26: incorrect (missing 1/2)"),
        }
        samples: dict[str, list[float]] = {key: [] for key in commands}
        for round_no in range(args.repeat + 1):
            for key, (argv, status, expect) in commands.items():
                wall = run(argv, status, expect, env)
                if round_no:  # the first round compiles bytecode: not timed
                    samples[key].append(wall)
    medians = {key: statistics.median(values) for key, values in samples.items()}
    ratios = {key: medians[key] / medians["A"] for key in medians if key != "A"}
    passed = ratios["L"] <= TARGET and ratios["W"] <= TARGET
    if args.json:
        print(json.dumps({"medians_s": medians, "ratios_to_A": ratios, "passed": passed}))
    else:
        labels = {
            "A": 'python -c "import sympy"',
            "L": "check: a correct line",
            "W": "check: a wrong line",
            "K": "check: a three-statement block",
            "T": "check: 50 files (one process)",
        }
        for key, label in labels.items():
            ratio = "" if key == "A" else f"  {ratios[key]:5.2f} x A"
            print(f"{key}  {label:<34} median {medians[key]:6.3f} s{ratio}")
        print(f"target L/A and W/A <= {TARGET}: {'PASS' if passed else 'FAIL'}")
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
