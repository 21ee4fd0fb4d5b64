"""The four frameworks `kl-derive code` writes for, and their SymPy code printers.

Every printer here is one of SymPy's own code printers (``NumPyPrinter``, ``JaxPrinter``,
``TensorflowPrinter`` and ``TorchPrinter`` from :mod:`sympy.printing`), subclassed only to

* write the module the way array code is written (``np.exp``, ``jnp.exp``, ``tf.math.exp``
  rather than ``numpy.exp``, ``jax.numpy.exp``, ``tensorflow.math.exp``);
* print small integer powers as ``x**2`` and reciprocals as ``1/x`` (SymPy's NumPy printer
  writes ``x**(-1.0)``, its torch and TensorFlow printers ``torch.pow(x, 2)``);
* put positive terms first (``mu**2 + sigma**2 - 1``);
* print dyadic rationals as decimals (``0.5`` rather than ``1/2``);
* know ``expm1`` and ``log1p`` (:mod:`sympy.codegen.cfunctions`) for torch and TensorFlow,
  whose printers lack them; the stable rewrites in :mod:`.rewrite` produce them.

SymPy's torch and TensorFlow printer modules import torch and TensorFlow themselves, only
to read their versions (which change nothing in the code printed here); they are loaded
when first needed and without importing the framework (1.5 s for torch), so printing
costs the same whether or not the framework is installed, and prints the same.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from sympy import Expr, Mul, Pow, Rational, Symbol
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.codeprinter import CodePrinter, PrintMethodNotImplementedError
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

__all__ = ["FRAMEWORKS", "Framework", "get_framework"]


def _dyadic(number: Rational) -> bool:
    """Whether ``number`` is exactly a short binary fraction (prints exactly as a float)."""
    q = int(number.q)
    return q & (q - 1) == 0 and abs(int(number.p)) < 2**53


class _ArrayCodeMixin:
    """What the four printers share: module aliases, readable powers, decimal halves."""

    #: (fully qualified module, alias) pairs, longest module first
    aliases: ClassVar[tuple[tuple[str, str], ...]] = ()

    def _module_format(self, fqn: str, register: bool = True) -> str:
        text: str = super()._module_format(fqn, register)  # type: ignore[misc]
        for module, alias in self.aliases:
            if text == module or text.startswith(module + "."):
                return alias + text[len(module) :]
        return text

    def _as_ordered_terms(self, expr: Expr, order: str | None = None) -> list[Expr]:
        # positive terms first (``mu**2 + sigma**2 - 1``), otherwise SymPy's order;
        # ``order="none"`` keeps the order the expression was built in
        terms: list[Expr] = super()._as_ordered_terms(expr, order=order)  # type: ignore[misc]
        if (order or self._settings.get("order")) == "none":  # type: ignore[attr-defined]
            return terms
        return sorted(terms, key=lambda term: bool(term.could_extract_minus_sign()))

    def _print_Pow(self, expr: Pow, rational: bool = False) -> str:
        exponent = expr.exp
        if exponent.is_Integer and expr.base.is_commutative and abs(int(exponent)) <= 16:
            n = int(exponent)
            base = self.parenthesize(expr.base, precedence(expr), strict=False)  # type: ignore[attr-defined]
            if n == -1:
                return f"1/{base}"
            if n < 0:
                return f"1/{base}**{-n}"
            return f"{base}**{n}"
        if rational:  # only SymPy's NumPy printers take ``rational``
            return super()._print_Pow(expr, rational=True)  # type: ignore[misc]
        return super()._print_Pow(expr)  # type: ignore[misc]

    def _print_Mul(self, expr: Mul) -> str:
        # ``0.5*(a + b)`` rather than ``(0.5)*(a + b)``: a decimal needs no brackets
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and not coeff.is_Integer and _dyadic(coeff) and not rest.is_Number:
            sign = "-" if coeff < 0 else ""
            factor = self._print_Rational(abs(coeff))
            return f"{sign}{factor}*{self.parenthesize(rest, PRECEDENCE['Mul'], strict=False)}"  # type: ignore[attr-defined]
        return super()._print_Mul(expr)  # type: ignore[misc]

    def _print_Rational(self, expr: Rational) -> str:
        if _dyadic(expr):
            return repr(int(expr.p) / int(expr.q))
        return super()._print_Rational(expr)  # type: ignore[misc]

    _print_Half = _print_Rational

    # -- special functions: the framework's own (``special``), or a one-line refusal --
    #: SymPy function name (``loggamma``, ``digamma``, ``polygamma``, ``i0``, ``i1``,
    #: ``iv``, ``erf``, ``erfc``) -> the framework's fully qualified function
    special: ClassVar[dict[str, str]] = {}

    def _special(self, name: str, *args: Expr, shown: str = "") -> str:
        path = self.special.get(name)
        if path is None:  # refused in one line by the caller, like any unprintable function
            unsupported = shown or name
            raise PrintMethodNotImplementedError(
                f"Unsupported by {type(self).__name__}: {unsupported}"
            )
        printed = ", ".join(self._print(a) for a in args)  # type: ignore[attr-defined]
        return f"{self._module_format(path)}({printed})"

    def _print_loggamma(self, expr: Expr) -> str:
        return self._special("loggamma", expr.args[0])

    def _print_polygamma(self, expr: Expr) -> str:
        order, x = expr.args
        if order == 0:
            return self._special("digamma", x)
        return self._special("polygamma", *self._polygamma_order(order, x))

    def _polygamma_order(self, order: Expr, x: Expr) -> tuple[Expr, Expr]:
        return order, x

    def _print_digamma(self, expr: Expr) -> str:
        return self._special("digamma", expr.args[0])

    def _print_besseli(self, expr: Expr) -> str:
        order, x = expr.args
        if order in (0, 1):
            return self._special(f"i{order}", x)
        return self._special("iv", order, x)

    def _print_ScaledBesselI(self, expr: Expr) -> str:
        order, x = expr.args
        if order in (0, 1):
            return self._special(f"i{order}e", x)
        return self._special("ive", order, x, shown=f"the Bessel function I of order {order}")

    def _print_erf(self, expr: Expr) -> str:
        return self._special("erf", expr.args[0])

    def _print_erfc(self, expr: Expr) -> str:
        return self._special("erfc", expr.args[0])

    # the incomplete gamma functions, written with the regularised ones every framework
    # has (P(s, x) = γ(s, x)/Γ(s), Q(s, x) = Γ(s, x)/Γ(s)) times Γ(s) = exp(log Γ(s))
    def _print_lowergamma(self, expr: Expr) -> str:
        return self._incomplete_gamma("gammainc", *expr.args)

    def _print_uppergamma(self, expr: Expr) -> str:
        return self._incomplete_gamma("gammaincc", *expr.args)

    def _incomplete_gamma(self, regularised: str, s: Expr, x: Expr) -> str:
        from sympy import exp, loggamma

        scale = self._print(exp(loggamma(s)))  # type: ignore[attr-defined]
        shown = "lowergamma" if regularised == "gammainc" else "uppergamma"
        return f"({self._special(regularised, s, x, shown=shown)}*{scale})"

    def _print_Ei(self, expr: Expr) -> str:
        return self._special("expi", expr.args[0], shown="Ei")

    def _print_betainc_regularized(self, expr: Expr) -> str:
        # I(a, b; x1, x2) = I_{x2}(a, b) - I_{x1}(a, b), the regularised incomplete beta
        a, b, x1, x2 = expr.args
        upper = self._special("betainc", a, b, x2, shown="betainc_regularized")
        if x1 == 0:
            return upper
        return f"({upper} - {self._special('betainc', a, b, x1)})"


#: SciPy's names of the special functions (``jax.scipy.special`` has them too, but ``iv``)
_SCIPY_SPECIAL = {
    "loggamma": "gammaln",
    "digamma": "digamma",
    "polygamma": "polygamma",
    "i0": "i0",
    "i1": "i1",
    "i0e": "i0e",
    "i1e": "i1e",
    "iv": "iv",
    "ive": "ive",
    "erf": "erf",
    "erfc": "erfc",
    "gammainc": "gammainc",
    "gammaincc": "gammaincc",
    "expi": "expi",
    "betainc": "betainc",
}


class NumpyCodePrinter(_ArrayCodeMixin, NumPyPrinter):
    """SymPy's NumPy printer writing ``np.``, with SciPy's special functions."""

    aliases = (("numpy", "np"),)
    special: ClassVar[dict[str, str]] = {
        name: f"scipy.special.{function}" for name, function in _SCIPY_SPECIAL.items()
    }


class JaxCodePrinter(_ArrayCodeMixin, JaxPrinter):
    """SymPy's JAX printer writing ``jnp.``, with ``jax.scipy.special``."""

    aliases = (("jax.numpy", "jnp"),)
    special: ClassVar[dict[str, str]] = {
        name: f"jax.scipy.special.{function}"
        for name, function in _SCIPY_SPECIAL.items()
        if name not in ("iv", "ive")
    }


def _printer_module(name: str, framework_module: str) -> ModuleType:
    """``sympy.printing.<name>`` imported without importing ``framework_module``."""
    full = f"sympy.printing.{name}"
    if full in sys.modules or framework_module in sys.modules:
        return importlib.import_module(full)
    sys.modules[framework_module] = None  # type: ignore[assignment]  # "not installed"
    try:
        return importlib.import_module(full)
    finally:
        del sys.modules[framework_module]


class _Verbatim(Symbol):
    """Code printed as it is given (an argument written in the framework's own terms)."""

    def _numpycode(self, printer: Any) -> str:
        return self.name

    _pythoncode = _numpycode


@functools.cache
def _tensorflow_printer() -> type[CodePrinter]:
    base = _printer_module("tensorflow", "tensorflow").TensorflowPrinter

    class TensorflowCodePrinter(_ArrayCodeMixin, base):  # type: ignore[misc, valid-type]
        """SymPy's TensorFlow printer writing ``tf.``, with ``expm1`` and ``log1p``."""

        aliases = (("tensorflow", "tf"),)
        mapping: ClassVar[dict[Any, str]] = {
            **base.mapping,
            expm1: "tensorflow.math.expm1",
            log1p: "tensorflow.math.log1p",
        }
        special: ClassVar[dict[str, str]] = {
            "loggamma": "tensorflow.math.lgamma",
            "digamma": "tensorflow.math.digamma",
            "polygamma": "tensorflow.math.polygamma",
            "i0": "tensorflow.math.bessel_i0",
            "i1": "tensorflow.math.bessel_i1",
            "i0e": "tensorflow.math.bessel_i0e",
            "i1e": "tensorflow.math.bessel_i1e",
            "erf": "tensorflow.math.erf",
            "erfc": "tensorflow.math.erfc",
            "gammainc": "tensorflow.math.igamma",
            "gammaincc": "tensorflow.math.igammac",
            "expi": "tensorflow.math.special.expint",
            "betainc": "tensorflow.math.betainc",
        }

        def _polygamma_order(self, order: Expr, x: Expr) -> tuple[Expr, Expr]:
            # tf.math.polygamma wants the order as a tensor of the argument's dtype
            ones = f"{self._module_format('tensorflow.ones_like')}({self._print(x)})"
            return _Verbatim(ones if order == 1 else f"{order}*{ones}"), x

    return TensorflowCodePrinter


@functools.cache
def _torch_printer() -> type[CodePrinter]:
    base = _printer_module("pytorch", "torch").TorchPrinter

    class TorchCodePrinter(_ArrayCodeMixin, base):  # type: ignore[misc, valid-type]
        """SymPy's PyTorch printer (:mod:`sympy.printing.pytorch`), with ``expm1``, ``log1p``."""

        mapping: ClassVar[dict[Any, str]] = {
            **base.mapping,
            expm1: "torch.expm1",
            log1p: "torch.log1p",
        }
        special: ClassVar[dict[str, str]] = {
            "loggamma": "torch.lgamma",
            "digamma": "torch.special.digamma",
            "polygamma": "torch.special.polygamma",
            "i0": "torch.special.i0",
            "i1": "torch.special.i1",
            "i0e": "torch.special.i0e",
            "i1e": "torch.special.i1e",
            "erf": "torch.special.erf",
            "erfc": "torch.special.erfc",
            "gammainc": "torch.special.gammainc",
            "gammaincc": "torch.special.gammaincc",
        }

    return TorchCodePrinter


@dataclass(frozen=True)
class Framework:
    """How one framework's code is written.

    ``module`` is the module the printer's names start with after aliasing (``np``,
    ``torch``); ``reducers`` maps a reduction to the function that reduces over an axis,
    given as ``axis_keyword=-1``.
    """

    name: str
    title: str
    imports: tuple[str, ...]
    #: modules the import lines make available, as the printer registers them
    provides: tuple[str, ...]
    module: str
    array: str
    axis_keyword: str
    reducers: Mapping[str, str]
    #: ``value`` where ``condition`` holds, infinity elsewhere (a format string)
    where: str
    #: the printer class, loaded on first use
    load_printer: Callable[[], type[CodePrinter]]
    #: the lines opening a block in which the pieces of a piecewise value are computed,
    #: for a framework that warns about a division by zero or an invalid value in a piece
    #: that the ``where`` then drops (``None``: it does not warn)
    quiet_branches: str | None = None

    @property
    def printer_class(self) -> type[CodePrinter]:
        return self.load_printer()

    def printer(self) -> CodePrinter:
        """A fresh printer (printers remember the modules they used)."""
        return self.printer_class({"strict": True})

    def reduce_call(self, how: str, value: str) -> str:
        """Code reducing ``value`` over its last axis (``how`` is ``"sum"`` or ``"mean"``)."""
        return f"{self.reducers[how]}({value}, {self.axis_keyword}=-1)"

    def zeros_like(self, value: str) -> str:
        return f"{self.module}.zeros_like({value})"

    def where_finite(self, condition: str, value: str) -> str:
        """Code for ``value`` where ``condition`` holds and infinity elsewhere."""
        return self.where.format(condition=condition, value=value)

    def where_select(self, condition: str, value: str, otherwise: str) -> str:
        """Code for ``value`` where ``condition`` holds and ``otherwise`` elsewhere."""
        return f"{self.module}.where({condition}, {value}, {otherwise})"

    def missing_imports(self, printer: CodePrinter) -> list[str]:
        """Import lines for modules the printer used beyond the framework's own."""
        used = getattr(printer, "module_imports", {})
        lines = []
        for module in sorted(used):
            if not any(module == m or module.startswith(m + ".") for m in self.provides):
                lines.append(f"import {module}")
        return lines


FRAMEWORKS: dict[str, Framework] = {
    "numpy": Framework(
        name="numpy",
        title="NumPy",
        imports=("import numpy as np",),
        provides=("numpy",),
        module="np",
        array="array",
        axis_keyword="axis",
        reducers={"sum": "np.sum", "mean": "np.mean"},
        where="np.where({condition}, {value}, np.inf)",
        load_printer=lambda: NumpyCodePrinter,
        quiet_branches=(
            "# each piece is computed on every entry; np.where keeps it where its condition holds\n"
            'with np.errstate(divide="ignore", invalid="ignore"):'
        ),
    ),
    "torch": Framework(
        name="torch",
        title="PyTorch",
        imports=("import torch",),
        provides=("torch",),
        module="torch",
        array="tensor",
        axis_keyword="dim",
        reducers={"sum": "torch.sum", "mean": "torch.mean"},
        where="torch.where({condition}, {value}, torch.inf)",
        load_printer=_torch_printer,
    ),
    "jax": Framework(
        name="jax",
        title="JAX",
        imports=("import jax.numpy as jnp",),
        provides=("jax.numpy",),
        module="jnp",
        array="array",
        axis_keyword="axis",
        reducers={"sum": "jnp.sum", "mean": "jnp.mean"},
        where="jnp.where({condition}, {value}, jnp.inf)",
        load_printer=lambda: JaxCodePrinter,
    ),
    "tensorflow": Framework(
        name="tensorflow",
        title="TensorFlow",
        imports=("import tensorflow as tf",),
        provides=("tensorflow",),
        module="tf",
        array="tensor",
        axis_keyword="axis",
        reducers={"sum": "tf.reduce_sum", "mean": "tf.reduce_mean"},
        where="tf.where({condition}, {value}, tf.constant(float('inf'), {value}.dtype))",
        load_printer=_tensorflow_printer,
    ),
}


def get_framework(name: str) -> Framework:
    """The framework called ``name``; a one-line :class:`KLDeriveError` for another name."""
    try:
        return FRAMEWORKS[name]
    except KeyError:
        from ..errors import KLDeriveError

        known = ", ".join(FRAMEWORKS)
        raise KLDeriveError(f"unknown framework {name!r} (choose from {known})") from None


def print_expr(printer: CodePrinter, expr: Expr) -> str:
    """``expr`` as code; SymPy's printers refuse what they cannot print (strict mode)."""
    return printer.doprint(expr)
