r"""What the estimators' gradients estimate in the parameters of the reference law p
(``kl-derive estimators``, two normal laws).

The sample z is drawn from q, which does not depend on :math:`\phi = \mu_2` or
:math:`\sigma_2`: differentiating under the expectation is exact,
:math:`\partial_\phi \mathbb{E}_q[k] = \mathbb{E}_q[\partial_\phi k]`, whether the sample is
held fixed or not. With the score of p, :math:`s = \partial_\phi \log p`:

* :math:`\partial_\phi k_1 = -s`, of mean :math:`\partial_\phi \mathrm{KL}(q \| p)`;
* :math:`\partial_\phi k_3 = (r - 1)s`, of mean :math:`\mathbb{E}_p[s] - \mathbb{E}_q[s] =
  -\mathbb{E}_q[s]`: the same gradient (both estimators are unbiased for every
  :math:`\phi`);
* :math:`\partial_\phi k_2 = (\log r)\,s`, of mean
  :math:`\partial_\phi \mathbb{E}_q[k_2] = \partial_\phi \mathrm{KL} \cdot \mathrm{KL}
  + \tfrac12 \partial_\phi \operatorname{Var}_q[k_1]`: the gradient of k2's own biased mean.
"""

from __future__ import annotations

from sympy import Expr, Function, simplify

from ..families.base import Distribution
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, div, ln, mul, neg, power, square, sub
from ..symbolic.objects import VARIABLE, Bracket, Expect
from .tidy import tidy

__all__ = ["reference_gradient_stage"]

Z = VARIABLE


def reference_gradient_stage(
    first: Distribution,
    second: Distribution,
    qf: Expr,
    pf: Expr,
    rf: Expr,
    which: str,
    reference: dict[str, Expr],
) -> Stage:
    """The stage in ``which`` (``"mu_2"`` or ``"sigma_2"``): ``reference`` is its entry of
    :func:`~.estimator_parts.reference_gradients`, the mean gradients of k1, k2, k3."""
    (m1, s1), (m2, s2) = first.args, second.args
    if which == "mu_2":
        phi = m2
        score = div(sub(Z, m2), square(s2))  # d log p / d mu_2
        forward = div(sub(m2, m1), square(s2))
    else:
        phi = s2
        score = div(sub(square(sub(Z, m2)), square(s2)), power(s2, 3))
        forward = sub(div(1, s2), div(add(square(s1), square(Bracket(sub(m1, m2)))), power(s2, 3)))
    assert simplify(reference["k1"] - forward.doit()) == 0
    own = tidy(simplify(reference["k2"]))
    g1, g2, g3 = neg(score), mul(ln(rf), score), mul(Bracket(sub(rf, 1)), score)
    chains = (
        Chain((Step("estimator.reference_k1", Expect(g1, qf), forward),)),
        Chain(
            (
                Step(
                    "estimator.reference_k3",
                    Expect(g3, qf),
                    sub(Expect(mul(rf, score), qf), Expect(score, qf)),
                ),
                Step(
                    "estimator.reference_k3_value",
                    sub(Expect(mul(rf, score), qf), Expect(score, qf)),
                    forward,
                    params={"under_p": Expect(score, pf)},
                ),
            )
        ),
        Chain(
            (
                Step(
                    "estimator.reference_k2",
                    Expect(g2, qf),
                    own,
                    params={"k2_mean": Expect(Function("k2")(Z), qf)},
                ),
            )
        ),
    )
    return Stage(
        "estimators_gradient_reference",
        chains,
        params={
            "phi": phi,
            "score": score,
            "log_p": ln(pf),
            "forward": forward,
        },
    )
