r"""The Jensen–Shannon divergence, with natural logarithms and the mixture
:math:`M = (P + Q)/2`:

.. math::

    \mathrm{JS}(P, Q) = \tfrac12 D_{\mathrm{KL}}(P \,\|\, M) + \tfrac12 D_{\mathrm{KL}}(Q \,\|\, M)
    = \log 2 + \tfrac12 \int (q \log q + p \log p - (q + p) \log (q + p)).

For finite discrete laws (Bernoulli, categorical given by lists) the sum has one term per
value: a closed form. For two laws with densities the last integral holds the logarithm of
a sum of two densities, which no rule of integration takes apart (the logarithm of a
mixture is not a sum of logarithms): the derivation brings the divergence to that one
integral, the two entropies in closed form, and stops there, saying so. When every
parameter is a number, the integral's value is computed by quadrature (deterministic) and
given as an approximation, never as an equality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["CONTINUOUS", "DIVERGENCE"]

#: the continuous families between two laws of which the divergence is brought to one
#: integral (each with its entropy in closed form)
CONTINUOUS = (
    "normal",
    "exponential",
    "gamma",
    "laplace",
    "gumbel",
    "half_normal",
    "log_normal",
    "rayleigh",
    "weibull",
)


def draft(first: Distribution, second: Distribution) -> Draft:
    from .masses import is_finite_pair

    if is_finite_pair(first, second):
        return _finite(first, second)
    from ..errors import KLDeriveError

    names = (first.family.name, second.family.name)
    if names[0] != names[1] or names[0] not in CONTINUOUS:
        raise KLDeriveError(
            "the Jensen–Shannon divergence is derived between two Bernoulli laws, two "
            "categorical laws given by lists, or two laws of one of "
            f"{', '.join(CONTINUOUS)} (got {names[0]} and {names[1]})"
        )
    from .jensen_shannon_integral import continuous_draft

    return continuous_draft(first, second)


def _finite(first: Distribution, second: Distribution) -> Draft:
    from sympy import S

    from ..steps.step import Chain, Stage, Step
    from ..strategies.tidy import tidy
    from ..symbolic.display import add, div, evaluate, ln, mul
    from ..symbolic.objects import Bracket
    from .describe import catalog_draft
    from .masses import finite_masses
    from .objects import JensenShannon

    found = finite_masses(first, second)
    qf, pf = found.q.function, found.p.function
    lhs = JensenShannon(qf, pf)
    both = add(qf, pf)
    definition = add(
        mul(S.Half, found.total(mul(qf, ln(div(mul(2, qf), both))))),
        mul(S.Half, found.total(mul(pf, ln(div(mul(2, pf), both))))),
    )
    context = found.context.define(evaluate(lhs), evaluate(definition))
    terms = []
    entropy = []
    for _, a, b in found.points:
        s = tidy(evaluate(a + b))
        for x in (a, b):
            terms.append(mul(x, ln(div(mul(2, x), s))))
            entropy.append(mul(x, ln(x)))
        entropy.append(mul(-1, Bracket(s) if s.is_Add else s, ln(s)))
    written = mul(S.Half, Bracket(add(*terms)))
    final = add(ln(2), mul(S.Half, Bracket(add(*entropy))))
    steps = [
        Step("jensen_shannon.definition", lhs, definition),
        Step("jensen_shannon.terms", definition, written),
        Step("jensen_shannon.entropy_form", written, final),
    ]
    key = "bernoulli" if first.family.name == "bernoulli" else "categorical"
    stage = Stage("jensen_shannon_finite", (Chain(tuple(steps)),), params={"family": key})
    return catalog_draft("mass_functions", stage, context, final, "jensen_shannon", variable="k")


def pairs() -> list[tuple[str, str, str]]:
    return [
        ("bernoulli", "bernoulli", "finite"),
        ("categorical", "categorical", "finite"),
        *[(name, name, "integral") for name in CONTINUOUS],
    ]


DIVERGENCE = register(
    Divergence(
        name="jensen-shannon",
        quantity="jensen_shannon",
        summary="Jensen–Shannon divergence",
        definition="JS(P, Q) = (1/2) KL(P || M) + (1/2) KL(Q || M), M = (P + Q)/2",
        convention="natural logarithm, so 0 <= JS <= log 2 (log 2 for disjoint supports); "
        "no closed form between densities (the log of the mixture): derived up to one "
        "integral, its value given numerically when the parameters are numbers",
        draft=draft,
        pairs=pairs,
    )
)
