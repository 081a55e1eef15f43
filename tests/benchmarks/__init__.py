"""s2s benchmark suite (run by hand, never collected by pytest).

    python -m tests.benchmarks --help

See run.py for the methodology and workloads.py for the workloads.
Nothing here imports NumPy at package import time: the driver must set the
BLAS thread count and CPU affinity first.
"""
