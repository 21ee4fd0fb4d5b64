"""Derivation strategies: how a KL divergence between two families is derived.

Each strategy is a module with a ``derive(first, second)`` function returning a
:class:`~kl_derive.strategies.draft.Draft`: the stages (unverified steps), the contexts
the verifier may use, and the result. The engine verifies every step of a draft.
"""

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
}

#: the univariate families the expected-log-ratio strategy derives between (any pair)
_MOMENTS = ("kl_derive.strategies.expected_log_ratio",)
CATALOG_FAMILIES: tuple[str, ...] = ("normal", "exponential", "gamma")
for _p in CATALOG_FAMILIES:
    for _q in CATALOG_FAMILIES:
        if (_p, _q) not in PAIRS:
            PAIRS[(_p, _q)] = (("moments", _MOMENTS[0]),)
