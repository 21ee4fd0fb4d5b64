"""Time ``kl-derive mixture`` on a few cases, cold, in CPU time.

Run ``python bench/mixtures.py``. Each case is derived with every step verified (its
component divergences derived by the engine, no cache) and rendered to LaTeX in a fresh
process, timed after ``import sympy`` and ``import kl_derive``; the unit is the CPU time of
``python -c "import sympy"`` measured in the same run (median of three), as in
bench/divergences.py. Exit status 1 when a case fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from divergences import _sympy_unit  # bench/ is run as scripts: its own helper

CASES = (
    ("mixture([0.3, 0.7], [normal(0, 1), normal(2, 1)])", "normal(0, 1)"),
    (
        "mixture([0.3, 0.7], [normal(0, 1), normal(2, 1)])",
        "mixture([0.5, 0.5], [normal(1, 1), normal(-1, 2)])",
    ),
    ("mixture([w, 1 - w], [normal(m1, s1), normal(m2, s2)])", "normal(0, 1)"),
    (
        "mixture([0.4, 0.6], [gamma(2, 1), exponential(1)])",
        "mixture([0.4, 0.6], [gamma(3, 2), exponential(2)])",
    ),
)

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q = json.loads(sys.argv[1])
c = time.process_time()
kl_derive.mixture(p, q).to_latex()
print(json.dumps({"cpu": time.process_time() - c}))
"""


def main() -> int:
    unit = _sympy_unit()
    print(f"unit: python -c 'import sympy' = {unit:.2f} s CPU")
    failed = 0
    for p, q in CASES:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, json.dumps([p, q])],
            capture_output=True,
            text=True,
            env={**os.environ, "KL_DERIVE_NO_CACHE": "1"},
        )
        if done.returncode != 0:
            failed += 1
            print(f"{p} || {q}: FAILED {done.stderr.strip().splitlines()[-1:]}")
            continue
        cpu = json.loads(done.stdout)["cpu"]
        print(f"{p} || {q}\n    {cpu:6.2f} s  {cpu / unit:6.1f} x sympy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
