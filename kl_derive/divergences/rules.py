r"""The rules the divergences' steps cite, added to :data:`kl_derive.steps.rules.RULES`
where they live (the catalogs explain each one, like every rule)."""

from __future__ import annotations

from ..steps.rules import RULES, Rule

__all__ = ["DIVERGENCE_RULES"]

DIVERGENCE_RULES = (
    Rule(
        "alpha_family.combine",
        r"q^{\alpha} p^{1 - \alpha} = h\, e^{\langle \alpha \eta_{q} + (1 - \alpha) \eta_{p},"
        r" T \rangle - \alpha A(\eta_{q}) - (1 - \alpha) A(\eta_{p})}",
    ),
    Rule("alpha_family.normalize", r"\int h\, e^{\langle \eta, T \rangle} = e^{A(\eta)}"),
    Rule("alpha_integral.form"),
    Rule("alpha_integral.insert"),
    Rule(
        "alpha_integral.independent",
        r"\int \prod_{j} f_{j}(z_{j})\,dz = \prod_{j} \int f_{j}(z_{j})\,dz_{j}",
    ),
    Rule("alpha_integral.coordinate"),
    Rule("alpha_masses.terms"),
    Rule("alpha_masses.common_support"),
    Rule(
        "renyi.definition",
        r"D_{\alpha}(q \parallel p) = \frac{1}{\alpha - 1} \log \int q^{\alpha} p^{1 - \alpha}",
    ),
    Rule(
        "renyi.limit",
        r"\lim_{\alpha \to 1} D_{\alpha}(q \parallel p) = D_{\mathrm{KL}}(q \parallel p)",
    ),
    Rule(
        "renyi.limit_infinite",
        r"\lim_{\alpha \to 1} D_{\alpha}(q \parallel p) = D_{\mathrm{KL}}(q \parallel p) = \infty",
    ),
    Rule("bhattacharyya.definition", r"D_{\mathrm{B}}(q, p) = -\log \int \sqrt{q p}"),
    Rule("hellinger.definition", r"H^{2}(q, p) = 1 - \int \sqrt{q p}"),
    Rule("chi_square.definition", r"\chi^{2}(q \parallel p) = \int \frac{q^{2}}{p} - 1"),
    Rule(
        "hellinger.half_squared",
        r"\tfrac{1}{2} \int (\sqrt{q} - \sqrt{p})^{2} = \tfrac{1}{2} \int q"
        r" + \tfrac{1}{2} \int p - \int \sqrt{q p} = 1 - \int \sqrt{q p}",
    ),
    Rule("chi_square.renyi", r"D_{2}(q \parallel p) = \log \int \frac{q^{2}}{p}"),
    Rule(
        "jeffreys.definition",
        r"D_{\mathrm{J}}(q, p) = D_{\mathrm{KL}}(q \parallel p) + D_{\mathrm{KL}}(p \parallel q)",
    ),
    Rule("jeffreys.insert"),
    Rule("jeffreys.both_finite"),
    Rule("jeffreys.equal_supports"),
    Rule("jeffreys.simplify"),
    Rule("jeffreys.symmetry"),
    Rule(
        "wasserstein.quantile_coupling",
        r"W_{2}^{2}(q, p) = \int_{0}^{1} \bigl(F_{q}^{-1}(u) - F_{p}^{-1}(u)\bigr)^{2}\,du",
    ),
    Rule("wasserstein.normal_quantile", r"F^{-1}(u) = \mu + \sigma\,\Phi^{-1}(u)"),
    Rule("wasserstein.collect"),
    Rule(
        "total_variation.definition",
        r"\mathrm{TV}(q, p) = \tfrac{1}{2} \sum_{k} \lvert q(k) - p(k) \rvert",
    ),
    Rule("total_variation.terms"),
    Rule("wasserstein.substitute", r"u = \Phi(t),\ du = \varphi(t)\,dt"),
    Rule(
        "wasserstein.normal_moments",
        r"\int \varphi = 1,\ \int t\,\varphi = 0,\ \int t^{2} \varphi = 1",
    ),
)

RULES.update({rule.id: rule for rule in DIVERGENCE_RULES})
