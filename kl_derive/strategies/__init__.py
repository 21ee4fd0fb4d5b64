"""Derivation strategies: how a KL divergence between two families is derived.

Each strategy is a module with a ``derive(first, second)`` function returning a
:class:`~kl_derive.strategies.draft.Draft`: the stages (unverified steps), the contexts
the verifier may use, and the result. The engine verifies every step of a draft.
"""
