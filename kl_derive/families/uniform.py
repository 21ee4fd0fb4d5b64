r"""The uniform family ``uniform(low, high)``: :math:`\mathcal{U}(a, b)`, density
:math:`\frac{1}{b - a}` on :math:`(a, b)`.

``low`` is :math:`a`, ``high`` is :math:`b` (PyTorch's names and order), with
:math:`a < b`. The density is flat, so every expectation is a plain integral over
:math:`(a, b)` divided by its length, which SymPy computes directly.
"""

from __future__ import annotations

from sympy import (
    Abs,
    Expr,
    Integral,
    S,
    Symbol,
    cos,
    exp,
    exp_polar,
    integrate,
    lerchphi,
    limit,
    log,
    polar_lift,
    polylog,
    sin,
    zoo,
)

from ..symbolic.display import display_form, div, ln, neg, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Uniform"]


class Uniform(UnivariateFamily):
    """The continuous uniform distribution on an interval."""

    name = "uniform"
    latex_name = r"\mathcal{U}"
    parameters = (
        Parameter("low", "a", "real", "lower end"),
        Parameter("high", "b", "real", "upper end"),
    )
    standard = (0, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return args[0], args[1]

    def conditions(self, args: tuple[Expr, ...]) -> tuple[Expr, ...]:
        low, high = args
        relation = low < high
        return () if relation == True else (relation,)  # noqa: E712 (a SymPy boolean)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        low, high = args
        return div(1, sub(high, low))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        low, high = args
        return neg(ln(sub(high, low)))

    def expectation(self, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
        """``E[T] = (1/(b - a)) \\int_a^b T(z) dz``, integrated by SymPy."""
        low, high = args
        if statistic.has(Abs):
            return None  # a kink inside the interval: not in closed form here
        # cos z and sin z: a von Mises law's statistics
        if not (statistic.is_polynomial(variable) or statistic.has(log, exp, cos, sin)):
            return None
        antiderivative = _antiderivative(statistic, variable)
        # an integral left, a kink, or a branch-dependent special function (log(1 - z^a)
        # of a Kumaraswamy density comes back as lerchphi of a^k exp_polar(2 pi i), which
        # the verifier finds false): no closed form here
        if antiderivative.has(Integral, Abs, exp_polar, polar_lift, lerchphi, polylog):
            return None
        at_high = _at_end(antiderivative, variable, high, "-")
        at_low = _at_end(antiderivative, variable, low, "+")
        value = (at_high - at_low) / (high - low)
        return Moment(statistic, display_form(value.expand()), "integral")


def _at_end(antiderivative: Expr, variable: Symbol, end: Expr, side: str) -> Expr:
    """The antiderivative at an end of the interval; its limit there when the value is
    0 log 0 (an end at 0 for ``log z``: ``z log z - z`` tends to 0)."""
    value = antiderivative.subs(variable, end)
    if value.has(S.NaN, zoo):
        value = limit(antiderivative, variable, end, side)
    return value


def _antiderivative(statistic: Expr, variable: Symbol) -> Expr:
    """An antiderivative; for ``log(u)`` with ``u`` linear, ``(u log u - u)/u'``, which
    stays real on the interval (SymPy's own answer for ``log(1 - z)`` uses
    ``log(z - 1)``)."""
    if isinstance(statistic, log):
        u = statistic.args[0]
        slope = u.diff(variable)
        if slope.is_number and slope != 0 and not slope.has(variable):
            return (u * log(u) - u) / slope
    return integrate(statistic, variable)


FAMILY = Uniform()
