"""Elementwise KL code from a derived SymPy result: :func:`generate`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from sympy import (
    Add,
    And,
    Expr,
    Float,
    Function,
    Integral,
    Mul,
    Not,
    Or,
    Piecewise,
    Pow,
    Sum,
    Symbol,
    beta,
    erfc,
    exp,
    loggamma,
    nan,
    oo,
    sqrt,
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

__all__ = ["REDUCTIONS", "constants_as_floats", "generate"]

#: How the elementwise KL is reduced over the last (latent) axis.
REDUCTIONS = ("sum", "mean", "none")

#: Names the generated body uses itself.
_RESERVED = frozenset({"kl", "np", "jnp", "tf", "torch", "jax", "math", "scipy"})

_RETURNS = {
    "sum": "{array} of shape (batch,): the {what} of each row, summed over the last (latent) axis.",
    "mean": "{array} of shape (batch,): the {what} of each row, averaged over the last (latent)"
    " axis.",
    "none": "{array} of shape (batch, latent): the {what} of each entry, not reduced.",
    "product": "{array} of shape (batch,): the {what} between the laws of each row, from the"
    " sum over the last (latent) axis of the logarithms of its coordinates' factors.",
}


def generate(
    result: Expr,
    *,
    framework: str,
    reduce: str = "sum",
    inputs: Sequence[tuple[str, Symbol]],
    name: str = "kl_divergence",
    doc: str = "",
    what: str = "KL",
    variable: str = "kl",
    combine: Expr | None = None,
) -> str:
    """Python source of a function computing ``result`` elementwise, then reducing.

    ``result`` is a derived KL such as ``derive("normal(mu, exp(logvar/2))").result``;
    ``inputs`` names the function's parameters, in order, and the symbol each stands for
    (``[("mu", mu), ("logvar", logvar)]``); every free symbol of ``result`` must be one of
    them. ``framework`` is ``"numpy"``, ``"torch"``, ``"jax"`` or ``"tensorflow"``;
    ``reduce`` is ``"sum"`` or ``"mean"`` over the last (latent) axis, or ``"none"``.
    ``doc`` is the docstring's first line (a default one is written when it is empty).
    ``what`` names the quantity in the docstring and in refusals (``"KL"``, ``"Rényi
    divergence"``) and ``variable`` the value in the body (``kl``, ``d``).

    A piecewise result is printed as the framework's ``where``: each piece under its
    condition, infinity where no finite piece holds. The body is printed by SymPy's code
    printer for the framework from the numerically careful form of each piece
    (:func:`kl_derive.codegen.rewrite.stabilize`). The source starts with the framework's
    import line and ends with a newline.
    """
    fw = get_framework(framework)
    if reduce not in REDUCTIONS:
        raise KLDeriveError(f"unknown reduction {reduce!r} (choose from {', '.join(REDUCTIONS)})")
    check_identifier(name, "function name")
    check_identifier(variable, "variable name")
    renamed, names = _bind_inputs(result, inputs)
    renamed, sums = _finite_sums(renamed, names)
    while variable in names:  # an input called d (uniform(a, b) against uniform(c, d))
        variable += "_"
    pieces, fallback = _pieces(_defined(renamed), what)

    printer = fw.printer()
    body: list[str] = []
    taken = set(names) | {variable} | {placeholder.name for placeholder in sums}
    try:
        # a finite sum (a truncated series) as a Python sum over its index, printed whole
        body.extend(
            f"{placeholder.name} = sum({printer.doprint(constants_as_floats(f))} "
            f"for {index.name} in range({low}, {high} + 1))"
            for placeholder, (f, index, low, high) in sums.items()
        )
        values = []
        start = len(body)
        for i, (value, _) in enumerate(pieces):
            target = variable if len(pieces) == 1 else f"{variable}_{i + 1}"
            taken.add(target)
            form = stabilize(value, avoid=taken)
            taken.update(symbol.name for symbol, _ in form.assignments)
            body.extend(
                f"{symbol.name} = {printer.doprint(constants_as_floats(v))}"
                for symbol, v in form.assignments
            )
            printed = printer.doprint(constants_as_floats(form.printable()))
            if not value.free_symbols:  # a constant piece keeps the inputs' shape and type
                printed = f"{fw.zeros_like(names[0])} + {printed}" if names else printed
            body.append(f"{target} = {printed}")
            values.append(target)
        if len(pieces) == 1 and pieces[0][1] is not None and fallback is None:
            # finite where the condition holds, infinite elsewhere (the KL's usual shape)
            condition = _condition_code(printer, pieces[0][1])
            body.append(f"{variable} = {fw.where_finite(condition, variable)}")
        elif len(pieces) > 1:
            body.append(f"{variable} = {_select(fw, printer, pieces, values, fallback)}")
        if fw.quiet_branches and any(condition is not None for _, condition in pieces):
            # every piece is computed on every entry before the where picks one: a piece
            # off its condition may divide by zero there (a pole on the condition's edge)
            opening = fw.quiet_branches.split("\n")
            body[start:] = [*opening, *("    " + line for line in body[start:])]
    except PrintMethodNotImplementedError as error:
        # SymPy's message is "Unsupported by <printer>: <function>\n<advice>": the name only
        function = str(error).splitlines()[0].rsplit(": ", 1)[-1]
        raise KLDeriveError(f"{fw.title} code cannot express {function} (in this {what})") from None
    unused = [
        n
        for n, s in zip(names, (s for _, s in inputs), strict=True)
        if s not in result.free_symbols
    ]
    if unused:
        zeros = " + ".join(fw.zeros_like(n) for n in unused)
        body.append(
            f"{variable} = {variable} + {zeros}  # {', '.join(unused)}: not in the {what}; "
            "keeps the shape"
        )
    if combine is not None:  # the coordinates' logarithms summed, then combined
        body.append(f"{variable} = {fw.reduce_call('sum', variable)}")
        body.append(f"return {printer.doprint(constants_as_floats(combine))}")
    else:
        body.append(
            f"return {variable}"
            if reduce == "none"
            else f"return {fw.reduce_call(reduce, variable)}"
        )

    returns = "product" if combine is not None else reduce
    docstring = _docstring(fw, renamed, names, returns, doc, what)
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


def _defined(result: Expr) -> Expr:
    """``result`` with kl-derive's named functions written out: ``NormalCDF(x)`` as
    ``erfc(-x/sqrt(2))/2`` (accurate in the lower tail), any other that knows its
    definition (``CrossingPoint``) by it."""

    def write_out(e: Expr) -> Expr:
        if type(e).__name__ == "NormalCDF":
            return erfc(-e.args[0] / sqrt(2)) / 2
        return e.rewritten()

    return result.replace(lambda e: callable(getattr(e, "rewritten", None)), write_out)


def _pieces(result: Expr, what: str) -> tuple[list[tuple[Expr, Expr | None]], Expr | None]:
    """The finite pieces of ``result`` with their conditions (``None``: always), and the
    condition-free last piece when it is finite (``None`` when the last piece is
    infinity). A result infinite for every parameter value, or an integral left
    unevaluated, has no code to write."""
    if result.has(Integral):
        raise KLDeriveError(
            f"the {what} has no closed form here (it stays an integral); there is no code to write"
        )
    if not isinstance(result, Piecewise):
        if result.has(oo, -oo, zoo, nan):
            raise KLDeriveError(
                f"the {what} is infinite for every value of the parameters; "
                "there is no code to write"
            )
        return [(result, None)], None
    pieces: list[tuple[Expr, Expr | None]] = []
    fallback = None
    for value, condition in result.args:
        if value in (oo, -oo) and condition == true:
            break
        if value.has(oo, -oo, zoo, nan):
            raise KLDeriveError(f"the {what} is piecewise in a way kl-derive code does not print")
        if condition == true:
            fallback = value
            break
        pieces.append((value, condition))
    if not pieces:
        return [(fallback, None)], None
    if fallback is not None:  # the last value is a piece of its own, the default of the select
        pieces.append((fallback, None))
    return pieces, fallback


def _select(fw: Framework, printer, pieces, values: list[str], fallback: Expr | None) -> str:
    """Nested ``where``: the first piece whose condition holds; infinity when none does
    (no condition-free last piece)."""
    pairs = list(zip(pieces, values, strict=True))
    if fallback is not None:
        text = pairs.pop()[1]
    else:
        (_, condition), value = pairs.pop()
        text = fw.where_finite(_condition_code(printer, condition), value)
    for (_, condition), value in reversed(pairs):
        text = fw.where_select(_condition_code(printer, condition), value, text)
    return text


def _condition_code(printer, condition: Expr) -> str:
    """A condition as elementwise array code: ``(a >= b) & (c <= d)``."""
    if isinstance(condition, Not):
        return f"~({_condition_code(printer, condition.args[0])})"
    if isinstance(condition, (And, Or)):
        joint = " & " if isinstance(condition, And) else " | "
        return joint.join(f"({_condition_code(printer, c)})" for c in condition.args)
    if isinstance(condition, Relational):
        lhs, rhs = (printer.doprint(constants_as_floats(x)) for x in condition.args)
        return f"{lhs} {condition.rel_op} {rhs}"
    raise KLDeriveError(f"cannot write the condition {condition} as array code")


def constants_as_floats(expr: Expr) -> Expr:
    """Constants such as ``log(2*pi)/2`` or Euler's constant as one decimal each: a
    framework function applied to a Python number (``tf.math.log(2)``) would make a tensor
    of the wrong type."""
    if expr.is_number and not expr.is_Rational and expr.is_real:
        return Float(expr.evalf(17), 17)
    if not expr.args or expr.is_Atom:
        return expr
    args = [constants_as_floats(a) for a in expr.args]
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


def _docstring(
    fw: Framework, result: Expr, names: list[str], reduce: str, doc: str, what: str
) -> str:
    summary = doc.strip() or f"The {what}, computed elementwise from its closed form."
    summary = "\n".join(textwrap.fill(line, width=88) for line in summary.split("\n"))
    formula = textwrap.fill(
        sstr(result), width=80, initial_indent="    ", subsequent_indent="        "
    )
    named = sorted(
        {
            e.func(Symbol("x")) if len(e.args) == 1 else e
            for e in result.atoms(Function)
            if callable(getattr(e, "rewritten", None))
        },
        key=sstr,
    )
    if named:  # kl-derive's own functions (NormalCDF, CrossingPoint), written out
        glossary = [sstr(e) + " = " + sstr(e.rewritten()) for e in named]
        formula += "\n\n    where\n" + "\n".join(
            textwrap.fill(g, width=80, initial_indent="    ", subsequent_indent="        ")
            for g in glossary
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
        textwrap.fill(
            _RETURNS[reduce].format(array=fw.array, what=what),
            width=88,
            initial_indent="    ",
            subsequent_indent="        ",
        ),
    ]
    return "\n".join(lines)
