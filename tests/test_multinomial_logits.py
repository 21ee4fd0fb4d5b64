"""The multinomial family, the ``logits`` spellings and categorical laws with a symbolic
number of categories: results against independent numeric references (SciPy's mass
functions summed over the support), every step verified, rendering through KaTeX (strict)
and pdflatex in English and Korean, and one-line errors."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from functools import cache

import pytest
from conftest import one_line_error, run_module
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from kl_derive import derive
from kl_derive.engine import verify_draft
from kl_derive.errors import KLDeriveError, VerificationError
from kl_derive.spec import parse_spec
from kl_derive.steps.step import Chain, Stage
from kl_derive.strategies import multinomial_counts
from kl_derive.symbolic.convert import bind_pair


def _value(result, **values: float) -> float:
    names = {s.name: s for s in result.free_symbols}
    assert set(names) <= set(values), (names, values)
    return float(result.xreplace({names[k]: v for k, v in values.items()}).evalf(30))


def _compositions(n: int, size: int):
    """Every vector of ``size`` nonnegative integers summing to ``n``."""
    for cut in itertools.combinations(range(n + size - 1), size - 1):
        bounds = (-1, *cut, n + size - 1)
        yield [bounds[i + 1] - bounds[i] - 1 for i in range(size)]


def _multinomial_kl(n: int, p: list[float], q: list[float]) -> float:
    """KL by SciPy's multinomial mass function summed over the whole support."""
    first, second = stats.multinomial(n, p), stats.multinomial(n, q)
    return math.fsum(
        math.exp(first.logpmf(k)) * (first.logpmf(k) - second.logpmf(k))
        for k in _compositions(n, len(p))
    )


def _simplex(size: int):
    return st.lists(st.floats(0.05, 1.0, allow_nan=False), min_size=size, max_size=size).map(
        lambda w: [x / sum(w) for x in w]
    )


def _all_verified(derivation) -> None:
    assert derivation.steps
    assert all(step.verified for step in derivation.steps), [
        s.rule for s in derivation.steps if not s.verified
    ]


# ---------------------------------------------------------------------------
# multinomial
# ---------------------------------------------------------------------------


@cache
def _multinomial():
    """Derived on first use, not when the module is collected (by every worker)."""
    return derive("multinomial(n, [a, b, 1 - a - b])", "multinomial(n, [r, s, 1 - r - s])")


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 8), p=_simplex(3), q=_simplex(3))
def test_multinomial_matches_scipy(n: int, p: list[float], q: list[float]) -> None:
    value = _value(_multinomial().result, n=n, a=p[0], b=p[1], r=q[0], s=q[1])
    assert value == pytest.approx(_multinomial_kl(n, p, q), rel=1e-9, abs=1e-12)


def test_multinomial_steps_are_all_verified_and_show_the_cancellation() -> None:
    multinomial = _multinomial()
    _all_verified(multinomial)
    rules = [s.rule for s in multinomial.steps]
    assert "multinomial.coefficient_cancels" in rules
    assert rules.count("moment.known") == 3
    latex = multinomial.to_latex("en")
    assert r"\frac{n!}{k_{1}! k_{2}! k_{3}!}" in latex.replace(r"\,", "")
    assert "binomial" in latex  # the reason for E[k_i] = n p_i is stated


def test_multinomial_with_numbers_and_two_categories() -> None:
    d = derive("multinomial(4, [1/2, 1/4, 1/4])", "multinomial(4, [1/3, 1/3, 1/3])")
    _all_verified(d)
    assert float(d.result) == pytest.approx(
        _multinomial_kl(4, [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]), rel=1e-12
    )
    two = derive("Multinomial(n, [a, 1 - a])", "multinomial(n, [b, 1 - b])")
    _all_verified(two)
    assert _value(two.result, n=5, a=0.3, b=0.6) == pytest.approx(
        _multinomial_kl(5, [0.3, 0.7], [0.6, 0.4])
    )


def test_a_false_expectation_is_refused_by_the_verifier() -> None:
    """E[k_i] is checked by summing over the count vectors: a wrong mean fails."""
    first, second = bind_pair(
        parse_spec("multinomial(n, [a, b, 1 - a - b])"),
        parse_spec("multinomial(n, [r, s, 1 - r - s])"),
    )
    draft = multinomial_counts.derive(first, second)
    stages = list(draft.stages)
    index = next(i for i, s in enumerate(stages) if s.key == "moments")
    chain = stages[index].chains[0]
    wrong = replace(chain.steps[0], after=chain.steps[0].after + 1, facts="lemma")
    stages[index] = Stage(stages[index].key, (Chain((wrong,)),), stages[index].params)
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=tuple(stages)))


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("multinomial(-3, [a, 1 - a])", "multinomial(-3, [b, 1 - b])", "must be positive"),
        ("multinomial(2.5, [a, 1 - a])", "multinomial(2.5, [b, 1 - b])", "whole number"),
        ("multinomial(3, [a, 1 - a])", "multinomial(4, [b, 1 - b])", "is infinite"),
        ("multinomial(n, [a, 1 - a])", "multinomial(m, [b, 1 - b])", "same total_count"),
        ("multinomial(n, [a, 1 - a])", "multinomial(n, [b, c, 1 - b - c])", "categories"),
        ("multinomial(n, [1/2, 1/3])", "multinomial(n, [1/2, 1/2])", "must sum to one"),
        ("multinomial", "multinomial", "as a list"),
    ],
)
def test_multinomial_one_line_errors(p: str, q: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message):
        derive(p, q)
    one_line_error(run_module([p, q]), message)


# ---------------------------------------------------------------------------
# logits
# ---------------------------------------------------------------------------


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _softmax(xs: list[float]) -> list[float]:
    top = max(xs)
    w = [math.exp(x - top) for x in xs]
    return [x / sum(w) for x in w]


def _sum_kl(p, q, upper: int) -> float:
    """KL(p || q) by summing SciPy's mass functions over 0..upper."""
    total = 0.0
    for k in range(upper + 1):
        a = p.logpmf(k)
        if a > -700:
            total += math.exp(a) * (a - q.logpmf(k))
    return total


LOGIT = st.floats(-3.0, 3.0, allow_nan=False)

SIGMOID_PAIRS = {
    "bernoulli": (
        "bernoulli(logits=a)",
        "bernoulli(logits=b)",
        lambda a, b: _sum_kl(stats.bernoulli(_sigmoid(a)), stats.bernoulli(_sigmoid(b)), 1),
    ),
    "binomial": (
        "binomial(6, logits=a)",
        "binomial(6, logits=b)",
        lambda a, b: _sum_kl(stats.binom(6, _sigmoid(a)), stats.binom(6, _sigmoid(b)), 6),
    ),
    # PyTorch's geometric counts the failures before the first success, probs = sigmoid
    "geometric": (
        "geometric(logits=a)",
        "geometric(logits=b)",
        lambda a, b: _sum_kl(
            stats.geom(_sigmoid(a), loc=-1), stats.geom(_sigmoid(b), loc=-1), 3000
        ),
    ),
    # PyTorch's negative binomial: probs is SciPy's 1 - p
    "negative_binomial": (
        "negative_binomial(3, logits=a)",
        "negative_binomial(3, logits=b)",
        lambda a, b: _sum_kl(
            stats.nbinom(3, 1 - _sigmoid(a)), stats.nbinom(3, 1 - _sigmoid(b)), 3000
        ),
    ),
    "continuous_bernoulli": (
        "continuous_bernoulli(logits=a)",
        "continuous_bernoulli(logits=b)",
        lambda a, b: _continuous_bernoulli_kl(_sigmoid(a), _sigmoid(b)),
    ),
}


def _continuous_bernoulli_kl(p: float, q: float) -> float:
    from scipy.integrate import quad

    def log_density(x: float, lam: float) -> float:
        norm = 2 * math.atanh(1 - 2 * lam) / (1 - 2 * lam)
        return math.log(norm) + x * math.log(lam) + (1 - x) * math.log(1 - lam)

    value, _ = quad(
        lambda x: math.exp(log_density(x, p)) * (log_density(x, p) - log_density(x, q)), 0, 1
    )
    return value


_SIGMOID_DERIVED = {}


def _sigmoid_derived(name: str):
    if name not in _SIGMOID_DERIVED:
        p, q, _ = SIGMOID_PAIRS[name]
        _SIGMOID_DERIVED[name] = derive(p, q)
    return _SIGMOID_DERIVED[name]


@pytest.mark.parametrize("name", sorted(SIGMOID_PAIRS))
@settings(max_examples=12, deadline=None)
@given(a=LOGIT, b=LOGIT)
def test_sigmoid_logits_match_the_reference(name: str, a: float, b: float) -> None:
    if name == "continuous_bernoulli":  # the closed form is 0/0 at probs = 1/2
        assume(abs(a) > 0.05 and abs(b) > 0.05)
    d = _sigmoid_derived(name)
    # the result is in the logits alone: the probabilities were substituted back
    assert {s.name for s in d.result.free_symbols} <= {"a", "b"}
    reference = SIGMOID_PAIRS[name][2](a, b)
    assert _value(d.result, a=a, b=b) == pytest.approx(reference, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("name", sorted(SIGMOID_PAIRS))
def test_sigmoid_logits_every_step_verified(name: str) -> None:
    d = _sigmoid_derived(name)
    _all_verified(d)
    # the probabilities substituted back, then the result written in the logits
    rules = [s.rule for s in d.steps]
    assert "parameter.substitute" in rules
    assert rules.index("parameter.substitute") >= len(rules) - 2
    # the reading p = 1/(1 + e^{-a}) is stated in the opening sentences
    assert r"e^{- a}" in d.to_latex("en")


def test_bernoulli_logits_in_textbook_form() -> None:
    """sigma(a)(a - b) + log(1 + e^b) - log(1 + e^a), with sigma written e^a/(1 + e^a)."""
    d = _sigmoid_derived("bernoulli")
    latex = d.to_latex("en").split(r"\paragraph{Result.}")[1]
    assert r"\frac{e^{a}}{1 + e^{a}}\left(a - b\right)" in latex, latex
    assert r"\log(1 + e^{b}) - \log(1 + e^{a})" in latex, latex


@settings(max_examples=20, deadline=None)
@given(a=st.lists(LOGIT, min_size=3, max_size=3), b=st.lists(LOGIT, min_size=3, max_size=3))
def test_categorical_logits_match_softmax(a: list[float], b: list[float]) -> None:
    for family in ("categorical", "one_hot_categorical"):
        d = _categorical_logits(family)
        p, q = _softmax(a), _softmax(b)
        expected = math.fsum(x * math.log(x / y) for x, y in zip(p, q, strict=True))
        values = dict(zip(["a", "b", "c", "d", "g", "h"], [*a, *b], strict=True))
        assert _value(d.result, **values) == pytest.approx(expected, rel=1e-8, abs=1e-10)


_CATEGORICAL = {}


def _categorical_logits(family: str):
    if family not in _CATEGORICAL:
        _CATEGORICAL[family] = derive(f"{family}(logits=[a, b, c])", f"{family}(logits=[d, g, h])")
        _all_verified(_CATEGORICAL[family])
    return _CATEGORICAL[family]


@cache
def _multinomial_logits():
    return derive("multinomial(n, logits=[a, b, c])", "multinomial(n, logits=[d, g, h])")


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 6),
    a=st.lists(LOGIT, min_size=3, max_size=3),
    b=st.lists(LOGIT, min_size=3, max_size=3),
)
def test_multinomial_logits_match_scipy(n: int, a: list[float], b: list[float]) -> None:
    values = dict(zip(["a", "b", "c", "d", "g", "h"], [*a, *b], strict=True))
    value = _value(_multinomial_logits().result, n=n, **values)
    assert value == pytest.approx(_multinomial_kl(n, _softmax(a), _softmax(b)), rel=1e-8)


def test_multinomial_logits_every_step_verified() -> None:
    _all_verified(_multinomial_logits())


def test_logits_probs_mixed() -> None:
    """One law by logits, the other by probs: the result is in a and q."""
    d = derive("bernoulli(logits=a)", "bernoulli(q)")
    _all_verified(d)
    expected = _sum_kl(stats.bernoulli(_sigmoid(0.7)), stats.bernoulli(0.2), 1)
    assert _value(d.result, a=0.7, q=0.2) == pytest.approx(expected)


@pytest.mark.parametrize(
    "spec",
    [
        ["bernoulli(logits=a)", "bernoulli(logits=b)"],
        ["binomial(10, logits=a)", "binomial(10, logits=b)", "--to", "markdown"],
        ["categorical(logits=[a, b, c])", "categorical(logits=[d, g, h])", "--lang", "ko"],
        ["multinomial(5, logits=[a, b])", "multinomial(5, [1/2, 1/2])", "--to", "text"],
    ],
)
def test_logits_from_the_command_line(spec: list[str]) -> None:
    done = run_module(spec)
    assert done.returncode == 0, done.stderr
    assert "D" in done.stdout and done.stderr == ""


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ("bernoulli(p, logits=a)", "bernoulli(r)", "not both"),
        ("categorical([a, 1 - a], logits=[b, c])", "categorical([r, 1 - r])", "not both"),
        ("multinomial(n, logits=[a, b])", "multinomial(n, logits=[c, d, e])", "categories"),
        ("categorical(logits=a)", "categorical(logits=[b, c])", "as a list"),
        ("bernoulli(logits=[a, b])", "bernoulli(r)", "not a list"),
        ("normal(logits=a)", "normal(m, s)", "takes no logits"),
        ("bernoulli(probs=a)", "bernoulli(r)", "other than logits"),
        ("binomial(logits=a)", "binomial(3, r)", "before logits"),
        ("multinomial(-2, logits=[a, b])", "multinomial(-2, logits=[c, d])", "must be positive"),
    ],
)
def test_logits_one_line_errors(p: str, q: str, message: str) -> None:
    with pytest.raises(KLDeriveError, match=message):
        derive(p, q)
    one_line_error(run_module([p, q]), message)


# ---------------------------------------------------------------------------
# categorical laws with a symbolic number of categories K
# ---------------------------------------------------------------------------

SYMBOLIC = ("categorical", "one_hot_categorical")


@cache
def _symbolic(family: str):
    return derive(family, family)


@pytest.mark.parametrize("family", sorted(SYMBOLIC))
@settings(max_examples=10, deadline=None)
@given(data=st.data(), size=st.integers(2, 6))
def test_symbolic_categories_match_a_direct_sum(family: str, data, size: int) -> None:
    from sympy import IndexedBase, Symbol

    d = _symbolic(family)
    p, q = data.draw(_simplex(size)), data.draw(_simplex(size))
    written = d.result.xreplace({Symbol("K", integer=True, positive=True): size}).doit()
    bases = {str(b.label): b for b in written.atoms(IndexedBase)}
    values = {bases["p"][i + 1]: p[i] for i in range(size)}
    values.update({bases["q"][i + 1]: q[i] for i in range(size)})
    expected = math.fsum(x * math.log(x / y) for x, y in zip(p, q, strict=True))
    assert float(written.xreplace(values)) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("family", sorted(SYMBOLIC))
def test_symbolic_categories_are_verified_in_instances(family: str) -> None:
    d = _symbolic(family)
    assert all(step.check == "instances" for step in d.steps), [s.check for s in d.steps]
    assert d.instance_sizes == (2, 3, 4)
    latex = d.to_latex("en")
    assert r"\sum_{k=1}^{K}" in latex and "= 1" in latex  # the sum and the constraint


def test_a_false_indexed_sum_is_refused() -> None:
    """The instances K = 2, 3, 4 really check the closed form: a wrong one fails."""
    from sympy import log

    from kl_derive.strategies import categorical_sum

    first, second = bind_pair(parse_spec("categorical"), parse_spec("categorical"))
    draft = categorical_sum.derive(first, second)
    stage = draft.stages[-1]
    last = stage.chains[0].steps[-1]
    swapped = last.after.replace(lambda x: isinstance(x, log), lambda x: log(1 / x.args[0]))
    wrong = replace(last, after=swapped)
    chain = Chain((*stage.chains[0].steps[:-1], wrong))
    stages = (*draft.stages[:-1], Stage(stage.key, (chain,), stage.params))
    with pytest.raises(VerificationError):
        verify_draft(replace(draft, stages=stages))


def test_named_probabilities_with_dims_and_without() -> None:
    from sympy import IndexedBase

    named = derive("categorical(p)", "categorical(r)")
    assert {str(b.label) for b in named.result.atoms(IndexedBase)} == {"p", "r"}
    written = derive("categorical(p)", "categorical(r)", dims=3)
    _all_verified(written)
    values = {"p_1": 0.2, "p_2": 0.5, "p_3": 0.3, "r_1": 0.6, "r_2": 0.1, "r_3": 0.3}
    expected = math.fsum(
        x * math.log(x / y) for x, y in zip([0.2, 0.5, 0.3], [0.6, 0.1, 0.3], strict=True)
    )
    assert _value(written.result, **values) == pytest.approx(expected)
    done = run_module(["categorical(p)", "categorical(r)", "--dims", "3", "--to", "text"])
    assert done.returncode == 0, done.stderr
    bare = run_module(["categorical", "categorical", "--to", "markdown", "--lang", "ko"])
    assert bare.returncode == 0 and bare.stderr == "", bare.stderr


def test_names_and_lists_mixed_is_a_one_line_error() -> None:
    done = run_module(["categorical(p)", "categorical([a, 1 - a])"])
    one_line_error(done, "as lists, or both as names")


# ---------------------------------------------------------------------------
# through the real renderers: KaTeX (strict) and pdflatex, English and Korean
# ---------------------------------------------------------------------------

RENDERED: list[tuple[str, str | None]] = [
    ("multinomial(n, [a, b, 1 - a - b])", "multinomial(n, [r, s, 1 - r - s])"),
    ("multinomial(4, [1/2, 1/4, 1/4])", "multinomial(4, [1/3, 1/3, 1/3])"),
    *((p, q) for p, q, _ in SIGMOID_PAIRS.values()),
    ("categorical(logits=[a, b, c])", "categorical(logits=[d, g, h])"),
    ("multinomial(n, logits=[a, b, c])", "multinomial(n, logits=[d, g, h])"),
    ("bernoulli(logits=a)", "bernoulli(q)"),
    ("categorical", "categorical"),
    ("one_hot_categorical", "one_hot_categorical"),
    ("categorical(p)", "categorical(r)"),
]


def _rendered():
    return [derive(p, q) for p, q in RENDERED]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_new_derivations_render_with_katex(lang: str) -> None:
    from conftest import katex_blocks

    assert len(katex_blocks(_rendered(), lang)) > 10 * len(RENDERED)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_new_derivations_compile_with_pdflatex(tmp_path, lang: str) -> None:
    from conftest import compile_fragments

    compile_fragments(tmp_path, [d.to_latex(lang) for d in _rendered()], lang)
