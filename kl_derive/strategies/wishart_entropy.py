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

__all__ = ["derive_wishart_entropy"]

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
    log_q = log_density_of(x, n, v, p)
    stages.append(
        Stage(
            "wishart_entropy_log_density",
            (Chain((Step("log_density.expand", ln(qx), log_q, {"law": first}),)),),
            params={"X": x},
        )
    )
    # 3. the expectation, term by term
    half_p = p / 2 if p.is_Integer else div(p, 2)
    exponent = minus(n, p + 1) if p.is_Integer else less_p(n, p, 1)
    e_log_det, e_trace = Expect(ln(MatDet(x)), qx), Expect(MatTrace(v.I, x), qx)
    constants = [
        mul(half_p, n, ln(2)),
        mul(div(n, 2), ln(MatDet(v))),
        ln(MultiGamma(div(n, 2), p)),
    ]
    linear = add(mul(neg(div(exponent, 2)), e_log_det), mul(S.Half, e_trace), *constants)
    stages.append(
        Stage(
            "wishart_entropy_expectation",
            (
                Chain(
                    (
                        Step("log_density.insert", neg(Expect(ln(qx), qx)), neg(Expect(log_q, qx))),
                        Step("expectation.term_by_term", neg(Expect(log_q, qx)), linear),
                    )
                ),
            ),
        )
    )
    # 4. the trace
    mean = Bracket(n * v)
    own = mul(n, MatTrace(v.I, v))
    stages.append(
        Stage(
            "wishart_entropy_trace",
            (
                Chain(
                    (
                        Step(
                            "expectation.trace",
                            e_trace,
                            MatTrace(v.I, mean),
                            {"X": x, "mean": n * v},
                        ),
                        Step("trace.scalar", MatTrace(v.I, mean), own),
                        Step("trace.identity_p", own, mul(n, p)),
                    )
                ),
            ),
            params={"law": first, "mean": n * v},
        )
    )
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


def _half_np(n, p):
    """``np/2``: a number or a multiple of ``n`` when ``p`` is a number."""
    return display_form(n * p / 2) if p.is_Integer else div(mul(n, p), 2)
