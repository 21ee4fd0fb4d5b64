"""Small readers of Python syntax: module prefixes, dotted names, axes and shapes.

``dim=1``, ``axis=(1, 2)``, ``reduction_indices=[1]``, ``dim=list(range(1, x.dim()))``
(every axis but the batch); ``x.shape[0]``, ``x.size()[0]``, ``tf.shape(x)[0]``,
``K.int_shape(x)[-1]``. Only small integer literals are read; anything else is refused.
"""

from __future__ import annotations

import ast

from .errors import CheckInputError
from .limits import show
from .tree import REST, Axes

__all__ = [
    "MODULES",
    "MODULE_ROOTS",
    "dotted",
    "is_rank",
    "is_shape",
    "read_axes",
    "small_int",
    "unparse",
]

#: Module prefixes a function may be called with.
MODULES = (
    "np",
    "numpy",
    "jnp",
    "jax.numpy",
    "jax.nn",
    "torch",
    "torch.special",
    "torch.nn.functional",
    "F",
    "tf",
    "tf.math",
    "tf.nn",
    "K",
    "keras.backend",
    "tf.keras.backend",
    "ops",
    "keras.ops",
    "math",
    "scipy.special",
)
#: The first names of those prefixes (a dotted name starting with one is a module call).
MODULE_ROOTS = frozenset(prefix.split(".")[0] for prefix in MODULES)
_SHAPE_CALLS = frozenset({"shape", "int_shape", "get_shape", "size"})


def unparse(node: ast.AST) -> str:
    """The source text of a node (for messages)."""
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a parsed tree does not fail
        return type(node).__name__


def dotted(node: ast.AST) -> str | None:
    """``torch.sum`` for an attribute chain that starts at a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def small_int(node: ast.AST) -> int | None:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value <= 8:
        return sign * node.value
    return None


def is_shape(node: ast.AST) -> bool:
    """``x.shape``, ``x.size()``, ``tf.shape(x)``, ``K.int_shape(x)``, ``x.get_shape()``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "shape"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in _SHAPE_CALLS:
            return False
        method = (dotted(node.func) or "").split(".")[0] not in MODULE_ROOTS
        return (not node.args) if method else len(node.args) == 1
    return False


def is_rank(node: ast.AST) -> bool:
    """``x.dim()``, ``x.ndim``, ``len(x.shape)``, ``x.ndimension()``, ``K.ndim(x)``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "ndim"
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "len" and len(node.args) == 1:
            return is_shape(node.args[0])
        if isinstance(func, ast.Attribute) and func.attr in ("dim", "ndimension", "ndim"):
            return True
    return False


def read_axes(node: ast.AST) -> Axes:
    """The axis argument of a reduction: an int, a tuple of ints, None, or every axis but 0."""
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    inner = node
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id in ("list", "tuple")
        and len(inner.args) == 1
    ):
        inner = inner.args[0]
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "range"
        and len(inner.args) == 2
        and small_int(inner.args[0]) == 1
        and is_rank(inner.args[1])
    ):
        return REST
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    axes: list[int] = []
    for item in items:
        axis = small_int(item)
        if axis is None or len(items) > 8:
            raise CheckInputError(
                f"the axis must be a small integer (or a tuple of them), not {show(unparse(node))}"
            )
        axes.append(axis)
    return tuple(axes)
