r"""The one-hot categorical family ``one_hot_categorical(probs)``:
:math:`\operatorname{OneHotCat}(p_1, \dots, p_K)`, PyTorch's ``OneHotCategorical``.

A draw is the one-hot vector :math:`x \in \{e_1, \dots, e_K\}` with :math:`x_i = [k = i]`
for the category :math:`k` of a :class:`~kl_derive.families.categorical.Categorical` law
with the same ``probs`` (an explicit list of :math:`K` probabilities summing to one, as
there). The map :math:`k \mapsto e_k` is one-to-one, so the divergence between two
one-hot laws is the one between the categorical laws: the derivation runs over the index
:math:`k`, and its statistics :math:`[k = i]` are the coordinates :math:`x_i`.
"""

from __future__ import annotations

from .categorical import Categorical

__all__ = ["FAMILY", "OneHotCategorical"]


class OneHotCategorical(Categorical):
    """A categorical draw written as a one-hot vector."""

    name = "one_hot_categorical"
    latex_name = r"\operatorname{OneHotCat}"


FAMILY = OneHotCategorical()
