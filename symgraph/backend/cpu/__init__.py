"""The numba CPU backend."""
