r"""The squared 2-Wasserstein distance between two diagonal Gaussians, coordinate by
coordinate.

With the squared Euclidean cost :math:`\|x - y\|^2 = \sum_j (x_j - y_j)^2`, the cost of
any coupling of two product laws is at least the sum of the coordinates' least costs, and
the product of the coordinates' optimal couplings attains it (a theorem, cited, as the
monotone coupling on the line is): :math:`W_2^2(q, p) = \sum_j W_2^2(q_j, p_j)`. Each
coordinate is a pair of normal laws, whose :math:`W_2^2` is
:math:`(\mu_j - m_j)^2 + (\sigma_j - s_j)^2` (``kl-derive wasserstein "normal(mu_j,
sigma_j)" "normal(m_j, s_j)"`` derives it from the quantile coupling); so

.. math::

    W_2^2(q, p) = \|\boldsymbol\mu - \boldsymbol m\|^2
    + \|\boldsymbol\sigma - \boldsymbol s\|^2.

Each coordinate's value is checked against its quantile integral
:math:`\int_0^1 (\mu_j + \sigma_j \Phi^{-1}(u) - m_j - s_j \Phi^{-1}(u))^2\,du` by
quadrature; a symbolic dimension is checked in the instances :math:`d = 2, 3`.
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, Function, Integral, Sum, Symbol, Tuple, sstr

from ..families.base import Distribution
from ..families.diag_normal import INDEX, coordinate
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..strategies.draft import Draft
from ..strategies.independent_coordinates import coordinate_laws
from ..symbolic.display import add, evaluate, power, sub
from ..symbolic.objects import DIMENSION, VARIABLE, Bracket
from .objects import NormalQuantile, WassersteinSquared

__all__ = ["diagonal_draft"]

J, D, Z = INDEX, DIMENSION, VARIABLE
INSTANCES = (2, 3)


def diagonal_draft(first: Distribution, second: Distribution) -> Draft:
    """``W_2^2`` between two diagonal Gaussians (or a normal law in every coordinate)."""
    from ..strategies.independent_coordinates import Coordinates

    laws = Coordinates.of(first, second)
    n, q_, p_ = laws.n, laws.q, laws.p
    qz, pz = Function("q")(Z), Function("p")(Z)

    def total(term: Callable[[Expr], Expr]) -> Expr:
        return laws.total(term, lambda *terms: add(*terms, flatten=False))

    def squares(which: int) -> Callable[[Expr], Expr]:
        def term(j: Expr) -> Expr:
            a, b = coordinate(first.args[which], j), coordinate(second.args[which], j)
            difference = sub(a, b)
            if difference.is_Atom and not (difference.is_number and difference < 0):
                return power(difference, 2)  # a^2, not (a)^2
            return power(Bracket(difference), 2)

        return term

    lhs = WassersteinSquared(qz, pz)
    coordinates = total(lambda j: WassersteinSquared(q_(j), p_(j)))
    values = total(lambda j: add(squares(0)(j), squares(1)(j)))
    steps = [
        Step("wasserstein.independent", lhs, coordinates),
        Step(
            "wasserstein.coordinate",
            coordinates,
            values,
            params={"command": Code(_command(first, second))},
        ),
    ]
    if n is None:
        split = add(Sum(squares(0)(J), (J, 1, D)), Sum(squares(1)(J), (J, 1, D)))
        steps.append(Step("sum.split", values, split))
    elif not evaluate(values).free_symbols:  # numbers: the sum itself
        steps.append(Step("algebra.simplify", values, evaluate(values)))
    stage = Stage(
        "wasserstein_diagonal",
        (Chain(tuple(steps)),),
        params={
            "coordinate_q": coordinate_laws(first, n),
            "coordinate_p": coordinate_laws(second, n),
        },
    )
    return Draft(
        "independent coordinates",
        (stage,),
        {"main": _contexts(first, second, n, qz, pz)},
        steps[-1].after,
        functions={"q": "q(z)", "p": "p(z)", "q[]": r"q_{%s}(z_{%s})", "p[]": r"p_{%s}(z_{%s})"},
        expect_subscripts=True,
        instance_sizes=INSTANCES if n is None else (),
        setting="catalog",
        quantity="wasserstein",
    )


def _command(first: Distribution, second: Distribution) -> str:
    """The command that derives coordinate ``j``'s distance step by step."""

    def spec(dist: Distribution) -> str:
        parts = []
        for a in dist.args:
            value = coordinate(a, J) if not isinstance(a, Tuple) else a[0]
            names = {x: Symbol(f"{x.base.label}_j") for x in value.atoms(*_indexed())}
            parts.append(sstr(value.xreplace(names)))
        return f"normal({', '.join(parts)})"

    return f'kl-derive wasserstein "{spec(first)}" "{spec(second)}"'


def _indexed() -> tuple[type, ...]:
    from sympy import Indexed

    return (Indexed,)


def _contexts(first: Distribution, second: Distribution, n: int | None, qz: Expr, pz: Expr):
    """Each coordinate's normal density and its W_2^2 as the quantile integral; the
    joint W_2^2 as the sum over the coordinates (the product coupling)."""
    from sympy import Mul, oo

    from ..strategies.independent_coordinates import COORDS

    normal = first.family.coordinate_family
    u = Symbol("u", positive=True)

    def instance(size: int) -> Context:
        densities, definitions = {}, {}
        for i in range(1, size + 1):
            args = {}
            for name, dist in (("q", first), ("p", second)):
                args[name] = tuple(coordinate(a, i) for a in dist.args)
                variable = COORDS[i]
                densities[f"{name}[{i}]"] = DensityFacts(
                    Function(name)(variable),
                    variable,
                    (-oo, oo),
                    evaluate(normal.density(variable, args[name])),
                    normal.moments(args[name], 2),
                )
            (m1, s1), (m2, s2) = args["q"], args["p"]
            quantile = NormalQuantile(u)
            coupling = Integral((m1 + s1 * quantile - m2 - s2 * quantile) ** 2, (u, 0, 1))
            definitions[WassersteinSquared(Function("q")(COORDS[i]), Function("p")(COORDS[i]))] = (
                coupling
            )
        definitions[WassersteinSquared(qz, pz)] = add(
            *[
                WassersteinSquared(Function("q")(COORDS[i]), Function("p")(COORDS[i]))
                for i in range(1, size + 1)
            ]
        )
        definitions[qz] = Mul(*[Function("q")(COORDS[i]) for i in range(1, size + 1)])
        definitions[pz] = Mul(*[Function("p")(COORDS[i]) for i in range(1, size + 1)])
        return Context(densities, definitions)

    if n is not None:
        return instance(n)
    return Context({}, dimension=D, index=J, instances={k: instance(k) for k in INSTANCES})
