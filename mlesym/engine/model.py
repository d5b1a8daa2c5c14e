"""How a model is named outside Python: the command line that declares it again."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .family import Family


def command(family: Family, verb: str) -> str:
    """The ``mlesym VERB --pdf ...`` command line that declares ``family`` again."""
    pdf, var, theta, params, support, theta_domain, _ = family.recipe[1]
    words = ["mlesym", verb, "--pdf", shlex.quote(pdf)]
    if var != "y":
        words += ["--var", var]
    if theta != "mu" or theta_domain != "real":
        words += ["--theta", f"{theta}:{theta_domain}"]
    words += [f"--param {name}:{domain}" for name, domain in params.items()]
    if support != "real":
        words += ["--support", support]
    return " ".join(words)
