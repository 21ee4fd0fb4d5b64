"""A break point's glue never swallows the letter after it (TeX reads ``fil l`` as ``fill``)."""

from __future__ import annotations

import re

from kl_derive import derive
from kl_derive.render.escape import latex_inline

#: glue whose unit TeX would continue with a following letter ``l``
SWALLOWED = re.compile(r"plus-?1fil\s+l")


def test_a_parameter_named_l_after_a_break_point_stays_on_the_page() -> None:
    # long enough for the comma break points of a narrow column
    math = r"\operatorname{NW}(\begin{pmatrix}m_{1}\\m_{2}\end{pmatrix}, l, W, n, l, l)"
    text = latex_inline(math, measure=10)
    assert "plus-1fil" in text  # the break points are there
    assert not SWALLOWED.search(text), text
    assert text.count(" l") >= 3


def test_the_normal_wishart_title_keeps_its_l() -> None:
    d = derive(
        "normal_wishart([m1, m2], l, [[a, b], [b, c]], n)",
        "normal_wishart([0, 0], 1, [[1, 0], [0, 1]], 3)",
    )
    tex = d.to_latex(standalone=True, page="twocolumn")
    assert "plus-1fil" in tex
    assert not SWALLOWED.search(tex)
