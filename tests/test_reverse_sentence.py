"""The sentence after a KL result that points to ``kl-derive Q P``: said only where that
command derives something, and something else (the OUTCOMES table decides)."""

from __future__ import annotations

import shlex
from functools import cache

import pytest

import kl_derive
from kl_derive.strategies.table import OUTCOMES

SENTENCE = "The divergence is not symmetric"


@cache
def _derive(p: str, q: str):
    return kl_derive.derive(p, q)


def _text(p: str, q: str, lang: str = "en") -> str:
    return _derive(p, q).to_text(lang)


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ("student_t(1, mu, gamma)", "normal"),  # normal || student_t: no closed form
        ("student_t", "normal"),
        ("cauchy", "normal"),  # normal || cauchy: no closed form
    ],
)
@pytest.mark.slow
def test_not_said_when_the_reverse_pair_is_refused(p: str, q: str) -> None:
    reverse = (_derive(p, q).q.family.name, _derive(p, q).p.family.name)
    assert OUTCOMES[reverse] == "none"
    assert SENTENCE not in _text(p, q)
    assert "대칭이 아니다" not in _text(p, q, "ko")


def test_not_said_when_both_directions_are_infinite() -> None:
    assert OUTCOMES[("normal", "half_cauchy")] == OUTCOMES[("half_cauchy", "normal")]
    assert _derive("normal", "half_cauchy").result == _derive("half_cauchy", "normal").result
    assert SENTENCE not in _text("normal", "half_cauchy")


@pytest.mark.slow
@pytest.mark.parametrize(("p", "q"), [("exponential", "normal"), ("normal(0, 1)", "laplace")])
def test_said_when_the_reverse_pair_derives_and_its_command_works(p: str, q: str) -> None:
    text = " ".join(_text(p, q).split())
    assert SENTENCE in text
    command = text.split("which kl-derive ", 1)[1].split(" derives", 1)[0]
    first, second = shlex.split(command)
    reverse = kl_derive.derive(first, second)
    assert reverse.result != _derive(p, q).result
