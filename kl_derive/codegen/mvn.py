"""KL between multivariate normals with full covariances: :func:`generate_mvn`.

The source of truth is a SymPy matrix expression (:func:`mvn_kl_expression`)::

    KL(N(m1, S1) || N(m2, S2)) = 1/2 [tr(S2^{-1} S1) + (m2 - m1)^T S2^{-1} (m2 - m1)
                                      - d + log det S2 - log det S1]

built from ``MatrixSymbol``, ``Trace``, ``Inverse`` and ``Determinant``. A small printer
over that tree (a subclass of the framework's SymPy printer) writes it the way it should
be computed, from Cholesky factors ``S = L L^T`` and never an inverse:

* ``Trace(Inverse(A)*B)`` with ``B = L_B L_B^T``: ``||L_A^{-1} L_B||_F^2``, one triangular
  solve and a sum of squares;
* the quadratic form ``v^T A^{-1} v``: ``||L_A^{-1} v||^2``, a triangular solve;
* ``log(Determinant(A))``: ``2 * sum(log(diag(L_A)))``;
* ``d``: the length of the mean's last axis.

Everything is batched over leading axes (NumPy through SciPy's batched
``solve_triangular``, SciPy 1.15 or later; torch through ``torch.linalg``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sympy import (
    Add,
    Determinant,
    Expr,
    Inverse,
    MatAdd,
    MatMul,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    S,
    Symbol,
    Trace,
    Transpose,
    expand_log,
    log,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import KLDeriveError
from .frameworks import Framework, get_framework
from .source import check_identifier, module_source

__all__ = ["MVN_FRAMEWORKS", "MvnKL", "generate_mvn", "mvn_kl_expression"]


@dataclass(frozen=True)
class MvnKL:
    """The matrix expression of the multivariate normal KL and its symbols."""

    expr: Expr
    #: the bracket's terms in the order the formula is written
    terms: tuple[Expr, ...]
    m1: MatrixSymbol
    S1: MatrixSymbol
    m2: MatrixSymbol
    S2: MatrixSymbol
    d: Symbol


def mvn_kl_expression() -> MvnKL:
    """``KL(N(m1, S1) || N(m2, S2))`` as a SymPy expression in matrix symbols of size ``d``.

    It is the result of kl-derive's own derivation (every step verified), with its
    trace, quadratic form and determinants written as SymPy's matrix expressions, which
    the Cholesky printer below turns into code.
    """
    from ..api import derive
    from ..symbolic.matrices import MatDet, MatTrace, QuadForm

    result = derive("multivariate_normal(m1, S1)", "multivariate_normal(m2, S2)").result
    symbols = {s.name: s for s in result.atoms(MatrixSymbol)}
    m1, m2, S1, S2 = (symbols[name] for name in ("m1", "m2", "S1", "S2"))
    d = next(s for s in result.free_symbols if getattr(s, "name", "") == "d")

    def matrix_form(e: Expr) -> Expr:
        if isinstance(e, MatTrace):
            return Trace(e.args[0] * e.args[1])
        if isinstance(e, QuadForm):
            a, b, m = e.args
            diff = a - b
            return MatrixElement(diff.T * m * diff, 0, 0)
        if isinstance(e, MatDet):
            return Determinant(e.args[0])
        return e

    bracket = expand_log((2 * result).expand(), force=True)
    converted = bracket.replace(lambda e: isinstance(e, (MatTrace, QuadForm, MatDet)), matrix_form)
    order = (Trace, MatrixElement, Symbol)
    terms = tuple(
        sorted(
            Add.make_args(converted),
            key=lambda t: (
                next(
                    (i for i, kind in enumerate(order) if t.atoms(kind) or isinstance(t, kind)),
                    len(order),
                )
                if not (t.could_extract_minus_sign() and t.has(Determinant))
                else len(order) + 1
            ),
        )
    )
    return MvnKL(Add(*terms) / 2, terms, m1, S1, m2, S2, d)


@dataclass(frozen=True)
class _Linalg:
    """One framework's spelling of the few linear-algebra calls the printer needs."""

    framework: str
    imports: tuple[str, ...]
    cholesky: str
    solve_lower: str  # {L}, {B}: L^{-1} B for a matrix B
    solve_lower_vector: str  # {L}, {v}: L^{-1} v for a vector v (last axis)
    diagonal: str
    sum_last_two: str

    def sum_last(self, x: str) -> str:
        """Code summing ``x`` over its last axis: the framework's own reduction."""
        return get_framework(self.framework).reduce_call("sum", x)


_LINALG: dict[str, _Linalg] = {
    "numpy": _Linalg(
        framework="numpy",
        imports=("import numpy as np", "from scipy.linalg import solve_triangular"),
        cholesky="np.linalg.cholesky({A})",
        solve_lower="solve_triangular({L}, {B}, lower=True)",
        solve_lower_vector="solve_triangular({L}, {v}[..., None], lower=True)[..., 0]",
        diagonal="np.diagonal({L}, axis1=-2, axis2=-1)",
        sum_last_two="np.sum({x}, axis=(-2, -1))",
    ),
    "torch": _Linalg(
        framework="torch",
        imports=("import torch",),
        cholesky="torch.linalg.cholesky({A})",
        solve_lower="torch.linalg.solve_triangular({L}, {B}, upper=False)",
        solve_lower_vector=(
            "torch.linalg.solve_triangular({L}, {v}.unsqueeze(-1), upper=False).squeeze(-1)"
        ),
        diagonal="torch.diagonal({L}, dim1=-2, dim2=-1)",
        sum_last_two="torch.sum({x}, dim=(-2, -1))",
    ),
}

#: Frameworks :func:`generate_mvn` writes for.
MVN_FRAMEWORKS = tuple(_LINALG)


class _CholeskyPrinter:
    """Mixin over a framework printer: matrix nodes become Cholesky-based helper lines.

    Printing the scalar KL returns its last line; the helper lines the nodes needed are
    collected in :attr:`factor_lines` (the Cholesky factors) and :attr:`lines`.
    """

    linalg: _Linalg

    def __init__(self, settings: dict[str, Any], dims: dict[Symbol, MatrixSymbol]) -> None:
        super().__init__(settings)  # type: ignore[call-arg]
        self.dims = dims
        self.factor_lines: list[str] = []
        self.lines: list[str] = []
        self._done: dict[Any, str] = {}

    # -- helpers -------------------------------------------------------------------
    def _emit(self, key: Any, name: str, code: str, *, factor: bool = False, note: str = "") -> str:
        if key not in self._done:
            line = f"{name} = {code}" + (f"  # {note}" if note else "")
            (self.factor_lines if factor else self.lines).append(line)
            self._done[key] = name
        return self._done[key]

    def _factor(self, matrix: MatrixExpr) -> str:
        """The name of ``matrix``'s lower Cholesky factor (``S1`` -> ``L1``)."""
        if not isinstance(matrix, MatrixSymbol):
            raise KLDeriveError(f"no Cholesky factor for {matrix}: only named covariances")
        name = matrix.name
        factor = "L" + name[1:] if name.startswith("S") and len(name) > 1 else "L_" + name
        return self._emit(
            ("chol", matrix), factor, self.linalg.cholesky.format(A=name), factor=True
        )

    def _vector(self, vector: MatrixExpr) -> str:
        """Code for a column vector expression such as ``m2 - m1`` (arrays of shape (..., d))."""
        scalar = _as_array_expr(vector)
        if isinstance(scalar, Symbol):
            return scalar.name
        return self._emit(("vec", vector), "diff", self._print(scalar))  # type: ignore[attr-defined]

    # -- matrix nodes ----------------------------------------------------------------
    def _print_Trace(self, expr: Trace) -> str:
        arg = expr.arg
        if isinstance(arg, MatMul) and len(arg.args) == 2 and isinstance(arg.args[0], Inverse):
            inverse, right = arg.args
            lower = self._factor(inverse.arg)
            solved = self._emit(
                ("solve", arg),
                "A",
                self.linalg.solve_lower.format(L=lower, B=self._factor(right)),
                note=f"{lower}^-1 {self._factor(right)}",
            )
            return self._emit(
                ("trace", arg),
                "trace_term",
                self.linalg.sum_last_two.format(x=f"{solved}**2"),
                note=f"tr({inverse.arg}^-1 {right}) = ||{solved}||_F^2",
            )
        raise KLDeriveError(f"cannot print the trace of {arg} with Cholesky factors")

    def _print_MatrixElement(self, expr: MatrixElement) -> str:
        parent = expr.parent
        if (
            isinstance(parent, MatMul)
            and len(parent.args) == 3
            and isinstance(parent.args[1], Inverse)
            and Transpose(parent.args[2]).doit() == parent.args[0].doit()
        ):
            _, inverse, vector = parent.args
            lower, v = self._factor(inverse.arg), self._vector(vector)
            solved = self._emit(
                ("solve", parent),
                "z",
                self.linalg.solve_lower_vector.format(L=lower, v=v),
            )
            return self._emit(
                ("quad", parent),
                "mahalanobis",
                self.linalg.sum_last(f"{solved}**2"),
                note=f"{v}^T {inverse.arg}^-1 {v} = ||{solved}||^2",
            )
        raise KLDeriveError(f"cannot print {expr} with Cholesky factors")

    def _print_log(self, expr: Expr) -> str:
        (arg,) = expr.args
        if isinstance(arg, Determinant):
            matrix = arg.arg
            factor = self._factor(matrix)
            diagonal = self.linalg.diagonal.format(L=factor)
            code = "2*" + self.linalg.sum_last(self._log_call(diagonal))
            return self._emit(("logdet", matrix), f"logdet_{matrix.name}", code)
        parent = getattr(super(), "_print_log", None)
        return parent(expr) if parent is not None else self._print_Function(expr)  # type: ignore[attr-defined]

    def _log_call(self, argument: str) -> str:
        placeholder = Symbol("__arg__")
        parent = getattr(super(), "_print_log", None)
        text = parent(log(placeholder)) if parent else self._print_Function(log(placeholder))  # type: ignore[attr-defined]
        return text.replace("__arg__", argument)

    def _print_Symbol(self, expr: Symbol) -> str:
        if expr in self.dims:
            return self._emit(("dim", expr), expr.name, f"{self.dims[expr].name}.shape[-1]")
        return super()._print_Symbol(expr)  # type: ignore[misc]

    def _print_Determinant(self, expr: Determinant) -> str:
        raise KLDeriveError("only log-determinants are printed (through Cholesky factors)")

    def _print_Inverse(self, expr: Inverse) -> str:
        raise KLDeriveError("an inverse is never printed; it must sit in a trace or quadratic form")


def _as_array_expr(vector: MatrixExpr) -> Expr:
    """A linear combination of column-vector symbols as a scalar expression of arrays."""
    if isinstance(vector, MatrixSymbol):
        return Symbol(vector.name, real=True)
    if isinstance(vector, MatAdd):
        return Add(*(_as_array_expr(term) for term in vector.args))
    if isinstance(vector, MatMul):
        coeff, rest = vector.as_coeff_mmul()
        matrices = rest.args if isinstance(rest, MatMul) else (rest,)
        if len(matrices) == 1:
            return coeff * _as_array_expr(matrices[0])
    raise KLDeriveError(f"cannot print the vector {vector}")


def _printer(fw: Framework, dims: dict[Symbol, MatrixSymbol]) -> _CholeskyPrinter:
    cls = type(
        f"Cholesky{fw.printer_class.__name__}",
        (_CholeskyPrinter, fw.printer_class),
        {"linalg": _LINALG[fw.name]},
    )
    printer: _CholeskyPrinter = cls({"strict": True, "order": "none"}, dims)
    return printer


def generate_mvn(
    framework: str = "numpy", *, name: str = "mvn_kl_divergence", doc: str = ""
) -> str:
    """Python source of ``KL(N(m1, S1) || N(m2, S2))`` for full covariance matrices.

    ``framework`` is ``"numpy"`` (NumPy and SciPy) or ``"torch"``. The function takes
    ``m1, S1, m2, S2`` with means of shape ``(..., d)`` and covariances of shape
    ``(..., d, d)`` (leading axes broadcast) and returns the KL of shape ``(...,)``.
    It is printed from :func:`mvn_kl_expression` by a Cholesky-based printer.
    """
    fw = get_framework(framework)
    if fw.name not in _LINALG:
        raise KLDeriveError(
            f"the multivariate normal KL is generated for {' and '.join(MVN_FRAMEWORKS)} "
            f"only, not {framework}"
        )
    check_identifier(name, "function name")
    kl = mvn_kl_expression()
    printer = _printer(fw, {kl.d: kl.m1})
    # the 1/2 in front and the terms in the formula's order
    if Add(*kl.terms) / 2 != kl.expr:  # pragma: no cover - the two are built together
        raise AssertionError("MvnKL.terms do not add up to MvnKL.expr")
    halved = Mul(S.Half, Add(*kl.terms, evaluate=False), evaluate=False)
    final = printer.doprint(halved)  # type: ignore[attr-defined]
    body = [*sorted(printer.factor_lines), *printer.lines, f"return {final}"]
    array = fw.array
    summary = doc.strip() or "KL(N(m1, S1) || N(m2, S2)) between multivariate normals."
    docstring = "\n".join(
        [
            summary,
            "",
            "    KL = 1/2 [tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - d",
            "              + log det S2 - log det S1]",
            "",
            "Computed from the Cholesky factors S = L L^T, without inverses: the trace is",
            "||L2^-1 L1||_F^2, the quadratic form ||L2^-1 (m2 - m1)||^2 (triangular solves),",
            "and log det S = 2 sum(log(diag(L))). Printed from the SymPy matrix expression",
            "by kl-derive. Leading axes are batch axes and broadcast.",
            "",
            "Args:",
            f"    m1: {array} of shape (..., d), the mean of P.",
            f"    S1: {array} of shape (..., d, d), the covariance of P (positive definite).",
            f"    m2: {array} of shape (..., d), the mean of Q.",
            f"    S2: {array} of shape (..., d, d), the covariance of Q (positive definite).",
            "",
            "Returns:",
            f"    {array} of shape (...,): the KL of each batch entry.",
        ]
    )
    imports = list(_LINALG[fw.name].imports)
    return module_source(imports, name, ["m1", "S1", "m2", "S2"], docstring, body)
