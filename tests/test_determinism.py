"""The same command gives the same bytes, whatever Python's hash seed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import clean_env, has_catalog, run_module

from kl_derive import derive

SEEDS = ("0", "1", "12345")
FORMATS = ("latex", "markdown", "json")
LANGS = ("en", "ko")


def outputs(args: list[str]) -> dict[str, bytes]:
    """``python -m kl_derive ARGS`` under each hash seed, run two at a time, each deriving
    afresh (a result cached by one run would make the others' comparison empty)."""

    def one(seed: str) -> bytes:
        done = run_module(args, env=clean_env(PYTHONHASHSEED=seed, KL_DERIVE_NO_CACHE="1"))
        assert done.returncode == 0, done.stderr
        assert done.stdout
        return done.stdout.encode("utf-8")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(SEEDS, pool.map(one, SEEDS), strict=True))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_same_bytes_under_every_hash_seed(fmt: str, lang: str) -> None:
    if not has_catalog(lang):
        pytest.skip(f"no {lang} catalog yet")
    results = outputs(["normal", "--to", fmt, "--lang", lang])
    first = results[SEEDS[0]]
    for seed, data in results.items():
        assert data == first, f"PYTHONHASHSEED={seed} differs from {SEEDS[0]} ({fmt}, {lang})"


def test_general_pair_same_bytes_under_every_hash_seed() -> None:
    results = outputs(["normal(m1, s1)", "normal(m2, exp(t))", "--to", "json"])
    assert len(set(results.values())) == 1


def test_same_output_twice_in_one_process() -> None:
    first, second = derive("normal(m, exp(s))"), derive("normal(m, exp(s))")
    assert first.to_latex() == second.to_latex()
    assert first.to_markdown() == second.to_markdown()
    assert first.to_json() == second.to_json()


@pytest.mark.parametrize(
    "args",
    [
        ["diag_normal", "--param", "logvar", "--to", "markdown", "--lang", "ko"],
        ["diag_normal([m1, m2], [s1, s2])", "diag_normal([a1, a2], [b1, b2])", "--to", "json"],
        ["multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)", "--to", "json"],
        # coordinates written out by --dims take their assumptions from the vector's: the
        # JSON's srepr once listed them in hash order
        ["diag_normal(mu, sigma)", "--dims", "3", "--to", "json"],
    ],
)
def test_vector_families_same_bytes_under_every_hash_seed(args: list[str]) -> None:
    results = outputs(args)
    assert len(set(results.values())) == 1


def test_wishart_json_same_bytes_in_separate_processes() -> None:
    """A Wishart KL in a symbolic dimension writes Gamma_p(a) in the JSON's srepr as SymPy's
    product over an index: SymPy's own index is a Dummy numbered at random per process, so
    two runs of the same command once printed different bytes."""
    results = outputs(["wishart(n, V)", "wishart(m, U)", "--to", "json"])
    assert len(set(results.values())) == 1
    assert "Product(gamma(" in results[SEEDS[0]].decode()
