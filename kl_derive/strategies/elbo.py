r"""The evidence lower bound, down to the loss a variational autoencoder trains.

The stages (``kl-derive elbo``):

1. the identity :math:`\log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}(q(z \mid x) \| p(z \mid x))`,
   from Bayes' rule and a logarithm split in two;
2. the same bound by Jensen's inequality (the concave logarithm of an expectation), the gap
   being that divergence;
3. :math:`\mathrm{ELBO} = \mathbb{E}_q[\log p(x \mid z)] - \mathrm{KL}(q(z \mid x) \| p(z))`;
4. the reparametrization :math:`z = \mu + \sigma\varepsilon`, and why the gradient of the
   expectation then moves inside it;
5. (with a decoder) the reconstruction term as squared error or binary cross-entropy;
6. (with ``prior="normal"``) the KL term, the seed derivation summed over coordinates;
7. the per-sample loss, with the weight :math:`\beta` of a β-VAE.

Stages 1 to 3 hold for any densities: they are verified with the densities left as
undefined positive functions (Bayes' rule as a definition), symbolically. Stage 4 is
verified for a normal encoder and any function of the latent variable; stages 5 to 7 in
the dimensions 2 and 3 (data) and 3 and 4 (latent), coordinate by coordinate.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Expr,
    Function,
    GreaterThan,
    IndexedBase,
    Integral,
    Mul,
    S,
    Symbol,
    exp,
    oo,
    pi,
    sqrt,
)

from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Reparametrization, Stage, Step
from ..symbolic.display import add, div, expo, ln, mul, neg, root, square
from ..symbolic.objects import KL, VARIABLE, Expect
from .draft import Draft
from .elbo_parts import (
    BETA,
    LATENT,
    J,
    decoder_stage,
    loss_stage,
    prior_stage,
    stage_contexts,
)
from .elbo_parts import FUNCTIONS as PART_FUNCTIONS
from .elbo_sample import FUNCTIONS as SAMPLE_FUNCTIONS
from .elbo_sample import sample_contexts, sample_loss, sample_stage

__all__ = ["BETA", "DECODERS", "FUNCTIONS", "NAME", "PRIORS", "derive_elbo", "result_lhs"]

NAME = "elbo"
#: the decoders: "any" keeps log p(x | z) as it is
DECODERS = ("gaussian", "gaussian-learned", "bernoulli", "any")
PRIORS = ("normal", "any")

Z = VARIABLE
X = Symbol("x", real=True)
EPSILON = Symbol("epsilon", real=True)
MU = Symbol("mu", real=True)
SIGMA = Symbol("sigma", positive=True)

# the densities, as undefined positive functions (stages 1-3 hold for any of them)
QF = Function("q", positive=True)(Z)
PRIOR = Function("p", positive=True)(Z)
JOINT = Function("pxz", positive=True)(Z)
POSTERIOR = Function("pzx", positive=True)(Z)
LIKELIHOOD = Function("pxgz", positive=True)(Z)
EVIDENCE = Function("px", positive=True)(X)
ELBO = Function("ELBO")(X)
NOISE = Function("phi", positive=True)(EPSILON)
G = Function("g")(Z)

FUNCTIONS = {
    "q": r"q(z \mid x)",
    "p": "p(z)",
    "pxz": "p(x, z)",
    "pzx": r"p(z \mid x)",
    "pxgz": r"p(x \mid z)",
    "px": "p(x)",
    "ELBO": r"\mathrm{ELBO}(x)",
    "phi": r"p(\varepsilon)",
    "L": r"\mathcal{L}(x)",
    "gvec": r"g(\mu + \sigma \odot \varepsilon)",
    "phivec": r"p(\varepsilon)",
}


def derive_elbo(decoder: str = "gaussian", prior: str = "normal", beta: Expr = S.One) -> Draft:
    """Draft the ELBO's derivation (see the module docstring); ``decoder`` one of
    :data:`DECODERS`, ``prior`` one of :data:`PRIORS`, ``beta`` the weight of the KL
    term (a positive number or the symbol ``beta``)."""
    lim = (Z, -oo, oo)
    general = Context(
        {
            "q": DensityFacts(QF, Z, (-oo, oo), QF),
            "pzx": DensityFacts(POSTERIOR, Z, (-oo, oo), POSTERIOR),
            "p": DensityFacts(PRIOR, Z, (-oo, oo), PRIOR),
        },
        # Bayes' rule: p(x, z) = p(x) p(z | x) = p(x | z) p(z)
        {
            JOINT: EVIDENCE * POSTERIOR,
            LIKELIHOOD: EVIDENCE * POSTERIOR / PRIOR,
            ELBO: Expect(ln(div(JOINT, QF)), QF),
        },
    )
    stages: list[Stage] = []

    # 1. the identity ---------------------------------------------------------------
    log_ratio = Expect(ln(div(JOINT, QF)), QF)
    split = add(log_ratio, Expect(ln(div(QF, POSTERIOR)), QF))
    stages.append(
        Stage(
            "elbo_identity",
            (
                Chain(
                    (
                        Step(
                            "elbo.constant",
                            ln(EVIDENCE),
                            Expect(ln(EVIDENCE), QF),
                            params={"bayes": _eq(JOINT, mul(EVIDENCE, POSTERIOR))},
                        ),
                        Step(
                            "elbo.bayes",
                            Expect(ln(EVIDENCE), QF),
                            Expect(ln(div(JOINT, POSTERIOR)), QF),
                        ),
                        Step("elbo.insert_q", Expect(ln(div(JOINT, POSTERIOR)), QF), split),
                        Step("elbo.name", split, add(ELBO, KL(QF, POSTERIOR))),
                    ),
                ),
            ),
            params={"elbo_definition": _eq(ELBO, log_ratio)},
        )
    )

    # 2. Jensen ---------------------------------------------------------------------
    marginal = Integral(JOINT, lim)
    weighted = Integral(mul(QF, div(JOINT, QF)), lim)
    ratio_mean = Expect(div(JOINT, QF), QF)
    stages.append(
        Stage(
            "elbo_jensen",
            (
                Chain(
                    (
                        Step(
                            "elbo.normalized",
                            ln(EVIDENCE),
                            ln(mul(EVIDENCE, Integral(POSTERIOR, lim))),
                        ),
                        Step(
                            "elbo.marginal",
                            ln(mul(EVIDENCE, Integral(POSTERIOR, lim))),
                            ln(marginal),
                        ),
                        Step("elbo.multiply_divide", ln(marginal), ln(weighted)),
                        Step("expectation.definition", ln(weighted), ln(ratio_mean)),
                    )
                ),
                Chain(
                    (
                        Step(
                            "elbo.gap",
                            add(ln(EVIDENCE), mul(-1, ELBO)),
                            KL(QF, POSTERIOR),
                            params={
                                "jensen": GreaterThan(ln(ratio_mean), log_ratio, evaluate=False),
                                "bound": GreaterThan(ln(EVIDENCE), ELBO, evaluate=False),
                            },
                        ),
                    )
                ),
            ),
        )
    )

    # 3. the two terms ----------------------------------------------------------------
    factored = Expect(ln(div(mul(LIKELIHOOD, PRIOR), QF)), QF)
    terms = add(Expect(ln(LIKELIHOOD), QF), Expect(ln(div(PRIOR, QF)), QF))
    two_terms = add(Expect(ln(LIKELIHOOD), QF), mul(-1, KL(QF, PRIOR)))
    stages.append(
        Stage(
            "elbo_split",
            (
                Chain(
                    (
                        Step("elbo.definition", ELBO, log_ratio),
                        Step("elbo.factor_joint", log_ratio, factored),
                        Step("elbo.log_product", factored, terms),
                        Step("elbo.kl_prior", terms, two_terms),
                    )
                ),
            ),
        )
    )

    # 4. the reparametrization ----------------------------------------------------------------
    stages.append(_reparametrization_stage())

    contexts: dict[str, Context] = {
        "general": general,
        "reparam": _reparam_context(),
        "reparam_d": _coordinates_context(),
    }
    extra, result = [], two_terms
    if decoder != "any":
        extra.append(decoder_stage(decoder))
    if prior == "normal":
        extra.append(prior_stage())
    if decoder != "any" or prior == "normal" or beta != 1:
        loss, result = loss_stage(decoder, prior, beta, LIKELIHOOD, QF, PRIOR)
        extra.append(loss)
    else:  # no closed form to insert: the loss at one draw of the noise, unbiased
        densities = (LIKELIHOOD, PRIOR, QF, NOISE)
        extra.append(sample_stage(densities, G, ELBO, MU, SIGMA))
        general, reparam = contexts["general"], contexts["reparam"]
        contexts.update(sample_contexts(general, reparam, densities, G, MU, SIGMA))
        result = sample_loss(LIKELIHOOD, PRIOR, QF)
    contexts.update(stage_contexts(decoder, prior, beta, LIKELIHOOD, QF, PRIOR))
    # (the coordinate-wise step keeps its own context, reparam_d)
    stages = [s.with_facts("general") for s in stages[:3]] + [stages[3].with_facts("reparam")]
    stages.extend(extra)
    functions = {**FUNCTIONS, **PART_FUNCTIONS, **SAMPLE_FUNCTIONS}
    if beta != 1:
        functions["L"] = r"\mathcal{L}_{\beta}(x)"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        result,
        functions=functions,
        expect_subscripts=True,
        setting="catalog",
        quantity="elbo",
    )


def result_lhs(decoder: str, prior: str, beta: Expr) -> Expr:
    """What the derivation's result is: the loss ``L(x)``, or the single-sample loss
    ``ell(x, epsilon)`` when neither a decoder nor a prior is chosen and beta is one."""
    if decoder != "any" or prior == "normal" or beta != 1:
        return Function("L")(X)
    return Function("ell")(EPSILON)


def _reparametrization_stage() -> Stage:
    shifted = G.func(add(MU, mul(SIGMA, EPSILON)))
    hint = Reparametrization("q", "phi", MU + SIGMA * EPSILON, EPSILON)
    inside = Expect(shifted, NOISE)
    chains = [
        Chain(
            (
                Step(
                    "elbo.reparametrize",
                    Expect(G, QF),
                    inside,
                    hint=hint,
                    params={"shifted": add(MU, mul(SIGMA, EPSILON))},
                ),
            )
        ),
        *(
            Chain(
                (
                    Step(
                        "elbo.differentiate_inside",
                        Derivative(inside, parameter),
                        Expect(Derivative(shifted, parameter), NOISE),
                        params={"sample": shifted},
                    ),
                )
            )
            for parameter in (MU, SIGMA)
        ),
        *(
            Chain(
                (
                    Step(
                        "elbo.differentiate_coordinates",
                        Derivative(Expect(G_VEC, NOISE_VEC), parameter[J]),
                        Expect(Derivative(G_VEC, parameter[J]), NOISE_VEC),
                        facts="reparam_d",
                        params={
                            "coordinate": _eq(
                                COORDS[J], add(MU_VEC[J], mul(SIGMA_VEC[J], EPS_VEC[J]))
                            )
                        },
                    ),
                )
            )
            for parameter in (MU_VEC, SIGMA_VEC)
        ),
    ]
    return Stage(
        "elbo_reparametrization",
        tuple(chains),
        params={
            "transform": _eq(Z, add(MU, mul(SIGMA, EPSILON))),
            "noise": _eq(NOISE, _standard_display(EPSILON)),
            "naive": Derivative(Expect(G, QF), MU),
            "mu": MU,
            "sigma": SIGMA,
        },
    )


def _standard(v: Symbol) -> Expr:
    return exp(-(v**2) / 2) / sqrt(2 * pi)


def _standard_display(v: Symbol) -> Expr:
    return div(expo(neg(div(square(v), 2))), root(mul(2, pi)))


def _reparam_context() -> Context:
    """A normal encoder N(mu, sigma^2), a standard normal noise, g any function."""
    q_value = exp(-((Z - MU) ** 2) / (2 * SIGMA**2)) / sqrt(2 * pi * SIGMA**2)
    return Context(
        {
            "q": DensityFacts(QF, Z, (-oo, oo), q_value),
            "phi": DensityFacts(NOISE, EPSILON, (-oo, oo), _standard(EPSILON)),
        }
    )


#: d/dmu_j E_p(eps)[g(mu + sigma (.) eps)] in d coordinates: g, p(eps) shown as vectors,
#: bound in each instance d = 2, 3 to g(mu_1 + sigma_1 eps_1, ...) and the product density
MU_VEC = IndexedBase("mu", real=True)
SIGMA_VEC = IndexedBase("sigma", positive=True)
EPS_VEC = IndexedBase("epsilon", real=True)
COORDS = IndexedBase("z", real=True)
G_VEC = Function("gvec")(Z)
NOISE_VEC = Function("phivec", positive=True)(EPSILON)
#: the latent dimensions the coordinate-wise step is verified in
COORDINATE_SIZES = (2, 3)


def _coordinates_context() -> Context:
    """For d = 2, 3: independent standard normal noises, g any function of d arguments."""
    instances = {}
    for n in COORDINATE_SIZES:
        eps = tuple(EPS_VEC[k] for k in range(1, n + 1))
        value = Mul(*(_standard(e) for e in eps))
        noise = Function("phivec", positive=True)(*eps)
        bindings = {
            G_VEC: G.func(*(MU_VEC[k] + SIGMA_VEC[k] * EPS_VEC[k] for k in range(1, n + 1))),
            NOISE_VEC: noise,
        }
        instances[n] = Context(
            {"phivec": DensityFacts(noise, eps, (-oo, oo), value)}, bindings=bindings
        )
    return Context({}, dimension=LATENT, index=J, instances=instances)


def _eq(lhs: Expr, rhs: Expr) -> Expr:
    from sympy import Eq

    return Eq(lhs, rhs, evaluate=False)
