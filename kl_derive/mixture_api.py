"""``kl_derive.mixture``: KL between mixtures (or a mixture and a law), with bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sympy import Expr

from .derivation import Derivation

__all__ = ["MixtureDerivation", "mixture"]


@dataclass(frozen=True, repr=False)
class MixtureDerivation(Derivation):
    """A verified derivation of bounds and approximations of KL(f || g) for mixtures.

    ``result`` is the coupling upper bound (``result_lhs`` says ``KL(f || g) <= D_C``);
    ``facts`` (:class:`~kl_derive.mixture_numbers.MixtureFacts`) holds every closed form
    (the component divergences, the coupling bound, Hershey and Olsen's approximation,
    Durrieu et al.'s lower and upper bounds for normal components) and, when every
    parameter is a number, ``facts.numbers``: their values, the variational upper bound
    and a Monte-Carlo estimate with its standard error."""

    facts: Any = None
    result_lhs: Expr | None = None
    mixtures: Any = None

    @property
    def title(self) -> str:
        return f"KL({self.mixtures[0].canonical} || {self.mixtures[1].canonical})"

    @property
    def command(self) -> str:
        f, g = self.mixtures
        return f'kl-derive mixture "{f.canonical}" "{g.canonical}"'

    @property
    def call(self) -> str:
        f, g = self.mixtures
        return f"kl_derive.mixture({f.canonical!r}, {g.canonical!r})"

    @property
    def json_extra(self) -> dict[str, Any]:
        """What ``--to json`` adds under ``"mixture"``: the closed forms (SymPy strings), whether
        the components were matched, and the numbers when every parameter is one."""
        from sympy import sstr

        facts = self.facts
        forms = {"coupling": facts.coupling, "variational": facts.variational}
        if facts.gaussian is not None:
            forms["lower"], forms["upper"] = facts.gaussian
        return {
            "matched": facts.matched,
            "closed_forms": {k: sstr(v) for k, v in forms.items()},
            "numbers": dict(facts.numbers),
        }

    @property
    def bounds(self) -> dict[str, float]:
        """The numbers (empty unless every parameter is a number)."""
        return dict(self.facts.numbers)


def mixture(p: str, q: str, *, samples: int | None = None, lang: str = "en") -> MixtureDerivation:
    """Derive bounds and approximations of KL(P || Q) where P or Q (or both) is a mixture
    ``mixture([w1, w2], [law1, law2])`` of univariate laws of the catalog (weights numbers
    summing to one, or expressions summing to one as written, such as ``[w, 1 - w]``).

    The derivation shows why there is no closed form (the log of a sum), then the coupling
    upper bound (the matched components' sum_a w_a KL(f_a || g_a) when the weights agree,
    else the product coupling), Hershey and Olsen's variational approximation, and for
    normal components the lower and upper bounds of Durrieu, Thiran and Kelly (2012).
    With numbers only, ``facts.numbers`` adds the variational upper bound and a
    Monte-Carlo estimate from ``samples`` draws (default
    :data:`~kl_derive.mixture_numbers.DEFAULT_SAMPLES`, fixed seed) with its standard error.
    """
    from .engine import derivation_fields
    from .mixture_laws import bind_mixtures, mixture_law
    from .mixture_numbers import DEFAULT_SAMPLES, check_samples, mixture_facts
    from .render.catalog import check_language
    from .strategies.mixtures import BOUND_SYMBOLS, derive_mixture
    from .symbolic.objects import KL, VARIABLE

    if not isinstance(lang, str):
        raise TypeError(f"lang is a string, such as 'en'; got {lang!r}")
    check_language(lang)
    samples = check_samples(DEFAULT_SAMPLES if samples is None else samples)
    f, g = bind_mixtures(p, q)
    facts = mixture_facts(f, g, samples)
    draft = derive_mixture(f, g, facts)
    from sympy import Function, LessThan

    lhs = LessThan(
        KL(Function("f")(VARIABLE), Function("g")(VARIABLE)),
        BOUND_SYMBOLS["coupling"],
        evaluate=False,
    )
    return MixtureDerivation(
        p=mixture_law(f),
        q=mixture_law(g),
        **derivation_fields(draft, lang),
        facts=facts,
        result_lhs=lhs,
        mixtures=(f, g),
    )
