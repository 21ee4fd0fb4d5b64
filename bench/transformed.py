"""Time KL under a change of variables (transformed(P, f), --via-base), cold, in CPU time.

Run ``python bench/transformed.py``. Each case is derived with every step verified and
rendered to LaTeX in a fresh process, timed after ``import sympy`` and ``import
kl_derive``; the unit is the CPU time of ``python -c "import sympy"`` measured in the same
run (median of three), as in bench/divergences.py. Exit status 1 when a case fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

from divergences import sympy_unit  # this folder: the unit, measured the same way

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q, strategy = json.loads(sys.argv[1])
c = time.process_time()
kl_derive.derive(p, q, strategy=strategy).to_latex()
print(json.dumps({"cpu": time.process_time() - c}))
"""

CASES = [
    ("transformed(normal(m1, s1), exp)", "transformed(normal(m2, s2), exp)", None),
    ("transformed(normal(m1, s1), sigmoid)", "transformed(normal(m2, s2), sigmoid)", None),
    (
        "transformed(normal(m1, s1), affine(a, b))",
        "transformed(normal(m2, s2), affine(a, b))",
        None,
    ),
    ("transformed(gamma(a1, b1), exp)", "transformed(gamma(a2, b2), exp)", None),
    ("transformed(beta(a1, b1), sigmoid)", "transformed(beta(a2, b2), sigmoid)", None),
    (
        "transformed(laplace(0, 1), affine(1, -2))",
        "transformed(laplace(1, 2), affine(1, -2))",
        None,
    ),
    ("log_normal(m1, s1)", "log_normal(m2, s2)", "change of variables"),
    ("logit_normal(m1, s1)", "logit_normal(m2, s2)", "change of variables"),
    ("log_normal(m1, s1)", "log_normal(m2, s2)", None),  # the direct catalog derivation
]


def main() -> int:
    unit = sympy_unit()
    print(f"unit: python -c 'import sympy' = {unit:.2f} s CPU")
    failed = 0
    for p, q, strategy in CASES:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, json.dumps([p, q, strategy])],
            capture_output=True,
            text=True,
        )
        shown = f"{p} || {q}" + (f" [{strategy}]" if strategy else "")
        if done.returncode != 0:
            failed += 1
            print(f"{shown}: FAILED {done.stderr.strip().splitlines()[-1:]}")
            continue
        cpu = json.loads(done.stdout)["cpu"]
        print(f"{shown:90} {cpu:6.2f} s  {cpu / unit:6.1f} x sympy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
