r"""KL under a change of variables: :math:`D(f_{\#}P \,\|\, f_{\#}Q) = D(P \,\|\, Q)`.

For a strictly monotone :math:`f` and :math:`y = f(z)`, the law of :math:`y` has density
:math:`q_Y(y) = q(f^{-1}(y))\,\lvert (f^{-1})'(y) \rvert`. In the log ratio of two such
densities the Jacobian factors cancel, and the substitution :math:`y = f(z)` turns the
integral over :math:`y` into the one that defines :math:`D(q \,\|\, p)`. The last step
equates that with the closed form the base pair's own strategy drafts (``kl-derive P Q``
derives it step by step; the step is verified here like every other). The base pair's
stages are not inlined: their sentences cite their own step numbers.

:func:`derive_transformed` drafts it for two ``transformed(P, f)`` laws with one ``f``;
:func:`derive` (the strategy ``change of variables`` of the catalog pairs
``log_normal || log_normal`` and ``logit_normal || logit_normal``) first identifies each
law as a normal law through ``exp`` or ``sigmoid`` (a verified equality of densities),
then states the theorem as one step and equates it with the normal pair's closed form.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from sympy import Eq, Expr, Function, Integral, Ne, S, Symbol, log

from ..errors import KLDeriveError
from ..families import get_family
from ..families.base import Distribution
from ..families.transformed import BASE_OF, Bijection, TransformedFamily
from ..steps.context import Context
from ..steps.step import Chain, Code, Reparametrization, Sentence, Stage, Step
from ..symbolic.display import div, evaluate, mul
from ..symbolic.objects import KL
from . import PAIRS
from .draft import Draft
from .laws import Law, make_law, parameter_conditions, support_relation, variable_for

__all__ = ["NAME", "base_law", "derive", "derive_transformed"]

NAME = "change of variables"


def base_law(distribution: Distribution) -> Distribution:
    """The law ``P`` of ``transformed(P, f)`` (a log-normal law's normal law)."""
    family = distribution.family
    base = family.base if isinstance(family, TransformedFamily) else get_family("normal")
    return replace(distribution, family=base)


def _bijection_of(distribution: Distribution) -> Bijection:
    family = distribution.family
    if isinstance(family, TransformedFamily):
        return family.bijection
    return Bijection(BASE_OF[family.name])


def _inner(first: Distribution, second: Distribution) -> Draft:
    """The base pair's draft by its default strategy (its result is what the last step
    equates KL(q || p) with; the engine verifies that step itself)."""
    module = PAIRS[(first.family.name, second.family.name)][0][1]
    return import_module(module).derive(first, second)


class _Setting:
    """The laws and densities both drafts use: ``q_Y``, ``p_Y`` at ``y``; ``q``, ``p`` at
    ``z``; ``q(f^{-1}(y))`` and ``p(f^{-1}(y))`` defined as the base densities there."""

    def __init__(self, first: Distribution, second: Distribution) -> None:
        self.f = _bijection_of(first)
        self.base = (base_law(first), base_law(second))
        self.z = variable_for(self.base[0])
        lower, _ = first.family.support(first.args)
        self.y = Symbol("y", positive=True) if S(lower).is_nonnegative else Symbol("y", real=True)
        self.q_y, self.p_y = make_law(first, "q_Y", self.y), make_law(second, "p_Y", self.y)
        self.q, self.p = make_law(self.base[0], "q", self.z), make_law(self.base[1], "p", self.z)
        if support_relation(self.q, self.p) != ():
            raise KLDeriveError(
                "the change of variables is derived when the first base law's support lies "
                "inside the second's; here it may not (the divergence is then infinite or "
                "conditional, which kl-derive derives for the base laws themselves: "
                f"kl-derive {_quoted(self.base)})"
            )
        self.inverse = self.f.inverse(self.y)
        self.denominator = self.f.slope_denominator(self.y)
        densities = {law.facts.name: law.facts for law in (self.q_y, self.p_y, self.q, self.p)}
        context = Context(densities, conditions=parameter_conditions(*self.base))
        for law in (self.q, self.p):
            at = law.distribution.family.density(self.inverse, law.args)
            context = context.define(self.pulled(law, evaluate), evaluate(at))
        self.context = context

    def pulled(self, law: Law, how=lambda e: e) -> Expr:
        """``q(f^{-1}(y))``."""
        return Function(law.facts.name)(how(self.inverse))

    def change_of_variables(self, law: Law, rule: str) -> Step:
        """``q_Y(y) = q(f^{-1}(y)) |(f^{-1})'(y)|``."""
        base = self.q if law is self.q_y else self.p
        params = {**self.params, "law": law.distribution, "base": base.distribution}
        return Step(rule, law.function, self.jacobian_form(base), params=params)

    def jacobian_form(self, base: Law) -> Expr:
        """``q(f^{-1}(y)) / D`` with ``|(f^{-1})'(y)| = 1/D``."""
        return div(self.pulled(base), self.denominator)

    def identity_map(self) -> Expr:
        return Eq(self.y, self.f.forward(self.z), evaluate=False)

    @property
    def params(self) -> dict:
        """What the sentences cite: the map, its inverse, the base pair's own command."""
        from ..families.canonical import canonical_spec

        p, q = (canonical_spec(law) for law in self.base)
        scale = self.f.args[1] if self.f.name == "affine" else S.One
        assumed = "nonzero" if not scale.is_number else "none"
        return {
            "assumption": Sentence(f"transform_assumption.{assumed}"),
            "scale": Ne(scale, 0, evaluate=False),
            "map": self.identity_map(),
            "inverse": Eq(self.z, self.inverse, evaluate=False),
            "command": Code(f'kl-derive "{p}" "{q}"'),
        }

    def base_result(self) -> Step:
        """``KL(q || p) =`` the base pair's closed form (by its own strategy's draft)."""
        self.inner = _inner(*self.base)
        return Step(
            "transform.base_result",
            KL(self.q.function, self.p.function),
            self.inner.result_display,
            params=self.params,
        )


def _quoted(laws: tuple[Distribution, ...]) -> str:
    from ..families.canonical import canonical_spec

    return " ".join(f'"{canonical_spec(law)}"' for law in laws)


def derive_transformed(first: Distribution, second: Distribution) -> Draft:
    """KL(f#P || f#Q) for two ``transformed`` laws with the same bijection."""
    s = _Setting(first, second)
    densities = []
    for law in (s.q_y, s.p_y):
        step = s.change_of_variables(law, "transform.density")
        written = Step("density.substitute", step.after, law.density)
        densities.append(Chain((step, written)))
    ratio = log(div(s.q_y.function, s.p_y.function), evaluate=False)
    both = log(div(s.jacobian_form(s.q), s.jacobian_form(s.p)), evaluate=False)
    cancelled = log(div(s.pulled(s.q), s.pulled(s.p)), evaluate=False)
    log_ratio = Chain(
        (
            Step("transform.density_insert", ratio, both),
            Step("transform.jacobians_cancel", both, cancelled),
        )
    )
    kl_y = KL(s.q_y.function, s.p_y.function)
    on_y = Integral(mul(s.q_y.function, ratio), (s.y, *s.q_y.facts.support))
    inserted = Integral(mul(s.q_y.function, cancelled), (s.y, *s.q_y.facts.support))
    z_ratio = log(div(s.q.function, s.p.function), evaluate=False)
    on_z = Integral(mul(s.q.function, z_ratio), (s.z, *s.q.facts.support))
    change = Reparametrization("q_Y", "q", evaluate(s.f.forward(s.z)), s.z)
    substitution = Chain(
        (
            Step("kl.definition", kl_y, on_y),
            Step("transform.log_ratio_insert", on_y, inserted),
            Step("transform.substitute", inserted, on_z, params=s.params, hint=change),
            Step("transform.base_kl", on_z, KL(s.q.function, s.p.function)),
            s.base_result(),
        )
    )
    params = s.params
    stages = (
        Stage("transform_densities", tuple(densities), params=params),
        Stage("transform_log_ratio", (log_ratio,), params=params),
        Stage("transform_substitution", (substitution,), params=params),
    )
    return _with_inner(stages, s)


def derive(first: Distribution, second: Distribution) -> Draft:
    """The corollary for two log-normal (or two logit-normal) laws: each is a normal law
    through ``exp`` (``sigmoid``), so their divergence is that of the normal laws."""
    s = _Setting(first, second)
    identify = []
    for law in (s.q_y, s.p_y):
        pulled = s.change_of_variables(law, "transform.identify")
        formula = Step("density.formula", law.function, law.density, {"law": law.distribution})
        identify.append(Chain((formula, replace(pulled, before=law.density))))
    corollary = Chain(
        (
            Step(
                "transform.invariance",
                KL(s.q_y.function, s.p_y.function),
                KL(s.q.function, s.p.function),
                params=s.params,
            ),
            s.base_result(),
        )
    )
    params = {
        **s.params,
        "transformed": Code(
            f'kl-derive "{_transformed_spec(first)}" "{_transformed_spec(second)}"'
        ),
    }
    stages = (
        Stage("transform_identify", tuple(identify), params=params),
        Stage("transform_corollary", (corollary,), params=params),
    )
    return _with_inner(stages, s)


def _transformed_spec(distribution: Distribution) -> str:
    from ..families.canonical import canonical_spec

    base = canonical_spec(base_law(distribution))
    return f"transformed({base}, {_bijection_of(distribution).spec()})"


def _with_inner(stages: tuple[Stage, ...], s: _Setting) -> Draft:
    inner = s.inner
    return Draft(
        NAME,
        stages,
        {"main": s.context},
        inner.result_display,
        expect_subscripts=True,
        setting="transformed",
        tidier=inner.tidier,
    )
