"""Pairs derived up to one exact integral (strategy ``integral``): normal || student_t,
student_t || student_t, normal || cauchy, student_t || cauchy, kumaraswamy || kumaraswamy;
and kumaraswamy || beta as its logarithmic series with the derived tail bound.

Every value is checked against SciPy quadrature of p log(p/q) written here, independently
of the engine (SciPy's own t, normal, Cauchy and beta densities; the Kumaraswamy density
written out, SciPy has none), at pseudo-random parameters (a fixed seed), on both sides of
what decides whether a closed form exists (df = 1 or not). The Kumaraswamy || beta series
is also compared with Nalisnick and Smyth's published formula, re-implemented here as the
PyTorch code of stick-breaking VAEs writes it.
"""

from __future__ import annotations

import math
from functools import cache

import mpmath
import numpy as np
import pytest
from conftest import accepted_false_steps, rendering_tests, run_module
from scipy import integrate, special, stats
from sympy import Add, Integral, Sum, lambdify

import kl_derive
from kl_derive.codegen import code_for
from kl_derive.errors import KLDeriveError

RNG_SEED = 20261207
LINE = (-math.inf, math.inf)


@cache
def _derive(p: str, q: str):
    return kl_derive.derive(p, q)


def _kl_quad(logq, logp, low, high) -> float:
    """KL(q || p) by SciPy's adaptive quadrature of q (log q - log p)."""

    def f(z):
        lq = logq(z)
        return math.exp(lq) * (lq - logp(z))

    value, _error = integrate.quad(f, low, high, epsabs=1e-13, epsrel=1e-12, limit=400)
    return value


def _at(result, values: dict[str, float]) -> float:
    """The derived result at numbers, each integral in it by SciPy quadrature."""
    names = {str(s): s for s in result.free_symbols}
    e = result.xreplace({names[k]: v for k, v in values.items() if k in names})
    for one in e.atoms(Integral):
        (z, low, high) = one.limits[0]
        f = lambdify(z, one.function, "mpmath")
        value, _ = integrate.quad(
            lambda x, f=f: float(f(x)), float(low), float(high), epsabs=1e-13, limit=400
        )
        e = e.xreplace({one: value})
    return float(e.evalf(30))


def _stated_value(derivation) -> float | None:
    for stage in derivation.stages:
        if stage.key == "kl_integral_value":
            return float(stage.params["value"])
    return None


def _draws(n: int, seed: int = RNG_SEED):
    return np.random.default_rng(seed).uniform(size=(n, 6))


# ---------------------------------------------------------------------------
# Student-t: where no closed form exists, the exact integral and its value
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("row", _draws(4))
@pytest.mark.slow
def test_normal_against_student_t_at_random_parameters(row) -> None:
    m1, s1 = 4 * row[0] - 2, 0.3 + 2 * row[1]
    nu, m2, s2 = 0.4 + 9 * row[2], 4 * row[3] - 2, 0.3 + 2 * row[4]
    reference = _kl_quad(stats.norm(m1, s1).logpdf, stats.t(nu, m2, s2).logpdf, *LINE)
    derived = _derive("normal(m1, s1)", "student_t(nu, m2, s2)").result
    assert len(derived.atoms(Integral)) == 1  # no closed form claimed
    values = {"m1": m1, "s1": s1, "nu": nu, "m2": m2, "s2": s2}
    assert _at(derived, values) == pytest.approx(reference, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("row", _draws(4, RNG_SEED + 1))
@pytest.mark.slow
def test_student_t_against_student_t_at_random_parameters(row) -> None:
    n1, m1, s1 = 0.6 + 8 * row[0], 4 * row[1] - 2, 0.3 + 2 * row[2]
    n2, m2, s2 = 0.6 + 8 * row[3], 4 * row[4] - 2, 0.3 + 2 * row[5]
    reference = _kl_quad(
        stats.t(n1, m1, s1).logpdf, stats.t(n2, m2, s2).logpdf, -math.inf, math.inf
    )
    derived = _derive("student_t(n1, m1, s1)", "student_t(n2, m2, s2)").result
    assert len(derived.atoms(Integral)) == 1
    values = {"n1": n1, "m1": m1, "s1": s1, "n2": n2, "m2": m2, "s2": s2}
    assert _at(derived, values) == pytest.approx(reference, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize(
    ("p", "q", "scipy_q", "scipy_p"),
    [
        ("normal(1/2, 3/2)", "student_t(3, -1, 2)", stats.norm(0.5, 1.5), stats.t(3, -1, 2)),
        ("normal(0, 1)", "cauchy(1, 1/2)", stats.norm(0, 1), stats.cauchy(1, 0.5)),
        ("student_t(5/2, 0, 1)", "cauchy(1, 2)", stats.t(2.5, 0, 1), stats.cauchy(1, 2)),
        ("student_t(1/2, 0, 1)", "student_t(4, 1, 3)", stats.t(0.5, 0, 1), stats.t(4, 1, 3)),
        ("student_t(4, 0, 1)", "student_t(4, 3/2, 1)", stats.t(4, 0, 1), stats.t(4, 1.5, 1)),
        ("student_t(4, 0, 1)", "student_t(4, 0, 3)", stats.t(4, 0, 1), stats.t(4, 0, 3)),
    ],
)
@pytest.mark.slow
def test_the_stated_value_to_twelve_places(p, q, scipy_q, scipy_p) -> None:
    """The value the derivation states (mpmath, 12 decimal places) against SciPy's
    quadrature (good to about 1e-11 here): never a derived equality, never off."""
    derivation = _derive(p, q)
    stated = _stated_value(derivation)
    assert stated is not None
    reference = _kl_quad(scipy_q.logpdf, scipy_p.logpdf, *LINE)
    assert abs(stated - reference) < 5e-11
    assert "= " + str(stated) not in derivation.to_text()  # stated, not an equality


def test_the_special_cases_decided_from_the_mathematics() -> None:
    """Same df and scale with a location shift, and same df and centre with another
    scale: no closed form for a general df (an integral is left, and its value is not
    the Cauchy formula's once df != 1); at df = 1 both close, to the Cauchy formula."""
    shift = _derive("student_t(nu, m1, s)", "student_t(nu, m2, s)").result
    scale = _derive("student_t(nu, m, s1)", "student_t(nu, m, s2)").result
    assert shift.atoms(Integral) and scale.atoms(Integral)
    for nu in (1, 3, 7.5):
        shifted = _kl_quad(
            stats.t(nu, 0, 1).logpdf, stats.t(nu, 1.5, 1).logpdf, -math.inf, math.inf
        )
        cauchy = math.log((2**2 + 1.5**2) / 4)
        assert (abs(shifted - cauchy) < 1e-9) == (nu == 1)
        assert _at(shift, {"nu": nu, "m1": 0, "m2": 1.5, "s": 1}) == pytest.approx(shifted)


@pytest.mark.parametrize("row", _draws(3, RNG_SEED + 2))
@pytest.mark.slow
def test_df_one_closes_to_the_cauchy_formula_both_ways(row) -> None:
    m1, g1, m2, g2 = 4 * row[0] - 2, 0.2 + 2 * row[1], 4 * row[2] - 2, 0.2 + 2 * row[3]
    textbook = math.log((g1 + g2) ** 2 + (m1 - m2) ** 2) - math.log(4 * g1 * g2)
    values = {"m1": m1, "g1": g1, "m2": m2, "g2": g2}
    for p, q in (
        ("student_t(1, m1, g1)", "student_t(1, m2, g2)"),
        ("student_t(1, m1, g1)", "cauchy(m2, g2)"),
        ("cauchy(m1, g1)", "student_t(1, m2, g2)"),
        ("cauchy(m1, g1)", "cauchy(m2, g2)"),
    ):
        result = _derive(p, q).result
        assert not result.atoms(Integral), (p, q)  # a closed form
        assert _at(result, values) == pytest.approx(textbook, rel=1e-12, abs=1e-12)
    reference = _kl_quad(
        stats.t(1, m1, g1).logpdf, stats.cauchy(m2, g2).logpdf, -math.inf, math.inf
    )
    assert textbook == pytest.approx(reference, rel=1e-8, abs=1e-10)


@pytest.mark.slow
def test_the_integral_is_shown_and_the_value_said_to_be_numerical() -> None:
    done = run_module(["normal(0, 1)", "student_t(3, 1, 2)", "--to", "text"])
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # the text output wraps its lines
    assert "0.557772912722 to 12 decimal places" in text
    assert "not a derived equality" in text
    ko = run_module(["normal(0, 1)", "student_t(3, 1, 2)", "--to", "text", "--lang", "ko"])
    assert ko.returncode == 0 and "0.557772912722" in ko.stdout
    symbolic = run_module(["normal", "student_t", "--to", "text"])
    assert symbolic.returncode == 0 and "decimal places" not in symbolic.stdout


@pytest.mark.slow
def test_no_code_for_an_integral() -> None:
    with pytest.raises(KLDeriveError, match="no closed form"):
        code_for("normal(m, s)", "student_t(n, a, b)")
    done = run_module(["code", "normal(m, s)", "student_t(n, a, b)"])
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# Kumaraswamy
# ---------------------------------------------------------------------------


def _kuma_kl(a, b, log_p) -> float:
    """KL(Kumaraswamy(a, b) || P) for P's log density ``log_p(log z, log(1 - z))``, by
    mpmath at 40 digits in v = 1 - z^a, which follows Beta(1, b) (density b v^(b - 1),
    its singularity at v = 0 where tanh-sinh resolves it; plain quadrature in z loses
    1e-10 near z = 1 for small b)."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    with mpmath.workdps(40):

        def f(v):
            log_z = mpmath.log1p(-v) / a
            log_q = mpmath.log(a * b) + (a - 1) * log_z + (b - 1) * mpmath.log(v)
            return b * v ** (b - 1) * (log_q - log_p(log_z, mpmath.log(-mpmath.expm1(log_z))))

        return float(mpmath.quad(f, [0, mpmath.mpf(1) / 2, 1]))


def _kuma_beta_reference(a, b, c, d) -> float:
    c, d = mpmath.mpf(c), mpmath.mpf(d)
    return _kuma_kl(
        a, b, lambda lz, l1z: (c - 1) * lz + (d - 1) * l1z - mpmath.log(mpmath.beta(c, d))
    )


def _kuma_kuma_reference(a1, b1, a2, b2) -> float:
    a2, b2 = mpmath.mpf(a2), mpmath.mpf(b2)
    return _kuma_kl(
        a1,
        b1,
        lambda lz, _: (
            mpmath.log(a2 * b2) + (a2 - 1) * lz + (b2 - 1) * mpmath.log(-mpmath.expm1(a2 * lz))
        ),
    )


def _tail_bound(a, b, m) -> float:
    return math.gamma(b) * a**b * math.exp(a * b / (a + m + 1)) * m ** (-b)


def _nalisnick_smyth(a, b, alpha, beta, terms):
    """KL(Kumaraswamy(a, b) || Beta(alpha, beta)) as Nalisnick and Smyth (2017) state it
    and stick-breaking VAE code computes it (torch: digamma, lgamma, a loop over m):
    written here from the paper's formula, not from kl-derive."""
    kl = (a - alpha) / a * (-np.euler_gamma - special.digamma(b) - 1 / b)
    kl += np.log(a * b) + special.betaln(alpha, beta) - (b - 1) / b
    series = sum(np.exp(special.betaln(m / a, b)) / (m + a * b) for m in range(1, terms + 1))
    return kl + (beta - 1) * b * series


@pytest.mark.parametrize("row", _draws(4, RNG_SEED + 3))
@pytest.mark.slow
def test_kumaraswamy_against_beta_series_truncation_and_bound(row) -> None:
    a, b = 0.3 + 4 * row[0], 0.3 + 4 * row[1]
    c, d = 0.3 + 4 * row[2], 0.3 + 4 * row[3]
    reference = _kuma_beta_reference(a, b, c, d)
    result = _derive("kumaraswamy(a, b)", "beta(c, d)").result
    (series,) = result.atoms(Sum)
    names = {str(s): s for s in result.free_symbols}
    values = {names[k]: v for k, v in {"a": a, "b": b, "c": c, "d": d}.items()}
    for terms in (10, 200):
        index = series.limits[0][0]
        partial = Add(*(series.function.xreplace({index: k}) for k in range(1, terms + 1)))
        truncated = float(result.xreplace({series: partial}).xreplace(values).evalf(30))
        # the tail after M terms is of one sign (that of d - 1) and within the bound
        error = reference - truncated
        bound = abs(d - 1) * _tail_bound(a, b, terms)
        assert abs(error) <= bound + 1e-10
        assert error * (d - 1) >= -1e-10
        assert truncated == pytest.approx(_nalisnick_smyth(a, b, c, d, terms), rel=1e-11)


def test_the_tail_bound_is_tight_and_proved_where_the_series_is_slow() -> None:
    """The tail R_M = -E[log(1 - z)] - (first M terms) against its bound, by mpmath: the
    bound holds and is within 20 % of the tail for M = 1000, down to b = 0.1."""
    from kl_derive.families import get_family

    family = get_family("kumaraswamy")
    with mpmath.workdps(30):
        for a, b in ((2, 0.5), (0.3, 0.2), (10, 0.1), (0.5, 7), (1, 1)):
            a, b = mpmath.mpf(a), mpmath.mpf(b)
            whole = -mpmath.quad(
                lambda z, a=a, b=b: a * b * z ** (a - 1) * (1 - z**a) ** (b - 1) * mpmath.log1p(-z),
                [0, 0.5, 1],
            )
            for m in (1, 10, 1000):
                partial = mpmath.fsum(
                    b * mpmath.beta(k / a, b) / (k + a * b) for k in range(1, m + 1)
                )
                tail = whole - partial
                from sympy import Symbol

                bound = family.tail_bound(Symbol("M"), (a, b))
                limit = float(bound.subs("M", m).evalf(20))
                assert 0 <= tail <= limit
                if m == 1000:
                    assert limit <= 1.2 * tail


@pytest.mark.slow
def test_no_false_step_is_accepted() -> None:
    """Every step of the drafts, its right side mutated (doubled, plus one), is refused;
    and the series step with a tail bound ten times too small is refused."""
    from dataclasses import replace

    from kl_derive.engine import draft_for
    from kl_derive.errors import VerificationError
    from kl_derive.spec import parse_spec
    from kl_derive.steps.verify import verify_step
    from kl_derive.symbolic.convert import bind_pair

    mutations = {"doubled": lambda e: 2 * e, "plus one": lambda e: e + 1}
    for p, q in (("kumaraswamy(a, b)", "beta(c, d)"), ("normal(m, s)", "student_t(n, l, w)")):
        draft = draft_for(*bind_pair(parse_spec(p), parse_spec(q)))
        assert accepted_false_steps(draft, mutations) == [], (p, q)
    draft = draft_for(*bind_pair(parse_spec("kumaraswamy(a, b)"), parse_spec("beta(c, d)")))
    (step,) = next(s for s in draft.stages if s.key == "kl_series").chains[0].steps
    assert verify_step(step, draft.contexts[step.facts])
    small = replace(step, params={**step.params, "tail_bound": step.params["tail_bound"] / 10})
    with pytest.raises(VerificationError):
        verify_step(small, draft.contexts[step.facts])


@pytest.mark.parametrize("row", _draws(3, RNG_SEED + 4))
@pytest.mark.slow
def test_kumaraswamy_against_kumaraswamy_at_random_parameters(row) -> None:
    a1, b1, a2, b2 = (0.3 + 4 * x for x in row[:4])
    reference = _kuma_kuma_reference(a1, b1, a2, b2)
    derived = _derive("kumaraswamy(a1, b1)", "kumaraswamy(a2, b2)").result
    assert len(derived.atoms(Integral)) == 1
    values = {"a1": a1, "b1": b1, "a2": a2, "b2": b2}
    assert _at(derived, values) == pytest.approx(reference, rel=1e-7, abs=1e-9)


@pytest.mark.slow
def test_kumaraswamy_stated_values() -> None:
    for p, q, reference in (
        (
            "kumaraswamy(2, 3)",
            "kumaraswamy(3/2, 2)",
            lambda: _kuma_kuma_reference(2, 3, 1.5, 2),
        ),
        ("kumaraswamy(2, 3)", "beta(2, 3)", lambda: _kuma_beta_reference(2, 3, 2, 3)),
        ("kumaraswamy(1/2, 1/2)", "beta(1/2, 2)", lambda: _kuma_beta_reference(0.5, 0.5, 0.5, 2)),
    ):
        stated = _stated_value(_derive(p, q))
        assert stated is not None and abs(stated - reference()) < 5e-11, (p, q)


@pytest.mark.parametrize("terms", [5, 50])
@pytest.mark.slow
def test_code_for_the_truncated_series(tmp_path, terms: int) -> None:
    import importlib.util

    out = tmp_path / "kl.py"
    done = run_module(
        ["code", "kumaraswamy(a, b)", "beta(c, d)", "--terms", str(terms), "-o", str(out)]
    )
    assert done.returncode == 0, done.stderr
    source = out.read_text(encoding="utf-8")
    assert f"first {terms} terms" in source
    spec = importlib.util.spec_from_file_location("kl", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for a, b, c, d in ((2.0, 3.0, 2.0, 3.0), (0.5, 1.5, 1.2, 0.7), (3.0, 0.8, 0.5, 2.5)):
        got = module.kl_divergence(*(np.array([[x]]) for x in (a, b, c, d)))[0]
        assert got == pytest.approx(_nalisnick_smyth(a, b, c, d, terms), rel=1e-10)
        reference = _kuma_beta_reference(a, b, c, d)
        assert abs(got - reference) <= abs(d - 1) * _tail_bound(a, b, terms) + 1e-10
    bad = run_module(["code", "kumaraswamy(a, b)", "beta(c, d)", "--terms", "0"])
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    closed = run_module(["code", "normal", "--terms", "3"])
    assert closed.returncode == 2 and "infinite series" in closed.stderr


def _all_derivations():
    return [
        _derive("normal(m1, s1)", "student_t(nu, m2, s2)"),
        _derive("normal(0, 1)", "student_t(3, 1, 2)"),
        _derive("student_t(n1, m1, s1)", "student_t(n2, m2, s2)"),
        _derive("kumaraswamy(a, b)", "beta(c, d)"),
        _derive("kumaraswamy(2, 3)", "beta(2, 3)"),
    ]


test_markdown_renders_with_katex, test_latex_compiles_with_pdflatex = rendering_tests(
    _all_derivations
)
