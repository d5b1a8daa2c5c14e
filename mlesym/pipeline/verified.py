"""The verified derivation of a catalogue model, computed once per process and shared by the
API, the checker, the plots and the gallery."""

from __future__ import annotations

from functools import cache

from ..engine.derivation import Derivation
from ..engine.model import Model, parameter_values
from ..errors import require_text
from ..families import get
from . import chain


def derived(family: str, link: str | None = None, **settings) -> Derivation:
    """The derivation of ``family``'s maximum-likelihood loss under ``link``, verified.

    ``settings`` choose which nuisance parameters the model learns, e.g. ``sigma="learned"``
    (the default for each is ``"fixed"``), or give a fixed one a value, e.g. ``gamma=2``.
    """
    require_text("family", family, "a name such as 'gaussian'")
    if link is not None:
        require_text("link", link, "a link's name such as 'logit', or None")
    variants, values = parameter_values(get(family), settings)
    return verified(Model.of(get(family), link, variants, values))


@cache
def verified(model: Model) -> Derivation:
    """The derivation of ``model``, verified; once per model and process."""
    return chain.derive(model.family, model.link, **model.settings).verify()
