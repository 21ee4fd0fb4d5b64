"""Write :mod:`kl_derive.strategies.table`: what the catalog gives for each pair.

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

import sys
from pathlib import Path

HEADER = '''"""What the catalog gives for each pair of univariate families (generated).

Written by ``python -m kl_derive.strategies.build_table``; do not edit by hand.
Outcomes: ``"finite"``, ``"conditional"`` (piecewise), ``"infinite"``, ``"none"``.
"""

OUTCOMES: dict[tuple[str, str], str] = {
'''

ENTROPY_HEADER = """
#: the families whose entropy has a closed form (kl-derive entropy)
ENTROPY: tuple[str, ...] = (
"""

SHARED_HEADER = """
#: pairs whose closed form needs the two laws to share a parameter (the same
#: total_count: the binomial coefficients cancel only then), and which ones
SHARED: dict[tuple[str, str], tuple[str, ...]] = {
"""


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

    lines = [HEADER]
    needs = []
    for p, q in same_kind_pairs():
        result = outcome(p, q)
        lines.append(f'    ("{p}", "{q}"): "{result}",\n')
        print(f"{p} || {q}: {result}", file=sys.stderr)
        names = shared(p, q) if result in ("finite", "conditional") else ()
        if names:
            written = "".join(f'"{name}", ' for name in names).rstrip(" ")
            needs.append(f'    ("{p}", "{q}"): ({written}),\n')
    lines.append("}\n")
    lines.append(SHARED_HEADER)
    lines.extend(needs)
    lines.append("}\n")
    lines.append(ENTROPY_HEADER)
    lines.extend(f'    "{name}",\n' for name in entropy_families())
    lines.append(")\n")
    path = Path(__file__).with_name("table.py")
    path.write_text("".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
