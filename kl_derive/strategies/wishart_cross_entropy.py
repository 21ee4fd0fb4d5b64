r"""The cross-entropy of two Wishart laws, by the statistics :math:`\log\lvert X\rvert` and
:math:`\operatorname{tr}(V_2^{-1}X)`, as the entropy (:mod:`.wishart_entropy`).

For :math:`q = W_p(n_1, V_1)` and :math:`p = W_p(n_2, V_2)`:

1. the densities and the definition :math:`\mathrm{H}(q, p) = -\mathbb{E}_q[\log p]`;
2. the log density of :math:`p`;
3. the expectation, term by term;
4. :math:`\mathbb{E}_q[\operatorname{tr}(V_2^{-1}X)] = n_1\operatorname{tr}(V_2^{-1}V_1)`;
5. :math:`\mathbb{E}_q[\log\det X] = \psi_p(\frac{n_1}2) + p\log 2 + \log\det V_1`
   (Bartlett's decomposition);
6. the matrices as given (lists): the determinants and the trace;
7. the result, :math:`\frac{n_2}{2}\log\det V_2 - \frac{n_2-p-1}{2}(\psi_p(\frac{n_1}2) +
   \log\det V_1) + \frac{p(p+1)}{2}\log 2 + \frac{n_1}{2}\operatorname{tr}(V_2^{-1}V_1) +
   \log\Gamma_p(\frac{n_2}2)`.

The steps are verified as those of the divergence (:mod:`.wishart_contexts`): in an
instance of the same size with generic scales and :math:`X` through Bartlett's
decomposition (instances :math:`p = 2, 3` for scales given by name).
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
from ..families.wishart import DIMENSION_P
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, div, group, ln, mul, neg
from ..symbolic.matrices import MatDet, MatTrace, MultiDigamma, MultiGamma
from ..symbolic.objects import CrossEntropy, Expect
from .draft import Draft
from .wishart_contexts import verification_contexts
from .wishart_entropy import expected_log_density
from .wishart_moments import (
    determinant_chain,
    log_det_by_bartlett,
    tidy_rational,
    trace_chain,
    trace_value,
)

__all__ = ["derive_wishart_cross_entropy"]

NAME = "wishart moments"
LABEL = Symbol("X")
INSTANCES = (2, 3)


def derive_wishart_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) for two Wishart laws (scales as lists, or by name)."""
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
    lhs = CrossEntropy(qx, px)
    below = p - 1 if p.is_Integer else add(p, -1)
    conditions = tuple(StrictGreaterThan(n, below, evaluate=False) for n in dict.fromkeys((n1, n2)))
    stages = [
        Stage(
            "wishart_cross_entropy_definition",
            (
                Chain((Step("wishart.density", qx, family.density(x, (n1, v1)), {"law": first}),)),
                Chain((Step("density.formula", px, family.density(x, (n2, v2)), {"law": second}),)),
                Chain((Step("cross_entropy.definition", lhs, neg(Expect(ln(px), qx))),)),
            ),
            params={
                "conditions": conditions,
                "size": p,
                "pm1": below,
                "matrices": (v1, v2),
                "X": x,
            },
        )
    ]
    middle, exponent, constants = expected_log_density(
        "wishart_cross_entropy", first, second, (x, p, qx, px), (n1, v1), (n2, v2)
    )
    stages.extend(middle)
    # 5. the log-determinant under q
    log_det_stage, log_det_value = log_det_by_bartlett(first, x, v1, p, size, qx)
    stages.append(log_det_stage)
    # 6. the matrices as given
    if explicit:
        det1, det2 = expand(Matrix(m1).det()), expand(Matrix(m2).det())
        trace = trace_value(m2, m1)
        stages.append(
            Stage(
                "wishart_matrices",
                (
                    determinant_chain(v1, m1, det1),
                    determinant_chain(v2, m2, det2),
                    trace_chain(v2, v1, m2, m1, trace),
                ),
                params={"mapping": ((v1, m1), (v2, m2))},
            )
        )
    # 7. the result
    inserted = add(
        mul(neg(div(exponent, 2)), group(log_det_value)),
        mul(div(n1, 2), MatTrace(v2.I, v1)),
        *constants,
    )
    plus_one = p + 1 if p.is_Integer else add(p, 1)

    def closed(log_det2, log_det1, trace_term) -> object:
        return add(
            mul(div(n2, 2), log_det2),
            neg(mul(div(exponent, 2), group(add(MultiDigamma(div(n1, 2), p), log_det1)))),
            mul(div(mul(p, plus_one), 2), ln(2)),
            mul(div(n1, 2), trace_term),
            ln(MultiGamma(div(n2, 2), p)),
        )

    textbook = closed(ln(MatDet(v2)), ln(MatDet(v1)), MatTrace(v2.I, v1))
    steps = [Step("moment.insert", lhs, inserted), Step("algebra.simplify", inserted, textbook)]
    final = textbook
    if explicit:
        final = closed(
            ln(display_form(det2)) if det2 != 1 else S.Zero,
            ln(display_form(det1)) if det1 != 1 else S.Zero,
            tidy_rational(trace),
        )
        steps.append(
            Step(
                "parameter.substitute",
                textbook,
                final,
                {"mapping": ((v1, m1), (v2, m2))},
                facts="substitute",
            )
        )
    stages.append(Stage("wishart_cross_entropy_result", (Chain(tuple(steps)),)))
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        final,
        functions={"q": "q(X)", "p": "p(X)"},
        instance_sizes=sizes,
        setting="catalog",
        quantity="cross_entropy",
        dimension_name="p",
    )
