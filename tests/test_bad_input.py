"""The bad-input matrix (``matrix_case.py``): every case ends the way it must.

Most cases run in this process (``cli.main(argv)`` with its output captured, stopped by a
timer after :data:`LIMIT` seconds); those that need their standard streams closed or
full, or a limit on the size of the files they write, run as processes. Each outcome is
put in a class: ``ok``, ``refused`` (exit 2, one clean line), ``answer`` (check's verdict),
``quiet`` (a reader that went away), or a failure: ``traceback``, ``internal``, ``hang``,
``noise`` (a warning or a stray line), ``partial`` (output despite a failure), ``lost``
(a file that was there before changed, or a temporary file was left behind),
``injection`` (a template ran code, or something escaped into the output), ``exit N``.

``python tests/test_bad_input.py`` prints the count of each class and the cases that end
otherwise than they must (the note on issue 11 gives these counts before and after).
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from bad_input_cases import CHECK, CODE, ENTROPY, OPTIONS, PLOTS, REPORTED, SPECS
from bad_input_io_cases import OUTPUT, STREAMS, TEMPLATES
from conftest import clean_env, in_ci
from matrix_case import OLD, SENTINEL, Case, grouped

CASES = [
    *grouped("reported", REPORTED),
    *SPECS,
    *OPTIONS,
    *ENTROPY,
    *CODE,
    *CHECK,
    *PLOTS,
    *grouped("output", OUTPUT),
    *grouped("template", TEMPLATES),
    *grouped("stream", STREAMS),
]

#: no case may take longer than this: seconds of processor time (so that a busy machine
#: does not turn a slow case into a hang; a process also gets ten times as long on the clock)
LIMIT = 60


class Hang(BaseException):
    """The case ran past :data:`LIMIT` (a BaseException: no ``except Exception`` eats it)."""


@dataclass
class Run:
    status: int | None
    out: str
    err: str
    warned: list[str]
    escaped: str | None  # an exception that escaped, or "hang"


# -- running a case ------------------------------------------------------------------------
def _on_limit(signum, frame):
    raise Hang


def _in_process(argv: list[str]) -> Run:
    from kl_derive import cli

    out, err = io.StringIO(), io.StringIO()
    status: int | None = None
    escaped = None
    previous = signal.signal(signal.SIGPROF, _on_limit)
    signal.setitimer(signal.ITIMER_PROF, LIMIT)
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            try:
                cli.main(argv)
                status = 0
            except SystemExit as done:
                status = done.code if isinstance(done.code, int) else (0 if not done.code else 1)
    except Hang:
        escaped = "hang"
    except Exception as error:
        escaped = f"{type(error).__name__}: {error}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    return Run(status, out.getvalue(), err.getvalue(), [str(w.message) for w in caught], escaped)


def _environment() -> dict[str, str]:
    env = clean_env()
    if os.environ.get("KL_DERIVE_MATRIX_PYTHONPATH"):  # counting an older checkout
        env["PYTHONPATH"] = os.environ["KL_DERIVE_MATRIX_PYTHONPATH"]
    return env


def _process(argv: list[str], stream: str) -> Run:
    """``python -m kl_derive ARGV`` with its standard streams as ``stream`` says."""
    command = [sys.executable, "-m", "kl_derive", *argv]
    stdout: int | io.IOBase = subprocess.PIPE
    stderr: int | io.IOBase = subprocess.PIPE
    close: list[int] = []
    limit = None
    if stream == "close-stdout":
        close = [1]
    elif stream == "close-stderr":
        close = [2]
    elif stream == "full-stdout":
        stdout = open("/dev/full", "w")  # noqa: SIM115
    elif stream == "full-stderr":
        stderr = open("/dev/full", "w")  # noqa: SIM115
    elif stream == "fsize":
        limit = 512  # bytes: less than any output of the cases

    def prepare() -> None:
        for fd in close:
            os.close(fd)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (LIMIT, LIMIT + 5))  # then SIGXCPU

    with subprocess.Popen(
        command,
        stdout=stdout,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env=_environment(),
        preexec_fn=prepare,
        text=True,
    ) as process:
        if stream == "broken-pipe":
            process.stdout.close()  # the reader goes away before anything is written
        try:
            out, err = process.communicate(timeout=10 * LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return Run(None, "", "", [], "hang")
        finally:
            for s in (stdout, stderr):
                if not isinstance(s, int):
                    s.close()
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # past the processor time
        return Run(None, "", "", [], "hang")
    return Run(process.returncode, out or "", err or "", [], None)


@contextlib.contextmanager
def _read_only(directory: Path):
    """``directory`` with no new entries allowed (root ignores permissions: chattr +i)."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None:
            if in_ci():
                pytest.fail("chattr is required in CI (as root) for the read-only case")
            pytest.skip("chattr is not installed")
        done = subprocess.run([chattr, "+i", str(directory)], capture_output=True, check=False)
        if done.returncode != 0:  # a file system without the flag (overlayfs, say)
            pytest.skip(f"chattr +i does not work here: {done.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(directory)], check=True)
    else:
        mode = directory.stat().st_mode
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            yield
        finally:
            directory.chmod(mode)


def _setup(case: Case, tmp: Path) -> set[Path]:
    made = set()
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        made |= {path, *path.parents}
        if isinstance(content, str) and content.startswith("->"):
            path.symlink_to(content[2:])
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{tmp}", str(tmp)), encoding="utf-8")
    return made


def run_case(case: Case) -> tuple[str, Run]:
    """Run ``case`` in a fresh directory; its class and what happened."""
    tmp = Path(tempfile.mkdtemp(prefix="kl-matrix-"))
    try:
        made = _setup(case, tmp)
        argv = [a.replace("{tmp}", str(tmp)) for a in case.argv]
        if case.stream in (None, "readonly"):
            with _read_only(tmp) if case.stream == "readonly" else contextlib.nullcontext():
                run = _in_process(argv)
        else:
            run = _process(argv, case.stream)
        return classify(case, run, tmp, made, argv), run
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- classifying what happened ----------------------------------------------------------
def _target(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if a in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _files_lost(case: Case, tmp: Path, made: set[Path], argv: list[str], status) -> str | None:
    for name in case.keep:
        path = tmp / name
        if not path.is_file() or path.read_bytes() != OLD.encode():
            return f"{name} changed"
    target = _target(argv)
    written = {Path(target)} if target else set()
    if target and os.path.islink(target):
        written.add(Path(os.path.realpath(target)))
    litter = [
        p
        for p in tmp.rglob("*")
        if p not in made and p not in written and str(p) != SENTINEL.replace("{tmp}", str(tmp))
    ]
    if litter:
        return f"left behind: {', '.join(p.name for p in litter)}"
    if status == 0 and target and not target.startswith("/dev/"):
        path = Path(target)
        if not os.path.isfile(path) or path.stat().st_size == 0:
            return "no output written"
        if path.read_bytes() == OLD.encode():
            return "the old file was not replaced"
    if case.after == "link-followed":
        link = Path(target)
        if not os.path.islink(link) or (tmp / "real.tex").read_text(encoding="utf-8") == OLD:
            return "the link was not followed"
    return None


def classify(case: Case, run: Run, tmp: Path, made: set[Path], argv: list[str]) -> str:
    if run.escaped == "hang":
        return "hang"
    if run.escaped or "Traceback" in run.err:
        return "traceback"
    if "internal error" in run.err:
        return "internal"
    sentinel = Path(SENTINEL.replace("{tmp}", str(tmp)))
    if sentinel.exists() or (case.absent and case.absent in run.out + run.err):
        return "injection"
    if (lost := _files_lost(case, tmp, made, argv, run.status)) is not None:
        return "lost"
    lines = run.err.splitlines()
    if case.stream == "broken-pipe":
        return "quiet" if run.status in (0, 1) and not lines else f"exit {run.status}"
    if run.warned or len(lines) > 1:
        return "noise"
    if run.status == 0:
        return "ok" if not lines else "noise"
    if lines and not lines[0].startswith("kl-derive: error: "):
        return "noise"
    if run.status == 1 and case.argv[:1] == ("check",) and not lines:
        return "answer"  # the line is not the KL: a verdict on standard output
    if run.out and case.stream != "close-stderr":
        return "partial"
    if run.status == 2:
        return "refused"
    del lost
    return f"exit {run.status}"


ALLOWED = {
    "ok": {"ok"},
    "refused": {"refused"},
    "answer": {"ok", "answer", "refused"},
    "settled": {"ok", "refused"},
    "quiet": {"quiet"},
}


def _id(case: Case) -> str:
    text = " ".join(case.argv)
    text = text if len(text) < 70 else text[:67] + "..."
    return f"{case.group}:{case.stream + ':' if case.stream else ''}{text!r}"


def _param(case: Case):
    return pytest.param(case, id=_id(case))


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case) -> None:
    cls, run = run_case(case)
    assert cls in ALLOWED[case.expect], (cls, run.status, run.err[-600:], run.out[-300:])
    if cls == "refused" and case.stream != "close-stderr":
        line = run.err.strip()
        for fragment in case.says:
            assert fragment in line, (fragment, line)


def test_the_matrix_is_large() -> None:
    assert len(CASES) + len(API_CASES) >= 300


# -- the Python API: a wrong type or value is a clear error ------------------------------
API_CASES = [
    ("derive", (None,), {}, "string"),
    ("derive", (123,), {}, "string"),
    ("derive", ("normal", 5), {}, "string"),
    ("derive", (["normal"],), {}, "string"),
    ("derive", ("diag_normal",), {"dims": "3"}, "dims"),
    ("derive", ("diag_normal",), {"dims": True}, "dims"),
    ("derive", ("diag_normal",), {"dims": 3.0}, "dims"),
    ("derive", ("diag_normal",), {"dims": 0}, "--dims"),
    ("derive", ("diag_normal",), {"dims": -1}, "--dims"),
    ("derive", ("diag_normal",), {"dims": 10**9}, "--dims"),
    ("derive", ("normal",), {"lang": None}, "lang"),
    ("derive", ("normal",), {"lang": "xx"}, "language"),
    ("derive", ("normal",), {"param": 1}, "param"),
    ("derive", ("normal",), {"param": "bogus"}, "bogus"),
    ("derive", ("normal",), {"strategy": 1}, "strategy"),
    ("derive", ("normal",), {"strategy": "bogus"}, "bogus"),
    ("entropy", (None,), {}, "string"),
    ("entropy", ("normal",), {"lang": 1}, "lang"),
    ("cross_entropy", ("normal", 5), {}, "string"),
    ("render", ("latex",), {"label": 5}, "--label"),
    ("render", ("latex",), {"label": "a}b"}, "--label"),
    ("render", ("latex",), {"template_dir": 5}, "template_dir"),
    ("render", ("latex",), {"template_dir": "/nonexistent/kl"}, "does not exist"),
    ("render", ("html",), {"katex": 5}, "katex"),
    ("render", ("html",), {"katex": "javascript:alert(1)"}, "--katex"),
    ("render", ("latex",), {"katex": "https://example.org/katex"}, "--katex"),
    ("render", ("latex",), {"detail": None}, "detail"),
    ("render", ("latex",), {"bare": True, "exercise": True}, "--bare"),
    ("render", ("bogus",), {}, "bogus"),
    ("render", ("latex",), {"env": "bogus"}, "bogus"),
    ("render", ("latex",), {"align": 5}, "alignment"),
]


def _api_class(name: str, args: tuple, kwargs: dict, says: str) -> tuple[str, str]:
    """For counting: ``refused`` (a clear KLDeriveError or TypeError), or what else."""
    import kl_derive
    from kl_derive.errors import KLDeriveError

    call = getattr(kl_derive.derive("normal"), name) if name == "render" else None
    try:
        (call or getattr(kl_derive, name))(*args, **kwargs)
    except (KLDeriveError, TypeError) as error:
        clear = says in str(error) and "\n" not in str(error)
        return ("refused" if clear else "unclear"), f"{type(error).__name__}: {error}"
    except Exception as error:
        return "internal", f"{type(error).__name__}: {error}"
    return "ok", ""


@pytest.fixture(scope="module")
def normal():
    from kl_derive import derive

    return derive("normal")


@pytest.mark.parametrize(("name", "args", "kwargs", "says"), API_CASES)
def test_api_case(normal, name: str, args: tuple, kwargs: dict, says: str) -> None:
    """A wrong type is a TypeError, a wrong value a KLDeriveError; both one clear line."""
    import kl_derive
    from kl_derive.errors import KLDeriveError

    call = getattr(normal, name) if name == "render" else getattr(kl_derive, name)
    with pytest.raises((KLDeriveError, TypeError)) as raised:
        call(*args, **kwargs)
    message = str(raised.value)
    assert says in message and "\n" not in message, message


def main() -> None:
    """Print the count of each class, and the cases that end otherwise than they must
    (``--fast``: not the cases run as processes; ``--group=NAME``: one group only)."""
    counts: Counter[str] = Counter()
    wrong = []
    groups = {a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--group=")}
    for case in CASES:
        if "--fast" in sys.argv and case.stream == "process":
            continue
        if groups and case.group not in groups:
            continue
        cls, run = run_case(case)
        counts[cls] += 1
        if cls not in ALLOWED[case.expect]:
            detail = (run.escaped or run.err.strip().splitlines()[-1:] or [""])[0]
            wrong.append(f"{cls:>10} | {_id(case)} | {str(detail)[:160]}")
        print(f"{cls:>10} | {_id(case)}", file=sys.__stderr__, flush=True)
    if not groups or "api" in groups:
        for name, args, kwargs, says in API_CASES:
            cls, detail = _api_class(name, args, kwargs, says)
            counts[cls] += 1
            if cls != "refused":
                wrong.append(f"{cls:>10} | api:{name}{args}{kwargs} | {detail[:160]}")
    print("\n".join(wrong))
    print(dict(sorted(counts.items(), key=lambda kv: -kv[1])))
    print(f"{len(wrong)} of {sum(counts.values())} cases end otherwise than they must")


if __name__ == "__main__":
    main()
