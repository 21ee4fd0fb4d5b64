"""``kl-derive code estimators P Q``: the closed forms ``kl-derive estimators P Q`` derives
(KL, the variance of each estimator, the bias of k2) as a function of the laws' parameters,
for choosing a sample size (the standard error of an average of n samples of k is
sqrt(Var k / n)). Var k3 is infinite outside its chi-square condition (printed as the
framework's ``where``). The printed NumPy function is executed and compared with the
derivation's own closed forms at pseudo-random parameters before anything is printed.
"""

from __future__ import annotations

import keyword
import math
import random

from sympy import Expr, Mul, Piecewise, Symbol, gamma, lambdify, log, oo

from ..errors import KLDeriveError
from .frameworks import get_framework, print_expr
from .source import module_source

__all__ = ["QUANTITIES", "estimator_moments_code"]

#: what the function returns, in order
QUANTITIES = ("kl", "var_k1", "var_k2", "var_k3", "bias_k2")


def _quantities(facts) -> dict[str, Expr]:
    values = {
        "kl": facts.kl,
        "var_k1": facts.variance["k1"],
        "var_k2": facts.variance["k2"],
        "var_k3": facts.variance["k3"],
        "bias_k2": facts.bias_k2,
    }
    return {k: _through_log_gamma(_log_of_powers(v)) for k, v in values.items()}


def _through_log_gamma(value: Expr) -> Expr:
    """Gamma(x) as exp(log Gamma(x)) and b^e (b positive, e symbolic) as exp(e log b), so
    that a product of them (E_q[r^2] of two gamma laws) is one exponential of a sum of
    log-gamma terms: printed with the framework's log-gamma (array-valued, where
    ``math.gamma`` is not) and free of the overflow of Gamma(a) b^a at large shapes."""
    from sympy import Pow, exp, expand_log, loggamma

    if not value.has(gamma):
        return value
    # the logarithm of a product of Gamma functions and powers: a sum of log-gammas
    value = value.replace(
        lambda x: isinstance(x, log) and x.args[0].has(gamma),
        lambda x: expand_log(x, force=True),
    )
    value = value.replace(
        lambda x: isinstance(x, log) and isinstance(x.args[0], gamma),
        lambda x: loggamma(x.args[0].args[0]),
    )
    value = value.replace(lambda x: isinstance(x, gamma), lambda x: exp(loggamma(x.args[0])))
    value = value.replace(
        lambda x: (
            isinstance(x, Pow)
            and x.base.is_positive
            and not x.base.is_number
            and not x.exp.is_number
        ),
        lambda x: exp(x.exp * log(x.base)),
    )
    return value.replace(lambda x: isinstance(x, Mul), _one_exponential)


def _one_exponential(product: Expr) -> Expr:
    """e^a e^b c as e^(a + b) c: one exponential of the sum of the logarithms."""
    from sympy import Add, exp

    powers = [f for f in product.args if isinstance(f, exp)]
    if len(powers) < 2:
        return product
    rest = [f for f in product.args if not isinstance(f, exp)]
    return Mul(*rest, exp(Add(*(f.args[0] for f in powers))))


def _log_of_powers(value: Expr) -> Expr:
    """log(b^e) as e log(b) for a positive b: (l1/l2)^l1 overflows long before its log."""
    return value.replace(
        lambda x: isinstance(x, log) and x.args[0].is_Pow and x.args[0].base.is_positive,
        lambda x: x.args[0].exp * log(x.args[0].base),
    )


def _body(
    framework: str, values: dict[str, Expr], names: dict[Symbol, Symbol]
) -> tuple[list[str], list[str]]:
    """The function's lines for ``framework`` and the imports its printer found it needs."""
    spec = get_framework(framework)
    printer = spec.printer()
    lines = []
    for name, value in values.items():
        value = value.xreplace(names)
        if value is oo:
            raise KLDeriveError("Var k3 is infinite at these laws: nothing to compute")
        if isinstance(value, Piecewise):
            (inner, condition), _ = value.args
            code = spec.where_finite(print_expr(printer, condition), print_expr(printer, inner))
            if spec.quiet_branches:
                # the finite piece is computed on every entry before the where picks it:
                # off its condition it takes the log of a negative number there
                opening = spec.quiet_branches.split("\n")
                lines += [*opening, f"    {name} = {code}"]
                continue
        else:
            code = print_expr(printer, value)
        lines.append(f"{name} = {code}")
    lines.append("return " + ", ".join(values))
    return lines, [*spec.imports, *spec.missing_imports(printer)]


def estimator_moments_code(framework: str, p: str, q: str) -> str:
    """The module source of ``kl_estimator_moments(<parameters>)``."""
    from ..companions import estimator_closed_forms, estimators

    # refused by their form before the derivation that verifies them is paid for
    _check_printable(_quantities(estimator_closed_forms(p, q)))
    values = _quantities(estimators(p, q).facts)
    symbols = sorted(set().union(*(v.free_symbols for v in values.values())), key=str)
    names = {
        s: Symbol(f"{s}_" if keyword.iskeyword(str(s)) else str(s), **s.assumptions0)
        for s in symbols
    }
    params = [str(names[s]) for s in symbols]
    checked = _body("numpy", values, names)
    _check(checked, values, symbols, params)
    body, imports = checked if framework == "numpy" else _body(framework, values, names)
    docstring = "\n".join(
        [
            f"The closed forms derived by kl-derive estimators {p!r} {q!r}:",
            "KL(q || p), Var k1, Var k2, Var k3 (infinite outside its chi-square",
            "condition) and the bias of k2, for samples drawn from q. The standard error",
            "of an average of n samples of k is sqrt(Var k / n).",
        ]
    )
    return module_source(imports, "kl_estimator_moments", params, docstring, body)


def _check_printable(values: dict[str, Expr]) -> None:
    """Refuse, in one line, closed forms this module does not print."""
    symbols = set().union(*(v.free_symbols for v in values.values()))
    if not symbols:
        raise KLDeriveError(
            "the laws have no symbolic parameters: kl-derive estimators prints their values"
        )
    if any(v.has(gamma) for v in values.values()):
        # the printers write Gamma as math.gamma, a scalar function: the code would fail
        # on arrays (every Gamma is rewritten through log-gamma by _quantities)
        raise KLDeriveError("code estimators cannot print these closed forms' Gamma function")


def _check(numpy_code: tuple[list[str], list[str]], values, symbols, params) -> None:
    """Run the NumPy function (its lines and imports) at pseudo-random parameters against
    the closed forms."""
    import numpy as np

    lines, imports = numpy_code
    source = "\n".join(lines)
    code = "def f({}):\n{}".format(
        ", ".join(params), "\n".join("    " + x for x in source.split("\n"))
    )
    namespace: dict = {"np": np}
    for line in imports:
        exec(line, namespace)
    exec(code, namespace)
    rng = random.Random(0)
    exact = {k: lambdify(symbols, v, "mpmath") for k, v in values.items()}
    checked = 0
    for _ in range(40):
        point = [_draw(s, rng) for s in symbols]
        try:
            expected = [complex(exact[k](*point)) for k in QUANTITIES]
        except (ValueError, ZeroDivisionError, TypeError):
            continue  # outside the laws' parameter sets
        if any(math.isnan(e.real) or abs(e.imag) > 1e-12 for e in expected):
            continue
        with np.errstate(all="ignore"):
            got = namespace["f"](*point)
        for g, e in zip(got, expected, strict=True):
            if math.isinf(e.real):
                ok = math.isinf(float(g))
            else:
                ok = math.isclose(float(g), e.real, rel_tol=1e-9, abs_tol=1e-12)
            if not ok:
                raise AssertionError(f"the printed function disagrees: {float(g)} != {e.real}")
        checked += 1
    if checked < 5:
        raise AssertionError("too few parameter values to check the printed function at")


def _draw(symbol: Symbol, rng: random.Random) -> float:
    """A value for a parameter: in (0, 1) for a probability-like name, positive for a
    positive symbol, else real."""
    if symbol.is_positive:
        return rng.choice([rng.uniform(0.05, 0.95), rng.uniform(0.2, 4.0)])
    return rng.uniform(-2.0, 2.0)
