"""The verified derivation of a catalogue model, computed once per process and shared by the
API, the checker, the plots and the gallery."""

from __future__ import annotations

from functools import cache

from ..engine.derivation import Derivation
from ..errors import require_text
from . import chain


def derived(family: str, link: str | None = None, **variants: str) -> Derivation:
    """The derivation of ``family``'s maximum-likelihood loss under ``link``, verified.

    ``variants`` choose which nuisance parameters the model learns, e.g. ``sigma="learned"``
    (the default for each is ``"fixed"``).
    """
    require_text("family", family, "a name such as 'gaussian'")
    if link is not None:
        require_text("link", link, "a link's name such as 'logit', or None")
    for name, value in variants.items():
        require_text(name, value, "'fixed' or a learned form such as 'learned'")
    return _verified(family, link, tuple(sorted(variants.items())))


@cache
def _verified(family: str, link: str | None, variants: tuple[tuple[str, str], ...]) -> Derivation:
    return chain.derive(family, link, **dict(variants)).verify()
