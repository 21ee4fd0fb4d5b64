r"""The entropy of a Wishart law, by the statistics :math:`\log\lvert X\rvert` and
:math:`\operatorname{tr}(V^{-1}X)`, as the divergence between two is derived
(:mod:`.wishart_moments`).

For :math:`q = W_p(n, V)`:

1. the density and the definition :math:`\mathrm{H}(q) = -\mathbb{E}_q[\log q]`;
2. the log density: a multiple of :math:`\log\det X`, a trace linear in :math:`X`, constants;
3. the expectation, term by term;
4. :math:`\mathbb{E}[\operatorname{tr}(V^{-1}X)] = \operatorname{tr}(V^{-1} nV) = np`;
5. :math:`\mathbb{E}[\log\det X] = \psi_p(n/2) + p\log 2 + \log\det V` (Bartlett's
   decomposition);
6. the matrix as given (a list): its determinant;
7. the result, :math:`\frac{p+1}{2}\log\det V + \frac{p(p+1)}{2}\log 2 +
   \log\Gamma_p(\frac n2) - \frac{n-p-1}{2}\psi_p(\frac n2) + \frac{np}{2}`.

The steps are verified as those of the divergence: in an instance of the same size with a
generic scale and :math:`X` through Bartlett's decomposition (instances :math:`p = 2, 3`
for a scale given by name).
"""

from __future__ import annotations

from sympy import (
    Expr,
    Function,
    ImmutableMatrix,
    Matrix,
    MatrixSymbol,
    S,
    StrictGreaterThan,
    Symbol,
    expand,
)

from ..errors import SpecError
from ..families.base import Distribution
from ..families.wishart import DIMENSION_P, less_p, minus
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, div, group, ln, mul, neg
from ..symbolic.matrices import MatDet, MatTrace, MultiDigamma, MultiGamma
from ..symbolic.objects import Bracket, Entropy, Expect
from .draft import Draft
from .wishart_contexts import verification_contexts
from .wishart_moments import determinant_chain, log_density_of, log_det_by_bartlett

__all__ = ["derive_wishart_entropy", "expected_log_density"]

NAME = "wishart moments"
LABEL = Symbol("X")
INSTANCES = (2, 3)


def derive_wishart_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a Wishart law (scale as a list of rows, or by name)."""
    if len(first.args) != 2:
        raise SpecError(
            'give the Wishart law, e.g. kl-derive entropy "wishart(n, [[a, b], [b, c]])"'
        )
    n, m = first.args
    explicit = isinstance(m, ImmutableMatrix)
    size = m.shape[0] if explicit else None
    p = S(size) if explicit else DIMENSION_P
    x = MatrixSymbol("X", p, p)
    v = MatrixSymbol("V", p, p) if explicit else m
    qx = Function("q")(LABEL)
    family = first.family
    sizes = (size,) if size is not None else INSTANCES
    contexts = verification_contexts(family, (n, v), (n, v), x, qx, qx, p, sizes, {v: m})
    lhs = Entropy(qx)
    below = p - 1 if p.is_Integer else add(p, -1)
    stages = [
        Stage(
            "wishart_entropy_definition",
            (
                Chain((Step("wishart.density", qx, family.density(x, (n, v)), {"law": first}),)),
                Chain((Step("entropy.definition_expectation", lhs, neg(Expect(ln(qx), qx))),)),
            ),
            params={
                "conditions": (StrictGreaterThan(n, below, evaluate=False),),
                "size": p,
                "pm1": below,
                "matrix": v,
                "X": x,
            },
        )
    ]
    own = mul(n, MatTrace(v.I, v))
    middle, exponent, constants = expected_log_density(
        "wishart_entropy",
        first,
        first,
        (x, p, qx, qx),
        (n, v),
        (n, v),
        (Step("trace.identity_p", own, mul(n, p)),),
    )
    stages.extend(middle)
    # 5. the log-determinant
    log_det_stage, log_det_value = log_det_by_bartlett(first, x, v, p, size, qx)
    stages.append(log_det_stage)
    # 6. the matrix as given
    det = expand(Matrix(m).det()) if explicit else None
    if explicit:
        stages.append(
            Stage(
                "wishart_entropy_matrix",
                (determinant_chain(v, m, det),),
                params={"mapping": ((v, m),)},
            )
        )
    # 7. the result
    inserted = add(
        mul(neg(div(exponent, 2)), group(log_det_value)),
        _half_np(n, p),
        *constants,
    )
    plus_one = p + 1 if p.is_Integer else add(p, 1)
    textbook = add(
        mul(div(plus_one, 2), ln(MatDet(v))),
        mul(div(mul(p, plus_one), 2), ln(2)),
        ln(MultiGamma(div(n, 2), p)),
        neg(mul(div(exponent, 2), MultiDigamma(div(n, 2), p))),
        _half_np(n, p),
    )
    steps = [
        Step("moment.insert", lhs, inserted),
        Step("algebra.simplify", inserted, textbook),
    ]
    final = textbook
    if explicit:
        final = textbook.xreplace({MatDet(v): display_form(det)})
        final = add(
            mul(div(plus_one, 2), ln(display_form(det))) if det != 1 else S.Zero,
            mul(div(mul(p, plus_one), 2), ln(2)),
            ln(MultiGamma(div(n, 2), p)),
            neg(mul(div(exponent, 2), MultiDigamma(div(n, 2), p))),
            _half_np(n, p),
        )
        steps.append(
            Step(
                "parameter.substitute",
                textbook,
                final,
                {"mapping": ((v, m),)},
                facts="substitute",
            )
        )
    stages.append(Stage("wishart_entropy_result", (Chain(tuple(steps)),)))
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        final,
        functions={"q": "q(X)"},
        instance_sizes=sizes,
        setting="catalog",
        quantity="entropy",
        dimension_name="p",
    )


def expected_log_density(
    prefix: str,
    first: Distribution,
    second: Distribution,
    variables: tuple,
    law_q: tuple,
    law_p: tuple,
    trace_tail: tuple[Step, ...] = (),
) -> tuple[list[Stage], Expr, list[Expr]]:
    """The stages from the log density of ``second`` to -E_q of it with the trace taken:
    the log density expanded (``{prefix}_log_density``), the expectation term by term
    (``{prefix}_expectation``) and E_q[tr(V_p^{-1} X)] = n_q tr(V_p^{-1} V_q)
    (``{prefix}_trace``, ended by ``trace_tail``). ``variables`` is (X, p, q(X), the
    density whose log is taken); ``law_q`` and ``law_p`` are (n, V) of ``first`` (the law
    of X) and of ``second``. Returns the stages, the exponent n_p - p - 1 and the
    constant terms of the log density. The entropy is the case ``second = first``."""
    x, p, qx, fx = variables
    (n1, v1), (n2, v2) = law_q, law_p
    log_f = log_density_of(x, n2, v2, p)
    stages = [
        Stage(
            f"{prefix}_log_density",
            (Chain((Step("log_density.expand", ln(fx), log_f, {"law": second}),)),),
            params={"X": x},
        )
    ]
    # the expectation, term by term
    half_p = p / 2 if p.is_Integer else div(p, 2)
    exponent = minus(n2, p + 1) if p.is_Integer else less_p(n2, p, 1)
    e_log_det, e_trace = Expect(ln(MatDet(x)), qx), Expect(MatTrace(v2.I, x), qx)
    constants = [
        mul(half_p, n2, ln(2)),
        mul(div(n2, 2), ln(MatDet(v2))),
        ln(MultiGamma(div(n2, 2), p)),
    ]
    linear = add(mul(neg(div(exponent, 2)), e_log_det), mul(S.Half, e_trace), *constants)
    stages.append(
        Stage(
            f"{prefix}_expectation",
            (
                Chain(
                    (
                        Step("log_density.insert", neg(Expect(ln(fx), qx)), neg(Expect(log_f, qx))),
                        Step("expectation.term_by_term", neg(Expect(log_f, qx)), linear),
                    )
                ),
            ),
        )
    )
    # the trace: E_q[tr(V_p^{-1} X)] = tr(V_p^{-1} n_q V_q)
    mean = Bracket(n1 * v1)
    stages.append(
        Stage(
            f"{prefix}_trace",
            (
                Chain(
                    (
                        Step(
                            "expectation.trace",
                            e_trace,
                            MatTrace(v2.I, mean),
                            {"X": x, "mean": n1 * v1},
                        ),
                        Step("trace.scalar", MatTrace(v2.I, mean), mul(n1, MatTrace(v2.I, v1))),
                        *trace_tail,
                    )
                ),
            ),
            params={"law": first, "mean": n1 * v1},
        )
    )
    return stages, exponent, constants


def _half_np(n, p):
    """``np/2``: a number or a multiple of ``n`` when ``p`` is a number."""
    return display_form(n * p / 2) if p.is_Integer else div(mul(n, p), 2)
