r"""KL between two categorical laws, with an explicit list of probabilities or a symbolic
number of categories :math:`K`.

Lists (``categorical([a, b, 1 - a - b])``) go to the moments strategy
(:mod:`.expected_log_ratio`), as before. Names (``categorical(p)``, or the bare family)
stand for :math:`K` probabilities :math:`p_1, \dots, p_K`, positive and *assumed* to sum
to one (stated, not checked). The derivation is then an indexed sum:

1. the mass functions :math:`q(k) = \prod_{i=1}^{K} p_i^{[k = i]}` and :math:`p(k)`;
2. the divergence as the sum :math:`\sum_{k=1}^{K} q(k) \log \frac{q(k)}{p(k)}`;
3. on category :math:`k` the mass functions are :math:`p_k` and :math:`q_k`:
   :math:`\sum_{k=1}^{K} p_k \log \frac{p_k}{q_k}`.

Steps that mention :math:`K` are verified in the instances :math:`K = 2, 3, 4` (the sums
written out, the probabilities drawn at random) by the verifier's instance mechanism.
"""

from __future__ import annotations

from sympy import Eq, Expr, Function, IndexedBase, Mul, Product, S, Sum, Symbol, Tuple

from ..families.base import Distribution
from ..families.categorical import FAMILY as CATEGORICAL
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import div, evaluate, ln, mul, power
from ..symbolic.objects import COUNT, KL
from . import expected_log_ratio
from .draft import Draft

__all__ = ["CATEGORIES", "derive"]

NAME = "moments"

#: the number of categories when the probabilities are given by name
CATEGORIES = Symbol("K", integer=True, positive=True)
#: the index of a product or a sum over the categories (written out in an instance)
INDEX = Symbol("i", integer=True, positive=True)
#: the category in the closed form's sum (printed k, like the variable it replaces)
CATEGORY = Symbol("k", integer=True, positive=True)
INSTANCES = (2, 3, 4)


def derive(first: Distribution, second: Distribution) -> Draft:
    """KL(first || second) for two categorical (or one-hot categorical) laws."""
    (p,), (q,) = first.args, second.args
    if isinstance(p, Tuple) and isinstance(q, Tuple):
        return expected_log_ratio.derive(first, second)
    if not (isinstance(p, IndexedBase) and isinstance(q, IndexedBase)):
        from ..errors import SpecError

        raise SpecError(
            "give both categorical laws' probabilities as lists, or both as names (K "
            "categories, or --dims K to write them out)"
        )
    qf, pf = Function("q")(COUNT), Function("p")(COUNT)

    def mass(base: IndexedBase) -> Expr:
        return Product(power(base[INDEX], _indicator(COUNT, INDEX)), (INDEX, 1, CATEGORIES))

    ratio = ln(Mul(qf, pf**-1, evaluate=False))
    definition_sum = Sum(mul(qf, ratio), (COUNT, 1, CATEGORIES))
    closed = Sum(mul(p[CATEGORY], ln(div(p[CATEGORY], q[CATEGORY]))), (CATEGORY, 1, CATEGORIES))
    kl = KL(qf, pf)
    stages = (
        Stage(
            "categorical_definition",
            (
                Chain((Step("density.formula", qf, mass(p), params={"law": first}),)),
                Chain((Step("density.formula", pf, mass(q), params={"law": second}),)),
            ),
            params={
                "p": p,
                "q": q,
                "K": CATEGORIES,
                "total": Eq(Sum(p[CATEGORY], (CATEGORY, 1, CATEGORIES)), 1, evaluate=False),
            },
        ),
        Stage(
            "categorical_sum",
            (
                Chain(
                    (
                        Step("kl.definition_sum", kl, definition_sum),
                        Step("categorical.mass", definition_sum, closed, params={"p": p, "q": q}),
                    )
                ),
            ),
        ),
    )
    contexts = Context(
        {},
        dimension=CATEGORIES,
        instances={n: _instance(n, p, q, qf, pf) for n in INSTANCES},
    )
    return Draft(
        NAME,
        stages,
        {"main": contexts},
        closed,
        functions={"q": "q(k)", "p": "p(k)"},
        setting="catalog",
        instance_sizes=INSTANCES,
    )


def _indicator(k: Symbol, i: Symbol) -> Expr:
    from sympy import KroneckerDelta

    return KroneckerDelta(k, i)


def _instance(n: int, p: IndexedBase, q: IndexedBase, qf: Expr, pf: Expr) -> Context:
    """``K = n``: the probabilities as symbols ``p_1, ..., p_n`` (each in (0, 1))."""
    ps = [Symbol(f"{p.label}_{i}", positive=True) for i in range(1, n + 1)]
    qs = [Symbol(f"{q.label}_{i}", positive=True) for i in range(1, n + 1)]
    bindings = {p[i]: ps[i - 1] for i in range(1, n + 1)}
    bindings.update({q[i]: qs[i - 1] for i in range(1, n + 1)})
    facts = {
        name: DensityFacts(
            function,
            COUNT,
            (S.One, S(n)),
            evaluate(CATEGORICAL.density(COUNT, (Tuple(*values),))),
            discrete=True,
        )
        for name, function, values in (("q", qf, ps), ("p", pf, qs))
    }
    conditions = tuple(c for s in (*ps, *qs) for c in (s < 1,))
    return Context(facts, bindings=bindings, conditions=conditions)
