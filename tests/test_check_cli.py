"""``kl-derive check`` as a user runs it: lines, blocks, standard input, options, messages.

Every message must name an option that exists where the user is: ``--names`` on the
command line, ``names=`` in Python. A misspelled option is an error, never text added to
the loss line.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import pytest
from conftest import clean_env

from kl_derive.check import CheckInputError, check_loss
from kl_derive.cli import main_command
from kl_derive.cli_check import check_command

SEED = (
    "self.kl_loss = - 0.5 * tf.reduce_sum((1 + self.logvar - tf.square(self.mu) - "
    "tf.exp(self.logvar)), reduction_indices = 1)"
)
KERAS = """\
kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
kl_loss = K.sum(kl_loss, axis=-1)
kl_loss *= -0.5
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kl_derive", "check", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
        input=stdin,
    )


def test_the_seed_line_as_pasted() -> None:
    done = run(SEED)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("correct: equals KL(N(mu, exp(logvar)) || N(0, 1))")
    assert "read mu as the mean and logvar as the log-variance (from their names)" in done.stdout


def test_a_block_from_an_argument_and_from_standard_input() -> None:
    for done in (run(KERAS), run("-", stdin=KERAS)):
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("correct: equals KL(N(z_mean, exp(z_log_var))")
    wrong = run("-", stdin=KERAS.replace("K.sum", "K.mean"))
    assert wrong.returncode == 1
    assert wrong.stdout.startswith("incorrect (mean instead of sum)")


def test_name_picks_the_kl_in_a_block() -> None:
    block = KERAS + "loss = K.mean(xent_loss + kl_loss)\n"
    done = run(block)
    assert done.returncode == 2
    assert "--name kl_loss" in done.stderr
    assert run(block, "--name", "kl_loss").returncode == 0
    missing = run(block, "--name", "kld")
    assert missing.returncode == 2 and "does not assign 'kld'" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--parm", "scale", "-0.5*sum(1+logvar-mu**2-exp(logvar))"],
        ["-0.5*sum(1+logvar-mu**2-exp(logvar))", "--parm=scale"],
        ["--nmes", "mu=a", "-0.5*sum(1+logvar-mu**2-exp(logvar))"],
    ],
)
def test_a_misspelled_option_is_an_option_error(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("kl-derive: error: no such option '--")
    assert "did you mean --" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_line_starting_with_two_dashes_after_the_separator() -> None:
    done = run("--", "--0.5*sum(mu**2 + exp(logvar) - logvar - 1)")  # minus minus 0.5: right
    assert done.returncode == 0, done.stderr


def test_names_and_param_on_the_command_line() -> None:
    line = "-0.5 * sum(1 + b - a**2 - exp(b))"
    assert run(line).returncode == 2
    done = run(line, "--names", "mu=a,logvar=b")
    assert done.returncode == 0 and "as --names says" in done.stdout
    sigma = "-0.5 * sum(1 + log(sigma**2) - mu**2 - sigma**2)"
    assert run(sigma).returncode == 0  # the name says sigma is the standard deviation
    stated = run(sigma, "--param", "logvar")
    assert stated.returncode == 1
    assert "the line would be right (--param scale)" in stated.stdout


def test_a_correct_line_is_never_wrong_because_of_a_default() -> None:
    for line, param in [
        ("-0.5 * torch.sum(1 + h - mu.pow(2) - h.exp())", "logvar"),
        ("0.5 * torch.sum(h**2 + mu**2 - torch.log(h**2) - 1)", "scale"),
        ("0.5 * torch.sum(h + mu**2 - torch.log(h) - 1)", "variance"),
        ("-0.5 * torch.sum(1 + 2*h - mu**2 - torch.exp(2*h))", "logscale"),
    ]:
        done = run(line)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        assert f"state it with --param {param}" in done.stdout


def test_explain_prints_the_derivation() -> None:
    done = run("--explain", "exp(ref_logp - logp) - 1 - (ref_logp - logp)")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("correct: this is k3")
    assert "E_pi[r] = sum_x pi(x) pi_ref(x)/pi(x) = sum_x pi_ref(x) = 1" in lines
    assert any(
        line.startswith("E_pi[k3] = ") and line.endswith("= KL(pi || pi_ref)") for line in lines
    )
    gaussian = run("--explain", "-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())")
    assert gaussian.returncode == 0
    assert "D_KL(𝒩(μ, e^logvar) ‖ 𝒩(0, 1))" in gaussian.stdout


# --------------------------------------------------------------------------- messages

BAD = [
    (["sum(a + b)"], {}),
    (["sum(mu + m)"], {}),
    (["-0.5*sum(1+b-a**2-exp(b))"], {"names": "mu=a,scale=c"}),
    (["sum(mu)"], {"names": "mu"}),
    (["sum(mu)"], {"names": "foo=bar"}),
    (["-0.5*sum(1+logvar-mu**2-exp(logvar))"], {"param": "logvr"}),
    (["-0.5*sum(1+logvar-mu**2-exp(logvar))"], {"against": "gamma"}),
    (["sum(mu + logvar + beta)"], {}),
    (["-0.5*sum(1 + std - mu**2 - exp(logvar))"], {"param": "scale"}),
    (["kl_loss *= -0.5"], {}),
    (["kl = foo(mu)\nkl_loss = kl.sum()"], {}),
    ([KERAS + "loss = F.mse_loss(x, y) + kl_loss"], {}),
    (["sum(mu)"], {"against": "bernoulli"}),
    (["q * log(q)"], {"against": "normal"}),
    (["-0.5 * sum(1 + logvar - mu**2 - exp(logvar))"], {"explain": True, "files": True}),
    (["-0.5 * sum(1 + log(sigma**2) - mu**2 - sigma**2)"], {"param": "logvar"}),
    (["-0.5 * sum(1 + h - mu**2 - exp(h))"], {}),
]

_CLI_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
_PYTHON_OPTION = re.compile(r"\b([a-z_]+)=(?=[{'\"A-Za-z]|$|[ ;,)])")


def _cli_args(args: list[str], options: dict) -> list[str]:
    cli = list(args)
    for key, value in options.items():
        if key == "files":
            continue
        cli += [f"--{key}"] if value is True else [f"--{key}", value]
    return cli


@pytest.mark.parametrize(("args", "options"), BAD)
def test_every_command_line_message_names_an_option_that_exists(args, options, tmp_path) -> None:
    if options.get("files"):
        path = tmp_path / "model.py"
        path.write_text(args[0] + "\n")
        args = [str(path)]
    done = run(*_cli_args(args, options))
    assert "Traceback" not in done.stderr
    text, _, derivation = (done.stdout + done.stderr).partition("; derivation: ")
    known = {o for p in check_command.params for o in (*p.opts, *p.secondary_opts)}
    named = set(_CLI_OPTION.findall(text))
    assert named <= known, (named - known, text)
    if derivation.startswith("kl-derive check"):
        assert set(_CLI_OPTION.findall(derivation)) <= known
    elif derivation:  # a derivation of kl-derive's main command
        derive = main_command.commands["derive"]
        options = {o for p in derive.params for o in (*p.opts, *p.secondary_opts)}
        assert set(_CLI_OPTION.findall(derivation)) <= options, derivation
    assert not {"names=", "param=", "name=", "against="} & {
        m + "=" for m in _PYTHON_OPTION.findall(text)
    }, text


@pytest.mark.parametrize(("args", "options"), [b for b in BAD if "files" not in b[1]])
def test_every_python_message_names_a_keyword_that_exists(args, options) -> None:
    keywords = {k: v for k, v in options.items() if k != "explain"}
    if "names" in keywords:
        try:
            from kl_derive.check import parse_names_option

            keywords["names"] = parse_names_option(keywords["names"])
        except CheckInputError as error:
            text = str(error)
            assert "--" not in text and "names=" in text
            return
    try:
        text = check_loss(args[0], **keywords).message
    except CheckInputError as error:
        text = str(error)
    text = text.partition("; derivation: ")[0]  # a command line, given as such
    assert not _CLI_OPTION.findall(text), text
    accepted = set(inspect.signature(check_loss).parameters)
    for keyword in _PYTHON_OPTION.findall(text):
        if keyword in {"names", "param", "name", "against"} or keyword in accepted:
            assert keyword in accepted, text


def test_the_same_answer_under_any_hash_seed() -> None:
    lines = [
        "kl = -torch.mean(1 + logvar - mu.pow(2) - logvar.exp())",
        "kl_loss = beta * 0.5 * torch.sum(sigma**2 + mu**2 - torch.log(sigma**2) - 1, dim=1)",
        "kl = (ratio - 1) - log_ratio",
    ]
    outputs = set()
    for seed in ("0", "1", "4242"):
        done = subprocess.run(
            [sys.executable, "-m", "kl_derive", "check", "-"],
            input="\n".join(f"k{i} = {line.split(' = ', 1)[1]}" for i, line in enumerate(lines)),
            capture_output=True,
            text=True,
            env=clean_env(PYTHONHASHSEED=seed),
            timeout=120,
            check=False,
        )
        outputs.add((done.returncode, done.stdout, done.stderr))
    assert len(outputs) == 1
