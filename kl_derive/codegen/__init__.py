"""``kl-derive code``: the derived KL as a function for NumPy, PyTorch, JAX or TensorFlow.

* :func:`generate` prints any derived univariate result (a SymPy expression) as an
  elementwise function with a reduction over the last (latent) axis;
* :func:`code_for` derives the KL for a spec and generates its code in one call;
* :func:`generate_mvn` prints the full-covariance multivariate normal KL, from a SymPy
  matrix expression (:func:`mvn_kl_expression`), with Cholesky factors and triangular
  solves.

The bodies come from SymPy's code printers (:mod:`.frameworks`), after SymPy rewrites
that make the formula numerically careful (:mod:`.rewrite`).
"""

from __future__ import annotations

from .convenience import PARAMETRIZATIONS, code_for
from .frameworks import FRAMEWORKS
from .mvn import MVN_FRAMEWORKS, MvnKL, generate_mvn, mvn_kl_expression
from .rewrite import StableForm, stabilize
from .univariate import REDUCTIONS, generate

__all__ = [
    "FRAMEWORKS",
    "MVN_FRAMEWORKS",
    "PARAMETRIZATIONS",
    "REDUCTIONS",
    "MvnKL",
    "StableForm",
    "code_for",
    "generate",
    "generate_mvn",
    "mvn_kl_expression",
    "stabilize",
]
