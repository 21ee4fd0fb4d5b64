"""Double-precision numerics with error bounds for the verifier's first, fast pass."""
