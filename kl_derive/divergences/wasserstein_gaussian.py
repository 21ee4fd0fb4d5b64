r"""The squared 2-Wasserstein distance between two multivariate normal laws with full
covariance matrices given as numbers.

Between :math:`\mathcal N(\mu_1, \Sigma_1)` and :math:`\mathcal N(\mu_2, \Sigma_2)` the
optimal coupling is linear and (a theorem, cited: Dowson and Landau 1982, Olkin and
Pukelsheim 1982, Givens and Shortt 1984)

.. math::

    W_2^2 = \|\mu_1 - \mu_2\|^2 + \operatorname{tr}\Sigma_1 + \operatorname{tr}\Sigma_2
    - 2 \operatorname{tr}\bigl(\Sigma_2^{1/2} \Sigma_1 \Sigma_2^{1/2}\bigr)^{1/2}.

The derivation computes the two principal square roots exactly: of a 2 x 2 matrix by
:math:`A^{1/2} = (A + \sqrt{\det A}\,I) / \sqrt{\operatorname{tr} A + 2\sqrt{\det A}}`,
of a larger one through its eigenvectors when its eigenvalues have a closed form in
radicals (one line otherwise). Each root is verified (:mod:`kl_derive.steps.verify.
matrix_roots`): symmetric, its square the matrix exactly, positive semidefinite, and
equal to mpmath's ``sqrtm`` at 60 digits.
"""

from __future__ import annotations

from sympy import (
    CRootOf,
    Eq,
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    MatMul,
    MatPow,
    MatrixSymbol,
    Rational,
    Symbol,
    count_ops,
    eye,
    factor,
    factor_list,
    radsimp,
    roots,
    simplify,
    sqrt,
    sqrtdenest,
)

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Stage, Step
from ..strategies.draft import Draft
from ..symbolic.display import add, div, mul
from ..symbolic.matrices import MatTrace, QuadForm
from ..symbolic.objects import VARIABLE, Bracket
from .describe import catalog_draft
from .objects import WassersteinSquared

__all__ = ["gaussian_draft"]

#: the largest root kl-derive writes out (SymPy operations, summed over the entries)
MAX_ROOT_SIZE = 600
#: the largest root taken from the eigenvectors before it is tidied
MAX_RAW_SIZE = 4000
HALF = Rational(1, 2)


def gaussian_draft(first: Distribution, second: Distribution) -> Draft:
    n = first.family.dimension(first.args) or first.family.dimension(second.args)
    if n is None:  # names, in a symbolic dimension
        from .wasserstein_gaussian_names import named_gaussian_draft

        return named_gaussian_draft(first, second)
    if any(isinstance(a, MatrixSymbol) for a in (*first.args, *second.args)):
        raise KLDeriveError(
            "the 2-Wasserstein distance between full-covariance normals is derived for "
            "means and covariances that are all names, or all lists of numbers"
        )
    (m1, c1), (m2, c2) = (_explicit(d, n) for d in (first, second))
    if any(x.free_symbols for x in (m1, c1, m2, c2)):
        raise KLDeriveError(
            "the 2-Wasserstein distance between full-covariance normals is derived for "
            "means and covariance matrices given as numbers (got symbols)"
        )
    for c in (c1, c2):
        if c != c.T or not c.is_positive_definite:
            raise KLDeriveError(f"{c.tolist()} is not a symmetric positive-definite matrix")
    # the eigenvalues of Sigma_2 and of Sigma_2^1/2 Sigma_1 Sigma_2^1/2 (those of the
    # rational Sigma_1 Sigma_2) in radicals: each irreducible factor of degree 2 at most
    for matrix in (c2, c1 * c2):
        if not _in_radicals(matrix):
            raise KLDeriveError(
                "the 2-Wasserstein distance between these covariance matrices needs the "
                "square root of a matrix whose eigenvalues are roots of an irreducible "
                "cubic (no closed form kl-derive writes); covariances whose characteristic "
                "polynomials factor into linear and quadratic factors are derived"
            )
    mu1, mu2 = (MatrixSymbol(f"mu_{k}", n, 1) for k in (1, 2))
    s1, s2 = (MatrixSymbol(f"Sigma_{k}", n, n) for k in (1, 2))
    ident = Identity(n)
    z = VARIABLE
    lhs = WassersteinSquared(Function("q")(z), Function("p")(z))
    root2 = MatPow(s2, HALF)
    inner = MatMul(root2, s1, root2)
    formula = add(
        QuadForm(mu1, mu2, ident),
        MatTrace(ident, s1),
        MatTrace(ident, s2),
        mul(-2, MatTrace(ident, MatPow(inner, HALF))),
    )
    distance = ((m1 - m2).T * (m1 - m2))[0, 0]
    chains = [Chain((Step("wasserstein.gaussian", lhs, formula),))]
    if n == 2:  # the two roots written out
        r2 = _root(c2)
        product = ImmutableMatrix((r2 * c1 * r2).applyfunc(_tidy))
        rm = _root(product)
        root_trace = _tidy(rm.trace())
        chains += [
            Chain((Step("matrix_root.square_root", root2, _shown(c2, r2)),)),
            Chain(
                (
                    Step("matrix_root.insert", inner, MatMul(r2, c1, r2)),
                    Step("matrix_root.product", MatMul(r2, c1, r2), product),
                )
            ),
            Chain((Step("matrix_root.square_root", MatPow(product, HALF), _shown(product, rm)),)),
        ]
    else:  # the trace of the root from the eigenvalues, those of Sigma_1 Sigma_2
        similar = ImmutableMatrix(c1 * c2)
        lam = Symbol("lambda")
        polynomial = similar.charpoly(lam)
        eigenvalues = sorted(
            (v for v, k in roots(polynomial).items() for _ in range(k)),
            key=lambda v: float(v.evalf(30)),
        )
        root_trace = add(*[_tidy(sqrt(v)) for v in eigenvalues])
        chains.append(
            Chain(
                (
                    Step(
                        "matrix_root.eigenvalues",
                        MatTrace(ident, MatPow(inner, HALF)),
                        root_trace,
                        params={
                            "similar": Eq(MatMul(s1, s2), similar, evaluate=False),
                            "polynomial": Eq(factor(polynomial.as_expr()), 0),
                        },
                    ),
                )
            )
        )
    traces = add(distance, c1.trace(), c2.trace(), mul(-2, Bracket(root_trace)))
    final = _tidy(distance + c1.trace() + c2.trace() - 2 * root_trace)
    chains.append(
        Chain(
            tuple(
                [Step("matrix_root.insert", lhs, traces)]
                + ([Step("algebra.simplify", traces, final)] if traces != final else [])
            )
        )
    )
    bindings = {mu1: m1, mu2: m2, s1: c1, s2: c2}
    context = Context({}, {lhs: formula}, bindings=bindings)
    stage = Stage(
        "wasserstein_gaussian",
        tuple(chains),
        params={"mu_1": m1, "Sigma_1": c1, "mu_2": m2, "Sigma_2": c2},
    )
    return catalog_draft("gaussian coupling", stage, context, final, "wasserstein")


def _explicit(distribution: Distribution, n: int) -> tuple[ImmutableMatrix, ImmutableMatrix]:
    loc, cov = distribution.args
    if not isinstance(loc, ImmutableMatrix):
        loc = ImmutableMatrix([loc] * n)
    if not isinstance(cov, ImmutableMatrix):
        cov = ImmutableMatrix(cov * eye(n))
    return ImmutableMatrix(loc.reshape(n, 1)), cov


def _in_radicals(matrix: ImmutableMatrix) -> bool:
    """Whether every eigenvalue of the rational ``matrix`` is a rational number or a
    quadratic surd (its characteristic polynomial's factors of degree 2 at most)."""
    if matrix.shape[0] <= 2 or matrix.is_diagonal():
        return True
    _, factors = factor_list(matrix.charpoly())
    return all(f.degree() <= 2 for f, _ in factors)


def _shown(a: ImmutableMatrix, root: ImmutableMatrix) -> Expr:
    """The root as printed: a 2 x 2 one as its formula's scalar times a matrix,
    (A + sqrt(det A) I) / sqrt(tr A + 2 sqrt(det A)), narrower than its entries."""
    if a.shape[0] != 2 or a.is_diagonal():
        return root
    d = _tidy(sqrt(a.det()))
    scale = _tidy(sqrt(a.trace() + 2 * d))
    inner = ImmutableMatrix((a + d * eye(2)).applyfunc(_tidy))
    return MatMul(div(1, scale), inner, evaluate=False)


def _tidy(x: Expr) -> Expr:
    return sqrtdenest(radsimp(simplify(x)))


def _root(a: ImmutableMatrix) -> ImmutableMatrix:
    """The principal square root of the symmetric positive-definite ``a``, exactly."""
    n = a.shape[0]
    if a.is_diagonal():
        root = ImmutableMatrix.diag(*[sqrt(a[i, i]) for i in range(n)])
    elif n == 2:
        d = _tidy(sqrt(a.det()))
        root = ImmutableMatrix((a + d * eye(2)) / sqrt(_tidy(a.trace() + 2 * d)))
    else:
        eigenvalues = a.eigenvals()
        if any(v.has(CRootOf) or v.is_real is False for v in eigenvalues):
            raise KLDeriveError(
                "the 2-Wasserstein distance needs the square root of a matrix whose "
                "eigenvalues have no closed form in radicals: "
                f"{[[str(x) for x in row] for row in a.tolist()]}"
            )
        vectors, values = a.diagonalize(normalize=True)
        root = ImmutableMatrix(vectors * values.applyfunc(sqrt) * vectors.T)
        if sum(count_ops(x) for x in root) > MAX_RAW_SIZE:  # a bound on the work to tidy it
            raise KLDeriveError(
                "the exact square root of a covariance matrix here is too large to print"
            )
    root = ImmutableMatrix(root.applyfunc(_tidy))
    if sum(count_ops(x) for x in root) > MAX_ROOT_SIZE:
        raise KLDeriveError(
            "the exact square root of a covariance matrix here is too large to print"
        )
    return root
