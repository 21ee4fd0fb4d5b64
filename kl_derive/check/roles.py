"""Which role each variable of a loss line plays, guessed from its name or stated.

Code names the encoder's outputs in many ways: ``mu``, ``mean``, ``z_mean``, ``loc``;
``logvar``, ``logVar``, ``log_var``, ``z_log_var``, ``logvar_cond``, ``posterior_logvar``;
``sigma``, ``std``, ``sigma_hat``, ``w_std``; ``log_sigma``; ``var``, ``sigma_sq``. A
prior's are marked ``prior_``, ``_p`` or ``_2`` (``mean_2``, ``std_2`` in a VRNN). Discrete
latents have probabilities (``q``, ``qy``, ``probs``; the prior ``p``, ``prior``) and
log-probabilities; RLHF code has the policy's and the reference model's log-probabilities
(``logprobs``, ``ref_logprobs``), a log-ratio or a ratio. Sizes (``batch_size``,
``latent_dim``, ``K``), weights (``beta``, ``kl_weight``, ``kl_coef``) and masks complete
the picture. :func:`guess_role` reads a name word by word; :func:`parse_names_option` reads
``--names mu=z_mean,logvar=z_log_var``, which states roles when a name says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import CheckInputError, option

__all__ = [
    "DISTRIBUTION_ROLES",
    "GAUSSIAN_ROLES",
    "ROLE_KEYS",
    "ROLE_TEXT",
    "SCALE_ROLES",
    "guess_role",
    "looks_like_kl",
    "parse_names_option",
    "role_of_key",
]

#: The scale roles of a Gaussian, as the encoder's (the prior's add ``_p``).
SCALE_ROLES = ("logvar", "std", "var", "logstd")
#: Every role of the Gaussian terms.
GAUSSIAN_ROLES = frozenset({"mu", *SCALE_ROLES, "mu_p", *(r + "_p" for r in SCALE_ROLES)})
#: Roles of probabilities: the first law (q, the policy), the second (p, the prior, the
#: reference model); ``old_logp`` is the log-probability of PPO's old (sampled) policy.
DISTRIBUTION_ROLES = frozenset({"q", "p", "log_q", "log_p", "log_ratio", "ratio", "old_logp"})
#: Roles that go with any term.
COMMON_ROLES = frozenset({"weight", "batch_size", "latent_size", "mask", "epsilon"})

#: What each role means, for the report.
ROLE_TEXT = {
    "mu": "the mean",
    "logvar": "the log-variance",
    "std": "the standard deviation",
    "var": "the variance",
    "logstd": "the log standard deviation",
    "mu_p": "the prior's mean",
    "logvar_p": "the prior's log-variance",
    "std_p": "the prior's standard deviation",
    "var_p": "the prior's variance",
    "logstd_p": "the prior's log standard deviation",
    "q": "the probabilities",
    "p": "the prior's probabilities",
    "log_q": "the log-probabilities",
    "log_p": "the reference log-probabilities",
    "log_ratio": "the log-ratio",
    "ratio": "the probability ratio",
    "old_logp": "the old policy's log-probabilities",
    "weight": "a weight",
    "batch_size": "the batch size",
    "latent_size": "the size of the latent axis",
    "mask": "a mask",
    "epsilon": "a stabilising constant",
}

#: ``--names`` keys, with the role each states.
ROLE_KEYS: Mapping[str, str] = {
    **dict.fromkeys(("mu", "mean", "loc", "mu_q"), "mu"),
    **dict.fromkeys(("logvar", "log_var", "logvar_q"), "logvar"),
    **dict.fromkeys(("std", "sigma", "std_q", "sigma_q"), "std"),
    **dict.fromkeys(("var", "variance", "var_q"), "var"),
    **dict.fromkeys(("logstd", "logscale", "log_sigma", "log_std", "logstd_q"), "logstd"),
    **dict.fromkeys(("mu_p", "mean_p", "prior_mu"), "mu_p"),
    **dict.fromkeys(("logvar_p", "prior_logvar"), "logvar_p"),
    **dict.fromkeys(("std_p", "sigma_p", "scale_p", "prior_std"), "std_p"),
    **dict.fromkeys(("var_p", "variance_p"), "var_p"),
    **dict.fromkeys(("logstd_p", "logscale_p", "log_sigma_p"), "logstd_p"),
    **dict.fromkeys(("q", "probs", "q_probs"), "q"),
    **dict.fromkeys(("p", "prior", "prior_probs", "p_probs"), "p"),
    **dict.fromkeys(("log_q", "logq", "logp", "logprobs", "policy_logp"), "log_q"),
    **dict.fromkeys(("log_p", "log_prior", "ref_logp", "ref_logprobs"), "log_p"),
    **dict.fromkeys(("old_logp", "old_logprobs"), "old_logp"),
    **dict.fromkeys(("log_ratio", "logratio"), "log_ratio"),
    "ratio": "ratio",
    **dict.fromkeys(("weight", "beta"), "weight"),
    "batch_size": "batch_size",
    **dict.fromkeys(("latent_size", "latent_dim", "num_categories", "K"), "latent_size"),
    "mask": "mask",
    **dict.fromkeys(("eps", "epsilon"), "epsilon"),
    # the scale variable, read as --param says (standard deviation without --param)
    "scale": "scale",
}


def role_of_key(key: str) -> str:
    """The role a ``--names`` key states; an unknown key is a one-line error."""
    if key in ROLE_KEYS:
        return ROLE_KEYS[key]
    import difflib

    close = difflib.get_close_matches(key, list(ROLE_KEYS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise CheckInputError(
        f"unknown role {key!r} in {option('names')}{hint} (roles: mu, logvar, std, var, "
        "logstd, their prior's mu_p, logvar_p, ..., q, p, log_q, log_p, logp, ref_logp, "
        "log_ratio, ratio, weight, batch_size, latent_size, mask)"
    )


def parse_names_option(text: str) -> dict[str, str]:
    """Read a command-line mapping such as ``"mu=z_mean,logvar=z_log_var"``."""
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CheckInputError(
                f"cannot read {item!r} in {option('names')}; write ROLE=NAME, e.g. "
                f"{option('names', {'mu': 'z_mean', 'logvar': 'z_log_var'})}"
            )
        result[key.strip()] = value.strip()
    if not result:
        raise CheckInputError(
            f"{option('names')} is empty; write ROLE=NAME, e.g. "
            f"{option('names', {'mu': 'z_mean', 'logvar': 'z_log_var'})}"
        )
    return result


# --------------------------------------------------------------------------- guessing

_BATCH_NAMES = frozenset(
    {
        "batch_size", "bs", "batchsize", "n_batch", "nbatch", "num_samples", "n_samples",
        "batch", "num_examples", "n_examples", "mb_size", "minibatch_size", "batch_sz",
        "num_tokens", "n_tokens", "seq_len", "sequence_length",
    }
)  # fmt: skip
_LATENT_NAMES = frozenset(
    {
        "latent_dim", "latent_dims", "latent_size", "z_dim", "zdim", "nz", "n_z", "n_latent",
        "n_latents", "num_latents", "dim_z", "z_size", "d_latent", "latent", "d", "k",
        "num_categories", "n_categories", "categorical_dim", "num_classes", "n_classes",
        "n_cat", "cat_dim", "num_embeddings", "codebook_size", "n_codes", "num_codes",
        "hidden_dim_z", "code_dim",
    }
)  # fmt: skip
_SECOND = frozenset({"p", "prior", "pri", "pz", "2", "tgt", "target"})
_FIRST = frozenset({"q", "post", "posterior", "recog", "enc", "encoder", "1", "qz"})
_REFERENCE = frozenset({"ref", "reference", "sft", "init", "base", "prior", "frozen"})
_OLD = frozenset({"old", "behavior", "behaviour", "behav", "rollout"})
_LOGPROB = frozenset(
    {"logp", "logps", "logprob", "logprobs", "lp", "lps", "logpi", "logq", "logqy", "logpz"}
)
_KL_WORDS = frozenset({"kl", "kld", "klds", "kls", "divergence"})

_GAUSSIAN = (
    ("logvar", r"log_?var(iance)?s?|logvariance|lv|log_?sigma_?(sq|2|squared)|logsigma2|log_?s2"),
    ("logstd", r"log_?(sigma|sigmas|std|stds|scale|sd|stddev|stdev|sig)"),
    ("var", r"var(iance)?s?|sigma_?(sq|squared)|sigma2|sig_?sq|s2"),
    ("std", r"sigma|sigmas|std|stds|stddev|stdev|scale|scales|sd|sig|s"),
    ("mu", r"mu|mus|mean|means|loc|m"),
)
_WEIGHT = r"beta|betas|weight|weights|w|coef|coeff|coefficient|ctl|anneal|annealing|lambda|" + (
    r"lam|lmbda|alpha|gamma|factor|multiplier|value|scale|scales|kl_w"
)
_RATIO = r"ratios?|rho|is_ratio|importance_ratio|prob_ratio|probs_ratio"
_LOG_RATIO = r"log_?ratios?|logr|log_?rho|log_?ratio|log_?prob_?ratio|logratio"


_EPSILON_NAMES = frozenset({"eps", "epsilon", "tiny", "small", "eps_", "jitter"})
_MARKED = re.compile(r"(old|new|ref|cur|curr|current|behavior|policy|init|sft|base)(log\w*)")


_GREEK = str.maketrans({"μ": "mu", "σ": "sigma", "ρ": "rho", "π": "pi", "β": "beta", "λ": "lambda"})


_KL_NAME = re.compile(
    r"(^|_)(kl|kld|klds|kls|kldiv|klloss|kl\d+|divergence)(_|$|\d)|latent_?loss|prior_?loss"
)


def looks_like_kl(name: str) -> bool:
    """Whether a variable's or a function's name says it holds a KL (``KLD``, ``kl_loss``)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return _KL_NAME.search(spaced) is not None and guess_role(name) != "weight"


def _words(name: str) -> list[str]:
    name = name.translate(_GREEK)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    words = [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]
    split: list[str] = []
    for word in words:  # mu2 -> mu, 2 (but sigma2 is a variance); oldlogprob -> old, logprob
        match = re.fullmatch(r"([a-z]+)([12])", word)
        marked = _MARKED.fullmatch(word)
        if match and word not in ("sigma2", "logsigma2", "s2", "log2"):
            split.extend(match.groups())
        elif marked:
            split.extend(marked.groups())
        else:
            split.append(word)
    return split


def _has(words: list[str], pattern: str) -> bool:
    return re.search(rf"(^|_)({pattern})(_|$)", "_".join(words)) is not None


def guess_role(name: str) -> str | None:
    """The role a variable's name suggests, or None when it says nothing.

    >>> [guess_role(n) for n in ("z_log_var", "logVar", "sigma_hat", "mean_2", "qy", "beta")]
    ['logvar', 'logvar', 'std', 'mu_p', 'q', 'weight']
    """
    words = _words(name)
    if not words:
        return None
    joined = "_".join(words)
    if "mask" in words or joined.endswith("mask"):
        return "mask"
    if joined in _EPSILON_NAMES:
        return "epsilon"
    if joined in _BATCH_NAMES:
        return "batch_size"
    if joined in _LATENT_NAMES:
        return "latent_size"
    if _KL_WORDS & set(words):
        return "weight" if _has(words, _WEIGHT) else None
    distribution = _distribution_role(words, joined)
    if distribution is not None:
        return distribution
    second = bool(_SECOND & set(words))
    core = [w for w in words if w not in _SECOND and w not in _FIRST]
    for role, pattern in _GAUSSIAN:
        if core and _has(core, pattern):
            return role + "_p" if second else role
    if _has(words, _WEIGHT):
        return "weight"
    return None


def _distribution_role(words: list[str], joined: str) -> str | None:
    if re.fullmatch(_LOG_RATIO, joined) or _has(words, _LOG_RATIO):
        return "log_ratio"
    if re.fullmatch(_RATIO, joined) or _has(words, _RATIO):
        return "ratio"
    marks = set(words)
    logprob = bool(_LOGPROB & marks) or _has(words, r"log_probs?|log_prob|log_pi|log_q\w*|log_p")
    if logprob:
        if _OLD & marks:
            return "old_logp"
        if _REFERENCE & marks or _has(words, r"log_p|log_py|log_pz|log_p_z|log_prior|logpz"):
            return "log_p"
        return "log_q"
    if re.fullmatch(
        r"q|qy|q_y|qz|q_z|q_probs?|probs?|probas|probs_q|posterior_probs|post_probs|"
        r"y_soft|pi|q_c|qc|q_probs|soft_probs|policy_probs|probs_pi",
        joined,
    ):
        return "q"
    if re.fullmatch(
        r"p|py|p_y|pz|p_z|prior|priors|prior_probs?|p_probs|probs_p|ref_probs|pi_ref|"
        r"prior_p|ref_probs?|reference_probs",
        joined,
    ):
        return "p"
    return None
