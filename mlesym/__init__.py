"""mlesym: derive maximum-likelihood losses from distributions, with every step verified."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import derive, export_source, families, get_family, loss_function  # noqa: E402
from .derivation import Derivation, Relation, Step  # noqa: E402
from .errors import InputError, MlesymError, UnknownChoiceError, VerificationError  # noqa: E402

__all__ = [
    "Derivation",
    "InputError",
    "MlesymError",
    "Relation",
    "Step",
    "UnknownChoiceError",
    "VerificationError",
    "derive",
    "export_source",
    "families",
    "get_family",
    "loss_function",
]
