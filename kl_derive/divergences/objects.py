r"""The divergences as symbolic objects: unevaluated, printed as a textbook writes them.

Each object takes the two densities (``q(z)`` for the first law, ``p(z)`` for the
second, as every derivation of kl-derive names them) and prints itself through the
printers' own hooks (``_kl_latex``, ``_kl_unicode``), so no printer needs to know it.
:meth:`defining_mean` gives the function ``h`` of the densities whose mean under ``q``
decides whether the divergence is finite (``D = oo`` exactly where ``E_q[h] = oo``): the
piecewise results are verified through it.
"""

from __future__ import annotations

from typing import Any

from sympy import Expr, Function, S

__all__ = [
    "BhattacharyyaCoefficient",
    "BhattacharyyaDistance",
    "ChiSquare",
    "CrossingPoint",
    "DivergenceObject",
    "HellingerSquared",
    "Jeffreys",
    "JensenShannon",
    "NormalCDF",
    "NormalQuantile",
    "PlusMinus",
    "Renyi",
    "TotalVariation",
    "WassersteinSquared",
]


class DivergenceObject(Function):
    """A divergence of two densities (unevaluated); subclasses set the notation."""

    is_commutative = True
    is_real = True
    #: LaTeX before, between and after the two arguments
    latex: tuple[str, str, str] = ("D(", r" \parallel ", ")")
    unicode: tuple[str, str, str] = ("D(", " ‖ ", ")")

    @classmethod
    def eval(cls, *args):
        return None

    def _pieces(self) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        return self.latex, self.unicode

    def _kl_latex(self, printer: Any) -> str:
        (before, between, after), _ = self._pieces()
        q, p = self.args[:2]
        return before + printer._print(q) + between + printer._print(p) + after

    def _kl_unicode(self, printer: Any) -> str:
        _, (before, between, after) = self._pieces()
        q, p = self.args[:2]
        return before + printer._print(q) + between + printer._print(p) + after

    def _sympystr(self, printer: Any) -> str:
        return f"{type(self).__name__}({', '.join(printer._print(a) for a in self.args)})"

    def defining_mean(self, q: Expr, p: Expr) -> Expr:
        """``h`` with the divergence infinite exactly where ``E_q[h]`` is (``0``: the
        divergence is finite whatever the laws)."""
        return S.Zero


class Renyi(DivergenceObject):
    """``Renyi(q, p, alpha)``: :math:`D_\\alpha(q \\,\\|\\, p) = \\frac{1}{\\alpha - 1}
    \\log \\int q^\\alpha p^{1 - \\alpha}`."""

    nargs = 3

    def _pieces(self):
        from ..printing.latex import TextbookLatexPrinter
        from ..printing.unicode import UnicodePrinter

        alpha = self.args[2]
        order = TextbookLatexPrinter().doprint(alpha)
        plain = UnicodePrinter().doprint(alpha)
        return (
            (rf"D_{{{order}}}(", r" \parallel ", ")"),
            (f"D_{plain}(" if len(plain) > 1 else f"D{_SUB.get(plain, '_' + plain)}(", " ‖ ", ")"),
        )

    def defining_mean(self, q: Expr, p: Expr) -> Expr:
        alpha = self.args[2]
        return (q / p) ** (alpha - 1)


_SUB = {"2": "₂", "3": "₃", "α": "_α"}


class BhattacharyyaCoefficient(DivergenceObject):
    """``BC(q, p) = int sqrt(q p)`` (always finite, at most 1)."""

    nargs = 2
    latex = (r"\mathrm{BC}(", ", ", ")")
    unicode = ("BC(", ", ", ")")


class BhattacharyyaDistance(DivergenceObject):
    """``D_B(q, p) = -log BC(q, p)``."""

    nargs = 2
    latex = (r"D_{\mathrm{B}}(", ", ", ")")
    unicode = ("D_B(", ", ", ")")


class HellingerSquared(DivergenceObject):
    """The squared Hellinger distance ``H^2(q, p) = 1 - BC(q, p)``."""

    nargs = 2
    latex = (r"H^{2}(", ", ", ")")
    unicode = ("H²(", ", ", ")")


class ChiSquare(DivergenceObject):
    """Pearson's chi-square divergence, ``int q^2/p - 1``."""

    nargs = 2
    latex = (r"\chi^{2}(", r" \parallel ", ")")
    unicode = ("χ²(", " ‖ ", ")")

    def defining_mean(self, q: Expr, p: Expr) -> Expr:
        return q / p


class Jeffreys(DivergenceObject):
    """Jeffreys' divergence, ``KL(q || p) + KL(p || q)``."""

    nargs = 2
    latex = (r"D_{\mathrm{J}}(", ", ", ")")
    unicode = ("D_J(", ", ", ")")


class WassersteinSquared(DivergenceObject):
    """The squared 2-Wasserstein distance ``W_2^2(q, p)`` (Euclidean cost)."""

    nargs = 2
    latex = (r"W_{2}^{2}(", ", ", ")")
    unicode = ("W₂²(", ", ", ")")


class NormalQuantile(Function):
    """``NormalQuantile(u)`` is the standard normal quantile :math:`\\Phi^{-1}(u) =
    \\sqrt{2}\\,\\mathrm{erfinv}(2u - 1)` for ``u`` in (0, 1): real, with derivative
    :math:`1/\\varphi(\\Phi^{-1}(u))` (SymPy's ``erfinv`` is not known to be real there)."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex: int = 1) -> Expr:
        from sympy import exp, pi, sqrt

        return sqrt(2 * pi) * exp(self**2 / 2)

    def _eval_evalf(self, prec: int) -> Expr:
        return self.rewritten()._eval_evalf(prec)

    def rewritten(self) -> Expr:
        r""":math:`\sqrt{2}\,\mathrm{erfinv}(2u - 1)`."""
        from sympy import erfinv, sqrt

        return sqrt(2) * erfinv(2 * self.args[0] - 1)

    # code printers (lambdify, numeric checks): the function written out
    def _mpmathcode(self, printer: Any) -> str:
        return printer._print(self.rewritten())

    _numpycode = _pythoncode = _lambdacode = _mpmathcode

    def _kl_latex(self, printer: Any) -> str:
        return r"\Phi^{-1}(" + printer._print(self.args[0]) + ")"

    def _kl_unicode(self, printer: Any) -> str:
        return "Φ⁻¹(" + printer._print(self.args[0]) + ")"


class TotalVariation(DivergenceObject):
    """The total variation distance ``TV(q, p) = (1/2) int |q - p|``."""

    nargs = 2
    latex = (r"\mathrm{TV}(", ", ", ")")
    unicode = ("TV(", ", ", ")")


class JensenShannon(DivergenceObject):
    """The Jensen–Shannon divergence ``JS(q, p) = KL(q || m)/2 + KL(p || m)/2``,
    ``m = (q + p)/2`` (always finite, at most ``log 2``)."""

    nargs = 2
    latex = (r"\mathrm{JS}(", ", ", ")")
    unicode = ("JS(", ", ", ")")


class NormalCDF(Function):
    """``NormalCDF(x)`` is the standard normal distribution function
    :math:`\\Phi(x) = \\tfrac12 (1 + \\mathrm{erf}(x/\\sqrt2))`, printed :math:`\\Phi(x)`."""

    nargs = 1
    is_real = True
    is_positive = True

    def fdiff(self, argindex: int = 1) -> Expr:
        from sympy import exp, pi, sqrt

        x = self.args[0]
        return exp(-(x**2) / 2) / sqrt(2 * pi)

    def rewritten(self) -> Expr:
        from sympy import erf, sqrt

        return (1 + erf(self.args[0] / sqrt(2))) / 2

    def _eval_evalf(self, prec: int) -> Expr:
        return self.rewritten()._eval_evalf(prec)

    def _eval_rewrite_as_erf(self, x: Expr, **kwargs: Any) -> Expr:
        return self.rewritten()

    def _mpmathcode(self, printer: Any) -> str:
        return printer._print(self.rewritten())

    _numpycode = _pythoncode = _lambdacode = _mpmathcode

    def _kl_latex(self, printer: Any) -> str:
        return r"\Phi\left(" + printer._print(self.args[0]) + r"\right)"

    def _kl_unicode(self, printer: Any) -> str:
        return "Φ(" + printer._print(self.args[0]) + ")"


class CrossingPoint(Function):
    """``CrossingPoint(sign, mu_1, sigma_1, mu_2, sigma_2)``: where two normal densities
    with different standard deviations cross, printed :math:`z_-` or :math:`z_+`,

    .. math::

        z_\\pm = \\frac{\\sigma_2^2 \\mu_1 - \\sigma_1^2 \\mu_2 \\pm \\sigma_1 \\sigma_2
        \\sqrt{(\\mu_1 - \\mu_2)^2 + (\\sigma_2^2 - \\sigma_1^2) \\log(\\sigma_2^2/\\sigma_1^2)}}
        {\\sigma_2^2 - \\sigma_1^2}."""

    nargs = 5
    is_real = True

    def rewritten(self) -> Expr:
        from sympy import log, sqrt

        sign, m1, s1, m2, s2 = self.args
        spread = sqrt((m1 - m2) ** 2 + (s2**2 - s1**2) * log(s2**2 / s1**2))
        return (s2**2 * m1 - s1**2 * m2 + sign * s1 * s2 * spread) / (s2**2 - s1**2)

    def _eval_evalf(self, prec: int) -> Expr:
        return self.rewritten()._eval_evalf(prec)

    def _eval_rewrite_as_sqrt(self, *args: Expr, **kwargs: Any) -> Expr:
        return self.rewritten()

    def _mpmathcode(self, printer: Any) -> str:
        return printer._print(self.rewritten())

    _numpycode = _pythoncode = _lambdacode = _mpmathcode

    def _kl_latex(self, printer: Any) -> str:
        return "z_{+}" if self.args[0] > 0 else "z_{-}"

    def _kl_unicode(self, printer: Any) -> str:
        return "z₊" if self.args[0] > 0 else "z₋"


class PlusMinus(Function):
    """``PlusMinus(a, b)`` is :math:`a \\pm b`, two values stated at once (shown only: a
    statement's right side, never evaluated), and ``PlusMinus(z)`` the name
    :math:`z_\\pm` of the pair."""

    is_commutative = True

    def _kl_latex(self, printer: Any) -> str:
        if len(self.args) == 1:
            return printer._print(self.args[0]) + r"_{\pm}"
        a, b = self.args
        return printer._print(a) + r" \pm " + printer._print(b)

    def _kl_unicode(self, printer: Any) -> str:
        if len(self.args) == 1:
            return printer._print(self.args[0]) + "±"
        a, b = self.args
        return printer._print(a) + " ± " + printer._print(b)
