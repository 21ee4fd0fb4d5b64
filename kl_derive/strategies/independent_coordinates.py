r"""KL between two distributions with independent coordinates (diagonal Gaussians).

The stages:

1. both densities factor over the coordinates;
2. the log ratio of the products is the sum of the coordinates' log ratios;
3. the expectation of that sum under the product density is the sum of the coordinates'
   expectations, each under its own coordinate's density: the sum of the coordinates' KLs;
4. each coordinate's KL is the univariate result (``kl-derive "normal(mu_j, sigma_j)"``
   derives it step by step);
5. the total.

The dimension is kept symbolic (a sum over :math:`j = 1, \dots, d`) when the vectors are
names, and written out when they are lists. Steps in a symbolic dimension are verified in
the instances :math:`d = 2` and :math:`d = 3`, for every coordinate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sympy import (
    Expr,
    Function,
    Indexed,
    IndexedBase,
    Mul,
    Product,
    S,
    Sum,
    Symbol,
    Tuple,
    oo,
    sstr,
)

from ..families.base import Distribution
from ..families.diag_normal import INDEX, coordinate
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, substitute
from ..symbolic.objects import DIMENSION, KL, VARIABLE, Expect
from . import gaussian_moments
from .draft import Draft

__all__ = [
    "Coordinates",
    "coordinate_contexts",
    "coordinate_laws",
    "coordinate_pair",
    "coordinate_spec",
    "derive",
]

NAME = "independent coordinates"

Z = VARIABLE
COORDS = IndexedBase("z", real=True)
J = INDEX
D = DIMENSION
INSTANCES = (2, 3)


class Coordinates(NamedTuple):
    """The coordinates of two laws on R^d: a term per coordinate written out when d is
    a number ``n``, else one term in the index j over j = 1..d."""

    n: int | None

    @classmethod
    def of(cls, first: Distribution, second: Distribution) -> Coordinates:
        family = first.family
        return cls(family.dimension(first.args) or family.dimension(second.args))

    @staticmethod
    def q(j: Expr) -> Expr:
        return Function("q")(COORDS[j])

    @staticmethod
    def p(j: Expr) -> Expr:
        return Function("p")(COORDS[j])

    def total(self, term: Callable[[Expr], Expr], combine: Callable = add, big: type = Sum) -> Expr:
        """A sum (or product) over the coordinates: written out, or over j = 1..d."""
        if self.n is not None:
            return combine(*[term(S(i)) for i in range(1, self.n + 1)])
        return big(term(J), (J, 1, D))

    def product(self, term: Callable[[Expr], Expr]) -> Expr:
        return self.total(term, mul, Product)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two diagonal Gaussians."""
    coordinates = Coordinates.of(first, second)
    n, q_, p_, total, product = (
        coordinates.n,
        coordinates.q,
        coordinates.p,
        coordinates.total,
        coordinates.product,
    )
    qz, pz = Function("q")(Z), Function("p")(Z)

    stages: list[Stage] = []
    # 1. factorization
    stages.append(
        Stage(
            "factorize",
            (
                Chain((Step("independence.product", qz, product(q_)),)),
                Chain((Step("independence.product", pz, product(p_)),)),
            ),
            params={
                "coordinate_q": _coordinate_laws(first, n),
                "coordinate_p": _coordinate_laws(second, n),
            },
        )
    )
    # 2. the log ratio
    ratio = ln(div(qz, pz))
    products = ln(div(product(q_), product(p_)))
    log_sum = total(lambda j: ln(div(q_(j), p_(j))))
    stages.append(
        Stage(
            "log_sum",
            (
                Chain(
                    (
                        Step("density.substitute", ratio, products),
                        Step("log.product_sum", products, log_sum),
                    )
                ),
            ),
        )
    )
    # 3. the sum of the coordinates' divergences
    expectation = Expect(ratio, qz)
    steps = [
        Step("kl.expectation", KL(qz, pz), expectation),
        Step("log_ratio.insert", expectation, Expect(log_sum, qz)),
        Step(
            "expectation.marginal",
            Expect(log_sum, qz),
            total(lambda j: Expect(ln(div(q_(j), p_(j))), q_(j))),
        ),
        Step(
            "kl.definition_coordinate",
            total(lambda j: Expect(ln(div(q_(j), p_(j))), q_(j))),
            total(lambda j: KL(q_(j), p_(j))),
        ),
    ]
    stages.append(Stage("sum_of_kl", (Chain(tuple(steps)),)))
    # 4. one coordinate
    coordinate_results = {}
    chains = []
    for j in [J] if n is None else [S(i) for i in range(1, n + 1)]:
        result = _univariate_result(first, second, j)
        coordinate_results[j] = result
        chains.append(
            Chain(
                (
                    Step(
                        "kl.univariate",
                        KL(q_(j), p_(j)),
                        result,
                        params={"command": Code(_univariate_command(first, second))},
                    ),
                )
            )
        )
    stages.append(Stage("coordinate", tuple(chains)))
    # 5. the total
    summed = total(lambda j: KL(q_(j), p_(j)))
    if n is None:
        values = Sum(coordinate_results[J], (J, 1, D))
    else:
        values = add(*coordinate_results.values(), flatten=False)
    steps = [Step("kl.sum_coordinates", KL(qz, pz), summed)]
    steps.append(Step("moment.insert_coordinates", summed, values))
    half = _half_out(values, n)
    if half is not None:
        steps.append(Step("sum.constant_factor", values, half))
    stages.append(Stage("total", (Chain(tuple(steps)),)))

    contexts = _contexts(first, second, n, qz, pz)
    return Draft(
        NAME,
        tuple(stages),
        {"main": contexts},
        steps[-1].after,
        functions={
            "q": r"q(z \mid x)",
            "p": "p(z)",
            "q[]": r"q_{%s}(z_{%s} \mid x)",
            "p[]": r"p_{%s}(z_{%s})",
        },
        expect_subscripts=True,
        instance_sizes=INSTANCES if n is None else (),
    )


def coordinate_laws(distribution: Distribution, n: int | None) -> tuple[Distribution, ...]:
    """The coordinates' normal laws (coordinate ``j``, or each of the ``n``), for the text."""
    return _coordinate_laws(distribution, n)


def coordinate_contexts(
    first: Distribution, second: Distribution, n: int | None, qz: Expr, pz: Expr
) -> Context:
    """The verifier's context: each coordinate's density, the joint densities as their
    products (in the instances d = 2, 3 when ``n`` is ``None``)."""
    return _contexts(first, second, n, qz, pz)


def _coordinate_laws(distribution: Distribution, n: int | None) -> tuple[Distribution, ...]:
    """The coordinates' normal laws (coordinate ``j``, or each of the ``n``), for the text."""
    family = distribution.family.coordinate_family
    indices = [J] if n is None else [S(i) for i in range(1, n + 1)]
    laws = [
        Distribution(family, tuple(coordinate(a, j) for a in distribution.args), "")
        for j in indices
    ]
    if len(set(map(lambda d: d.args, laws))) == 1:
        return (laws[0],)
    return tuple(laws)


def _univariate_result(first: Distribution, second: Distribution, j: Expr) -> Expr:
    """KL of coordinate ``j``, from the univariate derivation (which is verified too)."""
    q, p, names = coordinate_pair(first, second, j)
    draft = gaussian_moments.derive(q, p)
    return substitute(draft.result_display, names)


def coordinate_pair(
    first: Distribution, second: Distribution, j: Expr
) -> tuple[Distribution, Distribution, dict[Symbol, Expr]]:
    """Coordinate ``j`` of both laws as univariate laws in plain symbols (a univariate
    engine's input), and the components those symbols stand for (``_c0`` for ``mu[j]``):
    an elementwise value such as ``exp(logvar_j/2)`` is a placeholder in the law's
    substitutions."""
    family = first.family.coordinate_family
    names: dict[Symbol, Expr] = {}

    def plain(value: Expr) -> Expr:
        mapping = {}
        for part in value.atoms(Indexed):
            symbol = Symbol(f"_c{len(names)}", **part.base.assumptions0)
            names[symbol] = part
            mapping[part] = symbol
        return value.xreplace(mapping)

    def univariate(dist: Distribution, which: int) -> Distribution:
        args, substitutions = [], {}
        for i, v in enumerate(dist.args):
            value = plain(coordinate(v, j))
            if isinstance(value, (Symbol,)) or value.is_number:
                args.append(value)
            else:  # e.g. exp(logvar_j/2): a placeholder, substituted back in the last step
                placeholder = Symbol(f"_s{which}{i}", **family.parameters[i].assumptions())
                substitutions[placeholder] = value
                args.append(placeholder)
        return Distribution(family, tuple(args), "", substitutions)

    return univariate(first, 1), univariate(second, 2), names


def _univariate_command(first: Distribution, second: Distribution) -> str:
    """The command that derives coordinate ``j``'s divergence step by step."""
    return f'kl-derive "{coordinate_spec(first)}" "{coordinate_spec(second)}"'


def coordinate_spec(dist: Distribution) -> str:
    """Coordinate ``j`` of a law as a command line writes it, ``normal(mu_j, sigma_j)``."""
    parts = []
    for a in dist.args:
        value = coordinate(a, J) if not isinstance(a, Tuple) else a[0]
        names = {x: Symbol(f"{x.base.label}_j") for x in value.atoms(Indexed)}
        parts.append(sstr(value.xreplace(names)))
    return f"normal({', '.join(parts)})"


def _half_out(values: Expr, n: int | None) -> Expr | None:
    """``sum_j 1/2 (...)`` -> ``1/2 sum_j (...)``: the constant comes out of the sum."""
    if n is None and isinstance(values, Sum):
        term = values.function
        if isinstance(term, Mul) and term.args[0].is_Rational and term.args[0] != 1:
            rest = term.args[1] if len(term.args) == 2 else Mul(*term.args[1:], evaluate=False)
            return mul(term.args[0], Sum(rest, *values.limits))
    return None


def _contexts(first: Distribution, second: Distribution, n: int | None, qz: Expr, pz: Expr):
    family = first.family.coordinate_family

    def instance(size: int) -> Context:
        densities = {}
        for i in range(1, size + 1):
            for name, dist in (("q", first), ("p", second)):
                args = tuple(coordinate(a, i) for a in dist.args)
                variable = COORDS[i]
                densities[f"{name}[{i}]"] = DensityFacts(
                    Function(name)(variable),
                    variable,
                    (-oo, oo),
                    evaluate(family.density(variable, args)),
                    family.moments(args, 2),
                )
        joint_q = Mul(*[Function("q")(COORDS[i]) for i in range(1, size + 1)])
        joint_p = Mul(*[Function("p")(COORDS[i]) for i in range(1, size + 1)])
        return Context(densities, {qz: joint_q, pz: joint_p})

    if n is not None:
        return instance(n)
    return Context({}, dimension=D, index=J, instances={k: instance(k) for k in INSTANCES})
