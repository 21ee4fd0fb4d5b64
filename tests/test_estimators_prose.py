"""The opening paragraph of ``kl-derive estimators`` names the kind of variable: a sample
z with densities for continuous laws, a value drawn with mass functions for discrete ones,
in English and in Korean."""

from __future__ import annotations

import pytest

import kl_derive

DISCRETE = [("poisson(2)", "poisson(3)"), ("bernoulli(1/4)", "bernoulli(1/2)")]
CONTINUOUS = [("exponential(2)", "exponential(3)"), ("normal(1, 2)", "normal(0, 1)")]


def _opening(p: str, q: str, lang: str) -> str:
    text = kl_derive.estimators(p, q, lang=lang).to_text(lang)
    heading = {"en": "Step 1:", "ko": "1단계:"}[lang]
    assert heading in text
    return " ".join(text.split(heading)[0].split())  # the title and opening paragraph


@pytest.mark.parametrize(("p", "q"), DISCRETE)
def test_a_discrete_law_is_sampled_with_mass_functions(p: str, q: str) -> None:
    english, korean = _opening(p, q, "en"), _opening(p, q, "ko")
    assert "with mass function q(k)" in english and "mass function p(k)" in english
    assert "sample z" not in english and "density" not in english
    assert "확률 질량 함수가 q(k)인" in korean and "확률 질량 함수는 p(k)다" in korean
    assert "표본 z" not in korean and "밀도" not in korean


@pytest.mark.parametrize(("p", "q"), CONTINUOUS)
def test_a_continuous_law_is_sampled_with_densities(p: str, q: str) -> None:
    english, korean = _opening(p, q, "en"), _opening(p, q, "ko")
    assert "A sample z is drawn from the first law, with density q(z)" in english
    assert "mass function" not in english
    assert "표본 z는 밀도가 q(z)인 첫째 분포에서 뽑고" in korean
    assert "질량 함수" not in korean
