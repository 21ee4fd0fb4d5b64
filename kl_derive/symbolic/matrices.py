r"""Scalar functions of matrix arguments, kept unevaluated while the matrices are symbols.

A derivation in a symbolic dimension talks about :math:`\det\Sigma`,
:math:`\operatorname{tr}(AB)` and quadratic forms :math:`(a - b)^T A (a - b)`. SymPy's own
matrix expressions simplify themselves while they are built (``Sigma.I * Sigma`` becomes
the identity), so a derivation could not show the step that does it. These functions
stay as written until their arguments are explicit matrices (as in the verifier's
instances ``d = 2, 3``); then they evaluate to ordinary expressions.
"""

from __future__ import annotations

from functools import lru_cache

from sympy import (
    Dummy,
    Expr,
    Function,
    Identity,
    MatrixBase,
    MatrixExpr,
    MatrixSymbol,
    S,
    ZeroMatrix,
)

__all__ = [
    "MatDet",
    "MatTrace",
    "MultiDigamma",
    "MultiGamma",
    "QuadForm",
    "as_sympy",
    "explicit",
]


def explicit(m: Expr) -> MatrixBase | None:
    """``m`` as an explicit matrix when it contains no matrix symbol, else ``None``."""
    if isinstance(m, MatrixBase):
        return m
    if isinstance(m, MatrixExpr):
        return _written_out(m)
    return None


@lru_cache(maxsize=512)
def _written_out(m: MatrixExpr) -> MatrixBase | None:
    """A matrix expression of explicit matrices written out once (an inverse or a
    product is computed once per derivation, not at every ``QuadForm``/``MatTrace``
    built from it: the verifier builds them again for every step and instance)."""
    if not m.atoms(MatrixSymbol) and S(m.shape[0]).is_Integer:
        # doit() inverts once; as_explicit() of an inverse inverts again for every entry
        done = m.doit()
        return done if isinstance(done, MatrixBase) else done.as_explicit()
    return None


class MatDet(Function):
    """``MatDet(A)``: the determinant of ``A``."""

    nargs = 1

    @classmethod
    def eval(cls, a):
        if isinstance(a, Identity):
            return S.One
        m = explicit(a)
        return m.det() if m is not None else None

    def _eval_is_positive(self):
        return True  # of a covariance matrix, the only use here


class MatTrace(Function):
    """``MatTrace(A, B)``: the trace of the product ``A B``."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        ma, mb = explicit(a), explicit(b)
        if ma is not None and mb is not None:
            return (ma * mb).trace()
        return None


class QuadForm(Function):
    """``QuadForm(a, b, A)``: the quadratic form ``(a - b)^T A (a - b)``."""

    nargs = 3

    @classmethod
    def eval(cls, a, b, m):
        if isinstance(b, ZeroMatrix) and isinstance(a, ZeroMatrix):
            return S.Zero
        if a == b:
            return S.Zero
        ea, eb, em = explicit(a), explicit(b), explicit(m)
        if ea is not None and eb is not None and em is not None:
            v = ea - eb
            return (v.T * em * v)[0, 0]
        return None


class _OfOrder(Function):
    """A function ``f(a, p)`` of a Wishart law's order ``p``, kept as written until
    :meth:`doit` writes it out (:meth:`written_out`) once ``p`` is a positive whole
    number, as the verifier does in its instances."""

    nargs = 2

    @classmethod
    def eval(cls, a, p):
        return None

    def doit(self, **hints):
        a, p = (x.doit(**hints) if hints.get("deep", True) else x for x in self.args)
        if not (p.is_Integer and p > 0):
            return self.func(a, p)
        return self.written_out(a, int(p))

    @staticmethod
    def written_out(a, p: int):
        raise NotImplementedError

    def _eval_evalf(self, prec):
        explicit = self.doit()
        return None if isinstance(explicit, _OfOrder) else explicit._eval_evalf(prec)


class MultiGamma(_OfOrder):
    r"""``MultiGamma(a, p)``: the multivariate gamma function :math:`\Gamma_p(a) =
    \pi^{p(p-1)/4} \prod_{j=1}^{p} \Gamma(a - (j-1)/2)`, the normalizer of a Wishart law.

    It stays as written (:math:`\Gamma_{p}(a)`) until :meth:`doit` writes the product out,
    which the verifier does once ``p`` is a number.
    """

    @staticmethod
    def written_out(a, p: int):
        from sympy import Mul, Rational, gamma, pi

        return pi ** Rational(p * (p - 1), 4) * Mul(
            *[gamma(a - Rational(j - 1, 2)) for j in range(1, p + 1)]
        )

    def _eval_is_positive(self):
        return True  # for a > (p - 1)/2, the only use here


class MultiDigamma(_OfOrder):
    r"""``MultiDigamma(a, p)``: the multivariate digamma function :math:`\psi_p(a) =
    \sum_{i=1}^{p} \psi(a - (i-1)/2)`, the derivative of :math:`\log \Gamma_p(a)`.

    Kept as written until :meth:`doit` writes the sum out (once ``p`` is a number).
    """

    @staticmethod
    def written_out(a, p: int):
        from sympy import Add, Rational, polygamma

        return Add(*[polygamma(0, a - Rational(i - 1, 2)) for i in range(1, p + 1)])

    def _eval_is_real(self):
        return True


#: the product index of :math:`\Gamma_p` written out in a symbolic dimension. SymPy's
#: ``multigamma(a, p)`` writes the product with a fresh ``Dummy("k")``, whose index is
#: random per process, so the JSON's ``srepr`` of a Wishart KL differed between two runs;
#: this ``Dummy`` has a fixed index (SymPy numbers its own from 10**6 up, so it never
#: equals one of them, nor, being a ``Dummy``, any symbol of the user's named ``k``).
GAMMA_INDEX = Dummy("k", dummy_index=1)


def _multigamma(a: Expr, p: Expr) -> Expr:
    """SymPy's ``multigamma(a, p)``, its product written over :data:`GAMMA_INDEX` when
    ``p`` is a symbol (as SymPy writes it, with its own index)."""
    from sympy import Product, gamma, multigamma, pi

    if p.is_number:
        return multigamma(a, p)
    k = GAMMA_INDEX
    return (pi ** (p * (p - 1) / 4) * Product(gamma(a + (1 - k) / 2), (k, 1, p))).doit()


def as_sympy(expr: Expr) -> Expr:
    """``expr`` with these functions written in SymPy's own classes (for a reader without
    kl-derive): ``Determinant``, ``Trace`` (a quadratic form as the trace of its 1 x 1
    product), ``multigamma``, and the multivariate digamma function as a ``Sum``."""
    from sympy import Determinant, Rational, Sum, Symbol, Trace, polygamma

    from .sphere import as_sympy as sphere_as_sympy

    index = Symbol("i", integer=True, positive=True)
    expr = sphere_as_sympy(expr)
    return expr.replace(
        lambda e: isinstance(e, (MatDet, MatTrace, QuadForm, MultiGamma, MultiDigamma)),
        lambda e: {
            MatDet: lambda a: Determinant(a),
            MatTrace: lambda a, b: Trace(a * b),
            QuadForm: lambda a, b, m: Trace((a - b).T * m * (a - b)),
            MultiGamma: _multigamma,
            MultiDigamma: lambda a, p: Sum(
                polygamma(0, a - Rational(1, 2) * (index - 1)), (index, 1, p)
            ),
        }[type(e)](*e.args),
    )
