r"""The entropy of a Normal-Wishart law, by the chain rule of the entropy.

For :math:`q(x, \Lambda) = q(\Lambda)\, q(x \mid \Lambda)`, :math:`q(\Lambda) =
\mathcal{W}_d(\nu, W)` and :math:`q(x \mid \Lambda) = \mathcal{N}(\mu, (\lambda\Lambda)^{-1})`:

1. the density, the product of the two;
2. the chain rule, :math:`\mathrm{H}(q) = \mathrm{H}(q(\Lambda)) +
   \mathbb{E}_{q(\Lambda)}[\mathrm{H}(q(x \mid \Lambda))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`, as for the divergence);
3. the entropy of the Wishart law (``kl-derive entropy wishart(...)`` derives it step by
   step), verified here whole through Bartlett's decomposition, then with the scale given;
4. the entropy of the normal law at a fixed :math:`\Lambda`: :math:`\frac d2(1 + \log 2\pi)
   - \frac d2\log\lambda - \frac12\log\det\Lambda`;
5. its mean, with :math:`\mathbb{E}[\log\det\Lambda] = \psi_d(\nu/2) + d\log 2 +
   \log\det W`;
6. the sum.

The steps are verified in the contexts of the divergence
(:func:`~kl_derive.strategies.normal_wishart_chain.chain_contexts` and
:mod:`.wishart_contexts`).
"""

from __future__ import annotations

from sympy import Eq, Function, MatrixSymbol, S, expand, pi

from ..families.base import Distribution
from ..families.wishart import FAMILY as WISHART
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, display_form, div, group, ln, mul, neg
from ..symbolic.matrices import MatDet, MultiDigamma
from ..symbolic.objects import Entropy, Expect
from . import wishart_entropy
from .chain_parts import established, factored_density, rows, simplified
from .draft import Draft
from .normal_wishart_chain import (
    JOINT,
    LABEL_L,
    LABEL_X,
    chain_contexts,
    stage_params,
    substituted,
    wishart_marginal,
    wishart_parts,
)
from .wishart_contexts import verification_contexts

__all__ = ["derive_normal_wishart_entropy"]

NAME = "chain rule"


def derive_normal_wishart_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a Normal-Wishart law."""
    family = first.family
    mu, lam, w, nu = first.args
    d = w.shape[0]
    size = S(d)
    x, prec = MatrixSymbol("x", size, 1), MatrixSymbol("Lambda", size, size)
    scale, mean = MatrixSymbol("W", size, size), MatrixSymbol("mu", size, 1)
    given = {mean: mu, scale: w}
    qj, qt, qc = Function("q")(JOINT), Function("qt")(LABEL_L), Function("qc")(LABEL_X)
    shown_args = (mean, lam, scale, nu)
    shown = stage_params(prec, x, given)

    # 1. the density
    density = factored_density(qj, qt, qc, first, family.density((x, prec), shown_args), "chain")
    stages = [Stage("normal_wishart_entropy_definition", (density,), params=shown)]

    # 2. the chain rule
    h, inner = Entropy(qj), Entropy(qc)
    split = add(Entropy(qt), Expect(inner, qt))
    params = {"joints": ((qj, qt, qc),), "value": x, "precision": prec, "x": x}
    rule = Step("entropy.chain_rule", h, split, params, facts="chain")
    stages.append(Stage("normal_wishart_entropy_chain_rule", (Chain((rule,)),), params=shown))

    # 3. the Wishart law: the Wishart entropy's result, verified here whole
    draft = wishart_entropy.derive_wishart_entropy(Distribution(WISHART, (nu, w), ""))
    v = MatrixSymbol("V", size, size)
    command = f'kl-derive entropy "wishart({nu}, {rows(w)})"'
    marginal, wishart_value = wishart_marginal(
        draft,
        {v: scale},
        ((scale, w),),
        "entropy.marginal",
        Entropy(qt),
        {"command": Code(command)},
    )
    stages.append(Stage("normal_wishart_entropy_marginal", (marginal,), params=shown))

    # 4. the normal law given Lambda
    half = S(d) / 2
    constant = add(mul(half, group(add(1, ln(mul(2, pi))))), neg(mul(half, ln(lam))))
    conditional_h = add(constant, neg(mul(S.Half, ln(MatDet(prec)))))
    stages.append(
        Stage(
            "normal_wishart_entropy_conditional",
            (Chain((Step("entropy.conditional", inner, conditional_h, facts="chain"),)),),
            params=shown,
        )
    )

    # 5. its mean: E[log det Lambda] = psi_d(nu/2) + d log 2 + log det W
    log_det = add(MultiDigamma(div(nu, 2), size), mul(size, ln(2)), ln(MatDet(scale)))
    averaged = add(constant, neg(mul(S.Half, group(log_det))))
    det = display_form(expand(w.det()))
    averaged_value = averaged.xreplace({MatDet(scale): det})
    steps = [
        Step("kl.insert_conditional", Expect(inner, qt), Expect(conditional_h, qt), facts="given"),
        Step("expectation.linearity", Expect(conditional_h, qt), averaged, facts="wishart"),
    ]
    if averaged_value != averaged:
        steps.append(substituted(averaged, averaged_value, ((scale, w),)))
    log_det_fact = Eq(Expect(ln(MatDet(prec)), qt), log_det, evaluate=False)
    stages.append(
        Stage(
            "normal_wishart_entropy_average",
            (Chain(tuple(steps)),),
            params={**shown, "log_det": log_det_fact},
        )
    )

    # 6. the sum
    total = add(wishart_value, averaged_value)
    closing = (
        Step("moment.insert", split, total, facts="parts"),
        *simplified(total, (lam, nu, *mu, *w), facts="parts"),
    )
    stages.append(
        Stage(
            "normal_wishart_entropy_result",
            (Chain((Step("entropy.chain_rule", h, split, params, facts="chain"), *closing)),),
        )
    )

    names = (qj, qt, qc)
    contexts = dict(chain_contexts(first, first, x, prec, _pair(given), names, names))
    wishart = verification_contexts(
        WISHART, (nu, scale), (nu, scale), prec, qt, qt, size, (d,), given
    )
    contexts.update(wishart_parts(wishart, d, {mean: mu}))
    contexts["given"] = established({inner: conditional_h})
    contexts["parts"] = established({Entropy(qt): wishart_value, Expect(inner, qt): averaged_value})
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        closing[-1].after,
        functions={"q": r"q(x, \Lambda)", "qt": r"q(\Lambda)", "qc": r"q(x \mid \Lambda)"},
        instance_sizes=(d,),
        setting="catalog",
        quantity="entropy",
    )


def _pair(given: dict) -> dict:
    """The bindings in the order :func:`chain_contexts` reads them: mu_1, mu_2, W_1, W_2
    (the one law twice)."""
    (mean, mu), (scale, w) = given.items()
    return {
        mean: mu,
        MatrixSymbol("mu_2", *mean.shape): mu,
        scale: w,
        MatrixSymbol("W_2", *scale.shape): w,
    }
