"""The limits on what a spec may ask for, and the checks of bound values: numbers of at
most so many digits and so large, matrices with names of at most so many rows, values
inside their parameter's domain and the family's conditions (each refusal one line).
"""

from __future__ import annotations

import math

from sympy import (
    Expr,
    ImmutableMatrix,
    S,
    Symbol,
    Tuple,
)

from ..errors import SpecError
from ..families.base import Distribution, Family

#: no number in a spec may have more decimal digits than this (10**300 is plenty)
MAX_DIGITS = 300


#: the largest number a scalar parameter may be given as (in absolute value): kl-derive
#: computes exactly, and a law's density holds powers and factorials of its parameters
#: (a gamma law's beta^alpha and Gamma(alpha), a binomial law's sum over n + 1 counts),
#: which past this size take minutes or cannot be written out; a name has no such cost
MAX_NUMBER = 1000


#: the largest matrix with names among its entries (a covariance or Wishart scale given
#: as a list of rows, or written out by --dims): its determinant and inverse are sums of
#: up to d! products, which past 3 x 3 fill pages (a 6 x 6 determinant has 388 terms and
#: takes a minute to write out; two 4 x 4 covariances, minutes). Matrices of numbers
#: have no such limit (their steps are verified at rational points above 3 x 3).
MAX_SYMBOLIC_SIZE = 3


def check_matrices(distribution: Distribution) -> Distribution:
    """A matrix with names among its entries is at most :data:`MAX_SYMBOLIC_SIZE`
    square; a larger one is refused with the ways to the answer."""
    for a in distribution.args:
        if not (isinstance(a, ImmutableMatrix) and min(a.shape) > MAX_SYMBOLIC_SIZE):
            continue
        if a.free_symbols:
            n = a.shape[0]
            raise SpecError(
                f"the {n}x{n} matrix with names among its entries in {distribution.spec!r} is "
                f"over the limit of {MAX_SYMBOLIC_SIZE}x{MAX_SYMBOLIC_SIZE} (README, Limits); "
                "keep the dimension symbolic (a name for the matrix, no --dims) or give "
                "the entries as numbers"
            )
    return distribution


def check_conditions(law: Distribution) -> None:
    """A law whose parameters, as numbers, break its family's conditions (``uniform(1,
    0)``: the lower end above the upper) is refused: no such law exists."""
    if getattr(law.family, "vector", False):
        # a list (of probabilities) is checked by the family itself, which says in one
        # line what is wrong (a sum that is not one; no standard member to default to);
        # a list given by name is checked where the pair is derived
        if not law.args or any(isinstance(a, Tuple) for a in law.args):
            law.family.conditions(law.user_args)
        return
    conditions = law.family.conditions(law.user_args)
    for condition in conditions:
        if condition is S.false or condition == S.false:
            raise SpecError(
                f"{_written(law)} is not a {law.family.name} law: {_broken(law, condition)}"
            )


def _written(law: Distribution) -> str:
    args = ", ".join(str(a) for a in law.user_args)
    return f"{law.family.name}({args})"


def _broken(law: Distribution, condition: Expr) -> str:
    """What a broken condition requires, in the parameters' names (``low < high``)."""
    names = tuple(Symbol(p.name) for p in law.family.parameters)
    if len(names) == len(law.user_args):
        for relation in law.family.conditions(names):
            if relation.xreplace(dict(zip(names, law.user_args, strict=True))) == condition:
                return f"{relation} is required"
    return f"{condition} does not hold"


#: the largest (and, inverted, the smallest) magnitude of a parameter given as a number:
#: beyond it the numeric checks of a derivation cannot evaluate it
MAX_MAGNITUDE = 1e300


def _magnitude(value: Expr) -> float:
    """``|value|`` in floating point (``inf`` when it overflows), computed at once."""
    from sympy import lambdify

    try:
        return abs(complex(lambdify((), value, modules="math")()))
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return math.inf


def check_number(value: Expr) -> None:
    """A number in a parameter too large or too close to zero to be checked numerically."""
    magnitude = _magnitude(value)
    if magnitude > MAX_MAGNITUDE or (value != 0 and magnitude < 1 / MAX_MAGNITUDE):
        raise SpecError(
            f"the number {value} is too {'small' if magnitude < 1 else 'large'} (at most 1e300 "
            "and at least 1e-300 in absolute value); give it as a name and substitute the "
            "number in the result"
        )


def _check_magnitude(family: Family, name: str, value: Expr, text: str) -> None:
    """A number too large (``exp(exp(exp(100)))``) or too close to zero (``exp(-1000)``)
    is refused in one line: it is evaluated in floating point first, which overflows or
    underflows at once instead of computing an astronomically long integer."""
    magnitude = _magnitude(value)
    if magnitude > MAX_MAGNITUDE or (value != 0 and magnitude < 1 / MAX_MAGNITUDE):
        raise SpecError(
            f"the {name} of {family.name}, {value}, is too {'small' if magnitude < 1 else 'large'}"
            f" a number (at most 1e300 and at least 1e-300 in absolute value) in {text!r}; "
            "give it as a name and substitute the number in the result"
        )


def check_domain(family: Family, name: str, domain: str, value: Expr, text: str) -> None:
    if value.is_number and not isinstance(value, Tuple):
        _check_magnitude(family, name, value, text)
    if domain in ("positive", "unit", "count") and value.is_positive is False:
        raise SpecError(f"the {name} of {family.name} must be positive, got {value} in {text!r}")
    if domain == "unit" and (value - 1).is_nonnegative:
        raise SpecError(
            f"the {name} of {family.name} is a probability strictly between 0 and 1, "
            f"got {value} in {text!r}"
        )
    if domain == "count" and value.is_number and not value.is_integer:
        raise SpecError(
            f"the {name} of {family.name} must be a whole number, got {value} in {text!r}"
        )
    if value.is_real is False:
        raise SpecError(f"the {name} of {family.name} must be real, got {value} in {text!r}")


def check_size(family: Family, name: str, value: Expr, text: str) -> None:
    """A number over :data:`MAX_NUMBER` is refused with the way to the answer: a name."""
    if not value.is_number or value.free_symbols:
        return
    if value.is_real and abs(value) > MAX_NUMBER:
        shown = f"{float(value):.6g}"
        raise SpecError(
            f"the {name} of {family.name} is {shown} in {text!r}, over the limit of "
            f"{MAX_NUMBER} for a number given as a parameter (README, Limits); give it a "
            f"name, e.g. {family.name}({', '.join(p.symbol for p in family.parameters)}), "
            "and substitute the value into the result"
        )
