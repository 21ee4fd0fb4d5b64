"""``kl-derive check``: does a line of loss code compute the KL term it claims to?

The KL term of a VAE with prior N(0, I) and encoder N(mu, diag(sigma^2)) is
``sum_j KL(N(mu_j, sigma_j^2) || N(0, 1))``; in code it is a line such as::

    -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

:func:`check_loss` reads such a line -- or a block of lines, as pasted -- without
evaluating it, works out what it computes for one example (:mod:`.semantics`), compares
that with the KL terms it knows (:mod:`.targets`: a Gaussian against N(0, 1), two
Gaussians, Bernoulli and categorical latents, RLHF's per-token estimators) and, when it
differs, gives a counterexample and names the mistakes (:mod:`.mistakes`)::

    >>> from kl_derive.check import check_loss
    >>> check_loss("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))").equal
    True
    >>> check_loss("-sum(1 + logvar - mu**2 - exp(logvar))").mistake
    'missing_half'

:func:`lint_paths` finds and checks the KL terms of whole files. Input the checker
refuses raises :class:`CheckInputError` (a :class:`~kl_derive.errors.KLDeriveError`)
with a one-line message.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import CheckInputError, option
from .report import CheckReport
from .roles import looks_like_kl, parse_names_option
from .statements import NotABlock, block_target, read_block
from .targets.gaussian import PARAMS

__all__ = ["PARAMS", "CheckInputError", "CheckReport", "check_loss", "parse_names_option"]


def check_loss(
    code: str,
    against: str | None = None,
    param: str | None = None,
    *,
    names: Mapping[str, str] | None = None,
    name: str | None = None,
) -> CheckReport:
    """Check that ``code`` computes a KL term, and say what is wrong if it does not.

    ``code`` is a line (``KLD = -0.5 * torch.sum(...)``, ``return ...``, ``kl *= -0.5``)
    or a block of lines; the KL is the last statement, or the last assignment to
    ``name``. ``param`` says what the scale variable holds (``"logvar"``, ``"scale"``,
    ``"variance"``, ``"logscale"``); by default it is read from the variable's name, and
    a name that says nothing gets the parametrization under which the line is right.
    ``names`` states roles (``{"mu": "z_mean", "logvar": "z_log_var"}``); ``against``
    forces the family (``"normal"``, ``"bernoulli"``, ``"categorical"``, ``"estimator"``).

    Returns a :class:`CheckReport`; raises :class:`CheckInputError` for code that cannot
    be read.
    """
    try:
        statements = read_block(code)
    except NotABlock:
        raise CheckInputError(
            "the code has functions or control flow; check it as a file "
            "(kl-derive check FILE, or lint_paths in Python)"
        ) from None
    target = block_target(statements, name)
    from .compare import check_tree

    assert target.value is not None
    try:
        return check_tree(
            target.value, against=against, param=param, names=names, unread=dict(target.unread)
        )
    except CheckInputError as error:
        others = [
            s.name
            for s in statements
            if s.value is not None and s.name not in ("", "return", target.name)
            and looks_like_kl(s.name)
        ]  # fmt: skip
        if name is not None or not others:
            raise
        suggestion = others[-1]
        raise CheckInputError(
            f"{error}; to check another assignment of the block, name it with "
            f"{option('name', suggestion)}"
        ) from None
