"""The commands of the divergences beyond KL: ``kl-derive renyi P Q --alpha 2``, ...

One command per divergence of :mod:`kl_derive.divergences`, each with every option of the
KL command (its click options are reused, and its body renders the derivation: the
quantity is handed to it through the context variable the entropy commands use) and the
divergence's own options (``--alpha``); ``kl-derive divergences`` lists them with their
definitions and conventions; ``kl-derive pairs --divergence NAME`` the pairs each derives.

The quantity a command hands on is the divergence's, with its options after a ``?``
(``renyi?alpha=2``): it is part of the result cache's key, and
:func:`derive_quantity` reads it back. Registered by :mod:`kl_derive.cli`
(:func:`add_divergence_commands`); importing it does not load SymPy.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import click

__all__ = ["add_divergence_commands", "derive_quantity", "split_quantity"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def split_quantity(quantity: str) -> tuple[str, dict[str, str]]:
    """``"renyi?alpha=2"`` -> ``("renyi", {"alpha": "2"})``."""
    name, _, rest = quantity.partition("?")
    options = dict(item.split("=", 1) for item in rest.split("&") if item)
    return name, options


def derive_quantity(quantity: str, p: str, q: str | None, param: str | None, lang: str) -> Any:
    """The derivation a command's quantity names (see the module docstring)."""
    from .divergence_api import divergence

    name, options = split_quantity(quantity)
    return divergence(name, p, q, param=param, lang=lang, **options)


def add_divergence_commands(
    main: click.Group, derive: click.Command, quantity: ContextVar[str]
) -> None:
    """Add a command per divergence to ``main``, ``kl-derive divergences``, and the
    ``--divergence`` option of ``kl-derive pairs``."""
    from .divergences import DIVERGENCES, load

    load()
    for entry in DIVERGENCES.values():
        main.add_command(_command(entry, derive, quantity))
    main.add_command(divergences_command)
    pairs = main.commands.get("pairs")
    if pairs is not None:
        _extend_pairs(pairs)


def _command(entry: Any, derive: click.Command, quantity: ContextVar[str]) -> click.Command:
    arguments = [
        click.Argument(["p"], metavar="P"),
        click.Argument(["q"], metavar="[Q]", required=False),
    ]
    shared = [o for o in derive.params if isinstance(o, click.Option)]
    shared = [o for o in shared if o.name not in ("dims", "strategy", "via_base")]
    own = [
        click.Option(
            [f"--{o.name}"], default=o.default, show_default=True, metavar="A", help=o.help
        )
        for o in entry.options
    ]
    names = [o.name for o in entry.options]

    def callback(p: str, q: str | None = None, **kwargs: Any) -> None:
        values = {name: kwargs.pop(name) for name in names}
        if values:
            _check_options(entry, values)
        text = entry.quantity + (
            "?" + "&".join(f"{k}={v}" for k, v in values.items()) if values else ""
        )
        token = quantity.set(text)
        try:
            derive.callback(p=p, q=q, dims=None, strategy=None, via_base=False, **kwargs)
        finally:
            quantity.reset(token)

    doc = f"Derive the {entry.summary}, {entry.definition}, step by step."
    return click.Command(
        entry.name,
        params=[*arguments, *own, *shared],
        callback=callback,
        help=doc,
        short_help=entry.summary[:1].upper() + entry.summary[1:] + ".",
        context_settings=_CONTEXT,
    )


def _check_options(entry: Any, values: dict[str, str]) -> None:
    """An option's value refused in one line before anything is derived."""
    from .errors import KLDeriveError

    for value in values.values():
        if any(c in str(value) for c in "?&=") or len(str(value)) > 64:
            raise click.UsageError(f"{value!r} is not a number or a name")
    try:
        entry.check(**values)
    except KLDeriveError as error:
        raise click.UsageError(str(error)) from None


@click.command("divergences", context_settings=_CONTEXT)
def divergences_command() -> None:
    """List the divergences kl-derive derives, with their definitions and conventions."""
    from .divergences import DIVERGENCES

    for entry in DIVERGENCES.values():
        options = "".join(f" [--{o.name} {o.default}]" for o in entry.options)
        click.echo(f"{entry.name}{options}: {entry.summary}")
        click.echo(f"    {entry.definition}")
        click.echo(f"    convention: {entry.convention}")
        counts = _counts(entry.pairs())
        click.echo(f"    pairs: {counts} (kl-derive pairs --divergence {entry.name})")
    click.echo("\nKL itself: kl-derive P Q (kl-derive pairs lists its pairs).")


def _counts(pairs: list[tuple[str, str, str]]) -> str:
    counts = {k: sum(1 for *_, outcome in pairs if outcome == k) for k in _OUTCOMES}
    derived = counts["finite"] + counts["conditional"]
    text = f"{derived} derived ({counts['conditional']} finite only under a condition)"
    if counts["integral"]:
        text += f", {counts['integral']} up to an integral with no closed form"
    return text + f", {counts['refused'] + counts['infinite']} refused"


_OUTCOMES = {
    "finite": "finite",
    "conditional": "finite under a condition, infinite otherwise",
    "infinite": "infinite (not derived: one KL divergence is infinite)",
    "refused": "refused where a condition is needed (see kl-derive divergences)",
    "integral": "no closed form: derived up to one integral, its value numerically for numbers",
}


def _extend_pairs(pairs: click.Command) -> None:
    """``kl-derive pairs --divergence NAME``: the pairs of that divergence instead."""
    original: Callable[..., Any] | None = pairs.callback

    def callback(divergence: str | None = None, **kwargs: Any) -> None:
        if divergence is None or divergence == "kl":
            if original is not None:
                original(**kwargs)
            return
        from .divergences import get_divergence
        from .errors import KLDeriveError

        try:
            entry = get_divergence(divergence)
        except KLDeriveError as error:
            raise click.UsageError(str(error)) from None
        listed = entry.pairs()
        width = max(len(f"{p} || {q}") for p, q, _ in listed)
        for p, q, outcome in listed:
            said = {
                "conditional": "finite under a condition, else infinite",
                "integral": "no closed form (up to an integral; numeric for numbers)",
                "refused": "refused (see kl-derive divergences)",
            }.get(outcome, "finite")
            click.echo(f"{p + ' || ' + q:<{width}}  {said}")
        click.echo(f"\n{entry.name}: {_counts(listed)} pairs.")

    pairs.params.append(
        click.Option(
            ["--divergence"],
            metavar="NAME",
            help="List the pairs of this divergence (kl-derive divergences) instead of KL's.",
        )
    )
    pairs.callback = callback
