r"""The entropy of a diagonal Gaussian in a symbolic dimension, by independence.

For :math:`q = \mathcal{N}(\boldsymbol{\mu}, \operatorname{diag}(\boldsymbol{\sigma}^2))` on
:math:`\mathbb{R}^d` with the vectors given by name (``diag_normal(mu, sigma)``):

1. the density factors over the coordinates;
2. its logarithm is the sum of the coordinates' log densities;
3. the entropy, :math:`-\mathbb{E}_q[\log q]`, is the sum of the coordinates' entropies (each
   term needs only its own coordinate's density);
4. one coordinate's entropy, :math:`\frac12 \log(2\pi e \sigma_j^2)` (``kl-derive entropy
   "normal(mu_j, sigma_j)"`` derives it step by step);
5. the sum, :math:`\frac d2 \log(2\pi e) + \sum_j \log \sigma_j`.

Steps in the symbolic dimension are verified in the instances :math:`d = 2` and
:math:`d = 3`, as in :mod:`.independent_coordinates`. Lists of parameters are derived by
:mod:`.gaussian_entropy` (the multivariate normal with a diagonal covariance).
"""

from __future__ import annotations

from collections.abc import Callable

from sympy import E, Expr, Function, IndexedBase, Product, S, Sum, expand_log, pi, sstr

from ..families.base import Distribution
from ..families.diag_normal import INDEX, coordinate
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, display_form, div, evaluate, ln, mul, neg, square, sub
from ..symbolic.objects import DIMENSION, VARIABLE, CrossEntropy, Entropy, Expect
from .draft import Draft
from .independent_coordinates import coordinate_contexts, coordinate_laws

__all__ = ["derive_diagonal_cross_entropy", "derive_diagonal_entropy"]

NAME = "independent coordinates"
COORDS = IndexedBase("z", real=True)
J = INDEX
D = DIMENSION
INSTANCES = (2, 3)


def derive_diagonal_entropy(law: Distribution) -> Draft:
    """Derive H(law) for a diagonal Gaussian whose dimension is symbolic."""
    return _derive(law, None)


def derive_diagonal_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) = -E_first[log second] for two diagonal Gaussians whose
    dimension is symbolic: the sum of the coordinates' cross-entropies."""
    return _derive(first, second)


def _derive(first: Distribution, second: Distribution | None) -> Draft:
    """The entropy of ``first`` (``second`` is ``None``) or its cross-entropy with
    ``second``: the same five stages, the logarithm taken of ``q`` or of ``p``."""
    entropy = second is None
    quantity = "entropy" if entropy else "cross_entropy"
    stage = f"diag_{quantity}"
    qz = Function("q")(VARIABLE)
    oz = qz if entropy else Function("p")(VARIABLE)  # the density whose logarithm is taken

    def q_(j: Expr) -> Expr:
        return Function("q")(COORDS[j])

    def o_(j: Expr) -> Expr:
        return q_(j) if entropy else Function("p")(COORDS[j])

    def measure(a: Expr, b: Expr) -> Expr:
        return Entropy(a) if entropy else CrossEntropy(a, b)

    def over(term: Callable[[Expr], Expr], big: type = Sum) -> Expr:
        return big(term(J), (J, 1, D))

    params = {"coordinate_q": coordinate_laws(first, None)}
    factors = [Chain((Step("independence.product", qz, over(q_, Product)),))]
    if not entropy:
        params["coordinate_p"] = coordinate_laws(second, None)
        factors.append(Chain((Step("independence.product", oz, over(o_, Product)),)))
    stages = [Stage(f"{stage}_factorize", tuple(factors), params=params)]
    log_sum = over(lambda j: ln(o_(j)))
    stages.append(
        Stage(
            f"{stage}_log_sum",
            (
                Chain(
                    (
                        Step("density.substitute", ln(oz), ln(over(o_, Product))),
                        Step("log.product_sum", ln(over(o_, Product)), log_sum),
                    )
                ),
            ),
        )
    )
    lhs = measure(qz, oz)
    definition = neg(Expect(ln(oz), qz))
    marginal = over(lambda j: neg(Expect(ln(o_(j)), q_(j))))
    coordinates = over(lambda j: measure(q_(j), o_(j)))
    stages.append(
        Stage(
            f"{stage}_sum",
            (
                Chain(
                    (
                        Step(f"{quantity}.definition", lhs, definition),
                        Step("density.substitute", definition, neg(Expect(log_sum, qz))),
                        Step("expectation.marginal", neg(Expect(log_sum, qz)), marginal),
                        Step(f"{quantity}.definition_coordinate", marginal, coordinates),
                    )
                ),
            ),
        )
    )
    m1, s1 = (coordinate(a, J) for a in first.args)
    if entropy:
        one = mul(S.Half, ln(mul(2, pi, E, square(s1))))
        command = f'kl-derive entropy "{_normal(m1, s1)}"'
        final = _closed_form(s1)
    else:
        m2, s2 = (coordinate(a, J) for a in second.args)
        quadratic = div(add(square(s1), square(sub(m1, m2))), mul(2, square(s2)))
        one = add(mul(S.Half, ln(mul(2, pi, square(s2)))), quadratic)
        command = f'kl-derive cross-entropy "{_normal(m1, s1)}" "{_normal(m2, s2)}"'
        final = add(
            _closed_form(s2, with_e=False),
            mul(D, quadratic) if J not in quadratic.free_symbols else Sum(quadratic, (J, 1, D)),
        )
    stages.append(
        Stage(
            f"{stage}_coordinate",
            (
                Chain(
                    (
                        Step(
                            f"{quantity}.univariate",
                            measure(q_(J), o_(J)),
                            one,
                            params={"command": Code(command)},
                        ),
                    )
                ),
            ),
        )
    )
    summed = Sum(one, (J, 1, D))
    steps = (
        Step(f"{quantity}.sum_coordinates", lhs, coordinates),
        Step("moment.insert_coordinates", coordinates, summed),
        Step("sum.split_constant", summed, final, params={"d": D}),
    )
    stages.append(Stage(f"{stage}_total", (Chain(steps),)))
    context = coordinate_contexts(first, first if entropy else second, None, qz, oz)
    functions = {"q": "q(z)", "q[]": r"q_{%s}(z_{%s})"}
    if not entropy:
        functions = {"q": "q(z)", "p": "p(z)", "q[]": r"q_{%s}(z_{%s})", "p[]": r"p_{%s}(z_{%s})"}
    return Draft(
        NAME,
        tuple(stages),
        {"main": context},
        final,
        functions=functions,
        expect_subscripts=True,
        instance_sizes=INSTANCES,
        setting="catalog",
        quantity=quantity,
    )


def _closed_form(scale: Expr, with_e: bool = True) -> Expr:
    """``d/2 log(2 pi e) + sum_j log sigma_j``; ``d/2 log(2 pi e s^2)`` when the scale is the
    same in every coordinate, and ``log e^{x_j/2}`` written ``x_j/2`` (without ``e`` for
    the cross-entropy's ``d/2 log(2 pi) + sum_j log sigma_j``)."""
    two_pi = mul(2, pi, E) if with_e else mul(2, pi)
    if J not in scale.free_symbols:
        return mul(D / 2, ln(mul(two_pi, square(scale)) if scale != 1 else two_pi))
    summand = expand_log(evaluate(ln(scale)), force=True)
    coefficient, rest = summand.as_coeff_Mul()
    total = Sum(display_form(rest), (J, 1, D))
    return add(mul(D / 2, ln(two_pi)), mul(coefficient, total) if coefficient != 1 else total)


def _normal(loc: Expr, scale: Expr) -> str:
    """``normal(mu_j, sigma_j)``: one coordinate's law for the command line, ``mu[j]``
    written ``mu_j``."""
    from sympy import Indexed, Symbol

    def plain(value: Expr) -> str:
        return sstr(value.xreplace({x: Symbol(f"{x.base.label}_j") for x in value.atoms(Indexed)}))

    return f"normal({plain(loc)}, {plain(scale)})"
