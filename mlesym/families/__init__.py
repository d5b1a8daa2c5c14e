"""The family registry: every module in this package that defines ``FAMILY`` registers it.

Adding a distribution is adding one file here; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from ..engine.family import Family
from ..errors import UnknownChoiceError

_REGISTRY: dict[str, Family] = {}
_SOURCES: dict[str, Path] = {}


def register(family: Family) -> Family:
    """Add a family to the registry; names must be unique."""
    if family.name in _REGISTRY and _REGISTRY[family.name] is not family:
        raise ValueError(f"a family named {family.name!r} is already registered")
    _REGISTRY[family.name] = family
    return family


def _discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if isinstance(getattr(loaded, "FAMILY", None), Family):
            register(loaded.FAMILY)
            _SOURCES[loaded.FAMILY.name] = Path(loaded.__file__)


def names() -> list[str]:
    """The registered family names, sorted."""
    return sorted(_REGISTRY)


def source_of(name: str) -> Path:
    """The file that declares the family called ``name``."""
    get(name)
    return _SOURCES[name]


def get(name: str) -> Family:
    """The family called ``name``; an UnknownChoiceError lists the valid names otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownChoiceError("family", name, names()) from None


_discover()


def variants_of(name: str) -> list[tuple[str, dict[str, str]]]:
    """Every link with all parameters fixed, then each learned form of each parameter."""
    family = get(name)
    chosen: list[tuple[str, dict[str, str]]] = [(link.name, {}) for link in family.links]
    for param in family.params:
        for option in param.learned:
            chosen.append((family.links[0].name, {param.name: option.variant}))
    return chosen
