"""Helpers the benchmarks share: the peak memory one call allocates."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable


def peak_growth(fn: Callable[[], object]) -> float:
    """Peak bytes that one call allocates through NumPy, measured with tracemalloc.

    NumPy reports its array buffers to tracemalloc, so this counts every temporary of the
    NumPy implementations exactly; PyTorch and JAX allocate outside it (not reported).
    """
    gc.collect()
    tracemalloc.start()
    result = fn()
    del result
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak
