#!/usr/bin/env python3
"""Byte-identical output check for refactorings: a manifest of sha256 per output.

Run it from the source tree, with the interpreter kl-derive is installed in::

    nice python bench/identical.py              # compare with bench/identical.json
    nice python bench/identical.py --record     # (re)write bench/identical.json
    nice python bench/identical.py --only normal --show   # list the cases it runs

Every case is a command line of ``kl-derive`` (the derive, entropy and cross-entropy
commands, plus ``code``, ``pairs``, ``families`` and every command's ``--help``). The
script runs itself with
``PYTHONHASHSEED=0``: the JSON format's ``srepr`` lists a symbol's assumptions in an order
that depends on the hash seed (known, outside this script's remit), so a comparison is
only meaningful with the seed fixed. A derivation's command line is read
by the command itself (:func:`kl_derive.batch.read_request`: its options parsed and
checked as a user's would be), then derived afresh (no result cache) and rendered as
``kl-derive ... --no-cache`` renders it; command lines that differ only in how the
result is rendered share one derivation, so the whole set runs in one process in a few
minutes. A failing derivation is recorded as its error line, so a change in what fails
is caught too. The other commands run through click's test runner (stdout and exit
status).

The cases: every golden file's command (``normal`` in latex, markdown and json, en and
ko); ``normal`` in every format with both languages and the rendering options
(``--detail``, ``--highlight``, ``--exercise``, ``--bare``, ``--standalone``, ``--page``,
``--label``, ``--align``, ``--env``); a sample of about thirty catalog pairs (continuous,
discrete, multivariate, matrix, the Bregman strategy, ``--dims``, ``--param``) in every
format, a few of them in Korean too; entropies and cross-entropies; and the other
commands. Exit status 0 when every hash matches the recorded manifest, 1 otherwise (the
differing cases are listed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from kl_derive.cli_options import FORMATS as CLI_FORMATS

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "identical.json"

#: every format the CLI offers (--to)
FORMATS = CLI_FORMATS

#: catalog pairs: every format in English
PAIRS = (
    ("normal(mu, sigma)", "normal(m, s)"),
    ("diag_normal", None),
    ("multivariate_normal", None),
    ("low_rank_multivariate_normal", "multivariate_normal"),
    ("wishart", None),
    ("categorical", None),
    ("one_hot_categorical", None),
    ("multinomial", None),
    ("dirichlet", None),
    ("bernoulli", "poisson"),
    ("poisson", "poisson"),
    ("geometric", "geometric"),
    ("negative_binomial", "binomial"),
    ("binomial", "binomial"),
    ("gamma", "gamma"),
    ("beta", "beta"),
    ("exponential", "gamma"),
    ("laplace", None),
    ("cauchy", "cauchy"),
    ("von_mises", None),
    ("uniform", "normal"),
    ("pareto", "pareto"),
    ("gumbel", "gumbel"),
    ("weibull", "exponential"),
    ("log_normal", "log_normal"),
    ("chi2", "exponential"),
    ("inverse_gamma", "inverse_gamma"),
    ("half_normal", "normal"),
    ("continuous_bernoulli", "continuous_bernoulli"),
    ("rayleigh", "half_normal"),
    ("normal", "laplace"),
    ("exponential", "normal"),
)

#: more command lines, each in every format (English)
EXTRA = (
    ["normal", "--param", "logvar"],
    ["diag_normal(mu, sigma)", "--dims", "3"],
    ["gamma", "gamma", "--strategy", "bregman"],
    ["multivariate_normal(mu, Sigma)", "multivariate_normal(m, S)"],
)

#: pairs also rendered in Korean, every format
KOREAN = (
    ("normal(mu, sigma)", "normal(m, s)"),
    ("poisson", "poisson"),
    ("diag_normal", None),
    ("gamma", "gamma"),
)

ENTROPY = ("normal", "gamma", "beta", "bernoulli", "geometric", "von_mises")
CROSS_ENTROPY = (("normal", None), ("gamma", "exponential"), ("poisson", "poisson"))

#: rendering options of the derive command, on `normal`, en and ko
OPTIONS = (
    ["--detail", "brief"],
    ["--detail", "full"],
    ["--highlight"],
    ["--highlight", "--to", "markdown"],
    ["--highlight", "--to", "html"],
    ["--highlight", "--to", "beamer"],
    ["--exercise"],
    ["--exercise", "--to", "markdown"],
    ["--bare"],
    ["--bare", "--to", "markdown"],
    ["--standalone"],
    ["--standalone", "--to", "typst"],
    ["--page", "twocolumn"],
    ["--page", "beamer169", "--to", "beamer"],
    ["--width", "230pt"],
    ["--label", "kl"],
    ["--label", "kl", "--to", "myst"],
    ["--align", "left"],
    ["--env", "aligned"],
    ["--env", "equation"],
    ["--detail", "full", "--to", "text"],
    ["--detail", "full", "--to", "json"],  # refused: recorded as its error line
)

#: every command's --help ("" is the group's own)
HELP = ("", "derive", "entropy", "cross-entropy", "build", "code", "check", "plot", "families")
HELP += ("pairs",)

OTHER = (
    ["pairs"],
    ["families"],
    ["code", "normal"],
    ["code", "normal", "--framework", "torch", "--reduce", "mean"],
    ["code", "diag_normal", "--framework", "jax", "--param", "scale"],
    ["code", "categorical", "categorical", "--framework", "tensorflow"],
    ["code", "categorical"],  # refused: recorded as its error line
)


def _pair(p: str, q: str | None) -> list[str]:
    return [p] if q is None else [p, q]


def cases() -> list[tuple[str, list[str]]]:
    """(command, argv) for every case, in a fixed order."""
    out: list[tuple[str, list[str]]] = []
    for lang in ("en", "ko"):  # the golden files
        for fmt in ("latex", "markdown", "json"):
            out.append(("derive", ["normal", "--to", fmt, "--lang", lang]))
    for lang in ("en", "ko"):
        for fmt in FORMATS:
            out.append(("derive", ["normal", "--to", fmt, "--lang", lang]))
        for extra in OPTIONS:
            out.append(("derive", ["normal", *extra, "--lang", lang]))
    for p, q in PAIRS:
        for fmt in FORMATS:
            out.append(("derive", [*_pair(p, q), "--to", fmt]))
    for argv in EXTRA:
        for fmt in FORMATS:
            out.append(("derive", [*argv, "--to", fmt]))
    for p, q in KOREAN:
        for fmt in FORMATS:
            out.append(("derive", [*_pair(p, q), "--to", fmt, "--lang", "ko"]))
    for p in ENTROPY:
        for fmt in FORMATS:
            out.append(("entropy", [p, "--to", fmt]))
        out.append(("entropy", [p, "--to", "latex", "--lang", "ko"]))
    for p, q in CROSS_ENTROPY:
        for fmt in FORMATS:
            out.append(("cross-entropy", [*_pair(p, q), "--to", fmt]))
        out.append(("cross-entropy", [*_pair(p, q), "--to", "markdown", "--lang", "ko"]))
    for argv in OTHER:
        out.append((argv[0], argv[1:]))
    for command in HELP:
        out.append(("help", [command] if command else []))
    seen: set[str] = set()
    unique = []
    for command, argv in out:
        name = _name(command, argv)
        if name not in seen:
            seen.add(name)
            unique.append((command, argv))
    return unique


def _name(command: str, argv: list[str]) -> str:
    if command == "help":
        return " ".join(["kl-derive", *argv, "--help"])
    words = ["kl-derive"] + ([] if command == "derive" else [command])
    return " ".join(words + [json.dumps(a) if " " in a or not a else a for a in argv])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(selected: list[tuple[str, list[str]]]) -> dict[str, str]:
    """The sha256 of every case's output (text, or error line, or stdout + status)."""
    import click
    from click.testing import CliRunner

    from kl_derive.batch import derive_request, read_request, render_request
    from kl_derive.cli import main_command
    from kl_derive.errors import KLDeriveError

    results: dict[str, str] = {}
    derivations: dict[str, object] = {}
    runner = CliRunner()
    for command, argv in selected:
        name = _name(command, argv)
        if command in ("derive", "entropy", "cross-entropy"):
            try:
                request, _ = read_request(main_command.commands[command], argv)
            except (KLDeriveError, click.UsageError) as error:
                results[name] = _digest(f"refused: {error}".encode())
                continue
            key = json.dumps(request.derivation_data(), sort_keys=True)
            if key not in derivations:
                try:
                    derivations[key] = derive_request(request)
                except KLDeriveError as error:
                    derivations[key] = error
            derivation = derivations[key]
            if isinstance(derivation, KLDeriveError):
                data = f"error: {derivation}".encode()
            else:
                try:
                    data = render_request(derivation, request).encode("utf-8")
                except KLDeriveError as error:
                    data = f"error: {error}".encode()
        else:
            words = [*argv, "--help"] if command == "help" else [command, *argv]
            result = runner.invoke(main_command, words, prog_name="kl-derive")
            error = result.exception
            if isinstance(error, KLDeriveError):
                data = f"error: {error}".encode()
            elif error is not None and not isinstance(error, SystemExit):
                raise error
            else:
                data = result.stdout_bytes + f"\nexit {result.exit_code}".encode()
        results[name] = _digest(data)
    return results


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":  # see the module docstring
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"}
        )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the manifest")
    parser.add_argument("--only", metavar="TEXT", help="the cases whose command has TEXT")
    parser.add_argument("--show", action="store_true", help="list the cases and stop")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args()
    selected = cases()
    if args.only:
        selected = [c for c in selected if args.only in _name(*c)]
    if args.show:
        for case in selected:
            print(_name(*case))
        print(f"{len(selected)} cases")
        return 0
    start = time.process_time()
    results = run(selected)
    spent = time.process_time() - start
    if args.record:
        if args.only:
            print("--record writes the whole manifest; run it without --only", file=sys.stderr)
            return 2
        text = json.dumps(results, indent=1, ensure_ascii=False) + "\n"
        args.manifest.write_text(text, encoding="utf-8")
        print(f"recorded {len(results)} outputs in {args.manifest} ({spent:.0f} s CPU)")
        return 0
    recorded = json.loads(args.manifest.read_text(encoding="utf-8"))
    differ = [n for n, h in results.items() if recorded.get(n) != h]
    missing = [] if args.only else [n for n in recorded if n not in results]
    for name in differ:
        print(f"DIFFERS  {name}" if name in recorded else f"NEW      {name}")
    for name in missing:
        print(f"MISSING  {name}")
    same = len(results) - len(differ)
    print(f"{same} of {len(results)} outputs identical ({spent:.0f} s CPU)")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
