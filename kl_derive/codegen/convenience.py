"""Derive and print in one call: :func:`code_for`, what ``kl-derive code`` runs."""

from __future__ import annotations

import difflib
import keyword
import re

from sympy import (
    Add,
    Basic,
    Expr,
    Indexed,
    IndexedBase,
    Lambda,
    Mul,
    Piecewise,
    Pow,
    Product,
    Rational,
    Sum,
    Symbol,
    log,
    loggamma,
    oo,
    pi,
    sstr,
)

from ..errors import KLDeriveError
from .frameworks import get_framework
from .mvn import generate_mvn
from .univariate import REDUCTIONS, generate

__all__ = [
    "ADDITIVE",
    "BARE_FAMILIES",
    "DEFAULT_TERMS",
    "MVN_SPECS",
    "PARAMETRIZATIONS",
    "code_for",
    "derivation_inputs",
    "truncated",
]

#: the terms of an infinite series that ``code`` keeps unless told
DEFAULT_TERMS = 100

#: ``--param``: how a VAE encoder gives the scale, as the spec P it stands for.
PARAMETRIZATIONS: dict[str, str] = {
    "logvar": "normal(mu, exp(logvar/2))",
    "scale": "normal(mu, sigma)",
    "variance": "normal(mu, sqrt(var))",
    "logscale": "normal(mu, exp(logsigma))",
}

#: Bare family names that ``param`` completes (``"normal"`` -> ``normal(mu, exp(logvar/2))``).
BARE_FAMILIES = ("normal", "diag_normal")

#: A diagonal law against a multivariate normal is that KL with a diagonal covariance.
DIAGONAL_NOTE = (
    "# {which} is a diagonal Gaussian N(mu, diag(sigma**2)): pass its covariance as\n"
    "# S{n} = diag(sigma**2) (a diagonal matrix of the variances); the closed form is\n"
    "# the multivariate normal one, derived by kl-derive P Q.\n"
)
#: Specs that ask for the full-covariance multivariate normal (:func:`generate_mvn`).
MVN_SPECS = ("mvn", "multivariate_normal")

#: The divergences that add over independent coordinates (the divergence of a product
#: law is the sum of its coordinates'), so that ``reduce="sum"`` computes the divergence
#: of the row's product law; the others are printed per entry only (``reduce="none"``).
ADDITIVE = ("kl", "renyi", "bhattacharyya", "jeffreys", "wasserstein")


def code_for(
    spec_p: str | None = None,
    spec_q: str | None = None,
    *,
    framework: str = "numpy",
    param: str = "logvar",
    reduce: str | None = None,
    name: str | None = None,
    divergence: str = "kl",
    alpha: str | None = None,
    terms: int | None = None,
) -> str:
    """Derive ``KL(P || Q)`` with :func:`kl_derive.derive` and print it for ``framework``.

    ``divergence`` names another divergence of ``kl-derive divergences`` (``"renyi"``,
    ``"hellinger"``, ...), derived by :func:`kl_derive.divergence` (``alpha``: the Rényi
    order, a number or a symbol's name, which becomes an input); a conditional result is
    the framework's ``where`` on its conditions. ``reduce`` defaults to ``"sum"`` for a
    divergence that adds over independent coordinates (KL, Rényi, Bhattacharyya,
    Jeffreys, squared Wasserstein) and to ``"none"`` for the others, which refuse a sum.

    ``spec_p`` given with arguments (``"normal(m, exp(s))"``) is used as it is, and so is
    ``spec_q``; a bare ``"normal"`` (or ``None``) is P in the parametrization ``param``:
    ``"logvar"`` is ``normal(mu, exp(logvar/2))``, ``"scale"`` ``normal(mu, sigma)``,
    ``"variance"`` ``normal(mu, sqrt(var))``, ``"logscale"`` ``normal(mu, exp(logsigma))``;
    a bare ``"diag_normal"`` likewise. Q defaults to the standard member. A
    ``diag_normal`` KL (a sum over coordinates) is printed per coordinate, the
    coordinates on the last axis. ``"mvn"`` asks for :func:`generate_mvn` (full
    covariances; ``reduce`` and ``param`` do not apply).

    The function's parameters are the spec's symbols in the order they are written.
    A KL that is an infinite series (Kumaraswamy against beta) is printed truncated after
    ``terms`` terms (:data:`DEFAULT_TERMS` when ``None``), with the derived bound on the
    tail left out stated in the docstring; a KL derived only up to an integral has no
    code.

    Raises :class:`~kl_derive.errors.KLDeriveError` for a request that cannot be met.
    """
    get_framework(framework)
    if divergence != "kl":
        if terms is not None:
            raise KLDeriveError("--terms applies only to a KL written as an infinite series")
        return _divergence_code(spec_p, spec_q, framework, param, reduce, name, divergence, alpha)
    if alpha is not None:
        raise KLDeriveError("alpha is an option of the Rényi divergence (divergence='renyi')")
    reduce = "sum" if reduce is None else reduce
    if reduce not in REDUCTIONS:
        raise KLDeriveError(f"unknown reduction {reduce!r} (choose from {', '.join(REDUCTIONS)})")
    _check_param(param)

    if spec_p is not None and _is_mvn(spec_p) and spec_q is not None and _is_diag(spec_q):
        return DIAGONAL_NOTE.format(which="Q", n=2) + generate_mvn(
            framework, name=name or "mvn_kl_divergence"
        )
    if spec_p is not None and _is_diag(spec_p) and spec_q is not None and _is_mvn(spec_q):
        return DIAGONAL_NOTE.format(which="P", n=1) + generate_mvn(
            framework, name=name or "mvn_kl_divergence"
        )
    if spec_p is not None and _is_mvn(spec_p):
        if spec_q is not None and not _is_mvn(spec_q):
            raise KLDeriveError("a multivariate normal P needs a multivariate normal Q ('mvn')")
        return generate_mvn(framework, name=name or "mvn_kl_divergence")

    p = _completed(spec_p, param)
    from ..api import derive

    derivation = derive(p, spec_q)
    if derivation.p.family.name == "von_mises_fisher":  # vectors on the last axis
        from .vmf import vmf_code

        return vmf_code(derivation, framework, name)
    result, truncation = truncated(derivation, terms)
    if {derivation.p.family.name, derivation.q.family.name} & {"wishart", "normal_wishart"}:
        result = _written_out(result)
        if result is None:
            raise KLDeriveError(
                "code generation covers Wishart laws only with the scale matrices as lists "
                "(a fixed size p); the derivation itself is kl-derive P Q"
            )
    texts = [p, spec_q or ""]
    result, inputs = derivation_inputs(derivation, texts, result, per_coordinate=not truncation)
    doc = f"KL(P || Q) for P = {_describe(derivation.p)} and Q = {_describe(derivation.q)}."
    doc += truncation
    return generate(
        result,
        framework=framework,
        reduce=reduce,
        inputs=inputs,
        name=name or "kl_divergence",
        doc=doc,
    )


def _divergence_code(
    spec_p: str | None,
    spec_q: str | None,
    framework: str,
    param: str,
    reduce: str | None,
    name: str | None,
    divergence: str,
    alpha: str | None,
) -> str:
    """:func:`code_for` for a divergence other than KL."""
    from ..divergence_api import divergence as derive_divergence
    from ..divergences import get_divergence

    entry = get_divergence(divergence)
    additive = entry.name in ADDITIVE
    reduce = ("sum" if additive else "none") if reduce is None else reduce
    if reduce not in REDUCTIONS:
        raise KLDeriveError(f"unknown reduction {reduce!r} (choose from {', '.join(REDUCTIONS)})")
    if reduce != "none" and not additive:
        raise KLDeriveError(
            f"the {entry.summary} does not add over independent coordinates, so a {reduce} "
            "over the latent axis is not the distance of the row; use --reduce none"
        )
    p = _completed(spec_p, param)
    options = {} if alpha is None else {"alpha": alpha}
    derivation = derive_divergence(entry.name, p, spec_q, **options)
    if "multivariate_normal" in (derivation.p.family.name, derivation.q.family.name):
        raise KLDeriveError(
            f"no code for the {entry.summary} between full-covariance normals: it is derived "
            "for covariance matrices given as numbers, and its value is the result of "
            f"kl-derive {entry.name} P Q"
        )
    combine = None
    if derivation.result.has(Product):  # a product over coordinates (diagonal Gaussians)
        # not additive: reduce is "none" here, and each row's value is returned
        from .products import product_logarithms

        logarithms, combine = product_logarithms(derivation.result, entry.summary)
        result, inputs = derivation_inputs(derivation, [p, spec_q or ""], logarithms)
    else:
        result, inputs = derivation_inputs(derivation, [p, spec_q or ""])
    doc = (
        f"{entry.summary[0].upper()}{entry.summary[1:]} for P = {_describe(derivation.p)} "
        f"and Q = {_describe(derivation.q)}.\n\n{entry.definition}\nConvention: "
        f"{entry.convention}."
    )
    return generate(
        result,
        framework=framework,
        reduce=reduce,
        inputs=inputs,
        name=name or entry.quantity,
        doc=doc,
        what=entry.summary,
        variable="d",
        combine=combine,
    )


def _check_param(param: str) -> None:
    """A one-line error for a parametrization ``--param`` does not know."""
    if param not in PARAMETRIZATIONS:
        close = difflib.get_close_matches(param, list(PARAMETRIZATIONS), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(PARAMETRIZATIONS)
        raise KLDeriveError(f"unknown parametrization {param!r}{hint} (choose from {known})")


def _completed(spec_p: str | None, param: str) -> str:
    """P as it is derived: the spec as given, or a bare family (or ``None``: ``normal``)
    in the parametrization ``param``."""
    _check_param(param)
    p = spec_p if spec_p is not None else "normal"
    if p.strip() in BARE_FAMILIES:
        p = PARAMETRIZATIONS[param].replace("normal", p.strip(), 1)
    return p


def derivation_inputs(
    derivation, texts: list[str], result: Expr | None = None, per_coordinate: bool = True
) -> tuple[Expr, list[tuple[str, Symbol]]]:
    """A derivation's result as code reads it (one coordinate of a ``diag_normal`` sum,
    symbols a scale forces positive made positive) and the function's inputs: the
    specs' symbols in the order ``texts`` (the specs as written) show them."""
    distributions = [derivation.p, derivation.q]
    result = derivation.result if result is None else result
    if per_coordinate:
        result = _per_coordinate(result)

    # a symbol that a scale argument forces to be positive is positive (log(var) splits)
    positive = {
        symbol.name
        for dist in distributions
        for parameter, arg in zip(dist.family.parameters, dist.user_args, strict=True)
        if parameter.domain == "positive"
        for symbol in _implied_positive(_plain(arg))
    }
    result = result.xreplace(
        {s: Symbol(s.name, positive=True) for s in result.free_symbols if s.name in positive}
    )

    ordered: list[str] = []
    for dist, text in zip(distributions, texts, strict=True):
        # in the order written; a bare law's parameters in the family's order (mu, kappa)
        rank = {}
        for i, arg in enumerate(dist.user_args):
            for symbol in _plain(arg).free_symbols:
                rank.setdefault(symbol.name, i)
        found = set(rank) - set(ordered)
        ordered.extend(sorted(found, key=lambda n: (_position(n, text), rank[n], n)))
    ordered.extend(sorted({s.name for s in result.free_symbols} - set(ordered)))
    # a name that is a Python keyword (a rate lambda) gets a trailing underscore
    inputs = [
        (n + "_" if keyword.iskeyword(n) else n, _matching(result, n, n in positive))
        for n in ordered
    ]
    return result, inputs


def _written_out(result: Expr) -> Expr | None:
    """A Wishart result of a fixed size with the multivariate gamma and digamma functions
    written out as sums of log-gamma and digamma terms (``None`` in a symbolic size)."""
    from ..symbolic.matrices import MultiDigamma, MultiGamma

    found = result.atoms(MultiGamma, MultiDigamma)
    if any(not f.args[1].is_Integer for f in found):
        return None
    # log Gamma_p(a) = p(p - 1)/4 log pi + sum_j log Gamma(a - (j - 1)/2), in log-gamma
    logs = {
        log(f): Rational(p * (p - 1), 4) * log(pi)
        + Add(*[loggamma(a - Rational(j - 1, 2)) for j in range(1, p + 1)])
        for f in result.atoms(MultiGamma)
        for a, p in [(f.args[0], int(f.args[1]))]
    }
    result = result.xreplace(logs)
    return result.xreplace({f: f.doit() for f in result.atoms(MultiGamma, MultiDigamma)})


def truncated(derivation, terms: int | None) -> tuple[Expr, str]:
    """The derived KL with an infinite series cut after ``terms`` terms, and the sentences
    that say so (with the derivation's bound on what is left out); the KL as it is when
    it has no series. A KL left as an integral is refused in one line."""
    from sympy import Integral, oo

    result = derivation.result
    if result.has(Integral):
        raise KLDeriveError(
            f"KL({derivation.p.family.name} || {derivation.q.family.name}) has no closed form; "
            "kl-derive P Q derives it up to one integral, and gives its value when the "
            "parameters are numbers"
        )
    series = [s for s in result.atoms(Sum) if s.limits[0][2] == oo]
    if not series:
        if terms is not None:
            raise KLDeriveError("--terms applies only to a KL written as an infinite series")
        return result, ""
    count = DEFAULT_TERMS if terms is None else terms
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise KLDeriveError(f"the number of terms must be a positive integer, not {terms!r}")
    cut = {s: Sum(s.function, (s.limits[0][0], s.limits[0][1], count)) for s in series}
    bound = next(
        (stage.params["bound"] for stage in derivation.stages if stage.key.startswith("kl_series")),
        None,
    )
    note = f"\n\nThe series is kept to its first {count} terms."
    if bound is not None:
        value = bound.xreplace({stage_terms(derivation): count})
        note += (
            f" What is left out changes the KL by at most {sstr(value)} (a bound derived "
            "by kl-derive: Gamma(b) a**b exp(a b/(a + M + 1)) M**(-b) times the "
            "coefficient of the series)."
        )
    import textwrap

    return result.xreplace(cut), "\n\n" + textwrap.fill(note.strip(), width=80)


def stage_terms(derivation) -> Symbol:
    """The symbol of the number of terms in the derivation's series stage."""
    return next(
        stage.params["terms"] for stage in derivation.stages if stage.key.startswith("kl_series")
    )


def _is_diag(spec: str) -> bool:
    """A diagonal Gaussian, by its name or PyTorch's ``independent(normal(...), 1)``."""
    text = spec.strip().replace(" ", "")
    return text.split("(", 1)[0] in ("diag_normal", "diag_gaussian", "diagonal_normal") or (
        text.split("(", 1)[0] in ("independent", "Independent")
        and text.split("(", 2)[1:2] in (["normal"], ["gaussian"], ["Normal"])
    )


def _is_mvn(spec: str) -> bool:
    """A multivariate normal, written bare (``mvn``) or with arguments: its code takes the
    means and covariances as arrays, whatever names the spec gives them."""
    text = spec.strip()
    return text in MVN_SPECS or text.split("(", 1)[0].strip() in MVN_SPECS


def _per_coordinate(result: Expr) -> Expr:
    """The KL of one coordinate, for a family of independent coordinates (``diag_normal``).

    Such a KL is derived as ``Sum(f(mu[j], sigma[j]), (j, 1, d))`` (plus multiples of
    ``d``); the generated code computes ``f`` elementwise, with arrays ``mu`` and
    ``sigma`` whose last axis holds the coordinates, and ``--reduce sum`` sums them. A
    result without such sums is returned as it is.
    """
    result = _infinite_per_coordinate(result)
    sums = [s for s in result.atoms(Sum)]
    if not sums:
        return result
    limits = {s.limits for s in sums}
    if len(limits) != 1 or len(next(iter(limits))) != 1:
        raise KLDeriveError("the KL is not one sum over the coordinates; cannot print it")
    ((index, lower, upper),) = next(iter(limits))
    if lower != 1 or not isinstance(upper, Symbol):
        raise KLDeriveError("the KL is not one sum over the coordinates; cannot print it")
    # total = sum_j f_j + c*d holds for every d only if it vanishes at d = 0
    if result.xreplace({upper: 0}).doit() != 0:
        raise KLDeriveError("the KL does not split into per-coordinate terms; cannot print it")
    elementwise = result.replace(lambda e: isinstance(e, Sum), lambda e: e.function)
    elementwise = elementwise.xreplace({upper: 1})
    indexed = {e: _coordinate_symbol(e) for e in elementwise.atoms(Indexed)}
    if any(e.indices != (index,) for e in indexed):
        raise KLDeriveError("the KL mixes coordinates; cannot print it elementwise")
    elementwise = elementwise.xreplace(indexed)
    if index in elementwise.free_symbols:
        raise KLDeriveError("the KL depends on the coordinate's number; cannot print it")
    return elementwise


def _infinite_per_coordinate(result: Expr) -> Expr:
    """``{sum_j f_j if C_j (for every j); oo otherwise}`` as ``sum_j {f_j if C_j; oo
    otherwise}``: the same value (one infinite term makes the sum infinite), one term per
    coordinate (a Rényi divergence between diagonal Gaussians)."""
    if not (
        isinstance(result, Piecewise)
        and len(result.args) == 2
        and result.args[1] == (oo, True)
        and isinstance(result.args[0][0], Sum)
    ):
        return result
    (total, condition), _ = result.args
    index = total.limits[0][0]
    if index not in condition.free_symbols:
        return result
    term = Piecewise((total.function, condition), (oo, True))
    return Sum(term, *total.limits)


def _coordinate_symbol(element: Indexed) -> Symbol:
    """``sigma[j]`` as the array ``sigma``, with ``sigma[j]``'s assumptions."""
    if element.is_positive:
        return Symbol(element.base.label.name, positive=True)
    return (
        Symbol(element.base.label.name, real=True)
        if element.is_real
        else Symbol(element.base.label.name)
    )


def _plain(arg: Expr) -> Expr:
    """An argument as written: ``Lambda(j, exp(logvar[j]/2))`` is ``exp(logvar/2)`` and the
    vector ``IndexedBase('mu')`` is ``mu``."""
    if isinstance(arg, Lambda):
        arg = arg.expr
    if isinstance(arg, IndexedBase):
        return arg.label
    if isinstance(arg, Basic):
        return arg.replace(lambda e: isinstance(e, Indexed), lambda e: e.base.label)
    return arg


def _implied_positive(arg: Expr) -> set[Symbol]:
    """Symbols that must be positive for ``arg`` (a scale) to be: ``sigma``, ``sqrt(var)``,
    ``1/tau``, ``2*s``; nothing for ``exp(s)``, nor for ``s**2`` whose sign is free."""
    if isinstance(arg, Symbol):
        return {arg}
    if (
        isinstance(arg, Pow)
        and arg.exp.is_Rational
        and not (arg.exp.is_Integer and arg.exp.is_even)
    ):
        return _implied_positive(arg.base)
    if isinstance(arg, Mul):
        coeff, rest = arg.as_coeff_Mul()
        if coeff.is_positive and not isinstance(rest, Mul):
            return _implied_positive(rest)
    return set()


def _position(name: str, text: str) -> int:
    match = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)
    return match.start() if match else len(text)


def _matching(result: Expr, name: str, positive: bool) -> Symbol:
    """The symbol named ``name`` as it occurs in ``result`` (assumptions included); for an
    input that does not enter the KL, a new symbol."""
    for symbol in result.free_symbols:
        if symbol.name == name:
            return symbol
    return Symbol(name, positive=True) if positive else Symbol(name, real=True)


def _describe(dist: object) -> str:
    family = dist.family.name  # type: ignore[attr-defined]
    if family in ("wishart", "normal_wishart") and dist.spec:  # type: ignore[attr-defined]
        return dist.spec  # type: ignore[attr-defined]  # lists, as the user wrote them
    args = ", ".join(sstr(_plain(a)) for a in dist.user_args)  # type: ignore[attr-defined]
    through = getattr(dist.family, "canonical", None)  # type: ignore[attr-defined]
    if through is not None:  # transformed(P, f)
        return through(f"{dist.family.base.name}({args})")  # type: ignore[attr-defined]
    return f"{family}({args})"
