r"""The contexts the Wishart strategy's steps are verified in (see
:mod:`.wishart_moments`): instances of sizes 2 and 3 with generic scales
:math:`V_k = L_kL_k^T` and :math:`X` written through Bartlett's decomposition, whose
entries' laws give the verifier every moment it needs.
"""

from __future__ import annotations

from sympy import (
    Expr,
    ImmutableMatrix,
    IndexedBase,
    Matrix,
    Mul,
    S,
    Symbol,
    cancel,
    expand,
    gamma,
    log,
    polygamma,
    sqrt,
)

from ..steps.context import Context, DensityFacts
from ..steps.verify.normal_form import expand_big_operators
from ..symbolic.display import evaluate
from ..symbolic.matrices import MatDet
from ..symbolic.objects import DIMENSION

#: Bartlett's chi-square variables c_1, ..., c_p and their index
C = IndexedBase("c", positive=True)


def _lower(prefix: str, size: int, positive_diagonal: bool = True) -> Matrix:
    return Matrix(
        size,
        size,
        lambda i, j: (
            Symbol(f"{prefix}{i + 1}{j + 1}", positive=True)
            if i == j and positive_diagonal
            else Symbol(f"{prefix}{i + 1}{j + 1}", real=True)
            if j <= i
            else S.Zero
        ),
    )


def verification_contexts(
    family, first, second, x, qx, px, p: Expr, sizes: tuple[int, ...], given: dict
) -> dict[str, Context]:
    """``"main"``: in each size, generic scales L L^T and X by Bartlett's decomposition;
    ``"substitute"``: the matrices as given (explicit matrices only)."""
    main = Context(
        {},
        dimension=p if not p.is_Integer else DIMENSION,
        instances={size: _instance(family, first, second, x, qx, px, size, p) for size in sizes},
    )
    if not p.is_Integer:
        return {"main": main}
    substitute = Context(
        {},
        dimension=DIMENSION,
        instances={int(p): Context({}, bindings={**given, DIMENSION: p})},
    )
    return {"main": main, "substitute": substitute}


def _instance(family, first, second, x, qx, px, size: int, p: Expr) -> Context:
    """The laws in one size: generic scales, X through Bartlett's decomposition, and
    what the verifier is given about Bartlett's entries."""
    (n1, v1), (n2, v2) = first, second
    lower1 = _lower("l1", size)
    lower2 = lower1 if v2 == v1 else _lower("l2", size)
    bartlett = _lower("a", size)
    variables = tuple(bartlett[i, j] for i in range(size) for j in range(i + 1))
    det1 = Mul(*[lower1[i, i] ** 2 for i in range(size)])
    det2 = Mul(*[lower2[i, i] ** 2 for i in range(size)])
    det_x = det1 * Mul(*[bartlett[i, i] ** 2 for i in range(size)])
    explicit_x = lower1 * bartlett * bartlett.T * lower1.T
    inverse1 = lower1.inv().T * lower1.inv()
    inverse2 = lower2.inv().T * lower2.inv()
    # the degrees of freedom n = m + p - 1 with m > 0: the condition n > p - 1
    shifted = {
        n: Symbol(f"m_{n.name}", positive=True) + size - 1
        for n in (n1, n2)
        if isinstance(n, Symbol)
    }
    bindings: dict[Expr, Expr] = {
        DIMENSION: S(size),
        p: S(size),
        MatDet(x): det_x,
        MatDet(v2): det2,
        MatDet(v1): det1,
        v2.I: ImmutableMatrix(inverse2),
        v1.I: ImmutableMatrix(inverse1),
        x: ImmutableMatrix(explicit_x),
        v2: ImmutableMatrix(lower2 * lower2.T),
        v1: ImmutableMatrix(lower1 * lower1.T),
        **shifted,
    }
    _check_bindings(bindings, x, v1, v2, explicit_x, lower1, lower2, size)
    law1 = n1.xreplace(shifted)
    dofs = [law1 - i for i in range(size)]  # a_ii^2 ~ chi^2_{n - i + 1}

    def value(n: Expr, v: Expr) -> Expr:
        shown = evaluate(family.density(x, (n, v))).xreplace(bindings)
        return expand_big_operators(shown)

    densities = {
        "q": DensityFacts(
            qx,
            variables,
            (S.Zero, S.Infinity),
            value(n1, v1),
            _moments(variables, dofs, size),
            expectations={
                log(bartlett[i, i]): (polygamma(0, dofs[i] / 2) + log(2)) / 2 for i in range(size)
            },
        ),
        "p": DensityFacts(px, variables, (S.Zero, S.Infinity), value(n2, v2)),
    }
    # c_i = a_ii^2, Bartlett's chi-square variables (a definition: in a symbolic
    # dimension they appear only once the product over i is written out)
    definitions = {C[i]: bartlett[i - 1, i - 1] ** 2 for i in range(1, size + 1)}
    return Context(densities, definitions=definitions, bindings=bindings)


def _check_bindings(bindings, x, v1, v2, explicit_x, lower1, lower2, size) -> None:
    """The facts handed to the verifier are themselves identities: the determinants of
    the generic matrices and of Bartlett's X, and the inverses."""
    eye = Matrix.eye(size)
    for matrix, det in (
        (lower1 * lower1.T, bindings[MatDet(v1)]),
        (explicit_x, bindings[MatDet(x)]),
    ):
        if expand(matrix.det() - det) != 0:  # pragma: no cover - an internal error
            raise AssertionError("a determinant handed to the verifier is wrong")
    for lower, inverse in ((lower1, bindings[v1.I]), (lower2, bindings[v2.I])):
        if (Matrix(inverse) * lower * lower.T).applyfunc(cancel) != eye:  # pragma: no cover
            raise AssertionError("an inverse handed to the verifier is wrong")


def _moments(variables: tuple[Symbol, ...], dofs: list[Expr], size: int) -> dict:
    """Moments up to order two of Bartlett's entries, keyed by exponents: independent,
    ``a_ii^2 ~ chi^2_{k_i}`` (so ``a_ii`` is chi with ``k_i`` degrees of freedom) and
    ``a_ij ~ N(0, 1)`` below the diagonal."""

    def single(k: int, position: int) -> Expr:
        name = variables[position].name
        i, j = int(name[1]), int(name[2])
        if k == 0:
            return S.One
        if i == j:
            dof = dofs[i - 1]
            return sqrt(2) * gamma((dof + 1) / 2) / gamma(dof / 2) if k == 1 else dof
        return S.Zero if k == 1 else S.One

    count = len(variables)
    moments: dict[tuple[int, ...], Expr] = {}
    for first in range(-1, count):
        for second in range(first, count):
            exponents = [0] * count
            for position in (first, second):
                if position >= 0:
                    exponents[position] += 1
            key = tuple(exponents)
            moments[key] = Mul(*[single(k, pos) for pos, k in enumerate(exponents)])
    return moments
