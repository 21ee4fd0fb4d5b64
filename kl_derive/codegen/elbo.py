"""``kl-derive code elbo``: the per-sample VAE loss of ``kl-derive elbo`` as a function.

The inputs are what an encoder and a decoder output for a batch: ``mu`` and ``logvar``
(the encoder's mean and log variance, shape ``(batch, d)``) and, for the decoder, the
means ``x_hat`` (with a fixed scale ``scale``; with a learned variance also ``x_logvar``)
or the ``logits`` of a Bernoulli decoder (shape ``(batch, D)``, like the data ``x``).
The loss is the derivation's last display with sigma_j = exp(logvar_j / 2),
s_i = exp(x_logvar_i / 2) and p_i = sigmoid(logits_i), written for numerical stability
(``expm1`` for exp(logvar) - 1, and the binary cross-entropy from the logits as
max(l, 0) - x l + log1p(exp(-|l|))), and checked against that display at random values
before it is printed.
"""

from __future__ import annotations

import math
import random

from sympy import Abs, Expr, Rational, S, Symbol, exp, log, pi
from sympy.codegen.cfunctions import expm1, log1p

from ..errors import KLDeriveError
from .frameworks import get_framework, print_expr
from .source import module_source

__all__ = ["CODE_DECODERS", "elbo_code", "loss_terms", "sample_code", "sample_log_q"]

#: the decoders code is printed for (``any`` has no formula to print)
CODE_DECODERS = ("gaussian", "gaussian-learned", "bernoulli")

X, XHAT, MU, LOGVAR = Symbol("x"), Symbol("x_hat"), Symbol("mu"), Symbol("logvar")
SCALE, XLOGVAR, LOGITS, BETA = Symbol("scale"), Symbol("x_logvar"), Symbol("logits"), Symbol("beta")
EPS, LOG_LIK, LOG_PRIOR = Symbol("eps"), Symbol("log_likelihood"), Symbol("log_prior")


def loss_terms(decoder: str) -> tuple[Expr, Expr]:
    """(the data term per data coordinate, the KL term per latent coordinate), in the
    code's variables: their sums over the last axes, the KL term weighted by beta, are
    the loss."""
    if decoder == "gaussian":
        data = (X - XHAT) ** 2 / (2 * SCALE**2) + log(2 * pi * SCALE**2) / 2
    elif decoder == "gaussian-learned":
        data = (X - XHAT) ** 2 / (2 * exp(XLOGVAR)) + XLOGVAR / 2 + log(2 * pi) / 2
    elif decoder == "bernoulli":
        data = (LOGITS + Abs(LOGITS)) / 2 - X * LOGITS + log1p(exp(-Abs(LOGITS)))
    else:
        raise KLDeriveError(
            f"no code for the decoder {decoder!r} (choose from {', '.join(CODE_DECODERS)}): "
            "the loss needs the decoder's log-likelihood written out"
        )
    kl = (MU**2 + expm1(LOGVAR) - LOGVAR) / 2
    return data, kl


def _check_against_derivation(decoder: str, data: Expr, kl: Expr) -> None:
    """The printed terms, summed, equal the derivation's loss at random values (D = 2,
    d = 3), with sigma = exp(logvar/2), s = exp(x_logvar/2), p = sigmoid(logits)."""
    from ..strategies import elbo_parts as parts
    from ..symbolic.display import evaluate

    rng = random.Random(20261207)
    derived = evaluate(parts.loss_value(decoder, "normal", BETA, S.One, S.One, S.One))
    derived = derived.xreplace({parts.D: 2, parts.LATENT: 3}).doit()
    for _ in range(3):
        values: dict[Expr, float] = {BETA: rng.uniform(0.2, 4), parts.S_DEC: rng.uniform(0.3, 2)}
        code_total = 0.0
        for i in (1, 2):
            point = {
                X: rng.choice((0.0, 1.0)) if decoder == "bernoulli" else rng.uniform(-2, 2),
                XHAT: rng.uniform(-2, 2),
                XLOGVAR: rng.uniform(-2, 2),
                LOGITS: rng.uniform(-6, 6),
                SCALE: values[parts.S_DEC],
            }
            values.update({parts.DATA[i]: point[X], parts.XHAT[i]: point[XHAT]})
            values[parts.SHAT[i]] = math.exp(point[XLOGVAR] / 2)
            values[parts.PHAT[i]] = 1 / (1 + math.exp(-point[LOGITS]))
            code_total += float(data.xreplace(point).evalf(30))
        for j in (1, 2, 3):
            m, lv = rng.uniform(-2, 2), rng.uniform(-2, 2)
            values.update({parts.MU[j]: m, parts.SIGMA[j]: math.exp(lv / 2)})
            code_total += values[BETA] * float(kl.xreplace({MU: m, LOGVAR: lv}).evalf(30))
        expected = float(derived.xreplace(values).evalf(30))
        if not math.isclose(code_total, expected, rel_tol=1e-12, abs_tol=1e-12):
            raise AssertionError(f"the printed loss {code_total} != the derived {expected}")


def elbo_code(framework: str = "numpy", decoder: str = "gaussian", beta: str = "1") -> str:
    """The module source of ``vae_loss(...)`` for ``framework``: the per-sample loss of
    ``kl-derive elbo --decoder DECODER`` with a standard normal prior, ``beta`` the
    default weight of the KL term."""
    spec = get_framework(framework)
    data, kl = loss_terms(decoder)
    _check_against_derivation(decoder, data, kl)
    weight = float(Rational(beta)) if beta != "beta" else 1.0
    if not (weight > 0 and math.isfinite(weight)):
        raise KLDeriveError(f"beta must be a positive number, not {beta!r}")
    printer = spec.printer()
    inputs = {
        "gaussian": ["x", "x_hat", "mu", "logvar", "scale=1.0"],
        "gaussian-learned": ["x", "x_hat", "x_logvar", "mu", "logvar"],
        "bernoulli": ["x", "logits", "mu", "logvar"],
    }[decoder]
    params = [*inputs, f"beta={weight!r}"]
    body = []
    if decoder == "gaussian" and framework == "torch":  # torch.log takes tensors only
        body.append("scale = torch.as_tensor(scale, dtype=x.dtype, device=x.device)")
    body += [
        f"data = {print_expr(printer, data)}",
        f"kl = {print_expr(printer, kl)}",
        "return " + spec.reduce_call("sum", "data") + " + beta * " + spec.reduce_call("sum", "kl"),
    ]
    arrays = f"{spec.array}s"
    decoder_args = {
        "gaussian": [
            f"x_hat: the decoder's means at z = mu + exp(logvar / 2) * eps, {arrays} like x.",
            "scale: the decoder's fixed standard deviation s (a number).",
        ],
        "gaussian-learned": [
            f"x_hat, x_logvar: the decoder's means and log variances at the sample, {arrays} "
            "like x.",
        ],
        "bernoulli": [
            "logits: the decoder's logits at the sample (p = sigmoid(logits)), like x; x "
            "holds 0s and 1s.",
        ],
    }[decoder]
    formula = {
        "gaussian": "sum_i (x_i - x_hat_i)^2 / (2 s^2) + D/2 log(2 pi s^2)",
        "gaussian-learned": "sum_i [(x_i - x_hat_i)^2 / (2 s_i^2) + log s_i] + D/2 log(2 pi)",
        "bernoulli": "-sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)]",
    }[decoder]
    docstring = "\n".join(
        [
            "Per-sample VAE loss (minus the ELBO for beta = 1), derived and verified by kl-derive",
            f"(kl-derive elbo --decoder {decoder}), with one sample z = mu + sigma * eps:",
            "",
            f"    {formula}",
            "      + beta/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)",
            "",
            "with sigma_j^2 = exp(logvar_j). Average it over the batch for the training loss.",
            "",
            "Args:",
            f"    x: the data, {spec.array} of shape (batch, D) (flatten images first).",
            *("    " + line for line in decoder_args),
            f"    mu, logvar: the encoder's outputs, {arrays} of shape (batch, d).",
            "    beta: the weight of the KL term (1: the ELBO; a beta-VAE otherwise).",
            "",
            "Returns:",
            f"    {spec.array} of shape (batch,): the loss of each sample.",
        ]
    )
    imports = [*spec.imports, *spec.missing_imports(printer)]
    return module_source(imports, "vae_loss", params, docstring, body)


# -- any decoder, any prior: the loss at one sample (kl-derive elbo --decoder any --prior any)


def sample_log_q() -> Expr:
    """log q(z_j | x) at z_j = mu_j + exp(logvar_j / 2) eps_j, per latent coordinate; the
    constant log(2 pi)/2 as a number (torch.log takes tensors only)."""
    return -(LOGVAR / 2 + EPS**2 / 2 + (log(2 * pi) / 2).evalf(17))


def _check_sample_against_derivation(log_q: Expr) -> None:
    """The printed loss equals the derivation's result at random values (d = 3)."""
    from sympy import Function, Indexed

    from ..strategies.elbo_sample import sample_loss
    from ..symbolic.display import evaluate
    from ..symbolic.objects import DIMENSION, VARIABLE

    rng = random.Random(20261207)
    densities = [Function(n, positive=True)(VARIABLE) for n in ("pxgz", "p", "q")]
    result = evaluate(sample_loss(*densities)).xreplace({DIMENSION: 3}).doit()
    lik, prior = log(densities[0]), log(densities[1])
    indexed = {str(x): x for x in result.atoms(Indexed)}
    for _ in range(3):
        a, b = rng.uniform(-9, 2), rng.uniform(-9, 2)
        values: dict[Expr, float] = {lik: a, prior: b}
        code_total = -a - b
        for j in (1, 2, 3):
            lv, e = rng.uniform(-3, 3), rng.uniform(-3, 3)
            values[indexed[f"sigma[{j}]"]] = math.exp(lv / 2)
            values[indexed[f"epsilon[{j}]"]] = e
            code_total += float(log_q.xreplace({LOGVAR: lv, EPS: e}).evalf(30))
        expected = float(result.xreplace(values).evalf(30))
        if not math.isclose(code_total, expected, rel_tol=1e-12, abs_tol=1e-12):
            raise AssertionError(f"the printed loss {code_total} != the derived {expected}")


def sample_code(framework: str = "numpy") -> str:
    """The module source of ``vae_sample_loss(log_likelihood, log_prior, logvar, eps)``:
    the single-sample loss of ``kl-derive elbo --decoder any --prior any``."""
    spec = get_framework(framework)
    log_q = sample_log_q()
    _check_sample_against_derivation(log_q)
    printer = spec.printer()
    body = [
        f"log_q = {print_expr(printer, log_q)}",
        "return -log_likelihood - log_prior + " + spec.reduce_call("sum", "log_q"),
    ]
    arrays = f"{spec.array}s"
    docstring = "\n".join(
        [
            "Single-sample VAE loss for any decoder and any prior, derived and verified by",
            "kl-derive (kl-derive elbo --decoder any --prior any); its mean over eps is minus",
            "the ELBO, so it is an unbiased estimate of the loss and of its gradient:",
            "",
            "    -log p(x | z) - log p(z) + log q(z | x),  z = mu + sigma * eps,",
            "    log q(z | x) = -sum_j (log sigma_j + eps_j^2 / 2) - d/2 log(2 pi)",
            "",
            "with sigma_j^2 = exp(logvar_j). This is what a VAE with a Gaussian-mixture prior",
            "trains: there, log p(z) = logsumexp_k(log pi_k + sum_j log N(z_j; m_kj, s_kj^2)).",
            "Average it over the batch for the training loss.",
            "",
            "Args:",
            f"    log_likelihood: log p(x | z) at the sample z, {spec.array} of shape (batch,).",
            f"    log_prior: log p(z) at the sample z, {spec.array} of shape (batch,).",
            f"    logvar: the encoder's log variances, {spec.array} of shape (batch, d).",
            "    eps: the standard normal noise that made z = mu + exp(logvar / 2) * eps,",
            f"        {arrays} of shape (batch, d).",
            "",
            "Returns:",
            f"    {spec.array} of shape (batch,): the loss of each sample.",
        ]
    )
    imports = [*spec.imports, *spec.missing_imports(printer)]
    params = ["log_likelihood", "log_prior", "logvar", "eps"]
    return module_source(imports, "vae_sample_loss", params, docstring, body)
