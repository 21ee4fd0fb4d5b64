"""kl-derive: step-by-step, machine-checked derivations of KL divergences.

The public API is small::

    >>> import kl_derive
    >>> d = kl_derive.derive("normal")          # KL(N(mu, sigma^2) || N(0, 1))
    >>> d.result                                # a SymPy expression
    >>> print(d.to_latex())                     # an amsmath fragment for lecture notes
    >>> kl_derive.entropy("gamma")              # H(Gamma(alpha, beta)), same machinery
    >>> kl_derive.cross_entropy("normal", "laplace(0, 1)")  # H(P, Q) = -E_P[log q]

Importing this package is cheap: SymPy is imported only when a derivation is asked for,
so ``kl-derive --help`` and ``kl-derive --version`` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

__all__ = [
    "Derivation",
    "KLDeriveError",
    "Step",
    "__version__",
    "cross_entropy",
    "derive",
    "divergence",
    "elbo",
    "entropy",
    "estimators",
    "mixture",
]

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    from .api import cross_entropy, derive, entropy
    from .companions import elbo, estimators
    from .derivation import Derivation
    from .divergence_api import divergence
    from .errors import KLDeriveError
    from .mixture_api import mixture
    from .steps.step import Step

_LAZY = {
    "derive": ("kl_derive.api", "derive"),
    "entropy": ("kl_derive.api", "entropy"),
    "cross_entropy": ("kl_derive.api", "cross_entropy"),
    "divergence": ("kl_derive.divergence_api", "divergence"),
    "estimators": ("kl_derive.companions", "estimators"),
    "mixture": ("kl_derive.mixture_api", "mixture"),
    "elbo": ("kl_derive.companions", "elbo"),
    "Derivation": ("kl_derive.derivation", "Derivation"),
    "Step": ("kl_derive.steps.step", "Step"),
    "KLDeriveError": ("kl_derive.errors", "KLDeriveError"),
}


def __getattr__(name: str) -> Any:
    """Import the heavy parts of the API (they pull in SymPy) on first use."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'kl_derive' has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(module_name), attribute)
    globals()[name] = value
    return value
