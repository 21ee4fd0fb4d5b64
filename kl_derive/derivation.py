"""The :class:`Derivation` a user gets back from :func:`kl_derive.derive`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sympy import Expr

from .families.base import Distribution
from .steps.step import Stage, Step

__all__ = ["Derivation"]


@dataclass(frozen=True, repr=False)
class Derivation:
    """A verified, step-by-step derivation of KL(P || Q).

    ``stages`` hold the steps in order (``steps`` flattens them); ``result`` is the
    closed form as an ordinary SymPy expression in the user's symbols, and
    ``result_display`` the same expression as printed. The ``to_*`` methods render it;
    in Jupyter the object displays itself.
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
    lang: str = "en"
    #: the opening paragraph: ``"vae"`` (encoder and prior) or ``"catalog"`` (two laws)
    setting: str = "vae"

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step, in the order the derivation shows them."""
        return tuple(step for stage in self.stages for step in stage.steps)

    # -- rendering -------------------------------------------------------------
    def render(self, fmt: str, lang: str | None = None, **options: Any) -> str:
        """Render to ``fmt``: ``"latex"``, ``"markdown"``, ``"gfm"``, ``"myst"``,
        ``"quarto"`` or ``"json"`` (options: ``standalone``, ``label``, ``template_dir``)."""
        from .render import render

        return render(self, fmt, lang or self.lang, **options)

    def to_latex(self, lang: str | None = None, *, standalone: bool = False) -> str:
        """An amsmath LaTeX fragment (or, with ``standalone``, a whole document)."""
        return self.render("latex", lang, standalone=standalone)

    def to_markdown(self, lang: str | None = None, *, flavour: str = "markdown") -> str:
        """Markdown with ``$$`` display math (GitHub, MkDocs, Jupyter, Jupyter Book);
        ``flavour`` ``"gfm"``, ``"myst"`` or ``"quarto"`` for those sites' own syntax."""
        return self.render(flavour, lang)

    def to_json(self, lang: str | None = None) -> str:
        """The derivation as JSON data (see the README for the schema)."""
        return self.render("json", lang)

    def _repr_latex_(self) -> str:
        from .render import render

        return render(self, "latex", self.lang, bare=True, wrap=True)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    @property
    def title(self) -> str:
        """``KL(normal(mu, sigma) || normal(0, 1))``: the pair, as the derivation reads it."""
        from .render.view import canonical_spec

        return f"KL({canonical_spec(self.p)} || {canonical_spec(self.q)})"

    def __str__(self) -> str:
        from sympy import sstr

        return f"{self.title} = {sstr(self.result_display, order='none')}"

    def __repr__(self) -> str:
        return f"<Derivation {self.title}: {len(self.steps)} verified steps>"
