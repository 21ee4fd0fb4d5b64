"""Checking a parsed line: roles, candidate targets, the verdict and the report.

:func:`check_tree` gives the line's variables their roles (:mod:`.assign`), compares the
line with each candidate target in turn (:mod:`.analysis`) and keeps the first that it
computes -- so a line is never called wrong because of a default parametrization it was
not written for -- or else the first whose mistakes it matches. When a parametrization
came from a variable's name or from ``--param`` and the line is wrong under it but right
under another, the report says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace

from .analysis import Outcome, analyse, display_form, indexed_symbols
from .assign import Roles, assign_roles, candidates
from .counterexample import counterexample, describe
from .errors import CheckInputError, option
from .explain import explain_command
from .report import CheckReport, batch_phrase, compose_message
from .roles import DISTRIBUTION_ROLES, GAUSSIAN_ROLES, SCALE_ROLES, guess_role
from .semantics import NoReading
from .targets import BATCH
from .targets.gaussian import MEANINGS, PARAMS, ROLE_OF_PARAM
from .tree import Node, Opaque, variables, walk

__all__ = ["check_tree"]


def _check_param(param: str | None) -> str | None:
    if param is None or param in PARAMS:
        return param
    close = difflib.get_close_matches(str(param), PARAMS, n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise CheckInputError(
        f"unknown parametrization {param!r} for {option('param')}{hint} "
        f"(choose from {', '.join(PARAMS)})"
    )


def _check_inputs(tree: Node, unread: Mapping[str, str]) -> list[str]:
    """The line's variables; a schedule of the KL's own inputs or an unread name is refused."""
    used = variables(tree)
    for node in walk(tree):
        if isinstance(node, Opaque):
            inputs = [n for n in node.names if guess_role(n) in GAUSSIAN_ROLES | DISTRIBUTION_ROLES]
            if inputs:
                raise CheckInputError(
                    f"{node.text!r} takes the minimum or maximum of the KL's inputs "
                    f"({', '.join(inputs)}); check does not read that (free bits?)"
                )
    for name in used:
        if name in unread and guess_role(name) is None:
            raise CheckInputError(f"cannot tell what {name!r} holds: {unread[name]}")
    return used


def check_tree(
    tree: Node,
    *,
    against: str | None = None,
    param: str | None = None,
    names: Mapping[str, str] | None = None,
    unread: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check a parsed line (see :func:`kl_derive.check.check_loss`).

    ``unread`` maps names whose definitions in a block could not be read to the reason.
    """
    param = _check_param(param)
    if against is not None and str(against).lower() in ("normal", "normal(mu, sigma)"):
        against = "normal"
    used = _check_inputs(tree, unread or {})
    roles = assign_roles(used, names, param, against)
    outcome = _best(tree, roles)
    epsilons = tuple(n for n, r in roles.roles.items() if r == "epsilon")
    if epsilons and outcome.right:
        outcome = replace(outcome, ignored=(*outcome.ignored, *epsilons))
    extra: list[str] = []
    suggestion = None
    if not outcome.right:
        example = counterexample(outcome)
        if example is not None:
            extra.append(describe(example, outcome.target, outcome.weight is not None))
        suggestion = _other_reading(tree, roles, outcome)
        if suggestion is not None:
            extra.append(suggestion[1])
    else:
        example = None
    derivation = outcome.target.derivation
    if not outcome.target.latent:
        derivation = explain_command(outcome)
    message = compose_message(outcome, roles, extra, derivation)
    return _report(outcome, roles, message, example, suggestion, derivation)


def _best(tree: Node, roles: Roles) -> Outcome:
    outcomes: list[Outcome] = []
    errors: list[str] = []
    for candidate in candidates(roles):
        try:
            outcome = analyse(tree, candidate)
        except NoReading as error:
            errors.append(str(error))
            continue
        if outcome.right:
            return outcome
        outcomes.append(outcome)
    if not outcomes:
        raise CheckInputError(errors[0] if errors else "the line cannot be read")
    for outcome in outcomes:
        if outcome.mistakes:
            return outcome
    return outcomes[0]


def _other_reading(tree: Node, roles: Roles, outcome: Outcome) -> tuple[str, str] | None:
    """Another parametrization under which a wrong line is right, as a hint."""
    if outcome.target.kind not in ("normal", "normal_pair"):
        return None
    scales = [
        n
        for n, r in roles.roles.items()
        if r.removesuffix("_p") in SCALE_ROLES and roles.sources[n] in ("name", "param")
    ]
    if len(scales) != 1 and not (
        len(scales) == 2 and {roles.roles[n].endswith("_p") for n in scales} == {True, False}
    ):
        return None
    for other in PARAMS:
        if ROLE_OF_PARAM[other] == roles.roles[scales[0]].removesuffix("_p"):
            continue
        changed = dict(roles.roles)
        for name in scales:
            side = "_p" if changed[name].endswith("_p") else ""
            changed[name] = ROLE_OF_PARAM[other] + side
        alternative = Roles(changed, roles.sources, other, roles.against)
        for candidate in candidates(alternative):
            try:
                if analyse(tree, candidate).verdict == "correct":
                    listed = " and ".join(repr(n) for n in scales)
                    return other, (
                        f"if {listed} held {MEANINGS[other]}, the line would be right "
                        f"({option('param', other)})"
                    )
            except NoReading:
                continue
    return None


def _report(
    outcome: Outcome,
    roles: Roles,
    message: str,
    example: dict | None,
    suggestion: tuple[str, str] | None,
    derivation: str,
) -> CheckReport:
    target = outcome.target
    indexed = indexed_symbols(target)
    names: dict[str, str] = {}
    if target.kind in ("normal", "normal_pair"):
        names["mu"] = target.coordinates[0].name
        names["scale"] = target.coordinates[1].name
        if target.kind == "normal_pair":
            names["mu_p"] = target.coordinates[2].name
            names["scale_p"] = target.coordinates[3].name
    else:
        for c in target.coordinates:
            names[c.symbol.name] = c.name
    mistakes = tuple(dict.fromkeys(m.id for m in outcome.mistakes))
    if outcome.verdict == "biased":
        mistakes = ("biased_estimator",)
    roles_out = dict(roles.roles)
    for name, tried in outcome.candidate.tried.items():
        side = "_p" if roles_out[name].endswith("_p") else ""
        roles_out[name] = ROLE_OF_PARAM[tried] + side
    return CheckReport(
        equal=outcome.verdict == "correct",
        message=message,
        mistake=mistakes[0] if mistakes else None,
        counterexample=example,
        user_expr=outcome.meaning.shown.xreplace({BATCH: 1}),
        reference=display_form(target.accepted[0].form, indexed),
        param=target.param,
        names=names,
        proved=outcome.proved,
        explanation="; ".join(m.clause for m in outcome.mistakes) or None,
        ignored_constants=outcome.ignored,
        suggested_param=suggestion[0] if suggestion else None,
        derivation=derivation,
        verdict=outcome.verdict,
        mistakes=mistakes,
        kind=target.kind,
        estimator=outcome.accepted_id if not target.latent else None,
        roles=roles_out,
        weight=None if outcome.weight is None else str(outcome.weight),
        batch={"summed": "sum", "averaged": "mean"}.get(batch_phrase(outcome).split(" ")[0], ""),
        condition=None if outcome.condition is None else f"K = {outcome.condition}",
        specs=target.specs,
        estimate=outcome.core.expr if not target.latent and outcome.core is not None else None,
    )
