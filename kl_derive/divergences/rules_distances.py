r"""The rules the Jensen–Shannon, total variation and Wasserstein derivations of this
package cite beyond :mod:`.rules`, added to :data:`kl_derive.steps.rules.RULES` where they
live (the catalogs explain each one)."""

from __future__ import annotations

from ..steps.rules import RULES, Rule

__all__ = ["DISTANCE_RULES"]

DISTANCE_RULES = (
    Rule(
        "jensen_shannon.definition",
        r"\mathrm{JS}(q, p) = \tfrac{1}{2} \sum_{k} q \log \frac{2q}{q + p}"
        r" + \tfrac{1}{2} \sum_{k} p \log \frac{2p}{q + p}",
    ),
    Rule(
        "jensen_shannon.integral_definition",
        r"\mathrm{JS}(q, p) = \tfrac{1}{2} D_{\mathrm{KL}}(q \parallel m)"
        r" + \tfrac{1}{2} D_{\mathrm{KL}}(p \parallel m),\ m = \tfrac{1}{2}(q + p)",
    ),
    Rule("jensen_shannon.terms"),
    Rule(
        "jensen_shannon.entropy_form",
        r"x \log \frac{2x}{s} = x \log 2 + x \log x - x \log s",
    ),
    Rule(
        "jensen_shannon.split",
        r"\log \frac{2q}{q + p} = \log 2 + \log q - \log (q + p),\ \int q = \int p = 1",
    ),
    Rule("jensen_shannon.entropies", r"\int q \log q = -H(q)"),
    Rule(
        "total_variation.definition_integral",
        r"\mathrm{TV}(q, p) = \tfrac{1}{2} \int \lvert q(z) - p(z) \rvert\,dz",
    ),
    Rule("total_variation.two_crossings"),
    Rule("total_variation.one_crossing"),
    Rule(
        "total_variation.normal_cdf",
        r"\int_{a}^{b} q = \Phi\bigl(\tfrac{b - \mu}{\sigma}\bigr)"
        r" - \Phi\bigl(\tfrac{a - \mu}{\sigma}\bigr)",
    ),
    Rule(
        "total_variation.exponential_cdf",
        r"\int_{0}^{a} \lambda e^{-\lambda z}\,dz"
        r" = 1 - e^{-\lambda a}",
    ),
    Rule("total_variation.symmetry", r"\Phi(-x) = 1 - \Phi(x)"),
    Rule("total_variation.same_law"),
    Rule("total_variation.cases"),
    Rule(
        "total_variation.overlap",
        r"\tfrac{1}{2} \int \lvert q - p \rvert = 1 - \int \min(q, p)",
    ),
    Rule("total_variation.disjoint"),
    Rule("total_variation.uniform_overlap"),
    Rule("total_variation.uniform_cases"),
    Rule(
        "wasserstein.independent",
        r"W_{2}^{2}(q, p) = \sum_{j} W_{2}^{2}(q_{j}, p_{j})",
    ),
    Rule(
        "wasserstein.coordinate",
        r"W_{2}^{2}(\mathcal{N}(\mu, \sigma^{2}), \mathcal{N}(m, s^{2}))"
        r" = (\mu - m)^{2} + (\sigma - s)^{2}",
    ),
    Rule(
        "wasserstein.gaussian",
        r"W_{2}^{2} = (\mu_{1} - \mu_{2})^{T} (\mu_{1} - \mu_{2}) + \operatorname{tr} \Sigma_{1}"
        r" + \operatorname{tr} \Sigma_{2}"
        r" - 2 \operatorname{tr} (\Sigma_{2}^{1/2} \Sigma_{1} \Sigma_{2}^{1/2})^{1/2}",
    ),
    Rule("matrix_root.square_root"),
    Rule("matrix_root.commuting"),
    Rule("matrix_root.insert"),
    Rule("matrix_root.product"),
    Rule("matrix_root.eigenvalues"),
    Rule(
        "wasserstein.location_scale_quantile",
        r"F^{-1}(u) = \mu + s\,G^{-1}(u)",
    ),
    Rule(
        "wasserstein.standard_moments",
        r"\int_{0}^{1} G^{-1}(u)\,du = \mathbb{E}[Z],\ "
        r" \int_{0}^{1} G^{-1}(u)^{2}\,du = \mathbb{E}[Z^{2}]",
    ),
)

RULES.update({rule.id: rule for rule in DISTANCE_RULES})
