"""The companions of the KL catalog: Monte-Carlo estimators of KL (``kl-derive
estimators``), derived with the same engine and rendered by the same templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sympy import Eq, Expr, Function

from .derivation import Derivation
from .errors import SpecError
from .symbolic.objects import VARIABLE, Expect

__all__ = ["EstimatorsDerivation", "estimators"]


@dataclass(frozen=True, repr=False)
class EstimatorsDerivation(Derivation):
    """A verified derivation of the Monte-Carlo estimators k1, k2, k3 of KL(P || Q) under
    samples from P. ``result`` is KL(P || Q), the mean of k1 and of k3; ``facts`` holds
    every closed form (means, variances, the bias of k2, E[r^2] and its condition, the
    expected gradients), see :class:`~kl_derive.strategies.estimator_parts.EstimatorFacts`."""

    facts: Any = None
    #: the left-hand side of the result, E_q[k1] = E_q[k3]
    result_lhs: Expr | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        from .render.view import canonical_spec

        return f"estimators of KL({canonical_spec(self.p)} || {canonical_spec(self.q)})"

    @property
    def command(self) -> str:
        from .render.view import canonical_spec

        return f'kl-derive estimators "{canonical_spec(self.p)}" "{canonical_spec(self.q)}"'

    @property
    def call(self) -> str:
        from .render.view import canonical_spec

        return f"kl_derive.estimators({canonical_spec(self.p)!r}, {canonical_spec(self.q)!r})"


def estimators(
    p: str = "normal", q: str | None = None, *, param: str | None = None, lang: str = "en"
) -> EstimatorsDerivation:
    """Derive the Monte-Carlo estimators of KL(P || Q) from samples z ~ P, with r the
    density of Q over that of P at z: k1 = -log r, k2 = (log r)^2 / 2,
    k3 = (r - 1) - log r. The derivation shows that k1 and k3 are unbiased (E[r] = 1),
    that k3 >= 0, the bias of k2, the variance of each (that of k3 finite only when
    2 sigma_P^2 > sigma_Q^2, a chi-square condition) and what each one's gradient
    estimates when the sample is held fixed. Both laws are univariate normals;
    ``q`` defaults to N(0, 1); ``param`` and ``lang`` as for :func:`kl_derive.derive`.
    """
    from .engine import verify_draft
    from .render.catalog import check_language
    from .spec import parse_spec
    from .strategies.estimator_parts import estimator_facts
    from .strategies.estimators import derive_estimators
    from .strategies.placeholders import substitute_draft
    from .symbolic.convert import bind_pair
    from .symbolic.display import evaluate

    if not (param is None or isinstance(param, str)):
        raise TypeError(f"param is a string, such as 'logvar'; got {param!r}")
    if not isinstance(lang, str):
        raise TypeError(f"lang is a string, such as 'en'; got {lang!r}")
    check_language(lang)
    if not isinstance(p, str) or not (q is None or isinstance(q, str)):
        raise TypeError("p and q are distribution specs, such as 'normal(mu, sigma)'")
    first, second = bind_pair(parse_spec(p), parse_spec(q) if q is not None else None, param)
    if first.family.name != "normal" and q is None:
        raise SpecError("the estimators are derived for two univariate normal laws")
    draft = substitute_draft(derive_estimators(first, second), (first, second))
    facts = estimator_facts(first, second)
    mapping = {**first.substitutions, **second.substitutions}
    if mapping:
        facts = _substituted(facts, mapping)
    qf = Function("q")(VARIABLE)
    lhs = Eq(
        Expect(Function("k1")(VARIABLE), qf),
        Expect(Function("k3")(VARIABLE), qf),
        evaluate=False,
    )
    return EstimatorsDerivation(
        p=first,
        q=second,
        stages=verify_draft(draft),
        result=evaluate(draft.result_display),
        result_display=draft.result_display,
        strategy=draft.strategy,
        functions=dict(draft.functions),
        expect_subscripts=draft.expect_subscripts,
        lang=lang,
        setting=draft.setting,
        quantity=draft.quantity,
        facts=facts,
        result_lhs=lhs,
    )


def _substituted(facts: Any, mapping: Mapping[Expr, Expr]) -> Any:
    from dataclasses import fields, replace

    changes = {}
    for f in fields(facts):
        value = getattr(facts, f.name)
        if isinstance(value, dict):
            changes[f.name] = {k: v.subs(mapping) for k, v in value.items()}
        else:
            changes[f.name] = value.subs(mapping)
    return replace(facts, **changes)
