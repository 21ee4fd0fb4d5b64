"""``kl-derive check``: does a VAE loss line compute the KL term it claims to?

The KL term of a VAE with prior N(0, I) and encoder N(mu, diag(sigma^2)) is
``sum_j KL(N(mu_j, sigma_j^2) || N(0, 1))``; in code it is a line such as::

    -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

:func:`check_loss` reads such a line without evaluating it (:mod:`.parse` walks the
Python syntax tree over a whitelist), works out what it computes for one example's latent
vector (:mod:`.semantics`), compares that with the KL derived by kl-derive
(:mod:`.compare`) and, when they differ, gives a counterexample and names the usual
mistake it makes (:mod:`.mistakes`)::

    >>> from kl_derive.check import check_loss
    >>> check_loss("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))").equal
    True
    >>> check_loss("-sum(1 + logvar - mu**2 - exp(logvar))").mistake
    'missing_half'

Input the checker refuses raises :class:`CheckInputError` (a
:class:`~kl_derive.errors.KLDeriveError`) with a one-line message. Reading the line does
not import SymPy, so refusals are fast.
"""

from __future__ import annotations

from collections.abc import Mapping

from .names import PARAMS, parse_names_option
from .parse import CheckInputError, parse_loss
from .report import CheckReport

__all__ = ["PARAMS", "CheckInputError", "CheckReport", "check_loss", "parse_names_option"]


def check_loss(
    expression: str,
    against: str = "normal",
    param: str = "logvar",
    *,
    names: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check that ``expression`` computes sum_j KL(N(mu_j, sigma_j^2) || N(0, 1)).

    ``param`` says what the code's scale variable holds: ``"logvar"`` (log sigma^2, the
    default, as in PyTorch's VAE example), ``"scale"`` (sigma), ``"variance"`` (sigma^2)
    or ``"logscale"`` (log sigma). ``against`` is the encoder family (only ``"normal"``).
    The variables are recognised by their usual names (``mu``, ``z_mean``, ``loc`` ...;
    ``logvar``, ``z_log_var``, ``sigma``, ``std`` ...); ``names`` maps them explicitly,
    e.g. ``{"mu": "z_mean", "scale": "z_log_var"}``.

    ``sum``/``reduce_sum``/``.sum()`` over the latent axis is sum_j, ``mean`` is
    (1/d) sum_j; a reduction over the batch axis (or of a value already reduced) leaves a
    single example's value unchanged, so batch sums and batch means both pass.

    Returns a :class:`CheckReport`; raises :class:`CheckInputError` for a line that cannot
    be read (anything outside the whitelist, unknown names, too long or too deep input).
    """
    tree = parse_loss(expression)
    from .compare import check_tree

    return check_tree(tree, against=against, param=param, names=names)
