"""``kl-derive check model.py src/``: find the KL terms of Python files and check each.

Files are parsed with :mod:`ast` and never imported or run. Each function body (and the
module's top level) is read as a block (:func:`kl_derive.check.statements.read_statements`),
so ``kl = ...`` / ``kl = K.sum(kl, axis=-1)`` / ``kl *= -0.5`` is one KL term, found at
the statement that completes it. A statement is a KL term when

* it assigns a KL-like name (``kl``, ``KLD``, ``kl_loss``, ``latent_loss``, ...) or is the
  ``return`` of a function with such a name, or
* its value reads as a Gaussian KL: a mean and a scale (by their names), a reduction, and
  ``exp`` or ``log``,

and no later KL term in the same body builds on it. Each one gives a line ``path:line:
correct|incorrect (mistake)|biased (...): ...``; a KL-like assignment that check cannot read
gives ``path:line: unchecked: reason``; a file that cannot be read or parsed gives
``path:line: error: reason``. A statement whose lines carry ``# kl-derive: ignore`` is
passed over. The status is 0 when every KL term is right, 1 when one is not, 2 when a file
could not be read.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import CheckInputError
from .report import CheckReport
from .roles import SCALE_ROLES, guess_role, looks_like_kl
from .statements import Statement, parse_module, read_statements
from .tree import Func, Node, Reduce, variables, walk

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TERMS_PER_FILE",
    "Finding",
    "lint_paths",
    "lint_source",
    "python_files",
    "status",
]

#: Largest file read, in bytes.
MAX_FILE_BYTES = 5_000_000
#: Most KL terms checked in one file (the rest are reported as one unchecked line).
MAX_TERMS_PER_FILE = 200
#: Folders never walked into.
EXCLUDED = frozenset(
    {"__pycache__", "node_modules", "site-packages", "venv", ".venv", "build", "dist", ".git"}
)
IGNORE_COMMENT = "kl-derive: ignore"


@dataclass(frozen=True)
class Finding:
    """One line of the linter's output."""

    path: str
    line: int
    verdict: str
    message: str
    report: CheckReport | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:" if self.line else f"{self.path}:"
        if self.verdict in ("error", "unchecked"):
            return f"{where} {self.verdict}: {self.message}"
        return f"{where} {self.message}"


def _looks_gaussian(value: Node) -> bool:
    roles = {guess_role(n) for n in variables(value)}
    if "mu" not in roles or not roles & set(SCALE_ROLES):
        return False
    nodes = list(walk(value))
    reduced = any(isinstance(n, Reduce) for n in nodes)
    return reduced and any(isinstance(n, Func) and n.name in ("exp", "log") for n in nodes)


def _named(statement: Statement) -> bool:
    if statement.name == "return":
        return looks_like_kl(statement.function)
    return bool(statement.name) and looks_like_kl(statement.name)


def _candidate(statement: Statement) -> bool:
    if statement.value is None:
        return _named(statement)
    return _named(statement) or _looks_gaussian(statement.value)


def _ignored(statement: Statement, lines: list[str]) -> bool:
    end = max(statement.end_line, statement.line)
    return any(IGNORE_COMMENT in line for line in lines[statement.line - 1 : end])


def _scopes(module: ast.Module) -> Iterator[tuple[list[ast.stmt], str]]:
    yield module.body, ""
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.body, node.name


def lint_source(
    text: str,
    path: str,
    *,
    param: str | None = None,
    names: Mapping[str, str] | None = None,
    against: str | None = None,
) -> list[Finding]:
    """The findings of one file's source text (see the module docstring)."""
    from .compare import check_tree

    try:
        module = parse_module(text, "the file")
    except CheckInputError as error:
        reason = str(error).split(": ", 1)[-1]
        return [Finding(path, error.line or 1, "error", f"syntax error: {reason}")]
    lines = text.splitlines(keepends=True)
    findings: list[Finding] = []
    checked = 0
    for body, function in _scopes(module):
        statements = read_statements(body, lines, function=function, expressions=False)
        chosen = [s for s in statements if s.source and _candidate(s)]
        consumed: set[int] = set()
        for statement in reversed(chosen):  # a later term that checks includes earlier ones
            if statement.index in consumed or _ignored(statement, lines):
                continue
            if statement.value is None:
                continue  # a KL computed by a call check does not read (a library's KL)
            checked += 1
            if checked > MAX_TERMS_PER_FILE:
                findings.append(
                    Finding(
                        path, statement.line, "unchecked",
                        f"more than {MAX_TERMS_PER_FILE} KL terms in one file; the rest of the "
                        "file is not checked (split it, or check the terms one by one)",
                    )
                )  # fmt: skip
                findings.sort(key=lambda f: f.line)
                return findings
            try:
                report = check_tree(
                    statement.value,
                    against=against,
                    param=param,
                    names=names,
                    unread=dict(statement.unread),
                )
            except CheckInputError as error:
                if _named(statement):  # a KL by its name that check cannot read: say why
                    findings.append(Finding(path, statement.line, "unchecked", str(error)))
                continue  # else a loss that adds other terms; its KL parts are checked alone
            consumed |= statement.uses
            findings.append(Finding(path, statement.line, report.verdict, report.message, report))
    findings.sort(key=lambda f: f.line)
    return findings


def python_files(paths: Iterable[str]) -> Iterator[tuple[str, Path | None, str]]:
    """``(shown path, path, error)`` for every file to read: a directory's ``*.py`` files,
    in sorted order, hidden and build folders skipped; a missing path gives an error."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if d not in EXCLUDED and not d.startswith(".")]
                found.extend(Path(root) / name for name in files if name.endswith(".py"))
            for full in sorted(found, key=lambda p: p.parts):
                yield str(full), full, ""
        elif path.exists():
            yield given, path, ""
        else:
            yield given, None, "no such file or directory"


def read_python(path: Path) -> str:
    """A file's text, decoded as Python decodes source (PEP 263); OSError or ValueError."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"the file is larger than {MAX_FILE_BYTES} bytes")
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def lint_paths(
    paths: Iterable[str],
    *,
    param: str | None = None,
    names: Mapping[str, str] | None = None,
    against: str | None = None,
) -> tuple[list[Finding], int]:
    """The findings of files and folders, and the exit status (0 right, 1 wrong, 2 error)."""
    findings: list[Finding] = []
    for shown, path, problem in python_files(paths):
        if path is None:
            findings.append(Finding(shown, 0, "error", problem))
            continue
        try:
            text = read_python(path)
        except (OSError, ValueError, SyntaxError, LookupError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            findings.append(Finding(shown, 0, "error", f"cannot read the file: {reason}"))
            continue
        findings.extend(lint_source(text, shown, param=param, names=names, against=against))
    return findings, status(findings)


def status(findings: Iterable[Finding]) -> int:
    """2 when a file could not be read, else 1 when a KL term is wrong, else 0."""
    verdicts = {f.verdict for f in findings}
    if "error" in verdicts:
        return 2
    return 1 if verdicts & {"incorrect", "biased"} else 0
