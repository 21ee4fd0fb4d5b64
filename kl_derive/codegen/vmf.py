r"""Code for the divergences of von Mises-Fisher laws: :func:`vmf_code`.

The function takes the mean directions as arrays whose last axis holds the :math:`p`
coordinates (unit vectors) and the concentrations as arrays of the batch shape, and
returns one divergence per row. The inner products are sums over the last axis;
:math:`\log C_p(\kappa)` and :math:`A_p(\kappa)` are written with the exponentially scaled
Bessel function :math:`\mathrm{ive}_\nu(\kappa) = e^{-\kappa} I_\nu(\kappa)`, so nothing
overflows for a large concentration:

.. math::

    \log C_p(\kappa) = (p/2 - 1)\log\kappa - (p/2)\log 2\pi - \log \mathrm{ive}_{p/2-1}(\kappa)
    - \kappa, \qquad A_p(\kappa) = \frac{\mathrm{ive}_{p/2}(\kappa)}{\mathrm{ive}_{p/2-1}(\kappa)}.

Orders 0 and 1 (:math:`p = 2`) every framework has (``i0e``, ``i1e``); at :math:`p = 3`
the functions are elementary, :math:`\log C_3(\kappa) = \log\kappa - \log 4\pi - \kappa -
\log\bigl((1 - e^{-2\kappa})/2\bigr)` and :math:`A_3(\kappa) = 1/\tanh\kappa - 1/\kappa`;
other orders only SciPy has (``scipy.special.ive``), and the other frameworks refuse them
in one line. The value is checked against the derived result at random points before the
code is printed.
"""

from __future__ import annotations

from sympy import (
    Expr,
    Float,
    MatrixSymbol,
    S,
    Symbol,
    Tuple,
    exp,
    log,
    loggamma,
    pi,
    tanh,
)
from sympy.codegen.cfunctions import log1p
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from ..errors import KLDeriveError
from ..symbolic.display import evaluate
from ..symbolic.sphere import Inner, MeanResultant, SphereArea, VMFNormalizer, written_out
from .frameworks import get_framework
from .rewrite import ScaledBesselI
from .source import check_identifier, module_source

__all__ = ["vmf_code"]


#: a sum over the last axis, per framework
def vmf_code(derivation, framework: str = "numpy", name: str | None = None) -> str:
    """Python source of a function computing the derived divergence of ``derivation``
    (a von Mises-Fisher law against another or against the uniform law)."""
    fw = get_framework(framework)
    name = name or "kl_divergence"
    check_identifier(name, "function name")
    closed = _closed_form(derivation)
    order = _order(derivation)
    p = Symbol("p", integer=True, positive=True)

    vectors: list[str] = []
    scalars: list[Symbol] = []
    for law in (derivation.p, derivation.q):
        for arg in law.args:
            if isinstance(arg, MatrixSymbol) and str(arg.name) not in vectors:
                vectors.append(str(arg.name))
            elif isinstance(arg, Symbol) and arg not in scalars and arg != p:
                scalars.append(arg)
    body: list[str] = []
    dots: dict[Expr, Expr] = {}
    for inner in sorted(closed.atoms(Inner), key=str):
        symbol = Symbol(f"cos_{len(dots) + 1}", real=True)
        dots[inner] = symbol
        body.append(f"{symbol} = {_inner_code(inner, fw.name)}")
    if not order.is_Integer:
        body.insert(0, f"p = {vectors[0]}.shape[-1]")
    expression = _stable(closed.xreplace(dots), order if order.is_Integer else p)
    constant, rest = expression.as_independent(*expression.free_symbols, as_Add=True)
    if constant != 0:  # log 2 + log pi - log 2 pi as one number (here 0)
        number = constant.evalf(30)
        expression = rest if abs(number) < 1e-25 else rest + Float(number, 17)
    _check(closed, expression, dots, order)
    printer = fw.printer()
    try:
        body.append(f"kl = {printer.doprint(expression)}")
    except PrintMethodNotImplementedError as error:
        function = str(error).splitlines()[0].rsplit(": ", 1)[-1]
        raise KLDeriveError(
            f"{fw.title} code cannot express {function} (in this KL; SciPy has it: "
            f"--framework numpy, or p = 2 or 3)"
        ) from None
    body.append("return kl")
    imports = [*fw.imports, *fw.missing_imports(printer)]
    params = [*vectors, *(s.name for s in scalars)]
    for param in params:
        check_identifier(param, "parameter name")
    docstring = (
        f"KL(P || Q) for P = {derivation.p.spec} and Q = {derivation.q.spec}, derived by "
        "kl-derive.\n\n"
        f"{', '.join(vectors) or 'The mean directions'}: unit vectors, the last axis holding "
        "their p coordinates;\n"
        + (
            f"{', '.join(s.name for s in scalars)}: concentrations (> 0), of the batch shape.\n"
            if scalars
            else ""
        )
        + "Returns the divergence of each row."
    )
    return module_source(imports, name, params, docstring, body)


def _closed_form(derivation) -> Expr:
    """The derived result before its functions were written out (the step before
    ``vmf.written_out``/``vmf.elementary``), in SymPy's evaluation."""
    steps = derivation.steps
    last = steps[-1]
    if last.rule in ("vmf.written_out", "vmf.elementary"):
        return evaluate(last.before)
    return evaluate(derivation.result)


def _order(derivation) -> Expr:
    mu = derivation.p.args[0]
    return S(len(mu)) if isinstance(mu, Tuple) else mu.shape[0]


def _inner_code(inner: Inner, framework: str) -> str:
    a, b = inner.args
    if isinstance(b, Tuple):
        a, b = b, a
    if isinstance(a, Tuple):  # a list of numbers against a name: its coordinates
        terms = [
            (f"{b.name}[..., {i}]" if c == 1 else f"{float(c)!r}*{b.name}[..., {i}]")
            for i, c in enumerate(a)
            if c != 0
        ]
        return " + ".join(terms) or "0.0"
    return get_framework(framework).reduce_call("sum", f"{a.name} * {b.name}")


def _stable(expr: Expr, order: Expr) -> Expr:
    """``log C_p``, ``C_p``, ``A_p``, ``|S^{p-1}|`` in forms that do not overflow."""

    def log_c(kappa: Expr) -> Expr:
        if order == 3:
            return log(kappa) - log(4 * pi) - kappa - log1p(-exp(-2 * kappa)) + log(2)
        nu = order / 2 - 1
        return nu * log(kappa) - order / 2 * log(2 * pi) - log(ScaledBesselI(nu, kappa)) - kappa

    def resultant(kappa: Expr) -> Expr:
        if order == 3:
            return 1 / tanh(kappa) - 1 / kappa
        return ScaledBesselI(order / 2, kappa) / ScaledBesselI(order / 2 - 1, kappa)

    def log_area() -> Expr:
        return log(2) + order / 2 * log(pi) - loggamma(order / 2)

    expr = expr.replace(
        lambda e: isinstance(e, log) and isinstance(e.args[0], (VMFNormalizer, SphereArea)),
        lambda e: log_c(e.args[0].args[1]) if isinstance(e.args[0], VMFNormalizer) else log_area(),
    )
    return expr.replace(
        lambda e: isinstance(e, (VMFNormalizer, MeanResultant, SphereArea)),
        lambda e: (
            exp(log_c(e.args[1]))
            if isinstance(e, VMFNormalizer)
            else resultant(e.args[1])
            if isinstance(e, MeanResultant)
            else exp(log_area())
        ),
    )


def _check(closed: Expr, stable: Expr, dots: dict, order: Expr) -> None:
    """The printed form equals the derived one at a few points (30 digits)."""
    import random

    rng = random.Random(7)
    p = Symbol("p", integer=True, positive=True)
    for n in (order,) if order.is_Integer else (2, 3, 5):
        for _ in range(3):
            values = {
                s: S(rng.randint(1, 80)) / 10
                for s in closed.xreplace(dots).free_symbols
                if s != p and isinstance(s, Symbol) and s not in dots.values()
            }
            cosines = {v: S(rng.randint(-99, 99)) / 100 for v in dots.values()}
            want = written_out(closed.xreplace(dots).xreplace({p: n})).xreplace(
                {**values, **cosines}
            )
            got = stable.xreplace({p: n}).xreplace({**values, **cosines})
            a, b = want.evalf(30), got.evalf(30)
            if abs(a - b) > 1e-15 * max(1, abs(a)):
                raise KLDeriveError(
                    f"internal: the printed form differs from the result ({a} != {b})"
                )
