r"""KL between two laws of one location-scale family through two *different* affine maps.

For bijections :math:`f` and :math:`g`, :math:`f^{-1}` is a bijection applied to both
laws, so :math:`\mathrm{KL}(f_\# P \,\|\, g_\# Q) = \mathrm{KL}(P \,\|\, (f^{-1} \circ g)_\# Q)`.
With :math:`f(z) = a + bz` and :math:`g(z) = c + dz`, :math:`h = f^{-1} \circ g` is the
affine map :math:`z \mapsto (c - a)/b + (d/b) z`, and when :math:`Q` is a member
:math:`(\mu, s)` of a location-scale family and :math:`d/b > 0`, :math:`h_\# Q` is the
member :math:`((c - a + d\mu)/b,\ (d/b)s)` of the same family. The stages:

1. the divergence pulled back through :math:`f^{-1}` (verified by quadrature of both
   divergences), the composed map, and the density of :math:`h_\# Q` (the
   change-of-variables formula, equal to the family's density at the new parameters);
2. the divergence of two members of the family, the catalog's closed form (its own
   command derives it step by step).
"""

from __future__ import annotations

from sympy import Abs, Eq, Function, Symbol

from ..errors import KLDeriveError
from ..families.base import Distribution
from ..families.transformed import TransformedFamily
from ..steps.context import Context
from ..steps.step import Chain, Code, Stage, Step
from ..symbolic.display import add, div, evaluate, mul, sub
from ..symbolic.objects import KL
from .change_of_variables import NAME, base_law
from .draft import Draft
from .laws import make_law, parameter_conditions

__all__ = ["LOCATION_SCALE", "SYMMETRIC", "derive_affine_pair"]

#: the families whose first two parameters are a location and a scale, every member the
#: law of loc + scale * Z for one standard Z
LOCATION_SCALE = ("normal", "laplace", "cauchy", "gumbel")
#: those whose standard member is symmetric: a negative slope gives a member too
SYMMETRIC = ("normal", "laplace", "cauchy")


def _written(x):
    """A number as one number ((-1 - 1)/2 is -1); an expression as it is written."""
    value = evaluate(x)
    return value if value.is_number else x


def derive_affine_pair(first: Distribution, second: Distribution) -> Draft:
    """KL(f#P || g#Q) for two affine maps f, g over one location-scale family."""
    from importlib import import_module

    from ..families.canonical import canonical_spec
    from . import PAIRS

    f, g = (law.family.bijection for law in (first, second))  # type: ignore[attr-defined]
    base_p, base_q = base_law(first), base_law(second)
    family = base_p.family
    if family.name != base_q.family.name or family.name not in LOCATION_SCALE:
        raise KLDeriveError(
            "two different affine maps are derived over one location-scale family "
            f"({', '.join(LOCATION_SCALE)}), not {family.name} and {base_q.family.name}"
        )
    (a, b), (c, d) = f.args, g.args
    if not b.is_number:
        raise KLDeriveError(
            f"the first map's scale {b} must be a number: the divergence is pulled back "
            "through its inverse, and that step is checked by quadrature over y, which a "
            "symbolic scale (a law as narrow as it likes) can defeat"
        )
    if family.name == "cauchy" and not d.is_number:
        raise KLDeriveError(
            f"the second map's scale {d} must be a number for Cauchy laws: the pull-back "
            "step is checked by quadrature over y, which does not yet reach its tolerance for "
            "Cauchy tails at sampled scales"
        )
    ratio = evaluate(div(d, b))
    if not ratio.is_positive and family.name not in SYMMETRIC:
        raise KLDeriveError(
            f"the maps' scales {b} and {d} must have one sign, known from the spec (as "
            f"numbers): a {family.name} law reflected is not a {family.name} law"
        )
    mu, s = base_q.args
    shift, slope = (_written(x) for x in (div(sub(c, a), b), div(d, b)))
    # |slope|: a symmetric law reflected is the same law
    spread = slope if ratio.is_positive else Abs(slope)
    new_args = (div(add(sub(c, a), mul(d, mu)), b), mul(spread, s))
    pulled = Distribution(
        family,
        tuple(evaluate(x) for x in new_args),
        f"{family.name}(...)",
        {**base_q.substitutions},
    )
    z, y = Symbol("z", real=True), Symbol("y", real=True)
    q_y, p_y = make_law(first, "q_Y", y), make_law(second, "p_Y", y)
    q, p, p_h = make_law(base_p, "q", z), make_law(base_q, "p", z), make_law(pulled, "p_h", z)
    if slope.is_number:  # (2/3)(z + 1), not (z + 1)/3/2
        h_inverse = mul(evaluate(1 / slope), sub(z, shift))
    else:
        h_inverse = div(sub(z, shift), slope)
    at_inverse = Function("p")(h_inverse)
    pulled_form = (
        mul(evaluate(1 / spread), at_inverse) if spread.is_number else div(at_inverse, spread)
    )
    context = Context(
        {law.facts.name: law.facts for law in (q_y, p_y, q, p, p_h)},
        conditions=parameter_conditions(base_p, base_q),
    ).define(evaluate(at_inverse), evaluate(family.density(h_inverse, base_q.args)))
    h = Function("h")(z)
    composed = TransformedFamily(family, f).bijection.inverse(g.forward(z))
    stage1 = Stage(
        "transform_affine_pull",
        (
            Chain(
                (
                    Step(
                        "transform.pull_back",
                        KL(q_y.function, p_y.function),
                        KL(q.function, p_h.function),
                    ),
                )
            ),
            Chain((Step("transform.compose", composed, add(shift, mul(slope, z))),)),
            Chain(
                (
                    Step("transform.pulled_density", p_h.function, pulled_form),
                    Step("density.substitute", pulled_form, p_h.density),
                )
            ),
        ),
        params={
            "f": Eq(Function("f")(z), f.forward(z), evaluate=False),
            "g": Eq(Function("g")(z), g.forward(z), evaluate=False),
            "h": Eq(h, add(shift, mul(slope, z)), evaluate=False),
            "law": pulled,
        },
    )
    module = PAIRS[(family.name, family.name)][0][1]
    inner = import_module(module).derive(base_p, pulled)
    command = Code(f'kl-derive "{canonical_spec(base_p)}" "{canonical_spec(pulled)}"')
    stage2 = Stage(
        "transform_affine_result",
        (
            Chain(
                (
                    Step(
                        "transform.base_result",
                        KL(q.function, p_h.function),
                        inner.result_display,
                        params={"command": command},
                    ),
                )
            ),
        ),
        params={"law": pulled, "command": command},
    )
    return Draft(
        NAME,
        (stage1, stage2),
        {"main": context},
        inner.result_display,
        functions={"h": "h(z)", "p_h": "p_{h}(z)"},
        expect_subscripts=True,
        setting="transformed_maps",
        tidier=inner.tidier,
    )
