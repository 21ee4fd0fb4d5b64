r"""The squared 2-Wasserstein distance between two normal laws, from the quantile coupling.

On the line the optimal coupling of two laws is the monotone one (a theorem, stated, not
derived here): :math:`W_2^2(P, Q) = \int_0^1 (F_P^{-1}(u) - F_Q^{-1}(u))^2\,du`. For
normal laws :math:`F^{-1}(u) = \mu + \sigma\,\Phi^{-1}(u)`, and the substitution
:math:`u = \Phi(t)` turns the integral into moments of the standard normal:

.. math::

    W_2^2 = \int (\Delta\mu + \Delta\sigma\, t)^2 \varphi(t)\,dt
          = (\mu_1 - \mu_2)^2 + (\sigma_1 - \sigma_2)^2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from sympy import Eq, Function, Integral, S, Symbol, exp, oo, pi, sqrt

    from ..errors import KLDeriveError
    from ..steps.context import Context, DensityFacts
    from ..steps.step import Chain, Reparametrization, Stage, Step
    from ..symbolic.display import add, evaluate, mul, power, sub
    from ..symbolic.objects import Bracket
    from .describe import catalog_draft
    from .exponential import law, parameter_conditions
    from .objects import NormalQuantile, WassersteinSquared
    from .wasserstein_location_scale import STANDARD, location_scale_draft

    names = (first.family.name, second.family.name)
    if names == ("multivariate_normal", "multivariate_normal"):
        from .wasserstein_gaussian import gaussian_draft

        return gaussian_draft(first, second)
    if "diag_normal" in names and set(names) <= {"normal", "diag_normal"}:
        from ..strategies.normal_diag import as_diagonal
        from .wasserstein_diagonal import diagonal_draft

        return diagonal_draft(as_diagonal(first), as_diagonal(second))
    if names[0] == names[1] and names[0] in STANDARD:
        return location_scale_draft(first, second)
    if names != ("normal", "normal"):
        raise KLDeriveError(
            "the 2-Wasserstein distance is derived between two laws of one of normal, "
            f"{', '.join(STANDARD)}, diag_normal, multivariate_normal "
            f"(got {first.family.name} and {second.family.name})"
        )
    z = Symbol("z", real=True)
    q, p = law(first, "q", z), law(second, "p", z)
    (m1, s1), (m2, s2) = first.args, second.args
    u = Symbol("u", positive=True)
    t = Symbol("t", real=True)
    fq, fp, phi_inv = Function("F_q")(u), Function("F_p")(u), Function("Phi_inv")(u)
    lhs = WassersteinSquared(q.function, p.function)
    coupling = Integral(power(Bracket(sub(fq, fp)), 2), (u, 0, 1))
    standard = NormalQuantile(u)
    normal = DensityFacts(
        Function("phi")(t), t, (-oo, oo), exp(-(t**2) / 2) / sqrt(2 * pi), {1: S.Zero, 2: S.One}
    )
    uniform = DensityFacts(Function("unif")(u), u, (S.Zero, S.One), S.One)
    densities = {"q": q.facts, "p": p.facts, "phi": normal, "unif": uniform}
    context = Context(densities, conditions=parameter_conditions(first, second))
    context = (
        context.define(evaluate(lhs), evaluate(coupling))
        .define(fq, evaluate(m1 + s1 * phi_inv))
        .define(fp, evaluate(m2 + s2 * phi_inv))
        .define(phi_inv, standard)
    )
    quantiles = Integral(
        power(Bracket(sub(add(m1, mul(s1, phi_inv)), add(m2, mul(s2, phi_inv)))), 2), (u, 0, 1)
    )
    dm, ds = Bracket(sub(m1, m2)), Bracket(sub(s1, s2))
    collected = Integral(power(Bracket(add(dm, mul(ds, phi_inv))), 2), (u, 0, 1))
    phi = Function("phi")(t)
    substituted = Integral(mul(power(Bracket(add(dm, mul(ds, t))), 2), phi), (t, -oo, oo))
    expanded = add(
        mul(power(dm, 2), Integral(phi, (t, -oo, oo))),
        mul(2, dm, ds, Integral(mul(t, phi), (t, -oo, oo))),
        mul(power(ds, 2), Integral(mul(power(t, 2), phi), (t, -oo, oo))),
    )
    moments = add(mul(power(dm, 2), 1), mul(2, dm, ds, 0), mul(power(ds, 2), 1))
    # u = Phi(t): the uniform law on (0, 1) carried to the standard normal by Phi^-1
    change = Reparametrization("phi", "unif", standard, u)
    final = add(power(Bracket(sub(m1, m2)), 2), power(Bracket(sub(s1, s2)), 2))
    steps = (
        Step("wasserstein.quantile_coupling", lhs, coupling),
        Step("wasserstein.normal_quantile", coupling, quantiles),
        Step("wasserstein.collect", quantiles, collected),
        Step("wasserstein.substitute", collected, substituted, hint=change),
        Step("integral.linearity", substituted, expanded),
        Step("wasserstein.normal_moments", expanded, moments),
    )
    if final != moments:
        steps = (*steps, Step("algebra.simplify", moments, final))
    substitution = Eq(u, Function("Phi")(t), evaluate=False)
    params = {"phi_inv": standard, "phi": phi, "substitution": substitution}
    result = Stage("wasserstein_result", (Chain(steps),), params=params)
    return catalog_draft(
        "quantile_coupling",
        result,
        context,
        final,
        "wasserstein",
        functions={
            "F_q": r"F_{q}^{-1}(u)",
            "F_p": r"F_{p}^{-1}(u)",
            "Phi_inv": r"\Phi^{-1}(u)",
            "phi": r"\varphi(t)",
        },
    )


def pairs() -> list[tuple[str, str, str]]:
    from .wasserstein_location_scale import STANDARD

    return [
        ("normal", "normal", "finite"),
        *[(name, name, "finite") for name in STANDARD],
        ("diag_normal", "diag_normal", "finite"),
        ("normal", "diag_normal", "finite"),
        ("diag_normal", "normal", "finite"),
        ("multivariate_normal", "multivariate_normal", "finite"),
    ]


DIVERGENCE = register(
    Divergence(
        name="wasserstein",
        quantity="wasserstein",
        summary="squared 2-Wasserstein distance",
        definition="W_2^2(P, Q) = inf over couplings E|X - Y|^2, "
        "= ∫_0^1 (F_P^-1(u) - F_Q^-1(u))^2 du on the line",
        convention="the squared distance W_2^2 (W_2 is its square root); Euclidean cost",
        draft=draft,
        pairs=pairs,
    )
)
