r"""The rules a step may cite, each with the identity it rests on.

A rule's id is stable: it is part of the JSON output and the key of the rule's
explanation in every message catalog. The identity is mathematics, so it lives here as
LaTeX rather than in the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RULES", "Rule", "identity"]


@dataclass(frozen=True)
class Rule:
    """A rewriting rule: its stable id and the identity that justifies it (LaTeX or None)."""

    id: str
    identity: str | None = None


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("kl.definition", r"D_{\mathrm{KL}}(q \,\|\, p) = \int q \log \frac{q}{p}"),
        Rule("density.substitute"),
        Rule("density.formula"),
        Rule(
            "log.split_ratio", r"\frac{a\,e^{A}}{b\,e^{B}} = \frac{a}{b} \cdot \frac{e^{A}}{e^{B}}"
        ),
        Rule("log.product", r"\log (AB) = \log A + \log B"),
        Rule("log.exp", r"\log (e^{A}/e^{B}) = \log e^{A - B} = A - B"),
        Rule("normal.normalizer_ratio", r"\sqrt{2\pi\sigma^{2}} = \sqrt{2\pi}\,\sigma"),
        Rule("log.reciprocal", r"\log (1/a) = -\log a"),
        Rule("algebra.expand_square", r"(a - b)^{2} = a^{2} - 2ab + b^{2}"),
        Rule("algebra.collect"),
        Rule("log_ratio.insert"),
        Rule("log_ratio.split_integral", r"\int q\,(a + g) = a \int q + \int q\,g"),
        Rule("integral.linearity", r"\int (f + g) = \int f + \int g"),
        Rule("integral.constant", r"\int c\, f = c \int f"),
        Rule("density.normalized", r"\int q = 1"),
        Rule("log.square", r"\log a = \tfrac{1}{2} \log a^{2}"),
        Rule("define"),
        Rule("expectation.definition", r"\int q(z)\, g(z) \,dz = \mathbb{E}[g(z)]"),
        Rule(
            "expectation.linearity",
            r"\mathbb{E}[aX + bY + c] = a\,\mathbb{E}[X] + b\,\mathbb{E}[Y] + c",
        ),
        Rule("moment.base"),
        Rule("moment.reparametrize"),
        Rule("moment.expand"),
        Rule("moment.substitute"),
        Rule("moment.insert"),
        Rule("expectation.as_integral", r"\mathbb{E}[g(z)] = \int q(z)\, g(z) \,dz"),
        Rule("integral.density_written"),
        Rule("integral.insert"),
        Rule("series.log_expansion", r"-\log(1 - z) = \sum_{m \ge 1} \frac{z^{m}}{m}"),
        Rule("series.insert"),
        Rule("algebra.distribute"),
        Rule("algebra.common_denominator"),
        Rule("algebra.factor"),
        Rule("algebra.cancel"),
        Rule("algebra.combine"),
        Rule("algebra.vae_form"),
        Rule("algebra.complete_square", r"a^{2} - 2ab + b^{2} = (a - b)^{2}"),
        Rule("combine.stages"),
        Rule("independence.product", r"q(z) = \prod_{j} q_{j}(z_{j})"),
        Rule("log.quotient", r"\log (a/b) = \log a - \log b"),
        Rule(
            "expectation.quadratic_form",
            r"\mathbb{E}[(z - m)^{T} A (z - m)] = \operatorname{tr}(A \Sigma)"
            r" + (\mu - m)^{T} A (\mu - m)",
        ),
        Rule(
            "trace.identity",
            r"\operatorname{tr}(\Sigma^{-1} \Sigma) = \operatorname{tr}(I_{d}) = d",
        ),
        Rule("log.product_sum", r"\log \prod_{j} a_{j} = \sum_{j} \log a_{j}"),
        Rule("kl.expectation", r"D_{\mathrm{KL}}(q \parallel p) = \mathbb{E}_{q}[\log (q/p)]"),
        Rule("expectation.marginal"),
        Rule("kl.definition_coordinate"),
        Rule("kl.univariate"),
        Rule("kl.sum_coordinates"),
        Rule("moment.insert_coordinates"),
        Rule(
            "entropy.definition_coordinate",
            r"-\mathbb{E}_{q_{j}}[\log q_{j}] = \mathrm{H}(q_{j})",
        ),
        Rule("entropy.univariate"),
        Rule(
            "cross_entropy.definition_coordinate",
            r"-\mathbb{E}_{q_{j}}[\log p_{j}] = \mathrm{H}(q_{j}, p_{j})",
        ),
        Rule("cross_entropy.univariate"),
        Rule("cross_entropy.sum_coordinates"),
        Rule("entropy.sum_coordinates"),
        Rule(
            "sum.split_constant",
            r"\sum_{j=1}^{d} (c + a_{j}) = d\,c + \sum_{j=1}^{d} a_{j}",
        ),
        Rule("sum.constant_factor", r"\sum_{j} c\, a_{j} = c \sum_{j} a_{j}"),
        Rule("sum.split", r"\sum_{j} (a_{j} + b_{j}) = \sum_{j} a_{j} + \sum_{j} b_{j}"),
        Rule("parameter.substitute"),
        Rule(
            "kl.definition_sum",
            r"D_{\mathrm{KL}}(q \,\|\, p) = \sum_{k} q(k) \log \frac{q(k)}{p(k)}",
        ),
        Rule("support.outside"),
        Rule("support.piecewise"),
        Rule("log_density.expand"),
        Rule("log_density.insert"),
        Rule("algebra.collect_statistics"),
        Rule(
            "expectation.term_by_term",
            r"\mathbb{E}[c + \textstyle\sum_{i} a_{i} T_{i}]"
            r" = c + \sum_{i} a_{i}\,\mathbb{E}[T_{i}]",
        ),
        Rule("moment.known"),
        Rule("trig.cos_difference", r"\cos(a - b) = \cos a \cos b + \sin a \sin b"),
        Rule(
            "moment.divergent",
            r"h(z)\, q(z) \ge \frac{c}{\lvert z \rvert} \text{ near } \infty"
            r" \implies \int^{\infty} h(z)\, q(z)\, dz = \infty",
        ),
        Rule("divergence.insert"),
        Rule("divergence.absorb", r"a + \infty = \infty \text{ for a finite } a"),
        Rule(
            "vmf.mean_resultant",
            r"\mathbb{E}[\boldsymbol{\mu}^{T}\boldsymbol{x}] = -\frac{d}{d\kappa} \log C_p(\kappa)"
            r" = \frac{I_{p/2}(\kappa)}{I_{p/2-1}(\kappa)}",
        ),
        Rule(
            "vmf.mean_direction",
            r"\mathbb{E}[\boldsymbol{x}] = A_p(\kappa)\,\boldsymbol{\mu}",
        ),
        Rule("vmf.written_out"),
        Rule(
            "vmf.elementary",
            r"I_{1/2}(\kappa) = \sqrt{\tfrac{2}{\pi\kappa}} \sinh \kappa,\ "
            r"I_{3/2}(\kappa) = \sqrt{\tfrac{2}{\pi\kappa}} \left(\cosh \kappa"
            r" - \frac{\sinh \kappa}{\kappa}\right)",
        ),
        Rule("categorical.mass", r"q(k) = p_{k}, \quad p(k) = q_{k}"),
        Rule(
            "multinomial.coefficient_cancels",
            r"\log \frac{n!}{k_1! \cdots k_K!} - \log \frac{n!}{k_1! \cdots k_K!} = 0",
        ),
        Rule(
            "integral.antiderivative",
            r"\int_{a}^{b} f(z)\,dz = \bigl[F(z)\bigr]_{a}^{b}, \quad F'(z) = f(z)",
        ),
        Rule("integral.limits", r"\bigl[F(z)\bigr]_{a}^{b} = F(b) - F(a)"),
        Rule(
            "integral.split_at_kink",
            r"\int |z - a|\, f = \int_{-\infty}^{a} (a - z) f + \int_{a}^{\infty} (z - a) f",
        ),
        Rule(
            "exponential_family.form",
            r"q(z) = h(z) \exp\bigl(\langle \eta, T(z) \rangle - A(\eta)\bigr)",
        ),
        Rule(
            "exponential_family.bregman",
            r"D_{\mathrm{KL}}(q \,\|\, p) = A(\eta_{p}) - A(\eta_{q})"
            r" - \langle \eta_{p} - \eta_{q}, \mathbb{E}_{q}[T] \rangle",
        ),
        Rule("log_partition.insert"),
        Rule(
            "exponential_family.entropy",
            r"-\mathbb{E}_{q}[\log p] = A(\eta_{p}) - \langle \eta_{p}, \mathbb{E}_{q}[T]"
            r" \rangle - \mathbb{E}_{q}[\log h]",
        ),
        Rule("log_partition.insert_one"),
        Rule("density.factor_conditional", r"q(x, \tau) = q(\tau)\, q(x \mid \tau)"),
        Rule(
            "kl.chain_rule",
            r"D_{\mathrm{KL}}(q(x, \tau) \,\|\, p(x, \tau)) = D_{\mathrm{KL}}(q(\tau) \,\|\,"
            r" p(\tau)) + \mathbb{E}_{q(\tau)}\bigl[D_{\mathrm{KL}}(q(x \mid \tau) \,\|\,"
            r" p(x \mid \tau))\bigr]",
        ),
        Rule(
            "entropy.chain_rule",
            r"\mathrm{H}(q(x, \tau)) = \mathrm{H}(q(\tau)) + \mathbb{E}_{q(\tau)}\bigl["
            r"\mathrm{H}(q(x \mid \tau))\bigr]",
        ),
        Rule(
            "cross_entropy.chain_rule",
            r"\mathrm{H}(q(x, \tau), p(x, \tau)) = \mathrm{H}(q(\tau), p(\tau))"
            r" + \mathbb{E}_{q(\tau)}\bigl[\mathrm{H}(q(x \mid \tau), p(x \mid \tau))\bigr]",
        ),
        Rule("cross_entropy.marginal"),
        Rule("cross_entropy.conditional"),
        Rule("entropy.marginal"),
        Rule("entropy.conditional"),
        Rule("kl.marginal"),
        Rule("kl.conditional"),
        Rule("kl.insert_conditional"),
        Rule(
            "multinomial.log_factorial",
            r"k_{i} \sim \operatorname{Bin}(n, p_{i}): \quad \mathbb{E}[\log k_{i}!] ="
            r" \sum_{j=0}^{n} \frac{n!}{j!\,(n - j)!} p_{i}^{j} (1 - p_{i})^{n - j} \log j!",
        ),
        Rule("entropy.definition_expectation", r"\mathrm{H}(q) = -\mathbb{E}_{q}[\log q]"),
        Rule("cross_entropy.expectation", r"\mathrm{H}(q, p) = -\mathbb{E}_{q}[\log p]"),
        Rule("log_partition.gradient", r"\mathbb{E}[T_{i}] = \partial A / \partial \eta_{i}"),
        Rule("algebra.simplify"),
        Rule("entropy.definition", r"\mathrm{H}(q) = -\int q \log q"),
        Rule("entropy.definition_sum", r"\mathrm{H}(q) = -\sum_{k} q(k) \log q(k)"),
        Rule("cross_entropy.definition", r"\mathrm{H}(q, p) = -\int q \log p"),
        Rule("cross_entropy.definition_sum", r"\mathrm{H}(q, p) = -\sum_{k} q(k) \log p(k)"),
        # -- Wishart laws
        Rule(
            "wishart.density",
            r"\Gamma_{p}(a) = \pi^{p(p-1)/4} \prod_{j=1}^{p} \Gamma\left(a - \frac{j-1}{2}\right)",
        ),
        Rule(
            "expectation.trace",
            r"\mathbb{E}[\operatorname{tr}(A X)] = \operatorname{tr}(A\, \mathbb{E}[X])",
        ),
        Rule("trace.scalar", r"\operatorname{tr}(c A) = c \operatorname{tr}(A)"),
        Rule(
            "trace.identity_p",
            r"\operatorname{tr}(V^{-1} V) = \operatorname{tr}(I_{p}) = p",
        ),
        Rule("bartlett.determinant", r"\det (L A A^{T} L^{T}) = \det (L L^{T}) (\det A)^{2}"),
        Rule(
            "expectation.log_product",
            r"\mathbb{E}[\log (a c_{1} c_{2} \cdots)] = \log a + \mathbb{E}[\log c_{1}]"
            r" + \mathbb{E}[\log c_{2}] + \cdots",
        ),
        Rule(
            "moment.log_chi2",
            r"\mathbb{E}[\log c] = \psi(k/2) + \log 2 \text{ for } c \sim \chi^{2}_{k}",
        ),
        Rule(
            "multidigamma.definition",
            r"\psi_{p}(a) = \sum_{i=1}^{p} \psi\left(a - \frac{i-1}{2}\right)",
        ),
        Rule("matrix.determinant"),
        Rule("matrix.determinant_value"),
        Rule("matrix.trace_identity", r"I^{-1} = I"),
        Rule("matrix.inverse", r"V^{-1} = \frac{1}{\det V} \operatorname{adj} V"),
        Rule("matrix.product"),
        Rule("matrix.trace"),
    )
}

# the companion derivations' rules (kl-derive estimators), kept in their own module
from .rules_companions import COMPANION_RULES  # noqa: E402

RULES.update({rule_id: Rule(rule_id, latex) for rule_id, latex in COMPANION_RULES})


def identity(rule: str) -> str | None:
    """The LaTeX identity behind ``rule`` (``None`` for rules that cite no identity)."""
    return RULES[rule].identity
