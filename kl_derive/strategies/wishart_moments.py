r"""KL between two Wishart laws, by the statistics :math:`\log\lvert X\rvert` and
:math:`\operatorname{tr}(AX)`.

The stages:

1. the two densities and the definition :math:`D = \mathbb{E}_q[\log(q/p)]`;
2. the log densities, written out;
3. the log ratio, collected by the statistics :math:`\log\det X` and
   :math:`\operatorname{tr}(V_k^{-1}X)`;
4. the expectation, term by term;
5. the traces: :math:`\mathbb{E}[\operatorname{tr}(AX)] = \operatorname{tr}(A\,\mathbb{E}[X])`
   with :math:`\mathbb{E}[X] = n_1V_1`;
6. the log-determinant by Bartlett's decomposition: :math:`\det X = \det V_1 \prod_i c_i`
   with independent :math:`c_i \sim \chi^2_{n_1-i+1}` and
   :math:`\mathbb{E}[\log\chi^2_k] = \psi(k/2) + \log 2`, summed into :math:`\psi_p`;
7. the determinants and the trace of the matrices as given (explicit matrices only);
8. the result, :math:`\frac{n_2}{2}(\log\det V_2 - \log\det V_1) + \frac{n_1}{2}
   (\operatorname{tr}(V_2^{-1}V_1) - p) + \log\Gamma_p(\frac{n_2}{2}) -
   \log\Gamma_p(\frac{n_1}{2}) + \frac{n_1-n_2}{2}\psi_p(\frac{n_1}{2})`, then with the
   matrices substituted.

How the steps are verified: the steps stated for the matrix symbols :math:`V_1, V_2, X`
are checked in an instance of the same size with generic scales :math:`V_k = L_kL_k^T`
(lower triangular, positive diagonal) and :math:`X` written through Bartlett's
decomposition, :math:`X = L_1AA^TL_1^T` with :math:`A` lower triangular: the verifier
is given the laws of the entries of :math:`A` (:math:`a_{ii}^2 \sim \chi^2_{n_1-i+1}`,
:math:`a_{ij} \sim \mathcal{N}(0, 1)` below the diagonal, all independent), that is their
moments up to order two and :math:`\mathbb{E}[\log a_{ii}]`, and derives every
expectation from them; the degrees of freedom are written :math:`n = m + p - 1` with
:math:`m > 0` (the condition :math:`n > p - 1`). The steps with the matrices as given are
checked with those matrices. Scale matrices given by name keep the dimension :math:`p`
symbolic (the product and the sum of step 6 run to :math:`p`); every step is then
verified in the instances :math:`p = 2, 3`.
"""

from __future__ import annotations

from sympy import (
    Eq,
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    MatMul,
    Matrix,
    MatrixSymbol,
    Number,
    Pow,
    Product,
    S,
    StrictGreaterThan,
    Sum,
    Symbol,
    cancel,
    expand,
    polygamma,
)

from ..errors import SpecError
from ..families.base import Distribution
from ..families.wishart import DIMENSION_P, less_p, minus
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, div, evaluate, group, ln, mul, neg
from ..symbolic.matrices import MatDet, MatTrace, MultiDigamma, MultiGamma
from ..symbolic.objects import KL, Bracket, Expect
from .draft import Draft
from .wishart_contexts import C, verification_contexts

__all__ = [
    "derive",
    "determinant_chain",
    "log_density_of",
    "log_det_by_bartlett",
    "tidy_rational",
    "trace_chain",
    "trace_value",
]


NAME = "wishart moments"


#: the label of the densities, q(X) and p(X)
LABEL = Symbol("X")


INDEX = Symbol("i", integer=True, positive=True)


#: the sizes a derivation in a symbolic dimension p is verified in
INSTANCES = (2, 3)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two Wishart laws (scales as lists, or by name)."""
    if len(first.args) != 2 or len(second.args) != 2:
        raise SpecError(
            'give both Wishart laws, e.g. kl-derive "wishart(n1, [[a, b], [b, c]])" '
            '"wishart(n2, [[1, 0], [0, 1]])"'
        )
    (n1, m1), (n2, m2) = first.args, second.args
    explicit = isinstance(m1, ImmutableMatrix)
    if explicit != isinstance(m2, ImmutableMatrix):
        raise SpecError(
            "give both Wishart scale matrices as lists of rows, or both as names (of "
            "symbolic size p)"
        )
    size = m1.shape[0] if explicit else None
    p = S(size) if explicit else DIMENSION_P
    x = MatrixSymbol("X", p, p)
    if explicit:
        v1, v2 = MatrixSymbol("V_1", p, p), MatrixSymbol("V_2", p, p)
    else:
        v1, v2 = m1, m2
    qx, px = Function("q")(LABEL), Function("p")(LABEL)
    family = first.family
    sizes = (size,) if size is not None else INSTANCES
    contexts = verification_contexts(
        family, (n1, v1), (n2, v2), x, qx, px, p, sizes, {v1: m1, v2: m2}
    )

    stages: list[Stage] = []
    # 1. the densities and the definition
    kl = KL(qx, px)
    ratio = ln(div(qx, px))
    below = p - 1 if p.is_Integer else add(p, -1)  # p - 1, in that order
    conditions = tuple(StrictGreaterThan(n, below, evaluate=False) for n in dict.fromkeys((n1, n2)))
    stages.append(
        Stage(
            "wishart_definition",
            (
                Chain((Step("wishart.density", qx, family.density(x, (n1, v1)), {"law": first}),)),
                Chain((Step("density.formula", px, family.density(x, (n2, v2)), {"law": second}),)),
                Chain((Step("kl.expectation", kl, Expect(ratio, qx)),)),
            ),
            params={
                "conditions": conditions,
                "size": p,
                "pm1": below,
                "matrices": (v1, v2),
                "X": x,
            },
        )
    )
    # 2. the log densities
    log_q, log_p = _log_density(x, n1, v1, p), _log_density(x, n2, v2, p)
    stages.append(
        Stage(
            "wishart_log_densities",
            (
                Chain((Step("log_density.expand", ln(qx), log_q, {"law": first}),)),
                Chain((Step("log_density.expand", ln(px), log_p, {"law": second}),)),
            ),
            params={"X": x},
        )
    )
    # 3. the log ratio, collected by statistic
    log_det_x, trace1, trace2 = ln(MatDet(x)), MatTrace(v1.I, x), MatTrace(v2.I, x)
    constants = _constants(n1, n2, v1, v2, p)
    collected = add(
        mul(div(minus(n1, n2), 2), log_det_x),
        mul(S(-1) / 2, trace1),
        mul(S.Half, trace2),
        *constants,
    )
    difference = add(log_q, neg(log_p), flatten=False)
    stages.append(
        Stage(
            "wishart_log_ratio",
            (
                Chain(
                    (
                        Step("log.quotient", ratio, add(ln(qx), neg(ln(px)))),
                        Step("log_density.insert", add(ln(qx), neg(ln(px))), difference),
                        Step("algebra.collect_statistics", difference, collected),
                    )
                ),
            ),
            params={"X": x, "log_det": ln(MatDet(x))},
        )
    )
    # 4. the expectation, term by term
    e_log_det, e_trace1, e_trace2 = (Expect(s, qx) for s in (log_det_x, trace1, trace2))
    linear = add(
        mul(div(minus(n1, n2), 2), e_log_det),
        mul(S(-1) / 2, e_trace1),
        mul(S.Half, e_trace2),
        *constants,
    )
    stages.append(
        Stage(
            "wishart_expectation",
            (Chain((Step("expectation.term_by_term", Expect(ratio, qx), linear),)),),
        )
    )
    # 5. the traces: E[tr(A X)] = tr(A E[X]) with E[X] = n_1 V_1
    mean = Bracket(n1 * v1)
    trace_params = {"X": x, "mean": n1 * v1}
    own = mul(n1, MatTrace(v1.I, v1))
    first_trace = Chain(
        (
            Step("expectation.trace", e_trace1, MatTrace(v1.I, mean), trace_params),
            Step("trace.scalar", MatTrace(v1.I, mean), own),
            Step("trace.identity_p", own, mul(n1, p)),
        )
    )
    cross = mul(n1, MatTrace(v2.I, v1))
    second_trace = Chain(
        (
            Step("expectation.trace", e_trace2, MatTrace(v2.I, mean), trace_params),
            Step("trace.scalar", MatTrace(v2.I, mean), cross),
        )
    )
    stages.append(
        Stage("wishart_traces", (first_trace, second_trace), params={"law": first, "mean": n1 * v1})
    )
    # 6. the log-determinant, by Bartlett's decomposition
    log_det_stage, log_det_value = log_det_by_bartlett(first, x, v1, p, size, qx)
    stages.append(log_det_stage)
    # 7. the matrices as given
    if explicit:
        det1, det2 = _determinant(m1), _determinant(m2)
        trace_value = _trace_value(m2, m1)
        matrix_chains = (
            _det_chain(v1, m1, det1),
            _det_chain(v2, m2, det2),
            _trace_chain(v2, v1, m2, m1, trace_value),
        )
        stages.append(
            Stage("wishart_matrices", matrix_chains, params={"mapping": ((v1, m1), (v2, m2))})
        )
    # 8. the result
    log_det_terms = add(ln(MatDet(v2)), neg(ln(MatDet(v1))))
    inserted = add(
        mul(div(minus(n1, n2), 2), group(log_det_value)),
        mul(neg(_half(p)), n1),
        mul(div(n1, 2), MatTrace(v2.I, v1)),
        *constants,
    )
    same = v1 == v2  # one scale matrix by name: its terms cancel
    textbook = add(
        mul(div(n2, 2), group(log_det_terms)) if not same else S.Zero,
        mul(div(n1, 2), group(add(MatTrace(v2.I, v1), neg(p)))) if not same else S.Zero,
        *_gamma_terms(n1, n2, p),
        mul(div(minus(n1, n2), 2), MultiDigamma(div(n1, 2), p)),
    )
    steps = [
        Step("moment.insert", kl, inserted),
        Step("algebra.simplify", inserted, textbook),
    ]
    final = textbook
    if explicit:
        final = _substituted(n1, n2, p, det1, det2, trace_value)
        steps.append(
            Step(
                "parameter.substitute",
                textbook,
                final,
                {"mapping": ((v1, m1), (v2, m2))},
                facts="substitute",
            )
        )
    stages.append(Stage("wishart_result", (Chain(tuple(steps)),)))
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        final,
        functions={"q": "q(X)", "p": "p(X)"},
        instance_sizes=sizes,
        setting="catalog",
        dimension_name="p",
    )


def log_det_by_bartlett(
    first: Distribution, x: Expr, v1: Expr, p: Expr, size: int | None, qx: Expr
) -> tuple[Stage, Expr]:
    """The stage E[log det X] = psi_p(n/2) + p log 2 + log det V under W_p(n, V) (Bartlett's
    decomposition), and that value; ``size`` is the dimension when the scale is a list."""
    e_log_det = Expect(ln(MatDet(x)), qx)
    n1 = first.args[0]
    explicit = size is not None
    if explicit:
        cs = tuple(C[i] for i in range(1, size + 1))
        inside = ln(mul(*cs, MatDet(v1)))
        logs = add(ln(MatDet(v1)), *[Expect(ln(c), qx) for c in cs])
        digammas = add(
            ln(MatDet(v1)),
            *[
                group(add(polygamma(0, div(minus(n1, i - 1), 2), evaluate=False), ln(2)))
                for i in range(1, size + 1)
            ],
            flatten=False,
        )
        dofs = tuple(minus(n1, i) for i in range(size))
    else:
        cs = (C[INDEX],)
        inside = ln(mul(MatDet(v1), Product(C[INDEX], (INDEX, 1, p))))
        logs = add(ln(MatDet(v1)), Sum(Expect(ln(C[INDEX]), qx), (INDEX, 1, p)))
        digammas = add(
            ln(MatDet(v1)),
            Sum(
                add(polygamma(0, div(add(n1, neg(INDEX), 1), 2), evaluate=False), ln(2)),
                (INDEX, 1, p),
            ),
        )
        dofs = (add(n1, neg(INDEX), 1),)
    log_det_value = add(MultiDigamma(div(n1, 2), p), mul(p, ln(2)), ln(MatDet(v1)))
    return (
        Stage(
            "wishart_log_det",
            (
                Chain(
                    (
                        Step("bartlett.determinant", e_log_det, Expect(inside, qx)),
                        Step("expectation.log_product", Expect(inside, qx), logs),
                        Step(
                            "moment.log_chi2",
                            logs,
                            digammas,
                            {"law": first, "dofs": dofs},
                        ),
                        Step("multidigamma.definition", digammas, log_det_value),
                    )
                ),
            ),
            params=_bartlett_params(first, x, v1, cs, dofs, inside),
        ),
        log_det_value,
    )


def _bartlett_params(law, x, v1, cs, dofs, inside) -> dict:
    """What the Bartlett stage's introduction states: X = L A A^T L^T and its parts."""
    lower, bartlett = MatrixSymbol("L", x.shape[0], x.shape[0]), MatrixSymbol("A", *x.shape)
    return {
        "law": law,
        "X": x,
        "decomposition": Eq(x, MatMul(lower, bartlett, bartlett.T, lower.T), evaluate=False),
        "lower": lower,
        "cholesky": Eq(MatMul(lower, lower.T), v1, evaluate=False),
        "a": bartlett,
        "cs": cs,
        "dofs": dofs,
        "det_identity": Eq(MatDet(x), inside.args[0], evaluate=False),
    }


def _log_density(x: Expr, n: Expr, v: Expr, p: Expr) -> Expr:
    """``log`` of the density of W_p(n, v) at ``x``, as a sum of five terms."""
    return add(
        mul(div(_exponent(n, p), 2), ln(MatDet(x))),
        mul(S(-1) / 2, MatTrace(v.I, x)),
        mul(neg(_half(p)), n, ln(2)),
        mul(neg(div(n, 2)), ln(MatDet(v))),
        neg(ln(MultiGamma(div(n, 2), p))),
    )


def _constants(n1: Expr, n2: Expr, v1: Expr, v2: Expr, p: Expr) -> list[Expr]:
    """The terms of the log ratio without ``X``: powers of 2, determinants, Gamma_p."""
    return [
        mul(_half(p), group(minus(n2, n1)), ln(2)),
        mul(div(n2, 2), ln(MatDet(v2))),
        mul(neg(div(n1, 2)), ln(MatDet(v1))),
        *_gamma_terms(n1, n2, p),
    ]


def _half(p: Expr) -> Expr:
    """``p/2``: a number, or a fraction of the symbolic dimension."""
    return p / 2 if p.is_Integer else div(p, 2)


def _exponent(n: Expr, p: Expr) -> Expr:
    """``n - p - 1``, the power of ``det X`` (times two)."""
    return minus(n, p + 1) if p.is_Integer else less_p(n, p, 1)


def _gamma_terms(n1: Expr, n2: Expr, p: Expr) -> list[Expr]:
    if n1 == n2:
        return []
    return [ln(MultiGamma(div(n2, 2), p)), neg(ln(MultiGamma(div(n1, 2), p)))]


def _determinant(m: ImmutableMatrix) -> Expr:
    return expand(Matrix(m).det())


def _trace_value(m2: ImmutableMatrix, m1: ImmutableMatrix) -> Expr:
    return cancel((Matrix(m2).inv() * Matrix(m1)).trace())


def _matrix(m: Matrix) -> ImmutableMatrix:
    return ImmutableMatrix(m.applyfunc(lambda e: display_form(cancel(e))))


def _det_chain(v: Expr, m: ImmutableMatrix, value: Expr) -> Chain:
    shown = MatDet(_matrix(Matrix(m)), evaluate=False)
    steps = [Step("matrix.determinant", MatDet(v), shown, facts="substitute")]
    steps.append(Step("matrix.determinant_value", shown, display_form(value), facts="substitute"))
    return Chain(tuple(steps))


def _trace_chain(v2: Expr, v1: Expr, m2: ImmutableMatrix, m1: ImmutableMatrix, value: Expr):
    """tr(V_2^{-1} V_1) with the matrices as given: the inverse, the product, its trace."""
    before = MatTrace(v2.I, v1)
    steps: list[Step] = []
    if Matrix(m2) == Matrix.eye(m2.shape[0]):
        shown = MatTrace(Identity(m1.shape[0]), _matrix(Matrix(m1)), evaluate=False)
        steps.append(Step("matrix.trace_identity", before, shown, facts="substitute"))
    else:
        det = _determinant(m2)
        adjugate = Matrix(m2).adjugate()
        if det.is_number:  # numbers: the inverse and the product written out
            inverse: Expr = _matrix(Matrix(m2).inv())
            product = Matrix(m2).inv() * Matrix(m1)
            scale: Expr = S.One
        else:  # entries with names: the adjugate over the determinant
            inverse = MatMul(
                Pow(display_form(det), -1, evaluate=False), _matrix(adjugate), evaluate=False
            )
            product = adjugate * Matrix(m1)
            scale = 1 / det
        shown_inverse = MatTrace(inverse, _matrix(Matrix(m1)), evaluate=False)
        steps.append(Step("matrix.inverse", before, shown_inverse, facts="substitute"))
        shown_product = mul(
            div(1, display_form(det)) if scale != 1 else S.One,
            MatTrace(Identity(m1.shape[0]), _matrix(product), evaluate=False),
        )
        steps.append(Step("matrix.product", shown_inverse, shown_product, facts="substitute"))
        shown = shown_product
    steps.append(Step("matrix.trace", shown, _tidy(value), facts="substitute"))
    return Chain(tuple(steps))


def _tidy(value: Expr) -> Expr:
    """A rational function of the entries, as a person writes it."""
    value = cancel(value)
    numerator, denominator = value.as_numer_denom()
    if denominator == 1:
        return display_form(expand(numerator))
    return div(display_form(expand(numerator)), display_form(expand(denominator)))


def _substituted(n1: Expr, n2: Expr, p: Expr, det1: Expr, det2: Expr, trace: Expr) -> Expr:
    """The closed form with the determinants and the trace put in."""
    if det1 == det2:
        first = S.Zero
    elif det2 == 1:
        first = mul(neg(div(n2, 2)), ln(display_form(det1)))
    elif det1 == 1:
        first = mul(div(n2, 2), ln(display_form(det2)))
    else:
        first = mul(div(n2, 2), group(add(ln(display_form(det2)), neg(ln(display_form(det1))))))
    inner = cancel(trace - p)
    if inner == 0:
        second = S.Zero
    elif inner.is_number:
        second = (
            evaluate(mul(div(n1, 2), inner))
            if isinstance(n1, Number)
            else mul(div(n1, 2) if inner != 2 else n1, 1 if inner == 2 else inner)
        )
    else:
        second = mul(div(n1, 2), group(add(_tidy(trace), -p)))
    return add(
        first,
        second,
        *_gamma_terms(n1, n2, p),
        mul(div(minus(n1, n2), 2), MultiDigamma(div(n1, 2), p)),
    )


#: public for the Wishart entropy and cross-entropy (:mod:`.wishart_entropy`,
#: :mod:`.wishart_cross_entropy`)
log_density_of = _log_density
determinant_chain = _det_chain
trace_chain, trace_value, tidy_rational = _trace_chain, _trace_value, _tidy
