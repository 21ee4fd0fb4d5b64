r"""The Kumaraswamy family ``kumaraswamy(a, b)``: :math:`\operatorname{Kumaraswamy}(a, b)`
on :math:`(0, 1)`, density :math:`a b z^{a - 1}(1 - z^a)^{b - 1}`.

``a`` and ``b`` are positive shapes (PyTorch's ``concentration1`` and ``concentration0``
read in that order). With :math:`z \sim \operatorname{Kumaraswamy}(a, b)`, :math:`z^a`
follows :math:`\operatorname{Beta}(1, b)` and :math:`1 - z^a` follows
:math:`\operatorname{Beta}(b, 1)`, so

.. math::

    E[\log z] = \frac{\psi(1) - \psi(b + 1)}{a} = -\frac{H_b}{a},\qquad
    E[\log(1 - z^a)] = \psi(b) - \psi(b + 1) = -\frac{1}{b},\qquad
    E[z^t] = b\,B\left(1 + \frac{t}{a}, b\right),

with :math:`H_b = \psi(b + 1) + \gamma` the harmonic number. :math:`E[\log(1 - z)]` (what
a KL against a beta law needs) has no closed form; from
:math:`-\log(1 - z) = \sum_{m \ge 1} z^m/m` on :math:`[0, 1)` (terms of one sign, so
summed under the expectation) and :math:`B(1 + s, b) = \frac{s}{s + b} B(s, b)`,

.. math::

    E[\log(1 - z)] = -\sum_{m \ge 1} \frac{E[z^m]}{m}
      = -b \sum_{m \ge 1} \frac{B\left(\frac{m}{a}, b\right)}{m + ab}

(:meth:`Kumaraswamy.log_one_minus_series`, Nalisnick and Smyth's stick-breaking VAE
series). Its tail after :math:`M` terms, :math:`R_M = \sum_{m > M} E[z^m]/m \ge 0`, is
bounded by :meth:`Kumaraswamy.tail_bound`: with :math:`u = z^a \sim
\operatorname{Beta}(1, b)`, :math:`E[z^m] = \Gamma(b + 1)\Gamma(x)/\Gamma(x + b)` at
:math:`x = 1 + m/a`; :math:`\log\Gamma` is convex, so :math:`\log\Gamma(x + b) \ge
\log\Gamma(x) + b\,\psi(x)`, and :math:`\psi(x) > \log x - 1/x`, whence
:math:`E[z^m] \le \Gamma(b + 1)\,x^{-b} e^{b/x} \le \Gamma(b + 1)\, a^b m^{-b}
e^{ab/(a + M + 1)}` for :math:`m > M`; and :math:`\sum_{m > M} m^{-b-1} \le \int_M^\infty
t^{-b-1}\,dt = M^{-b}/b`, so

.. math::

    0 \le R_M \le \Gamma(b)\, a^b\, e^{ab/(a + M + 1)} M^{-b}.

It is of the size of the tail itself for large :math:`M` (whose leading term is
:math:`\Gamma(b) a^b M^{-b}`): the series converges like :math:`M^{-b}`, slowly for a
small :math:`b`.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, beta, digamma, exp, gamma, log

from ..symbolic.display import add, div, ln, mul, neg, power, sub
from .base import Moment, Parameter, UnivariateFamily

__all__ = ["FAMILY", "Kumaraswamy"]


class Kumaraswamy(UnivariateFamily):
    """The Kumaraswamy distribution on the unit interval."""

    name = "kumaraswamy"
    latex_name = r"\operatorname{Kumaraswamy}"
    parameters = (
        Parameter("a", "a", "positive", "first shape (concentration1)"),
        Parameter("b", "b", "positive", "second shape (concentration0)"),
    )
    standard = (1, 1)

    def support(self, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        return (S.Zero, S.One)

    def density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        a, b = args
        return mul(a, b, power(variable, sub(a, 1)), power(sub(1, power(variable, a)), sub(b, 1)))

    def log_density(self, variable: Symbol, args: tuple[Expr, ...]) -> Expr:
        a, b = args
        return add(
            ln(a),
            ln(b),
            mul(sub(a, 1), ln(variable)),
            mul(sub(b, 1), ln(sub(1, power(variable, a)))),
        )

    def moment_table(self, variable: Symbol, args: tuple[Expr, ...]) -> dict[Expr, Moment]:
        a, b = args
        z = variable
        return {
            log(z): Moment(
                log(z), div(sub(digamma(1), digamma(add(b, 1))), a), "kumaraswamy_moment"
            ),
            log(1 - z**a): Moment(
                log(1 - z**a), sub(digamma(b), digamma(add(b, 1))), "kumaraswamy_moment"
            ),
        }

    def power(self, t: Expr, args: tuple[Expr, ...]) -> tuple[Expr, Expr]:
        """:math:`E[z^t] = b B(1 + t/a, b)`, finite for :math:`t > -a`."""
        a, b = args
        return mul(b, beta(add(1, div(t, a)), b)), t > neg(a)

    def log_one_minus_series(self, index: Symbol, args: tuple[Expr, ...]) -> Expr:
        """The summand :math:`b B(m/a, b)/(m + ab)` of :math:`-E[\\log(1 - z)]`, summed
        over ``index`` :math:`m \\ge 1` (a display expression)."""
        a, b = args
        return mul(b, div(beta(div(index, a), b), add(index, mul(a, b))))

    def tail_bound(self, terms: Expr, args: tuple[Expr, ...]) -> Expr:
        """A bound on the tail :math:`\\sum_{m > M} E[z^m]/m` of that series after
        :math:`M` = ``terms`` terms: :math:`\\Gamma(b) a^b e^{ab/(a + M + 1)} M^{-b}`
        (derived in the module's notes)."""
        a, b = args
        return mul(
            gamma(b),
            power(a, b),
            exp(div(mul(a, b), add(a, terms, 1))),
            power(terms, neg(b)),
        )


FAMILY = Kumaraswamy()
