"""kl-derive estimators for two gamma laws: every step verified, with symbolic parameters
(the verifier samples them) and at small shapes on both sides of the chi-square condition
2 alpha_2 > alpha_1, 2 beta_2 > beta_1; the cumulant steps E_q[(log r - kappa_1)^n], whose
moments E[z^j log^k z] the verifier writes exactly (no quadrature near z = 0, where
z^(alpha - 1) and log z are singular), are proved symbolically and refuse their value changed
by a relative 1e-7. The closed forms themselves are checked against
SciPy in tests/test_estimators_family.py."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from sympy import oo

import kl_derive
from kl_derive.errors import VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.verify import verify_step
from kl_derive.strategies.estimators_family import derive_family_estimators
from kl_derive.symbolic.convert import bind_pair


@pytest.mark.slow
@pytest.mark.parametrize(
    ("p", "q", "finite"),
    [
        ("gamma(0.3, 1)", "gamma(0.5, 2)", True),  # 2 alpha_2 > alpha_1, 2 beta_2 > beta_1
        ("gamma(2, 3)", "gamma(0.5, 1)", False),  # 2 alpha_2 < alpha_1: Var k3 infinite
    ],
)
def test_small_shapes_on_both_sides_of_the_condition(p, q, finite) -> None:
    d = kl_derive.estimators(p, q)
    assert all(step.check in ("symbolic", "numeric") for step in d.steps)
    assert math.isfinite(float(d.facts.variance["k3"])) == finite
    if not finite:
        assert d.facts.variance["k3"] is oo


@pytest.mark.slow
def test_symbolic_gamma_and_the_cumulant_steps_refuse_a_small_change() -> None:
    first, second = bind_pair(parse_spec("gamma(a1, b1)"), parse_spec("gamma(a2, b2)"), None)
    draft = derive_family_estimators(first, second)
    cumulants = [
        step
        for stage in draft.stages
        if stage.key == "estimators_family_cumulants"
        for step in stage.steps
        if step.rule == "estimator.family_cumulant"
    ]
    assert len(cumulants) == 4
    for step in cumulants:  # exact moments of z^j log^k z (steps/verify/kernel_moments.py)
        assert verify_step(step, draft.contexts[step.facts]) == "symbolic"
    for step in cumulants:
        with pytest.raises(VerificationError):
            verify_step(replace(step, after=step.after * (1 + 1e-7)), draft.contexts[step.facts])


@pytest.mark.slow
def test_symbolic_gamma_derives_end_to_end() -> None:
    d = kl_derive.estimators("gamma(a1, b1)", "gamma(a2, b2)")
    assert all(step.check in ("symbolic", "numeric") for step in d.steps)
    assert "estimators_family_k3" in [s.key for s in d.stages]
    for lang in ("en", "ko"):
        assert "2a₂ > a₁" in d.render("text", lang) and "2b₂ > b₁" in d.render("text", lang)
