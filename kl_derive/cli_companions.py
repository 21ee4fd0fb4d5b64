"""``kl-derive code estimators``: the ``code`` command with the companions' code.

:func:`code_with_companions` wraps the ``code`` command of :mod:`kl_derive.cli` in a group
whose first argument, when it is not ``estimators``, goes to that command unchanged
(``kl-derive code normal --framework torch`` as before). Registered by
:mod:`kl_derive.cli`; imports click and the standard library only.
"""

from __future__ import annotations

import inspect
from fractions import Fraction

import click

__all__ = ["code_with_companions"]

_FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")
_ESTIMATORS = ("k1", "k2", "k3", "all")


class _CodeByDefault(click.Group):
    """A group whose first argument, when it is not a companion, is the KL command's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands or args[0] == "kl":
            if args and args[0] in ctx.help_option_names:
                return super().parse_args(ctx, args)
            args = ["kl", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(
            "kl-derive code",
            "P [Q] [OPTIONS]   |   kl-derive code estimators|elbo|mixture [OPTIONS]",
        )

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        kl = self.commands["kl"]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(inspect.cleandoc(kl.help or ""))
            formatter.write_paragraph()
            formatter.write_text(
                "`kl-derive code estimators` prints the Monte-Carlo KL estimators k1, k2, k3 "
                "from per-sample log-probabilities (see kl-derive code estimators --help); "
                "`kl-derive code elbo` prints the per-sample VAE loss (see kl-derive code elbo "
                "--help); `kl-derive code mixture` prints the bounds, approximations and "
                "Monte-Carlo estimate of KL between Gaussian mixtures (see kl-derive code "
                "mixture --help)."
            )

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        kl = self.commands["kl"]
        records = [
            record
            for param in kl.get_params(ctx)
            if (record := param.get_help_record(ctx)) is not None
        ]
        with formatter.section("Options"):
            formatter.write_dl(records)


_framework_option = click.option(
    "--framework",
    default="numpy",
    show_default=True,
    metavar="NAME",
    help="numpy, torch, jax or tensorflow.",
)


def _estimators_command(output_option) -> click.Command:
    @click.command("estimators", context_settings={"help_option_names": ["-h", "--help"]})
    @_framework_option
    @click.option(
        "--estimator",
        default="all",
        show_default=True,
        metavar="K",
        help="k1, k2, k3, or all (a tuple of the three).",
    )
    @click.argument("laws", nargs=-1, metavar="[P Q]")
    @output_option
    def estimators(
        framework: str, estimator: str, laws: tuple[str, ...], output: str | None
    ) -> None:
        """Print the per-sample Monte-Carlo estimators of KL(q || p) as a function of
        logp (log q at samples drawn from q) and ref_logp (log p at the same samples):
        k1 = -log r, k2 = (log r)^2/2, k3 = (r - 1) - log r with log r = ref_logp - logp.
        Their means, variances and gradients are derived by `kl-derive estimators`.

        With two laws P Q (as for `kl-derive estimators P Q`): print instead
        kl_estimator_moments(<parameters>), the derived KL and the variance of each
        estimator (Var k3 infinite outside its condition) and the bias of k2."""
        framework = _choice("framework", framework, _FRAMEWORKS)
        estimator = _choice("estimator", estimator, _ESTIMATORS)
        from .files import write_text

        if laws:
            if len(laws) != 2:
                raise click.UsageError("give two laws, P and Q, or none")
            if estimator != "all":
                raise click.UsageError("--estimator is for the per-sample estimators only")
            from .codegen.estimator_moments import estimator_moments_code

            text = estimator_moments_code(framework, *laws)
        else:
            from .codegen.estimators import estimator_code

            text = estimator_code(framework, estimator)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text(output, text)

    return estimators


def _elbo_command(output_option) -> click.Command:
    @click.command("elbo", context_settings={"help_option_names": ["-h", "--help"]})
    @_framework_option
    @click.option(
        "--decoder",
        default=None,
        metavar="NAME",
        help="gaussian (fixed variance; the default), gaussian-learned, bernoulli (from "
        "logits), or any with --prior any.",
    )
    @click.option(
        "--prior",
        default="normal",
        show_default=True,
        metavar="NAME",
        help="normal (N(0, I): the KL term in closed form) or any (with --decoder any: the "
        "loss at one sample, from log p(x|z) and log p(z) at the sample, as a VAE with a "
        "mixture prior trains).",
    )
    @click.option(
        "--beta",
        default="1",
        show_default=True,
        metavar="WEIGHT",
        help="The default weight of the KL term (a positive number).",
    )
    @output_option
    def elbo(
        framework: str, decoder: str | None, prior: str, beta: str, output: str | None
    ) -> None:
        """Print the per-sample VAE loss derived by `kl-derive elbo` (one sample
        z = mu + sigma * eps) as a function of the encoder's mu and logvar and the decoder's
        outputs, summed over the data and latent coordinates; with --decoder any --prior any,
        the single-sample loss from log p(x|z) and log p(z) at the sample."""
        from .cli_elbo import check_beta

        framework = _choice("framework", framework, _FRAMEWORKS)
        prior = _choice("prior", prior, ("normal", "any"))
        if prior == "any":
            if decoder not in (None, "any"):
                raise click.UsageError(
                    f"with --prior any the code takes log p(x|z) at the sample: --decoder any "
                    f"(not {decoder!r})"
                )
            if check_beta(beta) == "beta" or Fraction(beta) != 1:
                raise click.UsageError(
                    "--prior any prints the single-sample loss, whose mean is minus the ELBO: "
                    "--beta is 1 there"
                )
        elif decoder == "any":
            raise click.UsageError(
                "code for --decoder any is the single-sample loss: add --prior any (with a "
                "normal prior, choose a decoder: gaussian, gaussian-learned or bernoulli)"
            )
        else:
            decoder = _choice(
                "decoder", decoder or "gaussian", ("gaussian", "gaussian-learned", "bernoulli")
            )
            if check_beta(beta) == "beta":
                raise click.UsageError("--beta for code is a positive number (beta is an argument)")
        from .codegen.elbo import elbo_code, sample_code
        from .files import write_text

        text = sample_code(framework) if prior == "any" else elbo_code(framework, decoder, beta)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text(output, text)

    return elbo


def _mixture_command(output_option) -> click.Command:
    @click.command("mixture", context_settings={"help_option_names": ["-h", "--help"]})
    @_framework_option
    @click.option(
        "--param",
        default="logvar",
        show_default=True,
        metavar="NAME",
        help="How the components' scales are given: scale, variance, logvar or logscale.",
    )
    @output_option
    def mixture(framework: str, param: str, output: str | None) -> None:
        """Print gmm_kl_bounds (the product-coupling bound, Hershey and Olsen's
        approximation and variational upper bound, Durrieu et al.'s lower and upper
        bounds), gmm_kl_matched (sum_a w_a KL(f_a || g_a) for shared weights) and
        gmm_kl_monte_carlo (an estimate and its standard error from samples of P) for
        mixtures of univariate normal laws, batched; derived by `kl-derive mixture`."""
        framework = _choice("framework", framework, _FRAMEWORKS)
        param = _choice("parametrization", param, ("logvar", "scale", "variance", "logscale"))
        from .codegen.mixture import mixture_code
        from .files import write_text

        text = mixture_code(framework, param)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text(output, text)

    return mixture


def _choice(kind: str, value: str, choices: tuple[str, ...]) -> str:
    if value in choices:
        return value
    raise click.UsageError(f"unknown {kind} {value!r} (choose from {', '.join(choices)})")


def code_with_companions(code_command: click.Command, output_option) -> click.Group:
    """The ``code`` group: ``estimators``, and otherwise ``code_command``."""
    group = _CodeByDefault("code", context_settings={"help_option_names": ["-h", "--help"]})
    code_command.name = "kl"
    code_command.hidden = True
    group.add_command(code_command)
    group.add_command(_estimators_command(output_option))
    group.add_command(_elbo_command(output_option))
    group.add_command(_mixture_command(output_option))
    return group
