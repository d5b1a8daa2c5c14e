"""The public functions: derive, loss_function, export_source, families."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from . import derive as _derive
from . import export
from .derivation import Derivation
from .errors import MlesymError
from .families import get, names
from .family import Family

OPTIONS = ("link",)


def families() -> list[str]:
    """The names of the registered families."""
    return names()


def get_family(name: str) -> Family:
    """The declaration of the family called ``name``."""
    return get(name)


def derive(family: str, link: str | None = None) -> Derivation:
    """The derivation of ``family``'s maximum-likelihood loss under ``link``, verified."""
    return _derived(family, link)


@cache
def _derived(family: str, link: str | None) -> Derivation:
    if not isinstance(family, str):
        raise MlesymError(f"family must be a name such as 'gaussian'; got {family!r}")
    return _derive.derive(family, link).verify()


def _check_options(options: dict[str, Any]) -> str | None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise MlesymError(f"unknown option {unknown[0]!r}; accepted options: {', '.join(OPTIONS)}")
    return options.get("link")


def loss_function(
    name: str,
    backend: str = "numpy",
    reduction: str = "mean",
    full: bool = False,
    **options: Any,
) -> Callable[..., Any]:
    """A vectorized loss ``fn(input, target, **params)`` exported from the derivation.

    ``full=False``: the conventional loss the derivation ends with (MSE, BCE, CE, MAE), in
    PyTorch's conventions. ``full=True``: the exact per-sample negative log-likelihood,
    every constant kept, nuisance parameters as keyword arguments. ``reduction``: 'none',
    'mean' or 'sum', as in PyTorch. Option: ``link`` (e.g. 'logit', 'softmax').
    """
    link = _check_options(options)
    export.check_backend(backend)
    export.check_reduction(reduction)
    return export.compile_loss(derive(name, link), backend, reduction, bool(full))


def export_source(
    name: str, backend: str = "numpy", full: bool = False, reduction: str = "mean", **options: Any
) -> str:
    """The Python source of the function ``loss_function`` returns."""
    link = _check_options(options)
    return export.source(derive(name, link), full=bool(full), reduction=reduction, backend=backend)
