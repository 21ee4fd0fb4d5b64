r"""The closed forms and numbers of ``kl-derive mixture``: component divergences, bounds,
approximations and a Monte-Carlo estimate of KL(f || g) for mixtures
:math:`f = \sum_a w_a f_a` and :math:`g = \sum_b \omega_b g_b`.

* the component divergences :math:`K_{ab} = \mathrm{KL}(f_a \| g_b)` and
  :math:`K^{f}_{aa'} = \mathrm{KL}(f_a \| f_{a'})` come from :func:`kl_derive.derive`
  (every catalog pair);
* the coupling upper bound :math:`\sum_{ab} \varphi_{ab}(\log(\varphi_{ab}/\psi_{ab}) +
  K_{ab})`, with the matched coupling (same weights, same count: :math:`\sum_a w_a
  K_{aa}`) or the product coupling :math:`\varphi = \psi = w \otimes \omega`;
* Hershey and Olsen's variational approximation
  :math:`D_{\mathrm{var}} = \sum_a w_a \log \frac{\sum_{a'} w_{a'} e^{-K^{f}_{aa'}}}
  {\sum_b \omega_b e^{-K_{ab}}}` and, with numbers, their variational upper bound (the
  coupling bound minimized by their fixed-point iteration, a fixed number of rounds);
* for normal components, the bounds of Durrieu, Thiran and Kelly (2012) from the
  Gaussian-product integrals :math:`z_{ab} = \int f_a g_b = \mathcal{N}(\mu_a; \mu_b,
  \sigma_a^2 + \sigma_b^2)` and the entropies :math:`H(f_a)`;
* with numbers, a Monte-Carlo estimate with its standard error (fixed seed).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from sympy import E, Expr, S, exp, log, pi, sqrt

from .families.base import Distribution
from .mixture_laws import Mixture
from .mixture_samplers import sampler
from .options import MAX_SAMPLES

__all__ = [
    "DEFAULT_SAMPLES",
    "ITERATIONS",
    "MAX_SAMPLES",
    "MixtureFacts",
    "coupling_bound",
    "gaussian_bounds",
    "mixture_facts",
    "monte_carlo",
    "variational_upper_bound",
]

#: the Monte-Carlo sample size when none is given
DEFAULT_SAMPLES = 20000
#: the fixed-point rounds of the variational upper bound (deterministic; each round can
#: only lower the bound, and any round's value is a valid upper bound)
ITERATIONS = 200
SEED = 20070415


@dataclass(frozen=True)
class MixtureFacts:
    """The closed forms (in the user's symbols) and, with numbers, their values."""

    cross: dict[tuple[int, int], Expr]  # K_ab = KL(f_a || g_b)
    within: dict[tuple[int, int], Expr]  # KL(f_a || f_a')
    matched: bool
    coupling: Expr  # the coupling upper bound (matched or product)
    variational: Expr  # Hershey-Olsen D_var
    gaussian: tuple[Expr, Expr] | None  # Durrieu et al. (lower, upper), normal components
    numbers: dict[str, float] = field(default_factory=dict)


def component_kl(first: Distribution, second: Distribution) -> Expr:
    """KL(first || second) from the engine (zero for one law against itself)."""
    from .api import derive
    from .families.canonical import canonical_spec

    if first.family is second.family and first.args == second.args:
        return S.Zero
    result = derive(canonical_spec(first), canonical_spec(second)).result
    names = {str(s): s for law in (first, second) for a in law.args for s in a.free_symbols}
    return result.xreplace({s: names.get(str(s), s) for s in result.free_symbols})


def matched(f: Mixture, g: Mixture) -> bool:
    """Same count of components and the same weights, in order."""
    return len(f.weights) == len(g.weights) and all(
        (a - b).simplify() == 0 for a, b in zip(f.weights, g.weights, strict=True)
    )


def coupling_bound(f: Mixture, g: Mixture, cross: dict[tuple[int, int], Expr]) -> Expr:
    """sum_a w_a K_aa (matched) or sum_ab w_a omega_b K_ab (the product coupling)."""
    if matched(f, g):
        return sum((w * cross[a, a] for a, w in enumerate(f.weights)), S.Zero)
    return sum(
        (wa * wb * cross[a, b] for a, wa in enumerate(f.weights) for b, wb in enumerate(g.weights)),
        S.Zero,
    )


def variational(f: Mixture, g: Mixture, cross: dict[tuple[int, int], Expr], within: dict) -> Expr:
    """Hershey and Olsen's D_var."""
    total = S.Zero
    for a, wa in enumerate(f.weights):
        top = sum((w * exp(-within[a, c]) for c, w in enumerate(f.weights)), S.Zero)
        bottom = sum((w * exp(-cross[a, b]) for b, w in enumerate(g.weights)), S.Zero)
        total += wa * log(top / bottom)
    return total


def product_integral(first: Distribution, second: Distribution) -> Expr:
    """z = int f g for two normal laws: the density of N(mu_2, s_1^2 + s_2^2) at mu_1."""
    (m1, s1), (m2, s2) = first.args, second.args
    v = s1**2 + s2**2
    return exp(-((m1 - m2) ** 2) / (2 * v)) / sqrt(2 * pi * v)


def normal_entropy(law: Distribution) -> Expr:
    return log(2 * pi * E * law.args[1] ** 2) / 2


def gaussian_bounds(
    f: Mixture, g: Mixture, cross: dict[tuple[int, int], Expr], within: dict
) -> tuple[Expr, Expr] | None:
    """Durrieu, Thiran and Kelly's lower and upper bounds (normal components only)."""
    if any(c.family.name != "normal" for c in (*f.components, *g.components)):
        return None
    lower = upper = S.Zero
    for a, (wa, fa) in enumerate(zip(f.weights, f.components, strict=True)):
        h = normal_entropy(fa)
        self_var = sum((w * exp(-within[a, c]) for c, w in enumerate(f.weights)), S.Zero)
        self_z = sum(
            (w * product_integral(fa, fc) for w, fc in zip(f.weights, f.components, strict=True)),
            S.Zero,
        )
        other_var = sum((w * exp(-cross[a, b]) for b, w in enumerate(g.weights)), S.Zero)
        other_z = sum(
            (w * product_integral(fa, gb) for w, gb in zip(g.weights, g.components, strict=True)),
            S.Zero,
        )
        lower += wa * (log(self_var) - log(other_z) - h)
        upper += wa * (log(self_z) - log(other_var) + h)
    return lower, upper


def mixture_facts(f: Mixture, g: Mixture, samples: int = DEFAULT_SAMPLES) -> MixtureFacts:
    """Every closed form, and their values when all parameters are numbers."""
    cross = {
        (a, b): component_kl(fa, gb)
        for a, fa in enumerate(f.components)
        for b, gb in enumerate(g.components)
    }
    within = {
        (a, c): component_kl(fa, fc)
        for a, fa in enumerate(f.components)
        for c, fc in enumerate(f.components)
    }
    facts = MixtureFacts(
        cross,
        within,
        matched(f, g),
        coupling_bound(f, g, cross),
        variational(f, g, cross, within),
        gaussian_bounds(f, g, cross, within),
    )
    if f.numeric and g.numeric:
        numbers = {
            "coupling": float(facts.coupling.evalf(30)),
            "variational": float(facts.variational.evalf(30)),
            "variational_upper": variational_upper_bound(f, g, cross),
        }
        if facts.gaussian is not None:
            numbers["lower"] = float(facts.gaussian[0].evalf(30))
            numbers["upper"] = float(facts.gaussian[1].evalf(30))
        estimate = monte_carlo(f, g, samples)
        if estimate is not None:
            numbers["monte_carlo"], numbers["standard_error"] = estimate
            numbers["samples"] = samples
        facts.numbers.update(numbers)
    return facts


def variational_upper_bound(f: Mixture, g: Mixture, cross: dict[tuple[int, int], Expr]) -> float:
    """Hershey and Olsen's variational upper bound: the coupling bound
    sum_ab phi_ab (log(phi_ab / psi_ab) + K_ab), with sum_b phi_ab = w_a and
    sum_a psi_ab = omega_b, lowered by their alternating updates from the product
    coupling; every coupling gives an upper bound, so each round's value is one."""
    w = [float(x) for x in f.weights]
    o = [float(x) for x in g.weights]
    k = {key: float(value.evalf(30)) for key, value in cross.items()}
    na, nb = len(w), len(o)
    if any(math.isinf(v) for v in k.values()):
        return math.inf
    phi = [[w[a] * o[b] for b in range(nb)] for a in range(na)]
    psi = [row[:] for row in phi]

    def value() -> float:
        return sum(
            phi[a][b] * (math.log(phi[a][b] / psi[a][b]) + k[a, b])
            for a in range(na)
            for b in range(nb)
            if phi[a][b] > 0
        )

    best = value()
    for _ in range(ITERATIONS):
        for a in range(na):
            terms = [psi[a][b] * math.exp(-k[a, b]) for b in range(nb)]
            total = sum(terms)
            phi[a] = [w[a] * t / total for t in terms]
        for b in range(nb):
            total = sum(phi[a][b] for a in range(na))
            for a in range(na):
                psi[a][b] = o[b] * phi[a][b] / total
        if any(phi[a][b] > 0 and psi[a][b] == 0 for a in range(na) for b in range(nb)):
            break
        best = min(best, value())
    return best


def monte_carlo(f: Mixture, g: Mixture, samples: int, seed: int = SEED):
    """(estimate, standard error) of KL(f || g) from ``samples`` draws of f (fixed
    seed); ``None`` when a component's family has no sampler
    (:mod:`kl_derive.mixture_samplers`)."""
    draws = [sampler(c.family.name, c.args) for c in f.components]
    if any(d is None for d in draws):
        return None
    log_f = _log_mixture(f)
    log_g = _log_mixture(g)
    rng = random.Random(seed)
    weights = [float(w) for w in f.weights]
    cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
    total = square = 0.0
    for _ in range(samples):
        u = rng.random()
        index = next((i for i, c in enumerate(cumulative) if u < c), len(weights) - 1)
        z = draws[index](rng)  # type: ignore[misc]
        value = log_f(z) - log_g(z)
        total += value
        square += value * value
    mean = total / samples
    variance = max(square / samples - mean * mean, 0.0) * samples / max(samples - 1, 1)
    return mean, math.sqrt(variance / samples)


def _log_mixture(m: Mixture):
    from sympy import Symbol, lambdify

    from .symbolic.display import evaluate

    z = Symbol("z", real=True)
    parts = [
        (
            math.log(float(w)),
            lambdify(z, _numbers(evaluate(c.family.log_density(z, c.args))), "math"),
        )
        for w, c in zip(m.weights, m.components, strict=True)
    ]

    def log_density(x: float) -> float:
        values = [lw + part(x) for lw, part in parts]
        top = max(values)
        return top + math.log(sum(math.exp(v - top) for v in values))

    return log_density


def _numbers(expr: Expr) -> Expr:
    """A function of numbers only (von Mises' I0(kappa), a gamma function) as its value:
    the math module has no Bessel function."""
    from sympy import Function

    found = {f: f.evalf(30) for f in expr.atoms(Function) if not f.free_symbols}
    return expr.xreplace(found)


def check_samples(samples: object) -> int:
    """The sample size, checked (a positive integer at most :data:`MAX_SAMPLES`)."""
    from .errors import SpecError

    if isinstance(samples, bool) or not isinstance(samples, int):
        raise TypeError(f"samples is an integer; got {samples!r}")
    if not 2 <= samples <= MAX_SAMPLES:
        raise SpecError(
            f"the Monte-Carlo sample size is between 2 and {MAX_SAMPLES}; got {samples}"
        )
    return samples
