r"""The value of one integral of numbers, by mpmath's tanh-sinh quadrature at a fixed
precision: the same digits on every machine, whatever its load.

A whole-line integral is taken through :math:`z = c + w\tan\theta` on
:math:`(-\pi/2, \pi/2)`, so that a density with a heavy (algebraic) tail, a Student-t law
with few degrees of freedom, becomes an integrand on a finite interval whose ends tanh-sinh
handles (an integrable power of :math:`\cos\theta` at most); a finite interval is taken as
it is (a logarithmic singularity at an end, :math:`\log(1 - z)` under a law on
:math:`(0, 1)`, is what tanh-sinh is made for). The working precision is
:data:`PRECISION` decimal digits; the value is returned with mpmath's error estimate
only when that estimate is below :math:`10^{-(\mathrm{DECIMALS} + 2)}`, and is ``None``
otherwise: a caller shows :data:`DECIMALS` decimal places, none that the quadrature does
not vouch for.
"""

from __future__ import annotations

from sympy import Expr, Float, S, Symbol, lambdify, oo

__all__ = ["DECIMALS", "PRECISION", "integral_value", "mp_number", "rounded"]

#: the working precision (decimal digits) and the decimal places a value is shown to
PRECISION = 30
DECIMALS = 12


def integral_value(
    integrand: Expr,
    variable: Symbol,
    low: Expr,
    high: Expr,
    centre: Expr = S.Zero,
    width: Expr = S.One,
) -> tuple | None:
    """:math:`\\int_{low}^{high} integrand\\,d variable` as ``(value, error)`` (mpmath
    numbers), or ``None`` (a symbol left, an infinite or unreliable value). ``centre`` and
    ``width`` place the substitution of a whole-line integral where the mass is."""
    import mpmath

    if integrand.free_symbols - {variable}:
        return None
    with mpmath.workdps(PRECISION):
        f = lambdify(variable, integrand, "mpmath")
        if low == -oo and high == oo:
            c, w = mp_number(centre), mp_number(width)

            def g(theta):
                t = mpmath.tan(theta)
                return f(c + w * t) * w * (1 + t * t)

            ends = [-mpmath.pi / 2, -mpmath.pi / 4, 0, mpmath.pi / 4, mpmath.pi / 2]
            value, error = mpmath.quad(g, ends, error=True)
        elif low.is_finite and high.is_finite:
            a, b = mp_number(low), mp_number(high)
            value, error = mpmath.quad(f, [a, (a + b) / 2, b], error=True)
        else:
            return None
        if not mpmath.isfinite(value):
            return None
        if error > mpmath.mpf(10) ** (-DECIMALS - 2):
            return None
        return value, error


def rounded(value) -> Float:
    """``value`` rounded to :data:`DECIMALS` decimal places, as a SymPy float that prints
    those places."""
    from decimal import Decimal

    import mpmath

    with mpmath.workdps(PRECISION):
        text = f"{Decimal(mpmath.nstr(mpmath.mpf(value), PRECISION)):.{DECIMALS}f}"
    digits = len(text.lstrip("-").replace(".", "").lstrip("0")) or 1
    return Float(text, max(digits, 1))


def mp_number(x: Expr):
    """A SymPy number as an mpmath number, from its :data:`PRECISION` digits (``oo`` and
    ``-oo`` as mpmath's infinities)."""
    import mpmath

    if x == oo:
        return mpmath.inf
    if x == -oo:
        return -mpmath.inf
    return mpmath.mpmathify(str(S(x).evalf(PRECISION)))
