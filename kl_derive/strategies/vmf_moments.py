r"""KL divergences, entropy and cross-entropy of von Mises-Fisher laws on the sphere.

For :math:`q = \operatorname{vMF}_p(\boldsymbol{\mu}_1, \kappa_1)` (density
:math:`C_p(\kappa)e^{\kappa\boldsymbol{\mu}^{T}\boldsymbol{x}}` on :math:`S^{p-1}`) the log
density is linear in :math:`\boldsymbol{x}`, so every quantity needs only the mean
:math:`\mathbb{E}_q[\boldsymbol{x}] = A_p(\kappa_1)\boldsymbol{\mu}_1`, with
:math:`A_p(\kappa) = I_{p/2}(\kappa)/I_{p/2-1}(\kappa)` the mean resultant length
(Mardia and Jupp, *Directional Statistics*, 9.3.6): differentiating the normalizer
:math:`\int_{S^{p-1}} e^{\kappa\boldsymbol{\mu}^{T}\boldsymbol{x}}\,d\sigma = 1/C_p(\kappa)`
in :math:`\kappa` gives :math:`\mathbb{E}[\boldsymbol{\mu}^{T}\boldsymbol{x}] =
-\tfrac{d}{d\kappa}\log C_p(\kappa) = I_{p/2-1}'(\kappa)/I_{p/2-1}(\kappa) - (p/2-1)/\kappa`,
which is :math:`A_p(\kappa)` by :math:`I_\nu' = I_{\nu+1} + (\nu/\kappa) I_\nu`; the part of
:math:`\boldsymbol{x}` orthogonal to :math:`\boldsymbol{\mu}` has mean zero, the law being
invariant under the rotations about :math:`\boldsymbol{\mu}`.

1. the densities (the uniform law on the sphere: :math:`1/\lvert S^{p-1}\rvert`);
2. the quantity as an expectation of log densities, linear in :math:`\boldsymbol{x}`;
3. the mean: :math:`\mathbb{E}_q[\boldsymbol{\mu}_1^{T}\boldsymbol{x}] = A_p(\kappa_1)`,
   :math:`\mathbb{E}_q[\boldsymbol{\mu}_2^{T}\boldsymbol{x}] =
   A_p(\kappa_1)\boldsymbol{\mu}_2^{T}\boldsymbol{\mu}_1`;
4. the closed form, and with a given :math:`p` the functions written out (elementary at
   :math:`p = 3`).

Every step is checked by :mod:`kl_derive.steps.verify.sphere` (quadrature of the density
over the sphere at random parameters, in the dimensions 2, 3, 4 and 7 for a symbolic
:math:`p`).
"""

from __future__ import annotations

from dataclasses import replace

from sympy import (
    Eq,
    Expr,
    Function,
    ImmutableMatrix,
    MatMul,
    MatrixSymbol,
    S,
    Tuple,
    besseli,
    pi,
)

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..families.von_mises_fisher import DIMENSION, point, sphere_order
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import (
    add,
    display_form,
    div,
    evaluate,
    ln,
    mul,
    neg,
    power,
    sub,
    substitute,
)
from ..symbolic.objects import KL, CrossEntropy, Entropy, Expect
from ..symbolic.sphere import Inner, MeanResultant, SphereArea, VMFNormalizer, written_out
from .draft import Draft

__all__ = ["SYMBOLIC_SIZES", "derive", "derive_vmf_cross_entropy", "derive_vmf_entropy"]

NAME = "mean resultant"
#: the dimensions in which steps stated for a symbolic p are checked
SYMBOLIC_SIZES = (2, 3, 4, 7)


def derive(first: Distribution, second: Distribution) -> Draft:
    """KL(first || second): two von Mises-Fisher laws, or one against the uniform law."""
    return _derive(first, second, "kl")


def derive_vmf_entropy(first: Distribution) -> Draft:
    """H(first) for a von Mises-Fisher law."""
    return _derive(first, None, "entropy")


def derive_vmf_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """H(first, second) = -E_first[log second] for two von Mises-Fisher laws."""
    return _derive(first, second, "cross_entropy")


def _order(*laws: Distribution | None) -> Expr:
    """The common dimension ``p``: a number where a law gives one, else the symbol."""
    given = {
        int(o) for law in laws if law is not None for o in [_law_order(law)] if S(o).is_Integer
    }
    if len(given) > 1:
        raise KLDeriveError(
            f"the two laws live on spheres of different dimensions ({sorted(given)})"
        )
    return S(given.pop()) if given else DIMENSION


def _law_order(law: Distribution) -> Expr:
    if law.family.name == "uniform_sphere":
        return law.args[0]
    return sphere_order(law.args[0])


def _at_order(law: Distribution, order: Expr) -> Distribution:
    """The law in dimension ``order`` (a mean direction given by name takes it)."""
    if law.family.name == "uniform_sphere":
        return replace(law, args=(order,))
    mu, kappa = law.args
    if isinstance(mu, MatrixSymbol):
        mu = MatrixSymbol(str(mu.name), order, 1)
    return replace(law, args=(mu, kappa))


def _derive(first: Distribution, second: Distribution | None, quantity: str) -> Draft:
    order = _order(first, second)
    first = _at_order(first, order)
    second = _at_order(second, order) if second is not None else None
    x = point(order)
    q = Function("q")(x)
    p = Function("p")(x) if second is not None else q
    uniform = second is not None and second.family.name == "uniform_sphere"
    mu1, kappa1 = first.args
    c1, a1 = VMFNormalizer(order, kappa1), MeanResultant(order, kappa1)
    laws = [(q, first)] + ([(p, second)] if second is not None else [])

    # 1. the densities
    chains = tuple(
        Chain((Step("density.formula", f, law.family.density(x, law.args), {"law": law}),))
        for f, law in laws
    )
    stages = [
        Stage(
            "vmf_densities_uniform" if uniform else "vmf_densities",
            chains,
            params={
                "x": x,
                "normalizer": Eq(
                    VMFNormalizer(order, kappa1), _c_written(order, kappa1), evaluate=False
                ),
                "area": Eq(SphereArea(order), _area_written(order), evaluate=False),
            },
        )
    ]

    # 2. the log densities, and the expectation term by term
    terms: list[tuple[Expr, Expr | None]] = [(ln(c1), None), (kappa1, Inner(mu1, x))]
    sign = 1
    if second is None:  # the entropy
        lhs, start, rule, sign = (
            Entropy(q),
            neg(Expect(ln(q), q)),
            "entropy.definition_expectation",
            -1,
        )
    elif quantity == "cross_entropy":
        mu2, kappa2 = second.args
        terms = [(ln(VMFNormalizer(order, kappa2)), None), (kappa2, Inner(mu2, x))]
        lhs, start, rule, sign = (
            CrossEntropy(q, p),
            neg(Expect(ln(p), q)),
            "cross_entropy.expectation",
            -1,
        )
    else:
        lhs, start, rule = KL(q, p), Expect(sub(ln(q), ln(p)), q), "kl.expectation"
        if uniform:
            terms.append((ln(SphereArea(order)), None))
        else:
            mu2, kappa2 = second.args
            terms += [(neg(ln(VMFNormalizer(order, kappa2))), None), (neg(kappa2), Inner(mu2, x))]
    body = add(*[c if i is None else _times(c, i) for c, i in terms])
    inserted = Expect(body, q) if sign == 1 else neg(Expect(body, q))
    linear = add(
        *[
            _signed(sign, c) if i is None else _times(_signed(sign, c), Expect(i, q))
            for c, i in terms
        ]
    )
    means = [Expect(i, q) for _, i in terms if i is not None]
    stages.append(
        Stage(
            "vmf_log_densities",
            (
                Chain(
                    (
                        Step(rule, lhs, start),
                        Step("log_density.insert", start, inserted),
                        Step("expectation.linearity", inserted, linear),
                    )
                ),
            ),
        )
    )

    # 3. the mean direction
    mean_steps = [Step("vmf.mean_resultant", Expect(Inner(mu1, x), q), a1)]
    mean_values = {Expect(Inner(mu1, x), q): a1}
    for m in means:
        if m not in mean_values:
            direction = m.args[0].args[0]
            value = mul(a1, Inner(direction, mu1))
            mean_steps.append(Step("vmf.mean_direction", m, value))
            mean_values[m] = value
    stages.append(
        Stage(
            "vmf_mean",
            tuple(Chain((s,)) for s in mean_steps),
            params={
                "resultant": Eq(a1, _a_written(order, kappa1), evaluate=False),
                "mean": Eq(Expect(x, q), _times_vector(a1, mu1), evaluate=False),
                "x": x,
                "mu": mu1,
            },
        )
    )

    # 4. the closed form
    substituted = add(
        *[
            _signed(sign, c) if i is None else _times(_signed(sign, c), mean_values[Expect(i, q)])
            for c, i in terms
        ]
    )
    closed = _closed(first, second, quantity, order)
    steps = [Step("moment.insert", lhs, substituted)]
    if evaluate(substituted) != evaluate(closed) or substituted != closed:
        steps.append(Step("algebra.factor", substituted, closed))
    if order.is_Integer:
        at = Eq(DIMENSION, order, evaluate=False)
        if order == 3:
            from ..symbolic.sphere import elementary

            facts = {
                "p": at,
                "normalizer": Eq(
                    VMFNormalizer(3, kappa1), elementary(VMFNormalizer(3, kappa1)), evaluate=False
                ),
                "resultant": Eq(a1, elementary(a1), evaluate=False),
            }
            steps.append(Step("vmf.elementary", closed, _written(closed, order), facts))
        else:
            steps.append(Step("vmf.written_out", closed, _written(closed, order), {"p": at}))
    stages.append(Stage("vmf_result", (Chain(tuple(steps)),), params={"p": order}))

    densities = {
        name: DensityFacts(f, x, (S.Zero, S.Zero), evaluate(law.family.density(x, law.args)))
        for name, (f, law) in zip(("q", "p"), laws, strict=False)
    }
    sizes = (int(order),) if order.is_Integer else SYMBOLIC_SIZES
    context = Context(densities, dimension=None if order.is_Integer else DIMENSION, sphere=sizes)
    functions = {"q": "q(x)", "p": "p(x)"}
    return Draft(
        NAME,
        tuple(stages),
        {"main": context},
        steps[-1].after,
        functions=functions,
        setting="catalog",
        quantity=quantity,
        instance_sizes=() if order.is_Integer else SYMBOLIC_SIZES,
        dimension_name="p",
    )


def _times_vector(c: Expr, vector: Expr) -> Expr:
    """``c mu``; a list of numbers as a column."""
    if isinstance(vector, Tuple):
        return MatMul(c, ImmutableMatrix(list(vector)), evaluate=False)
    return mul(c, vector)


def _signed(sign: int, c: Expr) -> Expr:
    return c if sign == 1 else neg(c)


def _times(c: Expr, factor: Expr) -> Expr:
    """``c * factor``, a minus sign in front."""
    if c.could_extract_minus_sign():
        return neg(mul(display_form(-evaluate(c)), factor))
    return mul(c, factor)


def _closed(first: Distribution, second: Distribution | None, quantity: str, order: Expr):
    mu1, kappa1 = first.args
    c1, a1 = ln(VMFNormalizer(order, kappa1)), MeanResultant(order, kappa1)
    if second is None:
        return add(neg(c1), neg(mul(kappa1, a1)))
    if second.family.name == "uniform_sphere":
        return add(c1, mul(kappa1, a1), ln(SphereArea(order)))
    mu2, kappa2 = second.args
    c2, cosine = ln(VMFNormalizer(order, kappa2)), Inner(mu2, mu1)
    if quantity == "cross_entropy":
        return add(neg(c2), neg(mul(kappa2, a1, cosine) if cosine != 1 else mul(kappa2, a1)))
    inner = sub(kappa1, kappa2 if cosine == 1 else mul(kappa2, cosine))
    return add(c1, neg(c2), mul(a1, inner))


def _c_written(order: Expr, kappa: Expr) -> Expr:
    half = S(order) / 2 if order.is_Integer else div(order, 2)
    nu = half - 1 if order.is_Integer else sub(half, 1)
    top = S.One if nu == 0 else power(kappa, nu)
    return div(top, mul(power(mul(2, pi), half), besseli(nu, kappa)))


def _a_written(order: Expr, kappa: Expr) -> Expr:
    half = S(order) / 2 if order.is_Integer else div(order, 2)
    nu = half - 1 if order.is_Integer else sub(half, 1)
    return div(besseli(half, kappa), besseli(nu, kappa))


def _area_written(order: Expr) -> Expr:
    from sympy import gamma

    return div(mul(2, power(pi, div(order, 2))), gamma(div(order, 2)))


def _written(closed: Expr, n: Expr) -> Expr:
    """The closed form with the functions at the given ``p = n`` written out: elementary
    at ``n = 3``, with Bessel functions of the orders ``n/2 - 1`` and ``n/2`` otherwise."""
    if n == 3:
        from ..symbolic.sphere import elementary

        return elementary(closed)

    def out(e: Expr) -> Expr:
        if isinstance(e, VMFNormalizer):
            return _c_written(S(n), e.args[1])
        if isinstance(e, MeanResultant):
            return _a_written(S(n), e.args[1])
        return display_form(written_out(e))

    found = closed.atoms(VMFNormalizer, MeanResultant, SphereArea)
    return substitute(closed, {e: out(e) for e in found})
