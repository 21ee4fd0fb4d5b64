"""``kl_derive.check``: is a VAE loss line the KL term, and if not, what is wrong with it?

Three groups: correct lines in many spellings (they must be proved equal), incorrect lines
with the usual mistakes (the right mistake id, and a counterexample whose two values are
recomputed here with numpy), and malicious or malformed input (refused with
:class:`CheckInputError`, quickly, without eval/exec/imports or files written).
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kl_derive import derive
from kl_derive.check import CheckInputError, CheckReport, check_loss, parse_names_option
from kl_derive.check.statements import block_target, read_block
from kl_derive.check.targets.gaussian import SPECS, Pieces, reference, scale_symbol
from kl_derive.errors import KLDeriveError

PARAMS = ("logvar", "scale", "variance", "logscale")


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import the checker's modules once (importing defines classes with exec), so that the
    guards against eval and exec below see the check itself; SymPy imports some of its
    modules on first use)."""
    for line, _ in NO_EVAL_LINES:
        check_loss(line)


def variance_np(param: str, x: np.ndarray) -> np.ndarray:
    """sigma^2 from the scale value ``x`` as ``param`` reads it."""
    return {
        "logvar": np.exp(x),
        "scale": x**2,
        "variance": x,
        "logscale": np.exp(2 * x),
    }[param]


def kl_np(param: str, mu: np.ndarray, x: np.ndarray) -> float:
    """sum_j KL(N(mu_j, sigma_j^2) || N(0, 1)), computed independently with numpy."""
    var = variance_np(param, x)
    return float(0.5 * np.sum(mu**2 + var - np.log(var) - 1))


# --------------------------------------------------------------------------- correct lines

CORRECT: list[tuple[str, str, dict[str, str] | None]] = [
    ("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))", "logvar", None),
    ("-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "logvar", None),
    ("-0.5 * tf.reduce_sum(1 + logvar - tf.square(mu) - tf.exp(logvar), axis=1)", "logvar", None),
    ("-0.5 * K.sum(1 + log_var - K.square(z_mean) - K.exp(log_var), axis=-1)", "logvar", None),
    (
        "-0.5 * jnp.sum(1 + z_log_var - jnp.square(z_mean) - jnp.exp(z_log_var), axis=-1)",
        "logvar",
        None,
    ),
    ("np.sum(-0.5 * (1 + lv - np.power(m, 2) - np.exp(lv)), axis=1).mean()", "logvar", None),
    ("(-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(dim=-1)", "logvar", None),
    ("(0.5 * (mu**2 + logvar.exp() - logvar - 1)).sum(1)", "logvar", None),
    ("0.5*sum(exp(logvar) + mu**2 - 1 - logvar)", "logvar", None),
    ("KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "logvar", None),
    (
        "torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim = 1), dim = 0)",
        "logvar",
        None,
    ),
    (
        "-0.5 * tf.math.reduce_sum(1 + logvar - tf.math.square(mu) - tf.math.exp(logvar), 1)",
        "logvar",
        None,
    ),
    ("-0.5 * sum(1 + logvar) + 0.5 * sum(mu**2) + 0.5 * sum(exp(logvar))", "logvar", None),
    ("torch.mean(-0.5 * (1 + logvar - mu**2 - exp(logvar)), dim=0).sum()", "logvar", None),
    ("sum(0.5 * (sqrt(exp(logvar))**2 + pow(mu, 2) - logvar - 1))", "logvar", None),
    ("-0.5 * sum(1 + log(exp(logvar)) - mu * mu - exp(logvar))", "logvar", None),
    ("0.5 * sum(sigma**2 + mu**2 - log(sigma**2) - 1)", "scale", None),
    ("-0.5 * torch.sum(1 + torch.log(std.pow(2)) - mu.pow(2) - std.pow(2), dim=1)", "scale", None),
    ("torch.sum(-log(sigma) + (sigma**2 + mu**2) / 2 - 0.5)", "scale", None),
    ("0.5 * sum(var + mu**2 - log(var) - 1)", "variance", None),
    ("-0.5 * sum(1 + 2*log_sigma - mu**2 - exp(2*log_sigma))", "logscale", None),
    (
        "-0.5 * sum(1 + enc_lv - enc_mu**2 - exp(enc_lv))",
        "logvar",
        {"mu": "enc_mu", "scale": "enc_lv"},
    ),
    ("-0.5 * sum(1 + logvar - foo**2 - exp(logvar))", "logvar", None),  # the other name is mu
]


@pytest.mark.parametrize(("line", "param", "names"), CORRECT)
def test_correct_lines_are_proved_equal(
    line: str, param: str, names: dict[str, str] | None
) -> None:
    report = check_loss(line, param=param, names=names)
    assert report.equal, report.message
    assert report.proved
    assert report.mistake is None and report.counterexample is None
    assert report.exit_code() == 0
    assert report.message.startswith("correct: equals KL(")
    assert "\n" not in report.message
    assert f'kl-derive "{SPECS[param]}" --to latex' in report.message


def test_message_names_the_derivation() -> None:
    report = check_loss("-0.5 * sum(1 + logvar - mu**2 - exp(logvar))")
    assert report.message == (
        "correct: equals KL(N(mu, exp(logvar)) || N(0, 1)) summed over the latent axis; "
        "read mu as the mean and logvar as the log-variance (from their names); "
        'derivation: kl-derive "normal(mu, exp(logvar/2))" --to latex'
    )


def test_user_names_appear_in_the_report() -> None:
    report = check_loss("-0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var))")
    assert report.names == {"mu": "z_mean", "scale": "z_log_var"}
    assert "KL(N(z_mean, exp(z_log_var))" in report.message
    j, d = sp.Symbol("j", integer=True, positive=True), sp.Symbol("d", integer=True, positive=True)
    z_mean, z_log_var = sp.IndexedBase("z_mean", real=True), sp.IndexedBase("z_log_var", real=True)
    expected = sp.Sum((z_mean[j] ** 2 + sp.exp(z_log_var[j]) - z_log_var[j] - 1) / 2, (j, 1, d))
    assert sp.simplify((report.user_expr - expected).doit()) == 0
    assert sp.simplify((report.reference - expected).doit()) == 0


def test_stabilising_epsilon_is_tolerated_and_reported() -> None:
    report = check_loss("-0.5 * sum(1 + log(sigma**2 + 1e-8) - mu**2 - sigma**2)", param="scale")
    assert report.equal
    assert report.ignored_constants == ("1e-08",)
    assert "1e-08" in report.message


def test_reference_is_what_kl_derive_derives_for_every_param() -> None:
    for param in PARAMS:
        x, _ = scale_symbol(param)
        mu = sp.Symbol("mu", real=True)
        hand = Pieces.of(param, x, x.name).kl(mu)
        assert sp.simplify(sp.expand_log(reference(param) - hand)) == 0, param
        derived = derive(SPECS[param]).result
        by_name = {s.name: s for s in (mu, x)}
        assert {s.name for s in derived.free_symbols} == set(by_name)
        derived = derived.xreplace({s: by_name[s.name] for s in derived.free_symbols})
        assert sp.simplify(sp.expand_log(derived - reference(param), force=True)) == 0, param


# --------------------------------------------------------------------------- incorrect lines

Fn = Callable[[np.ndarray, np.ndarray], Any]

INCORRECT: list[tuple[str, str, str, Fn]] = [
    (
        "-torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
        "logvar",
        "missing_half",
        lambda mu, lv: -np.sum(1 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "sum(var + mu**2 - log(var) - 1)",
        "variance",
        "missing_half",
        lambda mu, v: np.sum(v + mu**2 - np.log(v) - 1),
    ),
    (
        "0.5 * np.sum(1 + logvar - np.square(mu) - np.exp(logvar))",
        "logvar",
        "flipped_sign",
        lambda mu, lv: 0.5 * np.sum(1 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "-0.5 * sum(1 + logvar - mu**2 + exp(logvar))",
        "logvar",
        "flipped_sign",
        lambda mu, lv: -0.5 * np.sum(1 + lv - mu**2 + np.exp(lv)),
    ),
    (
        "-0.5 * sum(1 + logvar - mu**2 - exp(0.5 * logvar))",
        "logvar",
        "sigma_for_variance",
        lambda mu, lv: -0.5 * np.sum(1 + lv - mu**2 - np.exp(0.5 * lv)),
    ),
    (
        "-0.5 * torch.sum(1 + torch.log(sigma**2) - mu**2 - sigma)",
        "scale",
        "sigma_for_variance",
        lambda mu, s: -0.5 * np.sum(1 + np.log(s**2) - mu**2 - s),
    ),
    (
        "-0.5 * sum(1 + log(sigma) - mu**2 - sigma**2)",
        "scale",
        "log_sigma_vs_log_variance",
        lambda mu, s: -0.5 * np.sum(1 + np.log(s) - mu**2 - s**2),
    ),
    (
        "-0.5 * sum(1 + log_sigma - mu**2 - exp(log_sigma))",
        "logscale",
        "log_sigma_vs_log_variance",
        lambda mu, ls: -0.5 * np.sum(1 + ls - mu**2 - np.exp(ls)),
    ),
    (
        "-0.5 * (1 + logvar - mu**2 - exp(logvar))",
        "logvar",
        "missing_sum",
        lambda mu, lv: -0.5 * (1 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "0.5 * sum(logvar + (1 + mu**2) * exp(-logvar) - 1)",
        "logvar",
        "reversed_direction",
        lambda mu, lv: 0.5 * np.sum(lv + (1 + mu**2) * np.exp(-lv) - 1),
    ),
    (
        "sum(log(sigma) + (1 + mu**2) / (2 * sigma**2) - 0.5)",
        "scale",
        "reversed_direction",
        lambda mu, s: np.sum(np.log(s) + (1 + mu**2) / (2 * s**2) - 0.5),
    ),
    (
        "-0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())",
        "logvar",
        "mean_instead_of_sum",
        lambda mu, lv: -0.5 * np.mean(1 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "-0.5 * K.mean(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)",
        "logvar",
        "mean_instead_of_sum",
        lambda mu, lv: -0.5 * np.mean(1 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "-0.5 * sum(1 + log(sigma**2) - mu**2 - sigma**2)",
        "logvar",
        "wrong_parametrization",
        lambda mu, s: -0.5 * np.sum(1 + np.log(s**2) - mu**2 - s**2),
    ),
    (
        "-0.5 * sum(logvar - mu**2 - exp(logvar))",
        "logvar",
        "missing_term",
        lambda mu, lv: -0.5 * np.sum(lv - mu**2 - np.exp(lv)),
    ),
    (
        "-0.5 * sum(3 + logvar - mu**2 - exp(logvar))",
        "logvar",
        "constant_offset",
        lambda mu, lv: -0.5 * np.sum(3 + lv - mu**2 - np.exp(lv)),
    ),
    (
        "-1.5 * sum(1 + logvar - mu**2 - exp(logvar))",
        "logvar",
        "wrong_factor",
        lambda mu, lv: -1.5 * np.sum(1 + lv - mu**2 - np.exp(lv)),
    ),
]


@pytest.mark.parametrize(("line", "param", "mistake", "user_np"), INCORRECT)
def test_incorrect_lines_name_the_mistake_with_a_counterexample(
    line: str, param: str, mistake: str, user_np: Fn
) -> None:
    report = check_loss(line, param=param)
    assert not report.equal
    assert report.exit_code() == 1
    assert report.mistake == mistake, report.message
    assert report.proved
    assert report.message.startswith("incorrect (")
    assert "\n" not in report.message

    example = report.counterexample
    assert example is not None
    values = example["values"]
    mu = np.array(values[report.names["mu"]], dtype=float)
    x = np.array(values[report.names["scale"]], dtype=float)
    assert example["d"] == len(mu) == len(x)
    user, correct = user_np(mu, x), kl_np(param, mu, x)
    assert np.allclose(example["correct"], correct, rtol=1e-9, atol=1e-12)
    assert np.allclose(example["user"], user, rtol=1e-9, atol=1e-12)
    if np.ndim(user) == 0:
        assert not np.isclose(user, correct, rtol=1e-6), "the two values must really differ"
    else:
        assert mistake == "missing_sum" and isinstance(example["user"], list)


def test_first_counterexample_is_the_small_default_vector() -> None:
    report = check_loss("-sum(1 + logvar - mu**2 - exp(logvar))")
    assert report.counterexample is not None
    assert report.counterexample["values"] == {"mu": [0.5, -1.0], "logvar": [0.3, -0.7]}
    assert "at mu=[0.5, -1.0], logvar=[0.3, -0.7]" in report.message


def test_mean_that_matches_at_d_2_is_still_refuted() -> None:
    # 2 * mean equals the sum when d = 2, so the counterexample must use another d
    report = check_loss("-torch.mean(1 + logvar - mu.pow(2) - logvar.exp())")
    assert not report.equal
    example = report.counterexample
    assert example is not None and example["d"] != 2
    mu, lv = (np.array(v) for v in example["values"].values())
    assert np.isclose(example["user"], -np.mean(1 + lv - mu**2 - np.exp(lv)))
    assert not np.isclose(example["user"], kl_np("logvar", mu, lv))


def test_name_suggesting_another_param_gives_a_hint() -> None:
    line = "-0.5 * sum(1 + log(sigma**2) - mu**2 - sigma**2)"
    report = check_loss(line, param="logvar")  # stated, against the name
    assert not report.equal
    assert report.suggested_param == "scale"
    assert "the line would be right (param='scale')" in report.message


def test_a_name_sets_the_parametrization_when_param_is_not_given() -> None:
    report = check_loss("-0.5 * sum(1 + log(sigma**2) - mu**2 - sigma**2)")
    assert report.equal and report.param == "scale"
    assert "sigma as the standard deviation" in report.message


def test_products_of_reductions_are_refuted_numerically() -> None:
    report = check_loss("sum(mu**2) * sum(exp(logvar))")
    assert not report.equal and not report.proved
    assert report.counterexample is not None


def test_report_is_json_ready() -> None:
    report = check_loss("-0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())")
    assert isinstance(report, CheckReport)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["mistake"] == "mean_instead_of_sum"
    assert data["equal"] is False


# --------------------------------------------------------------------------- names and options


def test_explicit_names_mapping() -> None:
    line = "-0.5 * sum(1 + b - a**2 - exp(b))"
    with pytest.raises(CheckInputError, match="cannot tell"):
        check_loss(line)
    report = check_loss(line, names={"mu": "a", "logvar": "b"})
    assert report.equal
    with pytest.raises(CheckInputError, match="does not map"):
        check_loss(line, names={"mu": "a", "scale": "c"})


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("sum(mu + m)", "both 'mu' and 'm' look like the mean"),
        ("sum(logvar + log_var)", "both 'logvar' and 'log_var' look like the log-variance"),
        ("sum(mu + logvar + beta)", "'beta' enters the line other than as a factor"),
        ("sum(mu) + beta", "'beta' enters the line other than as a factor"),
        ("sum(foo + bar)", "cannot tell"),
    ],
)
def test_unmappable_names_are_refused(line: str, match: str) -> None:
    with pytest.raises(CheckInputError, match=match):
        check_loss(line)


def test_names_option_parser() -> None:
    assert parse_names_option("mu=z_mean, scale=z_log_var") == {
        "mu": "z_mean",
        "scale": "z_log_var",
    }
    with pytest.raises(CheckInputError):
        parse_names_option("mu")


def test_bad_param_and_family() -> None:
    with pytest.raises(CheckInputError, match="did you mean 'logvar'"):
        check_loss("sum(mu)", param="logvr")
    with pytest.raises(CheckInputError, match="normal"):
        check_loss("sum(mu)", against="gamma")


def test_leading_minus_and_errors_are_kl_derive_errors() -> None:
    assert check_loss("-0.5*sum(1+logvar-mu**2-exp(logvar))").equal
    assert issubclass(CheckInputError, KLDeriveError)


# --------------------------------------------------------------------------- hostile input

MARKER = "kl_derive_check_marker"

MALICIOUS = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "open('{marker}', 'w').write('x')",
    "eval('1')",
    "exec('import os')",
    "lambda: 1",
    "[x for x in range(10**9)]",
    "9**9**9**9",
    "'a'*10**9",
    "mu.__class__",
    "mu.__class__.__mro__",
    "(" * 200 + "mu" + ")" * 200,
    "(" * 31 + "mu" + ")" * 31,
    "-" * 500 + "mu",
    "1" * 10**6,
    "1" * 1500,
    "torch.load('x')",
    "os.system('touch {marker}')",
    "getattr(mu, '__class__')",
    "sum(mu, start=__import__('os'))",
    "mu[0] * sum(logvar)",
    "(mu + logvar",
    "",
    "   ",
    "mu if logvar else 1",
    "f'{{mu}}'",
    "sum(mu, axis=lv)",
    "mu ** 17",
    "1e300 * mu",
    "1 / 0 + mu",
    "mu\x00",
    "np.random.normal(mu)",
    "sum(**{{'axis': 1}})",
    "((1e-300**16)**16)**16 * mu",
    "(((mu * 1e-300)**16)**16)**16",
    "sum(square(square(square(square(square(square(square(mu))))))))",
]


@pytest.fixture
def no_side_effects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """eval, exec, open, __import__ and SymPy's string parser record any call and refuse."""
    calls: list[str] = []
    real_import = builtins.__import__

    def refuse(name: str) -> Callable[..., Any]:
        def guard(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} called")

        return guard

    def guarded_import(module: str, *args: Any, **kwargs: Any) -> Any:
        if module.split(".")[0] in {"os", "subprocess", "shutil", "pickle", "torch"}:
            calls.append(f"import {module}")
            raise AssertionError(f"import {module}")
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", refuse("eval"))
    monkeypatch.setattr(builtins, "exec", refuse("exec"))
    monkeypatch.setattr(builtins, "open", refuse("open"))
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    monkeypatch.setattr(sp.parsing.sympy_parser, "parse_expr", refuse("parse_expr"))
    return calls


@pytest.mark.parametrize("template", MALICIOUS)
def test_hostile_input_is_refused_fast_without_side_effects(
    template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_side_effects: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    line = template.format(marker=tmp_path / MARKER) if "{" in template else template
    start = time.process_time()  # processor time: a guard against work, not a speed test
    with pytest.raises(CheckInputError) as caught:
        check_loss(line)
    elapsed = time.process_time() - start
    assert elapsed < 2.5, f"took {elapsed:.3f} s of processor time"
    message = str(caught.value)
    assert message and "\n" not in message
    assert no_side_effects == []
    assert not (tmp_path / MARKER).exists()


def test_refusal_messages_are_specific() -> None:
    cases = {
        "__import__('os')": "dunder name '__import__'",
        "mu.__class__": "dunder attribute '__class__'",
        "lambda: 1": "a lambda",
        "[x for x in y]": "a comprehension",
        "x[0]": "indexing",
        "9**9**9**9": "too large",
        "mu ** 17": "exponent",
        "(" * 40 + "mu" + ")" * 40: "nested too deeply",
        "1" * 3000: "too long",
        "": "empty",
        "(mu": "cannot read",
        "torch.load('x')": "call to 'torch.load' is not read",
        "sum(mu, start=1)": "keyword argument start=",
    }
    for line, expected in cases.items():
        with pytest.raises(CheckInputError, match=expected.replace("(", r"\(").replace("*", r"\*")):
            block_target(read_block(line))


NO_EVAL_LINES = [
    ("-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", None),
    ("-0.5 * sum(1 + log(exp(logvar) + 1e-8) - mu**2 - exp(logvar))", None),
    ("-torch.sum(1 + logvar - mu.pow(2) - logvar.exp())", "missing_half"),
    ("-1.5 * sum(1 + logvar - mu**2 - exp(logvar))", "wrong_factor"),
    ("-0.5 * sum(logvar - mu**2 - exp(logvar))", "missing_term"),
    ("-0.5 * sum(3 + logvar - mu**2 - exp(logvar))", "constant_offset"),
    ("-0.5 * (1 + logvar - mu**2 - exp(logvar))", "missing_sum"),
    ("sum(mu**2) * sum(exp(logvar))", None),
]


@pytest.mark.parametrize(("line", "mistake"), NO_EVAL_LINES)
def test_checking_needs_no_eval_exec_or_string_parsing(
    line: str, mistake: str | None, no_side_effects: list[str]
) -> None:
    report = check_loss(line)
    assert report.mistake == mistake
    assert no_side_effects == []


@pytest.mark.parametrize(
    "line",
    [
        "sum(exp(exp(exp(exp(exp(exp(mu)))))))",
        "sum(((mu + logvar + 1)**16)**4)",
        "abs(((logvar**mu + (pow(-1, logvar) - mu)))**2)",
        "sum(mu)**16 * sum(logvar)**16",
        "-0.5*sum(1+logvar-mu**2-exp(logvar)) + sum((mu+1)**16*(mu-1)**16 - (mu**2-1)**16)",
    ],
)
def test_hard_but_allowed_lines_finish_quickly(line: str) -> None:
    start = time.process_time()  # processor time: a guard against a hang, not a speed test
    report = check_loss(line)
    assert time.process_time() - start < 10.0
    assert "\n" not in report.message


_TOKENS = st.sampled_from(
    [
        "mu", "logvar", "sigma", "1", "0.5", "2", "+", "-", "*", "/", "**", "(", ")", ",",
        "sum(", "mean(", "exp(", "log(", "sqrt(", ".pow(", ".sum(", "torch.", "np.", "axis=1",
        "dim=-1", "__class__", "[", "]", "lambda", "'", ".", " ",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=25).map("".join))
def test_any_token_soup_gives_a_report_or_a_check_error(line: str) -> None:
    try:
        report = check_loss(line)
    except CheckInputError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(report.equal, bool) and "\n" not in report.message


# --------------------------------------------------------------------------- blocks


HOSTILE_BLOCKS = [
    ("x = mu\n" + "x = x + x\n" * 60 + "kl = x", "too large once earlier lines are substituted"),
    ("x = mu\n" + "x = exp(x)\n" * 150 + "kl = sum(x)", "nested too deeply"),
    ("\n".join(f"a{i} = mu" for i in range(300)), "more than 200 statements"),
    ("kl = mu\n" + "kl *= 2\n" * 150, "is not read"),
    ("kl = mu\nkl %= 2", "the operator of this augmented assignment is not read"),
    ("mu, logvar = enc(h)", "assigned by unpacking"),
    ("f = lambda x: x\nkl = f(mu)", "call to 'f' is not read"),
    ("kl = (y := mu)", "an assignment expression"),
    ("kl = mu\x00", "null bytes"),
    ("import torch", "no assignment or expression"),
    ("kl = mu @ mu", "the operator"),
    ("kl = 1\n" * 5 + "kl = " + "(" * 40 + "mu" + ")" * 40, "nested too deeply"),
    ("def f(:\n  pass", "cannot read"),
    ("if x:\n    kl = mu", "functions or control flow"),
]


@pytest.mark.parametrize(("block", "match"), HOSTILE_BLOCKS)
def test_hostile_blocks_are_refused_in_one_line(
    block: str, match: str, no_side_effects: list[str]
) -> None:
    with pytest.raises(CheckInputError, match=match) as caught:
        check_loss(block)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 600
    assert no_side_effects == []


@pytest.mark.parametrize(
    "block",
    [
        "std = exp(0.5*logvar); kl = 0.5*sum(mu**2 + std**2 - log(std**2) - 1)",
        "kl = -0.5*sum(1+logvar-mu**2-exp(logvar))\r\nkl = kl.mean()\r\n",
        "    kl = 1 + logvar - mu**2 - exp(logvar)\n    kl = -0.5 * kl.sum(1)",
        "global kl\ndel x\nkl = -0.5*sum(1+logvar-mu**2-exp(logvar))  # the VAE term",
        "kl: torch.Tensor = -0.5*sum(1+logvar-mu**2-exp(logvar))",
        "kl = 0\nkl += -0.5*sum(1+logvar-mu**2-exp(logvar))",
        "out = {}\nout['kl'] = -0.5*sum(1+logvar-mu**2-exp(logvar))",
        "kl = -0.5*sum(1+σ-μ**2-exp(σ))",  # Greek letters: σ is read as the std
    ],
)
def test_blocks_as_pasted(block: str) -> None:
    report = check_loss(block)
    assert report.equal or "σ" in block, report.message
    if "σ" in block:
        assert report.mistakes == ("wrong_parametrization",)


def test_the_last_assignment_or_the_named_one_is_the_kl() -> None:
    block = "kl = -0.5*sum(1+logvar-mu**2-exp(logvar))\nother = -sum(1+logvar-mu**2-exp(logvar))"
    assert check_loss(block).mistakes == ("missing_half",)
    assert check_loss(block, name="kl").equal
    with pytest.raises(CheckInputError, match="does not assign 'kld' \\(it assigns kl, other\\)"):
        check_loss(block, name="kld")


def test_an_unread_definition_is_named_in_the_refusal() -> None:
    with pytest.raises(CheckInputError, match="cannot tell what 'h' holds: line 1"):
        check_loss("h = F.softplus(x)\nkl = -0.5*sum(1 + h - mu**2 - exp(h)) + h")
    # a definition that cannot be read leaves the name, whose role its name says
    report = check_loss("std = F.softplus(x)\nkl = 0.5*sum(mu**2 + std**2 - log(std**2) - 1)")
    assert report.equal and report.param == "scale"


# --------------------------------------------------------------------------- references


def test_the_other_references_are_what_kl_derive_derives() -> None:
    from kl_derive.check.targets import bernoulli_target, categorical_target, normal_pair_target
    from kl_derive.check.targets.gaussian_pair import pair_reference, pair_specs

    for param_q, param_p in [("logvar", "logvar"), ("scale", "scale"), ("logscale", "variance")]:
        derived = derive(*pair_specs(param_q, param_p)).result
        ours = pair_reference(param_q, param_p)
        by_name = {s.name: s for s in ours.free_symbols}
        derived = derived.xreplace({s: by_name[s.name] for s in derived.free_symbols})
        assert sp.simplify(sp.expand_log(derived - ours, force=True)) == 0, (param_q, param_p)
        target = normal_pair_target(param_q, param_p)
        assert sp.simplify(target.accepted[0].form.expr - ours) == 0
    q, p = sp.Symbol("q", positive=True), sp.Symbol("p", positive=True)
    for uniform, second in [(False, "bernoulli(p)"), (True, "bernoulli(1/2)")]:
        derived = derive("bernoulli(q)", second).result
        derived = derived.xreplace({s: {"q": q, "p": p}[s.name] for s in derived.free_symbols})
        ours = bernoulli_target(uniform=uniform).accepted[0].form.expr
        assert sp.simplify(sp.expand_log(derived - ours, force=True)) == 0
    derived = derive("categorical(q)", "categorical(p)").result
    (summand,) = [a for a in sp.preorder_traversal(derived) if isinstance(a, sp.Sum)]
    k = summand.limits[0][0]
    term = summand.function.xreplace(
        {b[k]: s for b, s in ((sp.IndexedBase("q"), q), (sp.IndexedBase("p"), p))}
    )
    term = term.xreplace({a: {"q": q, "p": p}.get(str(a.base), a) for a in term.atoms(sp.Indexed)})
    ours = categorical_target().accepted[0].form.expr
    assert sp.simplify(sp.expand_log(term - ours, force=True)) == 0


# --------------------------------------------------------------------------- explain


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("logp - ref_logp", "E_pi[k1] = KL(pi || pi_ref): unbiased"),
        ("exp(ref_logp - logp) - 1 - (ref_logp - logp)", "so k3 is an unbiased estimator"),
        ("0.5 * (logp - ref_logp)**2", "= O(t^3), so they agree to second order"),
        ("(ratio - 1) - log_ratio", "E_pi[line] = chi2(pi || pi_ref) - KL(pi || pi_ref)"),
        ("ref_logp - logp", "E_pi[line] = -KL(pi || pi_ref): the sign is flipped"),
    ],
)
@pytest.mark.slow
def test_explain_derives_each_estimator_verdict(line: str, expected: str) -> None:
    from kl_derive.check.explain import explain_report

    text = explain_report(check_loss(line))
    assert expected in text
    assert text.endswith("symbolic probabilities\n")


def test_explain_gives_the_ppo_law_names() -> None:
    from kl_derive.check.explain import explain_report

    block = "logratio = new_lp - old_lp\nratio = logratio.exp()\napprox_kl = (ratio - 1) - logratio"
    report = check_loss(block, names={"log_q": "new_lp", "old_logp": "old_lp"})
    assert report.equal and "KL(pi_old || pi)" in report.message
    assert "E_pi_old[k3]" in explain_report(report)


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("mean", "mu"),
        ("logVar", "logvar"),
        ("log_var", "logvar"),
        ("z_log_var", "logvar"),
        ("sigma_hat", "std"),
        ("w_std", "std"),
        ("logvar_cond", "logvar"),
        ("posterior_logvar", "logvar"),
        ("z_log_sigma_sq", "logvar"),
        ("log_sigma", "logstd"),
        ("sigma_sq", "var"),
        ("mean_2", "mu_p"),
        ("std_1", "std"),
        ("prior_logvar", "logvar_p"),
        ("logvar_p", "logvar_p"),
        ("recog_mu", "mu"),
        ("qy", "q"),
        ("prior", "p"),
        ("ref_logprobs", "log_p"),
        ("newlogprob", "log_q"),
        ("old_logprobs", "old_logp"),
        ("log_ratio", "log_ratio"),
        ("ratio", "ratio"),
        ("kl_weight", "weight"),
        ("beta", "weight"),
        ("batch_size", "batch_size"),
        ("latent_dim", "latent_size"),
        ("categorical_dim", "latent_size"),
        ("response_mask", "mask"),
        ("eps", "epsilon"),
        ("h", None),
        ("x", None),
    ],
)
def test_roles_are_guessed_from_names(name: str, role: str | None) -> None:
    from kl_derive.check.roles import guess_role

    assert guess_role(name) == role


def test_names_state_roles_and_against_forces_the_family() -> None:
    line = "exp(b - a) - 1 - (b - a)"
    with pytest.raises(CheckInputError, match="cannot tell"):
        check_loss(line)
    report = check_loss(line, names={"logp": "a", "ref_logp": "b"})
    assert report.verdict == "correct" and report.estimator == "k3"
    forced = check_loss("torch.sum(q * torch.log(q / p), dim=1)", against="bernoulli")
    assert forced.kind == "bernoulli" and forced.mistakes == ("missing_term",)
    with pytest.raises(CheckInputError, match="unknown family 'gamma'"):
        check_loss(line, against="gamma")
