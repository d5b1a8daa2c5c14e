"""Expressions across processes, exactly as they were built.

SymPy's own pickling rebuilds an expression by calling its constructors, which evaluate:
an unevaluated ``1/sqrt(2 pi sigma^2)`` comes back as ``sqrt(2)/(2 sqrt(pi) sigma)``. A
derivation shows its steps as written, so sums, products, powers and functions are rebuilt
here with ``evaluate=False``; everything else pickles as SymPy does.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import sympy as sp
from sympy.core.function import Application

from .symbols import Head

_UNEVALUATED = (sp.Add, sp.Mul, sp.Pow, Application)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any):
        if isinstance(obj, Head):  # its class is made at run time: Head.__reduce_ex__ knows how
            return NotImplemented
        if isinstance(obj, _UNEVALUATED) and isinstance(obj, sp.Basic) and obj.args:
            return _rebuilt, (type(obj), obj.args)
        return NotImplemented


def _rebuilt(cls: type, args: tuple) -> sp.Basic:
    return cls(*args, evaluate=False)


def dumps(value: Any) -> bytes:
    """``value`` (any picklable structure holding expressions) as bytes."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """The structure ``dumps`` wrote, every expression as it was built."""
    return pickle.loads(data)
