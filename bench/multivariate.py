"""Time the multivariate derivations of issue 17, cold, in CPU time.

Run ``python bench/multivariate.py``. Each case (a divergence, an entropy or a
cross-entropy) is derived with every step verified and rendered to LaTeX in a fresh
process, timed after ``import sympy`` and ``import kl_derive``; the unit is the CPU time
of ``python -c "import sympy"`` measured in the same run (median of three), as in
bench/divergences.py. Exit status 1 when a case fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

from divergences import sympy_unit

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
quantity, p, q = json.loads(sys.argv[1])
c = time.process_time()
if quantity == "entropy":
    kl_derive.entropy(p).to_latex()
elif quantity == "cross_entropy":
    kl_derive.cross_entropy(p, q).to_latex()
else:
    kl_derive.derive(p, q).to_latex()
print(json.dumps({"cpu": time.process_time() - c}))
"""

CASES: list[tuple[str, str, str | None]] = [
    ("kl", "normal(m, s)", "diag_normal(mu, sigma)"),
    ("kl", "diag_normal([1, 2], [a, 3])", "normal(m, exp(t))"),
    ("entropy", "diag_normal(mu, sigma)", None),
    ("entropy", "dirichlet([a1, a2, a3])", None),
    ("cross_entropy", "dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])"),
    ("entropy", "wishart(n, V)", None),
    ("entropy", "wishart(n, [[a, b], [b, c]])", None),
    ("entropy", "wishart(5, [[1, 0, 0], [0, 2, 1], [0, 1, 3]])", None),
    ("entropy", "multinomial(3, [a, b, 1 - a - b])", None),
    ("entropy", "multinomial(6, [a, b, 1 - a - b])", None),
    (
        "kl",
        "normal_gamma(mu_1, lambda_1, alpha_1, beta_1)",
        "normal_gamma(mu_2, lambda_2, alpha_2, beta_2)",
    ),
    (
        "kl",
        "normal_wishart([m1, m2], l1, [[a, b], [b, c]], n1)",
        "normal_wishart([m3, m4], l2, [[e, f], [f, g]], n2)",
    ),
    (
        "kl",
        "normal_wishart([1, 0, 2], 3/2, [[2, 1, 0], [1, 3, 1], [0, 1, 2]], 5)",
        "normal_wishart([0, 1, 1], 1, [[1, 0, 0], [0, 2, 0], [0, 0, 1]], 4)",
    ),
    ("entropy", "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)", None),
    ("entropy", "normal_gamma(mu, lambda, alpha, beta)", None),
    ("cross_entropy", "wishart(n, [[a, b], [b, c]])", "wishart(m, [[e, f], [f, g]])"),
    ("cross_entropy", "wishart(n, V)", "wishart(m, U)"),
    ("cross_entropy", "diag_normal(mu, sigma)", "diag_normal(nu, tau)"),
    ("cross_entropy", "multinomial(4, [a, b, 1 - a - b])", "multinomial(4, [c, d, 1 - c - d])"),
]


def main() -> int:
    unit = sympy_unit()
    print(f"unit: python -c 'import sympy' = {unit:.2f} s CPU")
    failed = 0
    for quantity, p, q in CASES:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, json.dumps([quantity, p, q])],
            capture_output=True,
            text=True,
        )
        label = f"{quantity:13} {p}" + (f" || {q}" if q else "")
        if done.returncode != 0:
            failed += 1
            print(f"{label}: FAILED {done.stderr.strip().splitlines()[-1:]}")
            continue
        cpu = json.loads(done.stdout)["cpu"]
        print(f"{label:100.100} {cpu:6.2f} s  {cpu / unit:6.1f} x sympy")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
