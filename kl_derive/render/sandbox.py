"""Templates run in Jinja's sandbox, and a user's templates within bounds.

Every template is rendered by a :class:`jinja2.sandbox.SandboxedEnvironment`: no
attribute that starts with an underscore, no function marked unsafe, so a template cannot
reach Python's internals (``cycler.__init__.__globals__``) or run a command. A template
from ``--template-dir`` is also held to deterministic limits, so that no template can
make kl-derive hang or exhaust memory:

* it may execute at most :data:`MAX_STEPS` lines of Python (the compiled template and
  whatever it calls): loops of any shape end;
* its output, and any string or list it builds, may hold at most :data:`MAX_SIZE` items;
* numbers passed to a function, method or filter may not exceed :data:`MAX_ARGUMENT`,
  nor a format's field width, and ``**`` may not build a number of more than
  :data:`MAX_BITS` bits (Jinja's sandbox already refuses a ``range`` over more than
  100,000 numbers).

A template's own mistakes (a syntax error, an undefined name, a missing include, a limit
reached) become one :class:`~kl_derive.errors.KLDeriveError` line naming the file and the
line.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from ..errors import KLDeriveError

__all__ = [
    "MAX_ARGUMENT",
    "MAX_BITS",
    "MAX_SIZE",
    "MAX_STEPS",
    "BoundedSandbox",
    "render_bounded",
]

#: lines of Python a user's template may execute (a derivation needs a few thousand)
MAX_STEPS = 2_000_000
#: characters of output, and items of any string or list a user's template builds
MAX_SIZE = 10_000_000
#: the largest number a user's template may pass to a function, method or filter
MAX_ARGUMENT = 100_000
#: the largest number, in bits, a user's template may build with ``**`` or ``*``
MAX_BITS = 100_000

#: a field width of six digits or more, in a %-format or a str.format spec
_WIDE = re.compile(r"%[-#0 +]*\d{6}|\{[^{}]*:[^{}]*\d{6}")


class TemplateLimit(SecurityError):
    """A user's template went past one of the limits; ``where`` is the template file and
    line it had reached, when that is known."""

    where: tuple[str, int] | None = None


class TemplateUnreadable(TemplateError):
    """A user's template file that cannot be read (its message names it)."""


class _Concat(CodeGenerator):
    """Compiles ``a ~ b`` so that the string it builds is measured."""

    def visit_Concat(self, node, frame) -> None:  # type: ignore[no-untyped-def]
        self.write("environment.measured(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with the limits above when ``bounded`` (a user's templates)."""

    code_generator_class = _Concat
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, bounded: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bounded = bounded

    def bound_filters(self) -> None:
        """Measure the arguments and results of the filters (call once they are all set)."""
        if self.bounded:
            self.filters = {name: _measured_filter(name, f) for name, f in self.filters.items()}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if self.bounded and isinstance(obj, str) and attr in _UNMEASURED:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def measured(self, value: Any) -> Any:
        if self.bounded:
            _check_size(value)
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if self.bounded:
            _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __self.bounded:
            _check_arguments(args, kwargs)
            template = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
            if isinstance(template, str):  # "...".format(...), "...".replace(...)
                method = getattr(__obj, "__name__", "")
                if method in ("format", "format_map"):
                    _check_format(template)
                if method == "replace" and len(args) >= 2:
                    _check_replace(template, *args[:2])
                if method == "join" and args:
                    _check_join(template, args[0])
        return __self.measured(super().call(__context, __obj, *args, **kwargs))


def _check_size(value: Any) -> None:
    if isinstance(value, (str, list, tuple, dict)):
        _check_length(len(value))


def _check_length(length: int) -> None:
    if length > MAX_SIZE:
        raise TemplateLimit(f"a template may build at most {MAX_SIZE:,} characters or items")


def _check_number(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
        raise TemplateLimit(f"a number given to a function may be at most {MAX_ARGUMENT:,}")


def _check_arguments(args: tuple, kwargs: dict) -> None:
    for value in (*args, *kwargs.values()):
        _check_number(value)


def _check_format(template: str) -> None:
    if _WIDE.search(template):
        raise TemplateLimit("a field width in a template's format may have at most five digits")


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str) and old and len(new) > len(old):
        _check_length(len(text) + text.count(old) * (len(new) - len(old)))


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        _check_length(len(str(separator)) * max(len(items) - 1, 0))
        _check_length(sum(map(len, map(str, items))))  # (no Python lines: not counted)


def _check_lines(text: Any, width: Any, per_line: Any) -> None:
    """``indent`` and ``wordwrap``: ``per_line`` added to each line of ``text`` (lines of
    ``width`` characters; 0 for as they are)."""
    if isinstance(text, str):
        lines = (
            text.count("\n")
            + 1
            + (len(text) // width if isinstance(width, int) and width > 0 else 0)
        )
        extra = per_line if isinstance(per_line, int) else len(str(per_line))
        _check_length(len(text) + lines * extra)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    sized = (str, list, tuple)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, sized) and isinstance(times, int):
                _check_length(len(seq) * times)
        if isinstance(left, int) and isinstance(right, int):
            _check_bits(abs(left).bit_length() + abs(right).bit_length())
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_bits(right * abs(left).bit_length())
    elif operator == "+":
        if isinstance(left, sized) and isinstance(right, sized):
            _check_length(len(left) + len(right))
    elif operator == "%" and isinstance(left, str):
        _check_format(left)


def _check_bits(bits: int) -> None:
    if bits > MAX_BITS:
        raise TemplateLimit(f"a number in a template may have at most {MAX_BITS:,} bits")


def _measured_filter(name: str, f: Any) -> Any:
    """The filter ``f`` with its numbers checked, what it would build measured first where
    it can multiply its input (join, indent, replace, wordwrap), and its result measured."""

    @functools.wraps(f)  # keeps Jinja's pass_context / pass_environment marks
    def measured(*args: Any, **kwargs: Any) -> Any:
        skip = 2 if getattr(f, "jinja_pass_arg", None) is not None else 1
        value, rest = args[skip - 1] if len(args) >= skip else None, args[skip:]
        _check_arguments(rest, kwargs)

        def option(i: int, key: str, default: Any) -> Any:
            return rest[i] if len(rest) > i else kwargs.get(key, default)

        if name == "replace" and len(rest) >= 2:
            _check_replace(str(value), *rest[:2])
        elif name == "join":
            _check_join(option(0, "d", ""), value)
        elif name == "indent":
            _check_lines(value, 0, option(0, "width", 4))
        elif name == "wordwrap":
            _check_lines(value, option(0, "width", 79), option(3, "wrapstring", "\n"))
        elif name == "format" and isinstance(value, str):
            _check_format(value)
        result = f(*args, **kwargs)
        _check_size(result)
        return result

    return measured


#: string methods that can multiply a string beyond what can be checked before
_UNMEASURED = frozenset({"expandtabs", "translate", "maketrans"})


@contextlib.contextmanager
def _counting_steps() -> Iterator[None]:
    """Stop the code run inside after :data:`MAX_STEPS` lines (the same count on every
    run: no clock involved)."""
    steps = 0

    def trace(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            limit = TemplateLimit(f"a template may run at most {MAX_STEPS:,} steps")
            limit.where = _template_line(frame)
            raise limit
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


def _template_line(frame: FrameType | None) -> tuple[str, int] | None:
    """The template file and line the innermost template frame on the stack is at."""
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            return template.filename, template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return None


def render_bounded(environment: Any, name: str, view: dict[str, Any]) -> str:
    """Render template ``name``: the built-in templates as they are; with a folder of the
    user's templates (``environment.user_templates``), within the limits above and with
    any error in a template as one line naming it."""
    folder = environment.user_templates
    if folder is None:
        return environment.get_template(name).render(**view)
    try:
        template = environment.get_template(name)
        out: list[str] = []
        size = 0
        with _counting_steps():
            for chunk in template.generate(**view):
                size += len(chunk)
                _check_length(size)
                out.append(chunk)
        return "".join(out)
    except KLDeriveError:
        raise
    except (Exception, RecursionError, MemoryError) as error:  # the template's own mistake
        raise _template_error(error, folder, name) from None


def _template_error(error: BaseException, folder: Path, name: str) -> KLDeriveError:
    """``template markdown.md.j2, line 3: 'nosuch' is undefined`` (the template rendered,
    ``name``, when the line is not known)."""
    where = _where(error, folder) or f"template {name}"
    if isinstance(error, TemplateNotFound):
        what = f"there is no template {error.name!r}"
    elif isinstance(error, RecursionError):
        what = "templates include or call one another without end"
    elif isinstance(error, MemoryError):
        what = "the template needs more memory than there is"
    elif isinstance(error, TemplateError):
        what = error.message or type(error).__name__
    else:
        what = f"{type(error).__name__}: {error}"
    what = " ".join(str(what).split())
    if isinstance(error, TemplateUnreadable):
        return KLDeriveError(what)
    return KLDeriveError(f"{where}: {what}")


def _where(error: BaseException, folder: Path) -> str:
    if isinstance(error, TemplateSyntaxError) and error.lineno:
        return (
            f"template {_shown(error.filename or error.name or '?', folder)}, line {error.lineno}"
        )
    found = getattr(error, "where", None)
    tb: TracebackType | None = None if found else error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or _inside(filename, folder):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return ""
    return f"template {_shown(found[0], folder)}, line {found[1]}"


def _inside(filename: str, folder: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(folder)
    except (ValueError, OSError):
        return False
    return True


def _shown(filename: str, folder: Path) -> str:
    try:
        return str(Path(filename).resolve().relative_to(folder))
    except (ValueError, OSError):
        return Path(filename).name
