"""A result as SymPy text (the ``result_sympy`` of every format's view).

SymPy's string printer orders the terms of a sum that are numbers by their values. For
a number given by an integral (the exact integral left in ``student_t(1/2, 0, 1) ||
student_t(4, 1, 3)``) that value comes from SymPy's own ``evalf`` of the integral, which
evaluates the integrand through SymPy at every node of its quadrature: a minute for
one result. Here each such integral is valued once by
:func:`~kl_derive.numeric.integral_value.integral_value` (mpmath at 30 digits, its error
below 1e-14, the value the derivation states), and SymPy orders the terms with that
value: the same order, so the same text, at a fraction of the cost. An integral that
``integral_value`` cannot vouch for is left to SymPy's ``evalf``, as before.
"""

from __future__ import annotations

from sympy import Expr, Float, Integral, Sum, sstr
from sympy.core.function import AppliedUndef

__all__ = ["sympy_text"]


def sympy_text(result: Expr) -> str:
    """The result as SymPy text. SymPy orders the numbers of a sum by their values: an
    infinite series of numbers (the stick-breaking series of Kumaraswamy(1/8, 1/10) ||
    Beta(2, 3), whose terms fall like m^(-1.1)) would be summed by SymPy's
    Euler-Maclaurin evalf for that ordering alone (minutes); such a result is written
    in SymPy's own order of its terms instead, which needs no value. An integral of
    numbers is valued by mpmath for that ordering (see the module's docstring)."""
    if any(not total.free_symbols for total in result.atoms(Sum)):
        return sstr(result, order="none")
    valued = {
        one: _valued(one)
        for one in result.atoms(Integral)
        if not one.free_symbols
        and not one.atoms(AppliedUndef)  # a density named p(z): no number
        and len(one.limits) == 1
        and len(one.limits[0]) == 3
    }
    valued = {one: v for one, v in valued.items() if v is not None}
    return sstr(result.xreplace(valued) if valued else result)


def _valued(integral: Integral) -> Integral | None:
    """``integral`` again, as an instance of a subclass also named ``Integral`` (so it
    sorts and prints exactly as the original) whose numerical value is known; ``None``
    when :func:`integral_value` gives no value."""
    from ..numeric.integral_value import integral_value

    ((variable, low, high),) = integral.limits
    found = integral_value(integral.function, variable, low, high)
    if found is None:
        return None
    value = Float(found[0], 30)

    def _eval_evalf(self, prec):  # SymPy's evalf falls back to this for a new class
        return value

    kind = type("Integral", (Integral,), {"_eval_evalf": _eval_evalf, "__module__": __name__})
    return kind(*integral.args)
