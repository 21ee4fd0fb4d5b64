"""Message catalogs: every language has every sentence, with the same placeholders."""

from __future__ import annotations

import string
import tomllib
from typing import Any

import pytest
from conftest import MESSAGES

from kl_derive import derive
from kl_derive.steps.rules import RULES

LANGS = sorted(p.stem for p in MESSAGES.glob("*.toml"))


def load(lang: str) -> dict[str, Any]:
    with (MESSAGES / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def flatten(node: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


#: placeholders every sentence may use (see the header of en.toml)
EVERYWHERE = {"q", "p", "q_law", "p_law", "z", "x", "epsilon", "g", "kl"}
#: and every step's sentence
IN_STEPS = {"lhs", "rhs", "identity"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_exists() -> None:
    assert "en" in LANGS


@pytest.mark.parametrize("lang", LANGS)
def test_every_rule_has_a_sentence(lang: str) -> None:
    rules = load(lang)["rule"]
    missing = [rule for rule in RULES if rule not in rules]
    assert not missing, missing
    for rule in RULES:
        assert isinstance(rules[rule].get("title"), str) and rules[rule]["title"], rule
        assert isinstance(rules[rule].get("text"), str), rule


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_same_keys_and_known_placeholders(lang: str) -> None:
    english, other = flatten(load("en")), flatten(load(lang))
    assert set(other) == set(english), set(english) ^ set(other)
    # a translation may leave a placeholder out, but not use one English never fills
    unknown = {}
    for key, text in other.items():
        if not isinstance(text, str):
            continue
        allowed = placeholders(english[key]) | EVERYWHERE
        if key.startswith("rule/"):
            allowed |= IN_STEPS
        if placeholders(text) - allowed:
            unknown[key] = placeholders(text) - allowed
    assert not unknown, unknown


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_renders(lang: str) -> None:
    d = derive("normal(m1, s1)", "normal(m2, exp(t))")
    for text in (d.to_latex(lang), d.to_markdown(lang), d.to_json(lang)):
        assert text.strip()
        assert "{" + "lhs" + "}" not in text  # no unfilled placeholder
