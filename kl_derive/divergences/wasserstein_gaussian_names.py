r"""The squared 2-Wasserstein distance between two multivariate normal laws given by
names, in a symbolic dimension :math:`d`.

The Gaussian coupling theorem (cited, as for covariances given as numbers) gives

.. math::

    W_2^2 = (\mu_1 - \mu_2)^T (\mu_1 - \mu_2) + \operatorname{tr}\Sigma_1
    + \operatorname{tr}\Sigma_2 - 2 \operatorname{tr}\bigl(\Sigma_2^{1/2} \Sigma_1
    \Sigma_2^{1/2}\bigr)^{1/2}

in the user's names. Where the covariances commute it simplifies: with one covariance
matrix for both laws the root is that matrix and only the means remain; against the
standard normal law (``multivariate_normal(0, 1)``) the root is
:math:`\Sigma_1^{1/2}`. Each step is verified in the dimensions :data:`INSTANCES`, at
pseudo-random rational vectors and symmetric positive-definite matrices, every matrix
root by mpmath's ``sqrtm`` at 60 digits (:mod:`kl_derive.steps.verify.matrix_roots`).
"""

from __future__ import annotations

import random

from sympy import (
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    MatMul,
    MatPow,
    MatrixSymbol,
    Rational,
    S,
    ZeroMatrix,
)

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, mul
from ..symbolic.matrices import MatTrace, QuadForm
from ..symbolic.objects import DIMENSION, VARIABLE
from .objects import WassersteinSquared

__all__ = ["INSTANCES", "named_gaussian_draft"]

#: the dimensions the steps are verified in, and the parameter values drawn in each
INSTANCES = (2, 3)
DRAWS = 2
HALF = Rational(1, 2)


def named_gaussian_draft(first: Distribution, second: Distribution) -> Draft:
    """W_2^2 between ``multivariate_normal(mu, Sigma)`` laws given by names (or the
    standard law, ``0`` and ``1``)."""
    d = DIMENSION
    (m1, c1), (m2, c2) = (_named(law, d) for law in (first, second))
    ident = Identity(d)
    lhs = WassersteinSquared(Function("q")(VARIABLE), Function("p")(VARIABLE))
    shift = QuadForm(m1, m2, ident)
    root2 = MatPow(c2, HALF)
    inner_root = MatPow(MatMul(root2, c1, root2), HALF)
    formula = add(
        shift, MatTrace(ident, c1), MatTrace(ident, c2), mul(-2, MatTrace(ident, inner_root))
    )
    steps = [Step("wasserstein.gaussian", lhs, formula)]
    if c1 == c2:  # one covariance: the root is the matrix itself, the traces cancel
        steps.append(Step("matrix_root.commuting", formula, shift))
    elif isinstance(c2, Identity):  # the standard law: the root of Sigma alone
        simpler = add(shift, MatTrace(ident, c1), d, mul(-2, MatTrace(ident, MatPow(c1, HALF))))
        steps.append(Step("matrix_root.commuting", formula, simpler))
    final = steps[-1].after
    symbols = [x for x in (m1, c1, m2, c2) if isinstance(x, MatrixSymbol)]
    # the matrices bound to pseudo-random values in each size of INSTANCES (the matrix
    # verifier evaluates at the first binding and at each of its draws)
    first, *others = [b for n in INSTANCES for b in _bindings(n, symbols)]
    context = Context(
        {},
        {lhs: formula},
        bindings=first,
        draws=tuple(Context({}, {lhs: formula}, bindings=b) for b in others),
    )
    return Draft(
        "gaussian coupling",
        (Stage("wasserstein_gaussian_names", (Chain(tuple(steps)),)),),
        {"main": context},
        final,
        functions={"q": "q(z)", "p": "p(z)"},
        setting="catalog",
        quantity="wasserstein",
        instance_sizes=INSTANCES,
        instance_draws=DRAWS,
    )


def _named(law: Distribution, d: Expr) -> tuple[Expr, Expr]:
    """The mean and covariance as matrix expressions: names, or 0 and the identity."""
    loc, cov = law.args
    if loc == 0:
        loc = ZeroMatrix(d, 1)
    if cov == 1:
        cov = Identity(d)
    if not isinstance(loc, (MatrixSymbol, ZeroMatrix)) or not isinstance(
        cov, (MatrixSymbol, Identity)
    ):
        raise KLDeriveError(
            "the 2-Wasserstein distance between full-covariance normals is derived for "
            "means and covariances that are all names, or all lists of numbers"
        )
    return loc, cov


def _bindings(n: int, symbols: list) -> list[dict]:
    """The dimension bound to ``n`` and each matrix symbol to pseudo-random rational
    values (a symmetric positive-definite matrix for a covariance), :data:`DRAWS` times."""
    rng = random.Random(f"wasserstein-names-{n}")
    out = []
    for _ in range(DRAWS):
        bindings: dict = {DIMENSION: S(n)}
        for symbol in symbols:
            if symbol.shape[1] == 1:
                values = [Rational(rng.randint(-8, 8), 4) for _ in range(n)]
                bindings[symbol] = ImmutableMatrix(n, 1, values)
            else:
                bindings[symbol] = _spd(n, rng)
        out.append(bindings)
    return out


def _spd(n: int, rng: random.Random) -> ImmutableMatrix:
    """B B^T + I / 2 for a random rational B: symmetric and positive definite."""
    b = ImmutableMatrix(n, n, [Rational(rng.randint(-4, 4), 4) for _ in range(n * n)])
    return ImmutableMatrix(b * b.T + Identity(n).as_explicit() / 2)
