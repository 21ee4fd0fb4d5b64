"""Exceptions. Only :class:`KLDeriveError` is meant for users; its message is one line."""

from __future__ import annotations


class KLDeriveError(Exception):
    """A request kl-derive cannot carry out: bad input, an unknown family, and so on.

    The message is a single line written for the person who typed the request; the
    command-line tool prints it after ``kl-derive: error:`` and exits with status 2.
    """


class SpecError(KLDeriveError):
    """A distribution spec such as ``normal(mu, sigma)`` could not be read."""


class VerificationError(Exception):
    """A derivation step whose equality the engine could not establish.

    This is a bug in a strategy, never the user's fault, so it is not a
    :class:`KLDeriveError`; the engine refuses to emit a derivation that contains one.
    """

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"step {rule!r} could not be verified: {detail}")
        self.rule = rule
        self.detail = detail


class UncheckedError(VerificationError, KLDeriveError):
    """A step the engine could not check at the numbers given: every parameter is a
    number, the step is not proved symbolically, and its numbers (quadrature, sums) do
    not confirm it to 1e-10 there (mass beyond any quadrature's reach, such as
    E[z^2] = e^5000 under log_normal(0, 50)). Nothing is emitted. It is a
    :class:`VerificationError` (the step was refused) and a :class:`KLDeriveError`: the
    request ends in one line, a limit of the checks at those values, not an internal
    error."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(rule, detail)
        self.args = (
            f"step {rule!r} ({detail}) could not be checked at these parameter values: it is "
            "not proved symbolically and numerical integration does not confirm it to 1e-10 "
            "there (try symbolic parameters)",
        )
