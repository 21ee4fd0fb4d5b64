"""Keep SymPy's tensor algebra (and with it the combinatorics package) from loading.

SymPy's ``Add.flatten`` runs ``from sympy.tensor.tensor import TensExpr, TensAdd`` every
time it adds terms, only to test ``isinstance(term, TensExpr)``. The first such call
imports ``sympy.tensor.tensor`` and ``sympy.combinatorics``, about a tenth of a second of
a command that never meets a tensor. :func:`defer_tensor_module` puts a stand-in module in
``sys.modules`` under that name. Its ``TensExpr`` and ``TensAdd`` are classes of which no
object can exist (an object of SymPy's tensor classes can only be made once the real
module is loaded), so the test answers exactly as it would; asking the stand-in for
anything else (``TensorHead``, ``__all__``, ...) imports the real module, which then takes
its place in ``sys.modules`` for every later import.

Only the command-line tool calls this (it owns its process); importing kl_derive as a
library changes nothing in SymPy.
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["TENSOR_MODULE", "defer_tensor_module"]

TENSOR_MODULE = "sympy.tensor.tensor"


class _Placeholder:
    """A class with no instances, standing for one of SymPy's tensor classes."""

    def __new__(cls, *args: object, **kwargs: object) -> _Placeholder:
        return getattr(_DeferredModule.load(), cls.__name__)(*args, **kwargs)


class _DeferredModule(types.ModuleType):
    """``sympy.tensor.tensor`` until something other than ``Add.flatten`` needs it."""

    TensExpr = type("TensExpr", (_Placeholder,), {"__module__": TENSOR_MODULE})
    TensAdd = type("TensAdd", (_Placeholder,), {"__module__": TENSOR_MODULE})

    def __getattr__(self, name: str) -> object:
        if name in ("__path__", "__file__", "__wrapped__"):  # asked of any module; not it
            raise AttributeError(name)
        return getattr(self.load(), name)

    def __dir__(self) -> list[str]:
        return dir(self.load())

    @staticmethod
    def load() -> types.ModuleType:
        """Import the real module (replacing the stand-in) and return it."""
        current = sys.modules.get(TENSOR_MODULE)
        if isinstance(current, _DeferredModule):
            del sys.modules[TENSOR_MODULE]
        return importlib.import_module(TENSOR_MODULE)


def defer_tensor_module() -> None:
    """Install the stand-in unless the real module is already loaded."""
    if TENSOR_MODULE not in sys.modules:
        sys.modules[TENSOR_MODULE] = _DeferredModule(TENSOR_MODULE)
