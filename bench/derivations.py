"""Time kl-derive's derivations, case by case: cold (a fresh process) and warm.

Run ``python bench/derivations.py`` (``--repeat N`` for more warm rounds, ``--json`` for
machine-readable output). Each case is derived, with every step verified, and rendered
to LaTeX:

* cold: a fresh ``python`` process imports kl_derive and derives the case once; the time
  is measured inside that process, after ``import sympy``, so it is the derivation's own
  start-up cost (SymPy's caches are empty);
* warm: the same derivation again in one process (median of ``--repeat`` rounds).

The full-covariance cases use explicit matrices of size 2, 4 and 8 (fixed, positive
definite, with small integer entries) and the symbolic case ``multivariate_normal(mu1,
Sigma1)`` against ``multivariate_normal(mu2, Sigma2)``, whose steps are verified in the
instances d = 2 and d = 3.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q, param, repeat = json.loads(sys.argv[1])
t = time.perf_counter()
d = kl_derive.derive(p, q, param=param)
d.to_latex()
cold = time.perf_counter() - t
warm = []
for _ in range(repeat):
    t = time.perf_counter()
    kl_derive.derive(p, q, param=param).to_latex()
    warm.append(time.perf_counter() - t)
print(json.dumps({"cold": cold, "warm": warm, "steps": len(d.steps)}))
"""


def _spd(n: int) -> str:
    """A fixed symmetric positive-definite integer matrix: I * n + a tridiagonal band."""
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            row.append(str(n if i == j else (1 if abs(i - j) == 1 else 0)))
        rows.append("[" + ", ".join(row) + "]")
    return "[" + ", ".join(rows) + "]"


def _mvn(n: int, shift: int) -> str:
    loc = "[" + ", ".join(str((i + shift) % 3 - 1) for i in range(n)) + "]"
    return f"multivariate_normal({loc}, {_spd(n)})"


CASES: list[tuple[str, str, str | None, str | None]] = [
    ("normal vs N(0, 1)", "normal", None, None),
    ("normal, log-variance", "normal", None, "logvar"),
    ("normal vs normal", "normal(mu1, sigma1)", "normal(mu2, sigma2)", None),
    ("diagonal, symbolic d", "diag_normal", None, None),
    ("diagonal, d = 8", "diag_normal(mu, sigma)", None, None),
    ("full covariance, d = 2", _mvn(2, 0), _mvn(2, 1), None),
    ("full covariance, d = 4", _mvn(4, 0), _mvn(4, 1), None),
    ("full covariance, d = 8", _mvn(8, 0), _mvn(8, 1), None),
    (
        "full covariance, symbolic d",
        "multivariate_normal(mu1, Sigma1)",
        "multivariate_normal(mu2, Sigma2)",
        None,
    ),
]


def measure(p: str, q: str | None, param: str | None, repeat: int) -> dict:
    if p == "diag_normal(mu, sigma)":  # eight explicit coordinates
        p = (
            "diag_normal(["
            + ", ".join(f"m{i}" for i in range(1, 9))
            + "], ["
            + ", ".join(f"s{i}" for i in range(1, 9))
            + "])"
        )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps([p, q, param, repeat])],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"derivation failed for {p} || {q}:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    data["process"] = time.perf_counter() - started
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm rounds per case")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    results = {}
    for name, p, q, param in CASES:
        results[name] = measure(p, q, param, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'case':32} {'steps':>5} {'cold':>8} {'warm':>8} {'process':>8}")
    for name, r in results.items():
        warm = statistics.median(r["warm"]) if r["warm"] else float("nan")
        print(f"{name:32} {r['steps']:5d} {r['cold']:7.3f}s {warm:7.3f}s {r['process']:7.3f}s")
    print(
        "cold: first derivation in a fresh process (after import sympy); warm: median of "
        f"{args.repeat} more; process: the whole subprocess, imports included"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
