r"""KL between two Normal-Gamma laws, by the chain rule of the divergence.

For :math:`q(x, \tau) = q(\tau)\, q(x \mid \tau)` with :math:`q(\tau) =
\operatorname{Gamma}(\alpha_1, \beta_1)`, :math:`q(x \mid \tau) = \mathcal{N}(\mu_1,
1/(\lambda_1\tau))`, and :math:`p` likewise with index 2:

1. the densities, each the product of the law of :math:`\tau` and the law of :math:`x`
   given :math:`\tau`;
2. the chain rule, :math:`D(q \,\|\, p) = D(q(\tau) \,\|\, p(\tau)) +
   \mathbb{E}_{q(\tau)}[D(q(x \mid \tau) \,\|\, p(x \mid \tau))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`: each joint density is the product, and the
   conditional density integrates to one in :math:`x`);
3. the divergence between the two gamma laws (``kl-derive gamma gamma`` derives it step by
   step), verified with :math:`\mathbb{E}[\tau]` and :math:`\mathbb{E}[\log\tau]`;
4. the divergence between the two normal laws at a fixed :math:`\tau`:
   :math:`\frac12[\lambda_2/\lambda_1 - \log(\lambda_2/\lambda_1) - 1 + \lambda_2\tau(\mu_1 -
   \mu_2)^2]` (the precisions' :math:`\tau` cancels in the log ratio of the scales);
5. its mean under :math:`q(\tau)`, linear in :math:`\tau`: :math:`\mathbb{E}[\tau] =
   \alpha_1/\beta_1`;
6. the sum.
"""

from __future__ import annotations

from sympy import Eq, Function, S, Symbol, digamma, log, oo

from ..families.base import Distribution
from ..families.normal_gamma import PRECISION, VALUE
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, neg, square, sub
from ..symbolic.objects import KL, Expect
from . import expected_log_ratio
from .chain_parts import factored_density, simplified
from .draft import Draft
from .laws import parameter_conditions

__all__ = ["derive", "main_context"]

NAME = "chain rule"
TAU, X = PRECISION, VALUE
#: the densities: joint, of tau, of x given tau (one name each, so each prints as itself)
JOINT = Symbol("w", real=True)  # the pair (x, tau), for the joint densities' argument


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two Normal-Gamma laws."""
    family = first.family
    (mu1, lam1, a1, b1), (mu2, lam2, a2, b2) = first.args, second.args
    qj, pj = Function("q")(JOINT), Function("p")(JOINT)
    qt, pt = Function("qt")(TAU), Function("pt")(TAU)
    qc, pc = Function("qc")(X), Function("pc")(X)
    (g1, gargs1), (g2, gargs2) = family.marginal(first.args), family.marginal(second.args)
    gamma_q, gamma_p = Distribution(g1, gargs1, ""), Distribution(g2, gargs2, "")

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
    shown = {"tau": TAU, "x": X}
    stages = [Stage("normal_gamma_definition", tuple(chains), params=shown)]

    # 2. the chain rule
    kl = KL(qj, pj)
    inner = KL(qc, pc)
    split = add(KL(qt, pt), Expect(inner, qt))
    chain_params = {"joints": ((qj, qt, qc), (pj, pt, pc)), "value": X, "precision": TAU, "x": X}
    stages.append(
        Stage(
            "chain_rule",
            params=shown,
            chains=(Chain((Step("kl.chain_rule", kl, split, chain_params),)),),
        )
    )

    # 3. the gamma laws
    gamma_kl = expected_log_ratio.derive(gamma_q, gamma_p).result_display
    command = f'kl-derive "gamma({a1}, {b1})" "gamma({a2}, {b2})"'
    stages.append(
        Stage(
            "normal_gamma_marginal",
            (Chain((Step("kl.marginal", KL(qt, pt), gamma_kl, {"command": Code(command)}),)),),
        )
    )

    # 4. the normal laws given tau
    ratio = div(lam2, lam1)
    conditional_kl = mul(
        S.Half,
        add(ratio, neg(ln(ratio)), -1, mul(lam2, TAU, square(sub(mu1, mu2)))),
    )
    stages.append(
        Stage(
            "normal_gamma_conditional",
            (Chain((Step("kl.conditional", inner, conditional_kl),)),),
            params=shown,
        )
    )

    # 5. its mean over tau
    mean_tau = div(a1, b1)
    averaged = mul(
        S.Half,
        add(ratio, neg(ln(ratio)), -1, mul(lam2, mean_tau, square(sub(mu1, mu2)))),
    )
    stages.append(
        Stage(
            "normal_gamma_average",
            (
                Chain(
                    (
                        Step(
                            "kl.insert_conditional", Expect(inner, qt), Expect(conditional_kl, qt)
                        ),
                        Step("expectation.linearity", Expect(conditional_kl, qt), averaged),
                    )
                ),
            ),
            params={**shown, "mean": Eq(Expect(TAU, qt), mean_tau, evaluate=False)},
        )
    )

    # 6. the sum
    total = add(gamma_kl, averaged)
    closing = (
        Step("moment.insert", split, total),
        *simplified(total, (*first.args, *second.args)),
    )
    stages.append(
        Stage(
            "normal_gamma_result",
            (
                Chain(
                    (
                        Step("kl.chain_rule", kl, split, chain_params),
                        *closing,
                    )
                ),
            ),
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
    )


def main_context(first: Distribution, second: Distribution, qs: tuple, ps: tuple) -> Context:
    """The densities of the two laws, joint, of tau and of x given tau, with E[tau],
    E[log tau] under the first law of tau and the first two moments of x given tau."""
    family = first.family
    mu1, lam1, a1, b1 = first.args
    (qj, qt, qc), (pj, pt, pc) = qs, ps
    (g1, gargs1), (n1, nargs1) = family.marginal(first.args), family.conditional(first.args)
    (g2, gargs2), (n2, nargs2) = family.marginal(second.args), family.conditional(second.args)
    conditions = parameter_conditions(first, second)
    g1_value, g2_value = evaluate(g1.density(TAU, gargs1)), evaluate(g2.density(TAU, gargs2))
    n1_value, n2_value = evaluate(n1.density(X, nargs1)), evaluate(n2.density(X, nargs2))
    precision1 = evaluate(lam1 * TAU)
    densities = {
        "qt": DensityFacts(
            qt,
            TAU,
            (S.Zero, oo),
            g1_value,
            {1: evaluate(a1 / b1)},
            expectations={log(TAU): evaluate(digamma(a1) - log(b1))},
        ),
        "pt": DensityFacts(pt, TAU, (S.Zero, oo), g2_value),
        "qc": DensityFacts(
            qc, X, (-oo, oo), n1_value, {1: evaluate(mu1), 2: evaluate(mu1**2 + 1 / precision1)}
        ),
        "pc": DensityFacts(pc, X, (-oo, oo), n2_value),
        "q": DensityFacts(qj, (X, TAU), (-oo, oo), g1_value * n1_value),
        "p": DensityFacts(pj, (X, TAU), (-oo, oo), g2_value * n2_value),
    }
    return Context(densities, conditions=conditions)
