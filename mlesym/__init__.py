"""mlesym: derive maximum-likelihood losses from distributions, with every step verified."""

from __future__ import annotations

from ._version import __version__
from .api import (
    constant_model,
    convexity,
    derive,
    derive_pdf,
    deviance_function,
    export_source,
    families,
    get_family,
    gradient_function,
    gradient_source,
    loss_function,
)
from .engine.derivation import Derivation, Relation, Step
from .errors import InputError, MlesymError, UnknownChoiceError, VerificationError

__all__ = [
    "__version__",
    "Derivation",
    "InputError",
    "MlesymError",
    "Relation",
    "Step",
    "constant_model",
    "convexity",
    "UnknownChoiceError",
    "VerificationError",
    "derive",
    "derive_pdf",
    "deviance_function",
    "export_source",
    "families",
    "get_family",
    "gradient_function",
    "gradient_source",
    "loss_function",
    "verify",
    "identify",
]


def verify(
    loss: str,
    family: str,
    link: str | None = None,
    seconds: float = 20.0,
    classes: int = 3,
    **settings: str | float,
):
    """Whether ``loss`` is a positive multiple of ``family``'s NLL plus a constant: a Verdict
    with its witness or counterexample; ``.document()`` renders the decision step by step.
    ``settings``: a learned form per parameter (``sigma="learned"``), or a value for a fixed
    one (``gamma=2``); the verdict states the values it was decided at."""
    from .check.verify import verify as _verify

    return _verify(loss, family, link, seconds=seconds, classes=classes, **settings)


def identify(loss: str, support: str | None = None, seconds: float = 60.0):
    """Which catalogue family's NLL ``loss`` is; else what its normalizer says (an
    Identification; ``.document()`` renders the decision step by step)."""
    from .check.identify import identify as _identify

    return _identify(loss, support, seconds)
