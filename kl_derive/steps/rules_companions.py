r"""The rules the companion derivations cite (``kl-derive estimators``, ``mixture``,
``elbo`` and transformed laws): ``(id, identity)`` pairs, registered in
:data:`kl_derive.steps.rules.RULES` (which see)."""

from __future__ import annotations

__all__ = ["COMPANION_RULES"]

COMPANION_RULES: tuple[tuple[str, str | None], ...] = (
    ("estimator.ratio", None),
    ("estimator.k1", None),
    ("estimator.k2", None),
    ("estimator.k3", None),
    ("estimator.log_densities", None),
    ("estimator.standardize", None),
    ("estimator.coefficient", None),
    (
        "estimator.standard_moment",
        r"\mathbb{E}[\varepsilon^{2j}] = (2j - 1)!!, \ \mathbb{E}[\varepsilon^{2j+1}] = 0",
    ),
    ("estimator.minus_log_ratio", r"\log \frac{q}{p} = -\log r"),
    ("estimator.insert_quadratic", None),
    ("estimator.moments_insert", None),
    ("estimator.coefficients_insert", None),
    (
        "variance.definition",
        r"\operatorname{Var}[X] = \mathbb{E}[X^{2}] - \mathbb{E}[X]^{2}",
    ),
    ("estimator.centre", r"\operatorname{Var}[X] = \mathbb{E}[(X - \mathbb{E}[X])^{2}]"),
    ("estimator.ratio_cancels", r"q \cdot \frac{p}{q} = p"),
    ("estimator.k3_linearity", r"\mathbb{E}[X - 1 + Y] = \mathbb{E}[X] - 1 + \mathbb{E}[Y]"),
    ("estimator.insert_mean_ratio", r"\mathbb{E}_{q}[r] = 1"),
    ("estimator.unbiased", None),
    ("estimator.k3_integral", r"\int_{1}^{r} \left(1 - \frac{1}{t}\right) dt = r - 1 - \log r"),
    (
        "estimator.k3_variance",
        r"\operatorname{Var}[X - Y] = \operatorname{Var}[X] + \operatorname{Var}[Y]"
        r" - 2 \operatorname{Cov}[X, Y]",
    ),
    ("estimator.weighted_log_ratio", r"\mathbb{E}_{q}[r f] = \mathbb{E}_{p}[f]"),
    ("kl.closed_form", None),
    ("estimator.ratio_square", r"\mathbb{E}_{q}[r^{2}] = 1 + \chi^{2}(p \,\|\, q)"),
    (
        "estimator.gaussian_integral",
        r"\int_{-\infty}^{\infty} e^{-a z^{2} + b z} \,dz = \sqrt{\pi / a}\, e^{b^{2}/(4a)},"
        r" \ a > 0",
    ),
    ("estimator.k2_linearity", None),
    ("estimator.k2_in_kl", None),
    ("estimator.bias", None),
    ("estimator.k2_fourth", None),
    ("estimator.gradient_k1", r"\mathbb{E}_{q}[\partial_{\theta} \log q] = 0"),
    ("estimator.gradient_k2", None),
    ("estimator.gradient_k3", None),
    ("estimator.gradient_k3_value", r"\mathbb{E}_{q}[r f] = \mathbb{E}_{p}[f]"),
    # gradients in the reference law's parameters
    (
        "estimator.reference_k1",
        r"\mathbb{E}_{q}[-\partial_{\phi} \log p] = \partial_{\phi} \mathrm{KL}(q \,\|\, p)",
    ),
    ("estimator.reference_k3", r"\partial_{\phi} r = r\, \partial_{\phi} \log p"),
    (
        "estimator.reference_k3_value",
        r"\mathbb{E}_{q}[r f] = \mathbb{E}_{p}[f], \ \mathbb{E}_{p}[\partial_{\phi} \log p] = 0",
    ),
    (
        "estimator.reference_k2",
        r"\partial_{\phi} \mathbb{E}_{q}[k] = \mathbb{E}_{q}[\partial_{\phi} k]",
    ),
    # the estimators for two laws of one exponential family
    ("estimator.family_natural", None),
    ("estimator.family_mgf_sum", r"\mathbb{E}_{q}[r^{t}] = \int q^{1 - t} p^{t}"),
    (
        "estimator.family_mgf",
        r"\int h\, e^{\langle \eta, T \rangle} = e^{A(\eta)}, \ \eta \in N",
    ),
    (
        "estimator.family_mgf_at_two",
        r"\int h\, e^{\langle \eta, T \rangle} = e^{A(\eta)}, \ \eta \in N",
    ),
    ("estimator.family_cumulant", None),
    ("estimator.family_cumulant_value", r"\kappa_{n} = K^{(n)}(0)"),
    ("estimator.family_cumulant_insert", None),
    ("estimator.family_minus_kappa", r"\mathbb{E}_{q}[-\log r] = -\kappa_{1}"),
    ("estimator.family_centre", r"\operatorname{Var}[X] = \mathbb{E}[(X - \mathbb{E}[X])^{2}]"),
    ("estimator.family_reverse", r"\mathbb{E}_{p}[\log r] = K'(1)"),
    ("estimator.family_ratio_square", r"\mathbb{E}_{q}[r^{2}] = 1 + \chi^{2}(p \,\|\, q)"),
    ("estimator.family_raw_moments", None),
    ("estimator.family_fourth", None),
    # KL under a change of variables (transformed(P, f))
    ("transform.density", r"q_{Y}(y) = q(f^{-1}(y)) \left|\frac{d f^{-1}(y)}{dy}\right|"),
    ("transform.identify", r"q_{Y}(y) = q(f^{-1}(y)) \left|\frac{d f^{-1}(y)}{dy}\right|"),
    ("transform.density_insert", None),
    ("transform.jacobians_cancel", r"\frac{a c}{b c} = \frac{a}{b}, \ c > 0"),
    ("transform.log_ratio_insert", None),
    ("transform.substitute", r"\int g(y)\,dy = \int g(f(z))\,\lvert f'(z) \rvert\,dz"),
    ("transform.base_kl", r"D_{\mathrm{KL}}(q \,\|\, p) = \int q \log \frac{q}{p}"),
    ("transform.base_result", None),
    (
        "transform.pull_back",
        r"D_{\mathrm{KL}}(f\#P \,\|\, g\#Q) = D_{\mathrm{KL}}(P \,\|\, (f^{-1} \circ g)\#Q)",
    ),
    ("transform.compose", None),
    ("transform.pulled_density", r"p_{h}(z) = p(h^{-1}(z)) \left|\frac{d h^{-1}(z)}{dz}\right|"),
    (
        "transform.invariance",
        r"D_{\mathrm{KL}}(f\#P \,\|\, f\#Q) = D_{\mathrm{KL}}(P \,\|\, Q)",
    ),
    ("mixture.density", r"f(z) = \sum_{a} w_{a} f_{a}(z)"),
    ("mixture.split", r"\mathbb{E}_{f}[h] = \sum_{a} w_{a} \mathbb{E}_{f_{a}}[h]"),
    ("mixture.name", None),
    ("mixture.component", None),
    (
        "mixture.coupling",
        r"\mathrm{KL}\bigl(\textstyle\sum_{ab} \varphi_{ab} f_{a} \,\big\|\,"
        r" \sum_{ab} \psi_{ab} g_{b}\bigr) \le \sum_{ab} \varphi_{ab}"
        r" \Bigl(\log \frac{\varphi_{ab}}{\psi_{ab}} + \mathrm{KL}(f_{a} \,\|\, g_{b})\Bigr)",
    ),
    ("mixture.insert_components", None),
    ("mixture.posterior", None),
    ("mixture.coupling_gap", r"\sum_{k} \pi_{k} \log \frac{\pi_{k}}{\rho_{k}} \ge 0"),
    (
        "mixture.variational",
        r"\log \sum_{k} a_{k} \ge \sum_{k} \varphi_{k} \log \frac{a_{k}}{\varphi_{k}}",
    ),
    (
        "mixture.gaussian_product",
        r"\int \mathcal{N}(z; \mu_{1}, \sigma_{1}^{2})\, \mathcal{N}(z; \mu_{2}, \sigma_{2}^{2})"
        r" \,dz = \mathcal{N}(\mu_{1}; \mu_{2}, \sigma_{1}^{2} + \sigma_{2}^{2})",
    ),
    (
        "mixture.entropy",
        r"\mathrm{H}(\mathcal{N}(\mu, \sigma^{2})) = \tfrac12 \log (2 \pi e \sigma^{2})",
    ),
    ("mixture.lower", r"\mathbb{E}[\log X] \le \log \mathbb{E}[X]"),
    ("mixture.upper", r"\mathbb{E}[\log X] \le \log \mathbb{E}[X]"),
    ("elbo.constant", r"\mathbb{E}_{q}[c] = c"),
    ("elbo.bayes", r"p(x, z) = p(x)\, p(z \mid x)"),
    ("elbo.insert_q", r"\log \frac{a}{b} = \log \frac{a}{c} + \log \frac{c}{b}"),
    ("elbo.name", None),
    ("elbo.normalized", r"\int p(z \mid x) \,dz = 1"),
    ("elbo.marginal", r"p(x)\, p(z \mid x) = p(x, z)"),
    ("elbo.multiply_divide", r"a = q \cdot \frac{a}{q}, \ q > 0"),
    ("elbo.gap", r"\log \mathbb{E}[Y] \ge \mathbb{E}[\log Y]"),
    ("elbo.definition", None),
    ("elbo.factor_joint", r"p(x, z) = p(x \mid z)\, p(z)"),
    ("elbo.log_product", r"\log (AB) = \log A + \log B"),
    ("elbo.kl_prior", r"\mathbb{E}_{q}\left[\log \frac{p}{q}\right] = -\mathrm{KL}(q \,\|\, p)"),
    (
        "elbo.reparametrize",
        r"\mathbb{E}_{q}[g(z)] = \mathbb{E}_{\varepsilon}[g(\mu + \sigma \varepsilon)]",
    ),
    (
        "elbo.differentiate_inside",
        r"\partial_{\theta} \mathbb{E}_{p}[f_{\theta}]"
        r" = \mathbb{E}_{p}[\partial_{\theta} f_{\theta}]"
        r" \text{ when } p \text{ does not depend on } \theta",
    ),
    (
        "elbo.differentiate_coordinates",
        r"\partial_{\mu_{j}} \mathbb{E}_{p}[g] = \mathbb{E}_{p}[\partial_{\mu_{j}} g]"
        r" \text{ when } p \text{ does not depend on } \mu_{j}",
    ),
    ("elbo.decoder_factor", r"p(x \mid z) = \prod_{i} p(x_{i} \mid z)"),
    ("elbo.decoder_density", None),
    ("elbo.decoder_log", r"\log (a e^{b}) = \log a + b"),
    ("elbo.decoder_sum", None),
    ("elbo.decoder_collect", r"\sum_{i=1}^{D} c = D c"),
    ("elbo.prior_coordinates", None),
    ("elbo.prior_seed", None),
    ("elbo.prior_half", r"\sum_{j} \tfrac{1}{2} a_{j} = \tfrac{1}{2} \sum_{j} a_{j}"),
    ("elbo.loss_definition", None),
    ("elbo.loss_insert", None),
    ("elbo.loss_simplify", None),
    ("elbo.sample_definition", None),
    (
        "elbo.sample_reparametrize",
        r"\mathbb{E}_{\varepsilon}[g(\mu + \sigma \varepsilon)] = \mathbb{E}_{q}[g(z)]",
    ),
    ("elbo.sample_integrand", None),
    (
        "elbo.sample_terms",
        r"\mathbb{E}_{q}\left[\log \frac{q}{p}\right] = \mathrm{KL}(q \,\|\, p)",
    ),
    (
        "elbo.sample_elbo",
        r"\mathrm{ELBO} = \mathbb{E}_{q}[\log p(x \mid z)] - \mathrm{KL}(q \,\|\, p)",
    ),
    ("elbo.sample_loss", None),
    (
        "elbo.sample_log_q",
        r"\log \mathcal{N}(\mu + \sigma \varepsilon; \mu, \sigma^{2})"
        r" = -\log \sigma - \tfrac{1}{2} \varepsilon^{2} - \tfrac{1}{2} \log 2\pi",
    ),
)
