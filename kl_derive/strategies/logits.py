r"""A result in PyTorch's ``logits``, written the way a textbook does.

A law given by its logits is derived in the probabilities (placeholders :math:`p`, or
:math:`p_1, \dots, p_K`); the closing steps (:mod:`.placeholders`) substitute the
reading of the logits back,
:math:`p = 1/(1 + e^{-a})` (the sigmoid) or :math:`p_i = e^{a_i} / \sum_j e^{a_j}` (the
softmax), and write the result in the logits the way a textbook does: every
:math:`\log p` becomes :math:`a - \log(1 + e^{a})` and every :math:`\log (1 - p)`
becomes :math:`-\log(1 + e^{a})` (for a softmax, :math:`\log p_i = a_i - \log \sum_j
e^{a_j}`), and the terms are gathered by these logarithms. For two Bernoulli laws this is
:math:`\frac{e^{a}}{1 + e^{a}}(a - b) + \log(1 + e^{b}) - \log(1 + e^{a})`, that is
:math:`\sigma(a)(a - b) + \log(1 + e^{b}) - \log(1 + e^{a})`. The sigmoid is written out
as :math:`e^{a}/(1 + e^{a})`: :math:`\sigma` names a scale elsewhere in kl-derive.
"""

from __future__ import annotations

from sympy import Add, Expr, S, count_ops, expand, expand_log, factor, log, together

from ..symbolic.display import add, display_form, evaluate, mul, neg

__all__ = ["in_logits"]


def in_logits(value: Expr) -> Expr | None:
    """``value`` gathered by the logarithms ``log(1 + e^a)`` (or ``log sum_j e^{a_j}``)
    that the sigmoid and softmax bring; ``None`` when that is not shorter."""
    from .tidy import tidy

    plain = value.doit()
    split = plain.replace(lambda x: isinstance(x, log), lambda x: log(factor(together(x.args[0]))))
    split = expand(expand_log(split, force=True))
    logs = sorted(split.atoms(log), key=str)
    rest, terms = split, []
    for logarithm in logs:
        coefficient = rest.coeff(logarithm)
        if coefficient == 0:
            continue
        rest = expand(rest - coefficient * logarithm)
        terms.append((factor(together(coefficient)), logarithm))
    if rest.has(*logs):
        return None
    shown = [_fraction_first(factor(together(rest)))] if rest != 0 else []
    # a pair with opposite coefficients: c (log B - log A)
    used: set[int] = set()
    for i, (c, first_log) in enumerate(terms):
        if i in used:
            continue
        partner = next(
            (j for j in range(i + 1, len(terms)) if j not in used and terms[j][0] == -c), None
        )
        if partner is not None:
            used.update((i, partner))
            positive, negative = (
                (terms[partner][1], first_log)
                if c.could_extract_minus_sign()
                else (first_log, terms[partner][1])
            )
            size = -c if c.could_extract_minus_sign() else c
            difference = add(_log_display(positive), neg(_log_display(negative)))
            if size == 1:
                shown.append(difference)
            else:
                shown.append(mul(display_form(size), Add(*difference.args, evaluate=False)))
            continue
        used.add(i)
        shown.append(mul(display_form(c), _log_display(first_log)))
    result = add(*shown)
    # splitting logarithms is sound only for positive factors: every logarithm left must
    # be of a positive number (log(1 + e^a)), else the plain substitution stays
    if result.has(S.ImaginaryUnit) or not all(
        evaluate(x).args[0].is_positive for x in evaluate(result).atoms(log)
    ):
        return None
    if count_ops(result) > 2 * count_ops(tidy(plain)) + 10:
        return None
    return result


def _fraction_first(e: Expr) -> Expr:
    """``(a - b) e^a / (e^a + 1)`` shown as ``e^a/(e^a + 1) (a - b)``: the sigmoid (or
    softmax) weight first, then what it weighs."""
    from sympy import Mul, exp, fraction

    numerator, denominator = fraction(e)
    if denominator == 1:
        return display_form(e)
    weights, others = [], []
    for f in Mul.make_args(numerator):
        (weights if f.is_number or isinstance(f, exp) else others).append(f)
    weight = Mul(*weights) / denominator  # one fraction, as SymPy writes it
    rest = display_form(Mul(*others))
    if isinstance(rest, Add):
        rest = Add(*rest.args, evaluate=False)
    return mul(weight, rest)


def _log_display(logarithm: Expr) -> Expr:
    """``log(1 + e^{a})`` with the one first, as a textbook writes it."""
    from ..symbolic.display import ln

    argument = logarithm.args[0]
    if isinstance(argument, Add) and S.One in argument.args:
        rest = [display_form(t) for t in argument.args if t != 1]
        return ln(Add(S.One, *rest, evaluate=False))
    return display_form(logarithm)
