r"""Expectations from a family's power moments :math:`M(t) = E[z^t]` (its Mellin
transform), shared by the families on the half-line.

* :func:`power_moment`: a statistic :math:`z^{t}` with a symbolic exponent (a Weibull
  law's :math:`z^{k}`, an inverse-gamma law's :math:`1/z`) has the expectation
  :math:`M(t)`, finite under the transform's condition on ``t``;
* :func:`log_power_moment`: :math:`E[\log^n z] = M^{(n)}(0)`, since
  :math:`\frac{d^n}{dt^n} z^{t} = z^{t} \log^n z`; the second one is shown as the squared
  mean of :math:`\log z` plus its variance.
"""

from __future__ import annotations

from sympy import (
    Dummy,
    Expr,
    Integer,
    Pow,
    S,
    Symbol,
    diff,
    expand,
    expand_func,
    gammasimp,
    log,
    simplify,
)

from ..symbolic.display import add, display_form, evaluate, power
from .moment import Moment

__all__ = ["log_power_moment", "power_moment", "power_statistic"]


def power_statistic(statistic: Expr, variable: Symbol) -> Expr | None:
    """``t`` when ``statistic`` is ``variable**t`` with ``t`` free of the variable
    (``z`` itself gives 1)."""
    statistic = evaluate(statistic)
    if statistic == variable:
        return S.One
    if (
        isinstance(statistic, Pow)
        and statistic.base == variable
        and not statistic.exp.has(variable)
    ):
        return statistic.exp
    return None


def power_moment(family, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
    """The :class:`Moment` ``E[z^t]`` from ``family.power(t, args)``, or ``None`` (also
    when the condition fails for every parameter value: the moment is infinite, which the
    divergence argument of the strategy shows by itself)."""
    t = power_statistic(statistic, variable)
    if t is None:
        return None
    known = family.power(t, args)
    if known is None:
        return None
    value, condition = known
    if condition == S.false:
        return None
    if t.is_number:
        # a fixed power (1/z, z^2): the gamma-function ratio simplifies (beta / (alpha - 1))
        from ..strategies.tidy import tidy

        value = tidy(gammasimp(expand_func(evaluate(value))))
        condition = condition.simplify()
    return Moment(evaluate(statistic), value, "power_moment", condition)


def log_power_moment(family, statistic: Expr, variable: Symbol, args: tuple[Expr, ...]):
    """The :class:`Moment` ``E[log^n z]`` as the ``n``-th derivative of ``E[z^t]`` at
    ``t = 0``, or ``None``."""
    statistic = evaluate(statistic)
    base, order = statistic.as_base_exp()
    if base != log(variable) or not (isinstance(order, Integer) and order >= 1):
        return None
    t = Dummy("t")
    known = family.power(t, args)
    if known is None:
        return None
    transform, condition = known
    if condition.subs(t, 0) != S.true:
        return None
    mellin = evaluate(transform)
    value = expand(diff(mellin, t, int(order)).subs(t, 0))
    shown = display_form(value)
    if order == 2:
        # E[log^2 z] = (E[log z])^2 + Var(log z): how a textbook states it
        mean = family.expectation(log(variable), variable, args)
        first = evaluate(mean.value) if mean is not None else diff(mellin, t).subs(t, 0)
        spread = simplify(expand(value - first**2))
        from ..strategies.tidy import signed_sum, tidy

        first = _squared_orientation(expand(first))
        shown = add(power(signed_sum(first), 2), tidy(spread))
    tee = Symbol("t", real=True)
    return Moment(
        statistic, shown, "log_power", S.true, source=display_form(transform.subs(t, tee))
    )


def _squared_orientation(inner: Expr) -> Expr:
    """``inner`` or ``-inner``, whichever a textbook squares: more positive terms
    (:math:`(\\gamma + \\log\\lambda)^2`), and on a tie the logarithms subtracted
    (:math:`(\\psi(\\alpha) - \\log\\beta)^2`)."""
    from sympy import Add

    terms = Add.make_args(inner)
    negative = [t.could_extract_minus_sign() for t in terms]
    positive = len(terms) - sum(negative)
    if 2 * positive < len(terms):
        return -inner
    if 2 * positive == len(terms):
        logs_positive = any(t.has(log) and not n for t, n in zip(terms, negative, strict=True))
        return -inner if logs_positive else inner
    return inner
