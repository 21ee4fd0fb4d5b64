"""Turning parsed specs into distributions: SymPy symbols with the right assumptions."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import replace

from sympy import (
    Expr,
    ImmutableMatrix,
    IndexedBase,
    Integer,
    Lambda,
    MatrixSymbol,
    Number,
    Rational,
    S,
    Symbol,
    Tuple,
    exp,
    log,
    pi,
    sqrt,
    sympify,
)

from ..errors import SpecError
from ..families import get_family
from ..families.base import Distribution, Family
from ..spec import MAX_DIMENSION, MAX_EXPONENT, DistributionSpec, Node
from ..strategies import PAIRS

__all__ = ["bind_pair", "with_dimension"]

_FUNCTIONS = {"exp": exp, "log": log, "sqrt": sqrt}
#: no number in a spec may have more decimal digits than this (10**300 is plenty)
MAX_DIGITS = 300
#: the largest number a scalar parameter may be given as (in absolute value): kl-derive
#: computes exactly, and a law's density holds powers and factorials of its parameters
#: (a gamma law's beta^alpha and Gamma(alpha), a binomial law's sum over n + 1 counts),
#: which past this size take minutes or cannot be written out; a name has no such cost
MAX_NUMBER = 1000
#: the largest matrix with names among its entries (a covariance or Wishart scale given
#: as a list of rows, or written out by --dims): its determinant and inverse are sums of
#: up to d! products, which past 3 x 3 take minutes to verify and fill pages
MAX_SYMBOLIC_SIZE = 3


def bind_pair(
    first: DistributionSpec, second: DistributionSpec | None, param: str | None = None
) -> tuple[Distribution, Distribution]:
    """Distributions for ``KL(first || second)``; ``second`` defaults to the standard member.

    A bare family name takes the family's default symbols (``normal`` is
    ``normal(mu, sigma)``); when both are bare their symbols get suffixes ``_1``, ``_2``.
    ``param`` says how the first distribution's last argument is to be read, e.g.
    ``"logvar"``: ``normal(mu, logvar)`` then means ``normal(mu, exp(logvar/2))``.
    """
    fam1 = get_family(first.family)
    first, logits1 = _read_logits(fam1, first)
    positive: set[str] = set()
    # two bare laws get numbered parameters (mu_1, mu_2); a reparametrized bare first law
    # too, when the second is bare (mu_1, logvar_1 against mu_2, sigma_2)
    both_bare = second is not None and not first.args and not second.args
    if param is not None:
        first, positive = _reparametrize(fam1, first, param, "_1" if both_bare else "")
    fam2 = get_family(second.family) if second is not None else fam1
    logits2 = False
    if second is not None:
        second, logits2 = _read_logits(fam2, second)
    if (fam1.name, fam2.name) not in PAIRS:
        raise SpecError(_not_derivable(fam1.name, fam2.name))
    _check_arity(fam1, first)
    if second is not None:
        _check_arity(fam2, second)
    pairs = [(fam1, first), *([(fam2, second)] if second is not None else [])]
    domains = _domains(pairs)
    domains.update(dict.fromkeys(positive & set(domains), "positive"))
    domains.update(dict.fromkeys(_positive_for_scales(pairs, domains), "positive"))
    taken = set(domains)
    if second is not None and not second.args and not both_bare:
        # a bare second law takes its parameters' own names (sigma): a placeholder of the
        # first law (sigma for exp(logvar/2)) must be named otherwise
        taken |= {p.symbol for p in fam2.parameters}
    d1 = _bind(fam1, first, domains, taken, "_1" if both_bare else "")
    if second is None:
        d2 = Distribution(fam2, tuple(sympify(a) for a in fam2.standard), fam2.name)
    else:
        d2 = _bind(
            fam2,
            second,
            domains,
            # a placeholder must not take a name the first law uses (its bare symbols too)
            taken | {str(s) for a in d1.args for s in a.free_symbols},
            "_2" if both_bare else "",
        )
    _check_same_dimension(d1, d2)
    if (
        both_bare
        and fam1.name == fam2.name
        and fam1.logits == "softmax"
        and fam1.name != "multinomial"
    ):
        # two bare categorical laws: Cat(p) || Cat(q) with K categories
        d1 = replace(d1, args=(IndexedBase("p", positive=True),))
        d2 = replace(d2, args=(IndexedBase("q", positive=True),))
    if logits1:
        d1 = _probability_placeholders(d1, "p", _used_names(d2))
    if logits2:
        d2 = _probability_placeholders(d2, "r", _used_names(d1))
    for law in (d1, d2):
        _check_conditions(law)
    return _check_matrices(d1), _check_matrices(d2)


def _check_matrices(distribution: Distribution) -> Distribution:
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


def _read_logits(family: Family, spec: DistributionSpec) -> tuple[DistributionSpec, bool]:
    """``family(..., logits=a)`` as ``family(..., probs)`` with PyTorch's reading of the
    logits: ``probs = 1/(1 + e^{-a})`` (sigmoid), or for a list ``probs_i = e^{a_i} / sum_j
    e^{a_j}`` (softmax); and whether logits were given."""
    if not spec.keywords:
        return spec, False
    ((_, logits),) = spec.keywords  # the parser accepts one keyword, logits
    if family.logits is None or family.parameters[-1].name != "probs":
        raise SpecError(f"{family.name} takes no logits (in {spec.text!r})")
    expected = len(family.parameters) - 1
    if len(spec.args) > expected:
        raise SpecError(f"give probs or logits, not both, in {spec.text!r}")
    if len(spec.args) != expected:
        names = ", ".join(p.name for p in family.parameters[:-1])
        raise SpecError(f"{family.name} takes {names} before logits=, in {spec.text!r}")
    if family.logits == "softmax":
        if logits.kind != "list" or len(logits.args) < 2:
            raise SpecError(
                f"give the logits of {family.name} as a list, e.g. logits=[a, b, c], "
                f"in {spec.text!r}"
            )
        exps = [Node("call", "exp", (item,)) for item in logits.args]
        total = exps[0]
        for e in exps[1:]:
            total = Node("binop", "+", (total, e))
        probs = Node("list", args=tuple(Node("binop", "/", (e, total)) for e in exps))
    else:
        if logits.kind == "list":
            raise SpecError(f"the logits of {family.name} are one number or name, not a list")
        minus = Node("neg", args=(logits,))
        denominator = Node("binop", "+", (Node("num", "1"), Node("call", "exp", (minus,))))
        probs = Node("binop", "/", (Node("num", "1"), denominator))
    return DistributionSpec(spec.family, (*spec.args, probs), spec.text), True


def _used_names(distribution: Distribution) -> set[str]:
    names = {str(s) for a in distribution.args for s in a.free_symbols}
    return names | {str(s) for s in distribution.substitutions}


def _probability_placeholders(
    distribution: Distribution, base: str, taken: set[str]
) -> Distribution:
    """The probabilities read from logits as placeholders ``p`` (or ``p_1, ..., p_K``),
    substituted back in the last step; the derivation runs in them."""
    *head, probs = distribution.args
    substitutions = dict(distribution.substitutions)
    taken = taken | {str(s) for a in head for s in a.free_symbols}
    if isinstance(probs, Tuple):
        while any(f"{base}_{i}" in taken for i in range(1, len(probs) + 1)):
            base += "'"  # pragma: no cover - names such as p_1 are rarely taken
        symbols = [Symbol(f"{base}_{i}", positive=True) for i in range(1, len(probs) + 1)]
        substitutions.update(zip(symbols, probs, strict=True))
        probs = Tuple(*symbols)
    elif probs in substitutions:  # a scalar placeholder, renamed
        value = substitutions.pop(probs)
        symbol = Symbol(_fresh(base, taken), positive=True)
        substitutions[symbol] = value
        probs = symbol
    return replace(distribution, args=(*head, probs), substitutions=substitutions)


def _not_derivable(p: str, q: str) -> str:
    from ..strategies.table import OUTCOMES

    if OUTCOMES.get((p, q)) == "none":
        return (
            f"KL({p} || {q}) has no closed form in the catalog: an expectation it needs under "
            f"{p} has none (see kl-derive pairs)"
        )
    return f"KL({p} || {q}) is not derivable (see kl-derive pairs for the pairs that are)"


def _check_same_dimension(d1: Distribution, d2: Distribution) -> None:
    """Two vector distributions of explicitly different sizes have no divergence."""
    dimension = getattr(d1.family, "dimension", None)
    if dimension is None:
        return
    n1, n2 = dimension(d1.args), d2.family.dimension(d2.args)
    if n1 is not None and n2 is not None and n1 != n2:
        raise SpecError(f"{d1.spec!r} has {n1} coordinates but {d2.spec!r} has {n2}")


def _reparametrize(
    family: Family, spec: DistributionSpec, param: str, suffix: str = ""
) -> tuple[DistributionSpec, set[str]]:
    """The spec with its last argument read as ``param``; and the names that must be > 0.
    A bare spec gets the default names, followed by ``suffix``."""
    readings = family.parametrizations
    if param not in readings:
        known = ", ".join(readings) or "none"
        close = difflib.get_close_matches(param, list(readings), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SpecError(
            f"unknown parametrization {param!r} for {family.name}{hint} (known: {known})"
        )
    symbol, domain, rewrite = readings[param]
    _check_arity(family, spec)
    if spec.args:
        *head, last = spec.args
    else:
        head = [
            Node("name", p.symbol + ("" if p.domain == "count" else suffix))
            for p in family.parameters[:-1]
        ]
        last = Node("name", symbol + suffix)
    positive = {last.value} if domain == "positive" and last.kind == "name" else set()
    if last.kind == "list":
        rewritten = Node("list", args=tuple(rewrite(item) for item in last.args))
    else:
        rewritten = rewrite(last)
    return DistributionSpec(spec.family, (*head, rewritten), spec.text), positive


def _check_arity(family: Family, spec: DistributionSpec) -> None:
    expected = len(family.parameters)
    if spec.args and len(spec.args) != expected:
        names = ", ".join(p.name for p in family.parameters)
        raise SpecError(
            f"{family.name} takes {expected} arguments ({names}), "
            f"got {len(spec.args)} in {spec.text!r}"
        )


def _domains(pairs: Iterable[tuple[Family, DistributionSpec]]) -> dict[str, str]:
    """Each user symbol's assumption: positive if it is ever a positive parameter itself."""
    domains: dict[str, str] = {}
    for family, spec in pairs:
        for parameter, arg in zip(family.parameters, spec.args, strict=False):
            # a vector's entries are parameters in their own right
            nodes = arg.args if arg.kind == "list" else (arg,)
            for node in nodes:
                for name in _names(node):
                    strong = node.kind == "name" and parameter.domain != "real"
                    if strong or name not in domains:
                        domains[name] = parameter.domain if strong else domains.get(name, "real")
    for family, spec in pairs:  # names a family needs positive (a scale's diagonal)
        positive_names = getattr(family, "positive_names", None)
        if positive_names is not None:
            domains.update(dict.fromkeys(positive_names(spec), "positive"))
    return domains


def _positive_for_scales(
    pairs: Iterable[tuple[Family, DistributionSpec]], domains: dict[str, str]
) -> set[str]:
    """Names that a positive parameter's expression needs positive: in ``sqrt(v)`` or
    ``2*s`` the scale is positive exactly when the names are, so they are taken so."""
    names: set[str] = set()
    for family, spec in pairs:
        for parameter, arg in zip(family.parameters, spec.args, strict=False):
            if parameter.domain != "positive":
                continue
            for node in arg.args if arg.kind == "list" else (arg,):
                if node.kind in ("name", "num", "list"):
                    continue
                try:
                    value = _to_sympy(node, domains)
                except SpecError:
                    continue
                if value.is_positive is not None:
                    continue
                trial = value.xreplace(
                    {s: Symbol(s.name, positive=True) for s in value.free_symbols}
                )
                if trial.is_positive:
                    names.update(s.name for s in value.free_symbols)
    return names


def _names(node: Node) -> set[str]:
    if node.kind == "name":
        return {node.value}
    return set().union(*(_names(a) for a in node.args)) if node.args else set()


def _symbol(name: str, domain: str) -> Symbol:
    if domain == "count":
        return Symbol(name, integer=True, positive=True)
    if domain in ("positive", "unit"):
        return Symbol(name, positive=True)
    return Symbol(name, real=True)


def _bind(
    family: Family, spec: DistributionSpec, domains: dict[str, str], taken: set[str], suffix: str
) -> Distribution:
    if hasattr(family, "bind"):  # a family that reads its own arguments (wishart)
        return family.bind(spec, domains, _to_sympy, suffix)
    if family.vector:
        return _bind_vector(family, spec, domains, suffix)
    if getattr(family, "low_rank", False):
        return _bind_low_rank(family, spec, domains)
    if getattr(family, "matrix", False):
        return _bind_matrix(family, spec, domains, suffix)
    if not spec.args:
        # a count (a binomial's total_count) is shared by two bare laws: KL(Bin(n, p_1) ||
        # Bin(n, p_2)) is the pair people mean, and different counts have no closed form
        args = tuple(
            _symbol(p.symbol + ("" if p.domain == "count" else suffix), p.domain)
            for p in family.parameters
        )
        return Distribution(family, args, spec.text)
    args: list[Expr] = []
    substitutions: dict[Symbol, Expr] = {}
    for parameter, node in zip(family.parameters, spec.args, strict=True):
        value = _to_sympy(node, domains)
        _check_domain(family, parameter.name, parameter.domain, value, spec.text)
        _check_size(family, parameter.name, value, spec.text)
        if isinstance(value, (Symbol, Number)):
            args.append(value)
            continue
        placeholder = _fresh(parameter.symbol, taken)
        taken.add(str(placeholder))
        symbol = _symbol(placeholder, parameter.domain)
        substitutions[symbol] = value
        args.append(symbol)
    return Distribution(family, tuple(args), spec.text, substitutions)


def symmetric_rows(node: Node, what: str, text: str, domains: dict[str, str]) -> ImmutableMatrix:
    """A matrix given as a list of rows (``[[a, b], [b, c]]``), checked to be square and
    symmetric; ``what`` names it in the one-line error (``"the covariance"``)."""
    rows = [row.args if row.kind == "list" else None for row in node.args]
    if any(r is None or len(r) != len(rows) for r in rows):
        raise SpecError(f"{what} in {text!r} must be a square list of rows")
    matrix = ImmutableMatrix([[_to_sympy(x, domains) for x in row] for row in rows])
    if matrix != matrix.T:
        raise SpecError(f"{what} in {text!r} must be symmetric")
    return matrix


def _bind_vector(
    family: Family, spec: DistributionSpec, domains: dict[str, str], suffix: str
) -> Distribution:
    """Vector parameters: a name is a symbolic vector (components ``mu[j]``), a list an
    explicit one, a number the same value in every coordinate."""
    nodes = spec.args or tuple(
        Node("name", p.symbol + ("" if p.domain == "count" else suffix)) for p in family.parameters
    )
    args: list[Expr] = []
    for parameter, node in zip(family.parameters, nodes, strict=True):
        if parameter.domain == "count":  # a multinomial's total_count: one number or name
            value = _to_sympy(node, {**domains, **dict.fromkeys(_names(node), "count")})
            _check_domain(family, parameter.name, parameter.domain, value, spec.text)
            args.append(value)
        elif node.kind == "name":
            assumptions = {"positive": True} if parameter.domain == "positive" else {"real": True}
            args.append(IndexedBase(node.value, **assumptions))
        elif node.kind == "list":
            items = []
            for item in node.args:
                value = _to_sympy(item, domains)
                _check_domain(family, parameter.name, parameter.domain, value, spec.text)
                items.append(value)
            args.append(Tuple(*items))
        else:
            value = _to_sympy(node, domains)
            _check_domain(family, parameter.name, parameter.domain, value, spec.text)
            if not value.is_number:
                # an expression of vectors, taken coordinate by coordinate: exp(logvar/2)
                j = family.index
                vectors = {s: IndexedBase(s.name, **s.assumptions0)[j] for s in value.free_symbols}
                value = Lambda(j, value.xreplace(vectors))
            args.append(value)
    sizes = {len(a) for a in args if isinstance(a, Tuple)}
    if len(sizes) > 1:
        raise SpecError(f"the vectors in {spec.text!r} have different lengths")
    if sizes and any(isinstance(a, IndexedBase) for a in args):
        raise SpecError(f"give every vector of {spec.text!r} as a list, or every one as a name")
    return Distribution(family, tuple(args), spec.text)


def _bind_matrix(
    family: Family, spec: DistributionSpec, domains: dict[str, str], suffix: str
) -> Distribution:
    """A mean vector and a covariance matrix: names (size d), list literals, or 0 and 1."""
    from ..families.multivariate_normal import DIMENSION

    nodes = spec.args or tuple(Node("name", p.symbol + suffix) for p in family.parameters)
    (loc_node, cov_node) = nodes
    args: list[Expr] = []
    if loc_node.kind == "name":
        args.append(MatrixSymbol(loc_node.value, DIMENSION, 1))
    elif loc_node.kind == "list":
        args.append(ImmutableMatrix([_to_sympy(x, domains) for x in loc_node.args]))
    else:
        args.append(_number_argument(family, "loc", loc_node, domains, spec))
    if cov_node.kind == "name":
        args.append(MatrixSymbol(cov_node.value, DIMENSION, DIMENSION))
    elif cov_node.kind == "list":
        matrix = symmetric_rows(cov_node, "the covariance", spec.text, domains)
        if matrix.is_positive_definite is False:
            raise SpecError(f"the covariance in {spec.text!r} is not positive definite")
        args.append(matrix)
    else:
        args.append(_number_argument(family, "covariance_matrix", cov_node, domains, spec))
        if args[-1] != 1:
            raise SpecError(
                "a number as covariance stands for the identity; write 1, or a list of rows"
            )
    shapes = {a.shape[0] for a in args if isinstance(a, ImmutableMatrix)}
    if len(shapes) > 1:
        raise SpecError(f"the mean and the covariance in {spec.text!r} have different sizes")
    if shapes and any(isinstance(a, MatrixSymbol) for a in args):
        raise SpecError(f"give both parameters of {spec.text!r} as lists, or both as names")
    return Distribution(family, tuple(args), spec.text)


def _bind_low_rank(family: Family, spec: DistributionSpec, domains: dict[str, str]) -> Distribution:
    """``(loc, cov_factor, cov_diag)`` as lists: the law with covariance W W^T + diag(D)."""
    from ..families.low_rank_multivariate_normal import covariance

    if len(spec.args) != 3 or any(a.kind != "list" for a in spec.args):
        raise SpecError(
            f"give the three parameters of {family.name} as lists, e.g. "
            "low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])"
        )
    loc_node, factor_node, diag_node = spec.args
    loc = [_to_sympy(x, domains) for x in loc_node.args]
    rows = [row.args if row.kind == "list" else None for row in factor_node.args]
    if any(r is None for r in rows) or len({len(r) for r in rows}) != 1:
        raise SpecError(f"the cov_factor in {spec.text!r} must be a list of rows of one length")
    factor = ImmutableMatrix([[_to_sympy(x, domains) for x in row] for row in rows])
    diagonal = []
    for node in diag_node.args:
        value = _to_sympy(node, {**domains, **dict.fromkeys(_names(node), "positive")})
        if node.kind == "name":
            value = Symbol(node.value, positive=True)
        _check_domain(family, "cov_diag", "positive", value, spec.text)
        diagonal.append(value)
    if not len(loc) == factor.shape[0] == len(diagonal):
        raise SpecError(f"the parameters in {spec.text!r} have different sizes")
    cov = covariance(factor, diagonal)
    return Distribution(family, (ImmutableMatrix(loc), cov), spec.text)


def _number_argument(family, name, node, domains, spec) -> Expr:
    value = _to_sympy(node, domains)
    if not value.is_number or value not in (0, 1):
        raise SpecError(
            f"the {name} of {family.name} must be a name, a list, or 0 / 1 (the standard one); "
            f"got {node} in {spec.text!r}"
        )
    return value


def with_dimension(distribution: Distribution, n: int) -> Distribution:
    """Vector parameters given by name written out in ``n`` coordinates (``mu_1, ...``);
    a covariance matrix given by name becomes a symmetric matrix of entries ``Sigma_12``."""
    if hasattr(distribution.family, "with_dimension"):  # a family that writes itself out
        if not 1 <= n <= MAX_DIMENSION:
            raise SpecError(f"--dims must be between 1 and {MAX_DIMENSION}, got {n}")
        return _check_matrices(distribution.family.with_dimension(distribution, n))
    if getattr(distribution.family, "matrix", False):
        if not 1 <= n <= MAX_DIMENSION:
            raise SpecError(f"--dims must be between 1 and {MAX_DIMENSION}, got {n}")
        explicit = tuple(_explicit_matrix(a, n) for a in distribution.args)
        return _check_matrices(replace(distribution, args=explicit))
    if not distribution.family.vector:
        raise SpecError(f"--dims applies to vector families; {distribution.family.name} is not one")
    if not 1 <= n <= MAX_DIMENSION:
        raise SpecError(f"--dims must be between 1 and {MAX_DIMENSION}, got {n}")
    args = []
    for a in distribution.args:
        if isinstance(a, IndexedBase):
            assumptions = a.assumptions0
            a = Tuple(*[Symbol(f"{a.label}_{i}", **assumptions) for i in range(1, n + 1)])
        elif isinstance(a, Tuple) and len(a) != n:
            raise SpecError(f"--dims {n} does not match the list of length {len(a)}")
        args.append(a)
    return replace(distribution, args=tuple(args))


def _explicit_matrix(a: Expr, n: int) -> Expr:
    if not isinstance(a, MatrixSymbol):
        if isinstance(a, ImmutableMatrix) and a.shape[0] != n:
            raise SpecError(f"--dims {n} does not match a matrix of size {a.shape[0]}")
        return a
    name = str(a.name)
    if a.shape[1] == 1:
        return ImmutableMatrix([Symbol(f"{name}_{i}", real=True) for i in range(1, n + 1)])
    entries = [
        [
            Symbol(
                f"{name}_{min(i, j)}{max(i, j)}",
                **({"positive": True} if i == j else {"real": True}),
            )
            for j in range(1, n + 1)
        ]
        for i in range(1, n + 1)
    ]
    return ImmutableMatrix(entries)


def _fresh(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    i = 1
    while f"{name}_{i}" in taken:
        i += 1
    return f"{name}_{i}"


def _check_conditions(law: Distribution) -> None:
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


def _check_number(value: Expr) -> None:
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


def _check_domain(family: Family, name: str, domain: str, value: Expr, text: str) -> None:
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


def _check_size(family: Family, name: str, value: Expr, text: str) -> None:
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


def _to_sympy(node: Node, domains: dict[str, str]) -> Expr:
    if node.kind == "num":
        return (
            Rational(node.value)
            if "." in node.value or "e" in node.value.lower()
            else Integer(node.value)
        )
    if node.kind == "name":
        return _symbol(node.value, domains.get(node.value, "real"))
    if node.kind == "const":
        return pi
    if node.kind == "list":
        raise SpecError(f"a list {node} is not allowed here; this parameter is a number")
    args = [_to_sympy(a, domains) for a in node.args]
    if node.kind == "neg":
        return -args[0]
    if node.kind == "call":
        value = _FUNCTIONS[node.value](args[0])
        if value.is_number:  # before anything asks SymPy about it (exp(exp(exp(100))))
            _check_number(value)
        return value
    left, right = args
    if node.value == "+":
        return left + right
    if node.value == "-":
        return left - right
    if node.value == "*":
        return left * right
    if node.value == "/":
        if right == 0:
            raise SpecError("division by zero in a parameter")
        return left / right
    if right.is_Number and abs(right) > MAX_EXPONENT:
        raise SpecError(f"exponent {right} is too large (at most {MAX_EXPONENT})")
    if left.is_Number and right.is_Number and left != 0:
        digits = abs(float(right)) * abs(math.log10(abs(float(left)))) if abs(left) < 1e300 else 1e9
        if digits > MAX_DIGITS:
            raise SpecError(f"the number {left}**{right} is too large")
    if left == 0 and right.is_Number and right.is_negative:
        raise SpecError("division by zero in a parameter")
    return left**right
