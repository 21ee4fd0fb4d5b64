"""Time every pair each divergence derives (kl-derive divergences), cold, in CPU time.

Run ``python bench/divergences.py`` (``--only NAME`` for one divergence). Each case is
derived with every step verified and rendered to LaTeX in a fresh process, timed after
``import sympy`` and ``import kl_derive``; the unit is the CPU time of ``python -c
"import sympy"`` measured in the same run (median of three), so that the figures compare
across machines and loads (see bench/catalog.py). Exit status 1 when a case fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
name, p, q, options = json.loads(sys.argv[1])
c = time.process_time()
kl_derive.divergence(name, p, q, **options).to_latex()
print(json.dumps({"cpu": time.process_time() - c}))
"""


def sympy_unit() -> float:
    """The median CPU time (user + system) of three fresh ``python -c "import sympy"``."""
    times = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "import sympy"], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times)


#: the laws written out where a family has no default parameters (first law, then second
#: with a trailing "_")
_SPECS = {
    "categorical": "categorical([a, b, 1 - a - b])",
    "categorical_": "categorical([c, d, 1 - c - d])",
    "dirichlet": "dirichlet([a1, a2, a3])",
    "dirichlet_": "dirichlet([b1, b2, b3])",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", metavar="NAME", help="one divergence")
    parser.add_argument("--family", metavar="NAME", help="the pairs whose first law is NAME")
    args = parser.parse_args()
    from kl_derive.divergences import DIVERGENCES, load

    load()
    unit = sympy_unit()
    print(f"unit: python -c 'import sympy' = {unit:.2f} s CPU")
    failed = 0
    for name, entry in DIVERGENCES.items():
        if args.only and name != args.only:
            continue
        derived = ("finite", "conditional", "integral")
        cases = [(p, q) for p, q, outcome in entry.pairs() if outcome in derived]
        if args.family:
            cases = [c for c in cases if c[0] == args.family]
        if name == "jeffreys":  # a few same-family pairs: the rest are timed by bench/catalog
            cases = [c for c in cases if c[0] == c[1]][:6]
        for p, q in cases:
            p, q = _SPECS.get(p, p), _SPECS.get(q + "_", q)
            request = json.dumps([name, p, q, {}])
            done = subprocess.run(
                [sys.executable, "-c", _MEASURE, request], capture_output=True, text=True
            )
            if done.returncode != 0:
                failed += 1
                print(f"{name:14} {p} || {q}: FAILED {done.stderr.strip().splitlines()[-1:]}")
                continue
            cpu = json.loads(done.stdout)["cpu"]
            print(f"{name:14} {p + ' || ' + q:28} {cpu:6.2f} s  {cpu / unit:6.1f} x sympy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
