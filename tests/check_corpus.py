"""A corpus of KL terms as public PyTorch, Keras/TF, JAX and NumPy code writes them.

Each case is the code as pasted (a line, or a block of lines), the verdict ``kl-derive
check`` must give, the mistakes it must name (in order), the kind of term, and options.
The lines follow patterns of real repositories (PyTorch's VAE example, Keras' VAE
example, the TF 1.x VAE tutorials, flax's VAE example, AntixK's PyTorch-VAE, VRNN and
conditional-VAE code, Gumbel-softmax VAEs, RLHF and PPO trainers), including the bugs
those patterns are known to have. ``tests/test_check_corpus.py`` asserts the verdicts and
recomputes every Gaussian, discrete and estimator case numerically with NumPy stand-ins
for the frameworks, independently of the checker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The seed line of the issue, exactly as pasted.
SEED = (
    "self.kl_loss = - 0.5 * tf.reduce_sum((1 + self.logvar - tf.square(self.mu) - "
    "tf.exp(self.logvar)), reduction_indices = 1)"
)


@dataclass(frozen=True)
class Case:
    code: str
    verdict: str
    mistakes: tuple[str, ...] = ()
    kind: str = "normal"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def block(self) -> bool:
        return "\n" in self.code.strip()


C, INC, B = "correct", "incorrect", "biased"

LINES: list[Case] = [
    # --- the VAE term against N(0, 1): correct, as written in public code ---------------
    Case(SEED, C),
    Case("KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", C),
    Case("kl_loss = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)", C),
    Case(
        "kl_loss = tf.reduce_mean(-0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - "
        "tf.exp(z_log_var), axis=1))",
        C,
    ),
    Case("return -0.5 * jnp.sum(1 + logvar - jnp.square(mean) - jnp.exp(logvar))", C),
    Case("kld = -0.5 * jnp.sum(1 + logvar - jnp.square(mean) - jnp.exp(logvar), axis=-1)", C),
    Case("kl = 0.5 * torch.sum(mu**2 + std**2 - torch.log(std**2) - 1)", C),
    Case(
        "kld_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp(), dim = 1), "
        "dim = 0)",
        C,
    ),
    Case("kl_div = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1).mean()", C),
    Case(
        "latent_loss = -0.5 * tf.reduce_sum(1 + self.z_log_sigma_sq - tf.square(self.z_mean) - "
        "tf.exp(self.z_log_sigma_sq), 1)",
        C,
    ),
    Case("kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1).mean()", C),
    Case("kl_loss = (-0.5 * (1 + z_log_var - z_mean ** 2 - np.exp(z_log_var))).sum(axis=-1)", C),
    Case("KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)", C),
    Case("KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / batch_size", C),
    Case("kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(mu)", C),
    Case("kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / mu.shape[0]", C),
    Case(
        "kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=list(range(1, mu.dim())))",
        C,
    ),
    Case("kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1, keepdim=True)", C),
    Case(
        "kl_loss = beta * (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)).mean()",
        C,
    ),
    Case(
        "loss_kl = self.kl_weight * -0.5 * torch.mean(torch.sum(1 + log_var - mu ** 2 - "
        "log_var.exp(), dim=1))",
        C,
    ),
    Case(
        "kl_loss = min(1.0, epoch / 10) * (-0.5 * torch.sum(1 + logvar - mu.pow(2) - "
        "logvar.exp()))",
        C,
    ),
    Case("kl = -0.5 * torch.sum(1 + 2 * torch.log(sigma) - mu.pow(2) - sigma.pow(2))", C),
    Case("kl = torch.sum(-torch.log(sigma) + 0.5 * (sigma ** 2 + mu ** 2) - 0.5, dim=-1)", C),
    Case("kl = 0.5 * torch.sum(torch.exp(logvar) + mu**2 - 1. - logvar, 1)", C),
    Case(
        "kl = -0.5 * torch.sum(1 + torch.log(self.sigma**2 + 1e-8) - self.mu**2 - self.sigma**2)",
        C,
    ),
    Case("kl = 0.5 * np.sum(np.square(mu) + np.exp(log_var) - log_var - 1, axis=1)", C),
    Case("KL = -0.5 * np.sum(1 + log_sigma2 - mu**2 - np.exp(log_sigma2))", C),
    Case("kl = torch.sum(-log_std + 0.5 * (torch.exp(2 * log_std) + mu ** 2) - 0.5, dim=1)", C),
    Case("kl = 0.5 * torch.sum(var + mu**2 - 1 - torch.log(var), dim=1)", C),
    Case("kl = (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1)).sum(-1).mean()", C),
    Case("kld = -0.5 * torch.sum(1 + logVar - mean.pow(2) - logVar.exp())", C),
    Case(
        "loss_kl = -0.5 * torch.sum(1 + posterior_logvar - posterior_mean.pow(2) - "
        "posterior_logvar.exp(), dim=1)",
        C,
    ),
    Case("kl = 0.5 * torch.sum(mu_hat ** 2 + sigma_hat ** 2 - torch.log(sigma_hat ** 2) - 1)", C),
    Case("kl = kl_weight * 0.5 * torch.sum(torch.exp(logvar) + mu ** 2 - 1 - logvar)", C),
    Case(
        "kl_loss = -0.5 * torch.sum(1 + outputs.logvar - outputs.mu ** 2 - outputs.logvar.exp(), "
        "dim=-1)",
        C,
    ),
    Case(
        "kl = -0.5 * torch.sum(1 + torch.clamp(logvar, -10, 10) - mu.pow(2) - "
        "torch.clamp(logvar, -10, 10).exp())",
        C,
    ),
    Case("kl = -0.5 * torch.sum(1 + h - mu.pow(2) - h.exp())", C),  # h: only logvar fits
    Case(
        "kl = -0.5 * K.sum(1 + K.log(K.square(z_std) + K.epsilon()) - K.square(z_mean) - "
        "K.square(z_std), axis=-1)",
        C,
    ),
    # --- the VAE term: bugs ---------------------------------------------------------------
    Case("KLD = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", INC, ("missing_half",)),
    Case("KLD = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", INC, ("flipped_sign",)),
    Case(
        "kl = -0.5 * torch.sum(1 + torch.log(sigma) - mu.pow(2) - sigma.pow(2))",
        INC,
        ("log_sigma_vs_log_variance",),
    ),
    Case(
        "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - torch.exp(0.5 * logvar))",
        INC,
        ("sigma_for_variance",),
    ),
    Case(
        "kl = 0.5 * torch.sum(mu ** 2 + std - torch.log(std ** 2) - 1)",
        INC,
        ("sigma_for_variance",),
    ),
    Case("kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) + logvar.exp())", INC, ("flipped_sign",)),
    Case(
        "kl = torch.mean(-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)) / "
        "mu.size(0)",
        INC,
        ("extra_normaliser",),
    ),
    Case(
        "kl = -torch.mean(1 + logvar - mu.pow(2) - logvar.exp())",
        INC,
        ("missing_half", "mean_instead_of_sum"),
    ),
    Case(
        "kl_loss = -0.5 * K.mean(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)",
        INC,
        ("mean_instead_of_sum",),
    ),
    Case(
        "kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())",
        INC,
        ("mean_instead_of_sum",),
    ),
    Case(
        "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / latent_dim",
        INC,
        ("mean_instead_of_sum",),
    ),
    Case(
        "kl = 0.5 * torch.sum(logvar + (1 + mu**2) / logvar.exp() - 1)",
        INC,
        ("reversed_direction",),
    ),
    Case("kl = -0.5 * torch.sum(logvar - mu.pow(2) - logvar.exp())", INC, ("missing_term",)),
    Case("kl = -0.5 * torch.sum(1 + logvar - logvar.exp())", INC, ("missing_term",)),
    Case(
        "kl = -0.5 * torch.sum(1 + std - mu.pow(2) - std.exp())",
        INC,
        ("wrong_parametrization",),
    ),
    Case("kl = 0.5 * (tf.square(mu) + tf.exp(logvar) - logvar - 1.)", INC, ("missing_sum",)),
    Case(
        "kl = 0.5 * torch.sum(var + mu**2 - 1 - torch.log(var**2), dim=1)",
        INC,
        ("log_sigma_vs_log_variance",),
    ),
    Case(
        "kl = 0.5 * torch.mean(torch.sum(mu**2 + logvar.exp() - logvar - 1, dim=1)) / x.shape[0]",
        INC,
        ("extra_normaliser",),
    ),
    Case(
        "kl = torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1).mean()",
        INC,
        ("missing_half", "flipped_sign"),
    ),
    Case(
        "kl_loss = - 0.5 * K.mean(1 + z_log_sigma - K.square(z_mean) - K.exp(z_log_sigma), "
        "axis=-1)",
        INC,
        ("log_sigma_vs_log_variance", "mean_instead_of_sum"),
    ),
    Case(
        "kl = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0) / x.size(0)",
        INC,
        ("missing_half", "extra_normaliser"),
    ),
    # --- two Gaussians: a learned prior ----------------------------------------------------
    Case(
        "kld = 0.5 * torch.sum(logvar_p - logvar_q + (torch.exp(logvar_q) + (mu_q - mu_p).pow(2)) "
        "/ torch.exp(logvar_p) - 1)",
        C,
        kind="normal_pair",
    ),
    Case(
        "kld = -0.5 * torch.sum(1 + (recog_logvar - prior_logvar) - torch.div(torch.pow(prior_mu "
        "- recog_mu, 2), torch.exp(prior_logvar)) - torch.div(torch.exp(recog_logvar), "
        "torch.exp(prior_logvar)), 1)",
        C,
        kind="normal_pair",
    ),
    Case(
        "kl = torch.sum(log_sigma_p - log_sigma_q + (torch.exp(2*log_sigma_q) + (mu_q - mu_p)**2)"
        " / (2*torch.exp(2*log_sigma_p)) - 0.5, dim=-1)",
        C,
        kind="normal_pair",
    ),
    Case(
        "kl = 0.5 * tf.reduce_sum(prior_logvar - post_logvar + (tf.exp(post_logvar) + "
        "tf.square(post_mu - prior_mu)) / tf.exp(prior_logvar) - 1.0, axis=-1)",
        C,
        kind="normal_pair",
    ),
    Case(
        "kl = 0.5 * torch.sum(logvar_q - logvar_p + (logvar_p.exp() + (mu_p - mu_q)**2) / "
        "logvar_q.exp() - 1)",
        INC,
        ("reversed_direction",),
        kind="normal_pair",
    ),
    Case(
        "kl = torch.sum(logvar_p - logvar_q + (torch.exp(logvar_q) + (mu_q - mu_p)**2) / "
        "torch.exp(logvar_p) - 1)",
        INC,
        ("missing_half",),
        kind="normal_pair",
    ),
    Case(
        "kl = 0.5 * torch.sum(logvar_p - logvar_q + (torch.exp(logvar_q) + (mu_q - mu_p)**2) / "
        "torch.exp(logvar_q) - 1)",
        INC,
        ("wrong_denominator",),
        kind="normal_pair",
    ),
    # --- discrete latents ------------------------------------------------------------------
    Case(
        "kl = torch.sum(q * (torch.log(q + 1e-20) - math.log(1.0 / K)), dim=-1)",
        C,
        kind="categorical",
    ),
    Case("kl = (q * (torch.log(q + eps) - torch.log(p + eps))).sum(-1)", C, kind="categorical"),
    Case("kl = torch.sum(qy * torch.log(qy / prior + 1e-10), dim=1)", C, kind="categorical"),
    Case(
        "kl = torch.sum(q * torch.log(q / p) + (1 - q) * torch.log((1 - q) / (1 - p)), dim=1)",
        C,
        kind="bernoulli",
    ),
    Case(
        "kl = (probs * torch.log(2 * probs) + (1 - probs) * torch.log(2 * (1 - probs))).sum(-1)",
        C,
        kind="bernoulli",
    ),
    Case(
        "kl = torch.sum(q * torch.log(q / p), dim=1)",
        INC,
        ("missing_term",),
        kind="bernoulli",
        options={"against": "bernoulli"},
    ),
    Case(
        "kl = torch.sum(prior * torch.log(prior / qy), dim=-1)",
        INC,
        ("reversed_direction",),
        kind="categorical",
    ),
    Case(
        "kl = torch.sum(qy * torch.log(qy + 1e-20), dim=-1)",
        INC,
        ("missing_term",),
        kind="categorical",
    ),
    Case(
        "kl = torch.sum(q * (torch.log(q + 1e-20) - np.log(1.0 / 10)), dim=-1)",
        C,
        kind="categorical",
    ),
    Case("kl = torch.sum(q * torch.log(p / q), -1)", INC, ("flipped_sign",), kind="categorical"),
    Case(
        "kl = torch.mean(q * torch.log(q / p), -1)",
        INC,
        ("mean_instead_of_sum",),
        kind="categorical",
    ),
    Case("kl = (logprobs.exp() * (logprobs - ref_logprobs)).sum(-1)", C, kind="categorical"),
    # --- RLHF per-token penalties ------------------------------------------------------------
    Case("kl = logprobs - ref_logprobs", C, kind="estimator"),
    Case("kl = ref_logprobs - logprobs", INC, ("flipped_sign",), kind="estimator"),
    Case("kl = 0.5 * (logprob - ref_logprob) ** 2", B, ("biased_estimator",), kind="estimator"),
    Case(
        "kl = torch.exp(ref_logprob - logprob) - 1 - (ref_logprob - logprob)", C, kind="estimator"
    ),
    Case("kl = (ratio - 1) - log_ratio", INC, ("inverted_ratio",), kind="estimator"),
    Case(
        "kl_penalty = (log_ratio.exp() - 1) - log_ratio", INC, ("inverted_ratio",), kind="estimator"
    ),
    Case("kl = ratio ** -1 - 1 + torch.log(ratio)", C, kind="estimator"),
    Case(
        "kl = masked_mean(torch.exp(ref_logprobs - logprobs) - (ref_logprobs - logprobs) - 1, "
        "response_mask)",
        C,
        kind="estimator",
    ),
    Case(
        "kl = torch.exp(ref_logp - logp) - 1 - (logp - ref_logp)",
        INC,
        ("flipped_sign",),
        kind="estimator",
    ),
    Case("kl = 0.5 * (log_ratio ** 2).mean()", B, ("biased_estimator",), kind="estimator"),
    Case("kl_penalty = kl_coef * (logprobs - ref_logprobs)", C, kind="estimator"),
    Case("kl = (logprobs - ref_logprobs).sum(-1)", C, kind="estimator"),
]

BLOCKS: list[Case] = [
    Case(
        """
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
        """,
        C,
    ),
    Case(
        """
        kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
        kl_loss = K.sum(kl_loss, axis=-1)
        kl_loss *= -0.5
        """,
        C,
    ),
    Case(
        """
        KLD_element = mu.pow(2).add_(logvar.exp()).mul_(-1).add_(1).add_(logvar)
        KLD = torch.sum(KLD_element).mul_(-0.5)
        """,
        C,
    ),
    Case(
        """
        std = torch.exp(0.5 * logvar)
        kl = 0.5 * torch.sum(mu ** 2 + std ** 2 - torch.log(std ** 2) - 1, dim=1)
        kl = kl.mean()
        """,
        C,
    ),
    Case(
        """
        kld_element = (2 * torch.log(std_2) - 2 * torch.log(std_1) +
            (std_1.pow(2) + (mean_1 - mean_2).pow(2)) /
            std_2.pow(2) - 1)
        return 0.5 * torch.sum(kld_element)
        """,
        C,
        kind="normal_pair",
    ),
    Case(
        """
        log_ratio = torch.log(qy * categorical_dim + 1e-20)
        KLD = torch.sum(qy * log_ratio, dim=-1).mean()
        """,
        C,
        kind="categorical",
    ),
    Case(
        """
        log_ratio = logprobs - ref_logprobs
        kl = torch.exp(-log_ratio) - 1 + log_ratio
        """,
        C,
        kind="estimator",
    ),
    Case(
        """
        logratio = new_logprobs - old_logprobs
        ratio = logratio.exp()
        approx_kl = ((ratio - 1) - logratio).mean()
        """,
        C,
        kind="estimator",
    ),
    Case(
        """
        kl = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
        kl = K.mean(kl, axis=-1)
        kl *= -0.5
        """,
        INC,
        ("mean_instead_of_sum",),
    ),
    Case(
        """
        std = torch.exp(logvar)
        kl = -0.5 * torch.sum(1 + torch.log(std.pow(2)) - mu.pow(2) - std.pow(2))
        """,
        INC,
        ("log_sigma_vs_log_variance",),
    ),
    Case(
        """
        log_ratio = logprobs - ref_logprobs
        ratio = torch.exp(log_ratio)
        kl = (ratio - 1) - log_ratio
        """,
        INC,
        ("inverted_ratio",),
        kind="estimator",
    ),
    Case(
        """
        kl = torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
        kl = kl * 0.5
        kl_loss = kl.mean()
        """,
        INC,
        ("flipped_sign",),
    ),
]

CORPUS = LINES + BLOCKS
