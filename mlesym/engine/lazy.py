"""NumPy, imported on first use.

The family declarations and links name NumPy in their reference formulas, which only
tests and the checks call; importing it up front was a tenth of a cold ``mlesym derive``.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for a module and imports it when one of its attributes is first asked for."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attribute)


numpy = LazyModule("numpy")
