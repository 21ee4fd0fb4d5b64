"""Write kl_derive/printing/metrics.py: glyph widths of the Computer Modern math fonts.

Run from the repository root with TeX Live's ``tftopl`` and ``kpsewhich`` on the PATH::

    python scripts/font_metrics.py > kl_derive/printing/metrics.py

Each glyph's width (plus its italic correction for the math italic font, which TeX adds
in math mode) is read from the fonts' TFM files at text size (10pt) and script size
(7pt), and written in ems of the 10pt text font.
"""

from __future__ import annotations

import re
import subprocess

#: (font at 10pt, font at 7pt, add italic correction) -> {name: character code}
GLYPHS: dict[tuple[str, str, bool], dict[str, int]] = {
    ("cmmi10", "cmmi7", True): {
        **{c: ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{
            rf"\{name}": code
            for code, name in enumerate(
                [
                    "alpha",
                    "beta",
                    "gamma",
                    "delta",
                    "epsilon",
                    "zeta",
                    "eta",
                    "theta",
                    "iota",
                    "kappa",
                    "lambda",
                    "mu",
                    "nu",
                    "xi",
                    "pi",
                    "rho",
                    "sigma",
                    "tau",
                    "upsilon",
                    "phi",
                    "chi",
                    "psi",
                    "omega",
                    "varepsilon",
                    "vartheta",
                    "varpi",
                    "varrho",
                    "varsigma",
                    "varphi",
                ],
                start=0o13,
            )
        },
        r"\ell": 0o140,
        r"\partial": 0o100,
    },
    ("cmr10", "cmr7", False): {
        **{f"rm:{c}": ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{c: ord(c) for c in "0123456789()[]+=,;:!./'?<>"},
        **{
            rf"\{name}": code
            for code, name in enumerate(
                [
                    "Gamma",
                    "Delta",
                    "Theta",
                    "Lambda",
                    "Xi",
                    "Pi",
                    "Sigma",
                    "Upsilon",
                    "Phi",
                    "Psi",
                    "Omega",
                ]
            )
        },
    },
    ("cmsy10", "cmsy7", False): {
        "-": 0o0,
        r"\cdot": 0o1,
        r"\times": 0o2,
        r"\ast": 0o3,
        r"\pm": 0o6,
        r"\leq": 0o24,
        r"\geq": 0o25,
        r"\sim": 0o30,
        r"\approx": 0o31,
        r"\to": 0o41,
        r"\prime": 0o60,
        r"\infty": 0o61,
        r"\in": 0o62,
        r"\{": 0o146,
        r"\}": 0o147,
        r"\langle": 0o150,
        r"\rangle": 0o151,
        "|": 0o152,
        r"\|": 0o153,
        r"\nabla": 0o162,
        r"\wedge": 0o136,
        r"\vee": 0o137,
        **{f"cal:{c}": ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    },
    ("msbm10", "msbm7", False): {f"bb:{c}": ord(c) for c in "ENRZ"},
}

#: cmex10 glyphs: delimiters at the sizes big, Big, bigg, Bigg and built from pieces; big
#: operators in text and display style
EXTENSIBLE = {
    "(": (0o0, 0o20, 0o22, 0o40, 0o60),
    ")": (0o1, 0o21, 0o23, 0o41, 0o61),
    "[": (0o2, 0o150, 0o24, 0o42, 0o62),
    "]": (0o3, 0o151, 0o25, 0o43, 0o63),
    r"\{": (0o10, 0o156, 0o32, 0o50, 0o70),
    r"\}": (0o11, 0o157, 0o33, 0o51, 0o71),
    r"\langle": (0o12, 0o104, 0o34, 0o52, 0o52),
    r"\rangle": (0o13, 0o105, 0o35, 0o53, 0o53),
    "|": (0o14, 0o14, 0o14, 0o14, 0o14),
    r"\|": (0o15, 0o15, 0o15, 0o15, 0o15),
}
OPERATORS = {r"\int": (0o122, 0o132), r"\sum": (0o120, 0o130), r"\prod": (0o121, 0o131)}


def widths(font: str, italic: bool) -> dict[int, float]:
    path = subprocess.run(
        ["kpsewhich", f"{font}.tfm"], capture_output=True, text=True, check=True
    ).stdout.strip()
    pl = subprocess.run(["tftopl", path], capture_output=True, text=True, check=True).stdout
    size = float(re.search(r"\(DESIGNSIZE R ([\d.]+)\)", pl).group(1))
    out = {}
    for match in re.finditer(r"\(CHARACTER (C|O) (\S+)\n(.*?)\n   \)", pl, re.S):
        code = ord(match.group(2)) if match.group(1) == "C" else int(match.group(2), 8)
        body = match.group(3)
        wd = re.search(r"CHARWD R (-?[\d.]+)", body)
        ic = re.search(r"CHARIC R (-?[\d.]+)", body)
        width = float(wd.group(1)) if wd else 0.0
        if italic and ic:
            width += float(ic.group(1))
        out[code] = width * size / 10  # in ems of the 10pt font
    return out


def main() -> None:
    glyphs: dict[str, tuple[float, float]] = {}
    for (text, script, italic), names in GLYPHS.items():
        big, small = widths(text, italic), widths(script, italic)
        for name, code in names.items():
            glyphs[name] = (round(big[code], 4), round(small[code], 4))
    ex = widths("cmex10", False)
    print('"""Glyph widths of the Computer Modern math fonts, in ems of the 10pt text font.')
    print()
    print("Generated by ``python scripts/font_metrics.py`` from the TFM files; do not edit.")
    print("``GLYPHS`` maps a character or command (``rm:x`` upright, ``cal:N`` calligraphic,")
    print("``bb:E`` blackboard bold) to its width at text and at script size; ``DELIMITERS``")
    print("a delimiter to its widths at the sizes normal, big, Big, bigg, Bigg and built from")
    print('pieces; ``OPERATORS`` a big operator to its widths in text and display style."""')
    print()
    print("GLYPHS: dict[str, tuple[float, float]] = {")
    for name, pair in glyphs.items():
        print(f"    {name!r}: {pair!r},")
    print("}")
    print()
    print("DELIMITERS: dict[str, tuple[float, ...]] = {")
    for name, codes in EXTENSIBLE.items():
        normal = glyphs[name][0] if name in glyphs else glyphs.get(name, (0.5,))[0]
        sizes = (normal, *(round(ex[c], 4) for c in codes))
        print(f"    {name!r}: {sizes!r},")
    print("}")
    print()
    print("OPERATORS: dict[str, tuple[float, float]] = {")
    for name, (small, big) in OPERATORS.items():
        print(f"    {name!r}: ({round(ex[small], 4)!r}, {round(ex[big], 4)!r}),")
    print("}")


if __name__ == "__main__":
    main()
