"""Derivation strategies: how a KL divergence between two families is derived.

Each strategy is a module with a ``derive(first, second)`` function returning a
:class:`~kl_derive.strategies.draft.Draft`: the stages (unverified steps), the contexts
the verifier may use, and the result. The engine verifies every step of a draft.
"""

from ..families import DISCRETE
from ..families import MODULES as _FAMILY_MODULES
from .table import OUTCOMES, SHARED

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
if "normal_wishart" in _FAMILY_MODULES:
    PAIRS[("normal_wishart", "normal_wishart")] = (
        ("chain rule", "kl_derive.strategies.normal_wishart_chain"),
    )

# laws on the unit sphere: through the mean resultant length of the von Mises-Fisher law
if "von_mises_fisher" in _FAMILY_MODULES:
    for _pair in (
        ("von_mises_fisher", "von_mises_fisher"),
        ("von_mises_fisher", "uniform_sphere"),
    ):
        PAIRS[_pair] = (("mean resultant", "kl_derive.strategies.vmf_moments"),)

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
        "normal_wishart",
        "von_mises_fisher",
        "uniform_sphere",
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


#: pairs whose moments close only in special cases (a Cauchy law, df = 1; the same law):
#: derived as far as the moments go, then the exact integral of the rest and its value
#: when the parameters are numbers (a closed form where the moments do close)
_INTEGRAL = "kl_derive.strategies.integral_remainder"
for _pair in (
    ("normal", "student_t"),
    ("normal", "cauchy"),
    ("student_t", "student_t"),
    ("student_t", "cauchy"),
    ("kumaraswamy", "beta"),
    ("kumaraswamy", "kumaraswamy"),
):
    if OUTCOMES.get(_pair) == "none":
        PAIRS[_pair] = (("integral", _INTEGRAL),)
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
    mass functions) with a closed form or infinity, in a stable order (not those derived
    only up to an integral, listed as ``none``)."""
    return sorted(
        (p, q)
        for p, q in PAIRS
        if p in CATALOG_FAMILIES and q in CATALOG_FAMILIES and OUTCOMES.get((p, q)) != "none"
    )
