"""Elementwise KL code from a derived SymPy result: :func:`generate`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from sympy import Expr, Symbol, sstr

from ..errors import KLDeriveError
from .frameworks import Framework, get_framework
from .rewrite import stabilize
from .source import check_identifier, module_source

__all__ = ["REDUCTIONS", "generate"]

#: How the elementwise KL is reduced over the last (latent) axis.
REDUCTIONS = ("sum", "mean", "none")

#: Names the generated body uses itself.
_RESERVED = frozenset({"kl", "np", "jnp", "tf", "torch", "jax", "math", "scipy"})

_RETURNS = {
    "sum": "{array} of shape (batch,): the KL of each row, summed over the last (latent) axis.",
    "mean": "{array} of shape (batch,): the KL of each row, averaged over the last (latent) axis.",
    "none": "{array} of shape (batch, latent): the KL of each entry, not reduced.",
}


def generate(
    result: Expr,
    *,
    framework: str,
    reduce: str = "sum",
    inputs: Sequence[tuple[str, Symbol]],
    name: str = "kl_divergence",
    doc: str = "",
) -> str:
    """Python source of a function computing ``result`` elementwise, then reducing.

    ``result`` is a derived KL such as ``derive("normal(mu, exp(logvar/2))").result``;
    ``inputs`` names the function's parameters, in order, and the symbol each stands for
    (``[("mu", mu), ("logvar", logvar)]``); every free symbol of ``result`` must be one of
    them. ``framework`` is ``"numpy"``, ``"torch"``, ``"jax"`` or ``"tensorflow"``;
    ``reduce`` is ``"sum"`` or ``"mean"`` over the last (latent) axis, or ``"none"``.
    ``doc`` is the docstring's first line (a default one is written when it is empty).

    The body is printed by SymPy's code printer for the framework from the numerically
    careful form of ``result`` (:func:`kl_derive.codegen.rewrite.stabilize`). The source
    starts with the framework's import line and ends with a newline.
    """
    fw = get_framework(framework)
    if reduce not in REDUCTIONS:
        raise KLDeriveError(f"unknown reduction {reduce!r} (choose from {', '.join(REDUCTIONS)})")
    check_identifier(name, "function name")
    renamed, names = _bind_inputs(result, inputs)

    form = stabilize(renamed, avoid=names)
    printer = fw.printer()
    body = [f"{symbol.name} = {printer.doprint(value)}" for symbol, value in form.assignments]
    body.append(f"kl = {printer.doprint(form.printable())}")
    unused = [
        n
        for n, s in zip(names, (s for _, s in inputs), strict=True)
        if s not in result.free_symbols
    ]
    if unused:
        zeros = " + ".join(fw.zeros_like(n) for n in unused)
        body.append(f"kl = kl + {zeros}  # {', '.join(unused)}: not in the KL; keeps the shape")
    body.append("return kl" if reduce == "none" else f"return {fw.reduce_call(reduce, 'kl')}")

    docstring = _docstring(fw, renamed, names, reduce, doc)
    imports = [*fw.imports, *fw.missing_imports(printer)]
    return module_source(imports, name, names, docstring, body)


def _bind_inputs(result: Expr, inputs: Sequence[tuple[str, Symbol]]) -> tuple[Expr, list[str]]:
    """``result`` in symbols named as the parameters; and the parameter names."""
    names: list[str] = []
    mapping: dict[Symbol, Symbol] = {}
    for entry in inputs:
        try:
            input_name, symbol = entry
        except (TypeError, ValueError):
            raise KLDeriveError(f"an input is a (name, symbol) pair, not {entry!r}") from None
        check_identifier(input_name, "input name")
        if input_name in _RESERVED:
            raise KLDeriveError(f"input name {input_name!r} is used by the generated code")
        if input_name in names:
            raise KLDeriveError(f"input name {input_name!r} is given twice")
        if not isinstance(symbol, Symbol):
            raise KLDeriveError(f"input {input_name!r} must be a SymPy Symbol, not {symbol!r}")
        names.append(input_name)
        if symbol.name != input_name:
            mapping[symbol] = Symbol(input_name, **symbol.assumptions0)
    missing = sorted(s.name for s in result.free_symbols if s not in {s for _, s in inputs})
    if missing:
        raise KLDeriveError(f"the KL depends on {', '.join(missing)}, which no input names")
    return result.xreplace(mapping), names


def _docstring(fw: Framework, result: Expr, names: list[str], reduce: str, doc: str) -> str:
    summary = doc.strip() or "The KL divergence, computed elementwise from its closed form."
    formula = textwrap.fill(
        sstr(result), width=80, initial_indent="    ", subsequent_indent="        "
    )
    args = [f"    {n}: {fw.array} of shape (batch, latent)." for n in names]
    lines = [
        summary,
        "",
        "Closed form, derived and verified by kl-derive, applied to each entry:",
        "",
        formula,
        "",
        "The code is SymPy's printing of that formula after rewrites for numerical",
        "stability. Inputs broadcast against each other; any leading axes are batch axes.",
        "",
        "Args:",
        *args,
        "",
        "Returns:",
        "    " + _RETURNS[reduce].format(array=fw.array),
    ]
    return "\n".join(lines)
