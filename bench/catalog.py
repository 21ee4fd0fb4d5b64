"""Time the whole family catalog: every derivable pair, cold and warm, slowest ten.

Run ``python bench/catalog.py`` (``--json`` for machine-readable output, ``--jobs N`` to
run N processes at a time). For each pair in ``kl-derive pairs``' catalog (and the
Dirichlet, low-rank, Bregman, multinomial, logits, K-category and Wishart cases) the
derivation is made with every step verified and rendered to LaTeX:

* cold: in a fresh ``python`` process, timed after ``import sympy`` and ``import
  kl_derive`` (the derivation's own cost, SymPy's caches empty);
* warm: the same derivation again in that process.

It prints the totals, the slowest ten pairs, and how many exceed three seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

_MEASURE = """
import json, sys, time
import sympy
import kl_derive
p, q, strategy = json.loads(sys.argv[1])
t = time.perf_counter()
d = kl_derive.derive(p, q, strategy=strategy)
d.to_latex()
cold = time.perf_counter() - t
t = time.perf_counter()
kl_derive.derive(p, q, strategy=strategy).to_latex()
warm = time.perf_counter() - t
print(json.dumps({"cold": cold, "warm": warm, "steps": len(d.steps)}))
"""

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


def measure(case: tuple[str, str, str | None]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(case)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    all_cases = cases()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(measure, all_cases))
    rows = [
        {"p": p, "q": q, "strategy": s or "default", **r}
        for (p, q, s), r in zip(all_cases, results, strict=True)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    timed = [r for r in rows if "cold" in r]
    failed = [r for r in rows if "error" in r]
    cold = sum(r["cold"] for r in timed)
    warm = sum(r["warm"] for r in timed)
    print(f"{len(timed)} derivations: cold {cold:.1f} s in all, warm {warm:.1f} s in all")
    print(f"median cold {sorted(r['cold'] for r in timed)[len(timed) // 2]:.2f} s")
    print("slowest ten (cold, warm, steps):")
    for r in sorted(timed, key=lambda r: -r["cold"])[:10]:
        label = f"{r['p']} || {r['q']}" + (
            f" [{r['strategy']}]" if r["strategy"] != "default" else ""
        )
        print(f"  {r['cold']:6.2f} s  {r['warm']:6.2f} s  {r['steps']:3d}  {label}")
    slow = [r for r in timed if r["cold"] > 3.0]
    print(f"over 3 s: {len(slow)}")
    for r in failed:
        print(f"FAILED {r['p']} || {r['q']}: {r['error']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
