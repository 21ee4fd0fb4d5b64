"""The error ``kl-derive check`` raises for input it refuses, and how messages name options.

A message that tells the user to state something names the option to use. The same check
is reached from the command line (``--names mu=z_mean,logvar=z_log_var``) and from Python
(``names={'mu': 'z_mean', 'logvar': 'z_log_var'}``); :func:`option` writes the spelling of
whichever is running, chosen with :func:`command_line_spelling`, so that every message
names an option that exists where the user is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import KLDeriveError

__all__ = ["CheckInputError", "command_line_spelling", "option"]


class CheckInputError(KLDeriveError):
    """Input ``kl-derive check`` refuses to read; the message is one line.

    ``line`` is the line of a file or block the error is about, when there is one.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_COMMAND_LINE: ContextVar[bool] = ContextVar("kl_derive_check_command_line", default=False)


@contextmanager
def command_line_spelling() -> Iterator[None]:
    """Within the block, messages name the command line's options (``--param``)."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def option(name: str, value: str | Mapping[str, str] | None = None) -> str:
    """``--param logvar`` on the command line, ``param='logvar'`` in Python.

    ``value`` is a string, a mapping (written ``mu=z_mean,logvar=z_log_var`` on the
    command line and as a dict in Python) or None for the option alone.
    """
    if _COMMAND_LINE.get():
        flag = "--" + name.replace("_", "-")
        if value is None:
            return flag
        if isinstance(value, Mapping):
            return f"{flag} " + ",".join(f"{k}={v}" for k, v in value.items())
        return f"{flag} {value}"
    if value is None:
        return f"{name}="
    return f"{name}={dict(value) if isinstance(value, Mapping) else value!r}"
