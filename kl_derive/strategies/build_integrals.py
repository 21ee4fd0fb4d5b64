"""Write :mod:`kl_derive.strategies.integrals`: the direct integrals settled ahead of time.

Run ``python -m kl_derive.strategies.build_integrals`` after adding a family (it takes a
few minutes). Every pair of catalog families that :mod:`.table` lists as derivable is
drafted, and each expectation that reaches direct integration is
computed with :func:`~kl_derive.strategies.direct_integration.compute_expectation` (the
same code and the same work budget a derivation would use); every one it answers is
written to the table under its canonical form. A derivation then takes those answers
from the table, whatever the machine and its load, and verifies them as usual.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from sympy import Basic, Symbol, preorder_traversal
from sympy.printing.repr import ReprPrinter

HEADER = '''"""Direct integrals settled ahead of time (generated).

Written by ``python -m kl_derive.strategies.build_integrals``; do not edit by hand. Each
entry is keyed by the SHA-256 of the canonical form of an integrand (see
:func:`~kl_derive.strategies.direct_integration.settled_key`) and holds the value, the
antiderivative (or ``None``) and the condition, in the canonical names ``_z``, ``c0``,
``c1``, ... A derivation that uses an entry verifies it like any other step.
"""

from functools import lru_cache

from sympy import Basic


@lru_cache(maxsize=1)
def settled() -> dict[str, tuple[Basic, Basic | None, Basic]]:
    """The table: hashed canonical form -> (value, antiderivative, condition)."""
'''


class _Code(ReprPrinter):
    """``srepr``, with each symbol written as the name of a variable defined once."""

    def __init__(self, names: dict[Symbol, str]) -> None:
        super().__init__()
        self.names = names

    def _print_Symbol(self, expr: Symbol) -> str:
        return self.names[expr]


#: the usual assumptions, tried in turn for the shortest that makes the same symbol
_USUAL: tuple[dict[str, bool], ...] = (
    {},
    {"real": True},
    {"positive": True},
    {"integer": True, "positive": True},
    {"integer": True, "nonnegative": True},
    {"integer": True},
    {"nonnegative": True},
    {"negative": True},
)


def _assumptions(s: Symbol) -> dict[str, bool]:
    for usual in _USUAL:
        if Symbol(s.name, **usual) == s:
            return usual
    return dict(sorted(s.assumptions0.items()))


def collect() -> dict[str, tuple[str, tuple]]:
    """Every settled integral of the catalog: digest -> (description, (value,
    antiderivative, condition) in canonical names)."""
    from ..engine import draft_for
    from ..errors import KLDeriveError
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair
    from . import OUTCOMES, direct_integration, same_kind_pairs

    found: dict[str, tuple[str, tuple]] = {}
    missed: list[str] = []
    compute = direct_integration.compute_expectation

    def record(statistic, facts):
        moment = compute(statistic, facts)
        keyed = direct_integration.settled_key(statistic, facts)
        if moment is not None and keyed is not None:
            key, renaming = keyed
            antiderivative = dict(moment.params).get("antiderivative")
            parts = (moment.value, antiderivative, moment.condition)
            canonical = tuple(p.xreplace(renaming) if p is not None else None for p in parts)
            found[key] = (f"E[{statistic}] under {facts.value}", canonical)
        else:
            missed.append(f"E[{statistic}] under {facts.value}")
        return moment

    direct_integration.integrate_expectation = record  # type: ignore[assignment]
    for p, q in same_kind_pairs():
        if OUTCOMES.get((p, q), "none") == "none":
            continue  # not derivable: a derivation never asks for its integrals
        with contextlib.suppress(KLDeriveError):
            draft_for(*bind_pair(parse_spec(p), parse_spec(q)))
        print(f"{p} || {q}: {len(found)} settled so far", file=sys.stderr)
    for m in missed:
        print(f"no closed form within the budget: {m}", file=sys.stderr)
    return found


def write(found: dict[str, tuple[str, tuple]], path: Path) -> None:
    symbols: dict[Symbol, str] = {}
    for _, parts in found.values():
        for part in parts:
            if isinstance(part, Basic):
                for s in sorted(part.free_symbols, key=str):
                    symbols.setdefault(s, f"s{len(symbols)}")
    printer = _Code(symbols)
    lines = [HEADER]
    body = []
    for key in sorted(found):
        description, parts = found[key]
        body += [f"        # {line}" for line in textwrap.wrap(description, 80)]
        code = [printer.doprint(p) if p is not None else "None" for p in parts]
        body.append(f'        "{key}": ({", ".join(code)}),')
    classes: dict[str, type] = {}
    for _, parts in found.values():
        for part in parts:
            if isinstance(part, Basic):
                classes.update((type(n).__name__, type(n)) for n in preorder_traversal(part))
    code_lines = "\n".join(line for line in body if not line.lstrip().startswith("#"))
    words = set(re.findall(r"[A-Za-z_]\w*", code_lines)) - set(symbols.values())
    import sympy

    top = sorted({"Symbol"} | {w for w in words if w != "None" and hasattr(sympy, w)})
    lines.append(f"    from sympy import {', '.join(top)}\n")
    for name in sorted(words - set(top) - {"None"}):
        if name in classes:
            lines.append(f"    from {classes[name].__module__} import {name}\n")
    lines.append("\n")
    for s, name in sorted(symbols.items(), key=lambda item: int(item[1][1:])):
        options = ", ".join(f"{k}={v}" for k, v in _assumptions(s).items())
        lines.append(f'    {name} = Symbol("{s.name}", {options})\n')
    lines.append("    return {\n")
    lines += [line + "\n" for line in body]
    lines.append("    }\n")
    path.write_text("".join(lines), encoding="utf-8")
    with contextlib.suppress(OSError):  # ruff is a development tool
        subprocess.run(["ruff", "format", str(path)], check=False, capture_output=True)


def main() -> int:
    found = collect()
    write(found, Path(__file__).with_name("integrals.py"))
    print(f"{len(found)} integrals settled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
