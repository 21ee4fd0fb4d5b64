"""Distribution families, one small module each.

This module is the registry. It knows the families' names without importing them (and
so without importing SymPy), which keeps ``kl-derive --help`` and error messages fast;
:func:`get_family` imports a family's module on first use.
"""

from __future__ import annotations

import difflib
from importlib import import_module
from typing import TYPE_CHECKING

from ..errors import KLDeriveError

if TYPE_CHECKING:  # pragma: no cover
    from .base import Family

#: family name -> module that defines ``FAMILY``
MODULES: dict[str, str] = {
    "normal": "kl_derive.families.normal",
    "diag_normal": "kl_derive.families.diag_normal",
    "multivariate_normal": "kl_derive.families.multivariate_normal",
    "exponential": "kl_derive.families.exponential",
    "gamma": "kl_derive.families.gamma",
    "bernoulli": "kl_derive.families.bernoulli",
    "binomial": "kl_derive.families.binomial",
    "geometric": "kl_derive.families.geometric",
    "poisson": "kl_derive.families.poisson",
    "negative_binomial": "kl_derive.families.negative_binomial",
    "categorical": "kl_derive.families.categorical",
    "one_hot_categorical": "kl_derive.families.one_hot_categorical",
    "multinomial": "kl_derive.families.multinomial",
    "gumbel": "kl_derive.families.gumbel",
    "half_normal": "kl_derive.families.half_normal",
    "continuous_bernoulli": "kl_derive.families.continuous_bernoulli",
    "cauchy": "kl_derive.families.cauchy",
    "half_cauchy": "kl_derive.families.half_cauchy",
    "log_normal": "kl_derive.families.log_normal",
    "weibull": "kl_derive.families.weibull",
    "chi2": "kl_derive.families.chi2",
    "inverse_gamma": "kl_derive.families.inverse_gamma",
    "rayleigh": "kl_derive.families.rayleigh",
    "chi": "kl_derive.families.chi",
    "uniform": "kl_derive.families.uniform",
    "laplace": "kl_derive.families.laplace",
    "pareto": "kl_derive.families.pareto",
    "beta": "kl_derive.families.beta",
    "dirichlet": "kl_derive.families.dirichlet",
    "moyal": "kl_derive.families.moyal",
    "logit_normal": "kl_derive.families.logit_normal",
    "von_mises": "kl_derive.families.von_mises",
    "low_rank_multivariate_normal": "kl_derive.families.low_rank_multivariate_normal",
    "wishart": "kl_derive.families.wishart",
    "student_t": "kl_derive.families.student_t",
    "truncated_normal": "kl_derive.families.truncated_normal",
    "kumaraswamy": "kl_derive.families.kumaraswamy",
    "normal_gamma": "kl_derive.families.normal_gamma",
    "normal_wishart": "kl_derive.families.normal_wishart",
    "von_mises_fisher": "kl_derive.families.von_mises_fisher",
    "uniform_sphere": "kl_derive.families.uniform_sphere",
}
#: the families of mass functions on the integers (known here without importing them)
DISCRETE: frozenset[str] = frozenset(
    {
        "bernoulli",
        "binomial",
        "geometric",
        "poisson",
        "negative_binomial",
        "categorical",
        "one_hot_categorical",
        "multinomial",
    }
)

#: other spellings people use -> family name
ALIASES: dict[str, str] = {
    "gaussian": "normal",
    "Normal": "normal",
    "N": "normal",
    "diag_gaussian": "diag_normal",
    "diagonal_normal": "diag_normal",
    "mvn": "multivariate_normal",
    "LowRankMultivariateNormal": "low_rank_multivariate_normal",
    "low_rank_mvn": "low_rank_multivariate_normal",
    "MultivariateNormal": "multivariate_normal",
    "Bernoulli": "bernoulli",
    "Binomial": "binomial",
    "Geometric": "geometric",
    "Poisson": "poisson",
    "NegativeBinomial": "negative_binomial",
    "Categorical": "categorical",
    "OneHotCategorical": "one_hot_categorical",
    "LogitNormal": "logit_normal",
    "VonMises": "von_mises",
    "Multinomial": "multinomial",
    "Wishart": "wishart",
    "StudentT": "student_t",
    "TruncatedNormal": "truncated_normal",
    "Kumaraswamy": "kumaraswamy",
    "NormalGamma": "normal_gamma",
    "NormalWishart": "normal_wishart",
    "VonMisesFisher": "von_mises_fisher",
    "vmf": "von_mises_fisher",
    "uniform_direction": "uniform_sphere",
}


def family_names() -> list[str]:
    """The names of all known families, sorted."""
    return sorted(MODULES)


def resolve_name(name: str) -> str:
    """The canonical family name for ``name``, or a one-line error with a suggestion."""
    if name in MODULES:
        return name
    if name in ALIASES:
        return ALIASES[name]
    candidates = [*MODULES, *ALIASES]
    close = difflib.get_close_matches(
        name, candidates, n=1, cutoff=0.6
    ) or difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    hint = f"; did you mean {ALIASES.get(close[0], close[0])!r}?" if close else ""
    known = ", ".join(family_names())
    raise KLDeriveError(f"unknown distribution family {name!r}{hint} (known: {known})")


def get_family(name: str) -> Family:
    """The :class:`~kl_derive.families.base.Family` called ``name`` (aliases accepted)."""
    return import_module(MODULES[resolve_name(name)]).FAMILY
