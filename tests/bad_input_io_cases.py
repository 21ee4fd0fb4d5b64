"""The bad-input matrix, part two: files written with ``-o`` (nothing lost), user
templates (nothing run that the user did not write), and standard output and error closed
or full. See ``matrix_case.py``."""

from __future__ import annotations

from matrix_case import AT, GOOD_LINE, OLD, SENTINEL, case

# -- -o: nothing lost --------------------------------------------------------------------
OUT = "{tmp}/out.tex"
OUTPUT = [
    case("(", "-o", OUT, files={"out.tex": OLD}, keep=("out.tex",)),
    case("normal", "--to", "bogus", "-o", OUT, files={"out.tex": OLD}, keep=("out.tex",)),
    case("code", "(", "-o", OUT, files={"out.tex": OLD}, keep=("out.tex",)),
    case("normal", "-o", OUT, expect="ok", files={"out.tex": OLD}),
    case("normal", "--to", "ipynb", "-o", "{tmp}/n.ipynb", expect="ok", files={"n.ipynb": OLD}),
    case("code", "normal", "-o", "{tmp}/k.py", expect="ok", files={"k.py": OLD}),
    # a symbolic link is followed: the file it points to is replaced, the link stays
    case(
        "normal",
        "-o",
        "{tmp}/link.tex",
        expect="ok",
        after="link-followed",
        files={"real.tex": OLD, "link.tex": "->real.tex"},
    ),
    case(
        "normal",
        "-o",
        "{tmp}/link.tex",
        expect="ok",
        after="link-followed",
        files={"link.tex": "->real.tex"},
    ),
    case("normal", "-o", "{tmp}/link.tex", files={"link.tex": "->missing/real.tex"}),
    case(
        "normal",
        "-o",
        "{tmp}/a.tex",
        files={"a.tex": "->b.tex", "b.tex": "->a.tex"},
        says=("symbolic links",),
    ),
    case("normal", "-o", "{tmp}/link", files={"d/x": "", "link": "->d"}),
    case(
        "(",
        "-o",
        "{tmp}/link.tex",
        files={"real.tex": OLD, "link.tex": "->real.tex"},
        keep=("real.tex",),
    ),
    case("normal", "-o", "/dev/null", expect="ok"),
    case("normal", "-o", "/dev/full", says=("No space left",)),
    case("code", "normal", "-o", "/dev/full", says=("No space left",)),
    case("plot", "normal", *AT, "-o", "{tmp}/f.txt", files={"f.txt": OLD}, keep=("f.txt",)),
    case(
        "plot",
        "normal",
        *AT,
        "-o",
        "{tmp}/f.svg",
        "--vary",
        "sigma=3:1",
        files={"f.svg": OLD},
        keep=("f.svg",),
    ),
    case("plot", "normal", *AT, "-o", "{tmp}/f.svg", expect="ok", files={"f.svg": OLD}),
    # the disk fills up while writing (a limit on the size of a file the process writes)
    case(
        "normal",
        "-o",
        OUT,
        stream="fsize",
        files={"out.tex": OLD},
        keep=("out.tex",),
        says=("File too large",),
    ),
    case(
        "normal",
        "--to",
        "ipynb",
        "-o",
        "{tmp}/n.ipynb",
        stream="fsize",
        files={"n.ipynb": OLD},
        keep=("n.ipynb",),
    ),
    case("code", "normal", "-o", "{tmp}/k.py", stream="fsize", files={"k.py": OLD}, keep=("k.py",)),
    case(
        "plot",
        "normal",
        *AT,
        "-o",
        "{tmp}/f.png",
        stream="fsize",
        files={"f.png": OLD},
        keep=("f.png",),
    ),
    # a directory kl-derive may not create files in (the file itself is writable)
    case("normal", "-o", OUT, stream="readonly", files={"out.tex": OLD}, keep=("out.tex",)),
    case(
        "plot",
        "normal",
        *AT,
        "-o",
        "{tmp}/f.svg",
        stream="readonly",
        files={"f.svg": OLD},
        keep=("f.svg",),
    ),
    case("normal", "-o", "/dev/stdout", expect="ok", stream="process"),
]

# -- templates: nothing run that the user did not write -----------------------------------
MD = "tpl/markdown.md.j2"
POPEN = "popen('touch " + SENTINEL + "').read()"
ESCAPES = [
    "{{ cycler.__init__.__globals__.os." + POPEN + " }}",
    "{{ lipsum.__globals__['os']." + POPEN + " }}",
    "{{ joiner.__init__.__globals__['os']." + POPEN + " }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ stage_heading.__globals__ }}",
    "{{ display_close.__code__ }}",
    "{{ stages[0].__dict__ }}",
    "{{ range.__self__ }}",
    "{% import 'os' as os %}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
]
HANGS = [
    "{% for i in range(10**10) %}x{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}xxxx{% endfor %}{% endfor %}",
    "{{ 'x' * 10**10 }}",
    "{{ [0] * 10**10 }}",
    "{{ 'x'|center(10**10) }}",
    "{{ 'x'.ljust(10**10) }}",
    "{{ lipsum(10**6) }}",
    "{{ 2 ** (10 ** 10) }}",
    "{{ 10 ** (10 ** 10) }}",
    "{% set ns = namespace(x=3) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}"
    "{% endfor %}{{ ns.x }}",
    "{{ '%099999999999d' % 1 }}",
    "{{ '{:>99999999999}'.format(1) }}",
    "{{ '%s' | format(1) * 10**10 }}",
    "{{ '%099999999999d' | format(1) }}",
    "{{ (['x' * 1000000] * 1000000) | join }}",
    "{{ (['a'] * 1000000) | join('x' * 1000000) }}",
    "{{ ('x' * 1000000).join(['a'] * 1000000) }}",
    "{{ ('x\n' * 5000000) | indent(100000) }}",
    "{{ ('x\n' * 5000000) | indent('y' * 1000000) }}",
    "{{ ('x' * 5000000) | wordwrap(1, wrapstring='y' * 1000000) }}",
    "{{ ('\t' * 1000000).expandtabs(100000) }}",
    "{{ ('x' * 1000000).translate({120: 'y' * 1000000}) }}",
    "{{ lipsum(100000, max=100000) }}",
    "{% set s = 'x' * 9000000 %}{{ s ~ s ~ s }}",
    "{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    '{% include "markdown.md.j2" %}',
    '{% extends "markdown.md.j2" %}',
]
BROKEN = [
    ("line one\n{% if %}\n", ("markdown.md.j2", "line 2")),
    ("{{ nosuch }}", ("markdown.md.j2", "line 1", "nosuch")),
    ("\n\n{{ stages[99] }}", ("markdown.md.j2", "line 3")),
    ('{% include "nope.j2" %}', ("nope.j2",)),
    ("{{ 1 / 0 }}", ("markdown.md.j2", "division by zero")),
    (
        "\n{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        ("markdown.md.j2", "line 2", "steps"),
    ),
    ("{% for %}", ("markdown.md.j2",)),
    ("{{ title", ("markdown.md.j2",)),
    ("{% endfor %}", ("markdown.md.j2",)),
]
TEMPLATES = [
    case("normal", "--to", "markdown", "--template-dir", "{tmp}/tpl", files={MD: t}, absent="pwned")
    for t in ESCAPES + HANGS
]
TEMPLATES += [
    case("normal", "--to", "markdown", "--template-dir", "{tmp}/tpl", files={MD: t}, says=says)
    for t, says in BROKEN
]
TEMPLATES += [
    case(
        "normal",
        "--to",
        "latex",
        "--template-dir",
        "{tmp}/tpl",
        files={"tpl/latex.tex.j2": "((( nosuch )))"},
        says=("latex.tex.j2", "nosuch"),
    ),
    case(
        "normal",
        "--to",
        "latex",
        "--template-dir",
        "{tmp}/tpl",
        files={"tpl/partials/latex_chain.tex.j2": "((* if *))"},
        says=("latex_chain",),
    ),
    case(
        "normal",
        "--to",
        "markdown",
        "--template-dir",
        "{tmp}/tpl",
        files={"tpl/partials/markdown_display.md.j2": "{{ 1 / 0 }}"},
        says=("markdown_display.md.j2",),
    ),
    case(
        "normal",
        "--to",
        "markdown",
        "--template-dir",
        "{tmp}/tpl",
        files={MD: b"\xff\xfe bad bytes"},
        says=("markdown.md.j2", "UTF-8"),
    ),
    # a folder where a template would be is not a template: the built-in one is used
    case(
        "normal",
        "--to",
        "markdown",
        "--template-dir",
        "{tmp}/tpl",
        expect="ok",
        files={MD + "/x": ""},
    ),
    case(
        "normal",
        "--to",
        "markdown",
        "--template-dir",
        "{tmp}/tpl",
        "-o",
        OUT,
        files={MD: "{{ nosuch }}", "out.tex": OLD},
        keep=("out.tex",),
    ),
    case("normal", "--to", "markdown", "--template-dir", "{tmp}/tpl", expect="ok", files={MD: ""}),
    case(
        "normal",
        "--to",
        "markdown",
        "--template-dir",
        "{tmp}/tpl",
        expect="ok",
        files={MD: "{{ title }}\n{% for s in stages %}{{ stage_heading(s) }}\n{% endfor %}"},
    ),
    case(
        "normal",
        "--to",
        "beamer",
        "--template-dir",
        "{tmp}/tpl",
        expect="ok",
        files={"tpl/unrelated.j2": "{{ nosuch }}"},
    ),
    # an HTML template escapes what it prints
    case(
        "normal",
        "--to",
        "html",
        "--template-dir",
        "{tmp}/tpl",
        expect="ok",
        files={"tpl/html.html.j2": "<p>{{ '<script>' }}{{ title_text }}</p>"},
        absent="<script>",
    ),
]

# -- standard output and error closed or full ---------------------------------------------
STREAMS = [
    case("normal", stream="close-stdout", says=("standard output",)),
    case("normal", "-o", OUT, stream="close-stdout", expect="ok"),
    case("check", GOOD_LINE, stream="close-stdout", says=("standard output",)),
    case("normal", stream="close-stderr", expect="ok"),
    case("(", stream="close-stderr"),
    case("normal", stream="full-stdout", says=("standard output",)),
    case("pairs", stream="full-stdout", says=("standard output",)),
    case("families", stream="full-stdout", says=("standard output",)),
    case("check", GOOD_LINE, stream="full-stdout", says=("standard output",)),
    case("code", "normal", stream="full-stdout", says=("standard output",)),
    case("normal", stream="full-stderr", expect="ok"),
    case("(", stream="full-stderr"),
    case("pairs", stream="broken-pipe", expect="quiet"),
]
