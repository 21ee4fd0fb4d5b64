"""``E[z^t]`` for a family that knows its power moments: a shared helper for the
positive families of the catalog (log-normal, Weibull, chi-squared, ...), so that a
statistic such as :math:`z^{k}` with a symbolic exponent (a Weibull law's) has an
expectation under them."""

from __future__ import annotations

from sympy import Expr, Pow, S, Symbol

from ..symbolic.display import evaluate
from .base import Moment

__all__ = ["power_statistic"]


def power_statistic(statistic: Expr, variable: Symbol) -> Expr | None:
    """``t`` when ``statistic`` is ``variable**t`` with ``t`` free of the variable."""
    statistic = evaluate(statistic)
    if statistic == variable:
        return None
    if (
        isinstance(statistic, Pow)
        and statistic.base == variable
        and not statistic.exp.has(variable)
    ):
        return statistic.exp
    return None


def power_moment(family, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
    """The :class:`Moment` ``E[z^t]`` from ``family.power(t, args)``, or ``None``."""
    t = power_statistic(statistic, variable)
    if t is None:
        return None
    value, condition = family.power(t, args)
    if condition is not S.true:
        # finite only for some parameters (a negative power near a pole at zero): the
        # quadrature that checks it cannot reach 1e-10 near the boundary, so not offered
        return None
    return Moment(evaluate(statistic), value, "power_moment", condition)
