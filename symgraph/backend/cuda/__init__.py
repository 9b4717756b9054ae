"""The CUDA backend: the fused kernel graph and memory plan of the CPU
backend, lowered a second time to ``numba.cuda`` kernels. Nothing here
decides what to fuse or where values live; see ``plan.py`` for the map."""
