"""Time multivariate normals with covariances given as numbers, d = 2..8 (and more).

Run ``python bench/mvn.py`` (``--dims 2 8`` for the range, ``--repeat N`` runs of each
case, ``--json`` for machine-readable output, ``--show`` to print the commands). Each case
is a cold CLI call in a fresh process, exactly as a user types it::

    kl-derive "multivariate_normal([..], [[..], ..])" "multivariate_normal(0, 1)" --to latex

with the result cache off (``KL_DERIVE_NO_CACHE=1``), for one full covariance (against
N(0, I)) and for two full covariances. The matrices are L L^T with a small random integer
L (a fixed seed: the same cases on every run). Every step is verified as in any
derivation.

Speed is reported as ratios to ``python -c "import sympy"`` measured in the same run (the
median CPU time, user + system, of ``--sympy-samples`` fresh processes spread between the
cases): compare ratios across machines and loads, not seconds. The CPU time of the whole
process (start-up, imports, derivation, rendering, exit) is the main figure; wall time is
shown beside it. The target of issue 14 is 5 s for d = 8, one and two full covariances,
on the project's 2-core machine. Exit status 1 when a case fails.

``--python-path DIR`` runs the cases with ``DIR`` first on ``PYTHONPATH`` (an export of
another commit, ``git archive REV | tar -x -C DIR``): before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

#: the issue's target, in seconds of CPU for one cold call at d = 8
TARGET = 5.0


def covariance(n: int, seed: int) -> list[list[int]]:
    """L L^T with L lower triangular: integers in [-2, 2] below, [1, 2] on the diagonal."""
    rng = random.Random(seed)
    lower = [
        [rng.randint(-2, 2) if j < i else rng.randint(1, 2) if i == j else 0 for j in range(n)]
        for i in range(n)
    ]
    return [[sum(lower[i][k] * lower[j][k] for k in range(n)) for j in range(n)] for i in range(n)]


def spec(n: int, seed: int) -> str:
    rng = random.Random(seed + 1000)
    mean = [rng.randint(-3, 3) for _ in range(n)]
    return f"multivariate_normal({mean}, {covariance(n, seed)})".replace(" ", "")


def cases(low: int, high: int) -> list[tuple[str, int, list[str]]]:
    out = []
    for n in range(low, high + 1):
        out.append(("one", n, [spec(n, 10 * n + 1), "multivariate_normal(0,1)"]))
        out.append(("two", n, [spec(n, 10 * n + 1), spec(n, 10 * n + 2)]))
    return out


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Run ``argv``: exit status, wall time, CPU time (the child's own usage), stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            # not the source tree: ``python -m`` puts the working directory first on
            # sys.path, which would shadow --python-path
            cwd=tempfile.gettempdir(),
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return code, wall, usage.ru_utime + usage.ru_stime, err.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs=2, default=(2, 8), metavar=("LOW", "HIGH"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sympy-samples", type=int, default=7)
    parser.add_argument("--python-path", default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "KL_DERIVE_NO_CACHE": "1", "PYTHONHASHSEED": "0"}
    if args.python_path:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (args.python_path, env.get("PYTHONPATH", "")) if p
        )
    all_cases = cases(*args.dims)
    if args.show:
        for kind, n, (p, q) in all_cases:
            print(f"{kind} d={n}: kl-derive {p!r} {q!r} --to latex")
        return 0
    every = max(1, len(all_cases) // max(1, args.sympy_samples))
    unit: list[float] = []
    rows = []
    failed = False
    for i, (kind, n, (p, q)) in enumerate(all_cases):
        if i % every == 0:
            unit.append(_run([sys.executable, "-c", "import sympy"], env)[2])
        walls, cpus = [], []
        for _ in range(max(1, args.repeat)):
            argv = [sys.executable, "-m", "kl_derive", p, q, "--to", "latex"]
            code, wall, cpu, err = _run(argv, env)
            if code != 0:
                failed = True
                rows.append({"kind": kind, "d": n, "error": err.strip().splitlines()[-1:]})
                break
            walls.append(wall)
            cpus.append(cpu)
        else:
            rows.append(
                {"kind": kind, "d": n, "cpu": min(cpus), "wall": min(walls), "runs": len(cpus)}
            )
    unit.append(_run([sys.executable, "-c", "import sympy"], env)[2])
    sympy_cpu = statistics.median(unit)
    for row in rows:
        if "cpu" in row:
            row["ratio"] = row["cpu"] / sympy_cpu
    if args.json:
        print(json.dumps({"sympy_cpu": sympy_cpu, "target": TARGET, "cases": rows}, indent=1))
        return 1 if failed else 0
    print(f"unit: python -c 'import sympy' = {sympy_cpu:.3f} s CPU (median of {len(unit)})")
    print(f"target: {TARGET:.1f} s CPU at d = 8 = {TARGET / sympy_cpu:.1f}x the unit")
    print(f"{'covariances':<12} {'d':>3} {'CPU s':>7} {'ratio':>7} {'wall s':>7}")
    for row in rows:
        label = "one full" if row["kind"] == "one" else "two full"
        if "error" in row:
            print(f"{label:<12} {row['d']:>3}  failed: {' '.join(row['error'])}")
            continue
        over = "  over target" if row["d"] >= 8 and row["cpu"] > TARGET else ""
        print(
            f"{label:<12} {row['d']:>3} {row['cpu']:>7.2f} {row['ratio']:>6.1f}x "
            f"{row['wall']:>7.2f}{over}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
