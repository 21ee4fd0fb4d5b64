"""Producing derivations: one for the command line, many for ``kl-derive build``.

A :class:`Request` is everything that decides a derivation's text (the quantity, P and Q,
the derivation's and the renderer's options, the format, language and template folder).
:func:`serve` returns its text from the result cache (:mod:`kl_derive.cache`) when it is
there, without importing SymPy, and otherwise derives it with :func:`produce` and stores
it.

:func:`build` runs a manifest (:mod:`kl_derive.manifest`): every entry is checked by the
very command a user would type (its options parsed by click, the command's own checks
run, nothing derived: see :func:`read_request`), cached entries are served in this
process, and the rest are derived by a pool of worker processes (``jobs`` of them). A
job is one derivation and every distinct rendering of it the manifest asks for (entries
that differ only in format or rendering options derive once). Results are reported
and written in the manifest's order whatever order the workers finish in, so the
output, the report and the exit status never depend on timing. Each output is written
to a temporary file in its folder and renamed over the old one (so a failure leaves the
old file whole), and not rewritten when its text is unchanged (so its modification time
tells when it last changed). A failed entry is reported on its own line and the others
are still built. Exit status: 0 if every entry was built; 2 if an entry failed because of
its input (a bad option or distribution, a file that cannot be written); 1 if a
derivation failed inside kl-derive (a bug to report), whatever else happened.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cache import ResultCache, write_atomic
from .errors import KLDeriveError

if TYPE_CHECKING:  # pragma: no cover
    from .derivation import Derivation
    from .manifest import Entry

__all__ = ["Request", "build", "option_kinds", "produce", "read_request", "serve", "submit"]


@dataclass(frozen=True)
class Request:
    """One derivation to produce, rendered (where it is written is not part of it)."""

    #: "kl", "entropy" or "cross_entropy"
    quantity: str
    p: str
    q: str | None
    fmt: str
    lang: str
    param: str | None = None
    dims: int | None = None
    strategy: str | None = None
    template_dir: str | None = None
    #: the renderer's other keyword arguments (standalone, label, detail, ...)
    render: Mapping[str, object] = field(default_factory=dict)
    #: the Monte-Carlo sample size of a mixture (``None``: the default)
    samples: int | None = None
    #: a companion's own choices, as (name, value) pairs (kl-derive elbo: the decoder,
    #: the prior, beta, whether the seed derivation is inlined)
    settings: tuple[tuple[str, str], ...] = ()

    def derivation_data(self) -> dict[str, object]:
        """What decides the derivation (requests that differ only in how it is rendered
        share one)."""
        fields = ("quantity", "p", "q", "param", "dims", "strategy", "lang")
        data = {name: getattr(self, name) for name in fields}
        if self.samples is not None:
            data["samples"] = self.samples
        if self.settings:
            data["settings"] = [list(pair) for pair in self.settings]
        return data

    def key_data(self) -> dict[str, object]:
        """What identifies the text, the template folder aside (its contents are part
        of the cache key, its name is not)."""
        data = asdict(self)
        del data["template_dir"]
        if data["samples"] is None:  # the keys of every other request as they were
            del data["samples"]
        if not self.settings:  # the keys of the requests that have none stay as they were
            del data["settings"]
        data["render"] = dict(sorted(self.render.items()))
        return data


def produce(request: Request) -> str:
    """Derive and render ``request`` (imports SymPy)."""
    return render_request(derive_request(request), request)


def derive_request(request: Request) -> Derivation:
    """The derivation ``request`` asks for, every step verified."""
    from .api import cross_entropy, derive, entropy

    if request.quantity == "entropy":
        return entropy(request.p, param=request.param, lang=request.lang)
    if request.quantity == "cross_entropy":
        return cross_entropy(request.p, request.q, param=request.param, lang=request.lang)
    if request.quantity == "mixture":
        from .mixture_api import mixture

        return mixture(request.p, request.q, samples=request.samples, lang=request.lang)
    if request.quantity == "elbo":
        from .companions import elbo

        settings = dict(request.settings)
        return elbo(
            settings.get("decoder", "gaussian"),
            settings.get("prior", "normal"),
            beta=settings.get("beta", "1"),
            inline=settings.get("inline") == "1",
            lang=request.lang,
        )
    if request.quantity == "estimators":
        from .companions import estimators

        return estimators(request.p, request.q, param=request.param, lang=request.lang)
    if request.quantity != "kl":  # a divergence of kl_derive.divergences
        from .cli_divergences import derive_quantity

        return derive_quantity(request.quantity, request.p, request.q, request.param, request.lang)
    return derive(
        request.p,
        request.q,
        param=request.param,
        dims=request.dims,
        lang=request.lang,
        strategy=request.strategy,
    )


def render_request(derivation: Derivation, request: Request) -> str:
    """``derivation`` rendered as ``request`` asks."""
    from .render import render

    return render(
        derivation, request.fmt, request.lang, template_dir=request.template_dir, **request.render
    )


def serve(request: Request, *, use_cache: bool = True) -> str:
    """The text of ``request``: from the result cache if it is there, else produced (and
    stored). ``use_cache=False`` neither reads nor writes the cache."""
    store = ResultCache.open() if use_cache else None
    key = store.key(request.key_data(), request.template_dir) if store else None
    if store is not None and key is not None:
        text = store.get(key)
        if text is not None:
            return text
    text = produce(request)
    if store is not None and key is not None:
        store.put(key, text)
    return text


#: while a build reads its manifest, where the commands hand their requests
_PENDING: ContextVar[list[tuple[Request, str | None]] | None] = ContextVar(
    "kl_derive_pending", default=None
)


def submit(request: Request, output: str | None) -> bool:
    """Hand ``request`` to the build that is reading its manifest (True), or return False
    when there is none and the caller should produce it itself."""
    pending = _PENDING.get()
    if pending is None:
        return False
    pending.append((request, output))
    return True


def read_request(command: click.Command, argv: list[str]) -> tuple[Request, str | None]:
    """The request (and output) that ``command`` would produce for ``argv``: its options
    parsed and checked as on the command line, nothing derived. Raises what the command
    raises for bad input (``click.UsageError``, ``KLDeriveError``)."""
    pending: list[tuple[Request, str | None]] = []
    token = _PENDING.set(pending)
    try:
        command.main(args=argv, prog_name=f"kl-derive {command.name}", standalone_mode=False)
    finally:
        _PENDING.reset(token)
    if len(pending) != 1:  # pragma: no cover - a command that does not submit
        raise RuntimeError(f"the {command.name} command did not submit a request")
    return pending[0]


def option_kinds(command: click.Command) -> dict[str, str]:
    """The command's long options a manifest entry may give: name -> flag, int or str."""
    kinds = {}
    for param in command.params:
        names = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        if not isinstance(param, click.Option) or not names or names[0] == "--no-cache":
            continue
        if param.is_flag:
            kinds[names[0][2:]] = "flag"
        elif isinstance(param.type, click.types.IntParamType):
            kinds[names[0][2:]] = "int"
        else:
            kinds[names[0][2:]] = "str"
    return kinds


@dataclass
class _Tally:
    written: int = 0
    unchanged: int = 0
    cached: int = 0
    failed: int = 0
    status: int = 0

    def fail(self, status: int) -> None:
        self.failed += 1
        self.status = 1 if 1 in (status, self.status) else 2


def build(
    manifest: str | Path,
    commands: Mapping[str, click.Command],
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    quiet: bool = False,
) -> int:
    """Build every entry of ``manifest``; ``commands`` maps each quantity an entry may
    name (``kl``, ``entropy``, ``cross-entropy``, ..., ``renyi``) to its command. Returns
    the exit status."""
    from .manifest import read_manifest

    entries = read_manifest(manifest, {q: option_kinds(c) for q, c in commands.items()})
    requests: dict[int, Request] = {}
    for entry in entries:
        if entry.error is None:
            try:
                requests[entry.number] = read_request(commands[entry.quantity], entry.argv)[0]
            except click.UsageError as error:
                entry.error = (error.format_message().splitlines() or ["invalid entry"])[0]
            except KLDeriveError as error:
                entry.error = str(error)
    store = ResultCache.open() if use_cache else None
    keys: dict[int, str | None] = {}
    texts: dict[int, str] = {}
    work: dict[str, list[Request]] = {}  # one job per derivation: its distinct renderings
    for number, request in requests.items():
        keys[number] = store.key(request.key_data(), request.template_dir) if store else None
        cached = store.get(keys[number]) if store and keys[number] else None
        if cached is not None:
            texts[number] = cached
            continue
        renderings = work.setdefault(_job_id(request), [])
        if request not in renderings:
            renderings.append(request)
    tally = _Tally(cached=len(texts))
    with _Workers(work, jobs) as results:
        for entry in entries:
            if entry.number in requests and entry.number not in texts:
                request = requests[entry.number]
                job = _job_id(request)
                done, text, status = results(job)[work[job].index(request)]
                if not done:
                    _report_failure(manifest, entry, text, status, tally)
                    continue
                texts[entry.number] = text
                if store is not None and keys[entry.number] is not None:
                    store.put(keys[entry.number], text)
            _finish(manifest, entry, texts.get(entry.number), tally, quiet)
    if not quiet:
        total = len(entries)
        click.echo(
            f"{total} derivation{'s' * (total != 1)}: {tally.written} written, "
            f"{tally.unchanged} unchanged, {tally.failed} failed "
            f"({tally.cached} from the cache)"
        )
    return tally.status


def _finish(manifest, entry: Entry, text: str | None, tally: _Tally, quiet: bool) -> None:
    if entry.error is not None or text is None or entry.output is None:
        _report_failure(manifest, entry, entry.error or "not built", 2, tally)
        return
    data = text.encode("utf-8")
    try:
        if entry.output.is_file() and entry.output.read_bytes() == data:
            tally.unchanged += 1
            verb = "unchanged"
        else:
            entry.output.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(entry.output, data)
            tally.written += 1
            verb = "wrote"
    except OSError as error:
        reason = error.strerror or str(error)
        _report_failure(manifest, entry, f"cannot write the output: {reason}", 2, tally)
        return
    if not quiet:
        click.echo(f"{verb} {entry.where()}")


def _report_failure(manifest, entry: Entry, message: str, status: int, tally: _Tally) -> None:
    tally.fail(status)
    click.echo(f"kl-derive: error: {manifest}: {entry.describe()}: {message}", err=True)


def _job_id(request: Request) -> str:
    return json.dumps(request.derivation_data(), sort_keys=True)


Outcome = tuple[bool, str, int]


def _attempt(renderings: list[Request]) -> list[Outcome]:
    """Derive once and render each of ``renderings`` (requests for one derivation):
    (True, text, 0) or (False, one-line reason, exit status) for each. Never raises, so
    one entry cannot take the others down."""
    try:
        derivation = derive_request(renderings[0])
    except Exception as error:
        return [_failure(error)] * len(renderings)
    outcomes: list[Outcome] = []
    for request in renderings:
        try:
            outcomes.append((True, render_request(derivation, request), 0))
        except Exception as error:
            outcomes.append(_failure(error))
    return outcomes


def _failure(error: Exception) -> Outcome:
    if isinstance(error, KLDeriveError):
        return False, str(error), 2
    message = f"internal error ({type(error).__name__}: {error}); please report it"
    if os.environ.get("KL_DERIVE_DEBUG"):
        import traceback

        message += "\n" + "".join(traceback.format_exception(error))
    return False, message, 1


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


class _Workers:
    """The outcomes of the jobs, by id: from a process pool when there are several jobs
    and workers, else computed in this process when first asked for."""

    def __init__(self, jobs: Mapping[str, list[Request]], workers: int | None) -> None:
        self.jobs = dict(jobs)
        self.workers = min(workers or _cpus(), len(self.jobs))
        self.pool = None
        self.futures: dict = {}
        self.done: dict[str, list[Outcome]] = {}

    def __enter__(self) -> Callable[[str], list[Outcome]]:
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            from importlib import import_module

            from .deferred import start_quickly

            # fork is the cheapest start, and safe in a process with no other thread (the
            # command line); a library caller may have threads, so its workers are spawned
            single = threading.active_count() == 1
            fork = single and "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if fork else "spawn")
            if fork:  # load SymPy and the renderer once, before the workers are forked
                import_module(".api", __package__)
                import_module(".render", __package__)
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=start_quickly
            )
            self.futures = {job: self.pool.submit(_attempt, r) for job, r in self.jobs.items()}
        return self.result

    def result(self, job: str) -> list[Outcome]:
        if job not in self.done:
            if self.pool is None:
                self.done[job] = _attempt(self.jobs[job])
            else:
                from concurrent.futures.process import BrokenProcessPool

                try:
                    self.done[job] = self.futures[job].result()
                except BrokenProcessPool:
                    died = (False, "a worker process died (out of memory?)", 1)
                    self.done[job] = [died] * len(self.jobs[job])
        return self.done[job]

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=exc_info[0] is None, cancel_futures=True)
