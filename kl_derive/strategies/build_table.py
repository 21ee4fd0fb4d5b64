"""Write :mod:`kl_derive.strategies.table`: what the catalog gives for each pair.

Run ``python -m kl_derive.strategies.build_table`` after adding a family. Every pair of
catalog families of the same kind is drafted (not verified: the tests verify every pair
the table lists) and its outcome recorded:

* ``"finite"`` -- a closed form for every valid parameter value;
* ``"conditional"`` -- a closed form under a condition, infinite otherwise (piecewise);
* ``"infinite"`` -- infinite for every parameter value (the supports do not nest);
* ``"none"`` -- no closed form known (an expectation the family cannot give).

The table lets ``kl-derive pairs`` answer without importing SymPy.
"""

from __future__ import annotations

import sys
from pathlib import Path

HEADER = '''"""What the catalog gives for each pair of univariate families (generated).

Written by ``python -m kl_derive.strategies.build_table``; do not edit by hand.
Outcomes: ``"finite"``, ``"conditional"`` (piecewise), ``"infinite"``, ``"none"``.
"""

OUTCOMES: dict[tuple[str, str], str] = {
'''


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


def main() -> int:
    from . import same_kind_pairs

    lines = [HEADER]
    for p, q in same_kind_pairs():
        result = outcome(p, q)
        lines.append(f'    ("{p}", "{q}"): "{result}",\n')
        print(f"{p} || {q}: {result}", file=sys.stderr)
    lines.append("}\n")
    path = Path(__file__).with_name("table.py")
    path.write_text("".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
