"""``kl-derive code mixture``: bounds, approximations and a Monte-Carlo estimate of the KL
divergence between two mixtures of univariate normal laws, as functions.

The printed module holds

* ``gmm_kl_bounds(log_w_p, mu_p, s_p, log_w_q, mu_q, s_q, iterations=50)``: a dict with
  the product-coupling upper bound ``coupling`` (sum_ab w_a omega_b KL(f_a || g_b)),
  Hershey and Olsen's approximation ``variational`` (neither bound) and variational
  upper bound ``variational_upper`` (the coupling bound lowered by ``iterations`` of
  their alternating updates in log space; every round's coupling is a bound, the least
  is returned), and the bounds ``lower`` and ``upper`` of Durrieu, Thiran and Kelly (2012);
* ``gmm_kl_matched(log_w, mu_p, s_p, mu_q, s_q)``: the joint-convexity bound
  sum_a w_a KL(f_a || g_a) of two mixtures with the same weights;
* ``gmm_kl_monte_carlo(x, ...)``: the mean of log f(x) - log g(x) over samples ``x`` of
  f, and its standard error.

Mixtures are given by their log weights (``log_softmax`` of logits), means and scales in
the parametrization ``--param`` (``logvar`` by default, as ``kl-derive code``), every array
shaped ``(..., K)``; a batch of mixtures broadcasts. The elementwise pieces (the component
divergence from :func:`kl_derive.derive`, the Gaussian-product integral, the entropy and
the log density) are SymPy expressions printed by the framework's code printer and checked
against their textbook forms at random points before anything is printed; the
sums over components are log-sum-exps.
"""

from __future__ import annotations

import functools
import math
import random

from sympy import Expr, Rational, Symbol, expand_log, lambdify, log

from ..errors import KLDeriveError
from .convenience import PARAMETRIZATIONS
from .frameworks import Framework, get_framework, print_expr
from .source import module_source
from .univariate import constants_as_floats

__all__ = ["ITERATIONS", "SCALE_NAMES", "mixture_code", "mixture_pieces"]

#: the default rounds of the variational upper bound's updates
ITERATIONS = 50
#: the name of the scale argument in each parametrization (``_p`` / ``_q`` appended)
SCALE_NAMES = {"logvar": "logvar", "scale": "sigma", "variance": "var", "logscale": "log_sigma"}

MU_A, S_A, MU_B, S_B, X = (Symbol(n, real=True) for n in ("mu_a", "s_a", "mu_b", "s_b", "x"))


def _scale(param: str, s: Symbol) -> Expr:
    """sigma in the parametrization ``param``, read from PARAMETRIZATIONS' spec."""
    from sympy import exp, sqrt

    return {"logvar": exp(s / 2), "scale": s, "variance": sqrt(s), "logscale": exp(s)}[param]


def mixture_pieces(param: str) -> dict[str, Expr]:
    """The elementwise expressions in ``mu_a, s_a`` (component a) and ``mu_b, s_b``
    (component b), ``s`` the scale in ``param``: ``kl`` = KL(a || b) (derived by the
    engine), ``log_z`` = log of int f_a f_b, ``entropy`` = H(a), ``log_density`` = log f_a(x).
    """
    from sympy import pi

    from ..api import derive
    from ..symbolic.display import evaluate

    if param not in PARAMETRIZATIONS:
        known = ", ".join(PARAMETRIZATIONS)
        raise KLDeriveError(f"unknown parametrization {param!r} (choose from {known})")
    positive = param in ("scale", "variance")
    s_a = Symbol("s_a", positive=True) if positive else S_A
    s_b = Symbol("s_b", positive=True) if positive else S_B
    spec = {"logvar": "exp({s}/2)", "scale": "{s}", "variance": "sqrt({s})", "logscale": "exp({s})"}
    first = f"normal(mu_a, {spec[param].format(s='s_a')})"
    second = f"normal(mu_b, {spec[param].format(s='s_b')})"
    kl = evaluate(derive(first, second).result)
    names = {"mu_a": MU_A, "mu_b": MU_B, "s_a": s_a, "s_b": s_b}
    kl = kl.xreplace({sym: names[sym.name] for sym in kl.free_symbols})
    sa, sb = _scale(param, s_a), _scale(param, s_b)
    variance = sa**2 + sb**2
    log_z = -((MU_A - MU_B) ** 2) / (2 * variance) - log(2 * pi * variance) / 2
    entropy = expand_log(log(2 * pi * sa**2) / 2, force=True) + Rational(1, 2)
    log_density = -((X - MU_A) ** 2) / (2 * sa**2) - expand_log(log(2 * pi * sa**2), force=True) / 2
    back = {s_a: S_A, s_b: S_B}
    return {
        "kl": kl.xreplace(back),
        "log_z": expand_log(log_z, force=True).xreplace(back),
        "entropy": entropy.xreplace(back),
        "log_density": log_density.xreplace(back),
    }


def _check_pieces(pieces: dict[str, Expr], param: str) -> None:
    """Each piece equals its textbook form, written here in floats, at random points: the
    KL of two normal laws, the Gaussian-product integral N(mu_a; mu_b, sigma_a^2 +
    sigma_b^2), the entropy and the log density."""
    rng = random.Random(20261207)
    functions = {name: lambdify((MU_A, S_A, MU_B, S_B, X), e, "math") for name, e in pieces.items()}
    for _ in range(4):
        ma, mb, sa, sb, x = (rng.uniform(-2, 2) for _ in range(5))
        sig_a, sig_b = math.exp(rng.uniform(-1, 1)), math.exp(rng.uniform(-1, 1))
        inverse = {
            "logvar": lambda s: 2 * math.log(s),
            "scale": lambda s: s,
            "variance": lambda s: s * s,
            "logscale": math.log,
        }[param]
        sa, sb = inverse(sig_a), inverse(sig_b)
        v = sig_a**2 + sig_b**2
        expected = {
            "kl": math.log(sig_b / sig_a) + (sig_a**2 + (ma - mb) ** 2) / (2 * sig_b**2) - 0.5,
            "log_z": -((ma - mb) ** 2) / (2 * v) - math.log(2 * math.pi * v) / 2,
            "entropy": math.log(2 * math.pi * math.e * sig_a**2) / 2,
            "log_density": -((x - ma) ** 2) / (2 * sig_a**2) - math.log(2 * math.pi * sig_a**2) / 2,
        }
        for name, function in functions.items():
            got = function(ma, sa, mb, sb, x)
            if not math.isclose(got, expected[name], rel_tol=1e-11, abs_tol=1e-11):
                raise AssertionError(f"{name}: the printed {got} != {expected[name]}")


def _logsumexp(fw: Framework) -> list[str]:
    """The module's log-sum-exp helper over ``axis`` (the framework's own where it has one;
    NumPy's written out, finite where every term is -inf)."""
    body = {
        "numpy": [
            "top = np.max(x, axis=axis, keepdims=True)",
            "top = np.where(np.isfinite(top), top, 0.0)",
            "return np.log(np.sum(np.exp(x - top), axis=axis)) + np.squeeze(top, axis=axis)",
        ],
        "torch": ["return torch.logsumexp(x, dim=axis)"],
        "jax": ["return jax.nn.logsumexp(x, axis=axis)"],
        "tensorflow": ["return tf.reduce_logsumexp(x, axis=axis)"],
    }[fw.name]
    return ["def _logsumexp(x, axis):", *("    " + line for line in body)]


def mixture_code(framework: str = "numpy", param: str = "logvar") -> str:
    """The module source of ``gmm_kl_bounds``, ``gmm_kl_matched`` and
    ``gmm_kl_monte_carlo`` for ``framework``, scales given in ``param``."""
    fw = get_framework(framework)
    pieces = mixture_pieces(param)
    _check_pieces(pieces, param)
    printer = fw.printer()
    printed = {name: print_expr(printer, _floats(expr)) for name, expr in pieces.items()}
    s = SCALE_NAMES[param]
    m = fw.module
    sum_last = functools.partial(fw.reduce_call, "sum")  # over the last axis

    def pair(first: tuple[str, str], second: tuple[str, str]) -> list[str]:
        return [
            f"mu_a, s_a = {first[0]}[..., :, None], {first[1]}[..., :, None]",
            f"mu_b, s_b = {second[0]}[..., None, :], {second[1]}[..., None, :]",
        ]

    p_args, q_args = ("mu_p", f"{s}_p"), ("mu_q", f"{s}_q")
    bounds_body = [
        "# component pairs on the last two axes: (..., K, L) and (..., K, K)",
        *pair(p_args, q_args),
        f"kl_pq = {printed['kl']}",
        f"log_z_pq = {printed['log_z']}",
        *pair(p_args, p_args),
        f"kl_pp = {printed['kl']}",
        f"log_z_pp = {printed['log_z']}",
        f"mu_a, s_a = {p_args[0]}, {p_args[1]}",
        f"entropy = {printed['entropy']}",
        f"w_p = {m}.exp(log_w_p)",
        "log_w_a, log_w_b = log_w_p[..., None, :], log_w_q[..., None, :]",
        "self_kl = _logsumexp(log_w_a - kl_pp, -1)",
        "other_kl = _logsumexp(log_w_b - kl_pq, -1)",
        "self_z = _logsumexp(log_w_a + log_z_pp, -1)",
        "other_z = _logsumexp(log_w_b + log_z_pq, -1)",
        "log_phi = log_w_p[..., :, None] + log_w_q[..., None, :]  # the product coupling",
        "log_psi = log_phi",
        f"coupling = {sum_last(sum_last(f'{m}.exp(log_phi) * kl_pq'))}",
        "upper_bound = coupling",
        "for _ in range(iterations):",
        "    t = log_psi - kl_pq",
        "    log_phi = log_w_p[..., :, None] + t - _logsumexp(t, -1)[..., :, None]",
        "    log_psi = log_w_q[..., None, :] + log_phi - _logsumexp(log_phi, -2)[..., None, :]",
        "    value = " + sum_last(sum_last(f"{m}.exp(log_phi) * (log_phi - log_psi + kl_pq)")),
        f"    upper_bound = {m}.minimum(upper_bound, value)",
        "return {",
        '    "coupling": coupling,',
        f'    "variational": {sum_last("w_p * (self_kl - other_kl)")},',
        '    "variational_upper": upper_bound,',
        f'    "lower": {sum_last("w_p * (self_kl - other_z - entropy)")},',
        f'    "upper": {sum_last("w_p * (self_z - other_kl + entropy)")},',
        "}",
    ]
    matched_body = [
        f"mu_a, s_a, mu_b, s_b = {p_args[0]}, {p_args[1]}, {q_args[0]}, {q_args[1]}",
        f"kl = {printed['kl']}",
        "return " + sum_last(f"{m}.exp(log_w) * kl"),
    ]

    def log_mixture(args: tuple[str, str], log_w: str) -> list[str]:
        return [
            f"mu_a, s_a = {args[0]}[..., None, :], {args[1]}[..., None, :]",
            f"log_density = {log_w}[..., None, :] + ({printed['log_density']})",
        ]

    mc_body = [
        "x = x[..., :, None]  # samples on axis -2, components on axis -1",
        *log_mixture(p_args, "log_w_p"),
        "log_f = _logsumexp(log_density, -1)",
        *log_mixture(q_args, "log_w_q"),
        "log_g = _logsumexp(log_density, -1)",
        "ratio = log_f - log_g",
        f"n = {_count(fw)}",
        f"estimate = {fw.reduce_call('mean', 'ratio')}",
        f"spread = {sum_last('(ratio - estimate[..., None]) ** 2')} / (n - 1)",
        f"return estimate, {m}.sqrt(spread / n)",
    ]
    mixtures = [
        f"    log_w_p, mu_p, {s}_p: mixture P (f): log weights (log_softmax of logits), means and",
        f"        {_describe(param)} of its components, {fw.array}s of shape (..., K).",
        f"    log_w_q, mu_q, {s}_q: mixture Q (g), likewise, shape (..., L).",
    ]
    bounds_doc = "\n".join(
        [
            "Bounds and approximations of KL(f || g) for mixtures of univariate normal laws,",
            "derived and verified by kl-derive (kl-derive mixture): no closed form exists.",
            "",
            "    lower <= KL(f || g) <= variational_upper <= coupling,  KL(f || g) <= upper",
            "",
            "coupling: sum_ab w_a omega_b KL(f_a || g_b) (joint convexity, product coupling);",
            "variational: Hershey and Olsen's approximation (neither bound);",
            "variational_upper: their upper bound, the least coupling bound over `iterations`",
            "    alternating updates from the product coupling;",
            "lower, upper: Durrieu, Thiran and Kelly (2012), from int f_a g_b = N(mu_a; mu_b,",
            "    sigma_a^2 + sigma_b^2) and the components' entropies.",
            "",
            "Args:",
            *mixtures,
            "    iterations: rounds of the variational updates (a Python int).",
            "",
            "Returns:",
            f"    a dict of {fw.array}s of shape (...): coupling, variational, "
            "variational_upper, lower, upper.",
        ]
    )
    matched_doc = "\n".join(
        [
            "sum_a w_a KL(f_a || g_a) >= KL(f || g) when f and g share their weights w",
            "(joint convexity of KL with the matched coupling), derived by kl-derive.",
            "",
            "Args:",
            f"    log_w: the shared log weights, {fw.array} of shape (..., K).",
            f"    mu_p, {s}_p, mu_q, {s}_q: the components of f and g, in matching order",
            f"        ({_describe(param)}), shape (..., K).",
            "",
            "Returns:",
            f"    {fw.array} of shape (...).",
        ]
    )
    mc_doc = "\n".join(
        [
            "Monte-Carlo estimate of KL(f || g): the mean of log f(x) - log g(x) over samples",
            "x drawn from f, and its standard error (sample standard deviation / sqrt(n)).",
            "",
            "Args:",
            f"    x: samples of f, {fw.array} of shape (..., n), n >= 2.",
            *mixtures,
            "",
            "Returns:",
            f"    (estimate, standard_error), {fw.array}s of shape (...).",
        ]
    )
    imports = [*fw.imports, *fw.missing_imports(printer)]
    if framework == "jax":
        imports = ["import jax", *imports]
    mixture_params = ["log_w_p", "mu_p", f"{s}_p", "log_w_q", "mu_q", f"{s}_q"]
    parts = [
        *imports,
        "",
        "",
        *_logsumexp(fw),
        "",
        "",
        module_source(
            [],
            "gmm_kl_bounds",
            [*mixture_params, f"iterations={ITERATIONS}"],
            bounds_doc,
            bounds_body,
        ).lstrip("\n"),
        "",
        module_source(
            [],
            "gmm_kl_matched",
            ["log_w", "mu_p", f"{s}_p", "mu_q", f"{s}_q"],
            matched_doc,
            matched_body,
        ).lstrip("\n"),
        "",
        module_source([], "gmm_kl_monte_carlo", ["x", *mixture_params], mc_doc, mc_body).lstrip(
            "\n"
        ),
    ]
    return "\n".join(parts)


def _floats(expr: Expr) -> Expr:
    """The constant terms as one decimal, other constants (``log(2)``) likewise: a framework
    function applied to a Python number (``torch.log(2)``) fails or has the wrong type."""
    from sympy import Add, Float

    constant, rest = expr.as_independent(*expr.free_symbols, as_Add=True)
    rest = constants_as_floats(rest)
    if constant == 0:
        return rest
    return Add(*Add.make_args(rest), Float(constant.evalf(17), 17), evaluate=False)


def _count(fw: Framework) -> str:
    """The number of samples (the last axis of the ratio) as a float of its dtype."""
    return {
        "numpy": "ratio.shape[-1]",
        "torch": "ratio.shape[-1]",
        "jax": "ratio.shape[-1]",
        "tensorflow": "tf.cast(tf.shape(ratio)[-1], ratio.dtype)",
    }[fw.name]


def _describe(param: str) -> str:
    return {
        "logvar": "log variances",
        "scale": "standard deviations",
        "variance": "variances",
        "logscale": "log standard deviations",
    }[param]
