"""``kl-derive elbo``: the evidence lower bound down to a VAE's loss, with the derive
command's output options and its own (``--decoder``, ``--prior``, ``--beta``).

``--detail full`` also inlines the seed derivation, KL(N(mu_j, sigma_j^2) || N(0, 1)), in
the KL term's stage (at other levels it is cited by its command). Imports click and the
standard library only.
"""

from __future__ import annotations

import re

import click

from .cli_derive import QUANTITY, SETTINGS, derive_command
from .cli_options import CONTEXT, choice

__all__ = ["DECODERS", "PRIORS", "check_beta", "elbo_command"]

#: kept equal to kl_derive.strategies.elbo's lists by a test (this module loads no SymPy)
DECODERS = ("gaussian", "gaussian-learned", "bernoulli", "any")
PRIORS = ("normal", "any")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def check_beta(text: str) -> str:
    """``text`` if it is a positive number or ``beta``; otherwise a usage error."""
    text = text.strip()
    if text == "beta":
        return text
    if not _NUMBER.fullmatch(text):
        raise click.UsageError(f"--beta must be a positive number or 'beta', not {text!r}")
    if float(text) <= 0 or float(text) == float("inf"):
        raise click.UsageError(
            f"--beta must be positive and finite, not {text} (it weighs the KL term; at zero "
            "or below the loss no longer pulls q(z|x) towards the prior)"
        )
    return text


def _callback(decoder: str, prior: str, beta: str, **kwargs: object) -> None:
    decoder = choice("decoder", decoder, DECODERS)
    prior = choice("prior", prior, PRIORS)
    beta = check_beta(beta)
    inline = kwargs.get("detail") == "full" and prior == "normal"
    settings = (
        ("decoder", decoder),
        ("prior", prior),
        ("beta", beta),
        ("inline", "1" if inline else "0"),
    )
    quantity, given = QUANTITY.set("elbo"), SETTINGS.set(settings)
    try:
        derive_command.callback(  # type: ignore[misc]
            p="elbo", q=None, param=None, dims=None, strategy=None, **kwargs
        )
    finally:
        QUANTITY.reset(quantity)
        SETTINGS.reset(given)


_OWN = [
    click.Option(
        ["--decoder"],
        default="gaussian",
        show_default=True,
        metavar="NAME",
        help="p(x|z): gaussian (fixed variance: squared error), gaussian-learned (a scale per "
        "data coordinate), bernoulli (binary cross-entropy), or any (left as log p(x|z)).",
    ),
    click.Option(
        ["--prior"],
        default="normal",
        show_default=True,
        metavar="NAME",
        help="p(z): normal (N(0, I): the KL term is the seed derivation summed over the latent "
        "coordinates; inlined with --detail full) or any.",
    ),
    click.Option(
        ["--beta"],
        default="1",
        show_default=True,
        metavar="WEIGHT",
        help="The weight of the KL term (a beta-VAE): a positive number, or beta for the symbol.",
    ),
]

elbo_command = click.Command(
    "elbo",
    params=[
        *_OWN,
        *(
            o
            for o in derive_command.params
            if isinstance(o, click.Option) and o.name not in ("dims", "strategy", "param")
        ),
    ],
    callback=_callback,
    help="Derive log p(x) = ELBO + KL(q(z|x) || p(z|x)) (and by Jensen's inequality), "
    "ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)), the reparametrization z = mu + sigma*eps, "
    "and the per-sample loss a VAE trains (kl-derive code elbo prints it).",
    context_settings=CONTEXT,
)
