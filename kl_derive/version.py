"""The version of kl-derive (a leaf module: the cache keys and the outputs cite it)."""

__version__ = "0.1.0"
