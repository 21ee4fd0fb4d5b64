"""Time ``kl-derive estimators`` on a few cases, cold, in CPU time.

Run ``python bench/estimators.py``. Each case is derived with every step verified (no
cache) and rendered to LaTeX in a fresh
process, timed after ``import sympy`` and ``import kl_derive``; the unit is the CPU time of
``python -c "import sympy"`` measured in the same run (median of three), as in
bench/divergences.py. Exit status 1 when a case fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from divergences import sympy_unit  # bench/ is run as scripts: its own helper

CASES = (
    ("normal(mu_1, sigma_1)", "normal(mu_2, sigma_2)"),
    ("normal(0.3, 1.2)", "normal(0, 1)"),
    ("exponential(lambda_1)", "exponential(lambda_2)"),
    ("exponential(2)", "exponential(1/2)"),
    ("poisson(lambda_1)", "poisson(lambda_2)"),
    ("bernoulli(p_1)", "bernoulli(p_2)"),
    ("geometric(p_1)", "geometric(p_2)"),
)

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q = json.loads(sys.argv[1])
c = time.process_time()
kl_derive.estimators(p, q).to_latex()
print(json.dumps({"cpu": time.process_time() - c}))
"""


def main() -> int:
    unit = sympy_unit()
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
