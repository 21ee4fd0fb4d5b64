"""The answer of a check: :class:`CheckReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    import sympy as sp

__all__ = ["CheckReport"]


@dataclass(frozen=True)
class CheckReport:
    """Whether a loss line computes the KL term, and if not, how it goes wrong.

    * ``equal`` -- the line equals sum_j KL(N(mu_j, sigma_j^2) || N(0, 1)).
    * ``message`` -- one line for the person who asked (starts ``correct`` or ``incorrect``).
    * ``mistake`` -- the id of the recognised mistake (``"missing_half"``,
      ``"flipped_sign"``, ``"sigma_for_variance"``, ``"log_sigma_vs_log_variance"``,
      ``"missing_sum"``, ``"reversed_direction"``, ``"mean_instead_of_sum"``,
      ``"wrong_parametrization"``, ``"wrong_factor"``, ``"constant_offset"``) or None.
    * ``counterexample`` -- for an incorrect line: ``{"d": 2, "values": {name: [...]},
      "user": ..., "correct": ...}`` with the user's variable names; ``user`` is a float, a
      list (a line that is still a vector) or None (undefined there).
    * ``user_expr`` / ``reference`` -- SymPy expressions of the line and of the KL, with
      ``Sum(..., (j, 1, d))`` over indexed symbols named as in the code.
    * ``proved`` -- equality (or the mistake) was established symbolically, not only
      numerically.
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

    def exit_code(self) -> int:
        """The command's exit status: 0 when the line is correct, 1 when it is not."""
        return 0 if self.equal else 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (SymPy expressions as strings)."""
        return {
            "equal": self.equal,
            "message": self.message,
            "mistake": self.mistake,
            "explanation": self.explanation,
            "counterexample": self.counterexample,
            "user_expr": str(self.user_expr),
            "reference": str(self.reference),
            "param": self.param,
            "names": dict(self.names),
            "proved": self.proved,
            "ignored_constants": list(self.ignored_constants),
            "suggested_param": self.suggested_param,
            "derivation": self.derivation,
        }
