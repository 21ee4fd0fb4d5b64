"""Turning parsed specs into distributions: SymPy symbols with the right assumptions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace

from sympy import (
    Expr,
    ImmutableMatrix,
    IndexedBase,
    MatrixSymbol,
    Number,
    Symbol,
    Tuple,
    sympify,
)

from ..errors import SpecError
from ..families import get_family
from ..families.base import Distribution, Family
from ..spec import MAX_DIMENSION, DistributionSpec, Node
from ..strategies import PAIRS
from .arrays import bind_low_rank, bind_matrix, bind_vector, symmetric_rows
from .checks import (
    MAX_NUMBER,
    MAX_SYMBOLIC_SIZE,
    check_conditions,
    check_domain,
    check_matrices,
    check_size,
)
from .nodes import names_in, symbol_for, to_sympy

__all__ = [
    "MAX_NUMBER",
    "MAX_SYMBOLIC_SIZE",
    "bind_pair",
    "symmetric_rows",
    "with_dimension",
]


def bind_pair(
    first: DistributionSpec,
    second: DistributionSpec | None,
    param: str | None = None,
    pair_needed: bool = True,
) -> tuple[Distribution, Distribution]:
    """Distributions for ``KL(first || second)``; ``second`` defaults to the standard member.

    A bare family name takes the family's default symbols (``normal`` is
    ``normal(mu, sigma)``); when both are bare their symbols get suffixes ``_1``, ``_2``.
    ``param`` says how the first distribution's last argument is to be read, e.g.
    ``"logvar"``: ``normal(mu, logvar)`` then means ``normal(mu, exp(logvar/2))``.
    ``pair_needed=False`` binds a law whose KL against its family is not derived (the
    entropy of a Student-t law needs no KL between two of them).
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
    if pair_needed and (fam1.name, fam2.name) not in PAIRS:
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
    if hasattr(fam1, "paired"):  # laws on one sphere: a size given by one law is the other's
        d1, d2 = fam1.paired(d1, d2)
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
        check_conditions(law)
    return check_matrices(d1), check_matrices(d2)


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
    other = getattr(d2.family, "dimension", None)
    if dimension is None or other is None:  # a univariate law has no size of its own
        return
    n1, n2 = dimension(d1.args), other(d2.args)
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
                for name in names_in(node):
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
                    value = to_sympy(node, domains)
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


def _bind(
    family: Family, spec: DistributionSpec, domains: dict[str, str], taken: set[str], suffix: str
) -> Distribution:
    if hasattr(family, "bind"):  # a family that reads its own arguments (wishart)
        return family.bind(spec, domains, to_sympy, suffix)
    if family.vector:
        return bind_vector(family, spec, domains, suffix)
    if getattr(family, "low_rank", False):
        return bind_low_rank(family, spec, domains)
    if getattr(family, "matrix", False):
        return bind_matrix(family, spec, domains, suffix)
    if not spec.args:
        # a count (a binomial's total_count) is shared by two bare laws: KL(Bin(n, p_1) ||
        # Bin(n, p_2)) is the pair people mean, and different counts have no closed form
        args = tuple(
            symbol_for(p.symbol + ("" if p.domain == "count" else suffix), p.domain)
            for p in family.parameters
        )
        return Distribution(family, args, spec.text)
    args: list[Expr] = []
    substitutions: dict[Symbol, Expr] = {}
    for parameter, node in zip(family.parameters, spec.args, strict=True):
        value = to_sympy(node, domains)
        check_domain(family, parameter.name, parameter.domain, value, spec.text)
        check_size(family, parameter.name, value, spec.text)
        if isinstance(value, (Symbol, Number)):
            args.append(value)
            continue
        placeholder = _fresh(parameter.symbol, taken)
        taken.add(str(placeholder))
        symbol = symbol_for(placeholder, parameter.domain)
        substitutions[symbol] = value
        args.append(symbol)
    return Distribution(family, tuple(args), spec.text, substitutions)


def with_dimension(distribution: Distribution, n: int) -> Distribution:
    """Vector parameters given by name written out in ``n`` coordinates (``mu_1, ...``);
    a covariance matrix given by name becomes a symmetric matrix of entries ``Sigma_12``."""
    if hasattr(distribution.family, "with_dimension"):  # a family that writes itself out
        if not 1 <= n <= MAX_DIMENSION:
            raise SpecError(f"--dims must be between 1 and {MAX_DIMENSION}, got {n}")
        return check_matrices(distribution.family.with_dimension(distribution, n))
    if getattr(distribution.family, "matrix", False):
        if not 1 <= n <= MAX_DIMENSION:
            raise SpecError(f"--dims must be between 1 and {MAX_DIMENSION}, got {n}")
        explicit = tuple(_explicit_matrix(a, n) for a in distribution.args)
        return check_matrices(replace(distribution, args=explicit))
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
