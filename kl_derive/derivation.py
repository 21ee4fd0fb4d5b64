"""The :class:`Derivation` a user gets back from :func:`kl_derive.derive`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .record import DerivationRecord

__all__ = ["Derivation"]


class Derivation(DerivationRecord):
    """A verified, step-by-step derivation of KL(P || Q).

    ``stages`` hold the steps in order (``steps`` flattens them); ``result`` is the
    closed form as an ordinary SymPy expression in the user's symbols, and
    ``result_display`` the same expression as printed. The ``to_*`` methods render it;
    in Jupyter the object displays itself. (The data are those of
    :class:`~kl_derive.record.DerivationRecord`.)
    """

    # -- rendering -------------------------------------------------------------
    def render(self, fmt: str, lang: str | None = None, **options: Any) -> str:
        """Render to ``fmt``: ``"latex"``, ``"beamer"``, ``"markdown"``, ``"gfm"``,
        ``"myst"``, ``"quarto"``, ``"html"``, ``"ipynb"``, ``"json"``, ``"text"`` or ``"typst"``
        (options: ``standalone``, ``label``, ``template_dir``, ``detail`` = ``"brief"`` |
        ``"standard"`` | ``"full"``, ``highlight``, ``align`` = ``"center"`` | ``"left"``,
        and the others of :func:`kl_derive.render.render`)."""
        from .render import render

        return render(self, fmt, lang or self.lang, **options)

    def to_latex(self, lang: str | None = None, *, standalone: bool = False, **options: Any) -> str:
        """An amsmath LaTeX fragment (or, with ``standalone``, a whole document); options
        as for :meth:`render` (``detail``, ``highlight``, ``align``, ...)."""
        return self.render("latex", lang, standalone=standalone, **options)

    def to_typst(self, lang: str | None = None, *, standalone: bool = False, **options: Any) -> str:
        """A Typst fragment to ``#include`` (or, with ``standalone``, a whole document);
        options as for :meth:`render` (``label``, ``page``, ``detail``, ...)."""
        return self.render("typst", lang, standalone=standalone, **options)

    def to_markdown(
        self, lang: str | None = None, *, flavour: str = "markdown", **options: Any
    ) -> str:
        """Markdown with ``$$`` display math (GitHub, MkDocs, Jupyter, Jupyter Book);
        ``flavour`` ``"gfm"``, ``"myst"`` or ``"quarto"`` for those sites' own syntax."""
        return self.render(flavour, lang, **options)

    def to_text(self, lang: str | None = None, *, detail: str = "standard") -> str:
        """Plain text for a terminal: Unicode mathematics, prose wrapped to 78 columns."""
        return self.render("text", lang, detail=detail)

    def to_json(self, lang: str | None = None) -> str:
        """The derivation as JSON data (see the README for the schema)."""
        return self.render("json", lang)

    # -- numbers -----------------------------------------------------------------
    def value(self, values: Mapping[str, Any]) -> float:
        """The closed form at ``values``, by parameter name: numbers, vectors as lists,
        matrices as lists of rows (the dimension is their length), e.g.
        ``derive("normal").value({"mu": 1, "sigma": 0.5})``; ``inf`` where the result is
        infinite. A value outside its domain is a :class:`~kl_derive.KLDeriveError`."""
        from .values import value_at

        return value_at(self, values)

    def example_values(self) -> dict[str, Any]:
        """Valid values for every parameter of :attr:`result` (see :meth:`value`):
        positive scales, probabilities that sum to one, symmetric positive-definite
        matrices, a symbolic dimension set to 2, inside a finite result's condition."""
        from .values import example_values

        return example_values(self)

    def _repr_latex_(self) -> str:
        from .render import render

        return render(self, "latex", self.lang, bare=True, wrap=True, page="notebook")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's ``text/plain``: the derivation as text (a terminal has no LaTeX)."""
        printer.text(repr(self) if cycle else self.to_text())
