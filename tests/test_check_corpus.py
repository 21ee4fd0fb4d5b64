"""The check corpus: every verdict and named mistake asserted, and recomputed with NumPy.

``tests/check_corpus.py`` holds KL terms written the ways public code writes them. For
each case the verdict, the mistakes and the kind are asserted; then the code is run with
NumPy stand-ins for the frameworks (``tests/framework_shims.py``; the corpus is our own
test data) on random inputs, and its value is compared with the KL computed here from the
textbook formulas: a correct line must give the per-example KL (or its batch sum or mean),
an incorrect one must not. Estimators are checked by their exact mean over a small
distribution: k1 and k3 must average to KL(pi || pi_ref), k2 and the mistakes must not.
"""

from __future__ import annotations

import ast
import builtins
import textwrap
from typing import Any

import numpy as np
import pytest
from check_corpus import BLOCKS, CORPUS, LINES, SEED, Case
from framework_shims import namespace

from kl_derive.check import CheckReport, check_loss

BATCH, LATENT, CATEGORIES = 3, 4, 4


def _id(case: Case) -> str:
    return " ".join(case.code.split())[:70]


@pytest.mark.parametrize("case", CORPUS, ids=_id)
def test_verdict_and_mistakes(case: Case) -> None:
    report = check_loss(case.code, **case.options)
    assert report.verdict == case.verdict, report.message
    assert report.mistakes == case.mistakes, report.message
    assert report.kind == case.kind, report.message
    assert report.message.startswith(case.verdict)
    assert "\n" not in report.message
    assert report.exit_code() == (0 if case.verdict == "correct" else 1)
    for name in report.roles:  # the reading of every variable is said
        assert f"{name} as " in report.message, (name, report.message)


def test_the_corpus_is_large_and_varied() -> None:
    assert len(LINES) >= 60 and len(BLOCKS) >= 5
    assert SEED in [case.code for case in LINES]
    for cases in (LINES, BLOCKS):
        verdicts = {case.verdict for case in cases}
        assert {"correct", "incorrect"} <= verdicts
    assert {case.kind for case in CORPUS} == {
        "normal",
        "normal_pair",
        "bernoulli",
        "categorical",
        "estimator",
    }
    named = {m for case in CORPUS for m in case.mistakes}
    assert len(named) >= 12, named


# --------------------------------------------------------------------------- numerics


def _run(code: str, globals_: dict[str, Any], missing: float = 1.0) -> Any:
    """Run corpus code and return the value of its last statement.

    A name the code reads but nothing defines (a mask, a schedule's step) is ``missing``.
    """
    tree = ast.parse(textwrap.dedent(code).strip())
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not hasattr(builtins, node.id):
            globals_.setdefault(node.id, missing)
    last = tree.body[-1]
    if isinstance(last, (ast.Return, ast.Expr)):
        target = ast.Name("result_", ctx=ast.Store())
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[target], value=last.value), last)
        ast.fix_missing_locations(tree)
        last = tree.body[-1]
    exec(compile(tree, "corpus", "exec"), globals_)  # our own test data, not user input
    target = last.targets[0] if isinstance(last, ast.Assign) else last.target  # type: ignore[attr-defined]
    if isinstance(target, ast.Attribute):
        return getattr(globals_["self"], target.attr)
    return globals_[target.id]  # type: ignore[attr-defined]


def _gaussian(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(BATCH, LATENT)), rng.uniform(-1.2, 1.2, size=(BATCH, LATENT))


def _scale_values(logvar: np.ndarray, suffix: str = "") -> dict[str, np.ndarray]:
    return {
        "logvar" + suffix: logvar,
        "std" + suffix: np.exp(logvar / 2),
        "var" + suffix: np.exp(logvar),
        "logstd" + suffix: logvar / 2,
    }


def _inputs(report: CheckReport, rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Values for the line's variables (by the roles the report gives) and the KL per example."""
    by_role: dict[str, Any] = {"weight": 1.0, "batch_size": float(BATCH), "epsilon": 1e-12}
    if report.kind in ("normal", "normal_pair"):
        mu, lv = _gaussian(rng)
        by_role.update({"mu": mu, **_scale_values(lv)})
        if report.kind == "normal":
            kl = 0.5 * (mu**2 + np.exp(lv) - lv - 1)
        else:
            mu_p, lv_p = _gaussian(rng)
            by_role.update({"mu_p": mu_p, **_scale_values(lv_p, "_p")})
            kl = 0.5 * (lv_p - lv + (np.exp(lv) + (mu - mu_p) ** 2) / np.exp(lv_p) - 1)
        by_role["latent_size"] = float(LATENT)
    else:
        size = int(report.condition.split("=")[1]) if report.condition else CATEGORIES
        if report.kind == "categorical":
            q = rng.dirichlet(np.ones(size), size=BATCH)
            p = rng.dirichlet(np.ones(size), size=BATCH)
            if not {"p", "log_p", "log_ratio", "ratio"} & set(report.roles.values()):
                p = np.full_like(q, 1 / size)
            kl = q * np.log(q / p)
        else:
            q = rng.uniform(0.05, 0.95, size=(BATCH, LATENT))
            p = rng.uniform(0.05, 0.95, size=(BATCH, LATENT))
            if not {"p", "log_p"} & set(report.roles.values()):
                p = np.full_like(q, 0.5)
            kl = q * np.log(q / p) + (1 - q) * np.log((1 - q) / (1 - p))
        by_role.update(
            {"q": q, "p": p, "log_q": np.log(q), "log_p": np.log(p), "latent_size": float(size)}
        )
        by_role.update({"log_ratio": np.log(q / p), "ratio": q / p})
    values = {name: by_role[role] for name, role in report.roles.items()}
    return values, kl.sum(axis=-1)


def _close(value: Any, expected: np.ndarray) -> bool:
    value = np.asarray(value, dtype=float)
    if value.size != expected.size:
        return False
    # a stabilising constant (1e-7 in K.epsilon()) moves the value by about that much
    return bool(np.allclose(value.reshape(expected.shape), expected, rtol=1e-5, atol=1e-6))


@pytest.mark.parametrize("case", [c for c in CORPUS if c.kind != "estimator"], ids=_id)
def test_the_verdict_agrees_with_numpy(case: Case) -> None:
    report = check_loss(case.code, **case.options)
    rng = np.random.default_rng(7)
    values, per_example = _inputs(report, rng)
    globals_ = namespace(values, BATCH)
    result = _run(case.code, globals_, missing=1e6)  # a KL-annealing schedule at its end
    expected = [per_example, per_example.sum(), per_example.mean()]
    agrees = any(_close(result, e) for e in expected)
    assert agrees == (case.verdict == "correct"), (report.message, result, per_example)


def _estimator_mean(case: Case, report: CheckReport, pi: np.ndarray, ref: np.ndarray) -> float:
    """E over tokens x ~ (the sampled law) of the line, exactly (three outcomes)."""
    old = "old_logp" in report.roles.values()
    total = 0.0
    for x in range(len(pi)):
        sampled, other = np.log(pi[x]), np.log(ref[x])
        by_role = {
            "old_logp": sampled,
            "log_q": other if old else sampled,
            "log_p": other,
            "log_ratio": (other - sampled) if old else (sampled - other),
            "ratio": np.exp(sampled - other),
            "weight": 1.0,
            "mask": 1.0,
        }
        values = {n: np.full((1, 1), by_role[r]) for n, r in report.roles.items()}
        total += pi[x] * float(np.asarray(_run(case.code, namespace(values, 1))).sum())
    return total


@pytest.mark.parametrize("case", [c for c in CORPUS if c.kind == "estimator"], ids=_id)
def test_an_estimator_is_unbiased_exactly_when_the_verdict_says_so(case: Case) -> None:
    report = check_loss(case.code, **case.options)
    rng = np.random.default_rng(11)
    for _ in range(3):
        pi, ref = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3))
        kl = float(np.sum(pi * np.log(pi / ref)))
        mean = _estimator_mean(case, report, pi, ref)
        assert np.isclose(mean, kl, rtol=1e-9) == (case.verdict == "correct"), report.message
