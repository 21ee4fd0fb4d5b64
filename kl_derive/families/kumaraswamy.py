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
a KL against a beta law needs) is the infinite series
:math:`-\sum_{m \ge 1} \frac{b}{m} B\left(1 + \frac{m}{a}, b\right)`, which the catalog does
not sum: such pairs are refused as having no closed form.
"""

from __future__ import annotations

from sympy import Expr, S, Symbol, beta, digamma, log

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


FAMILY = Kumaraswamy()
