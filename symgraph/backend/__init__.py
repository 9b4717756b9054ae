"""Backends that run graphs: the numpy reference, and compiled ones."""
