r"""The cross-entropy of two Normal-Gamma laws, by the chain rule of the cross-entropy.

For :math:`q(x, \tau) = q(\tau)\, q(x \mid \tau)` with :math:`q(\tau) =
\operatorname{Gamma}(\alpha_1, \beta_1)`, :math:`q(x \mid \tau) = \mathcal{N}(\mu_1,
1/(\lambda_1\tau))`, and :math:`p` likewise with index 2:

1. the densities, each the product of the law of :math:`\tau` and the law of :math:`x`
   given :math:`\tau`;
2. the chain rule, :math:`\mathrm{H}(q, p) = \mathrm{H}(q(\tau), p(\tau)) +
   \mathbb{E}_{q(\tau)}[\mathrm{H}(q(x \mid \tau), p(x \mid \tau))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`, as for the divergence);
3. the cross-entropy of the two gamma laws (``kl-derive cross-entropy gamma gamma`` derives
   it step by step), verified here with :math:`\mathbb{E}[\tau]` and
   :math:`\mathbb{E}[\log\tau]`;
4. the cross-entropy of the two normal laws at a fixed :math:`\tau`:
   :math:`\frac12[\log 2\pi - \log\lambda_2 - \log\tau + \lambda_2/\lambda_1 +
   \lambda_2\tau(\mu_1 - \mu_2)^2]`;
5. its mean under :math:`q(\tau)`, with :math:`\mathbb{E}[\tau] = \alpha_1/\beta_1` and
   :math:`\mathbb{E}[\log\tau] = \psi(\alpha_1) - \log\beta_1`;
6. the sum.
"""

from __future__ import annotations

from sympy import Eq, Function, S, digamma, pi

from ..families.base import Distribution
from ..families.normal_gamma import PRECISION, VALUE
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, div, group, ln, mul, neg, square, sub
from ..symbolic.objects import CrossEntropy, Expect
from .chain_parts import factored_density, simplified
from .draft import Draft
from .entropy import derive_cross_entropy
from .normal_gamma_chain import JOINT, main_context

__all__ = ["derive_normal_gamma_cross_entropy"]

NAME = "chain rule"
TAU, X = PRECISION, VALUE


def derive_normal_gamma_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) for two Normal-Gamma laws."""
    family = first.family
    (mu1, lam1, a1, b1), (mu2, lam2, a2, b2) = first.args, second.args
    qj, pj = Function("q")(JOINT), Function("p")(JOINT)
    qt, pt = Function("qt")(TAU), Function("pt")(TAU)
    qc, pc = Function("qc")(X), Function("pc")(X)
    (g1, gargs1), (g2, gargs2) = family.marginal(first.args), family.marginal(second.args)
    shown = {"tau": TAU, "x": X}

    # 1. the densities
    chains = [
        factored_density(
            joint,
            marginal,
            conditional,
            law,
            mul(g.density(TAU, gargs), family.conditional_density(X, TAU, law.args)),
        )
        for joint, marginal, conditional, law, g, gargs in (
            (qj, qt, qc, first, g1, gargs1),
            (pj, pt, pc, second, g2, gargs2),
        )
    ]
    stages = [Stage("normal_gamma_definition", tuple(chains), params=shown)]

    # 2. the chain rule
    h, inner = CrossEntropy(qj, pj), CrossEntropy(qc, pc)
    split = add(CrossEntropy(qt, pt), Expect(inner, qt))
    params = {"joints": ((qj, qt, qc), (pj, pt, pc)), "value": X, "precision": TAU, "x": X}
    rule = Step("cross_entropy.chain_rule", h, split, params)
    stages.append(Stage("chain_rule_cross_entropy", (Chain((rule,)),), params=shown))

    # 3. the gamma laws
    gamma_h = derive_cross_entropy(
        Distribution(g1, gargs1, ""), Distribution(g2, gargs2, "")
    ).result_display
    command = f'kl-derive cross-entropy "gamma({a1}, {b1})" "gamma({a2}, {b2})"'
    marginal = Step(
        "cross_entropy.marginal", CrossEntropy(qt, pt), gamma_h, {"command": Code(command)}
    )
    stages.append(Stage("normal_gamma_cross_entropy_marginal", (Chain((marginal,)),)))

    # 4. the normal laws given tau
    ratio = div(lam2, lam1)
    spread = square(sub(mu1, mu2))
    constant = add(ln(mul(2, pi)), neg(ln(lam2)), ratio)
    conditional_h = mul(S.Half, group(add(constant, neg(ln(TAU)), mul(lam2, TAU, spread))))
    stages.append(
        Stage(
            "normal_gamma_cross_entropy_conditional",
            (Chain((Step("cross_entropy.conditional", inner, conditional_h),)),),
            params=shown,
        )
    )

    # 5. its mean over tau: E[tau] = a1/b1, E[log tau] = psi(a1) - log b1
    mean_tau, log_mean = div(a1, b1), add(digamma(a1), neg(ln(b1)))
    averaged = mul(S.Half, group(add(constant, neg(group(log_mean)), mul(lam2, mean_tau, spread))))
    steps = (
        Step("kl.insert_conditional", Expect(inner, qt), Expect(conditional_h, qt)),
        Step("expectation.linearity", Expect(conditional_h, qt), averaged),
    )
    facts = {
        "mean": Eq(Expect(TAU, qt), mean_tau, evaluate=False),
        "log_mean": Eq(Expect(ln(TAU), qt), log_mean, evaluate=False),
    }
    stages.append(
        Stage(
            "normal_gamma_cross_entropy_average",
            (Chain(steps),),
            params={**shown, **facts},
        )
    )

    # 6. the sum
    total = add(gamma_h, averaged)
    closing = (
        Step("moment.insert", split, total),
        *simplified(total, (*first.args, *second.args)),
    )
    stages.append(
        Stage(
            "normal_gamma_cross_entropy_result",
            (Chain((Step("cross_entropy.chain_rule", h, split, params), *closing)),),
        )
    )

    main = main_context(first, second, (qj, qt, qc), (pj, pt, pc))
    return Draft(
        NAME,
        tuple(stages),
        {"main": main},
        closing[-1].after,
        functions={
            "q": r"q(x, \tau)",
            "p": r"p(x, \tau)",
            "qt": r"q(\tau)",
            "pt": r"p(\tau)",
            "qc": r"q(x \mid \tau)",
            "pc": r"p(x \mid \tau)",
        },
        setting="catalog",
        quantity="cross_entropy",
    )
