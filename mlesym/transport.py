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

from .symbols import Head, head

_UNEVALUATED = (sp.Add, sp.Mul, sp.Pow, Application)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any):
        if isinstance(obj, _UNEVALUATED) and isinstance(obj, sp.Basic) and obj.args:
            cls = type(obj)
            kind = (cls.argument, cls.symbol, cls.domain) if issubclass(cls, Head) else cls
            return _rebuilt, (kind, obj.args)
        return NotImplemented


def _rebuilt(kind, args: tuple) -> sp.Basic:
    cls = head(*kind) if isinstance(kind, tuple) else kind
    return cls(*args, evaluate=False)


def dumps(value: Any) -> bytes:
    """``value`` (any picklable structure holding expressions) as bytes."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """The structure ``dumps`` wrote, every expression as it was built."""
    return pickle.loads(data)
