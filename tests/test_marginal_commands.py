"""The command a chain-rule entropy cites for its marginal (``kl-derive entropy
"gamma(...)"`` in a Normal-Gamma entropy, ``kl-derive entropy "wishart(...)"`` in a
Normal-Wishart one) is set as code, as every other cited command is: in LaTeX a
``\\texttt`` run, never mathematics (where the quotes, hyphen and spaces are lost)."""

from __future__ import annotations

import pytest

import kl_derive
from kl_derive.steps.step import Code

CASES = [
    ("normal_gamma(mu, lambda, alpha, beta)", 'kl-derive entropy "gamma(alpha, beta)"'),
    (
        "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)",
        'kl-derive entropy "wishart(n, [[a, b], [b, c]])"',
    ),
]


@pytest.mark.parametrize(("spec", "command"), CASES, ids=["normal_gamma", "normal_wishart"])
def test_the_marginal_command_is_code(spec: str, command: str) -> None:
    d = kl_derive.entropy(spec)
    (step,) = [s for s in d.steps if s.rule == "entropy.marginal"]
    assert isinstance(step.params["command"], Code) and step.params["command"] == command
    for lang in ("en", "ko"):
        latex = d.to_latex(lang).replace(r"\allowbreak{}", "")  # a break point in code
        assert "$kl-derive" not in latex
        opening = r"\texttt{kl-derive entropy "
        assert latex.count(opening) == 1
        cited = latex.split(opening)[1].split("}")[0]
        assert "kl-derive entropy " + cited == command
        assert command in d.to_text(lang)
