"""Which strategy derives the entropy or cross-entropy of a multivariate law that is not a
Gaussian (Dirichlet, Wishart, multinomial): the laws of ``kl-derive entropy P`` /
``cross-entropy P Q`` bound, and the draft made by the family's own module.
Kept free of SymPy at import time (the modules are imported when a law is derived)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from ..errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..families.base import Distribution
    from .draft import Draft

__all__ = [
    "CROSS_MODULES",
    "MULTIVARIATE_ENTROPY",
    "bind_multivariate_laws",
    "derive_multivariate",
]

#: family -> (module, entropy function, cross-entropy function or None, an example spec)
#: (the cross-entropy from its own module where :data:`CROSS_MODULES` names one)
MULTIVARIATE_ENTROPY: dict[str, tuple[str, str, str | None, str]] = {
    "dirichlet": (
        "kl_derive.strategies.dirichlet_entropy",
        "derive_dirichlet_entropy",
        "derive_dirichlet_cross_entropy",
        "dirichlet([a1, a2, a3])",
    ),
    "wishart": (
        "kl_derive.strategies.wishart_entropy",
        "derive_wishart_entropy",
        "derive_wishart_cross_entropy",
        "wishart(n, [[a, b], [b, c]])",
    ),
    "multinomial": (
        "kl_derive.strategies.multinomial_entropy",
        "derive_multinomial_entropy",
        "derive_multinomial_cross_entropy",
        "multinomial(3, [a, b, 1 - a - b])",
    ),
    "normal_gamma": (
        "kl_derive.strategies.normal_gamma_entropy",
        "derive_normal_gamma_entropy",
        "derive_normal_gamma_cross_entropy",
        "normal_gamma(mu, lambda, alpha, beta)",
    ),
    "normal_wishart": (
        "kl_derive.strategies.normal_wishart_entropy",
        "derive_normal_wishart_entropy",
        "derive_normal_wishart_cross_entropy",
        "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)",
    ),
    "von_mises_fisher": (
        "kl_derive.strategies.vmf_moments",
        "derive_vmf_entropy",
        "derive_vmf_cross_entropy",
        "von_mises_fisher(mu, kappa)",
    ),
}

#: family -> the module of its cross-entropy, where it is not the entropy's
CROSS_MODULES = {
    "wishart": "kl_derive.strategies.wishart_cross_entropy",
    "normal_gamma": "kl_derive.strategies.normal_gamma_cross_entropy",
    "normal_wishart": "kl_derive.strategies.normal_wishart_cross_entropy",
}


def bind_multivariate_laws(
    p: str, q: str | None, param: str | None, cross: bool = False
) -> tuple[Distribution, Distribution] | None:
    """The two laws when P is one of :data:`MULTIVARIATE_ENTROPY`'s families (Q then of
    the same family), else ``None``; P is Q for the entropy. ``cross``: for the
    cross-entropy, which needs Q given (these families have no standard member)."""
    from ..families import resolve_name
    from ..spec import parse_spec
    from ..symbolic.convert import bind_pair

    spec_p = parse_spec(p)
    name = resolve_name(spec_p.family)
    if name not in MULTIVARIATE_ENTROPY:
        return None
    if param is not None:
        raise SpecError(f"--param applies to univariate laws, not {name}")
    spec_q = parse_spec(q) if q is not None else None
    if spec_q is not None and resolve_name(spec_q.family) != name:
        raise SpecError(
            f"the cross-entropy of {name} is derived against another {name} law, "
            f"not {spec_q.family}"
        )
    if cross and q is None:
        raise SpecError(
            f"the cross-entropy of {name} needs the second law: kl-derive cross-entropy P Q"
        )
    if MULTIVARIATE_ENTROPY[name][2] is None and q is not None:
        raise SpecError(f"the cross-entropy of two {name} laws is not derived here")
    if not spec_p.args or (spec_q is not None and not spec_q.args):
        example = MULTIVARIATE_ENTROPY[name][3]
        raise SpecError(f"give the {name} law's parameters, e.g. {example}")
    return bind_pair(spec_p, spec_q if spec_q is not None else spec_p, None)


def derive_multivariate(first: Distribution, second: Distribution | None) -> Draft:
    """The draft of H(first) (``second`` is ``None``) or H(first, second)."""
    module, entropy, cross, _ = MULTIVARIATE_ENTROPY[first.family.name]
    if second is None:
        return getattr(import_module(module), entropy)(first)
    module = CROSS_MODULES.get(first.family.name, module)
    return getattr(import_module(module), cross)(first, second)
