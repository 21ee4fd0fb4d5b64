r"""Scalar functions of the laws on the unit sphere :math:`S^{p-1} \subset \mathbb{R}^p`.

* ``Inner(a, b)``: the inner product :math:`\boldsymbol{a}^{T}\boldsymbol{b}` of two unit
  vectors (names, or lists of numbers, which it multiplies out); ``Inner(a, a) = 1``.
* ``VMFNormalizer(p, kappa)``: :math:`C_p(\kappa) = \kappa^{p/2-1} / ((2\pi)^{p/2}
  I_{p/2-1}(\kappa))`, the normalizer of the von Mises-Fisher density.
* ``MeanResultant(p, kappa)``: :math:`A_p(\kappa) = I_{p/2}(\kappa)/I_{p/2-1}(\kappa)`,
  the mean resultant length.
* ``SphereArea(p)``: :math:`\lvert S^{p-1} \rvert = 2\pi^{p/2}/\Gamma(p/2)`.

The last three stay as written (as a textbook names them) and are written out by
:func:`written_out` (the verifier and the code generator do it); at ``p = 3`` the Bessel
functions of half-integer order are elementary: :math:`C_3(\kappa) = \kappa/(4\pi\sinh
\kappa)` and :math:`A_3(\kappa) = \coth\kappa - 1/\kappa` (:func:`elementary`).
"""

from __future__ import annotations

from sympy import (
    Expr,
    Function,
    MatrixBase,
    S,
    Tuple,
    besseli,
    coth,
    gamma,
    pi,
    sinh,
)

__all__ = [
    "Inner",
    "MeanResultant",
    "SphereArea",
    "VMFNormalizer",
    "as_sympy",
    "elementary",
    "written_out",
]


class Inner(Function):
    """``Inner(a, b)``: the inner product of the unit vectors ``a`` and ``b``."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        if isinstance(a, Tuple) and isinstance(b, Tuple):
            return sum((x * y for x, y in zip(a, b, strict=True)), S.Zero)
        if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):  # written out
            return (a.T * b)[0, 0]
        if a == b:
            return S.One  # unit vectors
        return None

    def _eval_is_real(self):
        return True


class _OfDimension(Function):
    """A positive function of the dimension ``p`` (its first argument), kept as written
    until ``p`` is a number."""

    def _eval_evalf(self, prec):
        return written_out(self)._eval_evalf(prec)

    def doit(self, **hints):
        """Written out once ``p`` is a number (as in an instance)."""
        return written_out(self) if self.args[0].is_Integer else self

    def _eval_is_positive(self):
        return True

    def _eval_is_real(self):
        return True


class VMFNormalizer(_OfDimension):
    r""":math:`C_p(\kappa)`."""

    nargs = 2


class MeanResultant(_OfDimension):
    r""":math:`A_p(\kappa)`."""

    nargs = 2


class SphereArea(_OfDimension):
    r""":math:`\lvert S^{p-1}\rvert`."""

    nargs = 1


def as_sympy(expr: Expr) -> Expr:
    """``expr`` in SymPy's own classes, for a reader without kl-derive: the functions
    written out with ``besseli`` and ``gamma``, an inner product as the trace of
    :math:`a^T b`."""
    from sympy import MatrixExpr, Trace

    def inner(e: Inner) -> Expr:
        a, b = e.args
        if isinstance(a, MatrixExpr) and isinstance(b, MatrixExpr):
            return Trace(a.T * b)
        return e

    return written_out(expr.replace(lambda e: isinstance(e, Inner), inner))


def written_out(expr: Expr) -> Expr:
    """``expr`` with :math:`C_p`, :math:`A_p` and :math:`|S^{p-1}|` written with Bessel and
    gamma functions (elementary at ``p = 3``)."""

    def out(e: Expr) -> Expr:
        if isinstance(e, VMFNormalizer):
            p, kappa = e.args
            if p == 3:
                return kappa / (4 * pi * sinh(kappa))
            return kappa ** (p / 2 - 1) / ((2 * pi) ** (p / 2) * besseli(p / 2 - 1, kappa))
        if isinstance(e, MeanResultant):
            p, kappa = e.args
            if p == 3:
                return coth(kappa) - 1 / kappa
            return besseli(p / 2, kappa) / besseli(p / 2 - 1, kappa)
        (p,) = e.args
        if p == 3:
            return 4 * pi
        return 2 * pi ** (p / 2) / gamma(p / 2)

    return expr.replace(lambda e: isinstance(e, (VMFNormalizer, MeanResultant, SphereArea)), out)


def elementary(expr: Expr) -> Expr:
    """The functions at ``p = 3`` written out, in display form: :math:`\\kappa/(4\\pi\\sinh
    \\kappa)`, :math:`\\coth\\kappa - 1/\\kappa`, :math:`4\\pi`."""
    from .display import add, div, mul, neg

    def out(e: Expr) -> Expr:
        if isinstance(e, VMFNormalizer):
            return div(e.args[1], mul(4, pi, sinh(e.args[1])))
        if isinstance(e, MeanResultant):
            return add(coth(e.args[1]), neg(div(1, e.args[1])))
        return mul(4, pi)

    from .display import substitute

    found = [e for e in expr.atoms(VMFNormalizer, MeanResultant, SphereArea) if e.args[0] == 3]
    return substitute(expr, {e: out(e) for e in found})
