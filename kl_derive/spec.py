"""Reading distribution specs such as ``normal(mu, exp(s))`` without ``eval``.

A spec is parsed with :func:`ast.parse` and then walked over a small whitelist of
node types; anything else is refused with a one-line :class:`~kl_derive.errors.SpecError`.
The result is a tiny tree of our own (:class:`Node`), so that this module does not
import SymPy; :mod:`kl_derive.symbolic.convert` turns the tree into SymPy objects.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .errors import SpecError
from .independent import unwrap_independent

#: Functions a parameter expression may call.
FUNCTIONS = ("exp", "log", "sqrt")
#: Names that stand for constants rather than symbols.
CONSTANTS = ("pi",)
#: Names kl-derive uses itself: the integration variable, the conditioning variable of
#: ``q(z | x)`` and the standard-normal noise of the reparametrization.
RESERVED = ("z", "x", "epsilon")

#: Keyword arguments a spec may use: PyTorch's ``logits`` in place of ``probs``.
KEYWORDS = ("logits",)

MAX_SPEC_LENGTH = 400
MAX_DEPTH = 24
MAX_EXPONENT = 64
MAX_LITERAL = 10**12
MAX_DIMENSION = 16

_SHAPE = "write a distribution as family(arg, ...), e.g. normal(mu, sigma)"

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass(frozen=True)
class Node:
    """One node of a parsed parameter expression.

    ``kind`` is ``"num"`` (``value`` is the literal's text), ``"name"``, ``"const"``,
    ``"neg"``, ``"binop"`` (``value`` is the operator), ``"call"`` (``value`` is the
    function's name) or ``"list"`` (a vector ``[a, b]`` or a matrix ``[[a, b], [c, d]]``).
    """

    kind: str
    value: str = ""
    args: tuple[Node, ...] = ()

    def __str__(self) -> str:
        if self.kind in ("num", "name", "const"):
            return self.value
        if self.kind == "neg":
            return f"-{self.args[0]}"
        if self.kind == "binop":
            left, right = self.args
            return f"({left} {self.value} {right})"
        if self.kind == "list":
            return f"[{', '.join(map(str, self.args))}]"
        return f"{self.value}({', '.join(map(str, self.args))})"


@dataclass(frozen=True)
class DistributionSpec:
    """A parsed spec: the family name as written and its argument trees."""

    family: str
    args: tuple[Node, ...]
    text: str
    #: keyword arguments, PyTorch's spelling: only ``logits`` (for ``probs``)
    keywords: tuple[tuple[str, Node], ...] = ()


def parse_spec(text: str) -> DistributionSpec:
    """Parse ``family(arg, ...)`` (or a bare ``family``) into a :class:`DistributionSpec`.

    >>> parse_spec("normal(mu, exp(s))").family
    'normal'
    """
    if not isinstance(text, str):
        raise TypeError(
            f"a distribution is given as a string such as 'normal(mu, sigma)'; got {text!r}"
        )
    source = text.strip()
    if not source:
        raise SpecError(
            "empty distribution spec; write it as family(arg, ...), e.g. normal(mu, sigma)"
        )
    if len(source) > MAX_SPEC_LENGTH:
        raise SpecError(
            f"distribution spec is too long ({len(source)} characters, at most {MAX_SPEC_LENGTH})"
        )
    # Greek names that are Python keywords (the rate lambda) are read as names
    source_py = re.sub(r"\blambda\b", "lambda__", source)
    try:
        tree = ast.parse(source_py, mode="eval").body
    except SyntaxError:
        raise SpecError(f"cannot read {source!r}; {_SHAPE}") from None
    except (ValueError, RecursionError, MemoryError):
        raise SpecError(f"cannot read {source!r}") from None
    if _is_transformed(tree):
        raise SpecError(
            f"{source!r} is a transformed law; kl-derive derives KL(f#P || f#Q) between two "
            "of them (kl-derive P Q), nothing else"
        )
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "mixture":
        raise SpecError(
            "the KL divergence of a mixture has no closed form; derive its bounds with "
            "kl-derive mixture P Q (kl_derive.mixture in Python)"
        )
    tree = unwrap_independent(tree, source)  # independent(normal(a, b), 1): diag_normal(a, b)
    if isinstance(tree, ast.Name):
        return DistributionSpec(_family_name(tree.id), (), source)
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)):
        raise SpecError(f"cannot read {source!r}; {_SHAPE}")
    keywords = []
    for keyword in tree.keywords:
        if keyword.arg not in KEYWORDS:
            raise SpecError(
                f"keyword arguments other than {', '.join(KEYWORDS)} are not supported in "
                f"{source!r}; give the parameters in order"
            )
        if any(name == keyword.arg for name, _ in keywords):
            raise SpecError(f"{keyword.arg}= is given twice in {source!r}")
        keywords.append((keyword.arg, _convert(keyword.value, source, 1)))
    family = _family_name(tree.func.id)
    args = tuple(_convert(arg, source, 1) for arg in tree.args)
    return DistributionSpec(family, args, source, tuple(keywords))


def _family_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise SpecError(f"{name!r} is not a distribution family name")
    return name


def _convert(node: ast.AST, source: str, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise SpecError(f"parameter expression nested too deeply in {source!r}")
    if isinstance(node, ast.Constant):
        return _literal(node.value, source)
    if isinstance(node, ast.Name):
        return _name(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand, source, depth + 1)
        return Node("neg", args=(operand,)) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _convert(node.left, source, depth + 1)
        right = _convert(node.right, source, depth + 1)
        if isinstance(node.op, ast.Pow):
            _check_exponent(right, source)
        return Node("binop", _BINARY[type(node.op)], (left, right))
    if isinstance(node, ast.List):
        if depth > 2 or not node.elts:
            raise SpecError(
                f"lists may hold numbers or names, or be a matrix of rows, in {source!r}"
            )
        if len(node.elts) > MAX_DIMENSION:
            raise SpecError(f"at most {MAX_DIMENSION} entries per list in {source!r}")
        return Node("list", args=tuple(_convert(e, source, depth + 1) for e in node.elts))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise SpecError(
                f"function {shown!r} is not allowed in a parameter; use {', '.join(FUNCTIONS)}"
            )
        if node.keywords or len(node.args) != 1:
            raise SpecError(f"{node.func.id}() takes exactly one argument")
        return Node("call", node.func.id, (_convert(node.args[0], source, depth + 1),))
    shown = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise SpecError(
        f"{shown!r} is not allowed in a parameter; use names, numbers, + - * / ** and "
        f"{', '.join(FUNCTIONS)}"
    )


def _literal(value: object, source: str) -> Node:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{value!r} is not a number in {source!r}")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise SpecError(f"{value!r} is not a finite number")
    if abs(value) > MAX_LITERAL:
        raise SpecError(f"the number {value!r} is too large (at most {MAX_LITERAL:g})")
    return Node("num", repr(value))


def _name(name: str) -> Node:
    if name == "lambda__":
        return Node("name", "lambda")
    if name in CONSTANTS:
        return Node("const", name)
    if name in FUNCTIONS:
        raise SpecError(f"{name!r} is a function; call it, e.g. {name}(s)")
    if name.startswith("_"):
        raise SpecError(f"parameter names may not start with an underscore: {name!r}")
    if name in RESERVED:
        raise SpecError(
            f"{name!r} is reserved (kl-derive uses z, x and epsilon itself); "
            "name the parameter differently"
        )
    return Node("name", name)


def _check_exponent(node: Node, source: str) -> None:
    if node.kind == "num" and abs(float(node.value)) > MAX_EXPONENT:
        raise SpecError(
            f"exponent {node.value} is too large in {source!r} (at most {MAX_EXPONENT})"
        )
    if node.kind == "neg":
        _check_exponent(node.args[0], source)


#: the bijections ``transformed(P, f)`` reads, with the number of arguments each takes:
#: ``affine(loc, scale)`` is ``loc + scale * z`` (PyTorch's ``AffineTransform`` order)
BIJECTIONS = {"exp": 0, "sigmoid": 0, "affine": 2}


@dataclass(frozen=True)
class TransformedSpec:
    """``transformed(P, f)``: the law of ``f(z)`` for ``z ~ P``, with ``base`` the text of
    ``P`` (read by :func:`parse_spec`) and ``f`` one of :data:`BIJECTIONS` with its
    argument trees."""

    base: str
    bijection: str
    args: tuple[Node, ...]
    text: str


def _is_transformed(tree: ast.AST) -> bool:
    return (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Name)
        and tree.func.id == "transformed"
    )


def parse_transformed(text: object) -> TransformedSpec | None:
    """``transformed(P, f)`` read without ``eval`` (``None`` for any other spec, which
    :func:`parse_spec` reads).

    >>> parse_transformed("transformed(normal(mu, sigma), exp)").bijection
    'exp'
    """
    if not isinstance(text, str):
        return None
    source = text.strip()
    if not source.startswith("transformed"):
        return None
    if len(source) > MAX_SPEC_LENGTH:
        raise SpecError(
            f"distribution spec is too long ({len(source)} characters, at most {MAX_SPEC_LENGTH})"
        )
    source_py = re.sub(r"\blambda\b", "lambda__", source)
    try:
        tree = ast.parse(source_py, mode="eval").body
    except SyntaxError:
        raise SpecError(
            f"cannot read {source!r}; write transformed(P, f), e.g. "
            "transformed(normal(mu, sigma), exp)"
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise SpecError(f"cannot read {source!r}") from None
    if not _is_transformed(tree):
        return None
    known = ", ".join(f"{n}(a, b)" if k else n for n, k in BIJECTIONS.items())
    if tree.keywords or len(tree.args) != 2:
        raise SpecError(
            f"transformed() takes a law and a bijection, e.g. transformed(normal(mu, sigma), "
            f"exp), in {source!r}"
        )
    base, bijection = tree.args
    if _is_transformed(base):
        raise SpecError(
            f"transformed() takes one bijection; a transformed law inside another is not "
            f"read ({source!r})"
        )
    if isinstance(bijection, ast.Name):
        name, arguments = bijection.id, []
    elif isinstance(bijection, ast.Call) and isinstance(bijection.func, ast.Name):
        if bijection.keywords:
            raise SpecError(f"{bijection.func.id}() takes no keyword arguments in {source!r}")
        name, arguments = bijection.func.id, bijection.args
    else:
        raise SpecError(f"the bijection of {source!r} is one of {known}")
    if name not in BIJECTIONS:
        raise SpecError(f"unknown bijection {name!r} in {source!r} (known: {known})")
    if len(arguments) != BIJECTIONS[name]:
        shown = f"{name}(a, b), a + b*z with b != 0" if BIJECTIONS[name] else name
        raise SpecError(f"write the bijection as {shown} in {source!r}")
    segment = ast.get_source_segment(source_py, base)
    if segment is None:  # pragma: no cover - ast keeps positions for parsed source
        raise SpecError(f"cannot read {source!r}")
    return TransformedSpec(
        base=segment.replace("lambda__", "lambda"),
        bijection=name,
        args=tuple(_convert(a, source, 2) for a in arguments),
        text=source,
    )


#: the most components a mixture spec may have
MAX_COMPONENTS = 6


@dataclass(frozen=True)
class MixtureSpec:
    """A parsed ``mixture([w1, w2], [law1, law2])``: the weights' trees and the components."""

    weights: tuple[Node, ...]
    components: tuple[DistributionSpec, ...]
    text: str


def is_mixture(text: object) -> bool:
    """Whether ``text`` is written as a mixture (``mixture(...)``), without reading it."""
    return isinstance(text, str) and re.match(r"\s*mixture\s*\(", text) is not None


def parse_mixture(text: str) -> MixtureSpec:
    """Read ``mixture([w1, ..., wK], [law1, ..., lawK])`` (weights: names, numbers or
    expressions; laws: specs such as ``normal(m1, s1)``), without ``eval``.

    >>> len(parse_mixture("mixture([0.3, 0.7], [normal(0, 1), normal(2, 1)])").components)
    2
    """
    if not isinstance(text, str):
        raise TypeError(
            f"a mixture is given as a string such as 'mixture([w, 1 - w], [...])'; got {text!r}"
        )
    source = text.strip()
    shape = "write a mixture as mixture([w1, w2], [normal(m1, s1), normal(m2, s2)])"
    if len(source) > 4 * MAX_SPEC_LENGTH:
        raise SpecError(f"mixture spec is too long ({len(source)} characters)")
    try:
        tree = ast.parse(re.sub(r"\blambda\b", "lambda__", source), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise SpecError(f"cannot read {source!r}; {shape}") from None
    if not (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Name)
        and tree.func.id == "mixture"
        and not tree.keywords
        and len(tree.args) == 2
        and all(isinstance(a, ast.List) for a in tree.args)
    ):
        raise SpecError(f"cannot read {source!r}; {shape}")
    weights, laws = tree.args
    if len(weights.elts) != len(laws.elts):
        raise SpecError(
            f"a mixture needs one weight per component ({len(weights.elts)} weights, "
            f"{len(laws.elts)} components) in {source!r}"
        )
    if not laws.elts or len(laws.elts) > MAX_COMPONENTS:
        raise SpecError(f"a mixture has 1 to {MAX_COMPONENTS} components in {source!r}")
    nodes = tuple(_convert(w, source, 2) for w in weights.elts)
    components = []
    for law in laws.elts:
        if not isinstance(law, (ast.Call, ast.Name)):
            raise SpecError(f"a mixture component is a law such as normal(m, s) in {source!r}")
        piece = ast.unparse(law).replace("lambda__", "lambda")
        if is_mixture(piece):
            raise SpecError(f"a mixture component cannot itself be a mixture in {source!r}")
        components.append(parse_spec(piece))
    _check_numeric_weights(nodes, source)
    return MixtureSpec(nodes, tuple(components), source)


def _check_numeric_weights(nodes: tuple[Node, ...], source: str) -> None:
    """Numeric weights are positive and, when all are numbers, sum to one."""
    from fractions import Fraction

    values = []
    for node in nodes:
        negative = node.kind == "neg"
        inner = node.args[0] if negative else node
        if inner.kind != "num":
            values.append(None)
            continue
        value = Fraction(inner.value) * (-1 if negative else 1)
        if value <= 0:
            raise SpecError(f"mixture weights are positive; got {node} in {source!r}")
        values.append(value)
    if all(v is not None for v in values) and sum(values) != 1:
        total = sum(values)  # type: ignore[arg-type]
        shown = f"{float(total):g}"
        if shown == "1":  # off by less than the printed digits
            shown = f"1 {'+' if total > 1 else '-'} {abs(float(total - 1)):.3g}"
        raise SpecError(f"the mixture weights sum to {shown}, not 1, in {source!r}")
