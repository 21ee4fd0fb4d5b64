"""``kl-derive code mixture``: the printed Gaussian-mixture bounds, run.

The NumPy module is executed for real; the torch, JAX and TensorFlow modules on NumPy
stand-ins of the calls they make (none of the frameworks is a test dependency). Every
value is compared with numerics written here: SciPy quadrature of the two mixture
densities with logsumexp (the true KL: lower <= KL <= variational_upper <= coupling,
KL <= upper), and :func:`kl_derive.mixture` (the same closed forms, derived and verified
by the engine).
"""

from __future__ import annotations

import math
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import console_script
from scipy import integrate, special, stats

from kl_derive.codegen.mixture import mixture_code

PARAMS = {
    "logvar": lambda sigma: 2 * np.log(sigma),
    "scale": lambda sigma: sigma,
    "variance": lambda sigma: sigma**2,
    "logscale": np.log,
}


def _stand_ins() -> dict[str, dict[str, object]]:
    def reducer(function):
        return lambda a, dim=None, axis=None: function(a, axis=dim if axis is None else axis)

    common = {n: getattr(np, n) for n in ("exp", "log", "sqrt", "minimum", "pi")}
    torch_like = SimpleNamespace(
        **common,
        sum=reducer(np.sum),
        mean=reducer(np.mean),
        logsumexp=reducer(special.logsumexp),
    )
    tf_like = SimpleNamespace(
        **common,
        math=SimpleNamespace(exp=np.exp, log=np.log),
        reduce_sum=reducer(np.sum),
        reduce_mean=reducer(np.mean),
        reduce_logsumexp=reducer(special.logsumexp),
        shape=np.shape,
        cast=lambda value, dtype: np.asarray(value, dtype=float),
    )
    jax_like = SimpleNamespace(nn=SimpleNamespace(logsumexp=reducer(special.logsumexp)))
    return {
        "numpy": {},
        "torch": {"torch": torch_like},
        "jax": {"jnp": np, "jax": jax_like},
        "tensorflow": {"tf": tf_like},
    }


def _load(framework: str, param: str) -> dict[str, object]:
    source = mixture_code(framework, param)
    lines = source.splitlines()
    if framework != "numpy":
        lines = [line for line in lines if not line.startswith("import ")]
    namespace: dict[str, object] = {"np": np, **_stand_ins()[framework]}
    exec(compile("\n".join(lines), f"generated-{framework}", "exec"), namespace)  # our own code
    return namespace


def _random_mixture(rng: np.random.Generator, k: int) -> tuple[np.ndarray, ...]:
    w = rng.dirichlet(np.full(k, 2.0))
    return w, rng.uniform(-3, 3, k), np.exp(rng.uniform(-1, 0.8, k))


def _log_mixture(x, w, mu, sigma):
    return special.logsumexp(
        np.log(w)[None, :] + stats.norm.logpdf(np.asarray(x)[..., None], mu, sigma), axis=-1
    )


def _quadrature_kl(f, g) -> float:
    """KL(f || g) by adaptive quadrature over the whole line, split at the components'
    means (the integrand taken as 0 where f underflows)."""

    def log_density(x: float, w, mu, sigma) -> float:
        terms = [
            math.log(wi) - (x - m) ** 2 / (2 * s * s) - math.log(s) - 0.5 * math.log(2 * math.pi)
            for wi, m, s in zip(w, mu, sigma, strict=True)
        ]
        top = max(terms)
        return top + math.log(sum(math.exp(t - top) for t in terms))

    def integrand(x: float) -> float:
        log_f = log_density(x, *f)
        if log_f < -740:  # f underflows to 0 and f log(f/g) with it
            return 0.0
        return math.exp(log_f) * (log_f - log_density(x, *g))

    lo = min(f[1] - 12 * f[2])
    hi = max(f[1] + 12 * f[2])
    points = sorted(set(np.round(f[1], 9)))
    value, error = integrate.quad(integrand, lo, hi, points=points, limit=400, epsabs=1e-12)
    assert error < 1e-6
    return value, error


def _args(f, g, param):
    to = PARAMS[param]
    return (np.log(f[0]), f[1], to(f[2]), np.log(g[0]), g[1], to(g[2]))


@pytest.mark.parametrize("param", list(PARAMS))
def test_bounds_hold_at_random_mixtures(param: str) -> None:
    code = _load("numpy", param)
    rng = np.random.default_rng({"logvar": 1, "scale": 2, "variance": 3, "logscale": 4}[param])
    for _ in range(6):
        f = _random_mixture(rng, int(rng.integers(1, 4)))
        g = _random_mixture(rng, int(rng.integers(1, 4)))
        truth, error = _quadrature_kl(f, g)
        got = {k: float(v) for k, v in code["gmm_kl_bounds"](*_args(f, g, param)).items()}
        slack = 1e-9 + 2 * error
        assert got["lower"] <= truth + slack, (got, truth)
        assert truth <= got["variational_upper"] + slack, (got, truth)
        assert got["variational_upper"] <= got["coupling"] + slack
        assert truth <= got["upper"] + slack, (got, truth)


def test_values_equal_the_derivation() -> None:
    """The printed functions give the closed forms kl-derive mixture derives (its
    mixture_facts, from the engine's component divergences; and its variational upper
    bound with the same number of rounds)."""
    from kl_derive.mixture_laws import bind_mixtures
    from kl_derive.mixture_numbers import ITERATIONS, mixture_facts

    def bounds(p: str, q: str) -> dict[str, float]:
        return mixture_facts(*bind_mixtures(p, q), 2).numbers

    code = _load("numpy", "scale")
    p = "mixture([1/4, 3/4], [normal(-1, 1/2), normal(3/2, 2)])"
    q = "mixture([1/3, 1/6, 1/2], [normal(0, 1), normal(2, 3/4), normal(-2, 3/2)])"
    numbers = bounds(p, q)
    f = (np.array([0.25, 0.75]), np.array([-1.0, 1.5]), np.array([0.5, 2.0]))
    g = (np.array([1 / 3, 1 / 6, 0.5]), np.array([0.0, 2.0, -2.0]), np.array([1.0, 0.75, 1.5]))
    got = code["gmm_kl_bounds"](*_args(f, g, "scale"), iterations=ITERATIONS)
    for name in ("coupling", "variational", "variational_upper", "lower", "upper"):
        assert float(got[name]) == pytest.approx(numbers[name], rel=1e-10, abs=1e-12), name
    # matched weights: sum_a w_a KL(f_a || g_a), the coupling bound kl-derive derives then
    q2 = "mixture([1/4, 3/4], [normal(0, 1), normal(2, 3/4)])"
    matched = bounds(p, q2)["coupling"]
    value = code["gmm_kl_matched"](
        np.log(f[0]), f[1], f[2], np.array([0.0, 2.0]), np.array([1.0, 0.75])
    )
    assert float(value) == pytest.approx(matched, rel=1e-12)


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
def test_every_framework_computes_the_same_batch(framework: str) -> None:
    """A batch of 4 mixtures (K = 3 against L = 2) on the leading axis: each row equals
    the NumPy module's value for that mixture alone."""
    reference = _load("numpy", "logvar")
    code = _load(framework, "logvar")
    rng = np.random.default_rng(11)
    rows = [(_random_mixture(rng, 3), _random_mixture(rng, 2)) for _ in range(4)]
    batched = [
        np.stack(column) for column in zip(*(_args(f, g, "logvar") for f, g in rows), strict=True)
    ]
    got = code["gmm_kl_bounds"](*batched)
    for i, (f, g) in enumerate(rows):
        alone = reference["gmm_kl_bounds"](*_args(f, g, "logvar"))
        for name, value in alone.items():
            assert np.shape(got[name]) == (4,)
            assert got[name][i] == pytest.approx(float(value), rel=1e-12, abs=1e-13)
    x = rng.normal(size=(4, 50))
    estimate, error = code["gmm_kl_monte_carlo"](x, *batched)
    assert np.shape(estimate) == np.shape(error) == (4,)


def test_monte_carlo_within_a_few_standard_errors() -> None:
    code = _load("numpy", "logscale")
    rng = np.random.default_rng(2026)
    for _ in range(4):
        f, g = _random_mixture(rng, 3), _random_mixture(rng, 2)
        n = 40000
        component = rng.choice(len(f[0]), size=n, p=f[0])
        x = rng.normal(f[1][component], f[2][component])
        estimate, error = code["gmm_kl_monte_carlo"](x, *_args(f, g, "logscale"))
        ratio = _log_mixture(x, *f) - _log_mixture(x, *g)
        assert float(error) == pytest.approx(ratio.std(ddof=1) / np.sqrt(n), rel=1e-9)
        assert abs(float(estimate) - _quadrature_kl(f, g)[0]) < 4 * float(error)


@pytest.mark.slow
def test_the_command_line() -> None:
    script = console_script()
    done = subprocess.run(
        [script, "code", "mixture", "--framework", "torch", "--param", "scale"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("import torch\n")
    assert "def gmm_kl_bounds(log_w_p, mu_p, sigma_p, log_w_q, mu_q, sigma_q" in done.stdout
    assert "torch.log(2)" not in done.stdout  # a framework function of a Python number
    compile(done.stdout, "generated", "exec")
    for args, message in (
        (["--framework", "mxnet"], "unknown framework 'mxnet'"),
        (["--param", "precision"], "unknown parametrization 'precision'"),
    ):
        bad = subprocess.run(
            [script, "code", "mixture", *args], capture_output=True, text=True, timeout=120
        )
        assert bad.returncode == 2 and message in bad.stderr
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
