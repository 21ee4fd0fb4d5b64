"""The answer of a check, :class:`CheckReport`, and its one-line message.

The message starts with the verdict -- ``correct``, ``incorrect (MISTAKE; MISTAKE)`` or
``biased (...)`` -- and says, in this order, what the line equals or what is wrong, the
right formula and a counterexample, how the batch is reduced and any weight, how each
variable was read (and why: its name, ``--names``, ``--param``, its position, or the only
parametrization that fits) and which derivation justifies the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import option
from .mistakes import TITLES
from .roles import ROLE_TEXT

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import sympy as sp

    from .analysis import Outcome
    from .assign import Roles

__all__ = ["CheckReport", "batch_phrase", "compose_message", "reading_phrase"]

_MEANING_OF_PARAM = {
    "logvar": "the log-variance",
    "scale": "the standard deviation",
    "variance": "the variance",
    "logscale": "the log standard deviation",
}


@dataclass(frozen=True)
class CheckReport:
    """Whether a line computes the KL term, and if not, how it goes wrong.

    * ``verdict`` -- ``"correct"``, ``"incorrect"`` or ``"biased"`` (an RLHF penalty
      written as k2); ``equal`` is ``verdict == "correct"``.
    * ``message`` -- one line for the person who asked (it starts with the verdict).
    * ``mistakes`` -- the ids of the recognised mistakes (one or two: ``"missing_half"``,
      ``"flipped_sign"``, ``"sigma_for_variance"``, ``"log_sigma_vs_log_variance"``,
      ``"missing_sum"``, ``"reversed_direction"``, ``"mean_instead_of_sum"``,
      ``"wrong_parametrization"``, ``"missing_term"``, ``"wrong_denominator"``,
      ``"prior_ignored"``, ``"inverted_ratio"``, ``"biased_estimator"``,
      ``"extra_normaliser"``, ``"extra_batch_factor"``, ``"wrong_factor"``,
      ``"constant_offset"``); ``mistake`` is the first or None.
    * ``counterexample`` -- for an incorrect line: ``{"d": 2, "values": {name: [...]},
      "user": ..., "correct": ...}`` with the user's variable names (``user`` a float, a
      list for a line that is still a vector, or None where undefined); for an estimator,
      ``{"pi": [...], "pi_ref": [...], "user": mean, "correct": kl}``.
    * ``user_expr`` / ``reference`` -- SymPy expressions of the line and of the KL, with
      ``Sum(..., (j, 1, d))`` over indexed symbols named as in the code.
    * ``kind`` -- ``"normal"``, ``"normal_pair"``, ``"bernoulli"``, ``"categorical"`` or
      ``"estimator"``; ``estimator`` -- ``"k1"``, ``"k2"`` or ``"k3"`` for a penalty.
    * ``roles`` -- each variable's role; ``names`` -- role -> variable for the mean and
      the scale (``{"mu": ..., "scale": ...}``) or the probabilities.
    * ``param`` -- the parametrization of the (encoder's) scale the verdict used, for a
      Gaussian term; ``""`` otherwise.
    * ``weight`` -- the weight multiplying the KL (``"beta"``), ``batch`` -- ``"sum"``,
      ``"mean"`` or ``""`` (how the batch or the tokens were reduced).
    * ``proved`` -- the verdict was established symbolically, not only numerically.
    """

    equal: bool
    message: str
    mistake: str | None
    counterexample: dict[str, Any] | None
    user_expr: sp.Expr
    reference: sp.Expr
    param: str = "logvar"
    names: dict[str, str] = field(default_factory=dict)
    proved: bool = True
    explanation: str | None = None
    ignored_constants: tuple[str, ...] = ()
    suggested_param: str | None = None
    derivation: str = ""
    verdict: str = "correct"
    mistakes: tuple[str, ...] = ()
    kind: str = "normal"
    estimator: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    weight: str | None = None
    batch: str = ""
    condition: str | None = None
    #: the kl-derive specs whose derivation justifies the verdict (KL terms)
    specs: tuple[str, ...] = ()
    #: an estimator's per-token value in the symbols ``logp`` and ``ref_logp``
    estimate: Any = None

    def exit_code(self) -> int:
        """The command's exit status: 0 when the line is correct, 1 when it is not."""
        return 0 if self.equal else 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (SymPy expressions as strings)."""
        return {
            "verdict": self.verdict,
            "equal": self.equal,
            "message": self.message,
            "mistake": self.mistake,
            "mistakes": list(self.mistakes),
            "explanation": self.explanation,
            "counterexample": self.counterexample,
            "user_expr": str(self.user_expr),
            "reference": str(self.reference),
            "kind": self.kind,
            "estimator": self.estimator,
            "param": self.param,
            "names": dict(self.names),
            "roles": dict(self.roles),
            "weight": self.weight,
            "batch": self.batch,
            "condition": self.condition,
            "proved": self.proved,
            "ignored_constants": list(self.ignored_constants),
            "suggested_param": self.suggested_param,
            "derivation": self.derivation,
        }


def _plural(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reading_phrase(outcome: Outcome, roles: Roles) -> str:
    """How each variable was read, grouped by why."""
    tried = outcome.candidate.tried
    groups: dict[str, list[str]] = {}
    order = {role: k for k, role in enumerate(ROLE_TEXT)}
    for name, role in sorted(roles.roles.items(), key=lambda item: order.get(item[1], 99)):
        source = roles.sources[name]
        if name in tried:
            text = _MEANING_OF_PARAM[tried[name]]
            if role.endswith("_p"):
                text = text.replace("the ", "the prior's ", 1)
            source = "tried"
        elif role == "latent_size" and outcome.target.kind == "categorical":
            text = "the number of categories"
        else:
            text = ROLE_TEXT.get(role, role)
        if role in ("weight",) and source == "name":
            source = "name"
        groups.setdefault(source, []).append(f"{name} as {text}")
    why = {
        "name": ("from its name", "from their names"),
        "given": (f"as {option('names')} says",) * 2,
        "param": (f"as {option('param')} says",) * 2,
        "position": ("next to the other variables",) * 2,
        "assumed": ("it multiplies the whole line",) * 2,
    }
    parts = []
    for source, items in groups.items():
        if source == "tried":
            continue
        reason = why[source][0 if len(items) == 1 else 1]
        parts.append(f"{_plural(items)} ({reason})")
    for source, items in groups.items():
        if source != "tried":
            continue
        params = sorted(set(tried.values()))
        if outcome.right:
            reason = (
                "the only parametrization under which the line is right; state it with "
                f"{option('param', params[0])}"
            )
        else:
            reason = f"not known; state it with {option('param')}"
        parts.append(f"{_plural(items)} ({reason})")
    return "read " + "; ".join(parts) if parts else ""


def batch_phrase(outcome: Outcome) -> str:
    events = outcome.meaning.batch
    what = "the tokens" if not outcome.target.latent else "the batch"
    if outcome.batch_power >= 1 and "sum" in events:
        return f"summed over {what}"
    if outcome.batch_power == 0 and ("mean" in events or "size" in events):
        return f"averaged over {what}"
    return ""


def compose_message(outcome: Outcome, roles: Roles, extra: list[str], derivation: str) -> str:
    """The one-line message of a report (``extra``: counterexample, hints)."""
    target = outcome.target
    parts: list[str] = []
    if outcome.verdict == "incorrect":
        titles = "; ".join(dict.fromkeys(TITLES[m.id] for m in outcome.mistakes))
        if outcome.mistakes:
            clauses = "; ".join(m.clause for m in outcome.mistakes)
            parts.append(f"incorrect ({titles}): {clauses}; the right term is {target.right}")
        else:
            summary = target.accepted[0].summary
            parts.append(f"incorrect: not {summary}, nor one of the usual mistakes")
    else:
        head = outcome.verdict
        if outcome.verdict == "biased":
            head = f"biased ({TITLES['biased_estimator']})"
        if outcome.condition is not None:
            head += f" if there are {outcome.condition} categories"
        if outcome.ignored:
            many = "s" if len(outcome.ignored) > 1 else ""
            head += f" up to the stabilising constant{many} {', '.join(outcome.ignored)}"
        verb = "equals " if target.latent else "this is "
        parts.append(f"{head}: {verb}{outcome.summary}")
    parts.extend(e for e in extra if e)
    batch = batch_phrase(outcome)
    if batch:
        parts.append(batch)
    if outcome.weight is not None:
        weight = str(outcome.weight)
        note = ""
        if outcome.weight.could_extract_minus_sign():
            note = " (negative: the KL is subtracted, as in an ELBO)"
        parts.append(f"weighted by {weight}{note}")
    if not outcome.proved and outcome.verdict != "incorrect":
        parts.append("checked numerically; SymPy did not finish a symbolic proof")
    reading = reading_phrase(outcome, roles)
    if reading:
        parts.append(reading)
    parts.append(f"derivation: {derivation}")
    return "; ".join(parts)
