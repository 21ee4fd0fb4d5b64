#!/usr/bin/env python3
"""Start-up benchmark for kl-derive: how long a user waits for one command.

Run it from anywhere with the interpreter kl-derive is installed in::

    python bench/bench.py                 # table, ratios, PASS/FAIL; always exits 0
    python bench/bench.py --check         # exit 1 if a target is missed
    python bench/bench.py --json          # the same results as JSON on stdout
    python bench/bench.py --repeat 15     # more samples per command

What is measured
----------------
The wall time of whole, fresh processes, started one after another from this script
(``time.perf_counter`` around ``subprocess.run``). Nothing is kept in memory between
two samples: every sample pays for starting the interpreter, importing what it needs and
exiting, just as a user typing the command does. The commands are

    A  python -c "import sympy"            what SymPy alone costs (the floor for B)
    B  kl-derive normal --to latex         a whole derivation, verified and rendered
    C  kl-derive --help                    what the CLI costs when SymPy is not needed
    D  python -c "pass"                    the interpreter's own start-up and exit

``python`` is always ``sys.executable`` (an absolute path, so no shell or pyenv shim is
timed). B and C are timed through the ``kl-derive`` console script installed next to
that interpreter (``sysconfig.get_path("scripts")``), which is what a user's
``kl-derive`` normally is; these are the rows the targets use. For comparison the
script also times B as ``python -m kl_derive normal --to latex`` and, when the
``kl-derive`` found on PATH is a different file, B and C through that one too. (Under
pyenv, ``python`` is itself a shim that puts the real ``bin`` folder first on PATH for
this script, so the pyenv shim a shell would run, which adds tens of milliseconds of
bash, is not what gets timed.) Each report says exactly which executable every row ran.

Every command runs ``--repeat`` times (default 7), interleaved A, B, C, D, A, B, ... so
that slow drift of the machine (other load, CPU frequency) falls on all commands alike
rather than on whichever ran last. The report gives the median (the figure the targets
use), the minimum (the least disturbed sample) and the maximum, and also the median
CPU time (user + system) of the child process. Before the timed rounds, ``--warmup``
untimed rounds (default 1) run every command once, so that the timed samples see warm
OS file caches and compiled bytecode rather than the very first start after a change.
Every sample's exit status and output are checked (B must print an amsmath derivation,
C the usage text); a command that fails stops the benchmark with exit status 2.

Targets: median(B) / median(A) <= 1.5, i.e. a derivation costs at most half as much
again as importing SymPy; and median(C) <= 0.25 s, i.e. ``--help`` stays interactive.

Caches
------
kl-derive's result cache is switched off for every command here
(``KL_DERIVE_NO_CACHE=1``): every B sample derives and checks all the steps from
scratch (``bench/startup.py`` times a cached call too). Its compiled templates are kept,
in a cache folder private to the run (``KL_DERIVE_CACHE_DIR``), like Python's own
bytecode cache (``.pyc`` files), which every installed Python package relies on and
which is allowed here. By default (``--bytecode private``) the script
points ``PYTHONPYCACHEPREFIX`` at a new temporary folder for this run and clears
``PYTHONDONTWRITEBYTECODE``: the warm-up round compiles SymPy, Jinja2, click and
kl-derive into that folder, the timed rounds load from it, and the folder is deleted
at the end. This is the state of a normal installation (pip compiles bytecode when it
installs), writes nothing into the source tree or site-packages, and does not depend on
whether an earlier run left ``__pycache__`` folders behind. ``--bytecode inherit``
instead runs the commands in this process's environment unchanged, e.g. with
``PYTHONDONTWRITEBYTECODE=1`` as some sandboxes set it, in which case an editable
install's own modules are compiled from source in every process.

In-process breakdown
--------------------
Wall times say how long, not why. The breakdown runs a small script in a fresh
subprocess (same interpreter, same environment) that times, one after another and each
on top of the previous ones: ``import sympy``; ``import jinja2, click``; importing
kl-derive's own modules (``kl_derive.api``, ``kl_derive.render``); ``derive("normal")``
(building the derivation and verifying every step with SymPy); the first
``to_latex()`` (which also loads and compiles the Jinja templates) and a second
``to_latex()``. The rest of that process's wall time is the interpreter's start-up and
exit. It is repeated ``--breakdown-repeat`` times (default 3) and the median of each
phase shown.

Only the standard library is used, so the script runs wherever kl-derive is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGET_RATIO_B_OVER_A = 1.5
TARGET_HELP_SECONDS = 0.25
DEFAULT_TIMEOUT = 300.0


@dataclass
class Command:
    """One command line to time, and how to recognise a successful run."""

    key: str
    label: str
    argv: list[str]
    expect: tuple[str, ...] = ()
    note: str = ""
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return " ".join(_quote(a) for a in self.argv)

    def summary(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "argv": self.argv,
            "note": self.note,
            "samples_s": [round(t, 6) for t in self.wall],
            "median_s": _median(self.wall),
            "min_s": min(self.wall) if self.wall else None,
            "max_s": max(self.wall) if self.wall else None,
            "cpu_median_s": _median(self.cpu),
        }


class BenchError(RuntimeError):
    """A command that should have worked did not; the numbers would be meaningless."""


def _quote(arg: str) -> str:
    return repr(arg) if (not arg or any(c in arg for c in " \"'\\$")) else arg


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# -- finding the executables -------------------------------------------------------------


def _is_python_script(path: Path) -> bool:
    """True for a pip console script (a ``#!...python`` file), False for a wrapper."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(300)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def find_console_scripts() -> tuple[Path | None, Path | None]:
    """The ``kl-derive`` next to this interpreter, and the one on PATH if it differs."""
    name = "kl-derive.exe" if os.name == "nt" else "kl-derive"
    beside = Path(sysconfig.get_path("scripts")) / name
    primary = beside if beside.is_file() and os.access(beside, os.X_OK) else None
    on_path_str = shutil.which("kl-derive")
    on_path = Path(on_path_str) if on_path_str else None
    if primary is None:
        primary, on_path = on_path, None
    elif on_path is not None and on_path.resolve() == primary.resolve():
        on_path = None
    return primary, on_path


def build_commands(python: str) -> list[Command]:
    """The commands to time; see the module docstring for what each one stands for."""
    latex_expect = ("\\begin{align*}", "D_{\\mathrm{KL}}")
    help_expect = ("Usage:",)
    primary, on_path = find_console_scripts()
    commands = [Command("A", "import sympy", [python, "-c", "import sympy"])]
    if primary is not None:
        kind = "console script" if _is_python_script(primary) else "wrapper on PATH"
        commands.append(
            Command(
                "B",
                f"kl-derive normal --to latex  [{kind}]",
                [str(primary), "normal", "--to", "latex"],
                latex_expect,
                note=f"{kind}: {primary}",
            )
        )
        commands.append(
            Command(
                "C",
                f"kl-derive --help  [{kind}]",
                [str(primary), "--help"],
                help_expect,
                note=f"{kind}: {primary}",
            )
        )
    commands.append(Command("D", "python -c pass", [python, "-c", "pass"]))
    module_b = Command(
        "Bm" if primary is not None else "B",
        "kl-derive normal --to latex  [python -m kl_derive]",
        [python, "-m", "kl_derive", "normal", "--to", "latex"],
        latex_expect,
        note="no console script found; timed as python -m kl_derive"
        if primary is None
        else "same derivation, started as a module",
    )
    if primary is None:
        commands.insert(1, module_b)
        commands.insert(
            2,
            Command(
                "C",
                "kl-derive --help  [python -m kl_derive]",
                [python, "-m", "kl_derive", "--help"],
                help_expect,
                note="no console script found; timed as python -m kl_derive",
            ),
        )
    else:
        commands.append(module_b)
    if on_path is not None:
        kind = "console script" if _is_python_script(on_path) else "wrapper, e.g. a pyenv shim"
        for key, what, args, expect in (
            ("Bp", "kl-derive normal --to latex", ["normal", "--to", "latex"], latex_expect),
            ("Cp", "kl-derive --help", ["--help"], help_expect),
        ):
            commands.append(
                Command(
                    key,
                    f"{what}  [PATH: {kind}]",
                    [str(on_path), *args],
                    expect,
                    note=f"the kl-derive found on PATH ({kind}): {on_path}",
                )
            )
    return commands


# -- running -----------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    command: Command, env: dict[str, str], cwd: str, timeout: float
) -> tuple[float, float]:
    """Run ``command`` once; return (wall seconds, child CPU seconds). Checks the output."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command.argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{command.shown}: timed out after {timeout:g} s") from error
    except OSError as error:
        raise BenchError(f"{command.shown}: could not start ({error})") from error
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise BenchError(f"{command.shown}: exit status {proc.returncode}\n{err[-2000:]}")
    missing = [text for text in command.expect if text not in out]
    if missing:
        raise BenchError(f"{command.shown}: output lacks {missing!r}; got:\n{out[:1000]}")
    return wall, cpu


def time_commands(
    commands: list[Command],
    *,
    repeat: int,
    warmup: int,
    env: dict[str, str],
    cwd: str,
    timeout: float,
    progress: bool,
) -> None:
    """Interleave the commands: warm-up rounds (discarded), then ``repeat`` timed rounds."""
    total = warmup + repeat
    for round_no in range(total):
        timed = round_no >= warmup
        if progress:
            what = f"round {round_no - warmup + 1}/{repeat}" if timed else "warm-up round"
            print(f"  {what} ...", file=sys.stderr, flush=True)
        for command in commands:
            wall, cpu = run_once(command, env, cwd, timeout)
            if timed:
                command.wall.append(wall)
                command.cpu.append(cpu)


# The script the breakdown runs in a fresh interpreter. It prints one JSON line.
_BREAKDOWN_SCRIPT = r"""
import json, time
marks = [("start", time.perf_counter())]
import sympy
marks.append(("import sympy", time.perf_counter()))
import jinja2, click
marks.append(("import jinja2 + click", time.perf_counter()))
import kl_derive, kl_derive.api, kl_derive.render
marks.append(("import kl_derive modules (api, render)", time.perf_counter()))
d = kl_derive.derive("normal")
marks.append(("derive('normal'): build + verify steps", time.perf_counter()))
first = d.to_latex()
marks.append(("to_latex(), first call (loads templates)", time.perf_counter()))
second = d.to_latex()
marks.append(("to_latex(), second call", time.perf_counter()))
assert first == second and "\\begin{align*}" in first
phases = [(name, t - marks[i][1]) for i, (name, t) in enumerate(marks[1:])]
print(json.dumps({"phases": phases, "steps": len(d.steps)}))
"""


def breakdown(python: str, *, repeat: int, env: dict[str, str], cwd: str, timeout: float) -> dict:
    """Median time of each in-process phase, over ``repeat`` fresh processes."""
    runs: list[dict] = []
    walls: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [python, "-c", _BREAKDOWN_SCRIPT],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=env,
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise BenchError(f"breakdown script timed out after {timeout:g} s") from error
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise BenchError(f"breakdown script failed (status {proc.returncode}):\n{err[-2000:]}")
        lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        runs.append(json.loads(lines[-1]))
    names = [name for name, _ in runs[0]["phases"]]
    phases = []
    for index, name in enumerate(names):
        values = [run["phases"][index][1] for run in runs]
        phases.append({"phase": name, "median_s": statistics.median(values), "min_s": min(values)})
    in_process = statistics.median([sum(t for _, t in run["phases"]) for run in runs])
    wall = statistics.median(walls)
    return {
        "repeat": repeat,
        "steps": runs[0]["steps"],
        "phases": phases,
        "in_process_total_median_s": in_process,
        "process_wall_median_s": wall,
        "outside_median_s": wall - in_process,
    }


# -- environment -------------------------------------------------------------------------


def child_environment(mode: str, prefix: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["KL_DERIVE_NO_CACHE"] = "1"  # every sample derives afresh
    if mode == "private":
        assert prefix is not None
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = prefix
    return env


def describe_bytecode(mode: str, prefix: str | None) -> str:
    if mode == "private":
        return (
            f"private: PYTHONPYCACHEPREFIX={prefix} (new, empty, deleted afterwards), "
            "PYTHONDONTWRITEBYTECODE unset; the warm-up compiles every module into it"
        )
    dont = os.environ.get("PYTHONDONTWRITEBYTECODE")
    pre = os.environ.get("PYTHONPYCACHEPREFIX")
    parts = [f"PYTHONDONTWRITEBYTECODE={dont!r}", f"PYTHONPYCACHEPREFIX={pre!r}"]
    return "inherit: this environment unchanged (" + ", ".join(parts) + ")"


# -- reporting ---------------------------------------------------------------------------


def evaluate(commands: list[Command]) -> dict[str, object]:
    by_key = {c.key: c for c in commands}
    a, b, c = (_median(by_key[k].wall) for k in ("A", "B", "C"))
    assert a is not None and b is not None and c is not None
    ratio = b / a
    return {
        "ratio_B_over_A": ratio,
        "ratio_target": TARGET_RATIO_B_OVER_A,
        "ratio_pass": ratio <= TARGET_RATIO_B_OVER_A,
        "help_median_s": c,
        "help_target_s": TARGET_HELP_SECONDS,
        "help_pass": c <= TARGET_HELP_SECONDS,
        "B_is": by_key["B"].note,
        "C_is": by_key["C"].note,
    }


def print_report(result: dict) -> None:
    print("kl-derive start-up benchmark")
    print(f"  python     {result['python']}  ({result['python_version']}, {result['platform']})")
    print(f"  bytecode   {result['bytecode']}")
    print(
        f"  samples    {result['repeat']} timed rounds per command, interleaved, "
        f"after {result['warmup']} untimed warm-up round(s); cwd is an empty temp dir"
    )
    print()
    header = f"  {'':3} {'command':52} {'median':>8} {'min':>8} {'max':>8} {'cpu med':>8}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in result["commands"]:
        print(
            f"  {row['key']:3} {row['label']:52} {row['median_s']:7.3f}s {row['min_s']:7.3f}s"
            f" {row['max_s']:7.3f}s {row['cpu_median_s']:7.3f}s"
        )
    print()
    print("  executables:")
    for row in result["commands"]:
        print(f"  {row['key']:3} {' '.join(_quote(a) for a in row['argv'])}")
    verdict = result["verdict"]
    print()
    print("targets (B and C are the rows marked B and C above):")
    ok = "PASS" if verdict["ratio_pass"] else "FAIL"
    print(
        f"  median(B) / median(A) = {verdict['ratio_B_over_A']:.2f}"
        f"   target <= {verdict['ratio_target']:.2f}   {ok}"
    )
    ok = "PASS" if verdict["help_pass"] else "FAIL"
    print(
        f"  median(C)             = {verdict['help_median_s']:.3f} s"
        f"  target <= {verdict['help_target_s']:.2f} s  {ok}"
    )
    extra = result["informational"]
    print(
        f"  (informational: B - A = {extra['B_minus_A_s']:.3f} s beyond importing SymPy;"
        f" (B - D) / (A - D) = {extra['ratio_net_of_interpreter']:.2f} with the"
        f" interpreter's own start-up removed)"
    )
    if result.get("breakdown"):
        bd = result["breakdown"]
        print()
        print(
            f"in-process breakdown (fresh subprocess, median of {bd['repeat']}; each phase "
            f"on top of the ones before; {bd['steps']} steps):"
        )
        for phase in bd["phases"]:
            print(f"  {phase['phase']:48} {phase['median_s']:7.3f}s  (min {phase['min_s']:.3f}s)")
        print(f"  {'sum of the phases':48} {bd['in_process_total_median_s']:7.3f}s")
        print(
            f"  {'interpreter start-up + exit (the rest)':48} {bd['outside_median_s']:7.3f}s"
            f"  (process wall {bd['process_wall_median_s']:.3f}s)"
        )
    print()
    overall = "PASS" if verdict["ratio_pass"] and verdict["help_pass"] else "FAIL"
    print(f"overall: {overall}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time fresh kl-derive processes against importing SymPy.",
        epilog="See the module docstring (python -m pydoc bench/bench.py) for the method.",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--bytecode",
        choices=("private", "inherit"),
        default="private",
        help="private: a fresh PYTHONPYCACHEPREFIX for this run (default); "
        "inherit: the environment as it is",
    )
    parser.add_argument("--no-breakdown", action="store_true", help="skip the breakdown")
    parser.add_argument(
        "--breakdown-repeat", type=int, default=3, help="breakdown runs (default 3)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per process"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.breakdown_repeat < 1:
        parser.error("--repeat and --breakdown-repeat must be >= 1, --warmup >= 0")
    if args.bytecode == "private" and args.warmup < 1:
        parser.error("--bytecode private needs --warmup >= 1 to compile the bytecode first")

    python = sys.executable
    commands = build_commands(python)
    with tempfile.TemporaryDirectory(prefix="kl-derive-bench-") as tmp:
        cwd = os.path.join(tmp, "cwd")
        os.mkdir(cwd)
        prefix = os.path.join(tmp, "pycache") if args.bytecode == "private" else None
        env = child_environment(args.bytecode, prefix)
        env["KL_DERIVE_CACHE_DIR"] = os.path.join(tmp, "kl-derive-cache")  # compiled templates
        try:
            time_commands(
                commands,
                repeat=args.repeat,
                warmup=args.warmup,
                env=env,
                cwd=cwd,
                timeout=args.timeout,
                progress=not args.quiet,
            )
            bd = None
            if not args.no_breakdown:
                if not args.quiet:
                    print("  in-process breakdown ...", file=sys.stderr, flush=True)
                bd = breakdown(
                    python, repeat=args.breakdown_repeat, env=env, cwd=cwd, timeout=args.timeout
                )
        except BenchError as error:
            print(f"bench: error: {error}", file=sys.stderr)
            return 2
        bytecode = describe_bytecode(args.bytecode, prefix)

    verdict = evaluate(commands)
    by_key = {c.key: _median(c.wall) for c in commands}
    a, b, d = by_key["A"], by_key["B"], by_key["D"]
    assert a is not None and b is not None and d is not None
    result = {
        "python": python,
        "python_version": platform.python_version(),
        "platform": platform.platform(terse=True),
        "bytecode": bytecode,
        "on_disk_result_cache": "off (KL_DERIVE_NO_CACHE=1)",
        "repeat": args.repeat,
        "warmup": args.warmup,
        "commands": [c.summary() for c in commands],
        "verdict": verdict,
        "informational": {
            "B_minus_A_s": b - a,
            "ratio_net_of_interpreter": (b - d) / (a - d) if a > d else float("nan"),
        },
        "breakdown": bd,
        "pass": bool(verdict["ratio_pass"] and verdict["help_pass"]),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    if args.check and not result["pass"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
