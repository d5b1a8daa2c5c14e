"""Vectorized source of a derived loss for NumPy, PyTorch and JAX, and its compilation.

Kept empty: importing a subpackage must not import its modules (cold start)."""
