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
    qz = Function("q")(VARIABLE)

    def q_(j: Expr) -> Expr:
        return Function("q")(COORDS[j])

    def over(term: Callable[[Expr], Expr], big: type = Sum) -> Expr:
        return big(term(J), (J, 1, D))

    loc, scale = (coordinate(a, J) for a in law.args)
    stages = [
        Stage(
            "diag_entropy_factorize",
            (Chain((Step("independence.product", qz, over(q_, Product)),)),),
            params={"coordinate_q": coordinate_laws(law, None)},
        )
    ]
    log_sum = over(lambda j: ln(q_(j)))
    stages.append(
        Stage(
            "diag_entropy_log_sum",
            (
                Chain(
                    (
                        Step("density.substitute", ln(qz), ln(over(q_, Product))),
                        Step("log.product_sum", ln(over(q_, Product)), log_sum),
                    )
                ),
            ),
        )
    )
    definition = neg(Expect(ln(qz), qz))
    marginal = over(lambda j: neg(Expect(ln(q_(j)), q_(j))))
    coordinates = over(lambda j: Entropy(q_(j)))
    stages.append(
        Stage(
            "diag_entropy_sum",
            (
                Chain(
                    (
                        Step("entropy.definition", Entropy(qz), definition),
                        Step("density.substitute", definition, neg(Expect(log_sum, qz))),
                        Step("expectation.marginal", neg(Expect(log_sum, qz)), marginal),
                        Step("entropy.definition_coordinate", marginal, coordinates),
                    )
                ),
            ),
        )
    )
    one = mul(S.Half, ln(mul(2, pi, E, square(scale))))
    command = f'kl-derive entropy "normal({sstr(_plain(loc))}, {sstr(_plain(scale))})"'
    stages.append(
        Stage(
            "diag_entropy_coordinate",
            (
                Chain(
                    (
                        Step(
                            "entropy.univariate",
                            Entropy(q_(J)),
                            one,
                            params={"command": Code(command)},
                        ),
                    )
                ),
            ),
        )
    )
    summed = Sum(one, (J, 1, D))
    final = _closed_form(scale)
    steps = (
        Step("entropy.sum_coordinates", Entropy(qz), coordinates),
        Step("moment.insert_coordinates", coordinates, summed),
        Step("sum.split_constant", summed, final, params={"d": D}),
    )
    stages.append(Stage("diag_entropy_total", (Chain(steps),)))
    context = coordinate_contexts(law, law, None, qz, qz)
    return Draft(
        NAME,
        tuple(stages),
        {"main": context},
        final,
        functions={"q": "q(z)", "q[]": r"q_{%s}(z_{%s})"},
        expect_subscripts=True,
        instance_sizes=INSTANCES,
        setting="catalog",
        quantity="entropy",
    )


def derive_diagonal_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) = -E_first[log second] for two diagonal Gaussians whose
    dimension is symbolic: the sum of the coordinates' cross-entropies."""
    qz, pz = Function("q")(VARIABLE), Function("p")(VARIABLE)

    def q_(j: Expr) -> Expr:
        return Function("q")(COORDS[j])

    def p_(j: Expr) -> Expr:
        return Function("p")(COORDS[j])

    def over(term: Callable[[Expr], Expr], big: type = Sum) -> Expr:
        return big(term(J), (J, 1, D))

    (m1, s1), (m2, s2) = ((coordinate(a, J) for a in law.args) for law in (first, second))
    stages = [
        Stage(
            "diag_cross_entropy_factorize",
            (
                Chain((Step("independence.product", qz, over(q_, Product)),)),
                Chain((Step("independence.product", pz, over(p_, Product)),)),
            ),
            params={
                "coordinate_q": coordinate_laws(first, None),
                "coordinate_p": coordinate_laws(second, None),
            },
        )
    ]
    log_sum = over(lambda j: ln(p_(j)))
    stages.append(
        Stage(
            "diag_cross_entropy_log_sum",
            (
                Chain(
                    (
                        Step("density.substitute", ln(pz), ln(over(p_, Product))),
                        Step("log.product_sum", ln(over(p_, Product)), log_sum),
                    )
                ),
            ),
        )
    )
    lhs = CrossEntropy(qz, pz)
    definition = neg(Expect(ln(pz), qz))
    marginal = over(lambda j: neg(Expect(ln(p_(j)), q_(j))))
    coordinates = over(lambda j: CrossEntropy(q_(j), p_(j)))
    stages.append(
        Stage(
            "diag_cross_entropy_sum",
            (
                Chain(
                    (
                        Step("cross_entropy.definition", lhs, definition),
                        Step("density.substitute", definition, neg(Expect(log_sum, qz))),
                        Step("expectation.marginal", neg(Expect(log_sum, qz)), marginal),
                        Step("cross_entropy.definition_coordinate", marginal, coordinates),
                    )
                ),
            ),
        )
    )
    quadratic = div(add(square(s1), square(sub(m1, m2))), mul(2, square(s2)))
    one = add(mul(S.Half, ln(mul(2, pi, square(s2)))), quadratic)
    command = (
        f'kl-derive cross-entropy "normal({sstr(_plain(m1))}, {sstr(_plain(s1))})" '
        f'"normal({sstr(_plain(m2))}, {sstr(_plain(s2))})"'
    )
    stages.append(
        Stage(
            "diag_cross_entropy_coordinate",
            (
                Chain(
                    (
                        Step(
                            "cross_entropy.univariate",
                            CrossEntropy(q_(J), p_(J)),
                            one,
                            params={"command": Code(command)},
                        ),
                    )
                ),
            ),
        )
    )
    summed = Sum(one, (J, 1, D))
    final = add(
        _closed_form(s2, with_e=False),
        mul(D, quadratic) if J not in quadratic.free_symbols else Sum(quadratic, (J, 1, D)),
    )
    steps = (
        Step("cross_entropy.sum_coordinates", lhs, coordinates),
        Step("moment.insert_coordinates", coordinates, summed),
        Step("sum.split_constant", summed, final, params={"d": D}),
    )
    stages.append(Stage("diag_cross_entropy_total", (Chain(steps),)))
    context = coordinate_contexts(first, second, None, qz, pz)
    return Draft(
        NAME,
        tuple(stages),
        {"main": context},
        final,
        functions={"q": "q(z)", "p": "p(z)", "q[]": r"q_{%s}(z_{%s})", "p[]": r"p_{%s}(z_{%s})"},
        expect_subscripts=True,
        instance_sizes=INSTANCES,
        setting="catalog",
        quantity="cross_entropy",
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


def _plain(value: Expr) -> Expr:
    """``mu[j]`` written ``mu_j`` for the command line."""
    from sympy import Indexed, Symbol

    return value.xreplace({x: Symbol(f"{x.base.label}_j") for x in value.atoms(Indexed)})
