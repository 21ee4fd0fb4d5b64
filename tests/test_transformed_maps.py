"""KL(f#P || g#Q) for two different affine maps over one location-scale family, against
SciPy quadrature over y of the two transformed densities written independently of the
engine (base.pdf((y - loc)/scale)/|scale|), at random parameters."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy import integrate

import kl_derive
from kl_derive.errors import KLDeriveError


def _log_density(family: str, x: float, m: float, s: float) -> float:
    """The base log densities, written by hand (SciPy's Laplace logpdf underflows to -inf
    in the far tails, where the other law's is still finite)."""
    u = (x - m) / s
    if family == "normal":
        return -0.5 * u * u - math.log(s * math.sqrt(2 * math.pi))
    if family == "laplace":
        return -abs(u) - math.log(2 * s)
    if family == "cauchy":
        return -math.log(math.pi * s * (1 + u * u))
    return -u - math.exp(min(-u, 700.0)) - math.log(s)  # gumbel (max): e^{-u - e^{-u}}/s


def _kl_quad(family: str, base1, map1, base2, map2) -> float:
    (m1, s1), (a, b), (m2, s2), (c, d) = base1, map1, base2, map2

    def log_q(y):
        return _log_density(family, (y - a) / b, m1, s1) - math.log(abs(b))

    def log_p(y):
        return _log_density(family, (y - c) / d, m2, s2) - math.log(abs(d))

    def integrand(y):
        lq = log_q(y)
        return math.exp(lq) * (lq - log_p(y)) if lq > -700 else 0.0

    centre, width = a + b * m1, abs(b) * s1
    points = [centre - 10 * width, centre, centre + 10 * width]
    total = integrate.quad(integrand, points[0], points[2], points=[centre], limit=400)[0]
    total += integrate.quad(integrand, -np.inf, points[0], limit=400)[0]
    total += integrate.quad(integrand, points[2], np.inf, limit=400)[0]
    return total


CASES = [
    # family, the two specs' map arguments as text, whether the scales may differ in sign
    ("normal", ("1", "2"), ("-1", "3")),
    ("laplace", ("a", "2"), ("c", "d")),
    ("normal", ("a", "-1.5"), ("c", "d")),
    ("cauchy", ("0.5", "-2"), ("c", "3")),
    ("gumbel", ("a", "2"), ("c", "0.5")),
]


@pytest.mark.parametrize(("family", "f", "g"), CASES)
def test_two_affine_maps_against_quadrature(family, f, g) -> None:
    p = f"transformed({family}(m1, s1), affine({f[0]}, {f[1]}))"
    q = f"transformed({family}(m2, s2), affine({g[0]}, {g[1]}))"
    d = kl_derive.derive(p, q)
    names = {str(s) for s in d.result.free_symbols}
    rng = np.random.default_rng(len(family) + len(names))
    for _ in range(4):
        values = {
            "m1": rng.uniform(-1, 1),
            "m2": rng.uniform(-1, 1),
            "s1": rng.uniform(0.5, 2),
            "s2": rng.uniform(0.5, 2),
            "a": rng.uniform(-1, 1),
            "c": rng.uniform(-1, 1),
            "b": rng.choice([-1, 1]) * rng.uniform(0.5, 2),
            "d": rng.choice([-1, 1]) * rng.uniform(0.5, 2),
        }
        fa, fb = (values[x] if x in values else float(x) for x in f)
        gc, gd = (values[x] if x in values else float(x) for x in g)
        expected = _kl_quad(
            family, (values["m1"], values["s1"]), (fa, fb), (values["m2"], values["s2"]), (gc, gd)
        )
        got = d.value({k: v for k, v in values.items() if k in names})
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-9), (values, got, expected)
    assert [s.key for s in d.stages] == ["transform_affine_pull", "transform_affine_result"]
    assert all(
        step.check in ("symbolic", "numeric")
        for s in d.stages
        for c in s.chains
        for step in c.steps
    )


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        (
            "transformed(gumbel(m1, s1), affine(0, 2))",
            "transformed(gumbel(m2, s2), affine(0, -1))",
            "reflected",
        ),
        (
            "transformed(gumbel(m1, s1), affine(0, 2))",
            "transformed(gumbel(m2, s2), affine(0, d))",
            "one sign",
        ),
        (
            "transformed(gamma(a1, b1), affine(0, 2))",
            "transformed(gamma(a2, b2), affine(0, 3))",
            "location-scale",
        ),
        (
            "transformed(normal(m1, s1), affine(a, b))",
            "transformed(normal(m2, s2), affine(c, d))",
            "must be a number",
        ),
        (
            "transformed(cauchy(m1, s1), affine(0, 2))",
            "transformed(cauchy(m2, s2), affine(0, d))",
            "must be a number",
        ),
        (
            "transformed(normal(m1, s1), exp)",
            "transformed(normal(m2, s2), affine(0, 3))",
            "different bijections",
        ),
    ],
)
def test_refused_pairs_are_one_line(p, q, message) -> None:
    with pytest.raises(KLDeriveError, match=message):
        kl_derive.derive(p, q)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_format_renders(lang, tmp_path) -> None:
    from conftest import run_pdflatex

    d = kl_derive.derive(
        "transformed(normal(m1, s1), affine(1, 2))", "transformed(normal(m2, s2), affine(-1, 3))"
    )
    for fmt in ("latex", "beamer", "markdown", "gfm", "myst", "quarto", "html", "json", "text"):
        assert d.render(fmt, lang).strip()
    for fmt in ("ipynb", "typst"):
        assert d.render(fmt, lang).strip()
    assert not re.search(r"\{[a-z_]+\}", d.render("text", lang))
    assert all(step["verified"] for step in json.loads(d.render("json", lang))["steps"])
    (tmp_path / "m.tex").write_text(d.to_latex(lang, standalone=True), encoding="utf-8")
    done, log = run_pdflatex(tmp_path, "m.tex")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull" not in log
