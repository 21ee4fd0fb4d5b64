"""What a derivation is: the laws, the verified stages and the result (the data).

:class:`DerivationRecord` is what the renderers (:mod:`kl_derive.render`) and the
numbers (:mod:`kl_derive.values`) read; :class:`kl_derive.derivation.Derivation`, what a
user gets back from :func:`kl_derive.derive`, is the same record with the methods that
render it and evaluate it, which call those layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sympy import Expr

from .families.base import Distribution
from .families.canonical import canonical_spec
from .steps.step import Stage, Step

__all__ = ["DerivationRecord"]


@dataclass(frozen=True, repr=False)
class DerivationRecord:
    """A verified, step-by-step derivation of KL(P || Q) (or of an entropy): its data.

    ``stages`` hold the steps in order (``steps`` flattens them); ``result`` is the
    closed form as an ordinary SymPy expression in the user's symbols, and
    ``result_display`` the same expression as printed.
    """

    p: Distribution
    q: Distribution
    stages: tuple[Stage, ...]
    result: Expr
    result_display: Expr
    strategy: str
    functions: Mapping[str, str] = field(default_factory=dict)
    expect_subscripts: bool = False
    instance_sizes: tuple[int, ...] = ()
    #: how many pseudo-random rational parameter values of each size the instances were
    #: verified at (0: with generic parameters)
    instance_draws: int = 0
    lang: str = "en"
    #: the opening paragraph: ``"vae"`` (encoder and prior) or ``"catalog"`` (two laws)
    setting: str = "vae"
    #: what is derived: ``"kl"`` (KL(P || Q)), ``"entropy"`` (H(P); ``q`` is ``p``) or
    #: ``"cross_entropy"`` (H(P, Q))
    quantity: str = "kl"
    #: the name of the dimension in the instances the steps were verified in (``d``, ``p``)
    dimension_name: str = "d"

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step, in the order the derivation shows them."""
        return tuple(step for stage in self.stages for step in stage.steps)

    @property
    def title(self) -> str:
        """``KL(normal(mu, sigma) || normal(0, 1))``: the pair, as the derivation reads it."""
        if self.quantity == "entropy":
            return f"H({canonical_spec(self.p)})"
        if self.quantity == "cross_entropy":
            return f"H({canonical_spec(self.p)}, {canonical_spec(self.q)})"
        if self.quantity != "kl":  # a divergence of kl_derive.divergences
            from .divergences.describe import title

            return title(self, canonical_spec(self.p), canonical_spec(self.q))
        return f"KL({canonical_spec(self.p)} || {canonical_spec(self.q)})"

    def __str__(self) -> str:
        from sympy import sstr

        return f"{self.title} = {sstr(self.result_display, order='none')}"

    def __repr__(self) -> str:
        return f"<Derivation {self.title}: {len(self.steps)} verified steps>"
