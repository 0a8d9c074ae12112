"""Jupyter kernels that run on a testbed host, reached from the hub over SSH."""
