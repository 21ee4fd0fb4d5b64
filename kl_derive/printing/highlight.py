"""Which parts of a step's right-hand side are new: compared structurally with its left.

A step ``before = after`` usually rewrites one part and copies the rest. For a sum, the
terms of ``after`` that are not terms of ``before`` are the changed ones; two nodes of the
same kind (``log``, an integral, a product, an expectation) that differ in exactly one
argument are compared inside that argument; anything else that differs is changed as a
whole. The printers colour what :func:`changed_parts` returns.
"""

from __future__ import annotations

from sympy import Add, Basic, Expr

from .breaking import HIGHLIGHT_COLOR
from .core import split_sign

__all__ = ["HIGHLIGHT_COLOR", "changed_parts"]


def changed_parts(before: Expr, after: Expr) -> set[Basic]:
    """The sub-expressions of ``after`` that are new relative to ``before`` (empty when
    the two are equal); each negative term is listed with its magnitude too, since a
    sum is printed as signs and magnitudes."""
    found = _changed(before, after)
    for part in list(found):
        negative, magnitude = split_sign(part)
        if negative:
            found.add(magnitude)
    return found


def _changed(before: Basic, after: Basic) -> set[Basic]:
    if before == after:
        return set()
    if isinstance(after, Add):
        old = set(Add.make_args(before))
        new = [term for term in after.args if term not in old]
        if len(new) < len(after.args):
            if isinstance(before, Add) and len(new) == 1:
                # one term replaced: look inside it if the term it replaced is like it
                gone = [term for term in before.args if term not in set(after.args)]
                if len(gone) == 1 and _same_shape(gone[0], new[0]):
                    return _changed(gone[0], new[0])
            return set(new)
        return {after}
    if _same_shape(before, after):
        differing = [(b, a) for b, a in zip(before.args, after.args, strict=True) if b != a]
        if len(differing) == 1 and differing[0][1].args:
            return _changed(*differing[0])
    return {after}


def _same_shape(before: Basic, after: Basic) -> bool:
    return (
        type(before) is type(after)
        and bool(after.args)
        and len(before.args) == len(after.args)
        and not isinstance(after, Add)
    )
