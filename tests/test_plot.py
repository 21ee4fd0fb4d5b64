"""``kl-derive plot``: the figure shows the derived value, and its shaded area is that value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kl_derive.errors import KLDeriveError
from kl_derive.plot import parse_assignments, plot


@pytest.mark.parametrize("suffix", ["png", "pdf", "svg"])
def test_figure_is_written_and_its_area_is_the_kl(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"fig.{suffix}"
    figure = plot("normal", at={"mu": 1.0, "sigma": 0.5}, output=str(out), vary="sigma=0.2:3")
    data = out.read_bytes()
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}[suffix]
    assert data.startswith(magic) and len(data) > 5000
    expected = 0.5 * (1.0 + 0.25 - np.log(0.25) - 1)
    assert figure.kl == pytest.approx(expected, rel=1e-12)
    area = np.trapezoid(figure.integrand, figure.grid)
    assert area == pytest.approx(figure.kl, rel=1e-6)


def test_general_pair(tmp_path: Path) -> None:
    figure = plot(
        "normal(m1, s1)",
        "normal(m2, s2)",
        at={"m1": 0.3, "s1": 1.2, "m2": -0.4, "s2": 0.8},
        output=str(tmp_path / "g.png"),
    )
    expected = np.log(0.8 / 1.2) + (1.2**2 + 0.7**2) / (2 * 0.8**2) - 0.5
    assert figure.kl == pytest.approx(expected, rel=1e-12)


def test_assignments_are_parsed_without_evaluation() -> None:
    assert parse_assignments("mu=1, sigma=0.5") == {"mu": 1.0, "sigma": 0.5}
    for bad in ("mu", "mu=__import__('os')", "1mu=2"):
        with pytest.raises(KLDeriveError):
            parse_assignments(bad)


def test_missing_and_unknown_parameters_are_errors(tmp_path: Path) -> None:
    with pytest.raises(KLDeriveError, match="sigma"):
        plot("normal", at={"mu": 1.0}, output=str(tmp_path / "a.png"))
    with pytest.raises(KLDeriveError, match="nu"):
        plot("normal", at={"mu": 1.0, "sigma": 1.0, "nu": 2.0}, output=str(tmp_path / "a.png"))
    with pytest.raises(KLDeriveError, match="univariate"):
        plot("diag_normal", at={}, output=str(tmp_path / "a.png"))


@pytest.mark.external
def test_pgf_for_latex_documents(tmp_path: Path) -> None:
    from conftest import require_tool

    require_tool("pdflatex")
    out = tmp_path / "fig.pgf"
    plot("normal", at={"mu": 1.0, "sigma": 0.5}, output=str(out))
    assert "\\begin{pgfpicture}" in out.read_text()
