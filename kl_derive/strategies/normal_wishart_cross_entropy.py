r"""The cross-entropy of two Normal-Wishart laws, by the chain rule of the cross-entropy.

For :math:`q(x, \Lambda) = q(\Lambda)\, q(x \mid \Lambda)` with :math:`q(\Lambda) =
\mathcal{W}_d(\nu_1, W_1)`, :math:`q(x \mid \Lambda) = \mathcal{N}(\mu_1,
(\lambda_1\Lambda)^{-1})`, and :math:`p` likewise with index 2:

1. the densities, each the product of the law of :math:`\Lambda` and the law of :math:`x`
   given :math:`\Lambda`;
2. the chain rule, :math:`\mathrm{H}(q, p) = \mathrm{H}(q(\Lambda), p(\Lambda)) +
   \mathbb{E}_{q(\Lambda)}[\mathrm{H}(q(x \mid \Lambda), p(x \mid \Lambda))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`, as for the divergence);
3. the cross-entropy of the two Wishart laws (``kl-derive cross-entropy wishart wishart``
   derives it step by step), verified here whole through Bartlett's decomposition, then
   with the scales given;
4. the cross-entropy of the two normal laws at a fixed :math:`\Lambda`:
   :math:`\frac12[d\log 2\pi - d\log\lambda_2 + d\lambda_2/\lambda_1 - \log\det\Lambda +
   \lambda_2(\mu_1-\mu_2)^T\Lambda(\mu_1-\mu_2)]`;
5. its mean under :math:`q(\Lambda)`, with :math:`\mathbb{E}[\Lambda] = \nu_1W_1` and
   :math:`\mathbb{E}[\log\det\Lambda] = \psi_d(\nu_1/2) + d\log 2 + \log\det W_1`;
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
from ..symbolic.matrices import MatDet, MultiDigamma, QuadForm
from ..symbolic.objects import CrossEntropy, Expect
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
from .wishart_cross_entropy import derive_wishart_cross_entropy

__all__ = ["derive_normal_wishart_cross_entropy"]

NAME = "chain rule"


def derive_normal_wishart_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) for two Normal-Wishart laws."""
    family = first.family
    (mu1, lam1, w1, nu1), (mu2, lam2, w2, nu2) = first.args, second.args
    d = w1.shape[0]
    size = S(d)
    x, prec = MatrixSymbol("x", size, 1), MatrixSymbol("Lambda", size, size)
    s1, s2 = MatrixSymbol("W_1", size, size), MatrixSymbol("W_2", size, size)
    m1, m2 = MatrixSymbol("mu_1", size, 1), MatrixSymbol("mu_2", size, 1)
    given = {m1: mu1, m2: mu2, s1: w1, s2: w2}
    qj, pj = Function("q")(JOINT), Function("p")(JOINT)
    qt, pt = Function("qt")(LABEL_L), Function("pt")(LABEL_L)
    qc, pc = Function("qc")(LABEL_X), Function("pc")(LABEL_X)
    shown1, shown2 = (m1, lam1, s1, nu1), (m2, lam2, s2, nu2)

    # 1. the densities (by name: mu_k and W_k stand for the lists, set out in the intro)
    chains = [
        factored_density(
            joint, marginal, conditional, law, family.density((x, prec), args), "chain"
        )
        for joint, marginal, conditional, law, args in (
            (qj, qt, qc, first, shown1),
            (pj, pt, pc, second, shown2),
        )
    ]
    shown = stage_params(prec, x, given)
    stages = [Stage("normal_wishart_definition", tuple(chains), params=shown)]

    # 2. the chain rule
    h, inner = CrossEntropy(qj, pj), CrossEntropy(qc, pc)
    split = add(CrossEntropy(qt, pt), Expect(inner, qt))
    params = {"joints": ((qj, qt, qc), (pj, pt, pc)), "value": x, "precision": prec, "x": x}
    rule = Step("cross_entropy.chain_rule", h, split, params, facts="chain")
    stages.append(Stage("chain_rule_cross_entropy", (Chain((rule,)),), params=shown))

    # 3. the Wishart laws of Lambda: the Wishart strategy's result, verified here whole
    wishart_draft = derive_wishart_cross_entropy(
        Distribution(WISHART, (nu1, w1), ""), Distribution(WISHART, (nu2, w2), "")
    )
    v1, v2 = MatrixSymbol("V_1", size, size), MatrixSymbol("V_2", size, size)
    command = f'kl-derive cross-entropy "wishart({nu1}, {rows(w1)})" "wishart({nu2}, {rows(w2)})"'
    marginal_chain, wishart_value = wishart_marginal(
        wishart_draft,
        {v1: s1, v2: s2},
        ((s1, w1), (s2, w2)),
        "cross_entropy.marginal",
        CrossEntropy(qt, pt),
        {"command": Code(command)},
    )
    stages.append(Stage("normal_wishart_cross_entropy_marginal", (marginal_chain,), params=shown))

    # 4. the normal laws given Lambda
    constant = mul(size, group(add(ln(mul(2, pi)), neg(ln(lam2)), div(lam2, lam1))))
    conditional_h = mul(
        S.Half, group(add(constant, neg(ln(MatDet(prec))), mul(lam2, QuadForm(m1, m2, prec))))
    )
    stages.append(
        Stage(
            "normal_wishart_cross_entropy_conditional",
            (Chain((Step("cross_entropy.conditional", inner, conditional_h, facts="chain"),)),),
            params=shown,
        )
    )

    # 5. its mean over Lambda: E[Lambda] = nu_1 W_1, E[log det Lambda] as for the entropy
    log_det = add(MultiDigamma(div(nu1, 2), size), mul(size, ln(2)), ln(MatDet(s1)))
    averaged = mul(
        S.Half,
        group(add(constant, neg(group(log_det)), mul(lam2, nu1, QuadForm(m1, m2, s1)))),
    )
    v = mu1 - mu2
    quadratic = display_form(expand((v.T * w1 * v)[0, 0]))
    det = display_form(expand(w1.det()))
    averaged_value = averaged.xreplace({MatDet(s1): det, QuadForm(m1, m2, s1): quadratic})
    if not averaged_value.is_number:
        averaged_value = display_form(averaged_value)
    steps = [
        Step("kl.insert_conditional", Expect(inner, qt), Expect(conditional_h, qt), facts="given"),
        Step("expectation.linearity", Expect(conditional_h, qt), averaged, facts="wishart"),
    ]
    if averaged_value != averaged:
        steps.append(substituted(averaged, averaged_value, ((m1, mu1), (m2, mu2), (s1, w1))))
    facts = {
        "mean": Eq(Expect(prec, qt), nu1 * s1, evaluate=False),
        "log_det": Eq(Expect(ln(MatDet(prec)), qt), log_det, evaluate=False),
    }
    stages.append(
        Stage(
            "normal_wishart_cross_entropy_average",
            (Chain(tuple(steps)),),
            params={**shown, **facts},
        )
    )

    # 6. the sum
    total = add(wishart_value, averaged_value)
    closing = (
        Step("moment.insert", split, total, facts="parts"),
        *simplified(total, (lam1, lam2, nu1, nu2, *mu1, *mu2, *w1, *w2), facts="parts"),
    )
    stages.append(
        Stage(
            "normal_wishart_cross_entropy_result",
            (Chain((Step("cross_entropy.chain_rule", h, split, params, facts="chain"), *closing)),),
        )
    )

    contexts = dict(chain_contexts(first, second, x, prec, given, (qj, qt, qc), (pj, pt, pc)))
    wishart = verification_contexts(WISHART, (nu1, s1), (nu2, s2), prec, qt, pt, size, (d,), given)
    contexts.update(wishart_parts(wishart, d, {m1: mu1, m2: mu2}))
    contexts["given"] = established({inner: conditional_h})
    contexts["parts"] = established(
        {CrossEntropy(qt, pt): wishart_value, Expect(inner, qt): averaged_value}
    )
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        closing[-1].after,
        functions={
            "q": r"q(x, \Lambda)",
            "p": r"p(x, \Lambda)",
            "qt": r"q(\Lambda)",
            "pt": r"p(\Lambda)",
            "qc": r"q(x \mid \Lambda)",
            "pc": r"p(x \mid \Lambda)",
        },
        instance_sizes=(d,),
        setting="catalog",
        quantity="cross_entropy",
    )
