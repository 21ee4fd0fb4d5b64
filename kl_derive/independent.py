"""PyTorch's ``Independent`` spelled in a spec: ``independent(normal(mu, sigma), 1)``.

``Independent(Normal(loc, scale), 1)`` reinterprets the last batch dimension of a normal
law as the event dimension: the product of independent normal coordinates, which is
``diag_normal(loc, scale)``. The spelling is rewritten when the spec is read (on its
syntax tree, before any argument is converted), so it is kept free of SymPy.
"""

from __future__ import annotations

import ast

from .errors import SpecError

__all__ = ["SPELLINGS", "unwrap_independent"]

#: the names the wrapper may be called by
SPELLINGS: frozenset[str] = frozenset({"independent", "Independent"})
#: inner family, as it may be spelled (the family's name and its aliases in
#: :data:`kl_derive.families.ALIASES`, which the tests hold this to; the families are not
#: imported here, since they import the spec reader) -> the family of the product of its
#: independent coordinates
PRODUCTS: dict[str, str] = dict.fromkeys(("normal", "Normal", "gaussian", "N"), "diag_normal")
_NDIMS = "reinterpreted_batch_ndims"


def unwrap_independent(tree: ast.AST, source: str) -> ast.AST:
    """``independent(normal(a, b), 1)`` -> the tree of ``diag_normal(a, b)``; any other
    tree unchanged; a wrapper that cannot be read so -> a one-line :class:`SpecError`."""
    if not (
        isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in SPELLINGS
    ):
        return tree
    usage = "write it as independent(normal(loc, scale), 1), which is diag_normal(loc, scale)"
    ndims = [k.value for k in tree.keywords if k.arg == _NDIMS]
    others = [k.arg for k in tree.keywords if k.arg != _NDIMS]
    if others or len(tree.args) + len(ndims) != 2 or not tree.args:
        raise SpecError(f"cannot read {source!r}; {usage}")
    inner, count = tree.args[0], (ndims or tree.args[1:])[0]
    if not (isinstance(count, ast.Constant) and type(count.value) is int and count.value == 1):
        raise SpecError(
            f"in {source!r} only {_NDIMS} = 1 is supported (one vector of independent coordinates)"
        )
    if isinstance(inner, ast.Name):
        name, args, keywords = inner.id, [], []
    elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
        name, args, keywords = inner.func.id, inner.args, inner.keywords
    else:
        raise SpecError(f"cannot read {source!r}; {usage}")
    if name not in PRODUCTS:
        import difflib

        close = difflib.get_close_matches(name, list(PRODUCTS), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0].lower()!r}?" if close else ""
        raise SpecError(
            f"independent(...) is read for normal laws only (as diag_normal); got {name!r} "
            f"in {source!r}{hint}"
        )
    return ast.Call(func=ast.Name(PRODUCTS[name], ast.Load()), args=args, keywords=keywords)
