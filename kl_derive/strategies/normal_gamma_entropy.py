r"""The entropy of a Normal-Gamma law, by the chain rule of the entropy.

For :math:`q(x, \tau) = q(\tau)\, q(x \mid \tau)`, :math:`q(\tau) =
\operatorname{Gamma}(\alpha, \beta)` and :math:`q(x \mid \tau) = \mathcal{N}(\mu,
1/(\lambda\tau))`:

1. the density, the product of the two;
2. the chain rule, :math:`\mathrm{H}(q) = \mathrm{H}(q(\tau)) +
   \mathbb{E}_{q(\tau)}[\mathrm{H}(q(x \mid \tau))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`);
3. the entropy of the gamma law (``kl-derive entropy gamma`` derives it step by step),
   verified here with :math:`\mathbb{E}[\tau]` and :math:`\mathbb{E}[\log\tau]`;
4. the entropy of the normal law at a fixed :math:`\tau`:
   :math:`\frac12(1 + \log 2\pi - \log\lambda - \log\tau)`;
5. its mean, with :math:`\mathbb{E}[\log\tau] = \psi(\alpha) - \log\beta`;
6. the sum.

Every step is verified in the context of the divergence
(:func:`~kl_derive.strategies.normal_gamma_chain.main_context`); the insertion of step 4
into step 5 and the sum take the results of those steps as established facts.
"""

from __future__ import annotations

from sympy import Eq, Function, S, Symbol, digamma, pi

from ..families.base import Distribution
from ..families.normal_gamma import PRECISION, VALUE
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, group, ln, mul, neg
from ..symbolic.objects import Entropy, Expect
from .chain_parts import established, factored_density, simplified
from .draft import Draft
from .entropy import derive_entropy
from .normal_gamma_chain import main_context

__all__ = ["derive_normal_gamma_entropy"]

NAME = "chain rule"
TAU, X = PRECISION, VALUE
JOINT = Symbol("w", real=True)


def derive_normal_gamma_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a Normal-Gamma law."""
    family = first.family
    _, lam, alpha, beta = first.args
    qj, qt, qc = Function("q")(JOINT), Function("qt")(TAU), Function("qc")(X)
    (gamma, gamma_args) = family.marginal(first.args)
    shown = {"tau": TAU, "x": X}

    # 1. the density
    density = factored_density(
        qj,
        qt,
        qc,
        first,
        mul(gamma.density(TAU, gamma_args), family.conditional_density(X, TAU, first.args)),
    )
    stages = [Stage("normal_gamma_entropy_definition", (density,), params=shown)]

    # 2. the chain rule
    h, inner = Entropy(qj), Entropy(qc)
    split = add(Entropy(qt), Expect(inner, qt))
    params = {"joints": ((qj, qt, qc),), "value": X, "precision": TAU, "x": X}
    rule = Step("entropy.chain_rule", h, split, params)
    stages.append(Stage("chain_rule_entropy", (Chain((rule,)),), params=shown))

    # 3. the gamma law
    gamma_h = derive_entropy(Distribution(gamma, gamma_args, "")).result_display
    command = f'kl-derive entropy "gamma({alpha}, {beta})"'
    marginal = Step("entropy.marginal", Entropy(qt), gamma_h, {"command": Code(command)})
    stages.append(Stage("normal_gamma_entropy_marginal", (Chain((marginal,)),)))

    # 4. the normal law given tau
    constant = add(1, ln(mul(2, pi)), neg(ln(lam)))
    conditional_h = mul(S.Half, group(add(constant, neg(ln(TAU)))))
    stages.append(
        Stage(
            "normal_gamma_entropy_conditional",
            (Chain((Step("entropy.conditional", inner, conditional_h),)),),
            params=shown,
        )
    )

    # 5. its mean: E[log tau] = psi(alpha) - log beta
    log_mean = add(digamma(alpha), neg(ln(beta)))
    averaged = mul(S.Half, group(add(constant, neg(group(log_mean)))))
    steps = (
        Step("kl.insert_conditional", Expect(inner, qt), Expect(conditional_h, qt), facts="given"),
        Step("expectation.linearity", Expect(conditional_h, qt), averaged),
    )
    fact = Eq(Expect(ln(TAU), qt), log_mean, evaluate=False)
    stages.append(
        Stage(
            "normal_gamma_entropy_average",
            (Chain(steps),),
            params={**shown, "log_mean": fact},
        )
    )

    # 6. the sum
    total = add(gamma_h, averaged)
    closing = (
        Step("moment.insert", split, total, facts="parts"),
        *simplified(total, first.args, facts="parts"),
    )
    stages.append(
        Stage(
            "normal_gamma_entropy_result",
            (Chain((Step("entropy.chain_rule", h, split, params), *closing)),),
        )
    )

    names = (qj, qt, qc)
    contexts = {
        "main": main_context(first, first, names, names),
        "given": established({inner: conditional_h}),
        "parts": established({Entropy(qt): gamma_h, Expect(inner, qt): averaged}),
    }
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        closing[-1].after,
        functions={"q": r"q(x, \tau)", "qt": r"q(\tau)", "qc": r"q(x \mid \tau)"},
        setting="catalog",
        quantity="entropy",
    )
