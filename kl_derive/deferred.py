"""Keep SymPy's tensor algebra (and with it the combinatorics package) from loading.

SymPy's ``Add.flatten`` runs ``from sympy.tensor.tensor import TensExpr, TensAdd`` every
time it adds terms, only to test ``isinstance(term, TensExpr)``. The first such call
imports ``sympy.tensor.tensor`` and ``sympy.combinatorics``, about a tenth of a second of
a command that never meets a tensor. :func:`defer_tensor_module` puts a stand-in module in
``sys.modules`` under that name. When ``sympy/core/add.py`` asks it for ``TensExpr`` and
``TensAdd``, it answers with classes of which no object can exist: an object of SymPy's
tensor classes can only be made once the real module is loaded, so the test answers
exactly as it would. Anything else asking it anything (another module, another name:
``TensorHead``, ``__all__``, or ``TensExpr`` for a subclass) imports the real module,
which then takes the stand-in's place in ``sys.modules`` and answers every later import,
``Add.flatten``'s included. The stand-in never hands its placeholders to anyone else, so
they cannot leak into a class hierarchy or an ``isinstance`` test elsewhere.

:func:`start_quickly` also makes Python's cyclic garbage collector run less often
(:data:`GC_THRESHOLD`): importing SymPy and deriving allocate millions of objects, and at
Python's default threshold (a collection every 700 net allocations) the collector costs
about a tenth of a cold command's CPU time while finding little to free. Cycles are
still collected, just in larger batches.

Only the command-line tool calls these (it owns its process, and so do the workers of
``kl-derive build``); importing kl_derive as a library changes nothing in SymPy or in
the garbage collector.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import types

__all__ = ["GC_THRESHOLD", "TENSOR_MODULE", "defer_tensor_module", "start_quickly"]

TENSOR_MODULE = "sympy.tensor.tensor"

#: the garbage collector's thresholds for a command (Python's default: 700, 10, 10)
GC_THRESHOLD = (100_000, 50, 100)


_ASKER = os.path.join("sympy", "core", "add.py")


class _Placeholder:
    """A class with no instances, standing for one of SymPy's tensor classes."""

    def __new__(cls, *args: object, **kwargs: object) -> _Placeholder:  # pragma: no cover
        raise TypeError(f"{cls.__name__} stands for a class of {TENSOR_MODULE} not loaded")


_PLACEHOLDERS = {
    name: type(name, (_Placeholder,), {"__module__": TENSOR_MODULE})
    for name in ("TensExpr", "TensAdd")
}


class _DeferredModule(types.ModuleType):
    """``sympy.tensor.tensor`` until something other than ``Add.flatten`` needs it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.real: types.ModuleType | None = None

    def __getattr__(self, name: str) -> object:
        if name == "__path__":  # asked by every import from it; the real one is no package
            raise AttributeError(name)
        if self.real is None and name in _PLACEHOLDERS and _asked_by_add():
            return _PLACEHOLDERS[name]
        return getattr(self.load(), name)

    def __dir__(self) -> list[str]:
        return dir(self.load())

    def load(self) -> types.ModuleType:
        """Import the real module (it replaces the stand-in) and return it."""
        if self.real is None:
            if sys.modules.get(TENSOR_MODULE) is self:
                del sys.modules[TENSOR_MODULE]
            self.real = importlib.import_module(TENSOR_MODULE)
        return self.real


def _asked_by_add() -> bool:
    """Whether the code asking is SymPy's ``sympy/core/add.py`` (the frame above the
    module's ``__getattr__``)."""
    try:
        caller = sys._getframe(2)
    except (AttributeError, ValueError):  # pragma: no cover - no frames: load the module
        return False
    return caller.f_code.co_filename.endswith(_ASKER)


def defer_tensor_module() -> None:
    """Install the stand-in unless the real module is already loaded."""
    if TENSOR_MODULE not in sys.modules:
        sys.modules[TENSOR_MODULE] = _DeferredModule(TENSOR_MODULE)


def start_quickly() -> None:
    """Prepare a command's process: the tensor stand-in, and a less eager collector."""
    defer_tensor_module()
    gc.set_threshold(*GC_THRESHOLD)
