r"""KL within an exponential family, as a Bregman divergence of the log-partition function.

For two members :math:`q = h\,e^{\langle \eta_q, T \rangle - A(\eta_q)}` and
:math:`p = h\,e^{\langle \eta_p, T \rangle - A(\eta_p)}` of one exponential family,

.. math::

    D_{\mathrm{KL}}(q \,\|\, p) = A(\eta_p) - A(\eta_q)
        - \langle \eta_p - \eta_q, \nabla A(\eta_q) \rangle,

because :math:`\log q - \log p = \langle \eta_q - \eta_p, T \rangle - A(\eta_q) +
A(\eta_p)` and :math:`\mathbb{E}_q[T] = \nabla A(\eta_q)`. The stages:

1. each density in its natural form, with :math:`\eta`, :math:`T` and :math:`A` named;
2. the log ratio, linear in :math:`T`;
3. its expectation: the Bregman form, with :math:`A` written out;
4. :math:`\mathbb{E}_q[T_i] = \partial A / \partial \eta_i` at :math:`\eta_q` (the moments
   are derived by differentiation, not looked up);
5. the substitution and the closed form.
"""

from __future__ import annotations

from sympy import (
    Derivative,
    Eq,
    Expr,
    Function,
    Integral,
    S,
    Sum,
    Symbol,
    count_ops,
    diff,
    expand_log,
    log,
    simplify,
)

from ..errors import KLDeriveError
from ..families.base import ETA, Distribution, NaturalForm
from ..steps.context import Context, DensityFacts
from ..steps.step import Chain, Stage, Step
from ..symbolic.display import add, display_form, evaluate, expo, ln, mul, neg, sub
from ..symbolic.objects import KL, Bracket, Expect
from .draft import Draft
from .laws import Law, make_law, parameter_conditions, variable_for
from .tidy import tidy, tidy_coefficient

__all__ = ["derive", "moments_by_gradient", "natural_form", "natural_form_chain", "vector_law"]

NAME = "bregman"

#: the log-partition function, applied to the natural parameters: A(eta_1, eta_2)
LOG_PARTITION = Function("A")


def natural_form(distribution: Distribution, variable) -> NaturalForm:
    family = distribution.family
    form = getattr(family, "natural_form", None)
    if form is None:
        raise KLDeriveError(
            f"the {family.name} family is not written as an exponential family here; "
            "use the moments strategy"
        )
    return form(variable, distribution.args)


def derive(first: Distribution, second: Distribution) -> Draft:
    """Derive KL(first || second) for two members of one exponential family."""
    if first.family.name != second.family.name:
        raise KLDeriveError("the Bregman strategy needs two laws of the same family")
    if first.family.vector:  # a Dirichlet law: coordinates z_1, ..., z_K
        variable = first.family.variables(first.args)
        if len(second.family.variables(second.args)) != len(variable):
            raise KLDeriveError("the two laws have different numbers of coordinates")
        q, p = _vector_law(first, "q", variable), _vector_law(second, "p", variable)
    else:
        variable = variable_for(first)
        q, p = make_law(first, "q", variable), make_law(second, "p", variable)
    fq, fp = natural_form(first, variable), natural_form(second, variable)
    n = len(fq.statistics)
    etas = ETA[:n]
    a_q = LOG_PARTITION(*fq.natural)
    a_p = LOG_PARTITION(*fp.natural)
    value_q = _partition_value(fq)
    value_p = _partition_value(fp)
    conditions = parameter_conditions(first, second)
    bare = Context({"q": q.facts, "p": p.facts}, conditions=conditions)
    definitions = bare.define(evaluate(a_q), evaluate(value_q)).define(
        evaluate(a_p), evaluate(value_p)
    )

    # 1. natural forms -----------------------------------------------------------
    chains = []
    for law, form in ((q, fq), (p, fp)):
        chains.append(natural_form_chain(law, form))
    log_partition = Function("A")(*etas)
    stages = [
        Stage(
            "natural_form",
            tuple(chains),
            params={
                "statistics": tuple(display_form(t) for t in fq.statistics),
                "log_partition": Eq(log_partition, display_form(fq.log_partition), evaluate=False),
                "law": first,
            },
        )
    ]

    # 2-3. the log ratio and its expectation: the Bregman form ------------------------
    kl = KL(q.function, p.function)
    integrand = mul(q.function, ln(q.function * p.function**-1))
    limits = (q.facts.variable, *q.facts.support)
    if isinstance(q.facts.variable, tuple):
        total = Expect(ln(q.function * p.function**-1), q.function)
    elif q.facts.discrete:
        total = Sum(integrand, limits)
    else:
        total = Integral(integrand, limits)
    bracket = add(
        *[
            mul(_difference(ep, eq), Expect(display_form(t), q.function))
            for eq, ep, t in zip(fq.natural, fp.natural, fq.statistics, strict=True)
        ]
    )
    bregman = add(a_p, neg(a_q), neg(bracket) if bracket != 0 else 0)
    written = add(
        _bracketed(display_form(value_p)), neg(_bracketed(display_form(value_q))), neg(bracket)
    )
    stages.append(
        Stage(
            "bregman",
            (
                Chain(
                    (
                        Step("kl.definition", kl, total),
                        Step("exponential_family.bregman", total, bregman, facts="definitions"),
                        Step("log_partition.insert", bregman, written, facts="definitions"),
                    )
                ),
            ),
        )
    )

    # 4. the moments by differentiation ------------------------------------------------
    gradient_stage, moments = moments_by_gradient(first, fq, q)
    stages.append(gradient_stage)

    # 5. substitute and simplify ------------------------------------------------------
    substituted_bracket = add(
        *[
            mul(_difference(ep, eq), _bracketed(moments[evaluate(t)]))
            for eq, ep, t in zip(fq.natural, fp.natural, fq.statistics, strict=True)
        ]
    )
    substituted = add(
        _bracketed(display_form(value_p)),
        neg(_bracketed(display_form(value_q))),
        neg(substituted_bracket),
    )
    value = evaluate(substituted)
    final = tidy(value)
    steps = [Step("moment.insert", kl, substituted, facts="main")]
    if final != substituted:
        steps.append(Step("algebra.simplify", substituted, final, facts="main"))
    stages.append(Stage("result", (Chain(tuple(steps)),)))

    main = definitions.with_expectations("q", moments)
    contexts = {"definitions": definitions, "lemma": bare, "main": main}
    name = "k" if q.facts.discrete else "z"
    if isinstance(q.facts.variable, tuple):
        name = r"\boldsymbol{z}"
    return Draft(
        NAME,
        tuple(stages),
        contexts,
        final,
        functions={"q": f"q({name})", "p": f"p({name})", "A": "A"},
        setting="catalog",
    )


def moments_by_gradient(first: Distribution, fq: NaturalForm, q: Law) -> tuple[Stage, dict]:
    """The stage :math:`\\mathbb{E}_q[T_i] = \\partial A / \\partial \\eta_i` at the natural
    parameters of ``first`` (each verified by differentiation), and the means found,
    statistic -> value."""
    etas = ETA[: len(fq.statistics)]
    log_partition = Function("A")(*etas)
    gradient = []
    moments = {}
    values = dict(zip(etas, fq.natural, strict=True))
    for eta, statistic in zip(etas, fq.statistics, strict=True):
        value = _simplest(
            evaluate(diff(fq.log_partition, eta)).xreplace(
                {k: evaluate(v) for k, v in values.items()}
            )
        )
        shown = tidy(value)
        moments[evaluate(statistic)] = evaluate(shown)
        gradient.append(
            Chain(
                (
                    Step(
                        "log_partition.gradient",
                        Expect(display_form(statistic), q.function),
                        shown,
                        params={
                            "derivative": Derivative(log_partition, eta),
                            "log_partition": fq.log_partition,
                            "eta": eta,
                            "natural": tuple(values.items()),
                        },
                        facts="lemma",
                    ),
                )
            )
        )
    return Stage("gradient", tuple(gradient), params={"law": first}), moments


def natural_form_chain(law: Law, form: NaturalForm) -> Chain:
    """``q(z) = h(z) exp(<eta, T(z)> - A(eta))`` for ``law``, checked with ``A`` defined."""
    exponent = add(*[mul(eta, t) for eta, t in zip(form.natural, form.statistics, strict=True)])
    shown = mul(form.base, expo(sub(exponent, LOG_PARTITION(*form.natural))))
    step = Step(
        "exponential_family.form",
        law.function,
        shown,
        params={"law": law.distribution},
        facts="definitions",
    )
    return Chain((step,))


def vector_law(distribution: Distribution, name: str, variables: tuple) -> Law:
    """A law of several coordinates (a Dirichlet law): the density named ``name(z)``."""
    return _vector_law(distribution, name, variables)


def _vector_law(distribution: Distribution, name: str, variables: tuple) -> Law:
    """A law of several coordinates: the density named ``q(z)``, its value in ``z_i``."""
    function = Function(name)(VECTOR)
    density = distribution.family.density(variables, distribution.args)
    facts = DensityFacts(function, variables, (S.Zero, S.One), evaluate(density))
    return Law(distribution, function, facts, density)


#: the vector variable z (its coordinates are the law's own symbols z_1, ..., z_K)
VECTOR = Symbol("z", positive=True)


def _partition_value(form: NaturalForm) -> Expr:
    """``A(eta)`` at the law's natural parameters, in the law's own parameters."""
    etas = ETA[: len(form.natural)]
    value = form.log_partition.xreplace(
        {e: evaluate(v) for e, v in zip(etas, form.natural, strict=True)}
    )
    return _simplest(value)


def _simplest(value: Expr) -> Expr:
    """``log(1 + p/(1 - p))`` as ``-log(1 - p)``: simplified, logarithms split."""
    simplified = expand_log(simplify(value), force=True)
    return simplified if count_ops(simplified) <= count_ops(value) else value


def _difference(a: Expr, b: Expr) -> Expr:
    """``a - b`` for two natural parameters: one fraction, or merged logarithms."""
    value = evaluate(a) - evaluate(b)
    return tidy(value) if value.has(log) else tidy_coefficient(value)


def _bracketed(e: Expr) -> Expr:
    return Bracket(e) if e.is_Add else e
