"""Figures for lecture notes: the two densities, the integrand, and the KL as it varies.

``kl-derive plot P Q --at mu=1,sigma=0.5`` draws, at those parameter values, the density
of P, the density of Q and the integrand ``p log(p/q)`` whose area is the divergence,
with the value of the derived closed form in the title. ``--vary sigma=0.2:3`` adds a
panel with the divergence as a function of one parameter. Matplotlib is an optional
extra (``pip install "kl-derive[plot]"``); the format follows the output file's
extension (PNG, PDF, SVG or PGF).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .errors import KLDeriveError
from .files import replacing

__all__ = ["Figure", "parse_assignments", "plot"]


@dataclass(frozen=True)
class Figure:
    """What was drawn (for checking): the grid, the integrand, the KL at ``at``."""

    path: Path
    kl: float
    grid: list[float]
    integrand: list[float]


def parse_assignments(text: str) -> dict[str, float]:
    """``"mu=1,sigma=0.5"`` -> ``{"mu": 1.0, "sigma": 0.5}`` (no evaluation of any kind)."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise KLDeriveError(f"write the values as name=number, ...; got {part!r}")
        if name in values:
            raise KLDeriveError(f"{name} is given twice (in {text!r})")
        values[name] = _number(number, part)
    return values


def _number(text: str, where: str) -> float:
    """A finite number, or a one-line error naming ``where`` it was written."""
    try:
        value = float(text)
    except ValueError:
        raise KLDeriveError(f"{text.strip()!r} is not a number (in {where!r})") from None
    if not math.isfinite(value):
        raise KLDeriveError(f"the values must be finite numbers; got {where!r}")
    return value


def plot(
    p: str,
    q: str | None = None,
    *,
    at: dict[str, float],
    output: str,
    vary: str | None = None,
) -> Figure:
    """Draw the densities and the integrand of KL(P || Q) at ``at`` into ``output``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.hashsalt"] = "kl-derive"  # the same file every time
        matplotlib.rcParams["pgf.texsystem"] = "pdflatex"  # PGF measures its text with TeX
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError:
        raise KLDeriveError('plotting needs matplotlib: pip install "kl-derive[plot]"') from None
    from sympy import lambdify

    from .api import derive
    from .symbolic.display import evaluate
    from .symbolic.objects import VARIABLE

    derivation = derive(p, q)
    if derivation.p.family.name != "normal":
        raise KLDeriveError("plot draws univariate densities; P and Q must be normal")
    symbols = {s.name: s for s in derivation.result.free_symbols}
    missing = sorted(set(symbols) - set(at))
    if missing:
        raise KLDeriveError(f"give a value for {', '.join(missing)} with --at")
    unknown = sorted(set(at) - set(symbols))
    if unknown:
        raise KLDeriveError(f"{', '.join(unknown)} is not a parameter of this divergence")
    for name, value in at.items():
        _check_value(symbols[name], value, f"--at {name}={value:g}")
    values = {symbols[name]: at[name] for name in symbols}
    span = _vary_range(vary, symbols) if vary else None

    def log_density(dist):
        expr = evaluate(dist.family.log_density(VARIABLE, dist.user_args)).subs(values)
        return lambdify(VARIABLE, expr, modules="numpy")

    for law in (derivation.p, derivation.q):
        scale = float(law.user_args[1].subs(values))
        if not (math.isfinite(scale) and scale > 0):
            raise KLDeriveError(f"the scale of {law.spec} is {scale:g} at these values, not > 0")
    kl = float(derivation.result.subs(values))
    loc, scale = (float(a.subs(values)) for a in derivation.p.user_args)
    with np.errstate(all="ignore"):  # overflow is refused below, not warned about
        grid = np.linspace(loc - 6 * scale, loc + 6 * scale, 1201)
        log_q, log_p = log_density(derivation.p)(grid), log_density(derivation.q)(grid)
        qz, pz = np.exp(log_q), np.exp(log_p)
        integrand = qz * (log_q - log_p)
    if not all(np.isfinite(a).all() for a in (grid, qz, pz, integrand)) or not math.isfinite(kl):
        raise KLDeriveError(
            f"the densities or the divergence overflow at {_describe(at)}; choose smaller values"
        )

    panels = 2 if vary else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.6), squeeze=False)
    try:
        ax = axes[0][0]
        ax.plot(grid, qz, label=r"$q(z \mid x)$")
        ax.plot(grid, pz, label=r"$p(z)$")
        ax.fill_between(grid, integrand, alpha=0.3, label=r"$q \log (q/p)$")
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.set_xlabel(r"$z$")
        ax.set_title(rf"$D_{{\mathrm{{KL}}}} = {kl:.4g}$  at " + _describe(at))
        ax.legend(frameon=False)
        if span is not None:
            _vary_panel(axes[0][1], derivation.result, symbols, at, span, np)
        fig.tight_layout()
        _save(fig, output)
    finally:
        plt.close(fig)
    return Figure(Path(output), kl, grid.tolist(), integrand.tolist())


FORMATS = ("png", "pdf", "svg", "pgf")


def _save(fig, output: str) -> None:
    """The figure into ``output`` (its format from the extension), replacing the file only
    once it is all written."""
    kind = Path(output).suffix.lstrip(".").lower()
    if kind not in FORMATS:
        raise KLDeriveError(
            f"cannot write {output!r}: give the figure the extension .png, .pdf, .svg or .pgf"
        )
    # no date in the file: the same bytes every time
    options = {"metadata": {"Date": None}} if kind in ("svg", "pdf") else {}
    try:
        with replacing(output) as file:
            fig.savefig(file, format=kind, **options)
    except (ValueError, RuntimeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise KLDeriveError(f"cannot write {output!r}: {reason}") from None


def _check_value(symbol, value: float, where: str) -> None:
    """``value`` is in the domain ``symbol`` was derived for (a scale is positive)."""
    if not math.isfinite(value):
        raise KLDeriveError(f"{where}: the values must be finite numbers")
    if symbol.is_positive and value <= 0:
        raise KLDeriveError(f"{where}: {symbol.name} must be positive")
    if symbol.is_nonnegative and value < 0:
        raise KLDeriveError(f"{where}: {symbol.name} must not be negative")


def _describe(at: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in at.items())


def _vary_range(vary: str, symbols: dict) -> tuple[str, float, float]:
    """``"sigma=0.2:3"`` read and checked: a parameter's name and a range inside its domain."""
    name, sep, span = vary.partition("=")
    low, colon, high = span.partition(":")
    name = name.strip()
    if not sep or not colon or name not in symbols:
        raise KLDeriveError(f"write --vary as name=low:high with a parameter's name; got {vary!r}")
    lo, hi = _number(low, f"--vary {vary}"), _number(high, f"--vary {vary}")
    if not lo < hi:
        raise KLDeriveError(f"--vary {vary}: the low end must be below the high end")
    for end in (lo, hi):
        _check_value(symbols[name], end, f"--vary {vary}")
    return name, lo, hi


def _vary_panel(ax, result, symbols, at, span: tuple[str, float, float], np) -> None:
    from sympy import lambdify

    name, lo, hi = span
    others = {symbols[n]: v for n, v in at.items() if n != name}
    curve = lambdify(symbols[name], result.subs(others), modules="numpy")
    xs = np.linspace(lo, hi, 400)
    with np.errstate(all="ignore"):
        ys = curve(xs) * np.ones_like(xs)
    if not np.isfinite(ys).all():
        raise KLDeriveError(f"the divergence overflows for {name} in [{lo:g}, {hi:g}]")
    ax.plot(xs, ys)
    ax.set_xlabel(name)
    ax.set_ylabel(r"$D_{\mathrm{KL}}$")
    ax.set_title(f"as {name} varies")
