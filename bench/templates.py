"""What Jinja's sandbox costs kl-derive's own templates, and what the limits on a user's
templates cost.

Run ``python bench/templates.py`` (``--repeat N``). Each derivation is derived once; then
each format is rendered ``N`` times with three environments:

* ``plain``: Jinja's ordinary environment with kl-derive's options (for comparison only);
* ``sandbox``: what kl-derive uses for its own templates;
* ``bounded``: what it uses for ``--template-dir`` (a folder that overrides nothing, so
  the templates are the same; the limits of :mod:`kl_derive.render.sandbox` apply).

Times are medians, reported as ratios to ``python -c "import sympy"`` measured in the same
run (as every benchmark here), and the sandbox's cost as a percentage of the plain render.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

import jinja2

import kl_derive
import kl_derive.render as render_package
from kl_derive.render import render

CASES = [
    ("normal", None),
    ("diag_normal", None),
    ("multivariate_normal(mu1, Sigma1)", "multivariate_normal(mu2, Sigma2)"),
    ("gamma", "gamma(a, b)"),
    ("poisson", "poisson(r)"),
]
FORMATS = ("latex", "beamer", "markdown", "html", "json", "text")


def _import_sympy_seconds() -> float:
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sympy"], check=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def _plain() -> object:
    """Jinja's ordinary environment with the options of kl-derive's own (no sandbox)."""
    sandboxed = render_package.environment(None)
    options = {
        "loader": sandboxed.loader,
        "autoescape": sandboxed.autoescape,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "undefined": jinja2.StrictUndefined,
    }

    class Plain(jinja2.Environment):
        user_templates = None

        def get_template(self, name, parent=None, globals=None):
            if str(name).endswith(".tex.j2"):
                return self.latex.get_template(name, parent, globals)
            return super().get_template(name, parent, globals)

    plain = Plain(**options)
    syntax = {  # the LaTeX templates' delimiters, as kl-derive's environment has them
        name: getattr(sandboxed.latex, name)
        for kind in ("block", "variable", "comment")
        for name in (f"{kind}_start_string", f"{kind}_end_string")
    }
    plain.latex = jinja2.Environment(**options, **syntax)
    for env in (plain, plain.latex):
        env.filters.update({k: sandboxed.filters[k] for k in ("json", "wrap")})
    return plain


def _time(derivation, fmt: str, repeat: int, **options) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        render(derivation, fmt, "en", **options)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sympy_seconds = _import_sympy_seconds()
    plain = _plain()
    folder = tempfile.mkdtemp()
    rows = []
    for p, q in CASES:
        derivation = kl_derive.derive(p, q)
        for fmt in FORMATS:
            render(derivation, fmt, "en")  # templates compiled, printers warm
            real = render_package.environment
            render_package.environment = lambda template_dir=None: plain
            try:
                plain_text = render(derivation, fmt, "en")
                t_plain = _time(derivation, fmt, args.repeat)
            finally:
                render_package.environment = real
            assert plain_text == render(derivation, fmt, "en"), (p, fmt)  # the same output
            t_sandbox = _time(derivation, fmt, args.repeat)
            render(derivation, fmt, "en", template_dir=folder)
            t_bounded = _time(derivation, fmt, args.repeat, template_dir=folder)
            rows.append(
                {
                    "case": derivation.title,
                    "format": fmt,
                    "plain": t_plain / sympy_seconds,
                    "sandbox": t_sandbox / sympy_seconds,
                    "bounded": t_bounded / sympy_seconds,
                }
            )
    if args.json:
        print(json.dumps({"import_sympy_s": sympy_seconds, "rows": rows}, indent=1))
        return
    print(f"import sympy: {sympy_seconds:.3f} s; times as ratios to it (medians)")
    print(f"{'case':<58} {'format':<9} {'plain':>7} {'sandbox':>8} {'bounded':>8}")
    for r in rows:
        print(
            f"{r['case'][:58]:<58} {r['format']:<9} {r['plain']:7.4f} {r['sandbox']:8.4f} "
            f"{r['bounded']:8.4f}"
        )
    total = {k: sum(r[k] for r in rows) for k in ("plain", "sandbox", "bounded")}
    print(
        f"all renders: sandbox {100 * (total['sandbox'] / total['plain'] - 1):+.1f}% and "
        f"bounded {100 * (total['bounded'] / total['plain'] - 1):+.1f}% against plain"
    )


if __name__ == "__main__":
    main()
