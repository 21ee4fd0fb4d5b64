"""The exact form of an expression for data (``--to json``): what rebuilds it.

``exact(expr)`` is SymPy's ``srepr`` of the expression in SymPy's own classes (kl-derive's
matrix functions written as ``Determinant``, ``Trace``, ...): every symbol with its name
and assumptions, every function by its class, so ``sympy.sympify`` reads it back as the
same expression. A symbol named ``beta``, ``E``, ``I`` or ``oo`` stays a symbol (the
printed form ``sympy`` of the JSON reads them as SymPy's beta function and constants).
"""

from __future__ import annotations

from sympy import Expr, Sum
from sympy.printing.repr import ReprPrinter

from ..symbolic.matrices import as_sympy

__all__ = ["exact"]


class _ExactPrinter(ReprPrinter):
    def _print_Add(self, expr, order=None) -> str:
        """A sum holding a series of numbers in SymPy's own order of its terms: ordering
        them by value would sum the series by SymPy's Euler-Maclaurin evalf (minutes for
        Kumaraswamy(1/8, 1/10) || Beta(2, 3)); ``sympify`` reads either order back."""
        if any(not total.free_symbols for total in expr.atoms(Sum)):
            order = "none"
        return super()._print_Add(expr, order=order)

    def _print_Str(self, s) -> str:  # a matrix symbol's name: a plain string reads back
        return repr(s.name)

    def _print_Symbol(self, expr) -> str:
        """``Symbol('mu_1', positive=True, real=True)``: the assumptions as the symbol was
        made with them, sorted by name. SymPy writes them in the order of a dictionary
        that a symbol derived from another's assumptions fills in hash order, so the same
        derivation's JSON would differ from one run to the next."""
        given = dict(getattr(expr, "_assumptions_orig", None) or expr.assumptions0)
        if expr.is_Dummy:
            given["dummy_index"] = expr.dummy_index
        name = self._print(expr.name)
        if not given:
            return f"{type(expr).__name__}({name})"
        attributes = ", ".join(f"{k}={v}" for k, v in sorted(given.items()))
        return f"{type(expr).__name__}({name}, {attributes})"


def exact(expr: Expr) -> str:
    """``srepr`` of ``expr`` in SymPy's own classes; ``sympy.sympify`` reads it back."""
    return _ExactPrinter().doprint(as_sympy(expr))
