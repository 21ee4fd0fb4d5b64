"""``kl-derive build`` with ``elbo`` and ``mixture`` entries, and their result-cache keys.

An entry writes exactly what the single command prints; a refused entry fails on its own
line (exit 2) while the others are built; the cache serves an unchanged entry again and
misses when any input that decides the text changes (an elbo setting, the Monte-Carlo
sample size, kl-derive's version).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, clean_env, heavy_modules_loaded, run_module

from kl_derive.batch import Request

MIXTURE = "mixture([1/2, 1/2], [normal(0, 1), normal(2, 1)])"

MANIFEST = f"""\
[[derivation]]
quantity = "elbo"
decoder = "bernoulli"
beta = "beta"
to = "markdown"
output = "out/elbo.md"

[[derivation]]
quantity = "elbo"
lang = "ko"
detail = "full"
to = "text"
output = "out/elbo-ko.txt"

[[derivation]]
quantity = "mixture"
p = "{MIXTURE}"
q = "normal(1, 2)"
samples = 2000
to = "text"
output = "out/mix.txt"

[[derivation]]
quantity = "mixture"
p = "normal"
output = "out/bad-no-q.txt"

[[derivation]]
quantity = "elbo"
p = "normal"
output = "out/bad-elbo-p.txt"

[[derivation]]
quantity = "elbo"
decoder = "poisson"
output = "out/bad-decoder.txt"

[[derivation]]
quantity = "mixture"
p = "{MIXTURE}"
q = "normal(1, 2)"
samples = 1
output = "out/bad-samples.txt"
"""

SINGLE = {
    "out/elbo.md": ["elbo", "--decoder", "bernoulli", "--beta", "beta", "--to", "markdown"],
    "out/elbo-ko.txt": ["elbo", "--lang", "ko", "--detail", "full", "--to", "text"],
    "out/mix.txt": ["mixture", MIXTURE, "normal(1, 2)", "--samples", "2000", "--to", "text"],
}


@pytest.mark.slow
def test_elbo_and_mixture_entries_write_what_the_commands_print(tmp_path: Path) -> None:
    (tmp_path / "notes.toml").write_text(MANIFEST, encoding="utf-8")
    done = run_module(["build", "notes.toml", "--no-cache", "-j", "1"], cwd=tmp_path, timeout=600)
    assert done.returncode == 2, done.stderr
    errors = done.stderr.splitlines()
    assert len(errors) == 4, done.stderr
    assert "derivation 4" in errors[0] and "no q" in errors[0]
    assert "derivation 5" in errors[1] and "elbo entry has no p" in errors[1]
    assert "derivation 6" in errors[2] and "unknown decoder 'poisson'" in errors[2]
    assert "derivation 7" in errors[3] and "--samples" in errors[3]
    assert "7 derivations: 3 written, 0 unchanged, 4 failed" in done.stdout
    for name, args in SINGLE.items():
        single = run_module([*args, "--no-cache"], cwd=tmp_path, timeout=600)
        assert single.returncode == 0, single.stderr
        assert (tmp_path / name).read_text(encoding="utf-8") == single.stdout, name
    for bad in ("bad-no-q", "bad-elbo-p", "bad-decoder", "bad-samples"):
        assert not (tmp_path / "out" / f"{bad}.txt").exists()


def test_an_unknown_quantity_lists_elbo_and_mixture(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(
        '[[derivation]]\nquantity = "elbow"\noutput = "a.txt"\n', encoding="utf-8"
    )
    done = run_module(["build", "m.toml", "--no-cache"], cwd=tmp_path)
    assert done.returncode == 2
    assert "did you mean 'elbo'?" in done.stderr and "mixture, elbo" in done.stderr


def _request(**changes: object) -> Request:
    base: dict[str, object] = {
        "quantity": "elbo",
        "p": "elbo",
        "q": None,
        "fmt": "latex",
        "lang": "en",
        "settings": (("decoder", "gaussian"), ("prior", "normal"), ("beta", "1"), ("inline", "0")),
    }
    base.update(changes)
    return Request(**base)  # type: ignore[arg-type]


def test_every_companion_input_is_part_of_the_key() -> None:
    """Requests that differ in one elbo setting, the sample size, the laws or the format
    have different keys (and equal requests equal ones)."""
    from kl_derive.cache import ResultCache

    settings = dict(_request().settings)
    variants = [_request(), _request(fmt="text"), _request(lang="ko")]
    for name, other in (
        ("decoder", "bernoulli"),
        ("prior", "any"),
        ("beta", "2"),
        ("beta", "beta"),
        ("inline", "1"),
    ):
        changed = dict(settings, **{name: other})
        variants.append(_request(settings=tuple(changed.items())))
    mixture = {"quantity": "mixture", "p": MIXTURE, "q": "normal(1, 2)", "settings": ()}
    variants += [
        _request(**mixture),
        _request(**mixture, samples=2000),
        _request(**mixture, samples=2001),
        _request(**dict(mixture, q="normal(1, 3)")),
    ]
    keys = [ResultCache.key(r.key_data(), None) for r in variants]
    assert None not in keys
    assert len(set(keys)) == len(keys)
    assert ResultCache.key(_request().key_data(), None) == keys[0]


@pytest.mark.slow
def test_a_second_build_is_served_from_the_cache_and_a_change_misses(
    tmp_path: Path, private_cache: Path
) -> None:
    manifest = tmp_path / "notes.toml"
    good = "\n".join(MANIFEST.split('\n[[derivation]]\nquantity = "mixture"\np = "normal"')[:1])
    manifest.write_text(good, encoding="utf-8")
    first = run_module(["build", "notes.toml", "-j", "1"], cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "3 written, 0 unchanged, 0 failed (0 from the cache)" in first.stdout
    texts = {name: (tmp_path / name).read_bytes() for name in SINGLE}
    # again: every entry from the cache, without loading SymPy
    stdout, loaded = heavy_modules_loaded(["build", "notes.toml", "-j", "1"], cwd=tmp_path)
    assert "0 written, 3 unchanged, 0 failed (3 from the cache)" in stdout
    assert loaded == "STATUS 0 LOADED []"
    # beta and the sample size change: those two entries miss, the third is served
    manifest.write_text(
        good.replace('beta = "beta"', 'beta = "2"').replace("samples = 2000", "samples = 3000"),
        encoding="utf-8",
    )
    again = run_module(["build", "notes.toml", "-j", "1"], cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "2 written, 1 unchanged, 0 failed (1 from the cache)" in again.stdout
    assert (tmp_path / "out/elbo-ko.txt").read_bytes() == texts["out/elbo-ko.txt"]
    changed = (tmp_path / "out/elbo.md").read_text(encoding="utf-8")
    assert changed != texts["out/elbo.md"].decode() and "2" in changed
    mix = (tmp_path / "out/mix.txt").read_text(encoding="utf-8")
    assert "3000" in mix and "3000" not in texts["out/mix.txt"].decode()


@pytest.mark.parametrize(
    "args",
    [
        ["elbo", "--decoder", "bernoulli"],
        ["mixture", MIXTURE, "normal(1, 2)", "--samples", "500"],
    ],
    ids=["elbo", "mixture"],
)
@pytest.mark.slow
def test_a_new_version_misses_companions(
    tmp_path: Path, private_cache: Path, args: list[str]
) -> None:
    root = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "kl_derive", root / "kl_derive", ignore=ignore)
    shutil.copytree(ROOT / "templates", root / "templates", ignore=ignore)
    env = clean_env(PYTHONPATH=str(root))

    def stored() -> list[Path]:
        return sorted(p for p in (private_cache / "results").rglob("*") if p.is_file())

    first = run_module(args, env=env, cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stderr
    assert len(stored()) == 1
    assert run_module(args, env=env, cwd=tmp_path, timeout=600).stdout == first.stdout
    assert len(stored()) == 1
    version = root / "kl_derive" / "version.py"
    text = version.read_text(encoding="utf-8")
    assert '__version__ = "0.1.0"' in text
    version.write_text(text.replace('"0.1.0"', '"9.9"', 1), encoding="utf-8")
    after = run_module(args, env=env, cwd=tmp_path, timeout=600)
    assert after.returncode == 0, after.stderr
    assert len(stored()) == 2
    assert first.stdout.startswith("% kl-derive 0.1.0:")
    assert after.stdout.startswith("% kl-derive 9.9:")
    assert after.stdout.split("\n", 1)[1] == first.stdout.split("\n", 1)[1]
