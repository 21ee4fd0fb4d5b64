"""Von Mises-Fisher laws on the sphere (issue 17): entropy, cross-entropy, vMF || vMF and
vMF || uniform, in a symbolic dimension p and with explicit mean directions.

The derived results are evaluated here with SciPy's Bessel function (``scipy.special.iv``)
for C_p and A_p, and compared with references that use nothing of kl-derive: SciPy's
``vonmises_fisher`` (its closed-form entropy, its ``logpdf``, its sampler, which is
Wood's algorithm), a tensor Gauss-Legendre quadrature of the densities over S^2 in
spherical coordinates, SciPy's circular ``vonmises`` at p = 2, and the kl-derive von
Mises pair on the circle. A wrong step is refused by the verifier.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import run_module
from render_checks import assert_renders
from scipy import integrate, special, stats
from sympy import MatrixSymbol, Tuple

import kl_derive
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.symbolic.sphere import Inner, MeanResultant, SphereArea, VMFNormalizer

VMF1 = "von_mises_fisher(mu, kappa_1)"
VMF2 = "von_mises_fisher(nu, kappa_2)"


def _unit(rng: np.random.Generator, p: int) -> np.ndarray:
    v = rng.normal(size=p)
    return v / np.linalg.norm(v)


def _number(expr, p: int, kappas: dict[str, float], vectors: dict[str, np.ndarray]) -> float:
    """The derived expression at numbers: C_p, A_p, |S^{p-1}| by SciPy's iv and gamma."""

    def vector(v):
        return np.array([float(x) for x in v]) if isinstance(v, Tuple) else vectors[str(v.name)]

    def c(kappa):
        return kappa ** (p / 2 - 1) / ((2 * math.pi) ** (p / 2) * special.iv(p / 2 - 1, kappa))

    def a(kappa):
        return special.iv(p / 2, kappa) / special.iv(p / 2 - 1, kappa)

    values = {s: kappas[s.name] for s in expr.free_symbols if s.name in kappas}
    expr = expr.xreplace(values)
    mapping = {}
    for e in expr.atoms(Inner, VMFNormalizer, MeanResultant, SphereArea):
        if isinstance(e, Inner):
            mapping[e] = float(vector(e.args[0]) @ vector(e.args[1]))
        elif isinstance(e, VMFNormalizer):
            mapping[e] = c(float(e.args[1]))
        elif isinstance(e, MeanResultant):
            mapping[e] = a(float(e.args[1]))
        else:
            mapping[e] = 2 * math.pi ** (p / 2) / math.gamma(p / 2)
    from sympy import Symbol

    expr = expr.xreplace(mapping).xreplace({Symbol("p", integer=True, positive=True): p})
    return float(expr.evalf(30))


def _s2_quadrature(f, nodes: int = 160) -> float:
    """The integral of ``f(x)`` (x an array of points, shape (..., 3)) over S^2 in spherical
    coordinates: Gauss-Legendre in cos(theta), the trapezoid rule in phi."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    phi = np.linspace(0, 2 * np.pi, 2 * nodes, endpoint=False)
    tt, pp = np.meshgrid(t, phi, indexing="ij")
    s = np.sqrt(1 - tt**2)
    x = np.stack([s * np.cos(pp), s * np.sin(pp), tt], axis=-1)
    return float(np.sum(w[:, None] * f(x)) * (2 * np.pi / (2 * nodes)))


def _kl_quadrature(mu1, k1, mu2, k2) -> float:
    q, p = stats.vonmises_fisher(mu1, k1), stats.vonmises_fisher(mu2, k2)

    def f(x):
        flat = x.reshape(-1, 3)
        lq, lp = q.logpdf(flat), p.logpdf(flat)
        return (np.exp(lq) * (lq - lp)).reshape(x.shape[:-1])

    return _s2_quadrature(f)


def test_the_density_is_scipys() -> None:
    """The density the derivation states is SciPy's at p = 3 and p = 5."""
    from kl_derive.families.von_mises_fisher import FAMILY, point
    from kl_derive.symbolic.display import evaluate

    rng = np.random.default_rng(3)
    for p in (3, 5):
        mu, kappa, x = _unit(rng, p), 1.7, _unit(rng, p)
        density = evaluate(FAMILY.density(point(p), (Tuple(*mu), kappa)))
        got = _number(density.xreplace({point(p): Tuple(*x)}), p, {}, {})
        ref = stats.vonmises_fisher(mu, kappa).pdf(x)
        assert got == pytest.approx(float(ref), rel=1e-10)


@pytest.mark.slow
def test_entropy_matches_scipy_in_several_dimensions() -> None:
    d = kl_derive.entropy(VMF1)
    assert all(step.check == "sphere" for step in d.steps)
    assert d.instance_sizes == (2, 3, 4, 7)
    rng = np.random.default_rng(17)
    for p in (2, 3, 4, 5, 9):
        for _ in range(2):
            mu, kappa = _unit(rng, p), float(rng.uniform(0.1, 30))
            got = _number(d.result, p, {"kappa_1": kappa}, {"mu": mu})
            ref = float(stats.vonmises_fisher(mu, kappa).entropy())
            assert got == pytest.approx(ref, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_kl_matches_quadrature_on_s2_and_monte_carlo() -> None:
    d = kl_derive.derive(VMF1, VMF2)
    assert d.strategy == "mean resultant"
    rng = np.random.default_rng(29)
    for _ in range(4):
        mu, nu = _unit(rng, 3), _unit(rng, 3)
        k1, k2 = (float(v) for v in rng.uniform(0.2, 12, size=2))
        got = _number(d.result, 3, {"kappa_1": k1, "kappa_2": k2}, {"mu": mu, "nu": nu})
        assert got == pytest.approx(_kl_quadrature(mu, k1, nu, k2), rel=1e-8, abs=1e-10)
    # p = 6 by Monte Carlo with SciPy's sampler (Wood's algorithm)
    mu, nu, k1, k2 = _unit(rng, 6), _unit(rng, 6), 4.0, 2.5
    q, p = stats.vonmises_fisher(mu, k1), stats.vonmises_fisher(nu, k2)
    x = q.rvs(400_000, random_state=np.random.default_rng(5))
    ratio = q.logpdf(x) - p.logpdf(x)
    error = ratio.std(ddof=1) / math.sqrt(len(ratio))
    got = _number(d.result, 6, {"kappa_1": k1, "kappa_2": k2}, {"mu": mu, "nu": nu})
    assert abs(got - ratio.mean()) < 5 * error
    # the same mean direction: Inner(mu, mu) = 1; the same law: zero
    same = kl_derive.derive("von_mises_fisher(mu, a)", "von_mises_fisher(mu, b)")
    value = _number(same.result, 4, {"a": 3.0, "b": 3.0}, {"mu": _unit(rng, 4)})
    assert value == pytest.approx(0, abs=1e-12)


@pytest.mark.slow
def test_p2_is_the_von_mises_pair() -> None:
    """On the circle vMF_2 is the von Mises law of the angle: the kl-derive von Mises pair
    and SciPy's circular law by quadrature give the same numbers."""
    d = kl_derive.derive(VMF1, VMF2)
    circle = kl_derive.derive("von_mises(a, k1)", "von_mises(b, k2)")
    a, b, k1, k2 = 0.7, -2.1, 3.3, 1.2
    got = _number(
        d.result,
        2,
        {"kappa_1": k1, "kappa_2": k2},
        {"mu": np.array([math.cos(a), math.sin(a)]), "nu": np.array([math.cos(b), math.sin(b)])},
    )
    names = {"a": a, "b": b, "k1": k1, "k2": k2}
    other = float(circle.result.xreplace({s: names[s.name] for s in circle.result.free_symbols}))
    q, p = stats.vonmises(k1, loc=a), stats.vonmises(k2, loc=b)
    ref, _ = integrate.quad(
        lambda t: q.pdf(t) * (q.logpdf(t) - p.logpdf(t)), a - math.pi, a + math.pi, epsabs=1e-13
    )
    assert got == pytest.approx(ref, rel=1e-9) and other == pytest.approx(ref, rel=1e-9)


@pytest.mark.slow
def test_against_the_uniform_law_and_the_cross_entropy() -> None:
    rng = np.random.default_rng(41)
    uniform = kl_derive.derive(VMF1, "uniform_sphere")
    cross = kl_derive.cross_entropy(VMF1, VMF2)
    for p in (2, 3, 5):
        mu, nu, k1, k2 = _unit(rng, p), _unit(rng, p), 2.7, 0.9
        entropy = float(stats.vonmises_fisher(mu, k1).entropy())
        log_area = math.log(2) + p / 2 * math.log(math.pi) - math.lgamma(p / 2)
        got = _number(uniform.result, p, {"kappa_1": k1}, {"mu": mu})
        assert got == pytest.approx(log_area - entropy, rel=1e-9)
        x = stats.vonmises_fisher(mu, k1).rvs(300_000, random_state=np.random.default_rng(p))
        minus_log = -stats.vonmises_fisher(nu, k2).logpdf(x)
        error = minus_log.std(ddof=1) / math.sqrt(len(x))
        got = _number(cross.result, p, {"kappa_1": k1, "kappa_2": k2}, {"mu": mu, "nu": nu})
        assert abs(got - minus_log.mean()) < 5 * error


@pytest.mark.slow
def test_explicit_vectors_at_p3_are_elementary() -> None:
    d = kl_derive.derive("von_mises_fisher([0, 0, 1], k1)", "von_mises_fisher([3/5, 0, 4/5], k2)")
    text = d.render("text")
    assert "sinh" in text and "coth" in text and "I_" not in d.render("latex").split("Result")[-1]
    assert d.steps[-1].rule == "vmf.elementary"
    k1, k2 = 2.2, 5.1
    got = _number(d.result, 3, {"k1": k1, "k2": k2}, {})
    ref = _kl_quadrature(np.array([0, 0, 1.0]), k1, np.array([0.6, 0, 0.8]), k2)
    assert got == pytest.approx(ref, rel=1e-9)
    # numbers throughout, and p = 4 written with Bessel functions of whole order
    four = kl_derive.derive("von_mises_fisher([0, 0, 1, 0], 2)", "uniform_sphere(4)")
    mu4 = np.array([0, 0, 1.0, 0])
    ref4 = math.log(2 * math.pi**2) - float(stats.vonmises_fisher(mu4, 2).entropy())
    assert float(four.result.evalf(30)) == pytest.approx(ref4, rel=1e-10)
    # a large concentration: verified (no overflow in the quadrature) and right
    sharp = kl_derive.derive("von_mises_fisher([0, 0, 1], 1000)", "uniform_sphere")
    ref = math.log(4 * math.pi) - float(stats.vonmises_fisher([0, 0, 1], 1000).entropy())
    assert float(sharp.result.evalf(30)) == pytest.approx(ref, rel=1e-10)
    # a name takes the size of the list it is compared with
    named = kl_derive.derive("von_mises_fisher(m, 3)", "von_mises_fisher([0, 1], 1)")
    assert isinstance(named.p.args[0], MatrixSymbol) and named.p.args[0].shape == (2, 1)


@pytest.mark.slow
def test_a_wrong_step_is_refused() -> None:
    from kl_derive.engine import verify_draft
    from kl_derive.spec import parse_spec
    from kl_derive.strategies.vmf_moments import derive
    from kl_derive.symbolic.convert import bind_pair

    first, second = bind_pair(parse_spec(VMF1), parse_spec(VMF2), None)
    draft = derive(first, second)
    verify_draft(draft)  # as drafted: true
    index = next(i for i, s in enumerate(draft.stages) if s.key == "vmf_mean")
    stage = draft.stages[index]
    for k, changed in (
        # the mean of mu^T x as A_p(kappa) + 1e-6, and along nu without the cosine
        (0, lambda step: step.after + 1e-6),
        (1, lambda step: step.after.args[0] if step.after.args else step.after),
    ):
        chain = stage.chains[k]
        (step,) = chain.steps
        wrong = replace(step, after=changed(step))
        chains = list(stage.chains)
        chains[k] = replace(chain, steps=(wrong,))
        stages = list(draft.stages)
        stages[index] = replace(stage, chains=tuple(chains))
        with pytest.raises(VerificationError):
            verify_draft(replace(draft, stages=tuple(stages)))


def test_pairs_and_families_list_it() -> None:
    pairs = run_module(["pairs"])
    assert "von_mises_fisher || von_mises_fisher" in pairs.stdout
    assert "von_mises_fisher || uniform_sphere" in pairs.stdout
    families = run_module(["families"])
    assert "von_mises_fisher(loc, concentration)" in families.stdout
    assert "uniform_sphere(dimension)" in families.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["von_mises_fisher([1, 1], 2)", "uniform_sphere"], "unit vector"),
        (["von_mises_fisher([0, 0, 1], -2)", "uniform_sphere"], "positive"),
        (["von_mises_fisher([0, 0, 1], 2)", "uniform_sphere(4)"], "coordinates"),
        (["von_mises_fisher([[1, 0], [0, 1]], 2)", "uniform_sphere"], "vector"),
        (["von_mises_fisher([a, b], 2)", "uniform_sphere"], "numbers"),
        (["von_mises_fisher(mu, exp(k))", "uniform_sphere"], "name or a number"),
        (["von_mises_fisher(mu)", "uniform_sphere"], "takes 2 arguments"),
        (["von_mises_fisher(mu, k)", "uniform_sphere(1)"], "uniform_sphere(p)"),
        (["von_mises_fisher(mu, k)", "uniform_sphere(q)"], "uniform_sphere(p)"),
        (["von_mises_fisher(mu, k)"], "standard member"),
        (["von_mises_fisher(mu, k)", "normal"], "not derivable"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = run_module(args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr, done.stderr
    with pytest.raises(KLDeriveError):
        kl_derive.derive(*args)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang: str, tmp_path, monkeypatch) -> None:
    sample = {
        "vmf": ("kl", VMF1, VMF2, {}),
        "vmf-p3": ("kl", "von_mises_fisher([0, 0, 1], k1)", "von_mises_fisher(nu, k2)", {}),
        "vmf-uniform": ("kl", "von_mises_fisher([0, 0, 1, 0], 2)", "uniform_sphere", {}),
        "vmf-entropy": ("entropy", VMF1, None, {}),
    }
    assert_renders(sample, lang, tmp_path, monkeypatch)


def _stand_ins(framework: str) -> dict:
    """NumPy/SciPy under the names each framework's code uses."""
    from types import SimpleNamespace as NS

    def summed(keyword: str):
        return lambda x, **kw: np.sum(x, axis=kw[keyword])

    common = {"log": np.log, "exp": np.exp, "tanh": np.tanh, "log1p": np.log1p}
    if framework == "torch":
        torch = NS(**common, sum=summed("dim"), special=NS(i0e=special.i0e, i1e=special.i1e))
        return {"torch": torch}
    if framework == "tensorflow":
        math_ = NS(**common, bessel_i0e=special.i0e, bessel_i1e=special.i1e)
        return {"tf": NS(math=math_, reduce_sum=summed("axis"), tanh=np.tanh)}
    if framework == "jax":
        return {"jnp": np, "jax": NS(scipy=NS(special=special))}
    return {}


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax", "tensorflow"])
@pytest.mark.slow
def test_code_runs_and_matches_the_references(framework: str) -> None:
    from kl_derive.codegen.convenience import code_for

    rng = np.random.default_rng(11)
    cases = [  # (P, Q, p): a symbolic p for SciPy only; p = 2 and 3 everywhere
        ("von_mises_fisher(mu, kappa_1)", "von_mises_fisher(nu, kappa_2)", (3, 5)),
        ("von_mises_fisher(mu, kappa_1)", "uniform_sphere", (4,)),
    ]
    explicit = [
        ("von_mises_fisher(mu, kappa_1)", "von_mises_fisher([0, 0, 1], kappa_2)", 3),
        ("von_mises_fisher(mu, kappa_1)", "von_mises_fisher([0.6, 0.8], kappa_2)", 2),
        ("von_mises_fisher([0.6, 0.8], kappa_1)", "uniform_sphere", 2),
    ]
    runs = []
    for p_spec, q_spec, sizes in cases:
        if framework != "numpy":
            with pytest.raises(KLDeriveError, match="cannot express the Bessel function"):
                code_for(p_spec, q_spec, framework=framework)
            continue
        runs += [(p_spec, q_spec, n) for n in sizes]
    runs += explicit
    for p_spec, q_spec, n in runs:
        source = code_for(p_spec, q_spec, framework=framework)
        namespace: dict = dict(_stand_ins(framework))
        if framework != "numpy":  # the framework's modules are stand-ins, not imported
            source = "\n".join(x for x in source.splitlines() if not x.startswith("import "))
        exec(compile(source, "<kl>", "exec"), namespace)  # the generated code, run
        batch = 3
        mu = np.stack([_unit(rng, n) for _ in range(batch)])
        nu = np.stack([_unit(rng, n) for _ in range(batch)])
        for listed, vector in (("[0, 0, 1]", [0.0, 0.0, 1.0]), ("[0.6, 0.8]", [0.6, 0.8])):
            if listed in q_spec:
                nu = np.tile(vector, (batch, 1))
            if listed in p_spec:
                mu = np.tile(vector, (batch, 1))
        k1, k2 = rng.uniform(0.3, 40, size=batch), rng.uniform(0.3, 40, size=batch)
        named = "mu" in source.split("):")[0]
        args = ([mu] if named else []) + ([nu] if "nu," in source.split("):")[0] else [])
        args += [k1] + ([k2] if "kappa_2" in source.split("):")[0] else [])
        got = namespace["kl_divergence"](*args)
        for i in range(batch):
            q = stats.vonmises_fisher(mu[i], k1[i])
            if q_spec.startswith("uniform"):
                area = math.log(2) + n / 2 * math.log(math.pi) - math.lgamma(n / 2)
                ref = area - float(q.entropy())
            else:  # E_q[log q - log p] = -H(q) - E_q[log p], linear in x: E_q[x] = A mu
                a = special.ive(n / 2, k1[i]) / special.ive(n / 2 - 1, k1[i])
                p_law = stats.vonmises_fisher(nu[i], k2[i])
                log_c2 = float(p_law.logpdf(nu[i])) - k2[i]  # log C_p(kappa_2)
                ref = -float(q.entropy()) - log_c2 - k2[i] * a * float(nu[i] @ mu[i])
            assert float(got[i]) == pytest.approx(ref, rel=1e-9, abs=1e-12), (p_spec, q_spec, n)
    # a large concentration does not overflow
    source = code_for("von_mises_fisher(mu, kappa_1)", "uniform_sphere", framework="numpy")
    namespace = {}
    exec(compile(source, "<kl>", "exec"), namespace)
    big = namespace["kl_divergence"](np.array([[0.0, 0.0, 1.0]]), np.array([5000.0]))
    assert np.isfinite(big).all()
