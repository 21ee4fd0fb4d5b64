"""What the command loads at start-up (speed itself is measured in bench/startup.py).

The command keeps SymPy's tensor algebra and combinatorics from loading
(:mod:`kl_derive.deferred`); the stand-in must be invisible: tensor code run after it
gives exactly what it gives without it.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_module, run_python


def imported_by(args: list[str], cwd: Path) -> list[str]:
    """The modules ``python -X importtime -m kl_derive ARGS`` imports, in order."""
    done = run_python(["-X", "importtime", "-m", "kl_derive", *args], cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]


def test_the_common_path_loads_no_tensor_algebra(tmp_path: Path) -> None:
    imported = imported_by(["normal", "--no-cache"], tmp_path)
    assert "sympy" in imported  # the report is there
    heavy = [m for m in imported if m.startswith(("sympy.tensor.tensor", "sympy.combinatorics"))]
    assert heavy == []


def test_help_loads_neither_sympy_nor_jinja(tmp_path: Path) -> None:
    imported = imported_by(["build", "--help"], tmp_path)
    assert "click" in imported
    assert [m for m in imported if m.split(".")[0] in ("sympy", "jinja2")] == []


_TENSORS = """
import sys
if sys.argv[1] == "deferred":
    from kl_derive.deferred import defer_tensor_module
    defer_tensor_module()
import sympy
x, y = sympy.symbols("x y")
lines = [str(sympy.expand((x + y + 1) ** 3)), str(sympy.Add(x, y, 2))]
lines.append(str(type(sys.modules["sympy.tensor.tensor"]).__name__))
from sympy.tensor.tensor import TensExpr as early  # the first import of a placeholder's name
import sympy.tensor.toperators  # subclasses TensExpr
import sympy.tensor.tensor as t
from sympy.tensor.tensor import TensorHead, TensorIndexType, tensor_indices, TensAdd, TensExpr
L = TensorIndexType("L")
i, j = tensor_indices("i j", L)
A, B = TensorHead("A", [L]), TensorHead("B", [L])
s = A(i) + B(i) + A(i)
lines += [str(s), type(s).__name__, str(isinstance(s, TensAdd)), str(isinstance(s, TensExpr))]
lines += [str(sympy.Add(A(i), B(i))), str(t.TensorHead is TensorHead)]
lines.append(str((A(i) * B(-i)).canon_bp()))
lines += [str(early is TensExpr), str(issubclass(sympy.tensor.toperators.PartialDerivative, early))]
lines.append(str(type(sys.modules["sympy.tensor.tensor"]).__name__))
print("\\n".join(lines))
"""


def test_the_stand_in_is_invisible_to_tensor_code() -> None:
    outputs = {}
    for how in ("plain", "deferred"):
        done = run_python(["-c", _TENSORS, how])
        assert done.returncode == 0, done.stderr
        outputs[how] = done.stdout.splitlines()
    plain, deferred = outputs["plain"], outputs["deferred"]
    # after adding symbols: the real module (plain) or the stand-in (deferred)
    assert plain[2] == "module" and deferred[2] == "_DeferredModule"
    assert deferred[:2] == plain[:2]
    assert deferred[3:] == plain[3:]
    assert deferred[-1] == "module"  # the real module took the stand-in's place


def test_commands_that_use_sympy_otherwise_still_work(tmp_path: Path) -> None:
    code = run_module(["code", "normal", "--framework", "torch"], cwd=tmp_path)
    assert code.returncode == 0, code.stderr
    assert "def " in code.stdout
    check = run_module(
        ["check", "-0.5 * sum(1 + logvar - mu**2 - exp(logvar))", "--param", "logvar"],
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
