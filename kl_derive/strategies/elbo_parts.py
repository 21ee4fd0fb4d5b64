r"""The last stages of ``kl-derive elbo``: the reconstruction term for a decoder, the KL
term for a standard normal prior, and the per-sample loss; with the contexts they are
verified in.

The data have ``D`` coordinates :math:`x_i` and the latent variable ``d`` coordinates
:math:`z_j`. The decoder maps a sample :math:`z = \mu + \sigma \odot \varepsilon` to
:math:`\hat x_i` (the means; with a learned variance also the scales :math:`\hat s_i`; for
a Bernoulli decoder the probabilities :math:`\hat p_i`). Steps in a symbolic dimension
are verified in the instances listed in :data:`DATA_SIZES` and :data:`LATENT_SIZES`.
"""

from __future__ import annotations

from sympy import (
    Expr,
    Function,
    IndexedBase,
    Mul,
    Product,
    S,
    StrictLessThan,
    Sum,
    Symbol,
    exp,
    log,
    oo,
    pi,
    sqrt,
)

from ..families import get_family
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, div, evaluate, ln, mul, neg, power, square, sub
from ..symbolic.objects import DIMENSION, KL, VARIABLE

__all__ = [
    "BETA",
    "DATA_SIZES",
    "LATENT_SIZES",
    "decoder_stage",
    "loss_stage",
    "loss_value",
    "prior_stage",
    "reconstruction",
    "stage_contexts",
]

BETA = Symbol("beta", positive=True)
D = Symbol("D", integer=True, positive=True)
I = Symbol("i", integer=True, positive=True)  # noqa: E741 (the data coordinate)
J = Symbol("j", integer=True, positive=True)
LATENT = DIMENSION
DATA = IndexedBase("x", real=True)
XHAT = IndexedBase("xhat", real=True)
SHAT = IndexedBase("shat", positive=True)
PHAT = IndexedBase("phat", positive=True)
S_DEC = Symbol("s", positive=True)
MU = IndexedBase("mu", real=True)
SIGMA = IndexedBase("sigma", positive=True)
COORDS = IndexedBase("z", real=True)
#: the derivations the prior stage cites
DIAG_COMMAND = 'kl-derive "diag_normal(mu, sigma)" "diag_normal(0, 1)"'
SEED_COMMAND = 'kl-derive "normal(mu_j, sigma_j)" "normal(0, 1)"'
#: the instances a step in the data dimension D (the latent dimension d) is checked in
DATA_SIZES = (2, 3)
LATENT_SIZES = (3, 4)

PXI = Function("pxi", positive=True)
QJ, PJ = Function("qj", positive=True), Function("pj", positive=True)

FUNCTIONS = {
    "pxi": r"p(x_{i} \mid z)",
    "qj": r"q_{j}(z_{j} \mid x)",
    "pj": r"p_{j}(z_{j})",
}


def _density(decoder: str, i: Expr) -> Expr:
    """The decoder's density of coordinate ``i``, as displayed."""
    x, xhat = DATA[i], XHAT[i]
    if decoder == "bernoulli":
        p = PHAT[i]
        return mul(power(p, x), power(sub(1, p), sub(1, x)))
    scale = S_DEC if decoder == "gaussian" else SHAT[i]
    return mul(
        div(1, sqrt(mul(2, pi, square(scale)), evaluate=False)),
        exp(neg(div(square(sub(x, xhat)), mul(2, square(scale)))), evaluate=False),
    )


def _log_density(decoder: str, i: Expr) -> Expr:
    x, xhat = DATA[i], XHAT[i]
    if decoder == "bernoulli":
        p = PHAT[i]
        return add(mul(x, ln(p)), mul(sub(1, x), ln(sub(1, p))))
    if decoder == "gaussian":
        return sub(
            neg(div(square(sub(x, xhat)), mul(2, square(S_DEC)))),
            mul(S.Half, ln(mul(2, pi, square(S_DEC)))),
        )
    s = SHAT[i]
    return add(
        neg(div(square(sub(x, xhat)), mul(2, square(s)))),
        neg(ln(s)),
        neg(mul(S.Half, ln(mul(2, pi)))),
    )


def reconstruction(decoder: str) -> Expr:
    """log p(x | z) summed over the D coordinates, in the form the loss uses."""
    squares = Sum(square(sub(DATA[I], XHAT[I])), (I, 1, D))
    if decoder == "gaussian":
        return sub(
            neg(mul(div(1, mul(2, square(S_DEC))), squares)),
            mul(div(D, 2), ln(mul(2, pi, square(S_DEC)))),
        )
    if decoder == "gaussian-learned":
        s = SHAT[I]
        inner = add(div(square(sub(DATA[I], XHAT[I])), mul(2, square(s))), ln(s))
        return sub(neg(Sum(inner, (I, 1, D))), mul(div(D, 2), ln(mul(2, pi))))
    return Sum(_log_density("bernoulli", I), (I, 1, D))


def _prior_terms() -> Expr:
    return add(square(MU[J]), square(SIGMA[J]), neg(ln(square(SIGMA[J]))), -1)


def prior_value() -> Expr:
    """KL(q(z | x) || N(0, I)) for q = N(mu, diag(sigma^2)), as displayed."""
    return mul(S.Half, Sum(_prior_terms(), (J, 1, LATENT)))


def decoder_stage(decoder: str) -> Stage:
    """log p(x | z) for ``decoder`` (gaussian, gaussian-learned, bernoulli)."""
    lik = Function("pxgz", positive=True)(VARIABLE)
    product = Product(PXI(I), (I, 1, D))
    per_sum = Sum(ln(PXI(I)), (I, 1, D))
    chains = [
        Chain(
            (
                Step("elbo.decoder_factor", ln(lik), ln(product)),
                Step("log.product", ln(product), per_sum),
            )
        ),
        Chain(
            (
                Step("elbo.decoder_density", ln(PXI(I)), ln(_density(decoder, I))),
                Step("elbo.decoder_log", ln(_density(decoder, I)), _log_density(decoder, I)),
            )
        ),
    ]
    summed = Sum(_log_density(decoder, I), (I, 1, D))
    total = reconstruction(decoder)
    steps = [Step("elbo.decoder_sum", ln(lik), summed)]
    if decoder != "bernoulli":
        steps.append(Step("elbo.decoder_collect", summed, total))
    chains.append(Chain(tuple(steps)))
    chains = [c.with_facts("decoder") for c in chains]
    key = {"gaussian": "elbo_gaussian", "gaussian-learned": "elbo_gaussian_learned"}
    return Stage(key.get(decoder, "elbo_bernoulli"), tuple(chains), params={"D": D})


def prior_stage() -> Stage:
    """KL(q(z | x) || p(z)) for a standard normal prior, coordinate by coordinate."""
    z = VARIABLE
    q, p = Function("q", positive=True)(z), Function("p", positive=True)(z)
    coordinate = KL(QJ(COORDS[J]), PJ(COORDS[J]))
    each = mul(S.Half, _prior_terms())
    chain = Chain(
        (
            Step(
                "elbo.prior_coordinates",
                KL(q, p),
                Sum(coordinate, (J, 1, LATENT)),
                params={"command": Code(DIAG_COMMAND)},
            ),
            Step(
                "elbo.prior_seed",
                Sum(coordinate, (J, 1, LATENT)),
                Sum(each, (J, 1, LATENT)),
                params={"command": Code(SEED_COMMAND)},
            ),
            Step("elbo.prior_half", Sum(each, (J, 1, LATENT)), prior_value()),
        )
    )
    return Stage(
        "elbo_prior",
        (chain.with_facts("prior"),),
        params={"command": Code(SEED_COMMAND)},
    )


def loss_value(decoder: str, prior: str, beta: Expr, lik: Expr, q: Expr, p: Expr) -> Expr:
    """The per-sample loss, as displayed."""
    if decoder == "gaussian":
        data = add(
            mul(div(1, mul(2, square(S_DEC))), Sum(square(sub(DATA[I], XHAT[I])), (I, 1, D))),
            mul(div(D, 2), ln(mul(2, pi, square(S_DEC)))),
        )
    elif decoder == "gaussian-learned":
        s = SHAT[I]
        inner = add(div(square(sub(DATA[I], XHAT[I])), mul(2, square(s))), ln(s))
        data = add(Sum(inner, (I, 1, D)), mul(div(D, 2), ln(mul(2, pi))))
    elif decoder == "bernoulli":
        p_i = PHAT[I]
        data = neg(
            Sum(add(mul(DATA[I], ln(p_i)), mul(sub(1, DATA[I]), ln(sub(1, p_i)))), (I, 1, D))
        )
    else:
        data = neg(ln(lik))
    if prior == "normal":
        weight = S.Half if beta == 1 else div(beta, 2)
        regulariser = mul(weight, Sum(_prior_terms(), (J, 1, LATENT)))
    else:
        regulariser = KL(q, p) if beta == 1 else mul(beta, KL(q, p))
    return add(data, regulariser)


def loss_stage(
    decoder: str, prior: str, beta: Expr, lik: Expr, q: Expr, p: Expr
) -> tuple[Stage, Expr]:
    """The loss: minus the reconstruction term plus beta times the KL term."""
    x = Symbol("x", real=True)
    loss = Function("L")(x)
    kl = KL(q, p)
    definition = add(neg(ln(lik)), kl if beta == 1 else mul(beta, kl))
    recon = reconstruction(decoder) if decoder != "any" else ln(lik)
    kl_value = prior_value() if prior == "normal" else kl
    inserted = add(neg(recon), kl_value if beta == 1 else mul(beta, kl_value))
    final = loss_value(decoder, prior, beta, lik, q, p)
    steps = [Step("elbo.loss_definition", loss, definition)]
    if inserted != definition:
        steps.append(Step("elbo.loss_insert", definition, inserted))
    if final != inserted:
        steps.append(Step("elbo.loss_simplify", inserted, final))
    stage = Stage(
        "elbo_loss" if beta == 1 else "elbo_loss_beta",
        (Chain(tuple(steps)).with_facts("loss"),),
        params={"beta": beta},
    )
    return stage, final


# -- contexts ----------------------------------------------------------------------------


def _decoder_definitions(decoder: str, size: int) -> dict[Expr, Expr]:
    lik = Function("pxgz", positive=True)(VARIABLE)
    out: dict[Expr, Expr] = {}
    for k in range(1, size + 1):
        out[PXI(k)] = evaluate(_density(decoder, k))
    out[lik] = Mul(*(PXI(k) for k in range(1, size + 1)))
    return out


def _bernoulli_conditions(size: int) -> tuple[Expr, ...]:
    return tuple(StrictLessThan(PHAT[k], 1) for k in range(1, size + 1))


def _prior_densities(size: int) -> tuple[dict[str, DensityFacts], dict[Expr, Expr]]:
    normal = get_family("normal")
    z = VARIABLE
    densities = {}
    for k in range(1, size + 1):
        v = COORDS[k]
        for name, fn, args in (("q", QJ, (MU[k], SIGMA[k])), ("p", PJ, (S.Zero, S.One))):
            densities[f"{name}[{k}]"] = DensityFacts(
                fn(v), v, (-oo, oo), evaluate(normal.density(v, args)), normal.moments(args, 2)
            )
    joint = {
        Function("q", positive=True)(z): Mul(*(QJ(COORDS[k]) for k in range(1, size + 1))),
        Function("p", positive=True)(z): Mul(*(PJ(COORDS[k]) for k in range(1, size + 1))),
    }
    return densities, joint


def stage_contexts(
    decoder: str, prior: str, beta: Expr, lik: Expr, q: Expr, p: Expr
) -> dict[str, Context]:
    """The contexts of the decoder, prior and loss stages."""
    out: dict[str, Context] = {}
    if decoder != "any":
        conditions = _bernoulli_conditions if decoder == "bernoulli" else (lambda n: ())
        out["decoder"] = Context(
            {},
            dimension=D,
            index=I,
            instances={
                n: Context({}, _decoder_definitions(decoder, n), conditions=conditions(n))
                for n in DATA_SIZES
            },
        )
    if prior == "normal":
        instances = {}
        for n in LATENT_SIZES:
            densities, joint = _prior_densities(n)
            instances[n] = Context(densities, joint)
        out["prior"] = Context({}, dimension=LATENT, index=J, instances=instances)
    loss_instances = {}
    for n in DATA_SIZES:
        definitions: dict[Expr, Expr] = {}
        conditions: tuple[Expr, ...] = ()
        if decoder != "any":
            definitions.update(_decoder_definitions(decoder, n))
            if decoder == "bernoulli":
                conditions = _bernoulli_conditions(n)
        latent = n + 1
        if prior == "normal":
            terms = sum(
                (evaluate(_prior_terms()).xreplace({J: k}) for k in range(1, latent + 1)),
                S.Zero,
            )
            definitions[KL(q, p)] = terms / 2
        definitions[Function("L")(Symbol("x", real=True))] = -log(lik) + beta * KL(q, p)
        loss_instances[n] = Context(
            {}, definitions, bindings={LATENT: S(latent)}, conditions=conditions
        )
    out["loss"] = Context({}, dimension=D, instances=loss_instances)
    return out
