"""``kl-derive build``: a manifest of derivations, built in one command.

Each output must be byte for byte what the single command prints; the report and the
exit status must not depend on the number of workers or on which finished first; one
entry's failure is reported on its own line and never costs the others their output.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, heavy_modules_loaded, one_line_error, run_module

import kl_derive.batch
from kl_derive.cli import main

MANIFEST = """\
[defaults]
to = "markdown"

[[derivation]]
p = "normal"
to = "latex"
output = "out/kl-normal.tex"

[[derivation]]
p = "normal"
lang = "ko"
output = "out/kl-normal-ko.md"

[[derivation]]
p = "gamma(a, b)"
q = "gamma(c, d)"
detail = "full"
output = "out/gamma.md"

[[derivation]]
quantity = "entropy"
p = "exponential"
to = "text"
output = "out/entropy.txt"

[[derivation]]
quantity = "cross-entropy"
p = "normal"
q = "laplace(0, 1)"
to = "json"
output = "out/cross.json"

[[derivation]]
p = "normal"
to = "latex"
highlight = true
label = "kl"
output = "out/kl-normal-highlight.tex"
"""

#: the same derivations as single commands
SINGLE = {
    "out/kl-normal.tex": ["normal", "--to", "latex"],
    "out/kl-normal-ko.md": ["normal", "--lang", "ko", "--to", "markdown"],
    "out/gamma.md": ["gamma(a, b)", "gamma(c, d)", "--detail", "full", "--to", "markdown"],
    "out/entropy.txt": ["entropy", "exponential", "--to", "text"],
    "out/cross.json": ["cross-entropy", "normal", "laplace(0, 1)", "--to", "json"],
    "out/kl-normal-highlight.tex": ["normal", "--to", "latex", "--highlight", "--label", "kl"],
}


def build(folder: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_module(["build", *args], cwd=cwd or folder, timeout=600)


def write(folder: Path, text: str, name: str = "notes.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def singles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each single command prints (derived afresh)."""
    cwd = tmp_path_factory.mktemp("single")
    out = {}
    for name, args in SINGLE.items():
        done = run_module([*args, "--no-cache"], cwd=cwd)
        assert done.returncode == 0, done.stderr
        out[name] = done.stdout
    return out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_outputs_are_the_single_commands(
    tmp_path: Path, singles: dict[str, str], jobs: str
) -> None:
    write(tmp_path, MANIFEST)
    done = build(tmp_path, "notes.toml", "--jobs", jobs, "--no-cache")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    for name, text in singles.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text, name
    lines = done.stdout.splitlines()
    assert lines == [f"wrote {name}" for name in SINGLE] + [
        "6 derivations: 6 written, 0 unchanged, 0 failed (0 from the cache)"
    ]


def test_report_does_not_depend_on_the_workers(tmp_path: Path) -> None:
    manifest = MANIFEST.replace('to = "text"', 'to = "txt"')  # one bad entry, mid-list
    reports = []
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs{jobs}"
        write(folder, manifest)
        done = build(folder, "notes.toml", "-j", jobs, "--no-cache")
        reports.append((done.returncode, done.stdout, done.stderr))
    assert reports[0] == reports[1]
    status, stdout, stderr = reports[0]
    assert status == 2
    assert "failed" in stdout.splitlines()[-1]
    (error,) = stderr.splitlines()
    assert error.startswith("kl-derive: error: notes.toml: derivation 4 (exponential -> ")
    assert "unknown format 'txt'" in error


def test_cached_build(tmp_path: Path, singles: dict[str, str]) -> None:
    write(tmp_path, MANIFEST)
    assert build(tmp_path, "notes.toml").returncode == 0
    for name in SINGLE:  # touched by hand since: the build must not rewrite them
        os.utime(tmp_path / name, ns=(1_000_000_000, 1_000_000_000))
    (tmp_path / "out" / "gamma.md").write_text("edited by hand\n")
    again = build(tmp_path, "notes.toml")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == (
        "6 derivations: 1 written, 5 unchanged, 0 failed (6 from the cache)"
    )
    assert "wrote out/gamma.md" in again.stdout.splitlines()
    for name, text in singles.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
        if name != "out/gamma.md":
            assert (tmp_path / name).stat().st_mtime_ns == 1_000_000_000


def test_a_cached_build_imports_no_sympy(tmp_path: Path) -> None:
    write(tmp_path, MANIFEST)
    assert build(tmp_path, "notes.toml").returncode == 0
    stdout, loaded = heavy_modules_loaded(["build", "notes.toml"], cwd=tmp_path)
    assert loaded == "STATUS 0 LOADED []"
    assert stdout.splitlines()[-1] == (
        "6 derivations: 0 written, 6 unchanged, 0 failed (6 from the cache)"
    )


def test_failures_are_reported_one_by_one_and_the_rest_is_built(
    tmp_path: Path, singles: dict[str, str]
) -> None:
    (tmp_path / "out").mkdir()
    keep = tmp_path / "out" / "bad-spec.tex"
    keep.write_text("an earlier, good version\n")
    (tmp_path / "a-file").write_text("")
    write(
        tmp_path,
        """\
        [[derivation]]
        p = "normal"
        to = "latex"
        output = "out/kl-normal.tex"

        [[derivation]]
        p = "normal(mu, sigma"
        output = "out/bad-spec.tex"

        [[derivation]]
        p = "normal"
        formats = "latex"
        output = "out/unknown-key.tex"

        [[derivation]]
        p = "normal"
        highlight = "yes"
        output = "out/not-a-flag.tex"

        [[derivation]]
        p = "normal"
        to = "latex"
        output = "out/kl-normal.tex"

        [[derivation]]
        p = "normal"
        to = "text"
        output = "a-file/inside.txt"

        [[derivation]]
        quantity = "entropy"
        p = "normal"
        q = "normal"
        output = "out/entropy-q.tex"

        [[derivation]]
        p = "normal"
        lang = "ko"
        to = "markdown"
        output = "out/kl-normal-ko.md"

        [[derivation]]
        output = "out/no-p.tex"
        """,
    )
    done = build(tmp_path, "notes.toml", "-j", "2", "--no-cache")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    errors = done.stderr.splitlines()
    expected = [
        ("derivation 2 (normal(mu, sigma -> out/bad-spec.tex)", "cannot read"),
        (
            "derivation 3 (normal -> out/unknown-key.tex)",
            "unknown key 'formats'; did you mean 'to'",
        ),
        ("derivation 4 (normal -> out/not-a-flag.tex)", "highlight must be true or false"),
        ("derivation 5 (normal -> out/kl-normal.tex)", "derivation 1 writes out/kl-normal.tex"),
        ("derivation 6 (normal -> a-file/inside.txt)", "cannot write the output"),
        ("derivation 7 (normal -> out/entropy-q.tex)", "an entropy has no q"),
        ("derivation 9 (? -> out/no-p.tex)", "no p"),
    ]
    assert len(errors) == len(expected), errors
    for line, (where, why) in zip(errors, expected, strict=True):
        assert line.startswith(f"kl-derive: error: notes.toml: {where}: "), line
        assert why in line, line
    assert done.stdout.splitlines() == [
        "wrote out/kl-normal.tex",
        "wrote out/kl-normal-ko.md",
        "9 derivations: 2 written, 0 unchanged, 7 failed (0 from the cache)",
    ]
    assert (tmp_path / "out" / "kl-normal.tex").read_text() == singles["out/kl-normal.tex"]
    assert (tmp_path / "out" / "kl-normal-ko.md").read_text() == singles["out/kl-normal-ko.md"]
    assert keep.read_text() == "an earlier, good version\n"  # a failed entry writes nothing
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "bad-spec.tex",
        "kl-normal-ko.md",
        "kl-normal.tex",
    ]


def test_an_internal_error_is_status_1_and_spares_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        """\
        [[derivation]]
        p = "exponential(a)"
        q = "exponential(b)"
        to = "text"
        output = "broken.txt"

        [[derivation]]
        p = "normal(mu, sigma)"
        q = "normal(0, 1)"
        to = "text"
        output = "fine.txt"
        """,
    )
    real = kl_derive.batch.derive_request

    def derive_request(request: kl_derive.batch.Request):
        if request.p.startswith("exponential"):
            raise ZeroDivisionError("a bug")
        return real(request)

    monkeypatch.setattr(kl_derive.batch, "derive_request", derive_request)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["build", "notes.toml", "--jobs", "1"])
    assert done.value.code == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "kl-derive: error: notes.toml: derivation 1 (exponential(a) -> broken.txt): internal "
        "error (ZeroDivisionError: a bug); please report it"
    ]
    assert "wrote fine.txt" in out.splitlines()
    expected = real(
        kl_derive.batch.Request("kl", "normal(mu, sigma)", "normal(0, 1)", "text", "en")
    )
    assert (tmp_path / "fine.txt").read_text(encoding="utf-8") == expected.render("text", "en")
    assert not (tmp_path / "broken.txt").exists()


def test_paths_are_relative_to_the_manifest(tmp_path: Path) -> None:
    write(
        tmp_path / "course",
        """\
        [[derivation]]
        p = "normal"
        to = "text"
        output = "build/kl.txt"
        """,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = build(elsewhere, str(tmp_path / "course" / "notes.toml"), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "course" / "build" / "kl.txt").is_file()  # folder made on the way
    assert f"wrote {tmp_path / 'course' / 'build' / 'kl.txt'}" in done.stdout


def test_user_templates_in_a_manifest(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    source = (ROOT / "templates" / "text.txt.j2").read_text(encoding="utf-8")
    (mine / "text.txt.j2").write_text("MY TEMPLATE\n" + source, encoding="utf-8")
    write(
        tmp_path,
        """\
        [defaults]
        template-dir = "mine"

        [[derivation]]
        p = "normal"
        to = "text"
        output = "kl.txt"
        """,
    )
    done = build(tmp_path, "notes.toml")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kl.txt").read_text(encoding="utf-8").startswith("MY TEMPLATE")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "does not exist"),
        ("[[derivation]\np = 1", "not valid TOML"),
        ("# nothing\n", "no [[derivation]] entries"),
        ("[derivations]\np = 'normal'\n", "unknown table 'derivations'; did you mean"),
        ("defaults = 3\n[[derivation]]\np = 'normal'\noutput = 'x'\n", "[defaults] must be"),
        ("derivation = 'normal'\n", "no [[derivation]] entries"),
    ],
)
def test_an_unreadable_manifest_is_one_line(
    tmp_path: Path, text: str | None, fragment: str
) -> None:
    if text is not None:
        write(tmp_path, text)
    done = build(tmp_path, "notes.toml")
    one_line_error(done, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["notes.toml"] if text else [])


def test_build_options(tmp_path: Path) -> None:
    write(tmp_path, '[[derivation]]\np = "normal"\nto = "text"\noutput = "kl.txt"\n')
    one_line_error(build(tmp_path, "notes.toml", "--jobs", "0"), "--jobs")
    quiet = build(tmp_path, "notes.toml", "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert (tmp_path / "kl.txt").is_file()
    helped = run_module(["build", "--help"], cwd=tmp_path)
    assert helped.returncode == 0 and "MANIFEST" in helped.stdout


def test_the_examples_manifest_builds_the_committed_examples(tmp_path: Path) -> None:
    """What `make -C examples generated` runs reproduces the committed files."""
    import shutil

    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy)
    names = [
        line.split('"')[1]
        for line in (copy / "derivations.toml").read_text().splitlines()
        if line.startswith("output = ")
    ]
    for name in names:
        (copy / name).unlink()
    done = build(copy, "derivations.toml", "--no-cache")
    assert done.returncode == 0, done.stderr
    for name in names:
        committed = (ROOT / "examples" / name).read_bytes()
        assert (copy / name).read_bytes() == committed, name
    makefile = (ROOT / "examples" / "Makefile").read_text()
    assert "$(KL_DERIVE) build derivations.toml" in makefile
