#!/usr/bin/env python3
"""Start-up and batch benchmark: CPU time of whole processes, as ratios to ``import sympy``.

Run it with the interpreter kl-derive is installed in::

    python bench/startup.py                # table, ratios, targets; always exits 0
    python bench/startup.py --repeat 31    # more samples per command (default 21)
    python bench/startup.py --batch        # also time `kl-derive build` against single calls
    python bench/startup.py --json         # the results as JSON
    python bench/startup.py --check        # exit 1 if a target is missed

Method
------
Every row is a fresh process started by this script. Its cost is the CPU time (user +
system) of the child, read from ``getrusage(RUSAGE_CHILDREN)`` around the run: CPU time
is what the command itself burns, and it hardly moves when other processes share the
machine, where wall time does. Rows are interleaved (A, B, C, ..., A, B, C, ...) so that
slow drift falls on all of them alike, and ``--repeat`` rounds are taken after one
untimed warm-up round; the report gives the median (the figure the targets use) and the
interquartile range. The ratio of a row is its median over the median of row A measured
in the same run. Wall-clock medians are printed beside them for information.

Every child runs with a private ``PYTHONPYCACHEPREFIX`` (compiled in the warm-up round,
as pip compiles at install time) and a private ``KL_DERIVE_CACHE_DIR``, so nothing on
this machine outside the run's temporary folder is read or written, and earlier runs do
not matter. The rows:

    A    python -c "import sympy"           the floor: what SymPy alone costs
    D    python -c pass                     the interpreter's own start-up and exit
    H    kl-derive --help
    B    kl-derive normal --to latex        cold: the result cache is off
                                            (KL_DERIVE_NO_CACHE=1); compiled templates
                                            are kept, like .pyc files
    B0   the same, first run ever           an empty cache folder for every sample
    Bc   the same, served from the cache    the result cached in the warm-up round

With ``--baseline DIR``, row Bb is B run with the kl-derive source tree DIR instead
(first on ``PYTHONPATH``, started like its console script): the before/after comparison
of a change, both measured against the same row A.

With ``--batch``, a manifest of the derivations below (``BATCH``) is built with
``kl-derive build`` cold (``--no-cache``, one and two worker processes) and cached, and
compared with the same derivations as separate cold ``kl-derive`` calls run one after
another (row S). CPU time counts every process, the workers included; wall time matters
more here, since the point of the workers is to use both cores, and is printed beside it.

Targets (issue 14): B / A <= 1.2; Bc <= 0.15 s. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGET_COLD_RATIO = 1.2
TARGET_CACHED_SECONDS = 0.15

#: the batch row's derivations: (P, Q, format, language)
BATCH = [
    ("normal", None, "latex", "en"),
    ("normal", None, "latex", "ko"),
    ("normal", None, "markdown", "en"),
    ("normal", None, "beamer", "en"),
    ("normal", None, "ipynb", "en"),
    ("gamma(a, b)", "gamma(c, d)", "latex", "en"),
    ("exponential(a)", "exponential(b)", "markdown", "en"),
    ("laplace(m, b)", "laplace(0, 1)", "latex", "en"),
]


@dataclass
class Row:
    key: str
    label: str
    argv: list[str]
    expect: str = ""
    env: dict[str, str] = field(default_factory=dict)
    fresh_cache: bool = False  # an empty cache folder for every sample
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def summary(self, floor: float | None) -> dict[str, object]:
        cpu = statistics.median(self.cpu)
        q1, _, q3 = statistics.quantiles(self.cpu, n=4) if len(self.cpu) > 1 else (cpu,) * 3
        return {
            "key": self.key,
            "label": self.label,
            "argv": self.argv,
            "cpu_median_s": cpu,
            "cpu_iqr_s": [q1, q3],
            "wall_median_s": statistics.median(self.wall),
            "ratio_to_import_sympy": cpu / floor if floor else None,
        }


class BenchError(RuntimeError):
    pass


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(row: Row, env: dict[str, str], cwd: str) -> tuple[float, float]:
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        row.argv,
        env={**env, **row.env},
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace")[-2000:]
        raise BenchError(f"{' '.join(row.argv)}: exit status {done.returncode}\n{err}")
    if row.expect and row.expect not in done.stdout.decode("utf-8", "replace"):
        raise BenchError(f"{' '.join(row.argv)}: output lacks {row.expect!r}")
    return cpu, wall


def kl_derive_command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / "kl-derive"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "kl_derive"]


def startup_rows(python: str) -> list[Row]:
    kl = kl_derive_command()
    latex = [*kl, "normal", "--to", "latex"]
    return [
        Row("A", 'python -c "import sympy"', [python, "-c", "import sympy"]),
        Row("D", "python -c pass", [python, "-c", "pass"]),
        Row("H", "kl-derive --help", [*kl, "--help"], "Usage:"),
        Row(
            "B",
            "kl-derive normal --to latex (cold)",
            latex,
            r"\begin{align*}",
            env={"KL_DERIVE_NO_CACHE": "1"},
        ),
        Row(
            "B0",
            "kl-derive normal --to latex (first run ever)",
            latex,
            r"\begin{align*}",
            fresh_cache=True,
        ),
        Row("Bc", "kl-derive normal --to latex (cached)", latex, r"\begin{align*}"),
    ]


def write_manifest(folder: Path) -> Path:
    lines = ["# bench/startup.py --batch", ""]
    for index, (p, q, fmt, lang) in enumerate(BATCH):
        lines.append("[[derivation]]")
        lines.append(f"p = {json.dumps(p)}")
        if q is not None:
            lines.append(f"q = {json.dumps(q)}")
        lines.append(f'to = "{fmt}"')
        lines.append(f'lang = "{lang}"')
        lines.append(f'output = "out/{index}.{fmt}"')
        lines.append("")
    path = folder / "bench.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def batch_rows(manifest: Path) -> list[Row]:
    kl = kl_derive_command()
    singles = []
    for p, q, fmt, lang in BATCH:
        argv = [*kl, p, *([q] if q else []), "--to", fmt, "--lang", lang]
        singles.append(shlex.join(argv) + " >/dev/null")
    cold = {"KL_DERIVE_NO_CACHE": "1"}
    build = [*kl, "build", str(manifest), "--quiet"]
    return [
        # one after another, as a Makefile with a command per file runs them
        Row("S", f"{len(BATCH)} single calls (cold)", ["sh", "-c", " && ".join(singles)], env=cold),
        Row("M1", "kl-derive build --jobs 1 (cold)", [*build, "--jobs", "1", "--no-cache"]),
        Row("M2", "kl-derive build --jobs 2 (cold)", [*build, "--jobs", "2", "--no-cache"]),
        Row("Mc", "kl-derive build (all cached)", build),
    ]


def baseline_rows(python: str, tree: Path, tmp: Path) -> list[Row]:
    """Row B for another kl-derive source tree (e.g. the commit before a change), started
    the way its console script starts it."""
    shim = tmp / "kl-derive-baseline"
    shim.write_text("import sys\nfrom kl_derive.cli import main\nsys.exit(main())\n")
    env = {"PYTHONPATH": str(tree.resolve()), "KL_DERIVE_NO_CACHE": "1"}
    argv = [python, str(shim), "normal", "--to", "latex"]
    return [Row("Bb", f"B with {tree} (baseline)", argv, r"\begin{align*}", env=env)]


def measure(rows: list[Row], repeat: int, env: dict[str, str], tmp: Path, quiet: bool) -> None:
    cwd = tmp / "cwd"
    cwd.mkdir(exist_ok=True)
    for round_no in range(repeat + 1):
        if not quiet:
            what = "warm-up round" if round_no == 0 else f"round {round_no}/{repeat}"
            print(f"  {what} ...", file=sys.stderr, flush=True)
        for row in rows:
            row_env = dict(env)
            if row.fresh_cache:
                row_env["KL_DERIVE_CACHE_DIR"] = tempfile.mkdtemp(dir=tmp, prefix="fresh-")
            cpu, wall = run(row, row_env, str(cwd))
            if round_no:
                row.cpu.append(cpu)
                row.wall.append(wall)


def report(result: dict) -> None:
    print(
        "kl-derive start-up benchmark (CPU time of whole processes; median of "
        f"{result['repeat']} interleaved rounds)"
    )
    print(f"  python {result['python']} ({result['python_version']}, {result['platform']})")
    print(f"  kl-derive {result['kl_derive_version']}: {' '.join(result['kl_derive'])}")
    print()
    print(f"  {'':4}{'command':52}{'cpu':>8}{'IQR':>16}{'wall':>8}{'/ A':>7}")
    for row in result["rows"]:
        q1, q3 = row["cpu_iqr_s"]
        ratio = row["ratio_to_import_sympy"]
        print(
            f"  {row['key']:4}{row['label']:52}{row['cpu_median_s']:7.3f}s"
            f"  [{q1:5.3f}, {q3:5.3f}]{row['wall_median_s']:7.3f}s{ratio:7.2f}"
        )
    print()
    for name, target in result["targets"].items():
        verdict = "PASS" if target["pass"] else "FAIL"
        print(f"  {name:44} {target['value']:7.3f}   target <= {target['target']}   {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--batch", action="store_true", help="also time kl-derive build")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="also time B with this kl-derive checkout"
    )
    args = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="kl-derive-startup-") as folder:
        tmp = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KL_DERIVE_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["KL_DERIVE_CACHE_DIR"] = str(tmp / "cache")
        rows = startup_rows(python)
        if args.baseline is not None:
            rows += baseline_rows(python, args.baseline, tmp)
        if args.batch:
            rows += batch_rows(write_manifest(tmp))
        try:
            measure(rows, args.repeat, env, tmp, args.quiet)
        except BenchError as error:
            print(f"bench: error: {error}", file=sys.stderr)
            return 2
    floor = statistics.median(rows[0].cpu)
    summaries = [row.summary(floor) for row in rows]
    by_key = {s["key"]: s for s in summaries}
    targets = {
        "cold B / A (CPU)": {
            "value": by_key["B"]["ratio_to_import_sympy"],
            "target": TARGET_COLD_RATIO,
        },
        "cached Bc (CPU seconds)": {
            "value": by_key["Bc"]["cpu_median_s"],
            "target": TARGET_CACHED_SECONDS,
        },
    }
    for target in targets.values():
        target["pass"] = target["value"] <= target["target"]
    version = subprocess.run(
        [*kl_derive_command(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    result = {
        "python": python,
        "python_version": platform.python_version(),
        "platform": platform.platform(terse=True),
        "kl_derive": kl_derive_command(),
        "kl_derive_version": version,
        "repeat": args.repeat,
        "load_average": os.getloadavg(),
        "rows": summaries,
        "targets": targets,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)
    return 1 if args.check and not all(t["pass"] for t in targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
