"""The manifest of ``kl-derive build``: many derivations in one TOML file.

::

    # notes.toml
    [defaults]                      # optional: what every entry starts from
    lang = "ko"

    [[derivation]]
    p = "normal"                    # Q omitted: the standard member, as on the command line
    output = "build/kl-normal.tex"  # relative to this file's folder

    [[derivation]]
    p = "normal(mu, sigma)"
    q = "laplace(0, 1)"
    to = "markdown"
    detail = "full"
    output = "build/kl-normal-laplace.md"

    [[derivation]]
    quantity = "entropy"            # kl (the default), entropy, cross-entropy, estimators,
    p = "gamma"                     # mixture or elbo
    output = "build/entropy-gamma.tex"

    [[derivation]]
    quantity = "elbo"               # no p: the decoder and prior are options
    decoder = "bernoulli"
    output = "build/elbo-bernoulli.tex"

    [[derivation]]
    quantity = "renyi"              # a divergence beyond KL, by its command's name
    p = "normal(0, 1)"
    q = "normal(1, 2)"
    alpha = "2"                     # the divergence's own option
    output = "build/renyi-normal.tex"

Each ``[[derivation]]`` needs ``output`` and, but for ``elbo``, ``p``; ``q`` is optional
(required for ``mixture``, refused for ``entropy`` and ``elbo``), ``quantity`` is ``kl``
unless given, or the name of a divergence's command (``renyi``, ``bhattacharyya``,
``hellinger``, ``chi-square``, ``jeffreys``, ``wasserstein``, ``total-variation``,
``jensen-shannon``: ``kl-derive divergences`` lists them). Every other key is a long
option of the matching command, without its dashes (``to``, ``lang``, ``detail``,
``highlight``, ``template-dir``, ...; see ``kl-derive --help``), with the same meaning
and the same checks: a flag is ``true`` or ``false``, ``dims`` an integer, everything
else a string, or a number where the option's text is one (``alpha = 2``, ``samples =
2000``). ``[defaults]`` holds keys that apply to every entry unless the entry gives its
own. ``output`` and ``template-dir`` are relative to the manifest's folder.

:func:`read_manifest` turns each entry into the argument list its command would be given,
so that a manifest entry is checked exactly as the same command line would be. A problem
with one entry (an unknown key, a value of the wrong type, two entries writing one file)
is that entry's error; a manifest that cannot be read at all is a :class:`ManifestError`.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import KLDeriveError

__all__ = ["Entry", "ManifestError", "read_manifest"]


#: how many laws each quantity's command takes: (the fewest, the most); ``elbo`` none
#: (its decoder and prior are options), ``mixture`` exactly two
_ARITY = {"entropy": (1, 1), "mixture": (2, 2), "elbo": (0, 0)}

#: an option's kind: "flag" (a boolean), "int" or "str"
OptionKinds = Mapping[str, str]

#: keys that are relative paths, resolved against the manifest's folder
_PATHS = ("output", "template-dir")
_TOP_LEVEL = ("defaults", "derivation")
#: what a user may write for an option, and the option (for a "did you mean")
_ALIASES = {"format": "to", "formats": "to", "fmt": "to", "language": "lang", "out": "output"}


class ManifestError(KLDeriveError):
    """The manifest as a whole cannot be read (missing, not TOML, no entries)."""


@dataclass
class Entry:
    """One ``[[derivation]]`` of the manifest, as a command line."""

    #: its position in the manifest, from 1
    number: int
    quantity: str
    #: the distribution P as written (for messages), or None
    p: str | None
    #: the command's arguments: options as ``--name=value``, then ``--``, P and Q
    argv: list[str]
    #: where it is written (absolute), or None when the entry gives no usable output
    output: Path | None
    #: why the entry cannot be built, or None
    error: str | None = None

    def where(self) -> str:
        """The output, relative to the working folder when it is under it."""
        return _shown(self.output) if self.output is not None else "?"

    def describe(self) -> str:
        """``derivation 3 (normal -> build/kl-normal.tex)`` for messages."""
        return f"derivation {self.number} ({self.p or '?'} -> {self.where()})"


def read_manifest(path: str | Path, options: Mapping[str, OptionKinds]) -> list[Entry]:
    """The entries of the manifest at ``path``; ``options[quantity]`` gives the options of
    each quantity's command (name without dashes -> kind), and its keys are the quantities
    an entry may name."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise ManifestError(f"manifest {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ManifestError(f"manifest {str(path)!r} is a directory") from None
    except OSError as error:
        raise ManifestError(f"cannot read manifest {str(path)!r}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not valid TOML: not UTF-8 text") from None
    for key in data:
        if key not in _TOP_LEVEL:
            raise ManifestError(f"{path}: unknown table {key!r}{_hint(key, _TOP_LEVEL)}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ManifestError(f"{path}: [defaults] must be a table of options")
    entries = data.get("derivation")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}: no [[derivation]] entries")
    folder = path.absolute().parent
    result = []
    for number, table in enumerate(entries, 1):
        if not isinstance(table, dict):
            raise ManifestError(f"{path}: derivation {number} is not a table")
        result.append(_entry(number, {**defaults, **table}, folder, options))
    _refuse_shared_outputs(result)
    return result


def _entry(
    number: int, table: dict[str, object], folder: Path, options: Mapping[str, OptionKinds]
) -> Entry:
    p = table.get("p")
    entry = Entry(number, "kl", p if isinstance(p, str) else None, [], None)
    output = table.get("output")
    if isinstance(output, str) and output:
        entry.output = Path(os.path.normpath(folder / output))
    quantity = table.pop("quantity", "kl")
    if not isinstance(quantity, str) or quantity not in options:
        known = list(options)
        entry.error = f"unknown quantity {quantity!r}{_hint(str(quantity), known)}"
        entry.error += f" (choose from {', '.join(known)})"
        return entry
    entry.quantity = str(quantity)
    if entry.quantity == "elbo" and entry.p is None:
        entry.p = "elbo"
    kinds = options[entry.quantity]
    fewest, most = _ARITY.get(entry.quantity, (1, 2))
    if entry.quantity == "elbo" and ("p" in table or "q" in table):
        entry.error = (
            "an elbo entry has no p or q (its decoder and prior are the keys decoder and prior)"
        )
        return entry
    if "p" not in table and fewest:
        entry.error = "no p: every [[derivation]] names its distribution P"
        return entry
    if "q" in table and most < 2:
        entry.error = "an entropy has no q"
        return entry
    if "q" not in table and fewest == 2:
        entry.error = f"no q: a {entry.quantity} entry names both laws, p and q"
        return entry
    positional: list[str] = []
    for name in ("p", "q"):
        value = table.pop(name, None)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            entry.error = f"{name} must be a distribution, a non-empty string"
            return entry
        positional.append(value)
    if "output" not in table:
        entry.error = "no output: every [[derivation]] names the file it writes"
        return entry
    argv = []
    for name, value in table.items():
        error = _check(name, value, kinds)
        if error:
            entry.error = error
            return entry
        if kinds[name] == "flag":
            argv += [f"--{name}"] if value else []
        elif isinstance(value, int | float):  # a number for an option's text: alpha = 2
            argv.append(f"--{name}={value!r}")
        elif name in _PATHS:
            argv.append(f"--{name}={os.path.normpath(folder / str(value))}")
        else:
            argv.append(f"--{name}={value}")
    entry.argv = [*argv, "--", *positional]
    return entry


def _check(name: str, value: object, kinds: OptionKinds) -> str | None:
    """Why ``name = value`` is not an option of the entry's command, or None."""
    if name not in kinds:
        known = ["p", "q", "quantity", *kinds]
        alias = _ALIASES.get(name.lower(), name.replace("_", "-"))
        hint = f"; did you mean {alias!r}?" if alias in known else _hint(name, known)
        return f"unknown key {name!r}{hint}"
    kind = kinds[name]
    if kind == "flag" and not isinstance(value, bool):
        return f"{name} must be true or false, not {value!r}"
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{name} must be an integer, not {value!r}"
    if kind == "str" and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        return f"{name} must be a string or a number, not {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name} must be a finite number, not {value!r}"
    if name in _PATHS and not isinstance(value, str):
        return f"{name} must be a path, a string, not {value!r}"
    if name in _PATHS and not value:
        return f"{name} must not be empty"
    return None


def _refuse_shared_outputs(entries: list[Entry]) -> None:
    first: dict[Path, int] = {}
    for entry in entries:
        if entry.output is None or entry.error is not None:
            continue
        earlier = first.setdefault(entry.output, entry.number)
        if earlier != entry.number:
            entry.error = f"derivation {earlier} writes {_shown(entry.output)} too"


def _hint(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is under it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
