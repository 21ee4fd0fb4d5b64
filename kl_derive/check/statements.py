"""Reading statements: a pasted line, a block of lines, the body of a function in a file.

A loss is written as statements, not as one expression::

    kl = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl = K.sum(kl, axis=-1)
    kl *= -0.5

:func:`read_statements` reads such a sequence in order, substituting each name's latest
readable definition into the statements after it (never evaluating anything), so the
last statement above reads as ``-0.5 * K.sum(1 + z_log_var - ..., axis=-1)``. Assignments
(``=`` to several targets, every augmented operator, annotated), ``return`` and bare
expressions are read; ``self.kl_loss = ...`` assigns ``kl_loss``. A definition that cannot
be read (``std = F.softplus(h)``) leaves its name as a plain variable, and the reason is
kept for the report. Compound statements (``if``, ``for``, ``with``, ``try``) are read
through, in the order they are written; functions and classes are separate scopes.
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import CheckInputError, option
from .expressions import ExpressionReader
from .limits import (
    MAX_DEGREE,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_STATEMENTS,
    power_degree,
    show,
)
from .roles import looks_like_kl
from .syntax import unparse
from .tree import BinOp, Neg, Node, children

__all__ = [
    "MAX_BLOCK_LENGTH",
    "MAX_NESTING",
    "NotABlock",
    "Statement",
    "block_target",
    "parse_module",
    "read_block",
    "read_statements",
]

#: Longest pasted block (or text read from standard input), in characters.
MAX_BLOCK_LENGTH = 100_000
#: Deepest nesting of an expression once earlier statements are substituted into it.
MAX_NESTING = 120

_AUGMENTED = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)
_SKIPPED = (ast.Import, ast.ImportFrom, ast.Pass, ast.Global, ast.Nonlocal, ast.Delete, ast.Assert)


class NotABlock(Exception):
    """The text holds more than simple statements (a def, an if ...): read it as a file."""


@dataclass(frozen=True)
class Statement:
    """One statement read: what it assigns, where, and its value as a tree (or why not).

    ``name`` is the assigned name (``kl_loss`` for ``self.kl_loss = ...``), ``"return"``
    for a return and ``""`` for a bare expression. ``uses`` holds the indices of the
    earlier statements whose values were substituted into this one (directly or through
    others); ``unread`` the names it uses whose latest definition could not be read, with
    the reason.
    """

    index: int
    name: str
    line: int
    source: str
    value: Node | None
    error: str | None = None
    uses: frozenset[int] = frozenset()
    unread: tuple[tuple[str, str], ...] = ()
    function: str = ""
    end_line: int = 0


def parse_module(text: str, where: str = "the code") -> ast.Module:
    """Parse Python source with :func:`ast.parse`; a syntax error is one line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as error:
        reason = (error.msg or "invalid syntax").splitlines()[0]
        line = f" (line {error.lineno})" if error.lineno and "\n" in text.strip() else ""
        raise CheckInputError(f"cannot read {where}{line}: {reason}", error.lineno) from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckInputError(f"cannot read {where}: {reason}") from None


def _bracket_depth(source: str) -> int:
    """The deepest nesting of brackets in the text (parentheses leave no trace in the AST)."""
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _expression_depth(tree: ast.AST) -> int:
    """The nesting depth of expression nodes, computed without recursion (capped)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def measure(node: Node) -> tuple[int, int]:
    """The number of nodes (counting shared subtrees each time) and the depth of a tree."""
    sizes: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if id(current) in sizes:
            continue
        kids = children(current)
        if ready or not kids:
            size = 1 + sum(sizes[id(k)][0] for k in kids)
            depth = 1 + max((sizes[id(k)][1] for k in kids), default=0)
            sizes[id(current)] = (min(size, MAX_NODES + 1), depth)
            continue
        stack.append((current, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(node)]


def _check_size(node: Node) -> None:
    size, depth = measure(node)
    if size > MAX_NODES:
        raise CheckInputError(
            f"the expression is too large once earlier lines are substituted "
            f"(more than {MAX_NODES} nodes)"
        )
    if depth > MAX_NESTING:
        raise CheckInputError(
            f"the expression is nested too deeply once earlier lines are substituted "
            f"(more than {MAX_NESTING} levels)"
        )
    if power_degree(node) > MAX_DEGREE:
        raise CheckInputError(
            f"the powers in the loss line are nested too high (degree above {MAX_DEGREE})"
        )


# --------------------------------------------------------------------------- statements


def _target_name(target: ast.AST) -> str | None:
    """``kl`` for ``kl``, ``self.kl``, ``out["kl"]``; None for anything else."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
        and target.slice.value.isidentifier()
    ):
        return target.slice.value
    return None


def _bound_names(target: ast.AST) -> Iterator[str]:
    """Every name a target binds (a tuple, a starred name, a for-loop variable)."""
    name = _target_name(target)
    if name is not None:
        yield name
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _flatten(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, list[str]]]:
    """The statements of a body in the order written, compound ones read through.

    Each comes with the names bound by the compound statement around it (loop variables,
    ``with ... as x``), which are not readable definitions.
    """
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield stmt, [stmt.name]
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            yield stmt, list(_bound_names(stmt.target))
            yield from _flatten(stmt.body)
            yield from _flatten(stmt.orelse)
        elif isinstance(stmt, (ast.While, ast.If)):
            yield from _flatten(stmt.body)
            yield from _flatten(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            names = [
                n
                for item in stmt.items
                if item.optional_vars
                for n in _bound_names(item.optional_vars)
            ]
            yield stmt, names
            yield from _flatten(stmt.body)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from _flatten(stmt.body)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                yield from _flatten(handler.body)
            yield from _flatten(stmt.orelse)  # type: ignore[attr-defined]
            yield from _flatten(stmt.finalbody)  # type: ignore[attr-defined]
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _flatten(case.body)
        else:
            yield stmt, []


class _Scope:
    """The names defined so far in a scope: name -> (statement index, tree or None)."""

    def __init__(self, text: str | list[str], function: str) -> None:
        self.lines = text.splitlines(keepends=True) if isinstance(text, str) else text
        self.function = function
        self.defined: dict[str, tuple[int, Node | None, str]] = {}
        self.statements: list[Statement] = []

    def segment(self, stmt: ast.stmt) -> str:
        """The statement's source text (what :func:`ast.get_source_segment` gives)."""
        end_line, end_col = stmt.end_lineno, stmt.end_col_offset
        if end_line is None or end_col is None or end_line > len(self.lines):
            return unparse(stmt)
        if end_line - stmt.lineno > 200:
            return unparse(stmt)[: MAX_LENGTH + 1]
        lines = [line.encode() for line in self.lines[stmt.lineno - 1 : end_line]]
        if len(lines) == 1:
            return lines[0][stmt.col_offset : end_col].decode(errors="replace")
        first = lines[0][stmt.col_offset :]
        return b"".join([first, *lines[1:-1], lines[-1][:end_col]]).decode(errors="replace")

    def read(self, node: ast.AST) -> tuple[Node, frozenset[int], tuple[tuple[str, str], ...]]:
        uses: set[int] = set()
        unread: dict[str, str] = {}

        def lookup(name: str) -> Node | None:
            if name not in self.defined:
                return None
            index, value, reason = self.defined[name]
            uses.add(index)
            if value is None:
                unread.setdefault(name, reason)
            else:
                uses.update(self.statements[index].uses)
                for inner, why in self.statements[index].unread:
                    unread.setdefault(inner, why)
            return value

        value = ExpressionReader(lookup).read(node)
        _check_size(value)
        return value, frozenset(uses), tuple(unread.items())

    def add(self, stmt: ast.stmt, name: str, value_node: ast.AST | None, op: str = "") -> None:
        index = len(self.statements)
        end = stmt.end_lineno or stmt.lineno
        source = self.segment(stmt)
        line = " ".join(source.split())
        try:
            if value_node is None:
                raise CheckInputError("nothing to read")
            if len(source) > MAX_LENGTH:
                raise CheckInputError(
                    f"the statement is too long ({len(source)} characters, at most {MAX_LENGTH})"
                )
            if _expression_depth(value_node) > MAX_DEPTH:
                raise CheckInputError(
                    f"the statement is nested too deeply (more than {MAX_DEPTH} levels)"
                )
            value, uses, unread = self.read(value_node)
            if op:
                value, uses, unread = self._augmented(name, op, value, uses, unread)
            statement = Statement(
                index, name, stmt.lineno, line, value, None, uses, unread, self.function, end
            )
        except CheckInputError as error:
            statement = Statement(
                index, name, stmt.lineno, line, None, str(error), function=self.function,
                end_line=end,
            )  # fmt: skip
        self.statements.append(statement)
        if name and name != "return":
            error = str(statement.error)
            short = error if len(error) <= 120 else error[:117] + "..."
            reason = f"line {stmt.lineno} ({show(line)}): {short}"
            self.defined[name] = (index, statement.value, reason)

    def _augmented(
        self,
        name: str,
        op: str,
        value: Node,
        uses: frozenset[int],
        unread: tuple[tuple[str, str], ...],
    ) -> tuple[Node, frozenset[int], tuple[tuple[str, str], ...]]:
        """``kl *= -0.5`` is ``kl = kl * -0.5``; ``kl += t`` with no earlier kl is ``t``."""
        if name not in self.defined:
            if op == "+":
                return value, uses, unread
            if op == "-":
                return Neg(value), uses, unread
            raise CheckInputError(
                f"{name} {op}= ...: {name!r} is not defined in what was given; "
                "give the lines that compute it too"
            )
        index, before, reason = self.defined[name]
        if before is None:
            raise CheckInputError(f"{name!r} is not read: {reason}")
        combined = BinOp(op, before, value)
        _check_size(combined)
        return combined, uses | {index} | self.statements[index].uses, unread

    def forget(self, names: list[str], why: str, stmt: ast.stmt, shown: bool = False) -> None:
        """Names bound by a statement that is not read; ``shown`` if it is a statement a
        block may end with (an unpacking, an augmented assignment check does not read)."""
        source = " ".join(self.segment(stmt).split()) if shown else ""
        for name in names:
            index = len(self.statements)
            self.statements.append(
                Statement(index, name if shown else "", stmt.lineno, source, None, why,
                          function=self.function, end_line=stmt.end_lineno or stmt.lineno)
            )  # fmt: skip
            self.defined[name] = (index, None, f"line {stmt.lineno}: {why}")


def read_statements(
    body: list[ast.stmt], text: str | list[str], *, function: str = "", expressions: bool = True
) -> list[Statement]:
    """Read a body of statements in order (see the module docstring).

    ``text`` is the source the body was parsed from (or its lines, with their ends). With
    ``expressions`` false, bare expression statements (``loss.backward()``) are passed over.
    """
    scope = _Scope(text, function)
    for stmt, bound in _flatten(body):
        if len(scope.statements) > MAX_STATEMENTS * 50:
            break
        if isinstance(stmt, ast.Assign):
            names = [_target_name(t) for t in stmt.targets]
            if any(n is None for n in names):
                scope.forget(
                    [n for t in stmt.targets for n in _bound_names(t)],
                    "assigned by unpacking",
                    stmt,
                    shown=True,
                )
                continue
            for name in names:
                scope.add(stmt, str(name), stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            name = _target_name(stmt.target)
            op = _AUGMENTED.get(type(stmt.op))
            if name is None:
                continue
            if op is None:
                scope.forget(
                    [name], "the operator of this augmented assignment is not read", stmt, True
                )
                continue
            scope.add(stmt, name, stmt.value, op)
        elif isinstance(stmt, ast.AnnAssign):
            name = _target_name(stmt.target)
            if name is not None and stmt.value is not None:
                scope.add(stmt, name, stmt.value)
        elif isinstance(stmt, ast.Return):
            scope.add(stmt, "return", stmt.value)
        elif isinstance(stmt, ast.Expr):
            if expressions and not (
                isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
            ):
                scope.add(stmt, "", stmt.value)
        elif bound:
            scope.forget(bound, "bound by a loop, a with or a definition", stmt)
    return scope.statements


def read_block(text: str) -> list[Statement]:
    """The statements of a pasted line or block; raises :class:`NotABlock` for a file."""
    if not isinstance(text, str):
        raise CheckInputError(f"the loss line must be a string, not {type(text).__name__}")
    one_line = "\n" not in text.strip()
    limit = MAX_LENGTH if one_line else MAX_BLOCK_LENGTH
    if len(text) > limit:
        what = "loss line" if one_line else "block"
        raise CheckInputError(f"the {what} is too long ({len(text)} characters, at most {limit})")
    source = textwrap.dedent(text.replace("\r\n", "\n")).strip()
    if not source:
        raise CheckInputError(
            "empty loss line; give the KL term as written in the code, "
            "e.g. '-0.5 * sum(1 + logvar - mu**2 - exp(logvar))'"
        )
    if _bracket_depth(source) > MAX_DEPTH:
        raise CheckInputError(
            f"the loss line is nested too deeply (more than {MAX_DEPTH} levels of brackets)"
        )
    module = parse_module(source, show(source) if one_line else "the block")
    if any(not isinstance(s, (*_SIMPLE, *_SKIPPED)) for s in module.body):
        raise NotABlock
    if len(module.body) > MAX_STATEMENTS:
        raise CheckInputError(f"the block has more than {MAX_STATEMENTS} statements")
    return read_statements(module.body, source)


def block_target(statements: list[Statement], name: str | None = None) -> Statement:
    """The statement that computes the KL: the last one, or the last assigning ``name``."""
    readable = [s for s in statements if s.source]
    if not readable:
        raise CheckInputError("the block has no assignment or expression to check")
    if name is not None:
        chosen = [s for s in readable if s.name == name]
        if not chosen:
            names = sorted({s.name for s in readable if s.name and s.name != "return"})
            listed = ", ".join(names) if names else "no names"
            raise CheckInputError(f"the block does not assign {name!r} (it assigns {listed})")
        target = chosen[-1]
    else:
        target = readable[-1]
    if target.value is None:
        others = [
            s.name
            for s in readable
            if s.value is not None and s.name not in ("", "return", target.name)
            and looks_like_kl(s.name)
        ]  # fmt: skip
        hint = ""
        if others and name is None:
            hint = f"; to check another assignment, name it with {option('name', others[-1])}"
        where = f"line {target.line} " if len(statements) > 1 else ""
        raise CheckInputError(f"cannot read {where}{show(target.source)}: {target.error}{hint}")
    return target
