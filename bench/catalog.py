"""Time the whole family catalog: every derivable pair, cold and warm, slowest ten.

Run ``python bench/catalog.py`` (``--json`` for machine-readable output, ``--jobs N`` to
run N processes at a time, ``--only TEXT`` for the cases whose P or Q contains TEXT).
For each pair in ``kl-derive pairs``' catalog (and the Dirichlet, low-rank, Bregman,
multinomial, logits, K-category and Wishart cases) the derivation is made with every
step verified and rendered to LaTeX:

* cold: in a fresh ``python`` process, timed after ``import sympy`` and ``import
  kl_derive`` (the derivation's own cost, SymPy's caches empty);
* warm: the same derivation again in that process.

Each is measured as wall time and as CPU time (user + system) of that process.

Speed is reported as ratios to ``python -c "import sympy"`` measured in the same run:
that command runs ``--sympy-samples`` times (default 9), spread evenly between the
cases, as a whole fresh process (start-up, import and exit), and the median of its CPU
time is the unit. A ratio compares across machines and across a machine's load far
better than seconds: on a machine shared with other work, compare ratios, and run the
two versions being compared back to back. CPU time rather than wall time is the main
figure for the same reason (another process's load lengthens wall time, not CPU time).

It prints the totals, the median and 90th percentile, the slowest ten pairs, and how
many exceed the targets (1 s cold, median 0.5 s, on the project's 2-core machine; the
targets are given in seconds by the issue, and shown as ratios too). Exit status 1 when
a case fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q, strategy = json.loads(sys.argv[1])
w, c = time.perf_counter(), time.process_time()
d = kl_derive.derive(p, q, strategy=strategy)
d.to_latex()
cold, cold_cpu = time.perf_counter() - w, time.process_time() - c
w, c = time.perf_counter(), time.process_time()
kl_derive.derive(p, q, strategy=strategy).to_latex()
warm, warm_cpu = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"cold": cold, "cold_cpu": cold_cpu, "warm": warm, "warm_cpu": warm_cpu,
                  "steps": len(d.steps)}))
"""

#: the issue's targets, in seconds of one derivation cold (2-core machine)
TARGET_MAX = 1.0
TARGET_MEDIAN = 0.5

EXTRA = [
    ("dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])", None),
    (
        "low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])",
        "multivariate_normal([0, 1], [[2, 1], [1, 2]])",
        None,
    ),
    ("categorical([p1, p2, 1 - p1 - p2])", "categorical([q1, q2, 1 - q1 - q2])", None),
    ("categorical", "categorical", None),  # K categories, checked in K = 2, 3, 4
    ("multinomial(n, [a, b, 1 - a - b])", "multinomial(n, [r, s, 1 - r - s])", None),
    ("bernoulli(logits=a)", "bernoulli(logits=b)", None),
    ("categorical(logits=[a, b, c])", "categorical(logits=[d, g, h])", None),
    ("wishart(n1, [[a, b], [b, c]])", "wishart(n2, [[1, 0], [0, 1]])", None),
    ("wishart", "wishart", None),  # a symbolic size p
]


def cases() -> list[tuple[str, str, str | None]]:
    from kl_derive.strategies import BREGMAN_FAMILIES, catalog_pairs

    out: list[tuple[str, str, str | None]] = [(p, q, None) for p, q in catalog_pairs()]
    out += [(name, name, "bregman") for name in BREGMAN_FAMILIES]
    return out + EXTRA


def _run(argv: list[str]) -> tuple[int, float, float, str, str]:
    """Run ``argv``; its exit status, wall time, CPU time (user + system, from the
    child's own resource usage), stdout and stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            child.returncode,
            wall,
            usage.ru_utime + usage.ru_stime,
            out.read().decode(),
            err.read().decode(),
        )


def measure(case: tuple[str, str, str | None]) -> dict:
    code, wall, cpu, out, err = _run([sys.executable, "-c", _MEASURE, json.dumps(case)])
    if code != 0:
        lines = err.strip().splitlines() or [f"exit status {code}"]
        return {"error": lines[-1]}
    return {**json.loads(out), "process": wall, "process_cpu": cpu}


def measure_sympy() -> dict:
    code, wall, cpu, _out, err = _run([sys.executable, "-c", "import sympy"])
    if code != 0:
        raise SystemExit(f"python -c 'import sympy' failed: {err.strip()}")
    return {"sympy": wall, "sympy_cpu": cpu}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--sympy-samples", type=int, default=9)
    parser.add_argument("--only", default=None, help="only the cases whose P or Q has this")
    args = parser.parse_args()
    all_cases = cases()
    if args.only:
        all_cases = [c for c in all_cases if args.only in c[0] or args.only in c[1]]
    # the unit, sampled evenly through the run (so drift in the machine's load falls on
    # the unit and the cases alike): a marker None in the work list is one sample
    samples = max(1, args.sympy_samples)
    every = max(1, len(all_cases) // samples)
    work: list = []
    for i, case in enumerate(all_cases):
        if i % every == 0 and sum(w is None for w in work) < samples:
            work.append(None)
        work.append(case)
    while sum(w is None for w in work) < samples:
        work.append(None)
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda w: measure_sympy() if w is None else measure(w), work))
    units = [r for w, r in zip(work, done, strict=True) if w is None]
    results = [r for w, r in zip(work, done, strict=True) if w is not None]
    unit_cpu = statistics.median(u["sympy_cpu"] for u in units)
    unit_wall = statistics.median(u["sympy"] for u in units)
    rows = [
        {"p": p, "q": q, "strategy": s or "default", **r}
        for (p, q, s), r in zip(all_cases, results, strict=True)
    ]
    for r in rows:
        if "cold" in r:
            r["ratio_cold_cpu"] = r["cold_cpu"] / unit_cpu
            r["ratio_process_cpu"] = r["process_cpu"] / unit_cpu
    if args.json:
        report = {
            "import_sympy": {"cpu_median": unit_cpu, "wall_median": unit_wall, "samples": units},
            "rows": rows,
        }
        print(json.dumps(report, indent=2))
        return 1 if any("error" in r for r in rows) else 0
    timed = [r for r in rows if "cold" in r]
    failed = [r for r in rows if "error" in r]
    print(
        f'unit: python -c "import sympy", median of {len(units)} in this run: '
        f"CPU {unit_cpu:.3f} s, wall {unit_wall:.3f} s (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if not timed:
        for r in failed:
            print(f"FAILED {r['p']} || {r['q']}: {r['error']}")
        return 1
    for key, name in (("cold_cpu", "cold CPU"), ("cold", "cold wall"), ("warm_cpu", "warm CPU")):
        values = [r[key] for r in timed]
        median, p90 = statistics.median(values), _percentile(values, 0.9)
        print(
            f"{name:9s}: total {sum(values):7.1f} s; median {median:.2f} s "
            f"({median / unit_cpu:.2f}x), p90 {p90:.2f} s ({p90 / unit_cpu:.2f}x), "
            f"max {max(values):.2f} s ({max(values) / unit_cpu:.2f}x)"
        )
    print(f"{len(timed)} derivations; whole process CPU (start-up + imports + cold + warm): ")
    process = [r["process_cpu"] for r in timed]
    print(
        f"           median {statistics.median(process):.2f} s "
        f"({statistics.median(process) / unit_cpu:.2f}x)"
    )
    print("slowest ten by cold CPU (cold CPU, ratio, cold wall, warm CPU, steps):")
    for r in sorted(timed, key=lambda r: -r["cold_cpu"])[:10]:
        label = f"{r['p']} || {r['q']}" + (
            f" [{r['strategy']}]" if r["strategy"] != "default" else ""
        )
        print(
            f"  {r['cold_cpu']:6.2f} s {r['ratio_cold_cpu']:5.2f}x {r['cold']:6.2f} s "
            f"{r['warm_cpu']:6.2f} s {r['steps']:3d}  {label}"
        )
    over = [r for r in timed if r["cold_cpu"] > TARGET_MAX]
    median = statistics.median(r["cold_cpu"] for r in timed)
    print(
        f"targets (cold CPU): none over {TARGET_MAX:.1f} s ({TARGET_MAX / unit_cpu:.2f}x): "
        f"{len(over)} over; median <= {TARGET_MEDIAN:.1f} s "
        f"({TARGET_MEDIAN / unit_cpu:.2f}x): {'met' if median <= TARGET_MEDIAN else 'missed'}"
    )
    for r in failed:
        print(f"FAILED {r['p']} || {r['q']}: {r['error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
