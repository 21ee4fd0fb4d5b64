"""The Rényi divergence of order alpha (symbolic by default, or a number)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import SpecError
from . import Divergence, Option, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE", "MAX_ORDER", "MAX_ORDER_DENOMINATOR", "order_value", "read_order"]


#: the largest numeric order, and the largest denominator of one: the checks of an order
#: of 10**400 work with 400-digit numbers and do not end, at 10**5 the quadrature of
#: q**alpha / p**(alpha - 1) between normals no longer confirms a true step, and at 1000
#: the log-partition of a beta law holds Gamma(2001), a number of 5,700 digits
MAX_ORDER = 100
MAX_ORDER_DENOMINATOR = 1000


def read(alpha: object = "alpha") -> dict[str, Any]:
    return {"alpha": read_order(alpha)}


def check(alpha: object = "alpha") -> None:
    order_value(alpha)


def read_order(alpha: object) -> Any:
    """The order as SymPy reads it: a positive number other than 1 (``2``, ``"1/2"``,
    ``0.5``) or a name (a positive symbol, ``alpha`` by default)."""
    from sympy import Rational, Symbol

    value = order_value(alpha)
    if isinstance(value, str):
        return Symbol(value, positive=True)
    return Rational(value.numerator, value.denominator)


def order_value(alpha: object) -> str | Fraction:
    """The order checked without SymPy: its name, or its value as a fraction. Raises
    :class:`SpecError` in one line for anything else."""
    if isinstance(alpha, bool) or not isinstance(alpha, (str, int, float)):
        raise SpecError(f"alpha is a number or a name, such as 2, 1/2 or alpha; got {alpha!r}")
    text = str(alpha).strip()
    if text.isidentifier() and text.isascii():
        return text
    try:
        value = Fraction(text)
    except (TypeError, ValueError, ZeroDivisionError):
        raise SpecError(
            f"alpha is a number or a name, such as 2, 1/2 or alpha; got {text!r}"
        ) from None
    if not value > 0 or value == 1:
        raise SpecError(
            "the order alpha is positive and not 1 (the limit alpha -> 1 is KL(P || Q), "
            f"kl-derive P Q); got {text}"
        )
    if value > MAX_ORDER or value.denominator > MAX_ORDER_DENOMINATOR:
        raise SpecError(
            f"a numeric order is at most {MAX_ORDER}, a fraction with a denominator of at "
            f"most {MAX_ORDER_DENOMINATOR:,} (its checks grow with its size); got {text}: "
            "derive the symbolic order (--alpha alpha) and evaluate it"
        )
    return value


def draft(first: Distribution, second: Distribution, alpha: Any) -> Draft:
    from ..errors import SpecError
    from .alpha_route import alpha_family_draft

    used = {str(s) for law in (first, second) for a in law.args for s in a.free_symbols}
    if alpha.free_symbols and str(alpha) in used:
        raise SpecError(
            f"the order is named {alpha}, as a parameter of the laws is; name it otherwise "
            "(--alpha a)"
        )
    return alpha_family_draft(first, second, "renyi", alpha)


def pairs() -> list[tuple[str, str, str]]:
    from .alpha_route import alpha_family_pairs

    return alpha_family_pairs(True, symbolic_order=True)


DIVERGENCE = register(
    Divergence(
        name="renyi",
        quantity="renyi",
        summary="Rényi divergence of order alpha",
        definition="D_alpha(P || Q) = log(∫ p^alpha q^(1 - alpha)) / (alpha - 1), "
        "alpha > 0, alpha != 1",
        convention="natural logarithm; alpha -> 1 gives KL(P || Q); +oo where the integral "
        "is (an order alpha > 1 may need a condition)",
        draft=draft,
        pairs=pairs,
        options=(Option("alpha", "alpha", "The order: a number > 0 other than 1, or a name."),),
        read=read,
        check=check,
    )
)
