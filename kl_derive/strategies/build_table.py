"""Write ``strategies/table.json`` (read by :mod:`kl_derive.strategies.table`): what the
catalog gives for each pair.

Run ``python -m kl_derive.strategies.build_table`` after adding a family. Every pair of
catalog families of the same kind is drafted (not verified: the tests verify every pair
the table lists) and its outcome recorded:

* ``"finite"`` -- a closed form for every valid parameter value;
* ``"conditional"`` -- a closed form under a condition, infinite otherwise (piecewise);
* ``"infinite"`` -- infinite for every parameter value (the supports do not nest);
* ``"none"`` -- no closed form known (an expectation the family cannot give).

``SHARED`` lists the pairs whose closed form needs a parameter shared by both laws (two
binomial laws with the same ``total_count``).

The table lets ``kl-derive pairs`` answer without importing SymPy.
"""

from __future__ import annotations

import json
import sys


def outcome(p: str, q: str) -> str:
    from sympy import Piecewise, oo

    from ..engine import draft_for
    from ..errors import KLDeriveError
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair
    from . import PAIRS

    PAIRS.setdefault((p, q), (("moments", "kl_derive.strategies.expected_log_ratio"),))
    try:
        draft = draft_for(*bind_pair(parse_spec(p), parse_spec(q)))
    except KLDeriveError:
        return "none"
    if draft.result_display == oo:
        return "infinite"
    if isinstance(draft.result_display, Piecewise):
        return "conditional"
    return "finite"


def entropy_families() -> list[str]:
    """The catalog families whose entropy has a closed form (the others need an
    expectation such as E[log k!] that none gives)."""
    from ..errors import KLDeriveError
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair
    from . import CATALOG_FAMILIES
    from .entropy import derive_entropy

    out = []
    for name in CATALOG_FAMILIES:
        try:
            derive_entropy(bind_pair(parse_spec(name), None)[0])
        except KLDeriveError:
            continue
        out.append(name)
    return out


def shared(p: str, q: str) -> tuple[str, ...]:
    """The parameters two laws of one family must share for the closed form: the counts
    (``total_count``) when the pair drafted with a count of its own for each law has
    none (the binomial coefficients then do not cancel)."""
    from ..engine import draft_for
    from ..errors import KLDeriveError
    from ..families import get_family
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair

    family = get_family(p)
    counts = tuple(x.name for x in family.parameters if x.domain == "count")
    if p != q or not counts:
        return ()

    def spec(suffix: str) -> str:
        return f"{p}({', '.join(x.symbol + suffix for x in family.parameters)})"

    try:
        draft_for(*bind_pair(parse_spec(spec("_1")), parse_spec(spec("_2"))))
    except KLDeriveError:
        return counts
    return ()


def main() -> int:
    from . import same_kind_pairs
    from .table import TABLE_PATH

    outcomes, needs = [], []
    for p, q in same_kind_pairs():
        result = outcome(p, q)
        outcomes.append([p, q, result])
        print(f"{p} || {q}: {result}", file=sys.stderr)
        names = shared(p, q) if result in ("finite", "conditional") else ()
        if names:
            needs.append([p, q, list(names)])
    sections = {"outcomes": outcomes, "shared": needs, "entropy": entropy_families()}
    body = ",\n".join(
        f'  "{name}": [\n' + ",\n".join("    " + json.dumps(row) for row in rows) + "\n  ]"
        for name, rows in sections.items()
    )
    TABLE_PATH.write_text("{\n" + body + "\n}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
