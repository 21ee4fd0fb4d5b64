"""``kl-derive build`` with entries for the divergences beyond KL (``renyi``, ``hellinger``,
``wasserstein``, ...): an entry names the divergence's command as its quantity and gives
the divergence's own options (``alpha``) as keys, a number where the option's text is
one. An entry writes exactly what the single command prints; a refused entry fails on its
own line (exit 2) while the others are built; the cache serves an unchanged entry without
SymPy and misses when the divergence's option changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import clean_env, heavy_modules_loaded, run_module

from kl_derive.batch import Request

MANIFEST = """\
[[derivation]]
quantity = "renyi"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = 2
output = "out/renyi.tex"

[[derivation]]
quantity = "renyi"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = "1/2"
to = "markdown"
output = "out/renyi-half.md"

[[derivation]]
quantity = "hellinger"
p = "exponential(a)"
q = "exponential(b)"
lang = "ko"
to = "text"
output = "out/hellinger-ko.txt"

[[derivation]]
quantity = "wasserstein"
p = "normal(m, s)"
q = "normal(0, 1)"
to = "json"
output = "out/w2.json"

[[derivation]]
quantity = "wasserstein"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = 2
output = "out/bad-option.tex"

[[derivation]]
quantity = "renyi"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = nan
output = "out/bad-nan.tex"

[[derivation]]
quantity = "renyi"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = true
output = "out/bad-flag.tex"

[[derivation]]
quantity = "chi-squared"
p = "normal(0, 1)"
q = "normal(1, 2)"
output = "out/bad-name.tex"

[[derivation]]
quantity = "renyi"
p = "normal(0, 1)"
q = "normal(1, 2)"
alpha = -1
output = "out/bad-alpha.tex"
"""

SINGLE = {
    "out/renyi.tex": ["renyi", "normal(0, 1)", "normal(1, 2)", "--alpha", "2"],
    "out/renyi-half.md": [
        *("renyi", "normal(0, 1)", "normal(1, 2)", "--alpha", "1/2", "--to", "markdown")
    ],
    "out/hellinger-ko.txt": [
        *("hellinger", "exponential(a)", "exponential(b)", "--lang", "ko", "--to", "text")
    ],
    "out/w2.json": ["wasserstein", "normal(m, s)", "normal(0, 1)", "--to", "json"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("divergences")
    (folder / "notes.toml").write_text(MANIFEST, encoding="utf-8")
    env = clean_env(KL_DERIVE_CACHE_DIR=str(folder / "cache"))  # this module's own cache
    done = run_module(["build", "notes.toml", "-j", "1"], env=env, cwd=folder, timeout=600)
    return folder, done


@pytest.mark.slow
def test_divergence_entries_write_what_the_commands_print(built: tuple[Path, object]) -> None:
    folder, done = built
    assert done.returncode == 2, done.stderr  # type: ignore[attr-defined]
    assert "9 derivations: 4 written, 0 unchanged, 5 failed" in done.stdout  # type: ignore[attr-defined]
    for name, args in SINGLE.items():
        single = run_module([*args, "--no-cache"], cwd=folder, timeout=600)
        assert single.returncode == 0, single.stderr
        assert (folder / name).read_text(encoding="utf-8") == single.stdout, name
    # the number alpha = 2 is the text --alpha 2: the command line in the header says so
    assert "--alpha 2 --to latex" in (folder / "out/renyi.tex").read_text(encoding="utf-8")


@pytest.mark.slow
def test_each_refused_divergence_entry_is_one_line(built: tuple[Path, object]) -> None:
    folder, done = built
    errors = done.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(errors) == 5, errors
    assert "derivation 5" in errors[0] and "unknown key 'alpha'" in errors[0]
    assert "derivation 6" in errors[1] and "alpha must be a finite number, not nan" in errors[1]
    assert "derivation 7" in errors[2] and "alpha must be a string or a number" in errors[2]
    assert "derivation 8" in errors[3] and "did you mean 'chi-square'?" in errors[3]
    assert "derivation 9" in errors[4]
    # the option is refused as the command refuses it
    single = run_module(["renyi", "normal(0, 1)", "normal(1, 2)", "--alpha", "-1"], cwd=folder)
    assert single.returncode == 2
    (line,) = single.stderr.splitlines()
    assert line.split("Error: ")[-1].split("error: ")[-1] in errors[4]
    for name in ("bad-option", "bad-nan", "bad-flag", "bad-name", "bad-alpha"):
        assert not (folder / "out" / f"{name}.tex").exists()


@pytest.mark.slow
def test_a_cached_divergence_build_imports_no_sympy(
    built: tuple[Path, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built entries alone (a refused entry's option is checked by SymPy again)."""
    folder, _ = built
    good = MANIFEST.split("[[derivation]]")[1:5]
    (folder / "good.toml").write_text("".join(f"[[derivation]]{e}" for e in good), "utf-8")
    monkeypatch.setenv("KL_DERIVE_CACHE_DIR", str(folder / "cache"))
    stdout, loaded = heavy_modules_loaded(["build", "good.toml"], cwd=folder)
    assert loaded == "STATUS 0 LOADED []"
    assert stdout.splitlines()[-1] == (
        "4 derivations: 0 written, 4 unchanged, 0 failed (4 from the cache)"
    )


def test_the_divergence_and_its_option_are_part_of_the_key() -> None:
    def key(quantity: str) -> dict[str, object]:
        request = Request(quantity, "normal(0, 1)", "normal(1, 2)", "latex", "en")
        return request.key_data()

    keys = [key("renyi?alpha=2"), key("renyi?alpha=3"), key("renyi"), key("chi_square"), key("kl")]
    assert len({repr(k) for k in keys}) == len(keys)
