r"""KL between two Normal-Wishart laws, by the chain rule of the divergence.

For :math:`q(x, \Lambda) = q(\Lambda)\, q(x \mid \Lambda)` with :math:`q(\Lambda) =
\mathcal{W}_d(\nu_1, W_1)`, :math:`q(x \mid \Lambda) = \mathcal{N}(\mu_1,
(\lambda_1\Lambda)^{-1})`, and :math:`p` likewise with index 2:

1. the densities, each the product of the law of :math:`\Lambda` and the law of :math:`x`
   given :math:`\Lambda`;
2. the chain rule, :math:`D(q \,\|\, p) = D(q(\Lambda) \,\|\, p(\Lambda)) +
   \mathbb{E}_{q(\Lambda)}[D(q(x \mid \Lambda) \,\|\, p(x \mid \Lambda))]` (checked by
   :mod:`kl_derive.steps.verify.chain_rule`: each joint density is the product, and each
   conditional density integrates to one over :math:`\mathbb{R}^d`);
3. the divergence between the two Wishart laws (``kl-derive wishart wishart`` derives it
   step by step), verified here as a whole through Bartlett's decomposition, then with the
   scales as given;
4. the divergence between the two normal laws at a fixed :math:`\Lambda`:
   :math:`\frac12[d\lambda_2/\lambda_1 - d\log(\lambda_2/\lambda_1) - d +
   \lambda_2(\mu_1-\mu_2)^T\Lambda(\mu_1-\mu_2)]` (:math:`\Lambda` cancels in the trace and
   in the log-determinants);
5. its mean under :math:`q(\Lambda)`, linear in :math:`\Lambda`: :math:`\mathbb{E}[\Lambda]
   = \nu_1W_1`;
6. the sum.

How the steps are verified: the scales are lists, so :math:`d` is fixed. The densities,
the chain rule and the conditional divergence are checked with :math:`\Lambda = UU^T`
for a generic lower triangular :math:`U` with a positive diagonal (every symmetric
positive-definite matrix is one, by Cholesky) and :math:`x` a vector of symbols; the
divergence given :math:`\Lambda` from the moments of :math:`x` given :math:`\Lambda`. The
Wishart part and the mean over :math:`\Lambda` are checked as the Wishart strategy's
steps are (:mod:`.wishart_contexts`: generic scales and Bartlett's decomposition). The
insertion of step 4 into step 5 and the sum take the results of those steps as
established facts.
"""

from __future__ import annotations

from dataclasses import replace

from sympy import (
    Eq,
    Expr,
    Function,
    ImmutableMatrix,
    Matrix,
    MatrixSymbol,
    S,
    Symbol,
    expand,
    oo,
)

from ..families.base import Distribution
from ..families.multivariate_normal import FAMILY as MVN
from ..families.wishart import FAMILY as WISHART
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Code, Stage, Step
from ..steps.verify.normal_form import expand_big_operators
from ..symbolic.display import add, display_form, div, evaluate, ln, mul, neg
from ..symbolic.matrices import QuadForm
from ..symbolic.objects import DIMENSION, KL, Expect
from . import wishart_moments
from .chain_parts import established, factored_density, rows, simplified
from .draft import Draft
from .wishart_contexts import verification_contexts

__all__ = [
    "chain_contexts",
    "derive",
    "stage_params",
    "substituted",
    "wishart_marginal",
    "wishart_parts",
]

NAME = "chain rule"
#: the joint densities' argument, the pair (x, Lambda)
JOINT = Symbol("w", real=True)
#: the labels of the densities of Lambda and of x given Lambda
LABEL_L, LABEL_X = Symbol("Lambda"), Symbol("x")


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two Normal-Wishart laws."""
    family = first.family
    (mu1, lam1, w1, nu1), (mu2, lam2, w2, nu2) = first.args, second.args
    d = w1.shape[0]
    size = S(d)
    x, prec = MatrixSymbol("x", size, 1), MatrixSymbol("Lambda", size, size)
    s1, s2 = MatrixSymbol("W_1", size, size), MatrixSymbol("W_2", size, size)
    m1, m2 = MatrixSymbol("mu_1", size, 1), MatrixSymbol("mu_2", size, 1)
    given = {m1: mu1, m2: mu2, s1: w1, s2: w2}
    qj, pj = Function("q")(JOINT), Function("p")(JOINT)
    qt, pt = Function("qt")(LABEL_L), Function("pt")(LABEL_L)
    qc, pc = Function("qc")(LABEL_X), Function("pc")(LABEL_X)
    shown1, shown2 = (m1, lam1, s1, nu1), (m2, lam2, s2, nu2)

    # 1. the densities (by name: mu_k and W_k stand for the lists, set out in the intro)
    chains = [
        factored_density(
            joint, marginal, conditional, law, family.density((x, prec), args), "chain"
        )
        for joint, marginal, conditional, law, args in (
            (qj, qt, qc, first, shown1),
            (pj, pt, pc, second, shown2),
        )
    ]
    shown = stage_params(prec, x, given)
    stages = [Stage("normal_wishart_definition", tuple(chains), params=shown)]

    # 2. the chain rule
    kl, inner = KL(qj, pj), KL(qc, pc)
    split = add(KL(qt, pt), Expect(inner, qt))
    chain_params = {"joints": ((qj, qt, qc), (pj, pt, pc)), "value": x, "precision": prec, "x": x}
    rule = Step("kl.chain_rule", kl, split, chain_params, facts="chain")
    stages.append(Stage("normal_wishart_chain_rule", params=shown, chains=(Chain((rule,)),)))

    # 3. the Wishart laws of Lambda: the Wishart strategy's result, verified here whole
    wishart_draft = wishart_moments.derive(
        Distribution(WISHART, (nu1, w1), ""), Distribution(WISHART, (nu2, w2), "")
    )
    v1, v2 = MatrixSymbol("V_1", size, size), MatrixSymbol("V_2", size, size)
    command = f'kl-derive "wishart({nu1}, {rows(w1)})" "wishart({nu2}, {rows(w2)})"'
    marginal_chain, wishart_value = wishart_marginal(
        wishart_draft,
        {v1: s1, v2: s2},
        ((s1, w1), (s2, w2)),
        "kl.marginal",
        KL(qt, pt),
        {"command": Code(command)},
    )
    stages.append(Stage("normal_wishart_marginal", (marginal_chain,), params=shown))

    # 4. the normal laws given Lambda
    ratio = div(lam2, lam1)
    constant = mul(size, add(ratio, neg(ln(ratio)), -1))
    conditional_kl = mul(S.Half, add(constant, mul(lam2, QuadForm(m1, m2, prec))))
    stages.append(
        Stage(
            "normal_wishart_conditional",
            (Chain((Step("kl.conditional", inner, conditional_kl, facts="chain"),)),),
            params=shown,
        )
    )

    # 5. its mean over Lambda: E[Lambda] = nu_1 W_1
    averaged = mul(S.Half, add(constant, mul(lam2, nu1, QuadForm(m1, m2, s1))))
    quadratic = _quadratic(mu1, mu2, w1)
    averaged_value = _tidy(mul(S.Half, add(constant, mul(lam2, nu1, quadratic))))
    average_steps = [
        Step(
            "kl.insert_conditional",
            Expect(inner, qt),
            Expect(conditional_kl, qt),
            facts="conditional",
        ),
        Step("expectation.linearity", Expect(conditional_kl, qt), averaged, facts="wishart"),
    ]
    if averaged_value != averaged:
        average_steps.append(
            substituted(averaged, averaged_value, ((m1, mu1), (m2, mu2), (s1, w1)))
        )
    stages.append(
        Stage(
            "normal_wishart_average",
            (Chain(tuple(average_steps)),),
            params={**shown, "mean": Eq(Expect(prec, qt), nu1 * s1, evaluate=False)},
        )
    )

    # 6. the sum
    total = add(wishart_value, averaged_value)
    closing = (
        Step("moment.insert", split, total, facts="parts"),
        *simplified(total, (lam1, lam2, nu1, nu2, *mu1, *mu2, *w1, *w2), facts="parts"),
    )
    stages.append(
        Stage(
            "normal_wishart_result",
            (Chain((Step("kl.chain_rule", kl, split, chain_params, facts="chain"), *closing)),),
        )
    )

    contexts = dict(chain_contexts(first, second, x, prec, given, (qj, qt, qc), (pj, pt, pc)))
    wishart = verification_contexts(WISHART, (nu1, s1), (nu2, s2), prec, qt, pt, size, (d,), given)
    contexts.update(wishart_parts(wishart, d, {m1: mu1, m2: mu2}))
    # the results of steps 4, and 3 and 5, as established facts
    contexts["conditional"] = established({inner: conditional_kl})
    contexts["parts"] = established({KL(qt, pt): wishart_value, Expect(inner, qt): averaged_value})
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        closing[-1].after,
        functions={
            "q": r"q(x, \Lambda)",
            "p": r"p(x, \Lambda)",
            "qt": r"q(\Lambda)",
            "pt": r"p(\Lambda)",
            "qc": r"q(x \mid \Lambda)",
            "pc": r"p(x \mid \Lambda)",
        },
        instance_sizes=(d,),
        setting="catalog",
    )


def chain_contexts(first, second, x, prec, given, qs, ps) -> dict[str, Context]:
    """``"chain"``: Lambda = U U^T with a generic lower triangular U (positive diagonal),
    x a vector of symbols, the scales as given; the conditional law of x has its first
    and second moments, E[x] = mu_1 and Cov[x] = (lambda_1 U U^T)^{-1}."""
    family = first.family
    d = x.shape[0]
    xs = tuple(Symbol(f"x{i}", real=True) for i in range(1, d + 1))
    lower = Matrix(
        d,
        d,
        lambda i, j: (
            Symbol(f"u{i + 1}{j + 1}", **({"positive": True} if i == j else {"real": True}))
            if j <= i
            else 0
        ),
    )
    us = tuple(lower[i, j] for i in range(d) for j in range(i + 1))
    bindings = {prec: ImmutableMatrix(lower * lower.T), x: ImmutableMatrix(xs), **given}
    bindings[DIMENSION] = S(d)
    m1, m2, s1, s2 = given
    inverse = lower.inv()
    densities = {}
    for (joint, marginal, conditional), law, mean, scale, name in (
        (qs, first, m1, s1, "q"),
        (ps, second, m2, s2, "p"),
    ):
        mu, lam, _, nu = law.args
        wishart = evaluate(WISHART.density(prec, (nu, scale))).xreplace(bindings)
        wishart = expand_big_operators(wishart)  # Gamma_d written out
        normal = evaluate(family.conditional_density(x, prec, (mean, lam, scale, nu)))
        normal = normal.xreplace(bindings)
        moments = {}
        if name == "q":
            covariance = inverse.T * inverse / lam
            moments = MVN.second_moments(Matrix(mu), covariance)
        densities[name + "t"] = DensityFacts(marginal, us, (S.Zero, oo), wishart)
        densities[name + "c"] = DensityFacts(conditional, xs, (-oo, oo), normal, moments)
        densities[name] = DensityFacts(joint, (*xs, *us), (-oo, oo), wishart * normal)
    instance = Context(densities, bindings=bindings)
    return {"chain": Context({}, dimension=DIMENSION, instances={d: instance})}


def stage_params(prec: MatrixSymbol, x: MatrixSymbol, given: dict) -> dict:
    """The names the stages' sentences use: the precision matrix, the value, and the
    lists that the means and scales (``mu_1``, ``W_1``, ...) stand for."""
    return {
        "tau": prec,
        "x": x,
        "scales": tuple(Eq(k, v, evaluate=False) for k, v in given.items()),
    }


def substituted(before: Expr, after: Expr, mapping: tuple) -> Step:
    """``before = after`` with the means and scales as given (``mapping``: (name, list))."""
    return Step(
        "parameter.substitute", before, after, {"mapping": mapping}, facts="wishart_substitute"
    )


def wishart_marginal(
    draft: Draft, renames: dict, mapping: tuple, rule: str, lhs: Expr, params: dict
) -> tuple[Chain, Expr]:
    """The part of the law of the precision matrix, and its value: ``lhs`` equals the
    result of ``draft`` (a Wishart strategy's) as a textbook states it, its matrices
    renamed by ``renames`` (step ``rule`` with ``params``), then with the scales as given
    (``mapping``)."""
    (result_chain,) = draft.stages[-1].chains
    textbook = result_chain.steps[1].after.xreplace(renames)
    value = result_chain.steps[-1].after
    stated = Step(rule, lhs, textbook, params, facts="wishart")
    return Chain((stated, substituted(textbook, value, mapping))), value


def wishart_parts(wishart: dict[str, Context], d: int, means: dict) -> dict[str, Context]:
    """The contexts of the Wishart part (``wishart``, from :func:`verification_contexts`):
    ``"wishart_substitute"``, and ``"wishart"`` with generic scales and the means as given."""
    main = wishart["main"]
    instance = main.instances[d]
    instance = replace(instance, bindings={**instance.bindings, **means})
    return {
        "wishart_substitute": wishart["substitute"],
        "wishart": replace(main, instances={d: instance}),
    }


def _quadratic(mu1: ImmutableMatrix, mu2: ImmutableMatrix, w: ImmutableMatrix) -> Expr:
    v = Matrix(mu1) - Matrix(mu2)
    return display_form(expand((v.T * Matrix(w) * v)[0, 0]))


def _tidy(e: Expr) -> Expr:
    return display_form(e) if not e.is_number else e
