"""Powers of sums held whole through the normal form's expansion."""

from __future__ import annotations

from sympy import Add, Dummy, Expr, Pow, expand

__all__ = ["EXPANDED_UP_TO", "held_powers"]


#: a whole power of a sum is multiplied out up to this exponent
EXPANDED_UP_TO = 12


def held_powers(e: Expr) -> tuple[dict, dict]:
    """Each power of a sum with a whole exponent above :data:`EXPANDED_UP_TO`
    (``(1 - z^30)^49`` of a Kumaraswamy law with shapes 30 and 50) held as a symbol of its
    own through the expansion, its base expanded: multiplied out it is a polynomial of
    degree 1470 whose logarithm asks SymPy for its sign (real roots, minutes), and whose
    terms cancel to 46 digits and more where ``1 - z^30`` is small. Held the same way on
    both sides of a step, it stays canonical."""
    found = [
        x
        for x in e.atoms(Pow)
        if isinstance(x.base, Add) and x.exp.is_Integer and abs(x.exp) > EXPANDED_UP_TO
    ]
    if not found:
        return {}, {}
    held, back = {}, {}
    for power in found:
        symbol = Dummy("held")
        held[power] = symbol
        back[symbol] = Pow(expand(power.base), power.exp)
    return held, back
