"""SymPy-side helpers: display builders, the objects a derivation talks about, conversion."""
