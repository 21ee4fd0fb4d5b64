"""Derivation strategies: how a KL divergence between two families is derived.

Each strategy is a module with a ``derive(first, second)`` function returning a
:class:`~kl_derive.strategies.draft.Draft`: the stages (unverified steps), the contexts
the verifier may use, and the result. The engine verifies every step of a draft.
"""

from ..families import DISCRETE
from ..families import MODULES as _FAMILY_MODULES
from .table import ENTROPY, OUTCOMES, SHARED

#: (family of P, family of Q) -> the strategies that derive the pair, the default first:
#: (name, module). Kept free of SymPy so that ``kl-derive pairs`` answers at once.
PAIRS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("normal", "normal"): (("moments", "kl_derive.strategies.gaussian_moments"),),
    ("diag_normal", "diag_normal"): (
        ("independent coordinates", "kl_derive.strategies.independent_coordinates"),
    ),
    ("multivariate_normal", "multivariate_normal"): (
        ("quadratic forms", "kl_derive.strategies.gaussian_quadratic_forms"),
    ),
    # the covariance W W^T + diag(D) is formed when the law is read
    **{
        pair: (("quadratic forms", "kl_derive.strategies.gaussian_quadratic_forms"),)
        for pair in (
            ("low_rank_multivariate_normal", "low_rank_multivariate_normal"),
            ("low_rank_multivariate_normal", "multivariate_normal"),
            ("multivariate_normal", "low_rank_multivariate_normal"),
        )
    },
}

#: Gaussians in different representations: the diagonal law is written as a multivariate
#: normal with covariance diag(sigma^2), then the quadratic forms as above
for _pair in (
    ("diag_normal", "multivariate_normal"),
    ("multivariate_normal", "diag_normal"),
    ("diag_normal", "low_rank_multivariate_normal"),
    ("low_rank_multivariate_normal", "diag_normal"),
):
    PAIRS[_pair] = (("quadratic forms", "kl_derive.strategies.mixed_gaussians"),)

#: a univariate normal against a diagonal law: the same normal in every coordinate
for _pair in (("normal", "diag_normal"), ("diag_normal", "normal")):
    PAIRS[_pair] = (("independent coordinates", "kl_derive.strategies.normal_diag"),)

# Wishart laws: the scale matrices are lists of rows (their own strategy)
if "wishart" in _FAMILY_MODULES:
    PAIRS[("wishart", "wishart")] = (("wishart moments", "kl_derive.strategies.wishart_moments"),)

# Normal-Gamma laws: the chain rule over the precision and the value given it
if "normal_gamma" in _FAMILY_MODULES:
    PAIRS[("normal_gamma", "normal_gamma")] = (
        ("chain rule", "kl_derive.strategies.normal_gamma_chain"),
    )

#: families whose parameter is a list (the probabilities of categorical): derived with the
#: same moments strategy, but only between two of the same kind with explicit lists, so
#: they are registered here and not drafted by :mod:`.build_table` with bare names
LIST_FAMILIES: tuple[str, ...] = ("categorical", "one_hot_categorical")
for _name in LIST_FAMILIES:
    if _name in _FAMILY_MODULES:
        # lists by the moments strategy, names (K categories) as an indexed sum
        PAIRS[(_name, _name)] = (("moments", "kl_derive.strategies.categorical_sum"),)
if "multinomial" in _FAMILY_MODULES:
    PAIRS[("multinomial", "multinomial")] = (
        ("moments", "kl_derive.strategies.multinomial_counts"),
    )
    SHARED[("multinomial", "multinomial")] = ("total_count",)  # disjoint supports otherwise

#: the univariate families the expected-log-ratio strategy derives between
CATALOG_FAMILIES: tuple[str, ...] = tuple(
    name
    for name in _FAMILY_MODULES
    if name
    not in (
        *LIST_FAMILIES,
        "multinomial",
        "diag_normal",
        "multivariate_normal",
        "dirichlet",
        "low_rank_multivariate_normal",
        "wishart",
        "normal_gamma",
    )
)
_MOMENTS = "kl_derive.strategies.expected_log_ratio"
for (_p, _q), _outcome in OUTCOMES.items():
    if _outcome != "none" and (_p, _q) not in PAIRS:
        PAIRS[(_p, _q)] = (("moments", _MOMENTS),)

#: the von Mises law on the circle [-pi, pi]: against itself and the uniform law (the
#: circular uniform is uniform(-pi, pi)), registered here until table.json is regenerated
for _pair, _outcome in (
    (("von_mises", "von_mises"), "finite"),
    (("von_mises", "uniform"), "conditional"),  # U(a, b) must cover [-pi, pi]
    (("uniform", "von_mises"), "conditional"),  # and [a, b] must lie inside it
):
    PAIRS.setdefault(_pair, (("moments", _MOMENTS),))
    OUTCOMES.setdefault(_pair, _outcome)


#: Student-t, truncated normal and Kumaraswamy laws: the outcomes build_table's
#: ``outcome`` gave for these pairs, registered here until table.py is regenerated with
#: the three families (a full run drafts some 230 pairs with them); a pair with no closed
#: form is listed as ``"none"``, so that it is refused with that reason
_INTERIM: dict[tuple[str, str], str] = {
    ("student_t", "normal"): "conditional",  # E[(z - mu)^2] is finite for nu > 2 only
    ("cauchy", "student_t"): "finite",
    ("uniform", "student_t"): "finite",
    ("truncated_normal", "normal"): "finite",
    ("truncated_normal", "truncated_normal"): "conditional",  # the intervals must nest
    ("continuous_bernoulli", "truncated_normal"): "conditional",
    ("truncated_normal", "uniform"): "conditional",  # U must cover (a, b)
    ("uniform", "truncated_normal"): "conditional",  # and (a, b) must cover U
    ("kumaraswamy", "uniform"): "conditional",
    **{
        (p, "student_t"): "none"
        for p in (
            "normal",
            "exponential",
            "gamma",
            "gumbel",
            "half_normal",
            "continuous_bernoulli",
            "half_cauchy",
            "log_normal",
            "weibull",
            "chi2",
            "inverse_gamma",
            "rayleigh",
            "chi",
            "laplace",
            "pareto",
            "beta",
            "moyal",
            "logit_normal",
            "von_mises",
        )
    },
    **{("student_t", q): "none" for q in ("gumbel", "moyal", "cauchy", "laplace", "student_t")},
    **{
        ("student_t", q): "infinite"  # the t law has mass where these have none
        for q in (
            "exponential",
            "gamma",
            "half_normal",
            "continuous_bernoulli",
            "half_cauchy",
            "log_normal",
            "weibull",
            "chi2",
            "inverse_gamma",
            "rayleigh",
            "chi",
            "uniform",
            "pareto",
            "beta",
            "logit_normal",
            "von_mises",
        )
    },
    **{
        (p, q): "infinite"  # mass outside a bounded interval
        for p in (
            "normal",
            "exponential",
            "gamma",
            "gumbel",
            "half_normal",
            "cauchy",
            "half_cauchy",
            "log_normal",
            "weibull",
            "chi2",
            "inverse_gamma",
        )
        for q in ("truncated_normal", "kumaraswamy")
    },
    ("continuous_bernoulli", "kumaraswamy"): "none",
    ("kumaraswamy", "beta"): "none",  # E[log(1 - z)] is an infinite series
    ("kumaraswamy", "kumaraswamy"): "none",
}
for _pair, _outcome in _INTERIM.items():
    if all(name in _FAMILY_MODULES for name in _pair) and _pair not in OUTCOMES:
        OUTCOMES[_pair] = _outcome
        if _outcome != "none":
            PAIRS.setdefault(_pair, (("moments", _MOMENTS),))
if "student_t" in _FAMILY_MODULES and "student_t" not in ENTROPY:  # until table.py has them
    from . import table as _table

    _table.ENTROPY = ENTROPY = (*ENTROPY, "student_t", "truncated_normal", "kumaraswamy")

#: families written as exponential families: KL by the Bregman strategy on request
#: (``--strategy bregman``); for Dirichlet laws it is the only strategy
_BREGMAN = "kl_derive.strategies.bregman"
BREGMAN_FAMILIES: tuple[str, ...] = (
    "normal",
    "exponential",
    "gamma",
    "beta",
    "poisson",
    "geometric",
    "bernoulli",
    "half_normal",
    "rayleigh",
)
for _name in (*BREGMAN_FAMILIES, "dirichlet"):
    _pair = (_name, _name)
    PAIRS[_pair] = (*PAIRS.get(_pair, ()), ("bregman", _BREGMAN))


#: a log-normal (logit-normal) pair is a normal pair through exp (sigmoid): the
#: change-of-variables corollary on request (``--via-base``)
VIA_BASE = "change of variables"
for _name in ("log_normal", "logit_normal"):
    _pair = (_name, _name)
    if _pair in PAIRS:
        PAIRS[_pair] = (*PAIRS[_pair], (VIA_BASE, "kl_derive.strategies.change_of_variables"))


def same_kind_pairs() -> list[tuple[str, str]]:
    """Every pair of catalog families of the same kind (two densities or two mass
    functions): the pairs :mod:`.build_table` tries."""
    return [
        (p, q)
        for p in CATALOG_FAMILIES
        for q in CATALOG_FAMILIES
        if (p in DISCRETE) == (q in DISCRETE)
    ]


def catalog_pairs() -> list[tuple[str, str]]:
    """The pairs of univariate families in the catalog (both laws continuous, or both
    mass functions), in a stable order."""
    return sorted((p, q) for p, q in PAIRS if p in CATALOG_FAMILIES and q in CATALOG_FAMILIES)
