"""Where the HTML page loads KaTeX from (``--katex``): checked before it goes into the page.

The value is KaTeX's ``dist`` folder, given as an ``http(s)`` (or ``file``) URL or as a
path, which the page's links are relative to (like any link in a web page). Anything else,
such as ``javascript:...``, is refused; the page escapes the value it writes.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

from ..errors import KLDeriveError

__all__ = ["KATEX_FILE", "katex_folder", "katex_href"]

#: the file KaTeX's dist folder must hold (the page loads it, with its CSS and auto-render)
KATEX_FILE = "katex.min.js"
#: characters a URL cannot hold as they are (RFC 3986)
_NOT_IN_URLS = re.compile(r'[\s"<>\\^`{|}]')


def katex_href(value: str) -> str:
    """The value as the page's links use it (a path is URL-quoted); a one-line error for
    anything but an http(s) or file URL or a path."""
    if not isinstance(value, str):
        raise TypeError(f"katex is a folder's path or a URL, as a string; got {value!r}")
    wrong = KLDeriveError(
        f"--katex takes KaTeX's dist folder or an http(s) URL of it, got {value!r}"
    )
    if not value.strip() or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise wrong
    parts = urlsplit(value)
    if parts.scheme and _NOT_IN_URLS.search(value):  # a URL writes these %-encoded
        raise wrong
    if parts.scheme in ("http", "https"):
        if not parts.netloc:
            raise wrong
        return value.rstrip("/")
    if parts.scheme == "file":
        return value.rstrip("/")
    if parts.scheme and len(parts.scheme) > 1:  # javascript:, data:, ftp: (C: is a drive)
        raise wrong
    return quote(value, safe="/:~._-").rstrip("/") or "/"


def katex_folder(value: str, page: str | None) -> Path | None:
    """The folder a path or ``file`` URL given to ``--katex`` names (a relative path read
    from the folder of the page: ``page``, or the current folder for standard output);
    ``None`` for an http(s) URL. A folder that does not hold KaTeX is a one-line error."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme == "file":
        folder = Path(url2pathname(parts.path))
    else:
        base = Path(page).parent if page else Path.cwd()
        folder = base / Path(value)
    if not (folder / KATEX_FILE).is_file():
        raise KLDeriveError(
            f"--katex {value!r}: no {KATEX_FILE} in {str(folder)!r} (give KaTeX's dist "
            "folder, relative to the page's own folder, or an http(s) URL)"
        )
    return folder
