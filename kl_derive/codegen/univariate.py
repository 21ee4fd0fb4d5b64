"""Elementwise KL code from a derived SymPy result: :func:`generate`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from sympy import (
    Add,
    And,
    Expr,
    Float,
    Mul,
    Or,
    Piecewise,
    Pow,
    Sum,
    Symbol,
    beta,
    exp,
    loggamma,
    nan,
    oo,
    sstr,
    true,
    zoo,
)
from sympy.core.relational import Relational
from sympy.printing.codeprinter import PrintMethodNotImplementedError

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
    value, condition = _finite_part(renamed)
    value, sums = _finite_sums(value, names)
    form = stabilize(value, avoid=names)
    printer = fw.printer()
    try:
        # a finite sum (a truncated series) as a Python sum over its index, printed whole
        body = [
            f"{placeholder.name} = sum({printer.doprint(_constants_as_floats(f))} "
            f"for {index.name} in range({low}, {high} + 1))"
            for placeholder, (f, index, low, high) in sums.items()
        ]
        body += [
            f"{symbol.name} = {printer.doprint(_constants_as_floats(v))}"
            for symbol, v in form.assignments
        ]
        body.append(f"kl = {printer.doprint(_constants_as_floats(form.printable()))}")
        if condition is not None:  # infinite where the closed form does not hold
            body.append(f"kl = {fw.where_finite(_condition_code(printer, condition), 'kl')}")
    except PrintMethodNotImplementedError as error:
        # SymPy's message is "Unsupported by <printer>: <function>\n<advice>": the name only
        function = str(error).splitlines()[0].rsplit(": ", 1)[-1]
        raise KLDeriveError(f"{fw.title} code cannot express {function} (in this KL)") from None
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


def _finite_sums(value: Expr, names: list[str]) -> tuple[Expr, dict]:
    """Each sum with integer limits (a truncated series) replaced by a placeholder
    ``series_i`` and its summand, index and limits; an infinite sum is refused."""
    sums: dict[Symbol, tuple] = {}
    for one in sorted(value.atoms(Sum), key=str):
        (index, low, high) = one.limits[0]
        if len(one.limits) != 1 or not (low.is_Integer and high.is_Integer):
            raise KLDeriveError("the KL is an infinite series; give the number of terms to keep")
        placeholder = Symbol(f"series_{len(sums)}")
        term = Symbol("m_" if "m_" not in names else "term_")
        if placeholder.name in names:
            raise KLDeriveError(f"input name {placeholder.name!r} is used by the generated code")
        summand = one.function.xreplace({index: term}).replace(
            beta, lambda x, y: exp(loggamma(x) + loggamma(y) - loggamma(x + y))
        )
        sums[placeholder] = (summand, term, int(low), int(high))
        value = value.xreplace({one: placeholder})
    return value, sums


def _finite_part(result: Expr) -> tuple[Expr, Expr | None]:
    """The closed form and the condition under which it holds (``None`` when always): a
    piecewise KL is its finite piece where the condition holds, infinite elsewhere. A KL
    infinite for every parameter value has no code to write."""
    if isinstance(result, Piecewise):
        (value, condition), *rest = result.args
        if [tuple(r) for r in rest] != [(oo, true)] or value.has(oo, -oo, zoo, nan):
            raise KLDeriveError("the KL is piecewise in a way kl-derive code does not print")
        return value, condition
    if result.has(oo, -oo, zoo, nan):
        raise KLDeriveError(
            "the KL is infinite for every value of the parameters; there is no code to write"
        )
    return result, None


def _condition_code(printer, condition: Expr) -> str:
    """A condition as elementwise array code: ``(a >= b) & (c <= d)``."""
    if isinstance(condition, (And, Or)):
        joint = " & " if isinstance(condition, And) else " | "
        return joint.join(f"({_condition_code(printer, c)})" for c in condition.args)
    if isinstance(condition, Relational):
        lhs, rhs = (printer.doprint(_constants_as_floats(x)) for x in condition.args)
        return f"{lhs} {condition.rel_op} {rhs}"
    raise KLDeriveError(f"cannot write the condition {condition} as array code")


def _constants_as_floats(expr: Expr) -> Expr:
    """Constants such as ``log(2*pi)/2`` or Euler's constant as one decimal each: a
    framework function applied to a Python number (``tf.math.log(2)``) would make a tensor
    of the wrong type."""
    if expr.is_number and not expr.is_Rational and expr.is_real:
        return Float(expr.evalf(17), 17)
    if not expr.args or expr.is_Atom:
        return expr
    args = [_constants_as_floats(a) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    if isinstance(expr, (Add, Mul, Pow)):  # the printed shape stays: 0.5*(a + b)
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


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
