r"""The estimators' closed forms for two categorical laws, as exact finite sums.

For :math:`q = \operatorname{Cat}(q_1, \dots, q_K)` (the law sampled) and
:math:`p = \operatorname{Cat}(p_1, \dots, p_K)`, the log ratio takes the value
:math:`L_i = \log(p_i / q_i)` on category :math:`i`, with probability :math:`q_i`. Every
moment the estimators need is a sum over the :math:`K` categories: the raw moments
:math:`m_n = \sum_i q_i L_i^n`, the cumulants from them
(:math:`\kappa_2 = m_2 - m_1^2`, :math:`\kappa_3 = m_3 - 3 m_2 m_1 + 2 m_1^3`,
:math:`\kappa_4 = m_4 - 4 m_3 m_1 - 3 m_2^2 + 12 m_2 m_1^2 - 6 m_1^4`),
:math:`\mathrm{KL}(q \| p) = \sum_i q_i \log(q_i / p_i)`,
:math:`\mathrm{KL}(p \| q) = \sum_i p_i \log(p_i / q_i)`,
:math:`\mathbb{E}_q[r^2] = \sum_i p_i^2 / q_i` (finite: both laws give every category a
positive probability, which the family requires) and
:math:`\operatorname{Var} k_2 = \tfrac14 (m_4 - m_2^2)`.

They are what the derivation through the log-partition function prints for these laws
(the engine verifies each against the cumulant it names); the family's natural form, with
the indicators of the first :math:`K - 1` categories as statistics, is
:func:`~kl_derive.strategies.estimator_family_facts.categorical_form`.
"""

from __future__ import annotations

from sympy import Add, Expr

from ..families.base import Distribution
from ..families.categorical import probabilities
from ..symbolic.display import add, div, group, ln, mul, neg, power, square
from .tidy import tidy

__all__ = ["categorical_sums"]


def categorical_sums(first: Distribution, second: Distribution) -> dict[str, Expr]:
    """The closed forms as displayed: ``kappa1`` .. ``kappa4``, ``kl``, ``reverse``,
    ``second`` (E_q[r^2]) and ``var_k2``; ``first`` is the law sampled."""
    q = probabilities(first.family.name, first.args)
    p = probabilities(second.family.name, second.args)
    logs = [ln(div(b, a)) for a, b in zip(q, p, strict=True)]

    def moment(n: int) -> Expr:
        return group(*(mul(a, power(v, n) if n > 1 else v) for a, v in zip(q, logs, strict=True)))

    m1, m2, m3, m4 = (moment(n) for n in (1, 2, 3, 4))
    return {
        "kappa1": add(*(mul(a, v) for a, v in zip(q, logs, strict=True))),
        "kappa2": add(
            add(*(mul(a, square(v)) for a, v in zip(q, logs, strict=True))), neg(square(m1))
        ),
        "kappa3": add(m3, neg(mul(3, m2, m1)), mul(2, power(m1, 3))),
        "kappa4": add(
            m4,
            neg(mul(4, m3, m1)),
            neg(mul(3, square(m2))),
            mul(12, m2, square(m1)),
            neg(mul(6, power(m1, 4))),
        ),
        "kl": add(*(mul(a, ln(div(a, b))) for a, b in zip(q, p, strict=True))),
        "reverse": add(*(mul(b, ln(div(b, a))) for a, b in zip(q, p, strict=True))),
        "second": tidy(Add(*(b**2 / a for a, b in zip(q, p, strict=True)))),
        "var_k2": mul(div(1, 4), group(add(m4, neg(square(m2))))),
    }
