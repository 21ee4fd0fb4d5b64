"""A distribution written back as a spec, ``family(arg, ...)``, as the user would type it."""

from __future__ import annotations

from sympy import Expr, ImmutableMatrix, Indexed, Lambda, Symbol, Tuple, sstr

from .base import Distribution

__all__ = ["canonical_spec"]


def canonical_spec(distribution: Distribution) -> str:
    """``family(arg, ...)`` with the arguments as the derivation reads them."""
    if getattr(distribution.family, "low_rank", False):  # read as (loc, covariance): as given
        return distribution.spec
    own = getattr(distribution.family, "written_spec", None)
    if own is not None:  # a mixture writes itself
        return own(distribution)
    args = ", ".join(_spec_argument(a) for a in distribution.user_args)
    through = getattr(distribution.family, "canonical", None)  # transformed(P, f)
    if through is not None:
        return through(f"{distribution.family.base.name}({args})")
    return f"{distribution.family.name}({args})"


def _spec_argument(a: Expr) -> str:
    """An argument as the user would write it: ``exp(logvar/2)`` for an elementwise one."""
    if isinstance(a, Lambda):
        a = a.expr.replace(lambda x: isinstance(x, Indexed), lambda x: Symbol(str(x.base.label)))
    if isinstance(a, Tuple):
        return "[" + ", ".join(sstr(x) for x in a) + "]"
    if isinstance(a, ImmutableMatrix):
        if a.shape[1] == 1:
            return "[" + ", ".join(sstr(x) for x in a) + "]"
        return (
            "[" + ", ".join("[" + ", ".join(sstr(x) for x in row) + "]" for row in a.tolist()) + "]"
        )
    return sstr(a)
