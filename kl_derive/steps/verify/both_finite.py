r"""Checking a sum of two quantities each finite only under its own condition.

``jeffreys.both_finite`` states ``A + B = {V if C; oo otherwise}`` where ``A`` and ``B``
are piecewise (a closed form under a condition, ``oo`` otherwise) and ``V`` is the sum of
their closed forms, the equalities in ``C`` substituted into it (opposite inequalities
between the same two parameters: nested supports both ways are equal supports). SymPy
cannot compare two piecewise values symbolically, so the check evaluates both sides
exactly at parameter values drawn inside each finite piece (the equalities of ``C`` made
to hold) and, for each condition of a piece broken alone (the others holding), checks
that the left side is infinite there.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sympy import And, Eq, Expr, Piecewise, S, Symbol, oo

from ...errors import VerificationError
from ...symbolic.display import evaluate
from ..context import Context
from ..step import Step, conjuncts
from .sampling import sample_parameters

__all__ = ["equalities_fixed", "verify_both_finite", "verify_pieces_simplified"]

#: parameter values drawn in each finite piece, and for each condition broken alone
DRAWS = 3


def equalities_fixed(condition: Expr) -> dict:
    """The substitution an equality ``x = y`` of ``condition`` fixes: a parameter set to a
    number, or the later-named of two parameters set to the earlier one."""
    fixed: dict = {}
    for c in conjuncts(condition):
        if not isinstance(c, Eq):
            continue
        x, y = c.lhs.xreplace(fixed), c.rhs.xreplace(fixed)
        if isinstance(x, Symbol) and (not isinstance(y, Symbol) or str(y) < str(x)):
            x, y = y, x
        if not isinstance(y, Symbol):
            raise VerificationError("jeffreys.both_finite", f"cannot read {c} as an equality")
        fixed[y] = x
    return {k: v.xreplace(fixed) for k, v in fixed.items()}


def verify_both_finite(step: Step, context: Context) -> str:
    """``"numeric"`` for a true step; raise otherwise."""
    before, after = evaluate(step.before), evaluate(step.after)
    if not isinstance(after, Piecewise) or after.args[-1] != (oo, True):
        raise VerificationError(step.rule, "expected closed forms, and infinity otherwise")
    symbols = sorted(before.free_symbols | after.free_symbols, key=str)
    rng = random.Random(step.rule)
    earlier: list[Expr] = []
    for value, condition in after.args[:-1]:
        fixed = equalities_fixed(condition)
        others = [c for c in conjuncts(condition) if not isinstance(c, Eq)]
        conditions = [c.xreplace(fixed) for c in (*context.conditions, *others)]
        free = [s for s in symbols if s not in fixed]
        for _ in range(DRAWS):
            values = _drawn(free, conditions, rng, step)
            values.update({k: v.xreplace(values) for k, v in fixed.items()})
            if any(bool(e.xreplace(values)) for e in earlier):
                continue  # an earlier piece holds there
            left, right = _value(before, values), _value(value, values)
            if left == oo or right == oo or abs(left - right) > 1e-20 * (1 + abs(left)):
                raise VerificationError(
                    step.rule, f"{step.before} = {value} fails at {values}: {left} != {right}"
                )
        # each condition broken alone, the others holding: the sum is infinite there
        for broken in conjuncts(condition):
            rest = [c for c in conjuncts(condition) if c is not broken]
            held = equalities_fixed(And(*rest))
            base = [c.xreplace(held) for c in (*context.conditions, *rest) if not isinstance(c, Eq)]
            if not isinstance(broken, Eq):  # an equality is broken by generic values
                base.append((~broken).xreplace(held))
            free = [s for s in symbols if s not in held]
            for _ in range(DRAWS):
                values = _drawn(free, base, rng, step)
                values.update({k: v.xreplace(values) for k, v in held.items()})
                if bool(broken.xreplace(values)) or any(bool(e.xreplace(values)) for e in earlier):
                    continue
                if _value(before, values) != oo:
                    raise VerificationError(
                        step.rule, f"{step.before} is finite at {values}, where {broken} fails"
                    )
        earlier.append(condition)
    return "numeric"


def verify_pieces_simplified(
    step: Step, context: Context, verify: Callable[[Step, Context], str]
) -> str:
    """``jeffreys.simplify``: two piecewise values with the same conditions, each finite
    piece simplified; each is checked as an identity under the conditions of its piece
    that are not equalities (the equalities are already written into both sides)."""
    before, after = evaluate(step.before), evaluate(step.after)
    if not (isinstance(before, Piecewise) and isinstance(after, Piecewise)):
        raise VerificationError(step.rule, "expected two piecewise values")
    if [c for _, c in before.args] != [c for _, c in after.args]:
        raise VerificationError(step.rule, "the pieces' conditions differ")
    checks = set()
    for (one, condition), (two, _) in zip(before.args, after.args, strict=True):
        if one == oo or two == oo:
            if one != two:
                raise VerificationError(step.rule, f"{one} != {two}")
            continue
        others = [c for c in conjuncts(condition) if not isinstance(c, Eq)]
        piece = Step("algebra.simplify", one, two, condition=And(*others) if others else None)
        checks.add(verify(piece, context))
    return "numeric" if "numeric" in checks else "symbolic"


def _drawn(symbols: list, conditions: list, rng: random.Random, step: Step) -> dict:
    values = sample_parameters(symbols, conditions, rng)
    if values is None:
        raise VerificationError(step.rule, f"no parameter values satisfy {conditions}")
    return values


def _value(expr: Expr, values: dict) -> Expr:
    """``expr`` at ``values`` (exact numbers), to 30 digits, or ``oo``."""
    number = expr.xreplace(values)
    if isinstance(number, Piecewise):
        number = number.doit()
    number = S(number).evalf(30)
    if number in (oo, S.ComplexInfinity) or number.has(oo):
        return oo
    if not number.is_real:
        raise VerificationError("jeffreys.both_finite", f"{expr} is not a real number at {values}")
    return number
