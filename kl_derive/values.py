"""A derivation's closed form at concrete parameter values.

:func:`example_values` picks values a reader can start from (a notebook's last cell):
every parameter in its domain (positive scales, probabilities in (0, 1) that sum to one
where they are a law's categories, symmetric positive-definite matrices, a Wishart law's
degrees of freedom above p - 1), the families' own relations (``low < high``) and, for a
result that is finite only under a condition, values where it holds. A symbolic
dimension is given its first verified instance (d = 2). The choice is deterministic.

:func:`value_at` evaluates the closed form at values given by parameter name, with
vectors as lists and matrices as lists of rows; the dimension is read from their length.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sympy import (
    And,
    Basic,
    Expr,
    ImmutableMatrix,
    Indexed,
    IndexedBase,
    MatrixSymbol,
    Piecewise,
    S,
    Symbol,
    Tuple,
    oo,
    zoo,
)

from .errors import KLDeriveError

if TYPE_CHECKING:  # pragma: no cover
    from .record import DerivationRecord as Derivation

__all__ = ["example_values", "value_at"]

#: a value a user gives: a number, a vector (list) or a matrix (list of rows)
Value = int | float | list


def _dimension(derivation: Derivation) -> Symbol | None:
    """The symbolic size of the vectors and matrices (``d``, ``p``, ``K``), if any."""
    for s in derivation.result.free_symbols:
        if isinstance(s, Symbol) and s.is_integer and s.is_positive and _sized_by(derivation, s):
            return s
    return None


def _sized_by(derivation: Derivation, s: Symbol) -> bool:
    """Whether ``s`` is the size of a matrix or the end of a sum in the closed form."""
    result = derivation.result
    for m in result.atoms(MatrixSymbol):
        if s in m.shape:
            return True
    from sympy import Sum

    return any(s in limit for total in result.atoms(Sum) for limit in total.limits)


def _parameters(derivation: Derivation) -> dict[str, Basic]:
    """The closed form's parameters by name: symbols, matrix symbols, indexed vectors."""
    result = derivation.result
    found: dict[str, Basic] = {}
    dimension = _dimension(derivation)
    indexed = {b.label: b for b in result.atoms(IndexedBase)}
    bound = {v for total in _sums(result) for v in total.variables}
    for s in sorted(result.free_symbols, key=str):
        if s == dimension or s in bound or isinstance(s, Indexed):
            continue
        if s in indexed:
            found[str(s)] = indexed[s]
        elif isinstance(s, (Symbol, MatrixSymbol)):
            found[str(s)] = s
    return found


def _sums(expr: Expr) -> set:
    from sympy import Sum

    return expr.atoms(Sum)


def value_at(derivation: Derivation, values: Mapping[str, Value]) -> float:
    """The closed form at ``values`` (name -> number, list or list of rows), as a float
    (``inf`` where the divergence is infinite)."""
    parameters = _parameters(derivation)
    given = {str(k): v for k, v in values.items()}
    unknown = sorted(set(given) - set(parameters))
    missing = sorted(set(parameters) - set(given))
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown parameter(s) {', '.join(unknown)}")
        if missing:
            parts.append(f"missing value(s) for {', '.join(missing)}")
        raise KLDeriveError(f"{'; '.join(parts)} (the parameters: {', '.join(parameters)})")
    dimension = _dimension(derivation)
    size = _size(parameters, given)
    mapping: dict[Basic, Basic] = {}
    if dimension is not None:
        if size is None:
            raise KLDeriveError(f"give a vector or a matrix to fix the dimension {dimension}")
        mapping[dimension] = S(size)
    vectors: dict[IndexedBase, list] = {}
    for name, obj in parameters.items():
        value = given[name]
        if isinstance(obj, MatrixSymbol):
            mapping[obj] = _matrix(name, value, obj, size)
        elif isinstance(obj, IndexedBase):
            vectors[obj] = _vector(name, value, size)
        else:
            mapping[obj] = _scalar(name, value, obj)
    expr = derivation.result.xreplace(mapping).doit()
    if vectors:
        expr = expr.replace(
            lambda e: isinstance(e, Indexed) and e.base in vectors,
            lambda e: vectors[e.base][int(e.indices[0]) - 1],
        ).doit()
    number = expr.evalf()
    if number in (oo, zoo) or number == S.Infinity:
        return math.inf
    if not number.is_number or not number.is_real:
        raise KLDeriveError(f"the closed form is not a real number at these values: {number}")
    return float(number)


def _size(parameters: Mapping[str, Basic], given: Mapping[str, Value]) -> int | None:
    sizes = {len(v) for v in given.values() if isinstance(v, (list, tuple))}
    if len(sizes) > 1:
        raise KLDeriveError(f"the vectors and matrices have different sizes: {sorted(sizes)}")
    return sizes.pop() if sizes else None


def _scalar(name: str, value: Value, symbol: Basic) -> Expr:
    if isinstance(value, (list, tuple, bool)):
        raise KLDeriveError(f"{name} is a number, not {value!r}")
    number = S(value)
    if not number.is_real:
        raise KLDeriveError(f"{name} must be a real number, not {value!r}")
    if getattr(symbol, "is_positive", False) and not number.is_positive:
        raise KLDeriveError(f"{name} must be positive, not {value!r}")
    if getattr(symbol, "is_integer", False) and not number.is_integer:
        raise KLDeriveError(f"{name} must be a whole number, not {value!r}")
    return number


def _vector(name: str, value: Value, size: int | None) -> list:
    if not isinstance(value, (list, tuple)) or any(isinstance(x, (list, tuple)) for x in value):
        raise KLDeriveError(f"{name} is a vector: give a list of numbers")
    return [S(x) for x in value]


def _matrix(name: str, value: Value, symbol: MatrixSymbol, size: int | None) -> ImmutableMatrix:
    if symbol.shape[1] == 1:  # a column vector
        return ImmutableMatrix([[S(x)] for x in _vector(name, value, size)])
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(row, (list, tuple)) and len(row) == len(value) for row in value
    ):
        raise KLDeriveError(f"{name} is a square matrix: give a list of rows")
    m = ImmutableMatrix([[S(x) for x in row] for row in value])
    if m != m.T or not m.is_positive_definite:
        raise KLDeriveError(f"{name} must be symmetric positive definite")
    return m


# -- example values ---------------------------------------------------------------

_POSITIVE = (S(3) / 2, S(5) / 2, S(4) / 5, S(6) / 5, S(2), S(7) / 10)
_REAL = (S(1) / 2, -S(3) / 10, S(6) / 5, -S(4) / 5, S(1) / 5, S(9) / 10)
_UNIT = (S(3) / 10, S(3) / 5, S(9) / 20, S(1) / 4)


def example_values(derivation: Derivation) -> dict[str, Value]:
    """Valid values for every parameter of the closed form, by name (see the module
    docstring); numbers as ``int`` or ``float``, vectors as lists, matrices as rows."""
    parameters = _parameters(derivation)
    dimension = _dimension(derivation)
    size = derivation.instance_sizes[0] if derivation.instance_sizes else 2
    roles = _roles(derivation)
    chosen: dict[Basic, Any] = {}
    counters = {"positive": 0, "real": 0, "unit": 0}

    def scalar(symbol: Basic) -> Expr:
        domain = roles.get(symbol, ("", ""))[0]
        if domain == "unit":
            kind = "unit"
        elif getattr(symbol, "is_positive", False) or domain == "positive":
            kind = "positive"
        else:
            kind = "real"
        if getattr(symbol, "is_integer", False):
            return S(5 + counters["positive"])
        table = {"positive": _POSITIVE, "real": _REAL, "unit": _UNIT}[kind]
        value = table[counters[kind] % len(table)]
        counters[kind] += 1
        return value

    laws = _laws(derivation)
    for index, law in enumerate(laws):
        for parameter, arg in zip(law.family.parameters, law.user_args, strict=False):
            _choose(arg, parameter.domain, index, size, law, chosen, scalar)
    for obj in parameters.values():
        if obj in chosen:
            continue
        # a vector inside an expression: exp(logvar/2)
        if isinstance(obj, IndexedBase) or (isinstance(obj, MatrixSymbol) and obj.shape[1] == 1):
            chosen[obj] = [scalar(obj) for _ in range(size)]
        else:
            chosen[obj] = scalar(obj)
    _satisfy(derivation, chosen, size, dimension)
    return {name: _plain(chosen[obj]) for name, obj in parameters.items()}


def _laws(derivation: Derivation) -> list:
    if derivation.q is derivation.p or getattr(derivation, "quantity", "kl") == "entropy":
        return [derivation.p]
    return [derivation.p, derivation.q]


def _roles(derivation: Derivation) -> dict[Basic, tuple[str, str]]:
    """Each symbol that is a law's argument itself: (its domain, the family's name)."""
    roles: dict[Basic, tuple[str, str]] = {}
    for law in _laws(derivation):
        for parameter, arg in zip(law.family.parameters, law.user_args, strict=False):
            entries = arg.args if isinstance(arg, Tuple) else (arg,)
            for entry in entries:
                if isinstance(entry, (Symbol, IndexedBase, MatrixSymbol)):
                    roles.setdefault(entry, (parameter.domain, law.family.name))
    return roles


def _choose(arg, domain: str, index: int, size: int, law, chosen: dict, scalar) -> None:
    """Values for one argument of a law: a vector, a matrix, categories or a number."""
    if arg in chosen:
        return
    if isinstance(arg, MatrixSymbol):
        if arg.shape[1] == 1:
            chosen[arg] = [_REAL[(index * 2 + i) % len(_REAL)] for i in range(size)]
        else:
            chosen[arg] = _spd(size, index)
    elif isinstance(arg, IndexedBase):
        if domain == "unit":
            chosen[arg] = _categories(size, index)
        elif arg.is_positive or domain == "positive":
            chosen[arg] = [_POSITIVE[(index * 2 + i) % len(_POSITIVE)] for i in range(size)]
        else:
            chosen[arg] = [_REAL[(index * 2 + i) % len(_REAL)] for i in range(size)]
    elif isinstance(arg, Tuple) and domain == "unit":
        free = [e for e in arg.args if isinstance(e, Symbol)]
        for entry, value in zip(free, _categories(len(arg.args), index), strict=False):
            chosen.setdefault(entry, value)
    elif isinstance(arg, ImmutableMatrix) and arg.shape[0] == arg.shape[1] > 1:
        spd = _spd(arg.shape[0], index)
        for i in range(arg.shape[0]):
            for j in range(arg.shape[1]):
                if isinstance(arg[i, j], Symbol):
                    chosen.setdefault(arg[i, j], spd[i][j])
    elif isinstance(arg, Symbol) and getattr(law.family, "name", "") == "wishart":
        if domain == "positive" and arg not in chosen:  # degrees of freedom above p - 1
            chosen[arg] = S(size + 1) + S(index) + S(1) / 2
    elif isinstance(arg, Symbol):
        chosen[arg] = scalar(arg)


def _spd(size: int, index: int) -> list[list[Expr]]:
    """A symmetric positive-definite matrix (diagonally dominant), different per law."""
    diagonal = (S(2), S(1), S(3) / 2, S(5) / 4) if index == 0 else (S(1), S(3) / 2, S(2), S(1))
    off = S(1) / 2 if index == 0 else -S(1) / 5
    return [
        [diagonal[i % len(diagonal)] if i == j else off / (1 + abs(i - j)) for j in range(size)]
        for i in range(size)
    ]


_CATEGORIES = {
    2: ((S(3) / 10, S(7) / 10), (S(3) / 5, S(2) / 5)),
    3: ((S(1) / 5, S(3) / 10, S(1) / 2), (S(2) / 5, S(7) / 20, S(1) / 4)),
    4: ((S(1) / 10, S(1) / 5, S(3) / 10, S(2) / 5), (S(2) / 5, S(3) / 10, S(1) / 5, S(1) / 10)),
}


def _categories(size: int, index: int) -> list[Expr]:
    """Probabilities of ``size`` categories summing to one, different per law."""
    if size in _CATEGORIES:
        return list(_CATEGORIES[size][index % 2])
    weights = [S(i + 1) for i in range(size)]
    if index % 2:
        weights.reverse()
        weights = [w + 1 for w in weights]
    total = sum(weights)
    return [w / total for w in weights]


def _entries(condition: Expr, chosen: dict, size: int) -> Expr:
    """A condition on vectors' components (``sigma[j]^2 < 2 s[j]^2``, for every
    coordinate ``j``) at the chosen vectors: one condition per coordinate, each
    component its number."""
    found = condition.atoms(Indexed)
    if not found:
        return condition
    indices = {i for x in found for i in x.indices if not i.is_number}
    cases = [condition]
    for index in indices:
        cases = [c.xreplace({index: S(k)}) for c in cases for k in range(1, size + 1)]
    values = {}
    for case in cases:
        for x in case.atoms(Indexed):
            vector = chosen.get(x.base)
            if isinstance(vector, list) and x.indices[0].is_Integer:
                values[x] = vector[int(x.indices[0]) - 1]
    return And(*[c.xreplace(values) for c in cases])


def _satisfy(derivation: Derivation, chosen: dict, size: int, dimension) -> None:
    """Move the numbers to where the families' relations and the closed form's
    condition for a finite value hold (the verifier's sampler, with a fixed seed)."""
    from .steps.verify.sampling import sample_parameters

    conditions = []
    for law in _laws(derivation):
        try:
            relations = law.family.conditions(law.user_args)
        except KLDeriveError:  # categories of symbolic number: chosen to sum to one
            relations = ()
        conditions += [c for c in relations if not c.has(IndexedBase)]
    roles = _roles(derivation)
    conditions += [
        s < 1 for s, (domain, _) in roles.items() if domain == "unit" and isinstance(s, Symbol)
    ]
    conditions = [c for c in conditions if c is not S.true]
    pieces = derivation.result.atoms(Piecewise)
    for piecewise in pieces:
        finite = [cond for value, cond in piecewise.args if value.is_finite is not False]
        if finite and finite[0] is not S.true:
            conditions.append(finite[0])
    scalars = {s: v for s, v in chosen.items() if isinstance(s, Symbol) and not isinstance(v, list)}
    if dimension is not None:
        scalars[dimension] = S(size)
    conditions = [_entries(c, chosen, size) for c in conditions]

    def holds() -> bool:
        return all(bool(c.xreplace(scalars)) for c in conditions)

    if not conditions or holds():
        return
    free = [s for s in scalars if s != dimension and not s.is_integer]
    fixed = {s: v for s, v in scalars.items() if s not in free}
    bound = [c.xreplace(fixed) for c in conditions]
    found = sample_parameters(free, [c for c in bound if c is not S.true], random.Random(12))
    if found is None:
        return  # left as they are; the value may then be infinite
    for s in free:
        if s in found:
            chosen[s] = found[s]


def _plain(value: Any) -> Value:
    """A SymPy number (or lists of them) as a Python ``int`` or ``float``."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    number = S(value)
    if number.is_Integer:
        return int(number)
    return float(number)
