"""The bad-input matrix: hostile and odd invocations of ``kl-derive``, each with what it
must end in.

A case is an argument list (``{tmp}`` stands for a fresh directory of the case's own, in
which ``files`` are created first) and the outcome it must have:

* ``ok``: exit 0;
* ``refused``: exit 2, nothing on standard output, one line ``kl-derive: error: ...`` on
  standard error holding every fragment of ``says``;
* ``answer``: ``kl-derive check``'s verdict, exit 0 or 1 (or ``refused``): the line was
  read, whatever it computes.

No case may end in a traceback, an "internal error", a warning or other stray line on
standard error, a hang (60 s), code run from a template, or a changed or half-written file
that was there before (``keep``). ``stream`` runs the case as a separate process with
standard output or error closed or full, or with a limit on the size of files it writes.
The cases are in ``bad_input_cases.py`` (specs, options, commands) and
``bad_input_io_cases.py`` (files, templates, streams); ``test_bad_input.py`` runs them and
``python tests/test_bad_input.py`` prints the count of each outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kl_derive.families import family_names

#: the families, as ``kl-derive families`` lists them
FAMILIES = family_names()

#: a file a template that ran code would create
SENTINEL = "{tmp}/pwned"
#: what a file held before kl-derive was told to write it
OLD = "a good file that was there before\n" * 200
AT = ("--at", "mu=0.5,sigma=2")
GOOD_LINE = "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    expect: str = "refused"
    says: tuple[str, ...] = ()
    files: dict[str, str | bytes] = field(default_factory=dict)
    #: files (relative to {tmp}) that must hold what they held before when the case fails
    keep: tuple[str, ...] = ()
    stream: str | None = None
    #: a marker that must not appear in the output (an injected script, say)
    absent: str | None = None
    #: a further check of the files afterwards ("link-followed")
    after: str | None = None
    group: str = ""


def case(*argv: str, **kw) -> Case:
    return Case(tuple(argv), **kw)


def grouped(group: str, cases: list[Case]) -> list[Case]:
    """The cases, each in ``group`` unless it names its own."""
    return [c if c.group else replace(c, group=group) for c in cases]
