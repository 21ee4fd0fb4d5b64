r"""KL(f || g) for mixtures :math:`f = \sum_a w_a f_a` and :math:`g = \sum_b \omega_b g_b`
(``kl-derive mixture``): why there is no closed form, and the bounds and approximations
that are (see :mod:`kl_derive.mixture_numbers` for the formulas).

The stages:

1. the mixture densities, and each component's;
2. the divergence as weighted expectations of the log of a sum (no closed form);
3. the component divergences, from the engine (one derivation per pair);
4. the coupling upper bound: its value, and the identity that proves it (the bound minus
   the divergence is the mean of a divergence between the labels' posteriors);
5. Hershey and Olsen's variational approximation;
6. for normal components, the bounds of Durrieu, Thiran and Kelly, from the
   Gaussian-product integrals and the components' entropies.

Every equality is verified by the engine; those with a mixture inside an integral by
quadrature at sampled parameters. The inequalities are stated in the prose, with the
fact each rests on (Gibbs' inequality, Jensen's); the tests check them numerically.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Eq, Expr, Function, Integer, Integral, LessThan, S, StrictLessThan, Symbol

from ..families.base import Distribution
from ..mixture_laws import Mixture
from ..mixture_numbers import ITERATIONS, MixtureFacts, normal_entropy, product_integral
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, div, evaluate, expo, ln, mul, neg, sub
from ..symbolic.objects import KL, VARIABLE, Entropy, Expect
from .draft import Draft
from .tidy import simplified_steps

__all__ = ["BOUND_SYMBOLS", "derive_mixture"]

NAME = "mixture"
Z = VARIABLE
#: the symbols the bounds are named by in the derivation
BOUND_SYMBOLS = {
    "coupling": Symbol("D_C"),
    "variational": Symbol("D_HO"),
    "lower": Symbol("D_L"),
    "upper": Symbol("D_U"),
}


def derive_mixture(f: Mixture, g: Mixture, facts: MixtureFacts) -> Draft:
    """Draft the derivation (see the module docstring)."""
    ff, gf = Function("f")(Z), Function("g")(Z)
    fa = _component_functions("f", f)
    gb = _component_functions("g", g)
    low, high = f.components[0].family.support(f.components[0].args)
    lim = (Z, low, high)
    densities: dict[str, DensityFacts] = {}
    for name, fn, m, parts in (("f", ff, f, fa), ("g", gf, g, gb)):
        values = [evaluate(c.family.density(Z, c.args)) for c in m.components]
        total = sum((w * v for w, v in zip(m.weights, values, strict=True)), S.Zero)
        densities[name] = DensityFacts(fn, Z, (low, high), total)
        if m.written_as_mixture:
            for part, value in zip(parts, values, strict=True):
                densities[part.func.__name__] = DensityFacts(part, Z, (low, high), value)
    context = Context(densities, conditions=_weight_conditions(f, g))
    # q and p: the densities the document's opening sentences name
    functions = {"f": "f(z)", "g": "g(z)", "q": "f(z)", "p": "g(z)"}
    for part in (*fa, *gb):
        name = part.func.__name__
        if name not in functions:
            functions[name] = f"{name[0]}_{{{name[1:]}}}(z)"

    def kl_ab(a: int, b: int) -> Expr:
        return KL(fa[a], gb[b])

    def k_ab(a: int, b: int) -> Expr:
        return _k("K", a, b)

    def k_aa(a: int, c: int) -> Expr:
        return _k("J", a, c) if a != c else S.Zero

    definitions: dict[Expr, Expr] = {}
    for (a, b), value in facts.cross.items():
        definitions[k_ab(a, b)] = evaluate(value)
    for (a, c), value in facts.within.items():
        if a != c:
            definitions[k_aa(a, c)] = evaluate(value)

    stages: list[Stage] = []

    # 1. the densities ---------------------------------------------------------------
    chains: list[Chain] = []
    for fn, m, parts in ((ff, f, fa), (gf, g, gb)):
        if m.written_as_mixture:
            weighted = add(*(mul(w, p) for w, p in zip(m.weights, parts, strict=True)))
            chains.append(Chain((Step("mixture.density", fn, weighted),)))
        for part, law in zip(parts, m.components, strict=True):
            chains.append(
                Chain(
                    (
                        Step(
                            "density.formula",
                            part,
                            law.family.density(Z, law.args),
                            params={"law": law},
                        ),
                    )
                )
            )
    stages.append(Stage("mixture_setting", tuple(chains)))

    # 2. the log of a sum ------------------------------------------------------------------
    kl = KL(ff, gf)
    log_f = ln(add(*(mul(w, p) for w, p in zip(f.weights, fa, strict=True))))
    log_g = ln(add(*(mul(w, p) for w, p in zip(g.weights, gb, strict=True))))
    split = sub(
        add(*(mul(w, Expect(log_f, p)) for w, p in zip(f.weights, fa, strict=True))),
        add(*(mul(w, Expect(log_g, p)) for w, p in zip(f.weights, fa, strict=True))),
    )
    first_step = Step("kl.expectation", kl, Expect(ln(div(ff, gf)), ff))
    numeric = f.numeric and g.numeric
    # the split and the coupling gap hold a log of a sum under a quadrature: verified at
    # sampled parameters too (a posterior that underflows in a tail is evaluated again by
    # mpmath where doubles read 0 log 0, kl_derive.numeric.quadrature)
    if f.written_as_mixture:
        no_closed = Chain((first_step, Step("mixture.split", first_step.after, split)))
    else:
        no_closed = Chain((first_step,))
    stages.append(
        Stage(
            "mixture_log_sum",
            (no_closed,),
            params={"log_g": log_g if g.written_as_mixture else log_f},
        )
    )

    # 3. the component divergences -----------------------------------------------------------
    chains = []
    for (a, b), value in facts.cross.items():
        chains.append(
            _closed_form(k_ab(a, b), kl_ab(a, b), value, f.components[a], g.components[b])
        )
    for (a, c), value in facts.within.items():
        if a != c:
            chains.append(
                _closed_form(k_aa(a, c), KL(fa[a], fa[c]), value, f.components[a], f.components[c])
            )
    stages.append(Stage("mixture_components", tuple(chains)))

    # 4. the coupling bound -------------------------------------------------------------------
    d_conv = BOUND_SYMBOLS["coupling"]
    if facts.matched:
        pairs = [(a, a, w, w) for a, w in enumerate(f.weights)]
    else:
        pairs = [
            (a, b, wa * wb, wa * wb)
            for a, wa in enumerate(f.weights)
            for b, wb in enumerate(g.weights)
        ]
    bound_kl = add(*(mul(phi, kl_ab(a, b)) for a, b, phi, _ in pairs))
    bound_value = add(*(mul(phi, facts.cross[a, b]) for a, b, phi, _ in pairs))
    definitions[d_conv] = evaluate(bound_value)
    value_chain = Chain(
        tuple(
            simplified_steps(
                [
                    Step("mixture.coupling", d_conv, bound_kl),
                    Step("mixture.insert_components", bound_kl, bound_value),
                ],
                numeric,
            )
        )
    )
    posteriors = []
    terms = []
    for a, b, phi, psi in pairs:
        label = f"{a + 1}{b + 1}" if len(gb) > 1 and not facts.matched else f"{a + 1}"
        pi_fn, rho_fn = Function(f"pi{label}")(Z), Function(f"rho{label}")(Z)
        functions[f"pi{label}"] = rf"\pi_{{{label}}}(z)"
        functions[f"rho{label}"] = rf"\rho_{{{label}}}(z)"
        pi_value = div(mul(phi, fa[a]), ff)
        rho_value = div(mul(psi, gb[b]), gf)
        definitions[pi_fn] = evaluate(pi_value)
        definitions[rho_fn] = evaluate(rho_value)
        posteriors.append(Chain((Step("mixture.posterior", pi_fn, pi_value),)))
        posteriors.append(Chain((Step("mixture.posterior", rho_fn, rho_value),)))
        terms.append(mul(pi_fn, ln(div(pi_fn, rho_fn))))
    gap = Chain(
        (
            Step(
                "mixture.coupling_gap",
                sub(d_conv, kl),
                Integral(mul(ff, add(*terms)), lim),
            ),
        )
    )
    inequality = LessThan(kl, d_conv, evaluate=False)
    stages.append(
        Stage(
            "mixture_coupling_matched" if facts.matched else "mixture_coupling_product",
            (value_chain, *posteriors, gap),
            params={"inequality": inequality},
        )
    )

    # 5. Hershey and Olsen's approximation ----------------------------------------------------
    d_var = BOUND_SYMBOLS["variational"]
    var_kl = add(
        *(
            mul(
                wa,
                ln(
                    div(
                        add(*(mul(w, expo(neg(k_aa(a, c)))) for c, w in enumerate(f.weights))),
                        add(*(mul(w, expo(neg(k_ab(a, b)))) for b, w in enumerate(g.weights))),
                    )
                ),
            )
            for a, wa in enumerate(f.weights)
        )
    )
    var_value = _insert(var_kl, facts)
    definitions[d_var] = evaluate(var_value)
    stage_params: dict = {}
    if "variational_upper" in facts.numbers:
        stage_params["upper"] = _number(facts.numbers["variational_upper"])
    stages.append(
        Stage(
            "mixture_variational_numbers" if stage_params else "mixture_variational",
            (
                Chain(
                    tuple(
                        simplified_steps(
                            [
                                Step("mixture.variational", d_var, var_kl),
                                Step("mixture.insert_components", var_kl, var_value),
                            ],
                            numeric,
                        )
                    )
                ),
            ),
            params=stage_params,
        )
    )

    # 6. Durrieu, Thiran and Kelly's bounds (normal components) -------------------------------
    if facts.gaussian is not None:
        stages.append(_gaussian_stage(f, g, fa, gb, facts, definitions, numeric))

    # 7. a Monte-Carlo estimate -----------------------------------------------------------
    if "monte_carlo" in facts.numbers:
        n = facts.numbers
        stages.append(
            Stage(
                "mixture_monte_carlo",
                (),
                params={
                    "log_ratio": ln(div(ff, gf)),
                    "samples": Integer(int(n["samples"])),
                    "estimate": _number(n["monte_carlo"]),
                    "error": _number(n["standard_error"]),
                },
            )
        )

    for name, value in definitions.items():
        context = context.define(name, value)
    a1 = "1" if f.written_as_mixture else ""
    b1 = "1" if g.written_as_mixture else ""
    common = {
        "f": ff,
        "g": gf,
        "kl": kl,
        "k_name": Eq(
            Symbol("K_ab"),
            KL(Function(f"f{a1 and 'a'}")(Z), Function(f"g{b1 and 'b'}")(Z)),
            evaluate=False,
        ),
        "j_name": Eq(Symbol("J_ac"), KL(Function("fa")(Z), Function("fc")(Z)), evaluate=False),
        "d_var": d_var,
        "iterations": Integer(ITERATIONS),
        "t_name": Eq(
            Symbol("t_ac"), Integral(mul(Function("fa")(Z), Function("fc")(Z)), lim), evaluate=False
        ),
        "z_name": Eq(
            Symbol("z_ab"),
            Integral(mul(Function("fa")(Z), Function(f"g{b1 and 'b'}")(Z)), lim),
            evaluate=False,
        ),
        "pi": Function("pi")(Z),
        "rho": Function("rho")(Z),
        "phi": mul(Symbol("w_a"), Symbol("omega_b")),
    }
    functions.update(
        {"fa": "f_{a}(z)", "fc": "f_{c}(z)", "gb": "g_{b}(z)", "pi": r"\pi(z)", "rho": r"\rho(z)"}
    )
    stages = [_assign(stage, common) for stage in stages]
    return Draft(
        NAME,
        tuple(stages),
        {"main": context},
        value_chain.steps[-1].after,
        functions=functions,
        expect_subscripts=True,
        setting="catalog",
        quantity="mixture",
    )


def _gaussian_stage(f, g, fa, gb, facts: MixtureFacts, definitions: dict, numeric: bool) -> Stage:
    chains: list[Chain] = []
    lim = (Z, S.NegativeInfinity, S.Infinity)
    for letter, parts, m in (("t", fa, f), ("z", gb, g)):
        for a, (fa_fn, law_a) in enumerate(zip(fa, f.components, strict=True)):
            for b, (other, law_b) in enumerate(zip(parts, m.components, strict=True)):
                if letter == "t" and b < a:
                    continue
                name = _k(letter, a, b)
                definitions[name] = evaluate(product_integral(law_a, law_b))
                integral = Integral(mul(fa_fn, other), lim)
                chains.append(
                    Chain(
                        (
                            Step("mixture.name", name, integral),
                            Step(
                                "mixture.gaussian_product", integral, _shown_product(law_a, law_b)
                            ),
                        )
                    )
                )
    entropies = []
    for fa_fn, law in zip(fa, f.components, strict=True):
        entropies.append(Chain((Step("mixture.entropy", Entropy(fa_fn), normal_entropy(law)),)))
    lower_sym, upper_sym = BOUND_SYMBOLS["lower"], BOUND_SYMBOLS["upper"]
    lower_terms, upper_terms = [], []
    for a, (wa, fa_fn) in enumerate(zip(f.weights, fa, strict=True)):
        self_var = add(
            *(
                mul(w, expo(neg(_k("J", a, c) if c != a else S.Zero)))
                for c, w in enumerate(f.weights)
            )
        )
        self_z = add(*(mul(w, _k("t", min(a, c), max(a, c))) for c, w in enumerate(f.weights)))
        other_z = add(*(mul(w, _k("z", a, b)) for b, w in enumerate(g.weights)))
        if len(g.weights) == 1:  # log e^{-K} is -K
            log_other_var = neg(_k("K", a, 0))
        else:
            log_other_var = ln(
                add(*(mul(w, expo(neg(_k("K", a, b)))) for b, w in enumerate(g.weights)))
            )
        # differences of logarithms rather than the log of a ratio: each mean bounded apart
        lower_terms.append(mul(wa, add(ln(self_var), neg(ln(other_z)), neg(Entropy(fa_fn)))))
        upper_terms.append(mul(wa, add(ln(self_z), neg(log_other_var), Entropy(fa_fn))))
    lower, upper = add(*lower_terms), add(*upper_terms)
    definitions[lower_sym] = evaluate(facts.gaussian[0])
    definitions[upper_sym] = evaluate(facts.gaussian[1])
    bound_chains = []
    products = {k: v for k, v in definitions.items() if str(k)[0] in "tz"}
    for sym, shown, rule in (
        (lower_sym, lower, "mixture.lower"),
        (upper_sym, upper, "mixture.upper"),
    ):
        inserted = _insert(shown, facts, entropies=dict(zip(fa, f.components, strict=True)))
        inserted = inserted.xreplace(products)
        steps = [Step(rule, sym, shown), Step("mixture.insert_components", shown, inserted)]
        bound_chains.append(Chain(tuple(simplified_steps(steps, numeric))))
    kl = KL(Function("f")(Z), Function("g")(Z))
    return Stage(
        "mixture_gaussian",
        (*chains, *entropies, *bound_chains),
        params={
            "lower": LessThan(lower_sym, kl, evaluate=False),
            "upper": LessThan(kl, upper_sym, evaluate=False),
        },
    )


def _shown_product(law_a: Distribution, law_b: Distribution) -> Expr:
    """N(mu_a; mu_b, s_a^2 + s_b^2), written out."""
    from ..symbolic.display import root, square

    (m1, s1), (m2, s2) = law_a.args, law_b.args
    v = mul(2, square(s1)) if s1 == s2 else add(square(s1), square(s2))
    scale = div(1, root(mul(2, S.Pi, v)))
    if m1 == m2:  # a component with itself, or two with one mean: exp(0) is not written
        return scale
    return mul(scale, expo(neg(div(square(sub(m1, m2)), mul(2, v)))))


def _k(letter: str, a: int, b: int) -> Symbol:
    """``K_12`` (KL(f_1 || g_2)) or ``J_12`` (KL(f_1 || f_2))."""
    return Symbol(f"{letter}_{a + 1}{b + 1}", real=True)


def _insert(expr: Expr, facts: MixtureFacts, entropies: dict | None = None) -> Expr:
    """``expr`` with each component divergence (and entropy) replaced by its closed form."""
    mapping: dict[Expr, Expr] = {}
    for (a, b), value in facts.cross.items():
        mapping[_k("K", a, b)] = value
    for (a, c), value in facts.within.items():
        if a != c:
            mapping[_k("J", a, c)] = value
    for fn, law in (entropies or {}).items():
        mapping[Entropy(fn)] = normal_entropy(law)
    return expr.xreplace(mapping)


def _closed_form(
    name: Expr, kl: Expr, value: Expr, first: Distribution, second: Distribution
) -> Chain:
    from ..families.canonical import canonical_spec
    from ..steps.step import Code

    command = f'kl-derive "{canonical_spec(first)}" "{canonical_spec(second)}"'
    return Chain(
        (
            Step("mixture.name", name, kl),
            Step("mixture.component", kl, value, params={"command": Code(command)}),
        )
    )


def _component_functions(prefix: str, m: Mixture) -> tuple[Expr, ...]:
    if not m.written_as_mixture:
        return (Function(prefix)(Z),)
    return tuple(Function(f"{prefix}{i + 1}")(Z) for i in range(len(m.components)))


def _weight_conditions(f: Mixture, g: Mixture) -> tuple[Expr, ...]:
    """Where the verifier samples symbolic weights: each between zero and one."""
    conditions: list[Expr] = []
    for m in (f, g):
        for w in m.weights:
            if w.is_Symbol:
                conditions.append(StrictLessThan(w, 1))
            elif w.free_symbols:
                conditions.append(StrictLessThan(0, w))
    return tuple(dict.fromkeys(conditions))


def _number(value: float) -> Expr:
    from sympy import Float

    return Float(f"{value:.6g}", 6)


def _assign(stage: Stage, common: dict) -> Stage:
    chains = tuple(
        Chain(tuple(replace(s, facts="main", params={**common, **s.params}) for s in c.steps))
        for c in stage.chains
    )
    return replace(stage, chains=chains, params={**common, **stage.params})
