"""Sweep extreme shapes over the univariate families on (0, 1) and (0, oo).

Run ``python bench/extreme.py`` (``--only TEXT`` for the cases whose P or Q contains TEXT,
``--part K/N`` for every N-th case from the K-th, K = 1..N (a chunk: the N parts together
are the sweep), ``--cpu SECONDS`` for the CPU time a case may take before it is reported as
slow, ``--json`` for machine-readable output, with each derived KL's value to 20 digits
(evaluated outside the CPU budget; none for an infinite series) for
``bench/extreme_check.py`` to compare with SciPy; each case is also written to
standard error as one JSON line when it ends). Every positive parameter of the swept families
takes the values 1/8, 1/10, 1/20, 30 and 50 (all combinations for two parameters), and
each such law is derived against a fixed member of every family with the same support,
both ways (KL(P || Q) and KL(Q || P)), every step verified.

Each case ends in one of: ``ok`` (derived), ``refused`` (a one-line ``KLDeriveError``,
the outcome a user gets as ``kl-derive: error: ...`` with exit 2), ``internal`` (any
other exception: a bug, what the CLI reports as "internal error") or ``slow`` (over
``--cpu`` seconds of CPU; a diagnostic of this script only, never a limit of kl-derive).
Exit status 1 when a case is ``internal`` or ``slow``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import signal
import sys
import time

#: the extreme values every swept parameter takes
VALUES = ("1/8", "1/10", "1/20", "30", "50")

#: family -> how many leading positive parameters are swept, and the fixed rest
SWEPT: dict[str, tuple[int, str]] = {
    "beta": (2, ""),
    "kumaraswamy": (2, ""),
    "gamma": (2, ""),
    "inverse_gamma": (2, ""),
    "weibull": (2, ""),
    "chi2": (1, ""),
    "chi": (1, ""),
    "exponential": (1, ""),
    "half_normal": (1, ""),
    "rayleigh": (1, ""),
}
#: log_normal's scale is its shape: swept with loc 0
PREFIXED = {"log_normal": "0, "}

#: a fixed member of each family, the other side of every case
PARTNERS = {
    "beta": "beta(2, 3)",
    "kumaraswamy": "kumaraswamy(2, 3)",
    "uniform": "uniform(0, 1)",
    "continuous_bernoulli": "continuous_bernoulli(1/3)",
    "gamma": "gamma(2, 1)",
    "inverse_gamma": "inverse_gamma(3, 1)",
    "weibull": "weibull(1, 2)",
    "exponential": "exponential(1)",
    "log_normal": "log_normal(0, 1)",
    "chi2": "chi2(3)",
    "chi": "chi(3)",
    "half_normal": "half_normal(1)",
    "rayleigh": "rayleigh(1)",
}
UNIT = {"beta", "kumaraswamy", "uniform", "continuous_bernoulli"}


def members() -> list[tuple[str, str]]:
    """(family, spec) for every swept law."""
    out = []
    for family, (count, rest) in SWEPT.items():
        for values in itertools.product(VALUES, repeat=count):
            out.append((family, f"{family}({', '.join(values)}{rest})"))
    for family, prefix in PREFIXED.items():
        out += [(family, f"{family}({prefix}{v})") for v in VALUES]
    return out


def cases() -> list[tuple[str, str]]:
    """Every (P, Q): a swept law against each partner of the same support, both ways.
    A law on (0, 1) is also compared with the partners on (0, oo) (its support lies
    inside theirs), and they with it (an infinite KL, decided by the support)."""
    out = []
    for family, spec in members():
        for partner_family, partner in PARTNERS.items():
            if family in UNIT or partner_family not in UNIT:
                out += [(spec, partner), (partner, spec)]
    return out


class _Slow(BaseException):  # not caught by a broad except inside
    pass


def _alarm(signum, frame):
    raise _Slow


def run(p: str, q: str, cpu: float) -> dict:
    from sympy import Sum

    import kl_derive
    from kl_derive.errors import KLDeriveError

    start = time.process_time()
    value = ""
    signal.setitimer(signal.ITIMER_PROF, cpu)
    try:
        derivation = kl_derive.derive(p, q)
        status, detail = "ok", ""
    except _Slow:
        status, detail = "slow", f"over {cpu:g} s of CPU"
    except KLDeriveError as error:
        status, detail = "refused", str(error)
    except Exception as error:  # the sweep reports every failure
        status, detail = "internal", f"{type(error).__name__}: {error}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    cpu = time.process_time() - start
    if status == "ok" and not derivation.result.has(Sum):
        # outside the CPU budget; not an infinite series of numbers (kumaraswamy || beta),
        # which SymPy's evalf sums by Euler-Maclaurin for minutes
        value = derivation.result.evalf(20)
        value = str(value) if value.is_number else ""
    return {
        "p": p,
        "q": q,
        "status": status,
        "detail": detail[:300],
        "value": value,
        "cpu": round(cpu, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only cases whose P or Q contains TEXT")
    parser.add_argument("--cpu", type=float, default=30.0, help="CPU seconds before 'slow'")
    parser.add_argument("--part", default="1/1", help="K/N: every N-th case from the K-th")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import os

    os.environ.setdefault("KL_DERIVE_NO_CACHE", "1")
    signal.signal(signal.SIGPROF, _alarm)
    part, parts = (int(x) for x in args.part.split("/"))
    selected = [(p, q) for p, q in cases() if args.only in p or args.only in q]
    selected = selected[part - 1 :: parts]
    results = []
    for p, q in selected:
        result = run(p, q, args.cpu)
        results.append(result)
        if not args.json:
            print(f"{result['status']:9} {result['cpu']:6.2f}s  {p} || {q}  {result['detail']}")
        else:  # one line per case as it ends, then the summary
            print(json.dumps(result), file=sys.stderr)
        sys.stdout.flush()
    statuses = ("ok", "refused", "internal", "slow")
    counts = {s: sum(r["status"] == s for r in results) for s in statuses}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if args.json:
        print(json.dumps({"counts": counts, "results": results}, indent=1))
    else:
        print(f"{len(results)} cases: {counts} (peak memory {peak} MB)")
    return 1 if counts["internal"] or counts["slow"] else 0


if __name__ == "__main__":
    sys.exit(main())
