"""The public entry point, :func:`derive`."""

from __future__ import annotations

from .derivation import Derivation
from .engine import draft_for, verify_draft
from .spec import parse_spec
from .symbolic.convert import bind_pair, with_dimension
from .symbolic.display import evaluate

__all__ = ["derive"]


def derive(
    p: str = "normal",
    q: str | None = None,
    *,
    param: str | None = None,
    dims: int | None = None,
    lang: str = "en",
) -> Derivation:
    """Derive KL(P || Q) step by step and verify every step.

    ``p`` and ``q`` are distribution specs in PyTorch's parameter order, e.g.
    ``"normal(mu, sigma)"`` or ``"normal(m, exp(s))"``. ``derive("normal")`` is
    KL(N(mu, sigma^2) || N(0, 1)); when ``q`` is omitted it is the family's standard
    member. ``param`` reads P's scale argument differently: ``"scale"`` (the default),
    ``"variance"``, ``"logvar"`` (log-variance, as VAE code has it) or ``"logscale"``;
    ``derive("normal", param="logvar")`` is ``derive("normal(mu, exp(logvar/2))")``.
    ``dims`` writes vector parameters given by name (``diag_normal(mu, sigma)``) out in
    that many coordinates instead of keeping the dimension symbolic.
    ``lang`` is the default language of the renderers (``"en"`` or ``"ko"``).

    Raises :class:`~kl_derive.errors.KLDeriveError` for a spec that cannot be derived.
    """
    from .render.catalog import check_language

    check_language(lang)
    first, second = bind_pair(parse_spec(p), parse_spec(q) if q is not None else None, param)
    if dims is not None:
        first, second = (with_dimension(d, dims) for d in (first, second))
    draft = draft_for(first, second)
    stages = verify_draft(draft)
    return Derivation(
        p=first,
        q=second,
        stages=stages,
        result=evaluate(draft.result_display),
        result_display=draft.result_display,
        strategy=draft.strategy,
        functions=dict(draft.functions),
        expect_subscripts=draft.expect_subscripts,
        instance_sizes=draft.instance_sizes,
        lang=lang,
        setting=draft.setting,
    )
