"""``--to json``: ``result.srepr`` reads back, with ``sympy.sympify``, as the very result.

One derivation per family (its law against the family's standard member, or against a
second law of the family where there is none), and laws whose symbols carry names SymPy
gives to its own objects (``beta``, ``E``, ``I``, ``oo``, ``gamma`` ...). The printed form
``result.sympy`` is for reading; ``srepr`` keeps every symbol's assumptions and every
function's class.
"""

from __future__ import annotations

import json

import pytest
from sympy import Symbol, sympify

from kl_derive import derive
from kl_derive.families import family_names, get_family
from kl_derive.symbolic.matrices import MatDet, MatTrace, MultiDigamma, MultiGamma, QuadForm
from kl_derive.symbolic.sphere import Inner, MeanResultant, SphereArea, VMFNormalizer

#: families whose bare name does not make a law: explicit ones
SPECS = {
    "low_rank_multivariate_normal": (
        "low_rank_multivariate_normal([a, b], [[u], [v]], [c, d])",
        "low_rank_multivariate_normal([0, 0], [[1], [0]], [1, 1])",
    ),
    "multinomial": ("multinomial(n, [a, 1 - a])", "multinomial(n, [b, 1 - b])"),
    "dirichlet": ("dirichlet([a, b])", "dirichlet([c, d])"),
    # KL(binomial(n, p) || binomial(1, 1/2)) has no closed form: a pair that has one
    "binomial": ("binomial(n, p)", "binomial(n, q)"),
    "negative_binomial": ("negative_binomial(r, p)", "negative_binomial(r, q)"),
    # no law is compared with the uniform law on the sphere but a von Mises-Fisher one
    "uniform_sphere": ("von_mises_fisher(m, k)", "uniform_sphere(4)"),
    "normal_wishart": (
        "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)",
        "normal_wishart([0, 0], 1, [[1, 0], [0, 1]], 3)",
    ),
}

NAMES = [
    ("normal(E, I)", "normal(oo, S)"),
    ("gamma(lambda, beta)", "gamma(N, Q)"),
    ("exponential(zeta)", "exponential(gamma)"),
    ("beta", None),
    ("uniform(a, b)", "uniform(c, d)"),  # a piecewise result
]


def _pair(family: str) -> tuple[str, str | None]:
    if family in SPECS:
        return SPECS[family]
    return family, (None if get_family(family).standard else family)


#: the functions of the laws on the sphere, written in SymPy's classes in the JSON
SPHERE = (Inner, VMFNormalizer, MeanResultant, SphereArea)


def _read(p: str, q: str | None):
    derivation = derive(p, q)
    data = json.loads(derivation.to_json())
    return derivation, data["result"], sympify(data["result"]["srepr"])


@pytest.mark.parametrize(("p", "q"), [_pair(f) for f in family_names()] + NAMES)
def test_result_reads_back_exactly(p: str, q: str | None) -> None:
    derivation, result, read = _read(p, q)
    own = (MatDet, MatTrace, QuadForm, MultiGamma, MultiDigamma, *SPHERE)
    if derivation.result.atoms(*own) or derivation.result.has(*own):
        # kl-derive's matrix functions are written in SymPy's own classes: check the two
        # agree in the instance d = 2 (explicit matrices with symbolic entries)
        _agree_in_two_dimensions(read, derivation.result)
    else:
        assert read == derivation.result, (result["srepr"], derivation.result)
    # every symbol keeps its assumptions (a scale stays positive)
    mine = {s.name: s.assumptions0 for s in derivation.result.free_symbols}
    assert {s.name: s.assumptions0 for s in read.free_symbols} == mine


def test_names_that_sympy_reads_as_its_own_objects_stay_symbols() -> None:
    _, _, read = _read("normal(E, I)", "normal(oo, S)")
    assert {s.name for s in read.free_symbols} == {"E", "I", "oo", "S"}
    assert all(isinstance(s, Symbol) for s in read.free_symbols)
    # the printed form does not do that: it is for reading
    _, result, _ = _read("beta", None)
    with pytest.raises(TypeError):
        sympify(result["sympy"])  # beta(alpha, beta) with beta the Beta function


def _agree_in_two_dimensions(read, result) -> None:
    from sympy import Matrix, MatrixSymbol, Symbol, simplify

    matrices = {m for m in result.free_symbols if isinstance(m, MatrixSymbol)}
    dims = {d for m in matrices for d in m.shape if isinstance(d, Symbol)}
    values = {}
    for m in matrices:
        rows, cols = (2 if isinstance(s, Symbol) else s for s in m.shape)
        entries = [[Symbol(f"{m.name}_{i}{j}") for j in range(cols)] for i in range(rows)]
        if rows == cols:  # a symmetric matrix, as a covariance or a scale is
            entries = [[entries[min(i, j)][max(i, j)] for j in range(cols)] for i in range(rows)]
        values[m] = Matrix(entries)
    values.update(dict.fromkeys(dims, 2))

    def explicit(e):
        by_name = {m.name: v for m, v in values.items()}
        e = e.xreplace({k: v for k, v in values.items() if not isinstance(k, MatrixSymbol)})
        e = e.replace(
            lambda x: isinstance(x, MatrixSymbol) and x.name in by_name,
            lambda x: by_name[x.name],
        )
        return e.doit()

    assert simplify(explicit(read) - explicit(result)) == 0


def test_multivariate_gamma_reads_back_with_one_fixed_index() -> None:
    """Gamma_p(a) in a symbolic dimension is SymPy's product over one Dummy with a fixed
    index: the same text in every process, read back as the same expression."""
    from sympy import Dummy

    from kl_derive.printing.exact import exact
    from kl_derive.symbolic.matrices import GAMMA_INDEX

    derivation, result, read = _read("wishart(n, V)", "wishart(m, U)")
    assert read.atoms(Dummy) == {GAMMA_INDEX}
    assert exact(derivation.result) == result["srepr"]
    _agree_in_two_dimensions(read, derivation.result)
