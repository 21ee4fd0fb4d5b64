"""Direct integrals settled ahead of time (generated).

Written by ``python -m kl_derive.strategies.build_integrals``; do not edit by hand. Each
entry is keyed by the SHA-256 of the canonical form of an integrand (see
:func:`~kl_derive.strategies.direct_integration.settled_key`) and holds the value, the
antiderivative (or ``None``) and the condition, in the canonical names ``_z``, ``c0``,
``c1``, ... A derivation that uses an entry verifies it like any other step.
"""

from functools import lru_cache

from sympy import Basic


@lru_cache(maxsize=1)
def settled() -> dict[str, tuple[Basic, Basic | None, Basic]]:
    """The table: hashed canonical form -> (value, antiderivative, condition)."""
    from sympy import (
        Add,
        Integer,
        Max,
        Min,
        Mul,
        Or,
        Piecewise,
        Pow,
        Rational,
        StrictGreaterThan,
        StrictLessThan,
        Symbol,
        erf,
        exp,
        log,
        pi,
        true,
    )
    from sympy.functions.elementary.piecewise import ExprCondPair

    s0 = Symbol("c0", positive=True)
    s1 = Symbol("c1", positive=True)
    s2 = Symbol("c1", real=True)
    s3 = Symbol("c2", real=True)
    s4 = Symbol("_z", real=True)
    s5 = Symbol("c0", real=True)
    return {
        # E[z**k_2] under 1/(-a_1 + b_1)
        "4be9fe8241de02841ad994524509cc0b": (
            Mul(
                Pow(Add(s0, Integer(1)), Integer(-1)),
                Pow(Add(s2, Mul(Integer(-1), s3)), Integer(-1)),
                Add(Pow(s2, Add(s0, Integer(1))), Mul(Integer(-1), Pow(s3, Add(s0, Integer(1))))),
            ),
            Mul(
                Pow(s4, Add(s0, Integer(1))),
                Pow(Add(s0, Integer(1)), Integer(-1)),
                Pow(Add(Mul(Integer(-1), s2), s3), Integer(-1)),
            ),
            true,
        ),
        # E[1/z] under 1/(-a_1 + b_1)
        "ac2137315a129a8584a8052bffcf25e9": (
            Mul(
                Pow(Add(s5, Mul(Integer(-1), s2)), Integer(-1)),
                Add(log(s5), Mul(Integer(-1), log(s2))),
            ),
            Mul(Pow(Add(Mul(Integer(-1), s5), s2), Integer(-1)), log(s4)),
            Or(StrictGreaterThan(s5, Integer(0)), StrictLessThan(s2, Integer(0))),
        ),
        # E[Abs(mu_2 - z)] under 1/(-a_1 + b_1)
        "b6838036bfadb5d07a245c4b0c618985": (
            Piecewise(
                ExprCondPair(
                    Mul(
                        Pow(Add(s5, Mul(Integer(-1), s2)), Integer(-1)),
                        Add(
                            Mul(Integer(-1), Rational(1, 2), Pow(s5, Integer(2))),
                            Mul(s5, s3),
                            Mul(Integer(-1), Rational(1, 2), Pow(s2, Integer(2))),
                            Mul(s2, s3),
                            Mul(Integer(-1), Integer(2), s3, Min(s2, Max(s5, s3))),
                            Pow(Min(s2, Max(s5, s3)), Integer(2)),
                        ),
                    ),
                    StrictLessThan(s5, s2),
                ),
                ExprCondPair(
                    Mul(
                        Pow(Add(s5, Mul(Integer(-1), s2)), Integer(-1)),
                        Add(
                            Mul(Rational(1, 2), Pow(s5, Integer(2))),
                            Mul(Integer(-1), s5, s3),
                            Mul(Rational(1, 2), Pow(s2, Integer(2))),
                            Mul(Integer(-1), s2, s3),
                            Mul(Integer(2), s3, Min(s5, Max(s2, s3))),
                            Mul(Integer(-1), Pow(Min(s5, Max(s2, s3)), Integer(2))),
                        ),
                    ),
                    true,
                ),
            ),
            None,
            true,
        ),
        # E[exp(-z/sigma_2)] under z*exp(-z**2/(2*sigma_1**2))/sigma_1**2
        "c8d74fb1eb43a869d15e654724c0ecc8": (
            Mul(
                Rational(1, 2),
                Pow(s1, Integer(-1)),
                Add(
                    Mul(
                        Pow(Integer(2), Rational(1, 2)),
                        Pow(pi, Rational(1, 2)),
                        s0,
                        exp(Mul(Rational(1, 2), Pow(s0, Integer(2)), Pow(s1, Integer(-2)))),
                        erf(
                            Mul(
                                Rational(1, 2),
                                Pow(Integer(2), Rational(1, 2)),
                                s0,
                                Pow(s1, Integer(-1)),
                            )
                        ),
                    ),
                    Mul(
                        Integer(-1),
                        Pow(Integer(2), Rational(1, 2)),
                        Pow(pi, Rational(1, 2)),
                        s0,
                        exp(Mul(Rational(1, 2), Pow(s0, Integer(2)), Pow(s1, Integer(-2)))),
                    ),
                    Mul(Integer(2), s1),
                ),
            ),
            None,
            true,
        ),
    }
