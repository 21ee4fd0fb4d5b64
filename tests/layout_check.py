"""Typeset a sample of the catalog for every page kl-derive targets, read pdflatex's log.

Used by ``tests/test_layout.py``, and runnable on its own to print the figures::

    python tests/layout_check.py [--keep DIR] [--only onecolumn,beamer] [--lang en]

For each target and language, the sample's derivations go into one document (their
bodies one after another, as a lecturer's notes or a deck would hold them), which is
compiled with pdflatex; every ``Overfull \\hbox``/``\\vbox`` in the log is attributed to
the derivation whose source lines it names. The targets:

* ``onecolumn``: the ``--standalone`` documents (the ``onecolumn`` page);
* ``article``: the ``\\input`` fragments (``--to latex``) in a standard ``article``;
* ``twocolumn``: the ``\\input`` fragments with ``--label``, ``--page twocolumn``, in a
  standard ``article`` with ``twocolumn``;
* ``beamer``, ``beamer169``: the decks (``--page beamer169`` for 16:9), every frame;
* ``notebook``: ``_repr_latex_`` as nbconvert's LaTeX export prints it (raw, in its
  ``article`` at 11pt with 1 in margins);
* ``bare``: ``--to latex --bare`` in a standard ``article``;
* ``onecolumn-left``, ``twocolumn-highlight``: the first with ``--align left``, the
  second with ``--highlight`` (a coloured part is closed and reopened on each line).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from conftest import run_pdflatex

from kl_derive import cross_entropy, derive, divergence, elbo, entropy
from kl_derive.derivation import Derivation

#: how far (pt) a box may stick out before it counts: TeX's own \hfuzz is 0.1pt
TOLERANCE_PT = 1.0

#: name -> (quantity, P, Q, options): the sample the layout is checked on
SAMPLE: dict[str, tuple[str, str, str | None, dict[str, str]]] = {
    "normal": ("kl", "normal", None, {}),
    "normal-logvar": ("kl", "normal", "normal", {"param": "logvar"}),
    "normal-normal": ("kl", "normal", "normal", {}),
    "gamma": ("kl", "gamma", "gamma", {}),
    "gamma-bregman": ("kl", "gamma", "gamma", {"strategy": "bregman"}),
    "beta": ("kl", "beta", "beta", {}),
    "dirichlet": ("kl", "dirichlet([a1, a2, a3])", "dirichlet([b1, b2, b3])", {}),
    "wishart": ("kl", "wishart", "wishart", {}),
    "mvn": ("kl", "multivariate_normal", None, {}),
    "mvn-mvn": ("kl", "multivariate_normal", "multivariate_normal", {}),
    "lowrank-mvn": (
        "kl",
        "low_rank_multivariate_normal([m1, m2], [[w1], [w2]], [d1, d2])",
        "multivariate_normal([0, 0], [[1, 0], [0, 1]])",
        {},
    ),
    "diag-normal": ("kl", "diag_normal", None, {}),
    "cauchy-normal": ("kl", "cauchy", "normal", {}),
    "uniform": ("kl", "uniform", "uniform", {}),
    "uniform-normal": ("kl", "uniform", "normal", {}),
    "poisson": ("kl", "poisson", "poisson", {}),
    "binomial": ("kl", "binomial", "binomial", {}),
    "categorical": ("kl", "categorical", "categorical", {}),
    "exponential-gamma": ("kl", "exponential", "gamma", {}),
    "beta-gamma": ("kl", "beta", "gamma", {}),
    "laplace": ("kl", "laplace", "laplace", {}),
    "von-mises": ("kl", "von_mises", "von_mises", {}),
    "gumbel": ("kl", "gumbel", "gumbel", {}),
    "continuous-bernoulli": ("kl", "continuous_bernoulli", "continuous_bernoulli", {}),
    "entropy-gamma": ("entropy", "gamma", None, {}),
    "entropy-beta": ("entropy", "beta", None, {}),
    "cross-entropy-gamma": ("cross_entropy", "gamma", "normal", {}),
    # kl-derive elbo: (decoder, prior); --detail full inlines the seed derivation
    "elbo": ("elbo", "gaussian", "normal", {}),
    "elbo-learned-inline": ("elbo", "gaussian-learned", "normal", {"inline": True}),
    "elbo-bernoulli-beta": ("elbo", "bernoulli", "normal", {"beta": "beta"}),
    "elbo-any": ("elbo", "any", "any", {}),
}

#: name -> (divergence, P, Q): derivations of other divergences whose result is a wide
#: piecewise (``cases``) one, checked on some targets (tests/test_layout.py)
DIVERGENCES: dict[str, tuple[str, str, str]] = {
    "renyi-gamma": ("renyi", "gamma", "gamma"),
    "renyi-beta": ("renyi", "beta", "beta"),
    "chi-square-beta": ("chi-square", "beta", "beta(c, d)"),
    "total-variation-normal": ("total-variation", "normal", "normal"),
    "total-variation-uniform": ("total-variation", "uniform(a, b)", "uniform(c, d)"),
    "wasserstein-diagonal": ("wasserstein", "diag_normal(mu, sigma)", "diag_normal(m, s)"),
    "wasserstein-gaussian": (
        "wasserstein",
        "multivariate_normal([0, 1], [[2, 1], [1, 2]])",
        "multivariate_normal([1, 0], [[1, 0], [0, 3]])",
    ),
}

LANGS = ("en", "ko")


@cache
def derivation(name: str) -> Derivation:
    if name in DIVERGENCES:
        return divergence(*DIVERGENCES[name])
    quantity, p, q, options = SAMPLE[name]
    if quantity == "entropy":
        return entropy(p, **options)
    if quantity == "cross_entropy":
        return cross_entropy(p, q, **options)
    if quantity == "elbo":
        return elbo(p, q, **options)
    return derive(p, q, **options)


@dataclass
class Source:
    """A document being assembled: its lines, and which derivation each range holds."""

    preamble: str
    lines: list[str] = field(default_factory=list)
    owners: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, name: str, body: str) -> None:
        start = len(self.preamble.splitlines()) + len(self.lines) + 1
        self.lines.extend(body.splitlines())
        self.owners.append((start, start + len(body.splitlines()) - 1, name))

    def text(self) -> str:
        return self.preamble + "\n".join(self.lines) + "\n\\end{document}\n"

    def owner(self, line: int) -> str:
        for start, end, name in self.owners:
            if start <= line <= end:
                return name
        return "?"


def _body(document: str) -> tuple[str, str]:
    """A complete document's preamble (through ``\\begin{document}``) and its body."""
    head, rest = document.split("\\begin{document}\n", 1)
    return head + "\\begin{document}\n", rest.rsplit("\\end{document}", 1)[0]


def _preamble(lang: str, options: str = "", extra: str = "") -> str:
    """An ``article`` with amsmath (and xcolor for --highlight), kotex for Korean."""
    korean = "\\usepackage{kotex}\n" if lang == "ko" else ""
    return (
        f"\\documentclass{options}{{article}}\n{korean}"
        f"\\usepackage{{amsmath,amssymb,xcolor}}\n{extra}"
        "\\tracinglostchars=3\n\\begin{document}\n"
    )


def _articles(
    options: str, extra: str, body: Callable[[Derivation, str, int], str]
) -> Callable[[Iterable[str], str], Source]:
    """A target whose document is one ``article`` holding ``body`` of each derivation,
    each under a heading with its name."""

    def build(names: Iterable[str], lang: str) -> Source:
        source = Source(_preamble(lang, options, extra))
        for i, name in enumerate(names):
            source.add(name, f"\\section*{{{name}}}\n{body(derivation(name), lang, i)}")
        return source

    return build


def _documents(render: Callable[[Derivation, str], str]) -> Callable[[Iterable[str], str], Source]:
    """A target whose derivations are complete documents: their bodies, one after another,
    under the first one's preamble (they all have the same)."""

    def build(names: Iterable[str], lang: str) -> Source:
        source: Source | None = None
        for name in names:
            head, body = _body(render(derivation(name), lang))
            if source is None:
                source = Source(
                    head.replace("\\begin{document}", "\\tracinglostchars=3\n\\begin{document}")
                )
            source.add(name, f"\\clearpage\n{body}")
        assert source is not None
        return source

    return build


#: nbconvert's LaTeX export: an 11pt article with 1in margins on letter paper, into which
#: a text/latex output is written as it is
_NOTEBOOK = (
    "\\usepackage{geometry}\n\\geometry{verbose,tmargin=1in,bmargin=1in,lmargin=1in,rmargin=1in}\n"
)

TARGETS: dict[str, Callable[[Iterable[str], str], Source]] = {
    "onecolumn": _documents(lambda d, lang: d.to_latex(lang, standalone=True)),
    "article": _articles("", "", lambda d, lang, i: d.to_latex(lang)),
    "twocolumn": _articles(
        "[a4paper,twocolumn]",
        "",
        lambda d, lang, i: d.render("latex", lang, label=f"d{i}", page="twocolumn"),
    ),
    "beamer": _documents(lambda d, lang: d.render("beamer", lang)),
    "beamer169": _documents(lambda d, lang: d.render("beamer", lang, page="beamer169")),
    "notebook": _articles(
        "[11pt]", _NOTEBOOK, lambda d, lang, i: replace(d, lang=lang)._repr_latex_()
    ),
    "bare": _articles("", "", lambda d, lang, i: d.render("latex", lang, bare=True)),
    # the options that change the measure or the lines: flush-left displays, colour
    "onecolumn-left": _documents(lambda d, lang: d.to_latex(lang, standalone=True, align="left")),
    "twocolumn-highlight": _articles(
        "[a4paper,twocolumn]",
        "",
        lambda d, lang, i: d.render("latex", lang, label=f"d{i}", page="twocolumn", highlight=True),
    ),
}


@dataclass(frozen=True)
class Overfull:
    kind: str  # "hbox" or "vbox"
    points: float
    line: int | None
    owner: str


@dataclass(frozen=True)
class Result:
    target: str
    lang: str
    returncode: int
    errors: list[str]
    overfull: list[Overfull]
    pages: int
    pdf: Path | None

    def bad(self, tolerance: float = TOLERANCE_PT) -> list[Overfull]:
        return [o for o in self.overfull if o.points > tolerance]


_OVERFULL = re.compile(
    r"^Overfull \\(hbox|vbox) \((\d+(?:\.\d+)?)pt too (?:wide|high)\)"
    r"(?:.*?(?:at lines? (\d+)))?",
    re.M,
)


def compile_target(
    target: str, lang: str, workdir: Path, names: Iterable[str] | None = None
) -> Result:
    source = TARGETS[target](list(names or SAMPLE), lang)
    workdir.mkdir(parents=True, exist_ok=True)
    stem = f"{target}-{lang}"
    (workdir / f"{stem}.tex").write_text(source.text(), encoding="utf-8")
    done, log = run_pdflatex(workdir, f"{stem}.tex", timeout=900)
    overfull = []
    for match in _OVERFULL.finditer(log):
        line = int(match.group(3)) if match.group(3) else None
        owner = source.owner(line) if line is not None else "?"
        overfull.append(Overfull(match.group(1), float(match.group(2)), line, owner))
    errors = [line for line in log.splitlines() if line.startswith("! ")]
    errors += [line for line in log.splitlines() if "Missing character" in line]
    pages = re.search(r"Output written on .*? \((\d+) pages?", log)
    pdf = workdir / f"{stem}.pdf"
    return Result(
        target,
        lang,
        done.returncode,
        errors,
        overfull,
        int(pages.group(1)) if pages else 0,
        pdf if pdf.exists() else None,
    )


def main(argv: list[str]) -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--only", default=",".join(TARGETS))
    parser.add_argument("--lang", default=",".join(LANGS))
    parser.add_argument("--names", default="")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="layout-"))
    names = args.names.split(",") if args.names else list(SAMPLE)
    if names == ["divergences"]:
        names = list(DIVERGENCES)
    for target in args.only.split(","):
        for lang in args.lang.split(","):
            result = compile_target(target, lang, workdir, names)
            bad = result.bad()
            worst = max((o.points for o in bad), default=0.0)
            owners = sorted({o.owner for o in bad})
            print(
                f"{target:10} {lang}: rc={result.returncode} pages={result.pages} "
                f"overfull>1pt={len(bad)} (hbox {sum(o.kind == 'hbox' for o in bad)}, "
                f"vbox {sum(o.kind == 'vbox' for o in bad)}) worst={worst:.1f}pt "
                f"derivations={len(owners)} {' '.join(owners)}",
                flush=True,
            )
            for error in result.errors[:3]:
                print("   ", error)
    print(f"files in {workdir}")


if __name__ == "__main__":
    main(sys.argv[1:])
