"""NumPy stand-ins for the framework calls of the check corpus, to run its code in tests.

The corpus (``tests/check_corpus.py``) is our own test data; running it here with NumPy
gives the value each line really computes, independently of how ``kl-derive check``
reads it. ``torch``, ``tf``, ``K`` (Keras' backend), ``jnp``, ``np`` and ``math`` cover the
calls the corpus makes; tensors are :class:`Tensor`, an ndarray with PyTorch's methods.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np


def _axis(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


class _Size(int):
    """An int (the number of elements) that can be called like ``torch.Tensor.size``."""

    def __new__(cls, value: int, shape: tuple[int, ...]) -> _Size:
        size = super().__new__(cls, value)
        size.shape = shape  # type: ignore[attr-defined]
        return size

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]  # type: ignore[attr-defined]


class Tensor(np.ndarray):
    """An ndarray with the PyTorch tensor methods the corpus uses."""

    def __new__(cls, data: Any) -> Tensor:
        return np.asarray(data, dtype=float).view(cls)

    def pow(self, k: float) -> Tensor:
        return np.power(self, k)

    def exp(self) -> Tensor:
        return np.exp(self)

    def log(self) -> Tensor:
        return np.log(self)

    def add(self, other: Any) -> Tensor:
        return self + other

    def mul(self, other: Any) -> Tensor:
        return self * other

    def sub(self, other: Any) -> Tensor:
        return self - other

    def div(self, other: Any) -> Tensor:
        return self / other

    exp_, add_, mul_, sub_, div_ = exp, add, mul, sub, div

    def sum(self, dim: Any = None, keepdim: bool = False, axis: Any = None, **_: Any) -> Any:
        axis = _axis(dim if dim is not None else axis)
        return np.sum(np.asarray(self), axis=axis, keepdims=keepdim).view(Tensor)

    def mean(self, dim: Any = None, keepdim: bool = False, axis: Any = None, **_: Any) -> Any:
        axis = _axis(dim if dim is not None else axis)
        return np.mean(np.asarray(self), axis=axis, keepdims=keepdim).view(Tensor)

    @property
    def size(self) -> _Size:  # type: ignore[override]
        """The number of elements (NumPy's ``x.size``), callable as PyTorch's ``x.size(0)``."""
        return _Size(int(np.prod(self.shape)), self.shape)

    def dim(self) -> int:
        return self.ndim

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return np.clip(self, min, max)


def _reduce(function: Any) -> Any:
    def reduce(
        x: Any,
        dim: Any = None,
        keepdim: bool = False,
        axis: Any = None,
        reduction_indices: Any = None,
        keepdims: bool = False,
    ) -> Any:
        chosen = next((a for a in (dim, axis, reduction_indices) if a is not None), None)
        result = function(np.asarray(x), axis=_axis(chosen), keepdims=keepdim or keepdims)
        return np.asarray(result).view(Tensor)

    return reduce


def _masked_mean(values: Any, mask: Any, axis: Any = None) -> Any:
    return (np.sum(values * mask, axis=axis) / np.sum(mask, axis=axis)).view(Tensor)


torch = SimpleNamespace(
    sum=_reduce(np.sum),
    mean=_reduce(np.mean),
    exp=np.exp,
    log=np.log,
    pow=np.power,
    square=np.square,
    div=np.divide,
    clamp=lambda x, min=None, max=None: np.clip(x, min, max),
)
tf = SimpleNamespace(
    reduce_sum=_reduce(np.sum),
    reduce_mean=_reduce(np.mean),
    square=np.square,
    exp=np.exp,
    log=np.log,
)
tf.math = tf
ops = SimpleNamespace(sum=_reduce(np.sum), mean=_reduce(np.mean), square=np.square, exp=np.exp)
K = SimpleNamespace(
    sum=_reduce(np.sum),
    mean=_reduce(np.mean),
    square=np.square,
    exp=np.exp,
    log=np.log,
    epsilon=lambda: 1e-7,
)


def namespace(values: dict[str, Any], batch: int) -> dict[str, Any]:
    """The globals to run corpus code in, with ``values`` as its variables.

    ``self.NAME`` and ``outputs.NAME`` give the same values; ``x`` is an input batch.
    """
    tensors = {k: (Tensor(v) if isinstance(v, np.ndarray) else v) for k, v in values.items()}
    holder = SimpleNamespace(**tensors)
    return {
        "torch": torch,
        "tf": tf,
        "K": K,
        "ops": ops,
        "np": np,
        "jnp": np,
        "math": math,
        "masked_mean": _masked_mean,
        "self": holder,
        "outputs": holder,
        "x": Tensor(np.zeros((batch, 2))),
        **tensors,
    }
