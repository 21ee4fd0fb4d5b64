r"""Entropy and cross-entropy of multivariate normals, by the expectation of quadratic forms.

For :math:`q = \mathcal{N}(\mu_1, \Sigma_1)` and :math:`p = \mathcal{N}(\mu_2, \Sigma_2)` on
:math:`\mathbb{R}^d` (full, low-rank or diagonal covariance; a diagonal law is written as a
multivariate normal, see :mod:`.mixed_gaussians`):

1. the density (or densities) and the definition, :math:`\mathrm{H}(q) = -\mathbb{E}_q[\log q]`
   or :math:`\mathrm{H}(q, p) = -\mathbb{E}_q[\log p]`;
2. the log density: a constant, a log-determinant and a quadratic form in :math:`z`;
3. the expectation, term by term;
4. the quadratic form's expectation, :math:`\operatorname{tr}(\Sigma_2^{-1}\Sigma_1) +
   (\mu_2-\mu_1)^T\Sigma_2^{-1}(\mu_2-\mu_1)` (:math:`d` for the entropy);
5. the result, :math:`\frac12[d\log(2\pi e) + \log\det\Sigma]` for the entropy.

Matrices given by name keep :math:`d` symbolic and every step is verified in the instances
:math:`d = 2, 3` with generic covariances, as in :mod:`.gaussian_quadratic_forms`.
"""

from __future__ import annotations

from sympy import Function, MatrixSymbol, S, pi

from ..errors import SpecError
from ..families.base import Distribution
from ..families.multivariate_normal import DIMENSION
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, div, ln, mul, neg
from ..symbolic.matrices import MatDet, MatTrace, QuadForm
from ..symbolic.objects import VARIABLE, CrossEntropy, Entropy, Expect
from .diag_entropy import derive_diagonal_cross_entropy, derive_diagonal_entropy
from .draft import Draft
from .gaussian_quadratic_forms import (
    INSTANCES,
    closing_contexts,
    closing_steps,
    density_of,
    instance_draws,
    log_density_of,
    symbolic_parameters,
)
from .mixed_gaussians import as_multivariate

__all__ = ["GAUSSIAN_FAMILIES", "derive_gaussian_cross_entropy", "derive_gaussian_entropy"]

NAME = "quadratic forms"
Z = VARIABLE
#: the families whose entropy and cross-entropy this module derives
GAUSSIAN_FAMILIES: tuple[str, ...] = (
    "multivariate_normal",
    "low_rank_multivariate_normal",
    "diag_normal",
)


def derive_gaussian_entropy(first: Distribution) -> Draft:
    """Derive H(first) for a multivariate normal (full, low-rank or diagonal)."""
    return _derive(first, None)


def derive_gaussian_cross_entropy(first: Distribution, second: Distribution) -> Draft:
    """Derive H(first, second) = -E_first[log second] for two multivariate normals."""
    return _derive(first, second)


def _derive(first: Distribution, second: Distribution | None) -> Draft:
    laws = (first,) if second is None else (first, second)
    n = next((d.family.dimension(d.args) for d in laws if d.family.dimension(d.args)), None)
    if n is None and any(d.family.name == "diag_normal" and d.args != (0, 1) for d in laws):
        if second is None:  # a sum over the d coordinates
            return derive_diagonal_entropy(first)
        if first.family.name == second.family.name == "diag_normal":
            return derive_diagonal_cross_entropy(first, second)
        raise SpecError(
            "the cross-entropy of a diagonal normal against another family is derived for "
            "lists of parameters, e.g. diag_normal([m1, m2], [s1, s2])"
        )
    one = as_multivariate(first, n)
    two = as_multivariate(second, n) if second is not None else one
    family = one.family
    size = S(n) if n is not None else DIMENSION
    zv = MatrixSymbol("z", size, 1)
    entropy = second is None
    explicit = sum(
        family.dimension((a,)) is not None for a in (one.args[1], two.args[1] if second else ())
    )
    named = any(isinstance(a, MatrixSymbol) for a in (*one.args, *two.args))
    numbered = not entropy and (explicit > 1 or (explicit and named))
    (m1, c1), names1 = symbolic_parameters(family, one, size, "_1" if numbered else "")
    if entropy:
        (m2, c2), names2 = (m1, c1), {}
    else:
        (m2, c2), names2 = symbolic_parameters(family, two, size, "_2" if numbered else "")
    qz, pz = Function("q")(Z), Function("p")(Z)
    target = qz if entropy else pz
    lhs = Entropy(qz) if entropy else CrossEntropy(qz, pz)

    chains = [
        Chain((Step("density.formula", qz, density_of(zv, m1, c1, size), params={"law": first}),))
    ]
    if not entropy:
        chains.append(
            Chain(
                (Step("density.formula", pz, density_of(zv, m2, c2, size), params={"law": second}),)
            )
        )
    definition = neg(Expect(ln(target), qz))
    rule = "entropy.definition" if entropy else "cross_entropy.definition"
    chains.append(Chain((Step(rule, lhs, definition),)))
    stages = [Stage("gaussian_entropy_definition", tuple(chains))]

    # 2. the log density
    quad = QuadForm(zv, m2, c2.I)
    log_p = log_density_of(zv, m2, c2, size)
    stages.append(
        Stage(
            "gaussian_entropy_log_density",
            (Chain((Step("log_density.expand", ln(target), log_p),)),),
            params={"pi": pi},
        )
    )
    # 3. the expectation, term by term
    constant = mul(div(size, 2), ln(mul(2, pi)))
    linear = add(constant, mul(S.Half, ln(MatDet(c2))), mul(S.Half, Expect(quad, qz)))
    stages.append(
        Stage(
            "gaussian_entropy_expectation",
            (
                Chain(
                    (
                        Step("log_density.insert", definition, neg(Expect(log_p, qz))),
                        Step("expectation.linearity", neg(Expect(log_p, qz)), linear),
                    )
                ),
            ),
        )
    )
    # 4. the quadratic form
    if entropy:
        value = MatTrace(c1.I, c1)
        form = Chain(
            (
                Step("expectation.quadratic_form", Expect(quad, qz), value),
                Step("trace.identity", value, size),
            )
        )
        inserted = add(constant, mul(S.Half, ln(MatDet(c1))), mul(S.Half, size))
    else:
        value = add(MatTrace(c2.I, c1), QuadForm(m2, m1, c2.I))
        form = Chain((Step("expectation.quadratic_form", Expect(quad, qz), value),))
        inserted = add(constant, mul(S.Half, ln(MatDet(c2))), mul(S.Half, value))
    stages.append(Stage("quadratic_forms", (form,), params={"covariance": c1, "mu": m1}))
    # 5. the result
    if entropy:
        inside = add(mul(size, ln(mul(2, pi, S.Exp1))), ln(MatDet(c1)))
    else:
        inside = add(
            mul(size, ln(mul(2, pi))), ln(MatDet(c2)), MatTrace(c2.I, c1), QuadForm(m2, m1, c2.I)
        )
    mapping = {**names1, **names2}
    steps = closing_steps(lhs, inserted, inside, mapping)
    stages.append(Stage("gaussian_entropy_result", (Chain(tuple(steps)),)))

    sizes = (n,) if n is not None else INSTANCES
    if entropy:  # the instance binds each law's symbols once: p is a placeholder here
        m2, c2 = MatrixSymbol("m_p", size, 1), MatrixSymbol("S_p", size, size)
    return Draft(
        NAME,
        tuple(stages),
        closing_contexts(sizes, zv, (m1, c1), (m2, c2), qz, pz, mapping),
        steps[-1].after,
        functions={"q": "q(z)", "p": "p(z)"},
        instance_sizes=sizes,
        instance_draws=instance_draws(sizes),
        setting="catalog",
        quantity="entropy" if entropy else "cross_entropy",
    )


def bind_gaussian_laws(
    p: str, q: str | None, param: str | None
) -> tuple[Distribution, Distribution] | None:
    """The two laws of ``kl-derive entropy P`` / ``cross-entropy P Q`` when P is a
    multivariate normal (full, low-rank or diagonal), else ``None``; Q must then be one too."""
    from ..families import resolve_name
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair

    spec_p = parse_spec(p)
    if resolve_name(spec_p.family) not in GAUSSIAN_FAMILIES:
        return None
    spec_q = parse_spec(q) if q is not None else None
    if spec_q is not None and resolve_name(spec_q.family) not in GAUSSIAN_FAMILIES:
        raise SpecError(
            f"the cross-entropy of {spec_p.family} is derived against a multivariate normal "
            f"({', '.join(GAUSSIAN_FAMILIES)}), not {spec_q.family}"
        )
    if param is not None:
        raise SpecError(f"--param applies to univariate laws, not {spec_p.family}")
    return bind_pair(spec_p, spec_q, None)
