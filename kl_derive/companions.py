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

__all__ = [
    "ElboDerivation",
    "EstimatorsDerivation",
    "elbo",
    "estimator_closed_forms",
    "estimators",
    "parse_beta",
]


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
    estimates when the sample is held fixed. Both laws are univariate normals (``q``
    defaults to N(0, 1)), or two laws of one of the exponential families exponential,
    gamma, Poisson, Bernoulli, geometric, categorical (probabilities given as numbers; everything
    through the log-partition function; the chi-square condition is that
    2 eta_Q - eta_P be a natural parameter); ``param`` and
    ``lang`` as for :func:`kl_derive.derive`.
    """
    from .engine import derivation_fields
    from .render.catalog import check_language
    from .strategies.placeholders import substitute_draft

    _check_param(param)
    if not isinstance(lang, str):
        raise TypeError(f"lang is a string, such as 'en'; got {lang!r}")
    check_language(lang)
    first, second, derived, closed_forms = _estimator_laws(p, q, param)
    facts = closed_forms(first, second)  # once: the draft is built on them too
    draft = substitute_draft(derived(first, second, facts), (first, second))
    qf = Function("q")(VARIABLE)
    lhs = Eq(
        Expect(Function("k1")(VARIABLE), qf),
        Expect(Function("k3")(VARIABLE), qf),
        evaluate=False,
    )
    fields = derivation_fields(draft, lang)
    if first.family.discrete:  # the opening paragraph speaks of mass functions, not of z
        fields["setting"] = f"{fields['setting']}_discrete"
    return EstimatorsDerivation(
        p=first,
        q=second,
        **fields,
        facts=_in_user_parameters(first, second, facts),
        result_lhs=lhs,
    )


def estimator_closed_forms(p: str = "normal", q: str | None = None, *, param: str | None = None):
    """The closed forms :func:`estimators` ends in (its ``facts``), computed without the
    derivation: for a caller that accepts or refuses them by their form before paying for
    the derivation that verifies them (``kl-derive code estimators``). The same checks
    of the laws, and the same one-line errors."""
    first, second, _, closed_forms = _estimator_laws(p, q, param)
    return _closed_forms(first, second, closed_forms)


def _estimator_laws(p: Any, q: Any, param: Any) -> tuple:
    """The two laws bound and checked, the strategy's draft function and its closed forms."""
    from .spec import parse_spec
    from .strategies.estimator_family_facts import check_estimator_families
    from .strategies.estimator_parts import estimator_facts
    from .strategies.estimators import derive_estimators
    from .symbolic.convert import bind_pair

    _check_param(param)
    if not isinstance(p, str) or not (q is None or isinstance(q, str)):
        raise TypeError("p and q are distribution specs, such as 'normal(mu, sigma)'")
    p_spec, q_spec = parse_spec(p), parse_spec(q) if q is not None else None
    # before binding: a mixed pair may have no KL in the catalog
    check_estimator_families(p_spec.family, p_spec.family if q_spec is None else q_spec.family)
    first, second = bind_pair(p_spec, q_spec, param)
    if first.family.name != "normal" and q is None:
        raise SpecError(
            "the estimators need two laws: give the second one, e.g. "
            f'kl-derive estimators "{first.family.name}(...)" "{first.family.name}(...)"'
        )
    if first.family.name == "normal":
        return first, second, derive_estimators, estimator_facts
    # two laws of one exponential family, through the log-partition function
    from .strategies.estimator_family_facts import check_family_pair, family_estimator_facts
    from .strategies.estimators_family import derive_family_estimators

    check_family_pair(first, second)  # before the closed forms are computed from them
    return first, second, derive_family_estimators, family_estimator_facts


def _check_param(param: Any) -> None:
    if not (param is None or isinstance(param, str)):
        raise TypeError(f"param is a string, such as 'logvar'; got {param!r}")


def _closed_forms(first: Any, second: Any, closed_forms: Any) -> Any:
    return _in_user_parameters(first, second, closed_forms(first, second))


def _in_user_parameters(first: Any, second: Any, facts: Any) -> Any:
    mapping = {**first.substitutions, **second.substitutions}
    return _substituted(facts, mapping) if mapping else facts


def _substituted(facts: Any, mapping: Mapping[Expr, Expr]) -> Any:
    from dataclasses import fields, replace

    def sub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sub(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(sub(v) for v in value)
        return value.subs(mapping)

    return replace(facts, **{f.name: sub(getattr(facts, f.name)) for f in fields(facts)})


@dataclass(frozen=True, repr=False)
class ElboDerivation(Derivation):
    """A verified derivation of the evidence lower bound down to a VAE's per-sample loss
    (``kl-derive elbo``). ``result`` is the loss (or the ELBO's two terms when neither a
    decoder nor a prior is chosen); ``settings`` records the decoder, the prior, beta and
    whether the seed derivation is inlined."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    result_lhs: Expr | None = None

    @property
    def title(self) -> str:
        return "the evidence lower bound and the VAE loss"

    @property
    def command(self) -> str:
        return (
            "kl-derive elbo"
            + "".join(
                f" --{name} {value}"
                for name, value in self.settings.items()
                if name != "inline" and value != _ELBO_DEFAULTS[name]
            )
            + (" --detail full" if self.settings.get("inline") else "")
        )

    @property
    def call(self) -> str:
        args = ", ".join(
            f"{name}={value!r}"
            for name, value in self.settings.items()
            if value != _ELBO_DEFAULTS[name]
        )
        return f"kl_derive.elbo({args})"


_ELBO_DEFAULTS: dict[str, Any] = {
    "decoder": "gaussian",
    "prior": "normal",
    "beta": "1",
    "inline": False,
}


def elbo(
    decoder: str = "gaussian",
    prior: str = "normal",
    *,
    beta: float | int | str = 1,
    inline: bool = False,
    lang: str = "en",
) -> ElboDerivation:
    """Derive log p(x) = ELBO + KL(q(z|x) || p(z|x)) (and the bound by Jensen's
    inequality), ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)), the reparametrization
    z = mu + sigma * eps, and the per-sample loss a VAE trains.

    ``decoder``: ``"gaussian"`` (fixed variance s^2: squared error with its constants),
    ``"gaussian-learned"`` (a scale per data coordinate), ``"bernoulli"`` (binary
    cross-entropy) or ``"any"`` (log p(x|z) left as it is). ``prior``: ``"normal"``
    (the KL term is the seed derivation summed over the latent coordinates) or ``"any"``.
    ``beta``: the weight of the KL term (a positive number, or ``"beta"`` for the symbol).
    ``inline``: include the seed derivation's steps (``kl-derive elbo --detail full``)."""
    from .engine import derivation_fields, verify_draft
    from .render.catalog import check_language
    from .strategies.elbo import DECODERS, PRIORS, derive_elbo, result_lhs

    if not isinstance(lang, str):
        raise TypeError(f"lang is a string, such as 'en'; got {lang!r}")
    check_language(lang)
    if not isinstance(decoder, str) or decoder not in DECODERS:
        raise SpecError(f"unknown decoder {decoder!r} (choose from {', '.join(DECODERS)})")
    if not isinstance(prior, str) or prior not in PRIORS:
        raise SpecError(f"unknown prior {prior!r} (choose from {', '.join(PRIORS)})")
    if not isinstance(inline, bool):
        raise TypeError(f"inline is True or False; got {inline!r}")
    weight = parse_beta(beta)
    draft = derive_elbo(decoder, prior, weight)
    stages = verify_draft(draft)
    functions = dict(draft.functions)
    if inline and prior == "normal":
        from .api import derive

        seed = derive("normal(mu_j, sigma_j)", "normal(0, 1)", lang=lang)
        at = next(i for i, s in enumerate(stages) if s.key == "elbo_prior")
        stages = (*stages[:at], *seed.stages, *stages[at:])
        functions = {**seed.functions, **functions}
    first, second = _elbo_laws()

    return ElboDerivation(
        p=first,
        q=second,
        **{**derivation_fields(draft, lang, stages), "functions": functions},
        settings={
            "decoder": decoder,
            "prior": prior,
            "beta": str(weight),
            "inline": inline and prior == "normal",
        },
        result_lhs=result_lhs(decoder, prior, weight),
    )


def parse_beta(beta: object) -> Expr:
    """The KL weight: a positive number (``4``, ``0.5``, ``"4"``) or ``"beta"``."""
    import math
    import re

    from sympy import Rational

    from .strategies.elbo_parts import BETA

    if isinstance(beta, bool) or not isinstance(beta, (int, float, str)):
        raise TypeError(f"beta is a positive number or 'beta'; got {beta!r}")
    if beta == "beta":
        return BETA
    if isinstance(beta, str):
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", beta.strip()):
            raise SpecError(f"beta must be a positive number or 'beta', not {beta!r}")
        value = Rational(beta.strip())
    else:
        if not math.isfinite(beta):
            raise SpecError(f"beta must be a finite positive number, not {beta!r}")
        value = Rational(str(beta)) if isinstance(beta, float) else Rational(beta)
    if value > 0 and not math.isfinite(float(value)):
        raise SpecError(f"beta must be a finite positive number, not {beta!r}")
    if value <= 0:
        raise SpecError(
            f"beta must be positive, not {beta} (it weighs the KL term; at zero or below "
            "the loss no longer pulls q(z|x) towards the prior)"
        )
    return value


def _elbo_laws():
    from .spec import parse_spec
    from .symbolic.convert import bind_pair

    return bind_pair(parse_spec("diag_normal(mu, sigma)"), parse_spec("diag_normal(0, 1)"), None)
