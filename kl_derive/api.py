"""The public entry point, :func:`derive`."""

from __future__ import annotations

from .derivation import Derivation
from .engine import derivation_fields, draft_for
from .errors import SpecError
from .families import get_family
from .families.base import Distribution
from .spec import parse_spec
from .strategies.draft import Draft
from .strategies.placeholders import substitute_draft
from .symbolic.convert import bind_pair, with_dimension

__all__ = ["cross_entropy", "derive", "entropy"]


def derive(
    p: str = "normal",
    q: str | None = None,
    *,
    param: str | None = None,
    dims: int | None = None,
    lang: str = "en",
    strategy: str | None = None,
) -> Derivation:
    """Derive KL(P || Q) step by step and verify every step.

    ``p`` and ``q`` are distribution specs in PyTorch's parameter order, e.g.
    ``"normal(mu, sigma)"`` or ``"normal(m, exp(s))"``. ``derive("normal")`` is
    KL(N(mu, sigma^2) || N(0, 1)); when ``q`` is omitted it is the family's standard
    member. ``param`` reads P's scale argument differently: ``"scale"`` (the default),
    ``"variance"``, ``"logvar"`` (log-variance, as VAE code has it) or ``"logscale"``;
    ``derive("normal", param="logvar")`` is ``derive("normal(mu, exp(logvar/2))")``.
    ``dims`` writes vector parameters given by name (``diag_normal(mu, sigma)``) out in
    that many coordinates instead of keeping the dimension symbolic.
    ``lang`` is the default language of the renderers (``"en"`` or ``"ko"``).
    ``strategy`` names another derivation where several apply (``kl-derive pairs`` lists
    them), e.g. ``"bregman"`` for two laws of one exponential family.

    Raises :class:`~kl_derive.errors.KLDeriveError` for a spec that cannot be derived.
    """
    from .render.catalog import check_language

    _check_types(param=param, lang=lang, strategy=strategy)
    if dims is not None and (isinstance(dims, bool) or not isinstance(dims, int)):
        raise TypeError(f"dims is a whole number of coordinates, such as 3; got {dims!r}")
    check_language(lang)
    from .transformed import derive_transformed, is_transformed

    if is_transformed(p, q):  # transformed(P, f): KL under a change of variables
        for name, given in (("param", param), ("dims", dims), ("strategy", strategy)):
            if given is not None:
                raise SpecError(f"{name} does not apply to transformed(P, f) laws")
        return derive_transformed(p, q, lang=lang, finish=_derivation)
    spec = parse_spec(p)
    family = get_family(spec.family)
    lone = q is None and not family.standard
    try:
        # what is wrong with the law as written (a list that does not sum to one, a size
        # over a limit) is said before what is missing (a second law)
        first, second = bind_pair(spec, parse_spec(q) if q is not None else None, param)
        if dims is not None:
            first, second = (with_dimension(d, dims) for d in (first, second))
    except SpecError as error:
        if lone and "standard member" in str(error):
            raise _no_standard_member(family.name) from None
        raise
    except Exception:  # an incomplete pair the family's own code does not expect
        if lone:
            raise _no_standard_member(family.name) from None
        raise
    if lone:
        raise _no_standard_member(family.name)
    return _derivation(draft_for(first, second, strategy), first, second, lang)


def entropy(p: str = "normal", *, param: str | None = None, lang: str = "en") -> Derivation:
    """Derive the (differential) entropy H(P) = -E[log p(z)] step by step, every step
    verified, with the machinery of the KL catalog (a sum for a mass function).

    ``p`` is a univariate distribution spec (``"gamma"``, ``"normal(mu, sigma)"``);
    ``param`` and ``lang`` as for :func:`derive`. The :class:`Derivation` has
    ``quantity == "entropy"`` and ``q`` equal to ``p``.
    """
    from .errors import KLDeriveError
    from .strategies.entropy import derive_entropy
    from .strategies.gaussian_entropy import (
        GAUSSIAN_FAMILIES,
        bind_gaussian_laws,
        derive_gaussian_entropy,
    )
    from .strategies.multivariate_entropy import bind_multivariate_laws, derive_multivariate
    from .strategies.table import ENTROPY

    _check_types(param=param, lang=lang)
    gaussian = bind_gaussian_laws(p, None, param)  # a multivariate normal: its own strategy
    if gaussian is not None:
        return _derivation(derive_gaussian_entropy(gaussian[0]), gaussian[0], gaussian[0], lang)
    other = bind_multivariate_laws(p, None, param)  # Dirichlet, Wishart, multinomial
    if other is not None:
        return _derivation(derive_multivariate(other[0], None), other[0], other[0], lang)
    first, _ = _bind_univariate(p, None, param, lang, "entropy")
    try:
        draft = derive_entropy(first)
    except KLDeriveError as error:  # say which families have one
        known = ", ".join((*ENTROPY, *GAUSSIAN_FAMILIES))
        raise type(error)(f"{error} (it has one for {known})") from None
    return _derivation(draft, first, first, lang)


def cross_entropy(
    p: str = "normal", q: str | None = None, *, param: str | None = None, lang: str = "en"
) -> Derivation:
    """Derive the cross-entropy H(P, Q) = -E_P[log q(z)] step by step, every step verified.

    It is infinite when P gives positive probability to a set where Q's density is zero
    (a piecewise result when that depends on the parameters). ``q`` defaults to the
    standard member of P's family; ``param`` and ``lang`` as for :func:`derive`.
    """
    from .strategies.entropy import derive_cross_entropy
    from .strategies.gaussian_entropy import bind_gaussian_laws, derive_gaussian_cross_entropy
    from .strategies.multivariate_entropy import bind_multivariate_laws, derive_multivariate

    _check_types(param=param, lang=lang)
    gaussian = bind_gaussian_laws(p, q, param)  # multivariate normals: their own strategy
    if gaussian is not None:
        return _derivation(derive_gaussian_cross_entropy(*gaussian), *gaussian, lang)
    other = bind_multivariate_laws(p, q, param, cross=True)
    if other is not None:
        return _derivation(derive_multivariate(*other), *other, lang)
    first, second = _bind_univariate(p, q, param, lang, "cross-entropy")
    draft = derive_cross_entropy(first, second)
    return _derivation(draft, first, second, lang)


def _bind_univariate(p: str, q: str | None, param: str | None, lang: str, what: str):
    from .errors import KLDeriveError
    from .render.catalog import check_language
    from .strategies import CATALOG_FAMILIES
    from .strategies.table import ENTROPY

    _check_types(param=param, lang=lang)
    check_language(lang)
    from sympy import Tuple

    from .families import resolve_name
    from .strategies import LIST_FAMILIES

    spec_p = parse_spec(p)
    spec_q = parse_spec(q) if q is not None else None
    # the entropy: the families that have one in closed form; the cross-entropy: any
    # univariate family (whether a pair has one depends on both laws); categorical laws
    # given by their lists of probabilities. A family outside these is refused by name,
    # before the laws are bound (binding would refuse it for another reason: no standard
    # member), which is not why it is refused here.
    offered = ENTROPY if what == "entropy" else CATALOG_FAMILIES
    for spec in (spec_p, spec_q):
        if spec is None:
            continue
        name = resolve_name(spec.family)
        if name not in CATALOG_FAMILIES and name not in LIST_FAMILIES:
            others = (
                "dirichlet"
                if what == "cross-entropy"
                else "dirichlet, wishart, multinomial, normal_gamma, normal_wishart"
            )
            raise KLDeriveError(
                f"the {what} is derived for univariate families, multivariate normals and "
                f"{others} only, not {name} (choose from {', '.join(offered)})"
            )
    if spec_q is None and what == "entropy" and resolve_name(spec_p.family) in LIST_FAMILIES:
        spec_q = spec_p  # a categorical law has no standard member; the entropy needs none
    first, second = bind_pair(spec_p, spec_q, param, pair_needed=what != "entropy")
    for law in (first, second):
        listed = law.family.name in LIST_FAMILIES and isinstance(law.args[0], Tuple)
        if law.family.name not in CATALOG_FAMILIES and not listed:
            raise KLDeriveError(
                f"the {what} of {law.family.name} is derived with its probabilities "
                "given as a list, e.g. categorical([a, b, 1 - a - b])"
            )
    return first, second


def _derivation(draft: Draft, first: Distribution, second: Distribution, lang: str) -> Derivation:
    """The one way a draft becomes a :class:`Derivation`, whatever the quantity: the
    parameters given as expressions substituted back, every step verified."""
    draft = substitute_draft(draft, (first, second))
    return Derivation(
        p=first,
        q=second,
        **derivation_fields(draft, lang),
        instance_sizes=draft.instance_sizes,
        instance_draws=draft.instance_draws,
        dimension_name=draft.dimension_name,
    )


#: public for :mod:`kl_derive.divergences`, whose derivations are made the same way
derivation_of = _derivation


def _no_standard_member(name: str) -> SpecError:
    return SpecError(
        f"{name} has no standard member to compare with; give the second law as well "
        "(kl-derive P Q)"
    )


def _check_types(**options: object) -> None:
    """A clear :class:`TypeError` for an option that is not a string (``None`` where that
    means the default)."""
    for name, value in options.items():
        if not (isinstance(value, str) or (value is None and name != "lang")):
            raise TypeError(f"{name} is a string, such as {_EXAMPLES[name]!r}; got {value!r}")


_EXAMPLES = {"param": "logvar", "lang": "en", "strategy": "bregman"}
