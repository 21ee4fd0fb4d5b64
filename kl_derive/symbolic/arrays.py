"""Parameters given as lists: vectors (``diag_normal([...], [...])``), matrices as
lists of rows (a covariance, a Wishart scale) and the low-rank covariance factors."""

from __future__ import annotations

from sympy import (
    Expr,
    ImmutableMatrix,
    IndexedBase,
    Lambda,
    MatrixSymbol,
    Symbol,
    Tuple,
)

from ..errors import SpecError
from ..families.base import Distribution, Family
from ..spec import DistributionSpec, Node
from .checks import check_domain
from .nodes import names_in, number_argument, to_sympy


def symmetric_rows(node: Node, what: str, text: str, domains: dict[str, str]) -> ImmutableMatrix:
    """A matrix given as a list of rows (``[[a, b], [b, c]]``), checked to be square and
    symmetric; ``what`` names it in the one-line error (``"the covariance"``)."""
    rows = [row.args if row.kind == "list" else None for row in node.args]
    if any(r is None or len(r) != len(rows) for r in rows):
        raise SpecError(f"{what} in {text!r} must be a square list of rows")
    matrix = ImmutableMatrix([[to_sympy(x, domains) for x in row] for row in rows])
    if matrix != matrix.T:
        raise SpecError(f"{what} in {text!r} must be symmetric")
    return matrix


def bind_vector(
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
            value = to_sympy(node, {**domains, **dict.fromkeys(names_in(node), "count")})
            check_domain(family, parameter.name, parameter.domain, value, spec.text)
            args.append(value)
        elif node.kind == "name":
            assumptions = {"positive": True} if parameter.domain == "positive" else {"real": True}
            args.append(IndexedBase(node.value, **assumptions))
        elif node.kind == "list":
            items = []
            for item in node.args:
                value = to_sympy(item, domains)
                check_domain(family, parameter.name, parameter.domain, value, spec.text)
                items.append(value)
            args.append(Tuple(*items))
        else:
            value = to_sympy(node, domains)
            check_domain(family, parameter.name, parameter.domain, value, spec.text)
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


def bind_matrix(
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
        args.append(ImmutableMatrix([to_sympy(x, domains) for x in loc_node.args]))
    else:
        args.append(number_argument(family, "loc", loc_node, domains, spec))
    if cov_node.kind == "name":
        args.append(MatrixSymbol(cov_node.value, DIMENSION, DIMENSION))
    elif cov_node.kind == "list":
        matrix = symmetric_rows(cov_node, "the covariance", spec.text, domains)
        if matrix.is_positive_definite is False:
            raise SpecError(f"the covariance in {spec.text!r} is not positive definite")
        args.append(matrix)
    else:
        args.append(number_argument(family, "covariance_matrix", cov_node, domains, spec))
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


def bind_low_rank(family: Family, spec: DistributionSpec, domains: dict[str, str]) -> Distribution:
    """``(loc, cov_factor, cov_diag)`` as lists: the law with covariance W W^T + diag(D)."""
    from ..families.low_rank_multivariate_normal import covariance

    if len(spec.args) != 3 or any(a.kind != "list" for a in spec.args):
        raise SpecError(
            f"give the three parameters of {family.name} as lists, e.g. "
            "low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])"
        )
    loc_node, factor_node, diag_node = spec.args
    loc = [to_sympy(x, domains) for x in loc_node.args]
    rows = [row.args if row.kind == "list" else None for row in factor_node.args]
    if any(r is None for r in rows) or len({len(r) for r in rows}) != 1:
        raise SpecError(f"the cov_factor in {spec.text!r} must be a list of rows of one length")
    factor = ImmutableMatrix([[to_sympy(x, domains) for x in row] for row in rows])
    diagonal = []
    for node in diag_node.args:
        value = to_sympy(node, {**domains, **dict.fromkeys(names_in(node), "positive")})
        if node.kind == "name":
            value = Symbol(node.value, positive=True)
        check_domain(family, "cov_diag", "positive", value, spec.text)
        diagonal.append(value)
    if not len(loc) == factor.shape[0] == len(diagonal):
        raise SpecError(f"the parameters in {spec.text!r} have different sizes")
    cov = covariance(factor, diagonal)
    return Distribution(family, (ImmutableMatrix(loc), cov), spec.text)
