"""Deciding whether a loss line is the KL term, finding a counterexample, naming the mistake.

A line with a structural form ``sum_j f(mu_j, x_j, d)`` (see
:mod:`kl_derive.check.semantics`) equals ``sum_j kl(mu_j, x_j)`` for every latent
dimension and every vector exactly when ``f - kl`` is identically zero (for a fixed d,
vary one coordinate: the difference is a constant c(d) with d * c(d) = 0), so equality
is decided coordinate by coordinate: first numerically at a few random points (30
significant digits), which refutes quickly, and then symbolically (``expand_log`` and
``expand``, then ``simplify``), which proves. A line
without a structural form (it multiplies reductions, say) is compared numerically on
random vectors only, and the report says so.

An incorrect line gets a counterexample, a small latent vector (d = 2 first) where the
line and the KL differ, with both values, and the first mistake of
:func:`kl_derive.check.mistakes.catalogue` that it equals; failing that, it is tested for
a constant factor or a constant offset per coordinate.
"""

from __future__ import annotations

import difflib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .mistakes import DESCRIPTIONS, SPECS, Mistake, Pieces, catalogue, reference
from .names import PARAMS, resolve_names, suggested_param
from .parse import CheckInputError, Node, variables
from .report import CheckReport
from .semantics import (
    INDEX,
    D,
    Form,
    Indexed,
    NonLinear,
    Red,
    Symbols,
    Vec,
    display,
    display_form,
    has_small_constants,
    resolve,
    structural,
    symbols_for,
)

__all__ = ["check_tree", "prove_zero", "same_form"]

_PROVED, _NUMERIC, _DIFFERENT = "proved", "numeric", "different"
_DIGITS = 30
_TOLERANCE = 1e-12
_POINTS = 6
_SEED = 20240601

#: Where each parametrization's scale value is sampled: (low, high) in hundredths.
_RANGES = {
    "logvar": (-150, 150),
    "scale": (20, 250),
    "variance": (10, 300),
    "logscale": (-100, 100),
}
#: The first counterexample tried: mu = [0.5, -1.0, 0.2] and a scale vector per param.
_MU = (sp.Rational(1, 2), sp.Integer(-1), sp.Rational(1, 5))
_X = {
    "logvar": (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(1, 2)),
    "scale": (sp.Rational(4, 5), sp.Rational(3, 2), sp.Rational(6, 5)),
    "variance": (sp.Rational(3, 5), sp.Integer(2), sp.Rational(6, 5)),
    "logscale": (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(1, 4)),
}


# --------------------------------------------------------------------------- numbers


#: Values of the free symbols: ``Symbol -> number`` and ``(IndexedBase, k) -> number``.
Env = dict[Any, Any]


class _Undefined(Exception):
    """The expression has no finite real value at the point."""


def _as(value: Any, precise: bool) -> Any:
    return mpmath.mpf(value) if precise else float(value)


def _walk(expr: sp.Basic, env: Env, precise: bool) -> Any:
    """The value of ``expr`` at ``env``, in machine floats or in 30-digit mpmath numbers.

    The walk reads the tree and never builds SymPy objects: substituting numbers into an
    expression (``xreplace``) lets SymPy's automatic evaluation run, which for an
    expression such as ``Abs(logvar**mu + (-1)**logvar)**2`` does not finish.
    """
    if expr.is_Symbol:
        if expr not in env:
            raise _Undefined
        return _as(env[expr], precise)
    if expr.is_Number or expr.is_NumberSymbol:
        if expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            return mpmath.mpf(p) / q if precise else p / q
        if not expr.is_finite or not expr.is_real:
            raise _Undefined
        return mpmath.mpf(str(sp.N(expr, _DIGITS))) if precise else float(expr)
    if isinstance(expr, sp.Indexed):
        key = (expr.base, int(_walk(expr.indices[0], env, False)))
        if key not in env:
            raise _Undefined
        return _as(env[key], precise)
    if isinstance(expr, sp.Sum):
        index, low, high = expr.limits[0]
        first, last = int(_walk(low, env, False)), int(_walk(high, env, False))
        total = mpmath.mpf(0) if precise else 0.0
        for k in range(first, last + 1):
            total += _walk(expr.function, {**env, index: k}, precise)
        return total
    values = [_walk(arg, env, precise) for arg in expr.args]
    if isinstance(expr, sp.Add):
        result = mpmath.fsum(values) if precise else math.fsum(values)
    elif isinstance(expr, sp.Mul):
        result = values[0]
        for value in values[1:]:
            result *= value
    elif isinstance(expr, sp.Pow):
        base, exponent = values
        if base == 0 and exponent < 0:
            raise _Undefined
        result = base**exponent
    elif isinstance(expr, sp.exp):
        result = mpmath.exp(values[0]) if precise else math.exp(values[0])
    elif isinstance(expr, sp.log):
        if values[0] <= 0:
            raise _Undefined
        result = mpmath.log(values[0]) if precise else math.log(values[0])
    elif isinstance(expr, sp.Abs):
        result = abs(values[0])
    else:
        raise _Undefined
    if isinstance(result, (complex, mpmath.mpc)):
        raise _Undefined
    if not precise and not math.isfinite(result):
        raise _Undefined
    return result


def _value(expr: sp.Basic, env: Env) -> float | None:
    """The real value of ``expr`` at ``env`` (30 significant digits), or None if undefined.

    Machine floats go first: an expression such as ``exp(exp(exp(exp(exp(mu)))))`` has no
    float value, and evaluating it to 30 digits would not finish.
    """
    try:
        with mpmath.workdps(_DIGITS):
            _walk(expr, env, False)
            value = float(_walk(expr, env, True))
    except (_Undefined, ValueError, OverflowError, ZeroDivisionError, TypeError):
        return None
    return value if math.isfinite(value) else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _TOLERANCE * max(1.0, abs(a), abs(b))


def _coordinate_points(symbols: Symbols) -> list[Env]:
    """Random points (mu, x, d) for coordinate-wise comparisons; always the same ones."""
    rng = random.Random(_SEED)
    low, high = _RANGES[symbols.param]
    with mpmath.workdps(_DIGITS):
        return [
            {
                symbols.mu: mpmath.mpf(rng.randint(-200, 200)) / 100,
                symbols.x: mpmath.mpf(rng.randint(low, high)) / 100,
                D: (1, 2, 3, 5, 7, 4)[i % 6],
            }
            for i in range(_POINTS)
        ]


def _vectors(symbols: Symbols) -> list[tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]]:
    """Latent vectors (mu, x) for counterexamples: the fixed ones first, then random ones."""
    mu, x = _MU, _X[symbols.param]
    fixed = [(mu[:2], x[:2]), (mu, x), (mu[:1], x[:1])]
    rng = random.Random(_SEED)
    low, high = _RANGES[symbols.param]
    randoms = []
    for n in (2, 3, 4, 1, 2, 3):
        randoms.append(
            (
                tuple(sp.Rational(rng.randint(-200, 200), 100) for _ in range(n)),
                tuple(sp.Rational(rng.randint(low, high), 100) for _ in range(n)),
            )
        )
    return fixed + randoms


# --------------------------------------------------------------------------- equality


#: Largest estimated number of terms an expansion may produce before a proof is attempted.
_MAX_TERMS = 4000


def _terms(expr: sp.Basic) -> int:
    """An upper estimate of the number of terms ``expand`` makes of ``expr`` (capped)."""
    if isinstance(expr, sp.Add):
        return min(sum(_terms(arg) for arg in expr.args), _MAX_TERMS + 1)
    if isinstance(expr, sp.Mul):
        return min(math.prod(_terms(arg) for arg in expr.args), _MAX_TERMS + 1)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and int(expr.exp) > 1:
        base, power = _terms(expr.base), int(expr.exp)
        if base == 1:
            return 1
        if base > _MAX_TERMS or power > _MAX_TERMS:
            return _MAX_TERMS + 1
        # the monomials of a k-term sum to the n-th power: C(n + k - 1, k - 1)
        return min(math.comb(power + base - 1, base - 1), _MAX_TERMS + 1)
    inner = max((_terms(arg) for arg in expr.args), default=1)
    return inner if inner > _MAX_TERMS else 1


def prove_zero(expr: sp.Expr) -> bool:
    """Whether SymPy shows ``expr`` is identically zero (sound under the symbols' assumptions).

    An expression whose expansion would be huge is not attempted (the answer is False).
    """
    if expr == 0:
        return True
    if _terms(expr) > _MAX_TERMS:
        return False
    for transform in (lambda e: sp.expand(sp.expand_log(e, deep=True)), sp.simplify):
        try:
            if transform(expr) == 0:
                return True
        except Exception:  # pragma: no cover - a SymPy failure is not a proof
            continue
    return False


def same_form(a: Form, b: Form, symbols: Symbols) -> str:
    """``"proved"``, ``"numeric"`` (equal at every test point, no proof) or ``"different"``."""
    if type(a) is not type(b):
        return _DIFFERENT
    defined = 0
    for point in _coordinate_points(symbols):
        u, v = _value(a.expr, point), _value(b.expr, point)
        if u is None and v is None:
            continue
        if u is None or v is None or not _close(u, v):
            return _DIFFERENT
        defined += 1
    if not defined:
        return _DIFFERENT
    return _PROVED if prove_zero(a.expr - b.expr) else _NUMERIC


def _evaluate(
    expr: sp.Expr, indexed: Indexed, mu: Sequence[sp.Expr], x: Sequence[sp.Expr]
) -> float | list[float | None] | None:
    """A display expression at a concrete latent vector: a float, or a list for a vector."""
    n = len(mu)
    env: Env = {D: n}
    with mpmath.workdps(_DIGITS):
        for k in range(n):
            env[(indexed.mu, k + 1)] = _exact(mu[k])
            env[(indexed.x, k + 1)] = _exact(x[k])
    if INDEX in expr.free_symbols:
        return [_value(expr, {**env, INDEX: k + 1}) for k in range(n)]
    return _value(expr, env)


def _exact(value: sp.Expr) -> Any:
    """A point's coordinate as an mpmath number (30 digits) that floats also accept."""
    return mpmath.mpf(int(value.p)) / int(value.q)


def _same_on_vectors(a: sp.Expr, b: sp.Expr, indexed: Indexed, symbols: Symbols) -> bool:
    """Whether two display expressions agree on every test vector (numerically)."""
    defined = 0
    for mu, x in _vectors(symbols):
        u, v = _evaluate(a, indexed, mu, x), _evaluate(b, indexed, mu, x)
        if isinstance(u, list) or isinstance(v, list):
            if not (isinstance(u, list) and isinstance(v, list)):
                return False
            pairs = list(zip(u, v, strict=True))
        else:
            pairs = [(u, v)]
        for p, q in pairs:
            if p is None and q is None:
                continue
            if p is None or q is None or not _close(p, q):
                return False
            defined += 1
    return defined > 0


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class _Context:
    param: str
    symbols: Symbols
    indexed: Indexed
    mu_name: str
    x_name: str
    kl: sp.Expr

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.param].format(mu=self.mu_name, x=self.x_name)

    @property
    def derivation(self) -> str:
        return f'kl-derive "{SPECS[self.param]}" --to latex'


def _check_param(param: str) -> str:
    if param in PARAMS:
        return param
    close = difflib.get_close_matches(str(param), PARAMS, n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise CheckInputError(
        f"unknown parametrization {param!r}{hint} (choose from {', '.join(PARAMS)})"
    )


def _check_against(against: str) -> None:
    from ..errors import SpecError
    from ..spec import parse_spec

    try:
        spec = parse_spec(against)
    except SpecError as error:
        raise CheckInputError(str(error)) from None
    if spec.family.lower() != "normal" or spec.args:
        raise CheckInputError(
            f"check supports the encoder family 'normal' (with prior N(0, I)), not {against!r}; "
            "give the scale's parametrization with param="
        )


def check_tree(
    tree: Node,
    *,
    against: str = "normal",
    param: str = "logvar",
    names: Mapping[str, str] | None = None,
    hint: bool = True,
) -> CheckReport:
    """Check a parsed loss line (see :func:`kl_derive.check.check_loss`)."""
    param = _check_param(param)
    _check_against(against)
    used = variables(tree)
    roles = resolve_names(used, param, names)
    symbols = symbols_for(param)
    mu_name = _name_for("mu", roles, names, "mu")
    x_name = _name_for("scale", roles, names, symbols.x.name)
    ctx = _Context(
        param, symbols, Indexed.named(symbols, mu_name, x_name), mu_name, x_name, reference(param)
    )
    resolved = resolve(tree)
    user_display = display(resolved, roles, ctx.indexed)
    reference_display = display_form(Red(ctx.kl), symbols, ctx.indexed)
    if user_display.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise CheckInputError("the loss line is undefined (it divides by zero)")
    try:
        form: Form | None = structural(resolved, roles, symbols)
    except NonLinear:
        form = None

    if form is not None:
        verdict = same_form(form, Red(ctx.kl), symbols)
    else:
        verdict = (
            _NUMERIC
            if _same_on_vectors(user_display, reference_display, ctx.indexed, symbols)
            else _DIFFERENT
        )
    ignored: tuple[str, ...] = ()
    matching_form = form
    if verdict == _DIFFERENT and form is not None and (small := has_small_constants(resolved)):
        stripped = structural(resolved, roles, symbols, drop_small=True)
        stripped_verdict = same_form(stripped, Red(ctx.kl), symbols)
        matching_form = stripped
        if stripped_verdict != _DIFFERENT:
            verdict, ignored = stripped_verdict, tuple(small)

    role_names = {"mu": mu_name, "scale": x_name}
    suggestion = suggested_param(x_name) if "scale" in roles.values() else None
    common: dict[str, Any] = {
        "user_expr": user_display,
        "reference": reference_display,
        "param": param,
        "names": role_names,
        "derivation": ctx.derivation,
    }

    if verdict != _DIFFERENT:
        message = f"correct: equals {ctx.description} summed over the latent axis"
        if ignored:
            message = (
                f"correct up to the stabilising constant{'s' if len(ignored) > 1 else ''} "
                f"{', '.join(ignored)}: equals {ctx.description} summed over the latent axis"
            )
        if verdict == _NUMERIC:
            message += " (checked numerically; SymPy did not finish a symbolic proof)"
        message += f"; derivation: {ctx.derivation}"
        if suggestion is not None and suggestion != param:
            message += f" (note: {x_name!r} is read as {_MEANING[param]} since param={param!r})"
        return CheckReport(
            equal=True,
            message=message,
            mistake=None,
            counterexample=None,
            proved=verdict == _PROVED,
            ignored_constants=ignored,
            suggested_param=suggestion if suggestion != param else None,
            **common,
        )

    mistake, proved = _find_mistake(matching_form, user_display, ctx)
    counterexample = _counterexample(user_display, reference_display, ctx)
    if mistake is not None:
        message = f"incorrect ({mistake.title}): {mistake.explanation}"
    else:
        message = (
            f"incorrect: not {ctx.description} summed over the latent axis, "
            "nor one of the usual mistakes"
        )
    if counterexample is not None:
        message += f"; {_describe_counterexample(counterexample, ctx)}"
    other = None
    if hint and suggestion is not None and suggestion != param:
        try:
            if check_tree(tree, against=against, param=suggestion, names=names, hint=False).equal:
                other = suggestion
        except CheckInputError:  # pragma: no cover - same tree, another reading
            other = None
    if other is not None:
        message += f"; with param={other!r} (as the name {x_name!r} suggests) the line is correct"
    return CheckReport(
        equal=False,
        message=message,
        mistake=None if mistake is None else mistake.id,
        counterexample=counterexample,
        proved=proved,
        explanation=None if mistake is None else mistake.explanation,
        suggested_param=other,
        **common,
    )


_MEANING = {
    "logvar": "the log-variance",
    "scale": "the standard deviation",
    "variance": "the variance",
    "logscale": "the log standard deviation",
}


def _name_for(
    role: str, roles: Mapping[str, str], names: Mapping[str, str] | None, default: str
) -> str:
    for name, value in roles.items():
        if value == role:
            return name
    if names:
        keys = ("mu", "mean", "loc") if role == "mu" else ("scale", "sigma", *PARAMS)
        for key in keys:
            if key in names:
                return names[key]
    return default


# --------------------------------------------------------------------------- mistakes


def _find_mistake(
    form: Form | None, user_display: sp.Expr, ctx: _Context
) -> tuple[Mistake | None, bool]:
    """The first catalogue mistake the line equals, and whether that was proved."""
    entries = catalogue(ctx.param, ctx.mu_name, ctx.x_name)
    if form is None:
        for entry in entries:
            mistaken = display_form(entry.form, ctx.symbols, ctx.indexed)
            if _same_on_vectors(user_display, mistaken, ctx.indexed, ctx.symbols):
                return entry, False
        return None, False
    for entry in entries:
        verdict = same_form(form, entry.form, ctx.symbols)
        if verdict != _DIFFERENT:
            return entry, verdict == _PROVED
    if isinstance(form, Vec):
        return (
            Mistake(
                "missing_sum",
                "the result is still a vector over the latent axis: the sum over it is missing "
                "(and the per-coordinate terms are not the KL either)",
                form,
            ),
            True,
        )
    return _generic(form, ctx)


def _generic(form: Form, ctx: _Context) -> tuple[Mistake | None, bool]:
    """A constant factor or a constant offset per coordinate, if that is what is wrong."""
    points = _coordinate_points(ctx.symbols)
    ratios, offsets = [], []
    for point in points:
        u, v = _value(form.expr, point), _value(ctx.kl, point)
        if u is None or v is None:
            return None, False
        ratios.append(u / v if v else math.nan)
        offsets.append(u - v)
    right = f"the KL is {_right(ctx)}"
    if all(math.isfinite(r) and _close(r, ratios[0]) for r in ratios) and ratios[0] != 0:
        factor = sp.nsimplify(ratios[0], rational=True, tolerance=1e-12)
        candidate = Red(factor * ctx.kl)
        verdict = same_form(form, candidate, ctx.symbols)
        if verdict != _DIFFERENT:
            text = f"the line is {factor} times the KL; {right}"
            return Mistake("wrong_factor", text, candidate), verdict == _PROVED
    if all(_close(o, offsets[0]) for o in offsets):
        offset = sp.nsimplify(offsets[0], rational=True, tolerance=1e-12)
        candidate = Red(ctx.kl + offset)
        verdict = same_form(form, candidate, ctx.symbols)
        if verdict != _DIFFERENT:
            text = (
                f"each latent coordinate is off by the constant {offset} (is a 1 missing or "
                f"extra?); {right}"
            )
            return Mistake("constant_offset", text, candidate), verdict == _PROVED
    return None, False


def _right(ctx: _Context) -> str:
    p = Pieces.of(ctx.param, ctx.symbols.x, ctx.x_name)
    return f"0.5 * sum({ctx.mu_name}**2 + {p.variance_text} - {p.log_variance_text} - 1)"


# --------------------------------------------------------------------------- counterexamples


def _counterexample(
    user_display: sp.Expr, reference_display: sp.Expr, ctx: _Context
) -> dict[str, Any] | None:
    """A small latent vector where the line and the KL differ, with both values."""
    fallback: dict[str, Any] | None = None
    for mu, x in _vectors(ctx.symbols):
        user = _evaluate(user_display, ctx.indexed, mu, x)
        correct = _evaluate(reference_display, ctx.indexed, mu, x)
        if not isinstance(correct, float):  # pragma: no cover - the KL is defined everywhere
            continue
        example = {
            "d": len(mu),
            "values": {ctx.mu_name: [float(v) for v in mu], ctx.x_name: [float(v) for v in x]},
            "user": user,
            "correct": correct,
        }
        if isinstance(user, list):
            return example
        if user is None:
            fallback = fallback or example
            continue
        if not _close(user, correct):
            return example
    return fallback


def _format(value: float | list[float | None] | None) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, list):
        return "the vector [" + ", ".join(_format(v) for v in value) + "]"
    return f"{value:.6g}"


def _describe_counterexample(example: Mapping[str, Any], ctx: _Context) -> str:
    values = ", ".join(f"{name}={vector}" for name, vector in example["values"].items())
    return (
        f"at {values} the line gives {_format(example['user'])} but the KL is "
        f"{_format(example['correct'])}"
    )
