"""The result cache and the compiled-template cache: hits, misses, invalidation, safety.

A cache entry must never be wrong: every test that changes something the text depends on
(kl-derive's version, a built-in template, a message catalog, a user template) checks
that the next run shows the change. Those run a copy of the installation (the package and
its templates copied to a temporary folder and put first on PYTHONPATH), so that the copy
can be edited as an upgrade or a local change would edit it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    FINAL_LATEX,
    ROOT,
    clean_env,
    has_latex,
    heavy_modules_loaded,
    run_module,
    run_python,
)

from kl_derive.cache import ResultCache, cache_root, tree_digest, write_atomic

# -- helpers -----------------------------------------------------------------------------


def entries(cache: Path) -> dict[Path, tuple[int, int]]:
    """The result entries in ``cache``: path -> (inode, modification time); an entry
    served from the cache keeps both, one stored afresh gets a new file."""
    folder = cache / "results"
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            found[path] = (info.st_ino, info.st_mtime_ns)
    return found


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a writer left behind."""
    return [p for p in folder.rglob("*.tmp")]


@pytest.fixture
def installation(tmp_path: Path) -> Path:
    """A copy of kl-derive (package and templates, a checkout's layout) to edit."""
    root = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "kl_derive", root / "kl_derive", ignore=ignore)
    shutil.copytree(ROOT / "templates", root / "templates", ignore=ignore)
    return root


def run_copy(root: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m kl_derive ARGS`` with the copy ``root`` first on the path."""
    return run_module(args, env=clean_env(PYTHONPATH=str(root)), cwd=cwd, timeout=300)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the command line --------------------------------------------------------------------


def test_second_call_is_served_from_the_cache_without_sympy(
    tmp_path: Path, private_cache: Path
) -> None:
    first = run_module(["normal", "--to", "latex"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    stored = entries(private_cache)
    assert len(stored) == 1
    # the same call again, in a process that reports what it imported
    stdout, loaded = heavy_modules_loaded(["normal", "--to", "latex"], cwd=tmp_path)
    assert stdout == first.stdout
    assert loaded == "STATUS 0 LOADED []"
    assert entries(private_cache) == stored  # read, not rewritten


def test_every_option_is_part_of_the_key(tmp_path: Path, private_cache: Path) -> None:
    outputs = {}
    for args in (
        ["normal"],
        ["normal", "--lang", "ko"],
        ["normal", "--to", "markdown"],
        ["normal", "--detail", "brief"],
        ["normal", "--align", "left"],
        ["normal", "--label", "kl"],
        ["normal", "--param", "logvar"],
        ["normal(mu, sigma)", "normal(0, 1)"],
    ):
        done = run_module(args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outputs[tuple(args)] = done.stdout
    assert len(entries(private_cache)) == len(outputs)
    # each served again, each its own text
    for args, text in outputs.items():
        again = run_module(list(args), cwd=tmp_path)
        assert again.stdout == text, args


def test_entropy_and_kl_are_different_entries(tmp_path: Path) -> None:
    entropy = run_module(["entropy", "normal", "--to", "text"], cwd=tmp_path)
    kl = run_module(["normal", "--to", "text"], cwd=tmp_path)
    assert entropy.returncode == kl.returncode == 0
    assert entropy.stdout != kl.stdout
    assert run_module(["entropy", "normal", "--to", "text"], cwd=tmp_path).stdout == entropy.stdout


@pytest.mark.parametrize("how", ["option", "variable"])
def test_no_cache_neither_reads_nor_writes(tmp_path: Path, private_cache: Path, how: str) -> None:
    first = run_module(["normal", "--to", "text"], cwd=tmp_path)
    (entry,) = entries(private_cache)
    # an entry that a cached run would serve as it is
    body = "poisoned\n"
    write_entry(entry, body)
    assert run_module(["normal", "--to", "text"], cwd=tmp_path).stdout == body
    args, env = ["normal", "--to", "text"], clean_env()
    if how == "option":
        args.append("--no-cache")
    else:
        env["KL_DERIVE_NO_CACHE"] = "1"
    fresh = run_module(args, env=env, cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == first.stdout
    assert entry.read_text(encoding="utf-8").endswith(body)  # not rewritten either


def write_entry(path: Path, body: str) -> None:
    import hashlib

    data = body.encode()
    path.write_bytes(
        b"kl-derive result 1 " + hashlib.sha256(data).hexdigest().encode() + b"\n" + data
    )


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path, private_cache: Path) -> None:
    first = run_module(["normal", "--to", "text"], cwd=tmp_path)
    (entry,) = entries(private_cache)
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0x01  # one flipped bit in the text
    entry.write_bytes(bytes(data))
    again = run_module(["normal", "--to", "text"], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert ResultCache(private_cache / "results").get(entry.name) == first.stdout
    entry.write_bytes(b"")  # torn to nothing
    assert run_module(["normal", "--to", "text"], cwd=tmp_path).stdout == first.stdout


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_an_unusable_cache_folder_is_no_cache(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    folder = blocker if where == "a file" else blocker / "cache"
    env = clean_env(KL_DERIVE_CACHE_DIR=str(folder))
    for _ in range(2):
        done = run_module(["normal", "--to", "latex"], env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert has_latex(done.stdout, FINAL_LATEX)
    assert blocker.read_text() == "not a folder"


def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    env = clean_env(KL_DERIVE_CACHE_DIR=str(shared))
    for _ in range(2):
        done = run_module(["normal", "--to", "text"], env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert list(shared.iterdir()) == []  # neither results nor compiled templates
    shared.chmod(0o700)
    assert run_module(["normal", "--to", "text"], env=env, cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in shared.iterdir()) == ["results", "templates"]


def test_two_processes_filling_the_same_entry(tmp_path: Path, private_cache: Path) -> None:
    command = [sys.executable, "-m", "kl_derive", "normal", "--to", "markdown"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs[0] == outputs[1] and "$$" in outputs[0]
    assert len(entries(private_cache)) == 1
    assert leftovers(private_cache) == []
    assert run_module(["normal", "--to", "markdown"], cwd=tmp_path).stdout == outputs[0]


# -- invalidation ------------------------------------------------------------------------


def test_the_copy_is_what_runs(installation: Path, tmp_path: Path) -> None:
    done = run_python(
        ["-c", "import kl_derive; print(kl_derive.__file__)"],
        env=clean_env(PYTHONPATH=str(installation)),
        cwd=tmp_path,
    )
    assert Path(done.stdout.strip()).parent == installation / "kl_derive"


def cached_twice(installation: Path, args: list[str], cwd: Path, cache: Path) -> str:
    """Run ``args`` twice with the copy; the second run must be a hit. Returns the text."""
    first = run_copy(installation, args, cwd)
    assert first.returncode == 0, first.stderr
    stored = entries(cache)
    second = run_copy(installation, args, cwd)
    assert second.stdout == first.stdout
    assert entries(cache) == stored
    return first.stdout


def test_a_new_version_is_a_miss(installation: Path, tmp_path: Path, private_cache: Path) -> None:
    before = cached_twice(installation, ["normal"], tmp_path, private_cache)
    assert before.startswith("% kl-derive 0.1.0:")
    edit(installation / "kl_derive" / "version.py", '__version__ = "0.1.0"', '__version__ = "9.9"')
    after = run_copy(installation, ["normal"], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("% kl-derive 9.9:")
    assert after.stdout.split("\n", 1)[1] == before.split("\n", 1)[1]
    assert len(entries(private_cache)) == 2


def test_a_changed_code_file_is_a_miss(
    installation: Path, tmp_path: Path, private_cache: Path
) -> None:
    cached_twice(installation, ["normal"], tmp_path, private_cache)
    # a change to the code that leaves the version alone (a local edit, a patched install)
    edit(installation / "kl_derive" / "errors.py", '"""Exceptions.', '"""Exceptions (edited).')
    assert run_copy(installation, ["normal"], tmp_path).returncode == 0
    assert len(entries(private_cache)) == 2


def test_a_changed_builtin_template_is_a_miss(
    installation: Path, tmp_path: Path, private_cache: Path
) -> None:
    before = cached_twice(installation, ["normal"], tmp_path, private_cache)
    template = installation / "templates" / "latex.tex.j2"
    template.write_text(template.read_text(encoding="utf-8") + "% template-marker\n", "utf-8")
    after = run_copy(installation, ["normal"], tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before + "% template-marker\n"


def test_a_changed_message_catalog_is_a_miss(
    installation: Path, tmp_path: Path, private_cache: Path
) -> None:
    before = cached_twice(installation, ["normal"], tmp_path, private_cache)
    catalog = installation / "kl_derive" / "messages" / "en.toml"
    edit(catalog, "one equality at a time.", "one equality at a time (catalog-marker).")
    after = run_copy(installation, ["normal"], tmp_path)
    assert after.returncode == 0, after.stderr
    assert "one equality at a time (catalog-marker)." in after.stdout
    assert after.stdout.replace(" (catalog-marker)", "") == before


def test_a_changed_user_template_is_a_miss(tmp_path: Path, private_cache: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(ROOT / "templates" / "latex.tex.j2", mine / "latex.tex.j2")
    args = ["normal", "--template-dir", str(mine)]
    first = run_module(args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert run_module(args, cwd=tmp_path).stdout == first.stdout
    assert len(entries(private_cache)) == 1
    template = mine / "latex.tex.j2"
    template.write_text(template.read_text(encoding="utf-8") + "% mine-1\n", encoding="utf-8")
    assert run_module(args, cwd=tmp_path).stdout == first.stdout + "% mine-1\n"
    # a new file in the folder can override a built-in partial: it changes the key too
    partials = mine / "partials"
    partials.mkdir()
    source = (ROOT / "templates" / "partials" / "latex_chain.tex.j2").read_text(encoding="utf-8")
    (partials / "latex_chain.tex.j2").write_text("% chain-marker\n" + source, encoding="utf-8")
    third = run_module(args, cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert "% chain-marker" in third.stdout
    assert len(entries(private_cache)) == 3


def test_variables_that_change_the_text_are_part_of_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = {"p": "normal"}
    plain = ResultCache.key(request, None)
    monkeypatch.setenv("KL_DERIVE_DEBUG", "1")
    assert ResultCache.key(request, None) == plain  # does not change what is derived
    monkeypatch.setenv("KL_DERIVE_SOMETHING_NEW", "1")
    assert ResultCache.key(request, None) != plain
    without_ground_types = ResultCache.key(request, None)
    monkeypatch.setenv("SYMPY_GROUND_TYPES", "python")  # SymPy's arithmetic
    assert ResultCache.key(request, None) != without_ground_types
    assert ResultCache.key({"p": "normal", "q": None}, None) != ResultCache.key(request, None)


# -- the pieces --------------------------------------------------------------------------


def test_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KL_DERIVE_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "explicit"
    monkeypatch.setenv("KL_DERIVE_CACHE_DIR", "")
    assert cache_root() == tmp_path / "xdg" / "kl-derive"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "kl-derive"


def test_tree_digest_sees_names_contents_and_links(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.j2").write_text("A")
    (folder / "sub" / "b.j2").write_text("B")
    first = tree_digest(folder)
    assert first is not None and tree_digest(folder) == first
    (folder / "sub" / "b.j2").write_text("B2")
    second = tree_digest(folder)
    assert second != first
    (folder / "sub" / "b.j2").rename(folder / "sub" / "c.j2")
    assert tree_digest(folder) not in (first, second)
    (folder / "loop").symlink_to(folder)  # a cycle is walked once
    (folder / "dangling.j2").symlink_to(tmp_path / "nowhere")
    assert tree_digest(folder) is not None
    assert tree_digest(tmp_path / "missing") is None


def test_write_atomic_keeps_the_old_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.tex"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # permissions kept

    link = tmp_path / "link.tex"
    link.symlink_to(target)
    write_atomic(link, b"through the link")
    assert link.is_symlink() and target.read_text() == "through the link"
    link.unlink()
    write_atomic(target, b"new")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, b"newer")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tex"]


_WRITER = """
import sys
from pathlib import Path
from kl_derive.cache import ResultCache
store = ResultCache(Path(sys.argv[1]))
text = sys.argv[2] * 20000
for _ in range(150):
    store.put("ab" + "0" * 62, text)
"""

_READER = """
import sys
from pathlib import Path
from kl_derive.cache import ResultCache
store = ResultCache(Path(sys.argv[1]))
allowed = {None, *(letter * 20000 for letter in sys.argv[2:])}
seen = set()
for _ in range(3000):
    text = store.get("ab" + "0" * 62)
    assert text in allowed, (len(text), text[:20])
    seen.add(text is not None)
print(sorted(seen))
"""


def test_concurrent_writers_of_one_entry(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    env = clean_env()
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), letter], env=env)
        for letter in ("x", "x", "y")
    ]
    reader = run_python(["-c", _READER, str(folder), "x", "y"], env=env, timeout=300)
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0]
    assert reader.returncode == 0, reader.stderr
    assert ResultCache(folder).get("ab" + "0" * 62) in ("x" * 20000, "y" * 20000)
    assert leftovers(folder) == []


# -- compiled templates ------------------------------------------------------------------


def test_compiled_templates_are_kept_and_a_damaged_one_is_recompiled(
    tmp_path: Path, private_cache: Path
) -> None:
    args = ["normal", "--to", "latex", "--no-cache"]
    first = run_module(args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    compiled = sorted((private_cache / "templates").glob("*.jinja"))
    assert compiled  # latex.tex.j2 and its partials
    for path in compiled:
        path.write_bytes(path.read_bytes()[:40])  # torn
    again = run_module(args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert all(path.stat().st_size > 40 for path in compiled)  # rewritten whole
    assert leftovers(private_cache) == []


def test_compiled_template_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    from kl_derive.render.bytecode import TemplateBytecodeCache

    compiled = TemplateBytecodeCache(tmp_path)

    def key(environment: jinja2.Environment, source: str, name: str = "t.j2") -> str:
        return compiled.get_bucket(environment, name, f"/templates/{name}", source).key

    plain = jinja2.Environment()
    base = key(plain, "{{ a }}")
    assert key(jinja2.Environment(), "{{ a }}") == base  # the same template, the same key
    assert key(plain, "{{ b }}") != base  # its text
    assert key(plain, "{{ a }}", "u.j2") != base  # its name
    assert key(jinja2.Environment(trim_blocks=True), "{{ a }}") != base  # the syntax
    assert key(jinja2.Environment(variable_start_string="((("), "{{ a }}") != base
    with_filter = jinja2.Environment()
    with_filter.filters["shout"] = str.upper
    assert key(with_filter, "{{ a }}") != base  # the filters the code may call
    monkeypatch.setattr(jinja2, "__version__", "99.0")
    assert key(plain, "{{ a }}") != base  # another Jinja


def test_compiled_templates_round_trip(tmp_path: Path) -> None:
    import jinja2

    from kl_derive.render.bytecode import TemplateBytecodeCache

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.j2").write_text("{% for x in xs %}[{{ x }}]{% endfor %}\n")
    (tmp_path / "c").mkdir()

    def environment() -> jinja2.Environment:
        loader = jinja2.FileSystemLoader(str(tmp_path / "t"))
        return jinja2.Environment(
            loader=loader, bytecode_cache=TemplateBytecodeCache(tmp_path / "c")
        )

    first = environment().get_template("page.j2").render(xs=[1, 2])
    (stored,) = (tmp_path / "c").iterdir()
    inode = stored.stat().st_ino
    fresh = environment()
    bucket = fresh.bytecode_cache.get_bucket(fresh, "page.j2", None, "")
    assert bucket.code is None  # another source: not this entry
    assert environment().get_template("page.j2").render(xs=[1, 2]) == first == "[1][2]"
    assert list((tmp_path / "c").iterdir()) == [stored]
    assert stored.stat().st_ino == inode  # loaded, not compiled and stored again


def test_an_unreadable_installation_caches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import kl_derive.cache

    assert ResultCache.key({"p": "normal"}, None) is not None
    monkeypatch.setattr(kl_derive.cache, "tree_digest", lambda *args, **kwargs: None)
    kl_derive.cache.installation_fingerprint.cache_clear()
    try:
        assert ResultCache.key({"p": "normal"}, None) is None
    finally:
        kl_derive.cache.installation_fingerprint.cache_clear()
