"""What the catalog gives for each pair of univariate families, read from ``table.json``.

The data is written by ``python -m kl_derive.strategies.build_table`` (never by hand): it
drafts every pair and records its outcome, so that ``kl-derive pairs`` answers without
importing SymPy. Outcomes: ``"finite"``, ``"conditional"`` (piecewise), ``"infinite"``,
``"none"`` (no closed form known).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["ENTROPY", "OUTCOMES", "SHARED", "TABLE_PATH"]

#: the generated data file beside this module
TABLE_PATH = Path(__file__).with_name("table.json")


def _load() -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], tuple[str, ...]], tuple]:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    outcomes = {(p, q): outcome for p, q, outcome in data["outcomes"]}
    shared = {(p, q): tuple(names) for p, q, names in data["shared"]}
    return outcomes, shared, tuple(data["entropy"])


#: (P family, Q family) -> what KL(P || Q) is in the catalog
OUTCOMES: dict[tuple[str, str], str]
#: pairs whose closed form needs the two laws to share a parameter (the same
#: total_count: the binomial coefficients cancel only then), and which ones
SHARED: dict[tuple[str, str], tuple[str, ...]]
#: the families whose entropy has a closed form (kl-derive entropy)
ENTROPY: tuple[str, ...]
OUTCOMES, SHARED, ENTROPY = _load()
