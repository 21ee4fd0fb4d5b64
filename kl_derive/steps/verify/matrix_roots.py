r"""Steps between explicit matrices and their square roots (``matrix_root.*``).

Both sides are evaluated at 60 digits, independently of how the draft computed them:
every matrix symbol by the context's bindings, every :math:`A^{1/2}` by mpmath's
``sqrtm`` (the principal root of a symmetric positive-definite matrix), products, sums,
traces and quadratic forms entry by entry. They must agree to 40 digits. A step that
states a root, ``A^{1/2} = S`` (``matrix_root.square_root``), must also hold exactly:
``S`` symmetric, ``S^2 - A`` zero in SymPy's arithmetic, and ``S`` positive
semidefinite (its eigenvalues at 60 digits non-negative), the principal root and not
another one (``-S``, or a root with a negative eigenvalue)."""

from __future__ import annotations

import mpmath
from sympy import (
    Add,
    Expr,
    Identity,
    MatAdd,
    MatMul,
    MatPow,
    MatrixBase,
    MatrixSymbol,
    Mul,
    Pow,
    Rational,
    Symbol,
    Transpose,
    ZeroMatrix,
)

from ...errors import VerificationError
from ...symbolic.matrices import MatTrace, QuadForm
from ...symbolic.objects import Bracket
from ..context import Context
from ..step import Step

__all__ = ["verify_matrix_step"]

_DIGITS = 60
_TOLERANCE = mpmath.mpf(10) ** -40


def verify_matrix_step(step: Step, context: Context) -> str:
    """``"digits"`` for a true step; raise :class:`VerificationError` for a false one.
    A context with ``draws`` (the same step at other values of the matrices, possibly of
    another size: a symbolic dimension bound to a number) is checked at each of them."""
    for drawn in context.draws:
        _verify_matrix_step(step, drawn)
    return _verify_matrix_step(step, context)


def _verify_matrix_step(step: Step, context: Context) -> str:
    with mpmath.workdps(_DIGITS):
        try:
            before = _value(_unfolded(step.before, context), context)
            after = _value(_unfolded(step.after, context), context)
        except (ValueError, ZeroDivisionError, KeyError, TypeError) as error:
            raise VerificationError(step.rule, f"{step.before} = {step.after}: {error}") from None
        if not _close(before, after):
            raise VerificationError(step.rule, f"{step.before} = {step.after} does not hold")
        if step.rule == "matrix_root.square_root":
            _principal_root(step, context)
    return "digits"


def _unfolded(e: Expr, context: Context) -> Expr:
    for _ in range(4):
        done = e.xreplace(dict(context.definitions))
        if done == e:
            break
        e = done
    return e


def _principal_root(step: Step, context: Context) -> None:
    """``A^{1/2} = S`` with ``S`` written out: symmetric, ``S^2 = A`` exactly, PSD."""
    root, matrix = step.after, step.before
    if not (isinstance(matrix, MatPow) and matrix.args[1] == Rational(1, 2)):
        raise VerificationError(step.rule, f"{matrix} is not a square root")
    if isinstance(root, MatMul) and not root.atoms(MatrixSymbol):  # c A, written out
        root = root.as_explicit()
    if not isinstance(root, MatrixBase):
        raise VerificationError(step.rule, f"{root} is not a matrix written out")
    base = _explicit(matrix.args[0], context)
    if (root - root.T).applyfunc(lambda x: x.expand()).is_zero_matrix is not True:
        raise VerificationError(step.rule, f"{root} is not symmetric")
    square = (root * root - base).applyfunc(lambda x: x.expand().radsimp() if x else x)
    if any(x.equals(0) is not True for x in square):
        raise VerificationError(step.rule, f"the square of {root} is not {base}")
    with mpmath.workdps(_DIGITS):
        values = _matrix(root)
        eigenvalues = mpmath.eigsy(values, eigvals_only=True)
        if any(v < -_TOLERANCE for v in eigenvalues):
            raise VerificationError(step.rule, f"{root} is not positive semidefinite")


def _explicit(e: Expr, context: Context) -> MatrixBase:
    """A matrix expression of bound symbols and explicit matrices, written out exactly."""
    return e.xreplace(dict(context.bindings)).doit()


def _matrix(m: MatrixBase) -> mpmath.matrix:
    rows, cols = m.shape
    out = mpmath.matrix(rows, cols)
    for i in range(rows):
        for j in range(cols):
            value = m[i, j].evalf(_DIGITS)
            if not value.is_real:
                raise ValueError(f"entry {m[i, j]} is not a real number")
            out[i, j] = mpmath.mpf(str(value))
    return out


def _value(e: Expr, context: Context):
    """``e`` as an mpmath number or matrix."""
    if isinstance(e, Bracket):  # parentheses kept for display
        return _value(e.args[0], context)
    if isinstance(e, MatrixSymbol):
        return _value(context.bindings[e], context)
    if isinstance(e, MatrixBase):
        return _matrix(e)
    if isinstance(e, Identity):  # of a symbolic size: its size bound
        return mpmath.eye(int(e.shape[0].xreplace(dict(context.bindings))))
    if isinstance(e, ZeroMatrix):
        rows, cols = (int(x.xreplace(dict(context.bindings))) for x in e.shape)
        return mpmath.zeros(rows, cols)
    if isinstance(e, Symbol) and e in context.bindings:  # a symbolic dimension
        return _value(context.bindings[e], context)
    if isinstance(e, MatPow):
        base, power = e.args
        value = _value(base, context)
        if power == Rational(1, 2):
            if mpmath.mnorm(value - value.T, 1) > _TOLERANCE * (1 + mpmath.mnorm(value, 1)):
                raise ValueError(f"{base} is not symmetric")
            if min(mpmath.eigsy(value, eigvals_only=True)) <= 0:
                raise ValueError(f"{base} is not positive definite")
            return mpmath.sqrtm(value)
        if power == -1:
            return mpmath.inverse(value)
        if power.is_Integer and power > 0:
            return value ** int(power)
        raise ValueError(f"no numeric value for the power {power}")
    if isinstance(e, Transpose):
        return _value(e.args[0], context).T
    if isinstance(e, (MatMul, Mul)):
        out = None
        for factor in e.args:
            value = _value(factor, context)
            out = value if out is None else out * value
        return out
    if isinstance(e, (MatAdd, Add)):
        out = None
        for term in e.args:
            value = _value(term, context)
            out = value if out is None else out + value
        return out
    if isinstance(e, MatTrace):
        product = _value(e.args[0], context) * _value(e.args[1], context)
        return mpmath.fsum(product[i, i] for i in range(product.rows))
    if isinstance(e, QuadForm):
        a, b, m = (_value(x, context) for x in e.args)
        v = a - b
        return (v.T * m * v)[0, 0]
    if isinstance(e, Pow) and not e.free_symbols:
        return _value(e.args[0], context) ** _value(e.args[1], context)
    if e.is_number:
        value = e.evalf(_DIGITS)
        if not value.is_real:
            raise ValueError(f"{e} is not a real number")
        return mpmath.mpf(str(value))
    raise ValueError(f"no numeric value for {e}")


def _close(a, b) -> bool:
    if isinstance(a, mpmath.matrix) != isinstance(b, mpmath.matrix):
        return False
    if isinstance(a, mpmath.matrix):
        if (a.rows, a.cols) != (b.rows, b.cols):
            return False
        size = max(mpmath.mnorm(a, 1), mpmath.mnorm(b, 1), 1)
        return mpmath.mnorm(a - b, 1) <= _TOLERANCE * size
    return abs(a - b) <= _TOLERANCE * max(1, abs(a), abs(b))
