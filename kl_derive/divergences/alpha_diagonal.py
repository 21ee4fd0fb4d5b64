r"""The divergences of :math:`\int q^\alpha p^{1-\alpha}` (Rényi, Bhattacharyya, Hellinger,
chi-square) between two diagonal Gaussians, coordinate by coordinate.

Both densities are products over the coordinates, so the integrand is the product of the
coordinates' integrands, and (Tonelli's theorem, for a nonnegative integrand, finite or
not) the integral over :math:`\mathbb{R}^d` is the product of the coordinates' integrals:

.. math::

    \int q^\alpha p^{1-\alpha} = \prod_j \int q_j^\alpha p_j^{1-\alpha}\,dz_j .

Each factor is the integral between two normal laws (:mod:`.exponential`, which
``kl-derive renyi "normal(mu_j, sigma_j)" "normal(m_j, s_j)"`` derives step by step),
finite exactly when its own condition holds (:math:`\alpha s_j^2 + (1-\alpha)\sigma_j^2 > 0`,
for :math:`\alpha = 2` :math:`\sigma_j^2 < 2 s_j^2`). Every factor is positive, so the
product is finite exactly when every coordinate's condition holds, and infinite when one
fails. A condition written with the coordinate index :math:`j` holds for every
:math:`j`; the verifier reads it so in the instances :math:`d = 2, 3`.

The steps: the factorization (checked by :mod:`~kl_derive.steps.verify.product_integral`),
each coordinate's closed form (by quadrature, coordinate by coordinate), the closed form
put into the divergence's definition, and, where there is a condition, the divergence
everywhere (its infinite side checked on each coordinate).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import Expr, Function, Integral, Product, S, Sum, oo, sstr

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..families.diag_normal import INDEX
from ..steps.context import Context
from ..steps.step import Chain, Code, Stage, Step
from ..strategies.draft import Draft
from ..strategies.independent_coordinates import (
    COORDS,
    Coordinates,
    coordinate_contexts,
    coordinate_laws,
    coordinate_pair,
    coordinate_spec,
)
from ..symbolic.display import add, evaluate, mul, sub, substitute
from ..symbolic.objects import DIMENSION, VARIABLE
from .alpha_parts import KINDS, alpha_term, infinite_otherwise
from .exponential import alpha_integral, exp_form

__all__ = ["diagonal_alpha_draft"]

J, D, Z = INDEX, DIMENSION, VARIABLE
INSTANCES = (2, 3)


def diagonal_alpha_draft(
    first: Distribution, second: Distribution, quantity: str, alpha=None
) -> Draft:
    """The divergence ``quantity`` (a key of :data:`.alpha_parts.KINDS`) of ``second``
    from ``first``, two diagonal Gaussians (or a normal law in every coordinate)."""
    from sympy import And

    kind = KINDS[quantity]
    order = kind.order if kind.order is not None else alpha
    laws = Coordinates.of(first, second)
    n = laws.n
    qz, pz = Function("q")(Z), Function("p")(Z)
    indices = [J] if n is None else [S(i) for i in range(1, n + 1)]
    found = {j: _coordinate(first, second, j, order) for j in indices}

    def over(term: Callable[[Expr], Expr], big: type = Product) -> Expr:
        if n is None:
            return big(term(J), (J, 1, D))
        combine = mul if big is Product else add
        return combine(*[term(j) for j in indices])

    def integral_of(j: Expr) -> Expr:
        return Integral(alpha_term(laws.q(j), laws.p(j), order), (_coordinate_variable(j), -oo, oo))

    joint = Integral(alpha_term(qz, pz, order), Z)  # over R^d
    factors = over(integral_of)
    values = over(lambda j: found[j][0])
    if n is not None and not evaluate(values).free_symbols:  # numbers: the product itself
        values = evaluate(values)
    conditions = [found[j][1] for j in indices if found[j][1] is not None]
    condition = And(*conditions) if conditions else None
    command = Code(_command(first, second, quantity, order))
    steps = [
        Step("alpha_integral.independent", joint, factors),
        Step(
            "alpha_integral.coordinate",
            factors,
            values,
            params={"command": command},
            condition=condition,
        ),
    ]
    factor_params = {
        "coordinate_q": coordinate_laws(first, n),
        "coordinate_p": coordinate_laws(second, n),
        "command": command,
    }
    if condition is not None:
        factor_params["condition"] = condition
        factor_params["j"] = J
    key = "alpha_diagonal"
    if condition is not None:  # for every j, in a symbolic dimension
        key = "alpha_diagonal_conditional" if n is not None else "alpha_diagonal_every"
    stages = [Stage(key, (Chain(tuple(steps)),), params=factor_params)]

    lhs = kind.lhs(qz, pz, order)
    definition = kind.definition(joint, order)
    inserted = kind.definition(values, order)
    if quantity in ("renyi", "bhattacharyya"):  # the logarithm of the product: a sum
        final = over(lambda j: kind.value(found[j][2], order), Sum)
    elif quantity == "hellinger":
        final = sub(1, values)
    else:
        final = sub(values, 1)
    if n is not None and not evaluate(final).free_symbols:
        final = evaluate(final)
    elif isinstance(final, Sum) and evaluate(final.function) == 0:  # equal laws
        final = S.Zero
    chain = [
        Step(f"{quantity}.definition", lhs, definition),
        Step("alpha_integral.insert", definition, inserted, condition=condition),
    ]
    if final != inserted:
        chain.append(Step("algebra.simplify", inserted, final, condition=condition))
    chains = [Chain(tuple(chain))]
    result = final
    if condition is not None:  # its infinite side checked coordinate by coordinate
        everywhere, result = infinite_otherwise(
            lhs, final, condition, "divergence_reason.alpha_coordinate", coordinates=True
        )
        chains.append(everywhere)
    stages.append(Stage(f"{quantity}_result", tuple(chains)))
    context = _context(first, second, n, qz, pz, lhs, definition, joint, factors, order)
    return Draft(
        "independent coordinates",
        tuple(stages),
        {"main": context, "result": context},  # the piecewise step reads "result"
        result,
        functions={"q": "q(z)", "p": "p(z)", "q[]": r"q_{%s}(z_{%s})", "p[]": r"p_{%s}(z_{%s})"},
        expect_subscripts=True,
        instance_sizes=INSTANCES if n is None else (),
        setting="catalog",
        quantity=quantity,
    )


def _coordinate_variable(j: Expr) -> Expr:
    return COORDS[j]


def _coordinate(
    first: Distribution, second: Distribution, j: Expr, order: Expr
) -> tuple[Expr, Expr | None, Expr]:
    """Coordinate ``j``'s integral: its closed form (as shown), the condition under which
    it is finite (``None``: always) and its exponent, in the coordinate's components."""
    q, p, names = coordinate_pair(first, second, j)
    try:
        found = alpha_integral(q, p, order)
    except KLDeriveError as error:
        if "infinite for every value" not in str(error):
            raise
        where = f"coordinate {j}" if j != J else "every coordinate"
        raise KLDeriveError(
            f"the divergence is infinite (its value is +oo, with no formula to derive): in "
            f"{where} the integral of q^a p^(1 - a) at order a = {sstr(order)} diverges "
            f"({_condition_text(q, p, order)}), and so does the product over the coordinates"
        ) from None
    back = {**q.substitutions, **p.substitutions}

    def restored(e: Expr) -> Expr:
        return substitute(substitute(e, back), names)

    condition = found.condition
    exponent = found.exponent.xreplace(back).xreplace(names)
    if condition is not None:
        condition = condition.xreplace(back).xreplace(names)
        if condition == S.true:  # a component shared by both laws (sigma_j^2 < 2 sigma_j^2)
            condition = None
    if len(set(names.values())) < len(names):  # shared components: the form redone
        return exp_form(exponent), condition, exponent
    return restored(exp_form(found.exponent)), condition, exponent


def _condition_text(q: Distribution, p: Distribution, order: Expr) -> str:
    """The finiteness condition of one coordinate, ``alpha s^2 + (1 - alpha) sigma^2 > 0``,
    at its numbers."""
    (_, s1), (_, s2) = q.args, p.args
    value = order * s2**2 + (1 - order) * s1**2
    return (
        f"a*s^2 + (1 - a)*sigma^2 = {sstr(order)}*{sstr(s2**2)} + "
        f"(1 - {sstr(order)})*{sstr(s1**2)} = {sstr(value)} is not > 0"
    )


def _command(first: Distribution, second: Distribution, quantity: str, order: Expr) -> str:
    """The command that derives coordinate ``j``'s integral step by step."""
    name = quantity.replace("_", "-")
    option = f" --alpha {sstr(order)}" if quantity == "renyi" else ""
    return f'kl-derive {name} "{coordinate_spec(first)}" "{coordinate_spec(second)}"{option}'


def _context(
    first: Distribution,
    second: Distribution,
    n: int | None,
    qz: Expr,
    pz: Expr,
    lhs: Expr,
    definition: Expr,
    joint: Expr,
    factors: Expr,
    order: Expr,
) -> Context:
    """Each coordinate's normal density, the joint densities as their products, the
    divergence by its definition and the joint integral as the product of the
    coordinates' integrals (the factorization, a step of its own, verified first)."""
    from dataclasses import replace

    from sympy import Ne

    from ..steps.verify import expand_big_operators

    base = coordinate_contexts(first, second, n, qz, pz)

    # an order alpha > 0 other than 1
    known = (order > 0, Ne(order, 1)) if order.free_symbols else ()

    def extended(instance: Context, size: int) -> Context:
        written = expand_big_operators(evaluate(factors).xreplace({D: S(size)}))
        defined = instance.define(evaluate(lhs), evaluate(definition)).define(
            evaluate(joint), written
        )
        return replace(defined, conditions=(*defined.conditions, *known))

    if n is not None:
        return extended(base, n)
    instances = {k: extended(c, k) for k, c in base.instances.items()}
    return replace(base, instances=instances)
