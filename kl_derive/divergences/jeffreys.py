r"""Jeffreys' divergence, :math:`J(P, Q) = D_{\mathrm{KL}}(P \| Q) + D_{\mathrm{KL}}(Q \| P)`.

Both KL divergences are derived by the KL engine (every pair it derives both ways), the
second with the densities' names exchanged, so that ``q`` is P's density and ``p`` is Q's
throughout. A closing stage adds the two results and shows the symmetry: the sum is
unchanged when the two laws' parameters are exchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Divergence, register

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from ..strategies.draft import Draft

__all__ = ["DIVERGENCE"]


def draft(first: Distribution, second: Distribution) -> Draft:
    from dataclasses import replace

    from sympy import Eq, Piecewise, S, oo, zoo

    from ..engine import draft_for
    from ..errors import KLDeriveError
    from ..steps.step import Chain, Stage, Step, conjuncts
    from ..steps.verify.both_finite import equalities_fixed
    from ..strategies.placeholders import in_user_parameters, substitute_draft
    from ..symbolic.display import add, evaluate
    from ..symbolic.objects import KL
    from .objects import Jeffreys

    try:
        forward = substitute_draft(draft_for(first, second), (first, second))
        backward = substitute_draft(draft_for(second, first), (first, second))
    except KeyError:
        raise KLDeriveError(
            f"Jeffreys' divergence needs KL both ways; kl-derive does not derive "
            f"KL({first.family.name} || {second.family.name}) and its reverse "
            "(kl-derive pairs lists the pairs)"
        ) from None
    backward = _swapped(backward)
    q_name, p_name = _names(forward)
    q, p = q_name, p_name
    one, two = forward.result_display, backward.result_display
    lhs = Jeffreys(q, p)
    kl_sum = add(KL(q, p), KL(p, q))
    pieces = [one, two]
    if any(r == oo for r in pieces):
        raise KLDeriveError(
            "one of the two KL divergences is infinite for every value of the parameters, "
            "and so is Jeffreys' divergence (kl-derive P Q shows why)"
        )
    summed = add_values(one, two)
    combined = None
    if any(isinstance(r, Piecewise) for r in pieces):
        # each finite under its own condition: the sum is finite where both are
        combined = both_finite(one, two)
        if combined == oo:
            raise KLDeriveError(
                f"KL({first.family.name} || {second.family.name}) and its reverse are never "
                "both finite, so Jeffreys' divergence is infinite for every value of the "
                "parameters (kl-derive P Q shows why)"
            )
        if any(evaluate(v).has(S.NaN, zoo) for v, _ in combined.args):
            raise KLDeriveError(
                f"KL({first.family.name} || {second.family.name}) and its reverse are both "
                "finite only at parameter values where a closed form is a limit (0 log 0); "
                "kl-derive does not take that limit yet"
            )
        final = Piecewise(
            *((v if v == oo else _simplest(evaluate(v)), c) for v, c in combined.args)
        )
    else:
        final = _simplest(evaluate(summed))
    # the two results are in the user's parameters (exp(s), not the placeholder sigma):
    # so are the densities the step unfolds KL(q, p) and KL(p, q) into
    mapping = {**first.substitutions, **second.substitutions}
    context = in_user_parameters(forward.contexts[_last_facts(forward)], mapping)
    context = replace(context, assumed=())
    # laws of a vector (Dirichlet) or derived through matrices (the Gaussians) have no
    # density of a scalar in this context: no integral over a line to value
    vector = not context.densities or any(
        isinstance(d.variable, tuple) for d in context.densities.values()
    )
    algebra = context  # the simplification of the sum: checked in instances too
    if vector and context.instances:
        # the steps below insert results derived (and verified, in each instance of a
        # symbolic dimension) above; the instances' contexts know neither KL nor D_J
        context = replace(context, instances={})
    if combined is None and not vector:
        context = context.define(evaluate(lhs), evaluate(kl_sum))
    else:
        # each divergence is its result derived (and verified) above: a piecewise value,
        # or the KL between laws of a vector, is inserted as it is (a piecewise sum is
        # then checked by its own rule)
        context = context.define(evaluate(lhs), evaluate(summed))
        context = context.define(evaluate(KL(q, p)), evaluate(one))
        context = context.define(evaluate(KL(p, q)), evaluate(two))
    steps = [
        Step("jeffreys.definition", lhs, kl_sum, facts="jeffreys"),
        Step("jeffreys.insert", kl_sum, summed, facts="jeffreys"),
    ]
    if combined is not None:
        equal = any(isinstance(c, Eq) for _, c in combined.args[:-1] for c in conjuncts(c))
        rule = "jeffreys.equal_supports" if equal else "jeffreys.both_finite"
        steps.append(Step(rule, summed, combined, facts="jeffreys"))
        if final != combined:
            steps.append(Step("jeffreys.simplify", combined, final, facts="jeffreys"))
    elif final != summed:
        steps.append(Step("algebra.simplify", summed, final, facts="jeffreys_algebra"))
    chains = [Chain(tuple(steps))]
    result = final
    # the symmetry: the laws exchanged, the value is the same
    exchange = _exchange(first, second)
    if exchange:
        # a piecewise value: its finite piece, with the equalities of its condition kept
        # (a_2 = a_1 is written a_1 on both sides), is the symmetric expression
        value = final if combined is None else final.args[0][0]
        fixed = {} if combined is None else equalities_fixed(final.args[0][1])
        swapped = value.xreplace(exchange).xreplace(fixed)
        if swapped != value:
            chains.append(Chain((Step("jeffreys.symmetry", value, swapped, facts="symmetry"),)))
    contexts = {
        **{f"forward:{k}": v for k, v in forward.contexts.items()},
        **{f"backward:{k}": v for k, v in backward.contexts.items()},
        "jeffreys": context,
        "jeffreys_algebra": algebra,
        "symmetry": replace(context, definitions={}),
    }
    stages = (
        *_prefixed(forward, "forward", "jeffreys_forward"),
        *_prefixed(backward, "backward", "jeffreys_backward"),
        Stage("jeffreys_result", tuple(chains)),
    )
    return replace(
        forward,
        strategy="jeffreys",
        stages=stages,
        contexts=contexts,
        result_display=result,
        quantity="jeffreys",
        setting="catalog",
        # q and p are the two laws here, not an encoder and a prior: q(z), not q(z | x)
        functions={k: v.replace(r" \mid x", "") for k, v in forward.functions.items()},
        tidier=None,
    )


def both_finite(one: Any, two: Any) -> Any:
    """``one + two`` for two divergences each finite only under a condition (a piecewise
    value whose last piece is ``oo`` otherwise): finite where both are, ``oo`` elsewhere.

    A piece's condition holds where the earlier ones fail; two opposite inequalities
    between the same two parameters read as an equality (nested supports both ways are
    equal supports)."""
    from sympy import And, Not, Piecewise, S, oo

    from ..steps.verify.both_finite import equalities_fixed

    def pieces(value: Any) -> list[tuple[Any, Any]]:
        if not isinstance(value, Piecewise):
            return [(value, S.true)]
        out, earlier = [], []
        for v, c in value.args:
            out.append((v, And(c, *(Not(e) for e in earlier))))
            earlier.append(c)
        return out

    finite = []
    for v1, c1 in pieces(one):
        for v2, c2 in pieces(two):
            if oo in (v1, v2):
                continue
            condition = equalities(And(c1, c2))
            if condition != S.false:
                fixed = equalities_fixed(condition)
                finite.append((add_values(v1, v2).xreplace(fixed), condition))
    if not finite:
        return oo
    return Piecewise(*finite, (oo, True), evaluate=False)


def add_values(one: Any, two: Any) -> Any:
    from ..symbolic.display import add
    from ..symbolic.objects import Bracket

    return add(*(Bracket(v) if v.is_Add else v for v in (one, two)))


def equalities(condition: Any) -> Any:
    """``condition`` with each pair ``x >= y``, ``y >= x`` read as ``x = y`` (and ``x > y``
    beside ``y >= x`` as false)."""
    from sympy import And, Eq, GreaterThan, LessThan, S, StrictGreaterThan, StrictLessThan

    if not isinstance(condition, And):
        return condition
    facts = []  # (strict, larger, smaller) or None for a condition of another kind
    for c in condition.args:
        if isinstance(c, (GreaterThan, StrictGreaterThan)):
            facts.append((isinstance(c, StrictGreaterThan), c.lhs, c.rhs))
        elif isinstance(c, (LessThan, StrictLessThan)):
            facts.append((isinstance(c, StrictLessThan), c.rhs, c.lhs))
        else:
            facts.append(None)
    used: set[int] = set()
    out = []
    for i, fact in enumerate(facts):
        if i in used:
            continue
        if fact is not None:
            strict, big, small = fact
            for j in range(i + 1, len(facts)):
                other = facts[j]
                if j not in used and other is not None and (other[1], other[2]) == (small, big):
                    if strict or other[0]:
                        return S.false
                    used.update((i, j))
                    out.append(
                        Eq(big, small) if big.sort_key() < small.sort_key() else Eq(small, big)
                    )
                    break
            else:
                out.append(condition.args[i])
            continue
        out.append(condition.args[i])
    return And(*out)


def _simplest(value: Any) -> Any:
    """The tidied sum, or its terms over one denominator when that is shorter."""
    from sympy import count_ops, factor, together

    from ..strategies.tidy import tidy

    value = _reciprocal_logs_dropped(_sums_merged(value))
    candidates = [tidy(value), tidy(factor(together(value)))]
    return min((_reciprocal_logs_dropped(c) for c in candidates), key=count_ops)


def _sums_merged(value: Any) -> Any:
    """``value`` with the sums over one range (one from each KL, each under its own
    index) written as one sum of the expanded terms, so that what cancels between the
    two divergences (``log σ_j`` and ``-log σ_j``) cancels."""
    from sympy import Add, Sum, expand

    sums: dict[tuple[Any, Any], list[Any]] = {}
    rest = []
    for term in Add.make_args(value):
        if isinstance(term, Sum) and len(term.limits) == 1:
            sums.setdefault(tuple(term.limits[0][1:]), []).append(term)
        else:
            rest.append(term)
    merged = []
    for (low, high), group in sums.items():
        index = group[0].limits[0][0]
        body = Add(*[t.function.xreplace({t.limits[0][0]: index}) for t in group])
        merged.append(Sum(expand(body), (index, low, high)) if len(group) > 1 else group[0])
    return Add(*rest, *merged)


def _reciprocal_logs_dropped(value: Any) -> Any:
    """``value`` without the pairs ``c log x + c log y`` whose arguments multiply to 1 (the
    two normalizers' ratio, ``log(Z_p/Z_q)`` in one KL and ``log(Z_q/Z_p)`` in the other:
    the ratios are positive, so the pair is ``c log 1 = 0``), nor the pairs of sums over
    the same range whose terms cancel (``Σ log σ_j`` from one KL, ``Σ (-log σ_j)`` from
    the other)."""
    from sympy import Add, Sum, cancel, log, together

    terms = list(Add.make_args(value))

    def cancelling(one: Any, two: Any) -> bool:
        c1, t1 = one.as_coeff_Mul()
        c2, t2 = two.as_coeff_Mul()
        if isinstance(t1, log) and isinstance(t2, log) and c1 == c2:
            return cancel(together(t1.args[0] * t2.args[0])) == 1
        if isinstance(t1, Sum) and isinstance(t2, Sum) and len(t1.limits) == 1:
            # the same range, perhaps under another index (each KL names its own j)
            (i, low, high), (k, *bounds) = t1.limits[0], t2.limits[0]
            if len(t2.limits) == 1 and bounds == [low, high]:
                return c1 * t1.function + c2 * t2.function.xreplace({k: i}) == 0
        return False

    dropped: set[int] = set()
    for i in range(len(terms)):
        for j in range(i + 1, len(terms)):
            if i in dropped or j in dropped:
                continue
            if cancelling(terms[i], terms[j]):
                dropped.update((i, j))
    if not dropped:
        return value
    return Add(*[t for k, t in enumerate(terms) if k not in dropped])


def _names(forward: Draft) -> tuple[Any, Any]:
    """The densities ``q(z)`` and ``p(z)`` as the KL derivation applies them."""
    from ..symbolic.objects import KL

    for stage in forward.stages:
        for step in stage.steps:
            if isinstance(step.before, KL):
                return step.before.args
    raise ValueError("no KL in the derivation")


def _last_facts(draft: Draft) -> str:
    return draft.stages[-1].chains[-1].steps[-1].facts


def _prefixed(draft: Draft, prefix: str, intro: str):
    """The draft's stages, their steps verified in the prefixed contexts; the first
    stage's key says which of the two divergences begins."""
    from dataclasses import replace

    from ..steps.step import Chain

    out = []
    for number, stage in enumerate(draft.stages):
        chains = tuple(
            Chain(tuple(replace(s, facts=f"{prefix}:{s.facts}") for s in chain.steps))
            for chain in stage.chains
        )
        out.append(replace(stage, chains=chains))
        if number == 0:
            out.insert(0, replace(stage, key=intro, chains=()))
    return out


def _swapped(draft: Draft) -> Draft:
    """KL(Q || P) with the densities' names exchanged: ``q`` is P's density, ``p`` Q's."""
    from dataclasses import replace

    from sympy import Function

    from ..steps.step import Chain

    mapping: dict = {}
    for context in draft.contexts.values():
        for name, facts in context.densities.items():
            other = {"q": "p", "p": "q"}.get(name)
            if other is not None:
                mapping[facts.function] = Function(other)(*facts.function.args)

    def expr(e: Any) -> Any:
        return e.xreplace(mapping) if hasattr(e, "xreplace") else e

    def value(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        return expr(v)

    def step(s):
        params = {k: value(v) for k, v in s.params.items()}
        for key in ("q_name", "p_name"):
            if key in params:
                params[key] = {"q": "p", "p": "q"}.get(params[key], params[key])
        hint = s.hint
        if hint is not None:  # a change of variables names the densities it relates
            swap = {"q": "p", "p": "q"}
            hint = replace(hint, old=swap.get(hint.old, hint.old), new=swap.get(hint.new, hint.new))
        return replace(
            s,
            before=expr(s.before),
            after=expr(s.after),
            condition=expr(s.condition),
            params=params,
            hint=hint,
        )

    def context(c):
        densities = {
            {"q": "p", "p": "q"}.get(k, k): replace(f, function=expr(f.function))
            for k, f in c.densities.items()
        }
        definitions = {expr(k): expr(v) for k, v in c.definitions.items()}
        instances = {n: context(i) for n, i in c.instances.items()}
        return replace(c, densities=densities, definitions=definitions, instances=instances)

    stages = tuple(
        replace(
            stage,
            chains=tuple(Chain(tuple(step(s) for s in chain.steps)) for chain in stage.chains),
            params={k: value(v) for k, v in stage.params.items()},
        )
        for stage in draft.stages
    )
    contexts = {k: context(c) for k, c in draft.contexts.items()}
    return replace(
        draft, stages=stages, contexts=contexts, result_display=expr(draft.result_display)
    )


def _exchange(first: Distribution, second: Distribution) -> dict:
    """The map exchanging the two laws' parameters (when both are plain symbols, as the
    user wrote them: ``exp(s)`` is not exchanged with a placeholder's partner)."""
    from sympy import Symbol

    if first.family.name != second.family.name:
        return {}
    one, two = first.user_args, second.user_args
    if not all(isinstance(a, Symbol) for a in (*one, *two)):
        return {}
    mapping = {}
    for a, b in zip(one, two, strict=True):
        mapping[a], mapping[b] = b, a
    return mapping


#: pairs whose two divergences are both finite only where a closed form is a limit
#: (0 log 0 at a uniform law's end on [0, 1]): refused in one line
AT_A_LIMIT = {("uniform", "beta"), ("beta", "uniform")}


def pairs() -> list[tuple[str, str, str]]:
    from ..strategies import PAIRS
    from ..strategies.table import OUTCOMES

    out = []
    for p, q in PAIRS:
        if (q, p) not in PAIRS:
            continue
        outcomes = {OUTCOMES.get((p, q), "finite"), OUTCOMES.get((q, p), "finite")}
        if "infinite" in outcomes:
            out.append((p, q, "infinite"))
        elif outcomes == {"finite"}:
            out.append((p, q, "finite"))
        elif outcomes <= {"finite", "conditional"} and (p, q) not in AT_A_LIMIT:
            out.append((p, q, "conditional"))  # finite where both are
        else:  # a KL with no closed form
            out.append((p, q, "refused"))
    return out


DIVERGENCE = register(
    Divergence(
        name="jeffreys",
        quantity="jeffreys",
        summary="Jeffreys divergence (symmetrized KL)",
        definition="J(P, Q) = KL(P || Q) + KL(Q || P)",
        convention="natural logarithm; symmetric in P and Q; derived wherever kl-derive "
        "derives both KL divergences",
        draft=draft,
        pairs=pairs,
    )
)
