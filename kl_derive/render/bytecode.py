"""Compiled templates kept on disk, so that a new process does not recompile them.

Jinja turns a template into Python code and compiles it; this costs more than rendering.
:class:`TemplateBytecodeCache` stores the compiled code in ``<cache root>/templates``
(see :mod:`kl_derive.cache`) under a key made of the template's full text, its name and
file name, the environment's syntax and options, its filters and tests (the generated
code depends on which exist and what they are passed), the environment class, kl-derive's,
Jinja's and Python's versions. A changed template, a new Jinja or a new Python therefore
looks for another file: an entry is never stale, and is never rewritten with other
contents (so concurrent writers cannot disagree). A missing, unreadable or damaged entry
is compiled afresh; a folder that cannot be written just means nothing is kept.
"""

from __future__ import annotations

import hashlib
import sys
from contextlib import suppress
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from ..cache import cache_folder, write_atomic
from ..version import __version__

__all__ = ["TemplateBytecodeCache", "template_bytecode_cache"]

#: the settings that change the code Jinja generates for a template
_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "autoescape",
    "is_async",
)


class TemplateBytecodeCache(BytecodeCache):
    """Jinja's bytecode cache, content-addressed, in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_bucket(self, environment, name, filename, source):  # type: ignore[override]
        settings = [_stable(getattr(environment, setting, None)) for setting in _SETTINGS]
        settings.append(sorted(environment.extensions))
        # the generated code depends on which filters and tests exist and what they take
        for table in (environment.filters, environment.tests):
            settings.append(
                sorted((k, repr(getattr(f, "jinja_pass_arg", None))) for k, f in table.items())
            )
        parts = [
            "kl-derive",
            __version__,
            jinja2.__version__,
            sys.version,
            sys.implementation.cache_tag,
            f"{type(environment).__module__}.{type(environment).__qualname__}",
            repr(settings),
            str(name),
            str(filename),
            source,
        ]
        key = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = (self.folder / f"{bucket.key}.jinja").read_bytes()
        except OSError:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # a damaged file: compile afresh (and overwrite it)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            write_atomic(
                self.folder / f"{bucket.key}.jinja", bucket.bytecode_to_string(), durable=False
            )

    def clear(self) -> None:
        for path in self.folder.glob("*.jinja"):
            with suppress(OSError):
                path.unlink()


def _stable(value: object) -> str:
    """A setting as text that is the same in every process (a function, such as the
    autoescape test, by its qualified name rather than its address)."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    return repr(value)


def template_bytecode_cache() -> TemplateBytecodeCache | None:
    """The cache in the user's cache folder, or None if there is no usable folder."""
    folder = cache_folder("templates")
    return None if folder is None else TemplateBytecodeCache(folder)
