"""Reading distribution specs: what is accepted, what is refused, and that nothing is eval'ed."""

from __future__ import annotations

import builtins
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import clean_env

from kl_derive import derive
from kl_derive.errors import KLDeriveError, SpecError
from kl_derive.spec import MAX_SPEC_LENGTH, DistributionSpec, parse_spec

ACCEPTED = [
    "normal",
    "normal(mu, sigma)",
    "normal(m, exp(s))",
    "normal(0.5, 1/3)",
    "normal(m, exp(logvar/2))",
    "  normal(mu , sigma)  ",
    "normal(mu, sqrt(v))",
    "normal(-1, 2*pi)",
]

#: specs that the parser itself refuses
SYNTAX_REJECTED = [
    "__import__('os')",
    "normal(__import__('os'), 1)",
    "normal(__import__('os').system('true'), 1)",
    "normal(s.__class__, 1)",
    "normal(mu.real, 1)",
    "normal(lambda: 1, 1)",
    "normal([x for x in y], 1)",
    "normal({1: 2}, 1)",
    "normal(mu, sigma, extra=1)",
    "normal(mu, sigma=1)",
    "normal(" + "(" * 200 + "1" + ")" * 200 + ", 1)",
    "normal(" + "-" * 100 + "1, 1)",
    "normal(" + "a + " * 500 + "a, 1)",
    "normal(z, 1)",
    "normal(x, 1)",
    "normal(epsilon, 1)",
    "normal(_mu, 1)",
    "normal(mu,,)",
    "normal(mu, 'sigma')",
    "normal(mu, True)",
    "normal(mu, 1j)",
    "normal(mu, 1e400)",
    "normal(mu, foo(sigma))",
    "normal(mu, exp)",
    "normal(mu, exp(s, t))",
    "normal(mu, sigma if c else 1)",
    "normal(*args)",
    "normal(mu, sigma); import os",
    "normal(mu, sigma)\nimport os",
    "normal(mu, sigma) + 1",
    "os.system('true')",
    "",
    "   ",
]

#: specs that parse but cannot be derived
REJECTED = [
    *SYNTAX_REJECTED,
    "normal(mu, 2**(3**40))",
    "normal(0)",
    "normal(mu, sigma, tau)",
    "normal(0, -1)",
    "normal(0, 0)",
    "normal(mu, 1/0)",
    "normal(mu, sqrt(-1))",
    "nrmal",
    "zipf(2)",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text: str) -> None:
    spec = parse_spec(text)
    assert isinstance(spec, DistributionSpec)
    assert spec.family == "normal"
    assert len(spec.args) in (0, 2)


def test_parsed_tree() -> None:
    spec = parse_spec("normal(m, exp(logvar/2))")
    loc, scale = spec.args
    assert (loc.kind, loc.value) == ("name", "m")
    assert (scale.kind, scale.value) == ("call", "exp")
    (inner,) = scale.args
    assert (inner.kind, inner.value) == ("binop", "/")
    assert [(a.kind, a.value) for a in inner.args] == [("name", "logvar"), ("num", "2")]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_specs_derive(text: str) -> None:
    assert derive(text).steps


@pytest.mark.parametrize("text", SYNTAX_REJECTED)
def test_parser_rejects(text: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert message and "\n" not in message


@pytest.mark.parametrize("text", REJECTED)
def test_derive_rejects_with_one_line(text: str) -> None:
    # a guard against a refusal that does the work first (or hangs), not a speed test:
    # processor time, which a busy machine does not inflate, with a wide margin
    started = time.process_time()
    with pytest.raises(KLDeriveError) as caught:
        derive(text)
    assert time.process_time() - started < 5.0
    message = str(caught.value)
    assert message and "\n" not in message
    assert len(message) < 2 * MAX_SPEC_LENGTH


def test_spec_errors_are_kl_derive_errors() -> None:
    assert issubclass(SpecError, KLDeriveError)


def test_huge_exponent_is_refused_quickly() -> None:
    started = time.process_time()  # processor time: the same on a busy machine
    with pytest.raises(SpecError, match="exponent"):
        derive("normal(mu, 2**(3**40))")
    assert time.process_time() - started < 5.0


def test_reserved_name_message() -> None:
    with pytest.raises(SpecError, match="reserved"):
        parse_spec("normal(z, 1)")


def test_non_positive_scale_message() -> None:
    with pytest.raises(SpecError, match="positive"):
        derive("normal(0, -1)")


def test_very_long_spec() -> None:
    text = "normal(" + "+".join(["mu"] * 1000) + ", 1)"
    with pytest.raises(SpecError, match="too long"):
        parse_spec(text)


@pytest.mark.parametrize(
    "text",
    ["normal(mu, ((3**64)**64)**64)", "normal(mu, (((7**60)**60)**60)**60)"],
)
def test_power_towers_do_not_hang(text: str) -> None:
    """A 30-character spec must not keep the tool busy: it is refused or derived promptly.

    ``MAX_EXPONENT`` bounds each exponent, but nested powers multiply them; the result
    is a number with hundreds of thousands of digits that the derivation then chews on.
    Run in a subprocess so that a hang cannot stall the suite; what is bounded is the
    child's processor time (a busy machine stretches the wall clock, not that), with the
    wall-clock timeout only as the backstop against a hang.
    """
    started = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kl_derive", text, "--to", "json"],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"kl-derive {text!r} still running after 120 s")
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (ended.ru_utime + ended.ru_stime) - (started.ru_utime + started.ru_stime)
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 2), done.stderr
    assert elapsed < 10, f"kl-derive {text!r} took {elapsed:.1f} s of processor time"


def test_nothing_is_evaluated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    derive("normal")  # import everything first: importing is not what is checked
    calls: list[object] = []

    class EvalCalled(Exception):
        pass

    def no_eval(*args: object, **kwargs: object) -> object:
        calls.append(args[0] if args else None)
        raise EvalCalled("eval was called")

    monkeypatch.setattr(builtins, "eval", no_eval)
    # the trap works: SymPy's string parser goes through eval
    from sympy import sympify

    with pytest.raises(EvalCalled):
        sympify("1 + 1")
    assert calls
    calls.clear()

    for text in ACCEPTED:
        derive(text)
    derive("normal(m1, s1)", "normal(m2, s2)")
    marker = tmp_path / "pwned"
    for text in (
        f"normal(__import__('os').system('touch {marker}'), 1)",
        f"normal(open('{marker}', 'w'), 1)",
    ):
        with pytest.raises(SpecError):
            derive(text)
    assert not calls, f"eval was called with {calls!r}"
    assert not marker.exists()
