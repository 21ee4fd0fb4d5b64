"""kl-derive's on-disk caches: finished derivations, and compiled templates.

Both live in one folder, the *cache root*:

* ``$KL_DERIVE_CACHE_DIR`` if it is set (and not empty);
* otherwise ``$XDG_CACHE_HOME/kl-derive`` (``XDG_CACHE_HOME`` must be an absolute path);
* otherwise ``~/.cache/kl-derive``.

``results/`` holds the text of finished derivations (:class:`ResultCache`), used by the
``kl-derive`` command and ``kl-derive build`` unless ``--no-cache`` is given or
``KL_DERIVE_NO_CACHE`` is set to a true value (``1``, ``yes``, ...). ``templates/`` holds
compiled Jinja templates (see :mod:`kl_derive.render.bytecode`), keyed by each template's
own text, like Python's ``.pyc`` files; ``--no-cache`` does not turn those off.

A result is stored under a key that is a SHA-256 digest of everything its text depends
on: the request (the distributions, the quantity, every derivation and rendering option,
the format and language), the contents of the user's template folder if one is given,
and a fingerprint of the installation: every file of the ``kl_derive`` package (its code
and message catalogs, ``kl_derive.__version__`` among them), the built-in templates, the
versions of SymPy, mpmath, Jinja (and gmpy2 if installed) and of Python, and any
``KL_DERIVE_*``, ``SYMPY_*`` or ``MPMATH_*`` environment variable (but the cache's own and
``KL_DERIVE_DEBUG``). Change any of them and the key changes, so a stale entry is never
served; nothing is ever invalidated in place. If a part of the installation cannot be
read, nothing is cached. An entry carries a digest of its own text and is written to a
temporary file and renamed, so a torn or damaged file is a miss, never a wrong answer,
and two processes storing the same entry at once both succeed.

The cache root must belong to the user and be writable by nobody else (kl-derive creates
it so); a root that is not is not used. Any failure to read or write the cache (a
read-only folder, no home directory, a full disk) makes it a miss: the derivation is
made afresh and nothing is reported. Only the standard library is imported here; a
cached result is served without SymPy or Jinja. Nothing is ever evicted: delete the
folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from contextlib import suppress
from functools import cache
from pathlib import Path

from .resources import PACKAGE, templates_dir
from .version import __version__

__all__ = [
    "ResultCache",
    "cache_root",
    "installation_fingerprint",
    "results_disabled",
    "tree_digest",
    "write_atomic",
]

ENV_DIR = "KL_DERIVE_CACHE_DIR"
ENV_OFF = "KL_DERIVE_NO_CACHE"
#: KL_DERIVE_* variables that do not change what is derived (so are not in the key)
NEUTRAL_VARIABLES = frozenset({ENV_DIR, ENV_OFF, "KL_DERIVE_DEBUG"})

#: a user's template folder larger than this is not fingerprinted (nothing is cached)
TREE_MAX_FILES = 2000
TREE_MAX_BYTES = 32 * 2**20

#: the file of each dependency that names its version (gmpy2, if installed, changes
#: the arithmetic SymPy and mpmath use)
_DEPENDENCIES = {
    "sympy": "release.py",
    "mpmath": "__init__.py",
    "jinja2": "__init__.py",
    "gmpy2": "__init__.py",
}
_REQUIRED = ("sympy", "mpmath", "jinja2")
#: the environment variables that may change what is derived: kl-derive's own (but
#: NEUTRAL_VARIABLES), SymPy's (SYMPY_GROUND_TYPES, ...) and mpmath's (MPMATH_NOGMPY)
_VARIABLES = ("KL_DERIVE_", "SYMPY_", "MPMATH_")

_FALSE = {"", "0", "false", "no", "off"}
_HEADER = b"kl-derive result 1 "


def cache_root() -> Path | None:
    """The cache folder (not created here), or None when no sensible place exists."""
    explicit = os.environ.get(ENV_DIR, "")
    if explicit:
        return Path(explicit).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "kl-derive"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        return None
    return home / ".cache" / "kl-derive"


def results_disabled() -> bool:
    """Whether ``KL_DERIVE_NO_CACHE`` turns the result cache off."""
    return os.environ.get(ENV_OFF, "").strip().lower() not in _FALSE


def cache_folder(name: str) -> Path | None:
    """``<cache root>/<name>``, created (the root private to the user) if need be; None
    when it cannot be created, or when the root is not the user's own: a root another
    user owns or may write to could hold planted entries (compiled templates are code),
    so it is not used."""
    root = cache_root()
    if root is None:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(root):
            return None
        folder = root / name
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return folder


def _private(folder: Path) -> bool:
    """Whether ``folder`` belongs to this user and nobody else may write to it."""
    if not hasattr(os, "getuid"):  # Windows: folders in the profile are the user's
        return True
    info = folder.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a
    part: a temporary file in the same folder, flushed (and synced if ``durable``), then
    renamed over ``path``. An existing file keeps its permissions; a new one gets the
    usual ones (0666 less the umask). A symbolic link is followed: the file it points to
    is replaced, the link stays. On failure ``path`` is untouched and the temporary file
    removed; the OSError propagates.
    """
    path = Path(os.path.realpath(path))
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def tree_digest(folder: Path, *, skip_bytecode: bool = False) -> str | None:
    """A digest of every file under ``folder`` (names and contents; symbolic links
    followed, each folder once), or None if it is too large or cannot be read."""
    try:
        return _walk_digest(folder, skip_bytecode)
    except OSError:
        return None


def _walk_digest(folder: Path, skip_bytecode: bool) -> str | None:
    digest = hashlib.sha256()
    seen: set[tuple[int, int]] = set()
    files = size = 0
    for root, dirs, names in os.walk(folder, followlinks=True, onerror=_raise):
        info = os.stat(root)
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        if skip_bytecode:
            dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in sorted(names):
            if skip_bytecode and name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as stream:
                    data = stream.read(TREE_MAX_BYTES + 1)
            except OSError:
                if not os.path.exists(path):  # a dangling link: not a template
                    continue
                raise
            files += 1
            size += len(data)
            if files > TREE_MAX_FILES or size > TREE_MAX_BYTES:
                return None
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            digest.update(f"{relative}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def _raise(error: OSError) -> None:
    raise error


@cache
def installation_fingerprint() -> str | None:
    """A digest of this installation: kl-derive's files and version, the built-in
    templates, the versions of its dependencies and of Python; None if a part of it
    cannot be read (then nothing is cached)."""
    parts: dict[str, object] = {
        "kl-derive": __version__,
        "package": tree_digest(PACKAGE, skip_bytecode=True),
        "templates": tree_digest(templates_dir()),
        "python": [sys.version, sys.implementation.cache_tag],
    }
    for module, filename in _DEPENDENCIES.items():
        parts[module] = _file_digest(module, filename)
    if None in (parts["package"], parts["templates"], *(parts[m] for m in _REQUIRED)):
        return None
    return _digest(parts)


def _file_digest(module: str, filename: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    try:
        return hashlib.sha256((Path(spec.origin).parent / filename).read_bytes()).hexdigest()
    except OSError:
        return None


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """Finished derivations on disk, keyed by everything that decides their text."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def open(cls) -> ResultCache | None:
        """The user's result cache; None when it is switched off or cannot be created."""
        if results_disabled():
            return None
        folder = cache_folder("results")
        return None if folder is None else cls(folder)

    @staticmethod
    def key(request: Mapping[str, object], template_dir: str | None) -> str | None:
        """The key of ``request`` (JSON-able, without the template folder) rendered with
        templates from ``template_dir``; None if the folder cannot be fingerprinted."""
        installation = installation_fingerprint()
        if installation is None:
            return None
        user_templates = None
        if template_dir is not None:
            user_templates = tree_digest(Path(template_dir))
            if user_templates is None:
                return None
        variables = {
            name: value
            for name, value in os.environ.items()
            if name.startswith(_VARIABLES) and name not in NEUTRAL_VARIABLES
        }
        return _digest(
            {
                "schema": 1,
                "installation": installation,
                "request": dict(request),
                "user_templates": user_templates,
                "environment": variables,
            }
        )

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> str | None:
        """The stored text, or None (absent, unreadable or damaged: a damaged entry is
        removed)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header, _, body = data.partition(b"\n")
        if header != _HEADER + hashlib.sha256(body).hexdigest().encode():
            with suppress(OSError):
                path.unlink()
            return None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - the digest matched our own bytes
            return None

    def put(self, key: str, text: str) -> None:
        """Store ``text`` under ``key``; any failure is silent (the cache is a help)."""
        body = text.encode("utf-8")
        path = self.path(key)
        with suppress(OSError):
            path.parent.mkdir(exist_ok=True)
            write_atomic(
                path,
                _HEADER + hashlib.sha256(body).hexdigest().encode() + b"\n" + body,
                durable=False,
            )
