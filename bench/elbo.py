"""Time kl-derive elbo's variants and ``kl-derive code elbo``, cold, in CPU time.

Run ``python bench/elbo.py``. Each case is derived with every step verified and rendered
to LaTeX (or its code printed) in a fresh process, timed after ``import sympy`` and
``import kl_derive``; the unit is the CPU time of ``python -c "import sympy"`` measured in
the same run (median of three), as in bench/divergences.py. Exit status 1 when a case
fails.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
kind, options = json.loads(sys.argv[1])
c = time.process_time()
if kind == "derive":
    kl_derive.elbo(**options).to_latex()
else:
    from kl_derive.codegen.elbo import elbo_code
    elbo_code(**options)
print(json.dumps({"cpu": time.process_time() - c}))
"""

CASES = [
    ("derive", {}),
    ("derive", {"decoder": "gaussian-learned"}),
    ("derive", {"decoder": "bernoulli", "beta": "beta"}),
    ("derive", {"decoder": "any", "prior": "any"}),
    ("derive", {"inline": True}),
    ("code", {"framework": "torch", "decoder": "gaussian"}),
    ("code", {"framework": "numpy", "decoder": "bernoulli"}),
]


def _sympy_unit() -> float:
    """The median CPU time (user + system) of three fresh ``python -c "import sympy"``."""
    times = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "import sympy"], check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times)


def main() -> int:
    unit = _sympy_unit()
    print(f"unit: python -c 'import sympy' = {unit:.2f} s CPU")
    failed = 0
    for kind, options in CASES:
        label = f"{kind} {json.dumps(options)}"
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, json.dumps([kind, options])],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            failed += 1
            print(f"{label:60} FAILED {done.stderr.strip().splitlines()[-1:]}")
            continue
        cpu = json.loads(done.stdout)["cpu"]
        print(f"{label:60} {cpu:6.2f} s  {cpu / unit:6.1f} x sympy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
