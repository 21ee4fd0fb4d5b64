r"""The last stage of ``kl-derive elbo --decoder any --prior any``: the single-sample loss.

When the KL term has no closed form (a mixture prior, a VampPrior, a flow), a VAE trains
the ELBO's integrand at one draw of the noise,

.. math::

   \ell(x, \varepsilon) = -\log p(x \mid z) - \log p(z) + \log q(z \mid x),
   \qquad z = \mu + \sigma \odot \varepsilon,

whose mean over :math:`\varepsilon` is :math:`-\mathrm{ELBO}(x)`. The stage shows both:

1. :math:`\mathbb{E}_{\varepsilon}[\ell(x, \varepsilon)] = -\mathrm{ELBO}(x)`, through the
   change of variables of the reparametrization stage (verified with a normal encoder and
   the decoder and prior left as unknown functions), the definition of ``g`` and the
   ELBO's two terms (verified for any densities);
2. the encoder's log density at the sample written out, :math:`\log q(z \mid x) =
   -\sum_j (\log \sigma_j + \varepsilon_j^2 / 2) - \tfrac{d}{2} \log 2\pi`, verified in
   the latent dimensions of :data:`SAMPLE_SIZES` with the product of the normal
   coordinates' densities evaluated at :math:`z_j = \mu_j + \sigma_j \varepsilon_j`.
"""

from __future__ import annotations

from sympy import Eq, Expr, Function, IndexedBase, Mul, S, Sum, Symbol, pi

from ..families import get_family
from ..steps.context import Context
from ..steps.step import Chain, Reparametrization, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, neg, square
from ..symbolic.objects import DIMENSION, KL, VARIABLE, Expect

__all__ = ["FUNCTIONS", "SAMPLE_SIZES", "sample_contexts", "sample_loss", "sample_stage"]

Z = VARIABLE
J = Symbol("j", integer=True, positive=True)
MU_VEC = IndexedBase("mu", real=True)
SIGMA_VEC = IndexedBase("sigma", positive=True)
EPS_VEC = IndexedBase("epsilon", real=True)
COORDS = IndexedBase("z", real=True)
#: the latent dimensions the explicit log density of the encoder is verified in
SAMPLE_SIZES = (3, 4)

FUNCTIONS = {
    "ell": r"\ell(x, \varepsilon)",
    "mixk": r"\mathcal{N}(z; m_{k}, s_{k}^{2})",
    "qj": r"q_{j}(z_{j} \mid x)",
}
K = Symbol("k", integer=True, positive=True)
COMPONENTS = Symbol("K", integer=True, positive=True)
WEIGHTS = IndexedBase("pi", positive=True)


def _loss(epsilon: Symbol) -> Expr:
    return Function("ell")(epsilon)


def sample_loss(lik: Expr, prior: Expr, q: Expr) -> Expr:
    r"""The single-sample loss with :math:`\log q` at the sample written out, as displayed:
    :math:`-\log p(x \mid z) - \log p(z) - \sum_j (\log \sigma_j + \varepsilon_j^2/2) -
    \tfrac{d}{2} \log 2\pi`."""
    per_coordinate = add(ln(SIGMA_VEC[J]), div(square(EPS_VEC[J]), 2))
    return add(
        neg(ln(lik)),
        neg(ln(prior)),
        neg(Sum(per_coordinate, (J, 1, DIMENSION))),
        neg(mul(div(DIMENSION, 2), ln(mul(2, pi)))),
    )


def _integrand(lik: Expr, prior: Expr, q: Expr) -> Expr:
    return add(neg(ln(lik)), neg(ln(prior)), ln(q))


def sample_stage(
    densities: tuple[Expr, Expr, Expr, Expr], g: Expr, elbo: Expr, mu: Symbol, sigma: Symbol
) -> Stage:
    r"""The stage: ``densities`` p(x | z), p(z), q(z | x) and p(epsilon); ``g`` the
    reparametrization stage's g(z); ``elbo`` ELBO(x); the sample is mu + sigma epsilon."""
    lik, prior, q, noise = densities
    (epsilon,) = noise.args
    shift = add(mu, mul(sigma, epsilon))
    loss = _loss(epsilon)
    shifted = g.func(shift)
    integrand = _integrand(lik, prior, q)
    two_terms = add(neg(Expect(ln(lik), q)), KL(q, prior))
    hint = Reparametrization("q", "phi", shift, epsilon)
    mean = Chain(
        (
            Step(
                "elbo.sample_definition",
                Expect(loss, noise),
                Expect(shifted, noise),
                facts="sample_ell",
                params={"g": _eq(g, integrand), "mu": mu, "sigma": sigma},
            ),
            Step(
                "elbo.sample_reparametrize",
                Expect(shifted, noise),
                Expect(g, q),
                hint=hint,
                facts="reparam",
            ),
            Step("elbo.sample_integrand", Expect(g, q), Expect(integrand, q), facts="sample_g"),
            Step("elbo.sample_terms", Expect(integrand, q), two_terms, facts="general"),
            Step("elbo.sample_elbo", two_terms, neg(elbo), facts="general"),
        )
    )
    sample = _eq(COORDS[J], add(MU_VEC[J], mul(SIGMA_VEC[J], EPS_VEC[J])))
    coordinate = _eq(
        ln(Function("qj", positive=True)(COORDS[J])),
        add(
            neg(ln(SIGMA_VEC[J])),
            neg(div(square(EPS_VEC[J]), 2)),
            neg(mul(S.Half, ln(mul(2, pi)))),
        ),
    )
    explicit = Chain(
        (
            Step(
                "elbo.sample_loss",
                loss,
                integrand,
                facts="sample_d",
                params={
                    "sample": sample,
                    "dimension": DIMENSION,
                    "mu_j": MU_VEC[J],
                    "sigma_j": SIGMA_VEC[J],
                    "coordinate": coordinate,
                },
            ),
            Step("elbo.sample_log_q", integrand, sample_loss(lik, prior, q), facts="sample_d"),
        )
    )
    mixture = Sum(mul(WEIGHTS[K], Function("mixk")(K)), (K, 1, COMPONENTS))
    return Stage(
        "elbo_sample",
        (mean, explicit),
        params={
            "mixture": _eq(prior, mixture),
            "loss": _eq(loss, integrand),
            "sample": _eq(Z, shift),
            "g": _eq(g, integrand),
            "mean": _eq(Expect(loss, noise), neg(elbo)),
        },
    )


def sample_contexts(
    general: Context,
    reparam: Context,
    densities: tuple[Expr, Expr, Expr, Expr],
    g: Expr,
    mu: Symbol,
    sigma: Symbol,
) -> dict[str, Context]:
    """The contexts the stage's steps are verified in: ``general`` and ``reparam`` are those
    of the first three stages and of the reparametrization, ``densities`` p(x | z), p(z),
    q(z | x) and p(epsilon)."""
    lik, prior, q, noise = densities
    (epsilon,) = noise.args
    shift = add(mu, mul(sigma, epsilon))
    integrand = _integrand(lik, prior, q)
    normal = get_family("normal")
    instances = {}
    for n in SAMPLE_SIZES:
        at_sample = Mul(
            *(
                evaluate(
                    normal.density(MU_VEC[k] + SIGMA_VEC[k] * EPS_VEC[k], (MU_VEC[k], SIGMA_VEC[k]))
                )
                for k in range(1, n + 1)
            )
        )
        instances[n] = Context(
            {},
            {_loss(epsilon): evaluate(integrand), q: at_sample},
            bindings={DIMENSION: S(n)},
        )
    return {
        "sample_ell": reparam.define(_loss(epsilon), g.func(shift)),
        "sample_g": general.define(g, evaluate(integrand)),
        "sample_d": Context({}, dimension=DIMENSION, instances=instances),
    }


def _eq(lhs: Expr, rhs: Expr) -> Expr:
    return Eq(lhs, rhs, evaluate=False)
