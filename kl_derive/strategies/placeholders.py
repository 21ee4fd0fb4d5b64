r"""Substituting back the parameters a user gave as expressions.

A law given with an expression for a parameter (``exponential(2*l)``,
``uniform(-pi, pi)``, ``normal(mu, exp(logvar/2))``) or with PyTorch's ``logits`` (read
as the sigmoid or softmax of the probabilities) is derived with a placeholder symbol in
that parameter's place. The closing steps of the derivation put the expressions back:

1. ``parameter.substitute``: the result with each placeholder replaced by its value
   (a negative value in brackets: ``b - a`` with ``a = -pi`` reads ``pi - (-pi)``);
2. ``algebra.simplify``: the substituted result tidied, gathered by the logarithms
   :math:`\log(1 + e^{a})` or :math:`\log \sum_j e^{a_j}` where the sigmoid or softmax
   brought them (:func:`~kl_derive.strategies.logits.in_logits`), by the tidier
   otherwise; a tidied form longer than the substituted one is not taken
   (``log(2l/lambda)`` stays whole).

A piecewise result is substituted in its pieces and its conditions, and left as it is.

Every quantity (KL, entropy, cross-entropy) ends through :func:`substitute_draft`, which
the public entry points apply to every draft: a strategy drafts in the placeholders, and
the closing steps are appended here, so that no strategy and no new quantity can leave a
placeholder in a result. A strategy that needs its own simplification of the substituted
result (the Gaussian one) calls :func:`substitute_back` itself; the draft then has no
placeholder left and :func:`substitute_draft` leaves it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from sympy import Add, Expr, Piecewise, S, Symbol, count_ops, exp, log

from ..families.base import Distribution
from ..steps.context import Context
from ..steps.step import Chain, Step
from ..symbolic.display import display_form, evaluate, substitute
from ..symbolic.objects import Bracket
from .draft import Draft
from .logits import in_logits
from .tidy import tidy

__all__ = ["in_user_parameters", "substitute_back", "substitute_draft"]


def substitute_draft(draft: Draft, laws: Iterable[Distribution]) -> Draft:
    """``draft`` with the placeholders of ``laws`` substituted back in its result: the
    closing steps appended to its last chain (verified in that chain's context, with the
    placeholders defined). The one path by which every result leaves the placeholders."""
    mapping: dict[Symbol, Expr] = {}
    for law in laws:
        mapping.update(law.substitutions)
    result = draft.result_display
    if not mapping or not (evaluate(result).free_symbols & set(mapping)):
        return draft
    *stages, last = draft.stages
    *chains, chain = last.chains
    facts = chain.steps[-1].facts
    # the substitution rests on the definitions alone, not on the facts of the last step
    # (a piecewise result's context knows moments that hold under its condition)
    context = replace(draft.contexts[facts], assumed=())
    steps, final, context = substitute_back(result, mapping, context, tidier=draft.tidier or tidy)
    name = f"{facts}:substitute"
    steps = [replace(step, facts=name) for step in steps]
    if chain.steps[-1].after == result:
        closing = replace(last, chains=(*chains, Chain((*chain.steps, *steps))))
    else:  # the result is not the end of the last chain: the steps make a chain of their own
        closing = replace(last, chains=(*last.chains, Chain(tuple(steps))))
    return replace(
        draft,
        stages=(*stages, closing),
        contexts={**draft.contexts, name: context},
        result_display=final,
    )


def in_user_parameters(context: Context, mapping: Mapping[Symbol, Expr]) -> Context:
    """``context`` with every placeholder of ``mapping`` replaced by its value: the
    densities, their moments and expectations, the definitions, the conditions (those
    the values satisfy dropped) and the instances, all in the user's parameters, and no
    placeholder left defined. A step comparing quantities the context unfolds (``KL(q,
    p)``) with a result in the user's parameters is then verified against the densities
    themselves; with the placeholders merely defined, the unfolded densities would still
    hold them, and the two sides would read as functions of different parameters."""
    if not mapping:
        return context
    values = dict(mapping)

    def sub(e: Expr) -> Expr:
        return e.xreplace(values) if hasattr(e, "xreplace") else e

    def facts(f):
        return replace(
            f,
            support=tuple(sub(S(end)) for end in f.support),
            value=sub(f.value),
            moments={k: sub(v) for k, v in f.moments.items()},
            expectations={sub(k): sub(v) for k, v in f.expectations.items()},
        )

    def conditions(items: tuple[Expr, ...]) -> tuple[Expr, ...]:
        return tuple(c for c in (sub(c) for c in items) if c != S.true)

    return replace(
        context,
        densities={name: facts(f) for name, f in context.densities.items()},
        definitions={sub(k): sub(v) for k, v in context.definitions.items() if k not in values},
        instances={n: in_user_parameters(i, mapping) for n, i in context.instances.items()},
        bindings={k: sub(v) for k, v in context.bindings.items()},
        draws=tuple(in_user_parameters(d, mapping) for d in context.draws),
        conditions=conditions(context.conditions),
        assumed=conditions(context.assumed),
    )


def substitute_back(
    final: Expr,
    mapping: Mapping[Symbol, Expr],
    context: Context,
    simplify: Callable[[Expr], Expr] | None = None,
    tidier: Callable[[Expr], Expr] = tidy,
) -> tuple[list[Step], Expr, Context]:
    """The closing steps that substitute ``mapping`` (placeholder to value) into the
    result ``final``, the new result, and ``context`` with the placeholders defined
    (the facts those steps are verified against). No steps when nothing changes.

    ``simplify`` replaces the default simplification of the substituted result (the
    Gaussian strategy keeps its ``1/2 (...)`` and simplifies each term in place);
    ``tidier`` is the tidier of the default one (an entropy gathers its logarithms)."""
    for placeholder, value in mapping.items():
        context = context.define(placeholder, value)
    if not mapping:
        return [], final, context
    values = {k: display_form(v) for k, v in mapping.items()}
    values = {k: Bracket(v) if v.could_extract_minus_sign() else v for k, v in values.items()}
    shown = _substituted(final, values, mapping)
    if shown == final:
        return [], final, context
    steps = [
        Step(
            "parameter.substitute",
            final,
            shown,
            params={"mapping": tuple(mapping.items())},
            facts="substitute",
        )
    ]
    if isinstance(shown, Piecewise):
        return steps, shown, context
    simplified = simplify(shown) if simplify is not None else _simplified(shown, tidier)
    if simplified != shown:
        steps.append(Step("algebra.simplify", shown, simplified, facts="substitute"))
        return steps, simplified, context
    return steps, shown, context


def _simplified(shown: Expr, tidier: Callable[[Expr], Expr]) -> Expr:
    """The substituted result gathered by the logarithms the sigmoid or softmax brought,
    or tidied; never a tidied form longer than the substituted one."""
    plain = evaluate(shown)
    simplified = in_logits(plain)
    if simplified is None or not _logs_of_exponentials(simplified):
        simplified = tidier(plain)
        if count_ops(evaluate(simplified)) > count_ops(plain):
            # the tidier split what the substitution left whole (log(2l/lambda))
            simplified = display_form(plain)
    return simplified


def _substituted(final: Expr, values: dict, mapping: Mapping[Symbol, Expr]) -> Expr:
    """``final`` with the display ``values`` written in; a piecewise result in each piece,
    its conditions with the plain ``mapping`` (a condition that now holds is dropped)."""
    if not isinstance(final, Piecewise):
        return substitute(final, values)
    (body, condition), *others = final.args
    condition = condition.xreplace(dict(mapping))
    if condition == S.true:  # the condition holds for the values given
        return substitute(body, values)
    return Piecewise(
        (substitute(body, values), condition),
        *((substitute(e, values), c.xreplace(dict(mapping))) for e, c in others),
        evaluate=False,
    )


def _logs_of_exponentials(e: Expr) -> bool:
    """Whether ``e`` has a logarithm of a sum of exponentials, ``log(1 + e^a)`` or ``log
    sum_j e^{a_j}``: what the sigmoid and softmax bring, by which a result in the logits
    is gathered."""
    return any(isinstance(x.args[0], Add) and x.args[0].has(exp) for x in evaluate(e).atoms(log))
