"""Writing the files the user asks for (``-o``, figures) so that a failure loses nothing.

Every file is written to a temporary file in the target's own directory, flushed to disk,
and renamed over the target: the target holds either the old file or the whole new one,
never half of either, whatever stops the write (a full disk, a limit on file size, an
error while drawing). A symbolic link is followed: the file it points to is replaced and
the link stays. A target that is not a regular file (``/dev/null``, a terminal, a pipe) is
written directly, as there is nothing there to lose. Failures raise
:class:`~kl_derive.errors.KLDeriveError` naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO

from .errors import KLDeriveError

__all__ = ["replacing", "write_text"]


def write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, replacing the file only once it is all written."""
    with replacing(path) as file:
        file.write(text.encode("utf-8"))


@contextlib.contextmanager
def replacing(path: str) -> Iterator[IO[bytes]]:
    """A binary file to write; on leaving the block without an error it replaces ``path``.

    An error inside the block (or while writing) leaves ``path`` as it was and removes the
    temporary file.
    """
    if not path:
        raise KLDeriveError("cannot write to an empty file name")
    with _reporting(path):
        try:
            mode: int | None = os.stat(path).st_mode  # through links (a loop: ELOOP)
        except FileNotFoundError:
            mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise KLDeriveError(f"cannot write {path!r}: it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        with _reporting(path), open(path, "wb") as device:  # nothing there to lose
            yield device
        return
    target = os.path.realpath(path)  # the file a link points to is replaced
    handle, temporary = _temporary(path, target)
    try:
        with _reporting(path):
            with os.fdopen(handle, "wb") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())
            if mode is not None:  # the new file keeps the old one's permissions
                os.chmod(temporary, stat.S_IMODE(mode))
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _temporary(path: str, target: str) -> tuple[int, str]:
    """A new file beside ``target``, created as ``open`` would create it (umask applies)."""
    folder, name = os.path.split(target)
    for _ in range(100):
        # (a name of its own that fits where the target's name fits)
        temporary = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as error:
            raise _cannot(path, error, folder) from None
    raise KLDeriveError(f"cannot write {path!r}: no free name for a temporary file")


@contextlib.contextmanager
def _reporting(path: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise _cannot(path, error) from None


def _cannot(path: str, error: OSError, folder: str | None = None) -> KLDeriveError:
    reason = error.strerror or str(error)
    if folder is not None and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        # the old file may be writable, but the new one is made beside it
        reason += f" (a new file is written in {folder!r} and renamed over the old one)"
    return KLDeriveError(f"cannot write {path!r}: {reason}")
