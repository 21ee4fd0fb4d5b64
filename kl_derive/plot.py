"""Figures for lecture notes: the two densities, the integrand, and the KL as it varies.

``kl-derive plot P Q --at mu=1,sigma=0.5`` draws, at those parameter values, the density
of P, the density of Q and the integrand ``p log(p/q)`` whose area is the divergence,
with the value of the derived closed form in the title. ``--vary sigma=0.2:3`` adds a
panel with the divergence as a function of one parameter. Matplotlib is an optional
extra (``pip install "kl-derive[plot]"``); the format follows the output file's
extension (PNG, PDF, SVG or PGF).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import KLDeriveError

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
        if not sep or not name.strip().isidentifier():
            raise KLDeriveError(f"write the values as name=number, ...; got {part!r}")
        try:
            values[name.strip()] = float(number)
        except ValueError:
            raise KLDeriveError(f"{number.strip()!r} is not a number (in {part!r})") from None
    return values


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
    values = {symbols[name]: at[name] for name in symbols}

    def density(dist):
        expr = evaluate(dist.family.density(VARIABLE, dist.user_args)).subs(values)
        return lambdify(VARIABLE, expr, modules="numpy")

    kl = float(derivation.result.subs(values))
    loc, scale = (float(a.subs(values)) for a in derivation.p.user_args)
    grid = np.linspace(loc - 6 * scale, loc + 6 * scale, 1201)
    qz, pz = density(derivation.p)(grid), density(derivation.q)(grid)
    integrand = qz * (np.log(qz) - np.log(pz))

    panels = 2 if vary else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.6), squeeze=False)
    ax = axes[0][0]
    ax.plot(grid, qz, label=r"$q(z \mid x)$")
    ax.plot(grid, pz, label=r"$p(z)$")
    ax.fill_between(grid, integrand, alpha=0.3, label=r"$q \log (q/p)$")
    ax.axhline(0, color="0.6", linewidth=0.6)
    ax.set_xlabel(r"$z$")
    ax.set_title(rf"$D_{{\mathrm{{KL}}}} = {kl:.4g}$  at " + _describe(at))
    ax.legend(frameon=False)
    if vary:
        _vary_panel(axes[0][1], derivation.result, symbols, at, vary, np)
    fig.tight_layout()
    path = Path(output)
    try:
        if path.suffix in (".svg", ".pdf"):  # no date in the file: the same bytes every time
            fig.savefig(path, metadata={"Date": None})
        else:
            fig.savefig(path)
    except (OSError, ValueError, RuntimeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise KLDeriveError(f"cannot write {output!r}: {reason}") from None
    finally:
        plt.close(fig)
    return Figure(path, kl, grid.tolist(), integrand.tolist())


def _describe(at: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in at.items())


def _vary_panel(ax, result, symbols, at, vary: str, np) -> None:
    from sympy import lambdify

    name, sep, span = vary.partition("=")
    low, colon, high = span.partition(":")
    if not sep or not colon or name not in symbols:
        raise KLDeriveError(f"write --vary as name=low:high with a parameter's name; got {vary!r}")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        raise KLDeriveError(f"--vary needs numbers, got {vary!r}") from None
    others = {symbols[n]: v for n, v in at.items() if n != name}
    curve = lambdify(symbols[name], result.subs(others), modules="numpy")
    xs = np.linspace(lo, hi, 400)
    ax.plot(xs, curve(xs) * np.ones_like(xs))
    ax.set_xlabel(name)
    ax.set_ylabel(r"$D_{\mathrm{KL}}$")
    ax.set_title(f"as {name} varies")
