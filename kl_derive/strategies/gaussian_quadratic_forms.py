r"""KL between two multivariate normals, by the expectation of quadratic forms.

The stages:

1. the densities, :math:`(2\pi)^{-d/2} (\det\Sigma)^{-1/2} e^{-(z-\mu)^T\Sigma^{-1}(z-\mu)/2}`;
2. the log ratio: log-determinants and two quadratic forms in :math:`z`;
3. the expectation, term by term;
4. the quadratic forms' expectations, from
   :math:`\mathbb{E}[(z-m)^T A (z-m)] = \operatorname{tr}(A\Sigma) + (\mu-m)^T A (\mu-m)`;
5. the result, :math:`\frac12[\operatorname{tr}(\Sigma_2^{-1}\Sigma_1) + (\mu_2-\mu_1)^T
   \Sigma_2^{-1}(\mu_2-\mu_1) - d + \log(\det\Sigma_2/\det\Sigma_1)]` (and, for explicit
   matrices, its value).

Matrices given by name keep the dimension :math:`d` symbolic; every step is then verified
in the instances :math:`d = 2, 3` with a generic covariance :math:`LL^T` (``L`` lower
triangular with a positive diagonal). Lists fix :math:`d`: up to :data:`GENERIC_SIZE` the
steps are verified with generic parameters of that size; above it (where the inverse of a
generic :math:`LL^T` has too many terms to build) exactly, in rational arithmetic, at
:data:`DRAWS` pseudo-random rational parameters of that size (fixed seeds): a false step
is an identity that fails for almost every parameter, and is caught at such a point with
near certainty. The last step, which puts the lists in, is checked with the lists
themselves, exactly, in every dimension.
"""

from __future__ import annotations

import random
from dataclasses import replace

from sympy import (
    Add,
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    Matrix,
    MatrixSymbol,
    Rational,
    S,
    Symbol,
    ZeroMatrix,
    factor_terms,
    pi,
)

from ..families.base import Distribution
from ..families.multivariate_normal import DIMENSION
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import (
    add,
    display_form,
    div,
    evaluate,
    expo,
    ln,
    mul,
    neg,
    power,
    root,
)
from ..symbolic.matrices import MatDet, MatTrace, QuadForm
from ..symbolic.objects import KL, VARIABLE, Expect
from .draft import Draft

__all__ = ["closing_contexts", "closing_steps", "derive"]

NAME = "quadratic forms"
Z = VARIABLE
INSTANCES = (2, 3)
#: the largest dimension fixed by lists whose steps are verified with generic parameters
#: (symbols for the entries of L in a covariance L L^T); the terms of the inverse grow as
#: d! past it
GENERIC_SIZE = 3
#: how many pseudo-random rational parameter values a step is verified at, above it
DRAWS = 2


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two multivariate normals."""
    family = first.family
    n = family.dimension(first.args) or family.dimension(second.args)
    size = S(n) if n is not None else DIMENSION
    zv = MatrixSymbol("z", size, 1)
    both_explicit = sum(family.dimension((a,)) is not None for a in (first.args[1], second.args[1]))
    # numbered names when both laws are lists, or when a list's name would meet a user's
    named = any(isinstance(a, MatrixSymbol) for a in (*first.args, *second.args))
    numbered = both_explicit > 1 or (both_explicit and named)
    (m1, c1), names1 = _symbolic(family, first, size, "_1" if numbered else "")
    (m2, c2), names2 = _symbolic(family, second, size, "_2" if numbered else "")
    qz, pz = Function("q")(Z), Function("p")(Z)
    dq, dp = _density(zv, m1, c1, size), _density(zv, m2, c2, size)

    stages: list[Stage] = []
    kl = KL(qz, pz)
    ratio = ln(div(qz, pz))
    stages.append(
        Stage(
            "definition",
            (
                Chain((Step("density.formula", qz, dq, params={"law": first}),)),
                Chain((Step("density.formula", pz, dp, params={"law": second}),)),
                Chain((Step("kl.expectation", kl, Expect(ratio, qz)),)),
            ),
        )
    )
    # 2. the log ratio
    log_q, log_p = _log_density(zv, m1, c1, size), _log_density(zv, m2, c2, size)
    quad1, quad2 = QuadForm(zv, m1, c1.I), QuadForm(zv, m2, c2.I)
    split = add(
        mul(S.Half, ln(MatDet(c2))),
        mul(S(-1) / 2, ln(MatDet(c1))),
        mul(S(-1) / 2, quad1),
        mul(S.Half, quad2),
    )
    stages.append(
        Stage(
            "log_ratio_mvn",
            (
                Chain(
                    (
                        Step("log.quotient", ratio, add(log_q, neg(log_p), flatten=False)),
                        Step("algebra.simplify", add(log_q, neg(log_p), flatten=False), split),
                    )
                ),
            ),
            params={"pi": pi},
        )
    )
    # 3. the expectation
    linear = add(
        mul(S.Half, ln(MatDet(c2))),
        mul(S(-1) / 2, ln(MatDet(c1))),
        mul(S(-1) / 2, Expect(quad1, qz)),
        mul(S.Half, Expect(quad2, qz)),
    )
    stages.append(
        Stage(
            "expectation_mvn",
            (Chain((Step("expectation.linearity", Expect(ratio, qz), linear),)),),
        )
    )
    # 4. the quadratic forms
    trace1 = MatTrace(c1.I, c1)
    first_form = Chain(
        (
            Step("expectation.quadratic_form", Expect(quad1, qz), trace1),
            Step("trace.identity", trace1, size),
        )
    )
    second_value = add(MatTrace(c2.I, c1), QuadForm(m2, m1, c2.I))
    second_form = Chain((Step("expectation.quadratic_form", Expect(quad2, qz), second_value),))
    stages.append(
        Stage("quadratic_forms", (first_form, second_form), params={"covariance": c1, "mu": m1})
    )
    # 5. the result
    inserted = add(
        mul(S.Half, ln(MatDet(c2))),
        mul(S(-1) / 2, ln(MatDet(c1))),
        mul(S(-1) / 2, size),
        mul(S.Half, second_value),
    )
    inside = add(
        MatTrace(c2.I, c1),
        QuadForm(m2, m1, c2.I),
        neg(size),
        ln(div(MatDet(c2), MatDet(c1))) if not isinstance(c2, Identity) else neg(ln(MatDet(c1))),
    )
    mapping = {**names1, **names2}
    steps = closing_steps(kl, inserted, inside, mapping)
    stages.append(Stage("combine_mvn", (Chain(tuple(steps)),)))

    sizes = (n,) if n is not None else INSTANCES
    return Draft(
        NAME,
        tuple(stages),
        closing_contexts(sizes, zv, (m1, c1), (m2, c2), qz, pz, mapping),
        steps[-1].after,
        functions={"q": r"q(z \mid x)", "p": "p(z)"},
        instance_sizes=sizes,
        instance_draws=_draws(sizes),
    )


def closing_steps(lhs: Expr, inserted: Expr, inside: Expr, mapping: dict) -> list[Step]:
    """The last steps: the expectation inserted, the terms under one half, and where the
    parameters were lists, the lists substituted for the matrix symbols."""
    steps = [
        Step("moment.insert", lhs, inserted),
        Step("algebra.combine", inserted, mul(S.Half, inside), params={"factor": S.Half}),
    ]
    if mapping:
        value = evaluate(steps[-1].after).xreplace(mapping)
        steps.append(
            Step(
                "parameter.substitute",
                steps[-1].after,
                _scaled_form(evaluate(value).doit()),
                params={"mapping": tuple(mapping.items())},
                facts="substitute",
            )
        )
    return steps


def closing_contexts(
    sizes: tuple[int, ...],
    zv: Expr,
    first: tuple[Expr, Expr],
    second: tuple[Expr, Expr],
    qz: Expr,
    pz: Expr,
    mapping: dict,
) -> dict[str, Context]:
    """The verifier's contexts: ``main`` for the steps stated for matrix symbols, verified
    with generic matrices (a covariance L L^T) in each size, whatever the user's lists
    hold; ``substitute`` for the last step, which puts the lists in and is checked against
    the lists themselves."""
    context = Context(
        {},
        dimension=DIMENSION,
        instances={k: _instances(k, zv, first, second, qz, pz) for k in sizes},
    )
    substitution = Context(
        {},
        dimension=DIMENSION,
        instances={k: Context({}, bindings={**mapping, DIMENSION: S(k)}) for k in sizes},
    )
    return {"main": context, "substitute": substitution}


def _scaled_form(value: Expr) -> Expr:
    """``a/2 + b/2 - 1`` -> ``1/2 (a + b - 2)``, the way the symbolic result is written."""
    factored = factor_terms(value)
    coeff, rest = factored.as_coeff_Mul()
    if coeff != 1 and isinstance(rest, Add):
        return mul(coeff, display_form(rest))
    return display_form(value)


def _symbolic(family, dist: Distribution, size: Expr, suffix: str):
    """The parameters as matrix symbols (explicit lists get one, to substitute at the end)."""
    loc, cov = family.symbolic_args(dist.args, size)
    names: dict[Expr, Expr] = {}
    if isinstance(loc, ImmutableMatrix):
        symbol = MatrixSymbol("mu" + suffix, size, 1)
        names[symbol], loc = loc, symbol
    if isinstance(cov, ImmutableMatrix):
        symbol = MatrixSymbol("Sigma" + suffix, size, size)
        names[symbol], cov = cov, symbol
    return (loc, cov), names


def _density(zv: Expr, m: Expr, c: Expr, size: Expr) -> Expr:
    normalizer = div(1, root(mul(power(mul(2, pi), size), MatDet(c))))
    return mul(normalizer, expo(mul(S(-1) / 2, QuadForm(zv, m, c.I))))


def _log_density(zv: Expr, m: Expr, c: Expr, size: Expr) -> Expr:
    return add(
        mul(neg(div(size, 2)), ln(mul(2, pi))),
        mul(S(-1) / 2, ln(MatDet(c))),
        mul(S(-1) / 2, QuadForm(zv, m, c.I)),
    )


def _draws(sizes: tuple[int, ...]) -> int:
    """How many rational parameter values the instances were verified at (0: generic)."""
    return DRAWS if max(sizes) > GENERIC_SIZE else 0


def _instances(
    n: int,
    zv: Expr,
    first: tuple[Expr, Expr],
    second: tuple[Expr, Expr],
    qz: Expr,
    pz: Expr,
) -> Context:
    """The instance ``d = n``: with generic parameters up to :data:`GENERIC_SIZE`, else
    at :data:`DRAWS` pseudo-random rational ones (the second and later as its draws)."""
    if n <= GENERIC_SIZE:
        return _instance(n, zv, first, second, {}, qz, pz)
    drawn = [_instance(n, zv, first, second, {}, qz, pz, draw=k) for k in range(DRAWS)]
    return replace(drawn[0], draws=tuple(drawn[1:]))


def _instance(
    n: int,
    zv: Expr,
    first: tuple[Expr, Expr],
    second: tuple[Expr, Expr],
    explicit: dict,
    qz: Expr,
    pz: Expr,
    draw: int | None = None,
) -> Context:
    """Explicit matrices of size ``n``: generic ones for names (or, for a ``draw``,
    pseudo-random rational ones), the user's for lists."""
    from ..families.multivariate_normal import FAMILY

    variables = tuple(Symbol(f"z{i}", real=True) for i in range(1, n + 1))
    bindings: dict[Expr, Expr] = {zv: ImmutableMatrix(variables), DIMENSION: S(n)}
    values = []
    for which, (m, c) in enumerate((first, second), start=1):
        rng = None if draw is None else random.Random(f"mvn {n} {draw} {which}")
        loc = _explicit_vector(m, n, which, explicit, rng)
        cov = _explicit_covariance(c, n, which, explicit, rng)
        if isinstance(m, MatrixSymbol):
            bindings[m] = loc
        if isinstance(c, MatrixSymbol):
            bindings[c] = cov
        values.append((loc, cov))
    z = Matrix(variables)
    (loc1, cov1), (loc2, cov2) = values
    densities = {
        "q": DensityFacts(
            qz,
            variables,
            (S.NegativeInfinity, S.Infinity),
            FAMILY.explicit_density(z, Matrix(loc1), Matrix(cov1)),
            FAMILY.second_moments(Matrix(loc1), Matrix(cov1)),
        ),
        "p": DensityFacts(
            pz,
            variables,
            (S.NegativeInfinity, S.Infinity),
            FAMILY.explicit_density(z, Matrix(loc2), Matrix(cov2)),
        ),
    }
    return Context(densities, bindings=bindings)


def _explicit_vector(
    m: Expr, n: int, which: int, explicit: dict, rng: random.Random | None = None
) -> ImmutableMatrix:
    if m in explicit:
        return explicit[m]
    if isinstance(m, ZeroMatrix):
        return ImmutableMatrix.zeros(n, 1)
    if rng is not None:
        return ImmutableMatrix([_rational(rng, False) for _ in range(n)])
    return ImmutableMatrix([Symbol(f"m{which}{i}", real=True) for i in range(1, n + 1)])


def _explicit_covariance(
    c: Expr, n: int, which: int, explicit: dict, rng: random.Random | None = None
) -> ImmutableMatrix:
    """A covariance for the instance: the user's, the identity, or ``L L^T`` with ``L``
    lower triangular and a positive diagonal (any symmetric positive-definite matrix):
    symbols for its entries, or with ``rng`` pseudo-random rationals."""
    if c in explicit:
        return explicit[c]
    if isinstance(c, Identity):
        return ImmutableMatrix.eye(n)
    entries = [
        [
            (
                (_rational(rng, i == j) if j <= i else S.Zero)
                if rng is not None
                else Symbol(f"l{which}{i}{j}", positive=True)
                if i == j
                else Symbol(f"l{which}{i}{j}", real=True)
                if j < i
                else S.Zero
            )
            for j in range(1, n + 1)
        ]
        for i in range(1, n + 1)
    ]
    lower = Matrix(entries)
    return ImmutableMatrix(lower * lower.T)


def _rational(rng: random.Random, positive: bool) -> Rational:
    """A pseudo-random rational p/q, |p| < 10**4, 0 < q < 10**3 (positive if asked). No
    value comes up with probability above about 1e-4 (1 = p/p: 999 of the 10**7 positive
    pairs), so a false polynomial identity of degree k in such values holds at a point
    with probability at most about k * 1e-4, at both draws about the square (Schwartz
    and Zippel); the steps' logarithms of determinants are checked the same way."""
    p = rng.randint(1, 9999) if positive else rng.randint(-9999, 9999)
    return Rational(p, rng.randint(1, 999))


# shared with the entropy of multivariate normals (gaussian_entropy.py)
symbolic_parameters = _symbolic
density_of = _density
log_density_of = _log_density
instance_draws = _draws
scaled_form = _scaled_form
