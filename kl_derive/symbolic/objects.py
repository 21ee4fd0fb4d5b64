"""The symbolic objects a derivation talks about besides plain SymPy expressions.

* :class:`Expect` -- ``Expect(f, q(z))`` is the expectation of ``f`` under the density
  ``q(z)``; it stays unevaluated so that a step can show it.
* :class:`KL` -- ``KL(q(z), p(z))`` is the KL divergence of ``p`` from ``q``.
* :class:`Between` -- ``Between(F, z, a, b)`` is ``F(b) - F(a)``, shown as
  :math:`\bigl[F(z)\bigr]_{a}^{b}`.

Densities themselves are undefined functions applied to the variable (``q(z)``,
``p(z)``, ``phi(epsilon)``); what each one means lives in a
:class:`~kl_derive.steps.context.Context`.
"""

from __future__ import annotations

from sympy import Function, Symbol

#: the integration variable of every derivation, z (the latent variable of a VAE)
VARIABLE = Symbol("z", real=True)
#: the variable of a distribution on the integers: a count k = 0, 1, 2, ...
COUNT = Symbol("k", integer=True, nonnegative=True)
#: the variable of a distribution on the positive half-line
POSITIVE_VARIABLE = Symbol("z", positive=True)
#: the dimension of a vector-valued family given by name
DIMENSION = Symbol("d", integer=True, positive=True)


class Expect(Function):
    """``Expect(f, density)``: the expectation of ``f`` under ``density`` (unevaluated)."""

    nargs = 2
    is_commutative = True

    @classmethod
    def eval(cls, f, density):
        return None


class KL(Function):
    """``KL(q, p)``: the Kullback-Leibler divergence of ``p`` from ``q`` (unevaluated)."""

    nargs = 2
    is_commutative = True
    is_real = True

    @classmethod
    def eval(cls, q, p):
        return None


class Bracket(Function):
    """``Bracket(x)``: ``x`` shown in parentheses, e.g. a moment just substituted.

    It means exactly ``x``; :meth:`doit` and evaluation remove it.
    """

    nargs = 1

    @classmethod
    def eval(cls, x):
        return None

    def doit(self, **hints):
        arg = self.args[0]
        return arg.doit(**hints) if hints.get("deep", True) else arg

    def _eval_is_commutative(self):
        return True


class Between(Function):
    """``Between(F, z, a, b)``: ``F`` evaluated between the ends, ``F(b) - F(a)`` (the
    fundamental theorem of calculus), shown as :math:`\bigl[F(z)\bigr]_{a}^{b}`.

    Evaluation (:func:`~kl_derive.symbolic.display.evaluate`, :meth:`doit`) gives the
    difference.
    """

    nargs = 4

    @classmethod
    def eval(cls, antiderivative, variable, lower, upper):
        return None

    def doit(self, **hints):
        antiderivative, variable, lower, upper = (
            a.doit(**hints) if hints.get("deep", True) else a for a in self.args
        )
        return antiderivative.subs(variable, upper) - antiderivative.subs(variable, lower)

    def _eval_is_commutative(self):
        return True


class Entropy(Function):
    """``Entropy(q)``: the (differential) entropy of the density ``q`` (unevaluated)."""

    nargs = 1
    is_commutative = True
    is_real = True

    @classmethod
    def eval(cls, q):
        return None


class CrossEntropy(Function):
    """``CrossEntropy(q, p)``: the cross-entropy of ``p`` relative to ``q``,
    :math:`-\\int q \\log p` (unevaluated)."""

    nargs = 2
    is_commutative = True
    is_real = True

    @classmethod
    def eval(cls, q, p):
        return None


class OnSupport(Function):
    """``OnSupport(f, condition)``: a density with the set it lives on, ``f`` where
    ``condition`` holds and 0 elsewhere, shown as cases. It is kept whole inside an
    integral (a ``Piecewise`` there would be folded into the integrand); evaluation
    (:func:`~kl_derive.symbolic.display.evaluate`, :meth:`doit`) gives the ``Piecewise``."""

    nargs = 2

    @classmethod
    def eval(cls, value, condition):
        return None

    def doit(self, **hints):
        from sympy import Piecewise

        value, condition = self.args
        if hints.get("deep", True):
            value = value.doit(**hints)
        return Piecewise((value, condition), (0, True))

    def _eval_is_commutative(self):
        return True
