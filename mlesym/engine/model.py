"""A model as a typed key, and how a model is named outside Python.

``Model`` is (family, link, variant), frozen and hashable: the unit the cached derivation,
the gallery's tasks, the checker's candidates and the exports are keyed by. It owns every
name a model has: its documents' file stem, its exported function's name, its command-line
arguments and its cache key, so that the seven spellings of a variant the code once had
are one. (The stem leaves out the family's first link, the function name the identity link:
``beta.md`` beside ``beta_logit_beta_nll``; both kept as they were, now said in one place.)
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .family import Family


@dataclass(frozen=True)
class Model:
    """(family, link, variant): a family's name, a link's name, and the learned forms of the
    parameters that are not fixed, by parameter name. Compared and hashed by those three."""

    name: str
    link: str
    variant: tuple[tuple[str, str], ...] = ()
    family: Family | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls, family: Family, link: str | None = None, variants: Mapping[str, str] | None = None
    ) -> Model:
        """The model of ``family`` under ``link`` (its first when None) with ``variants``
        (param -> 'fixed' or a learned form), validated against the family's declaration."""
        variants = dict(variants or {})
        family.learned(variants)  # unknown names and values raise with the valid ones
        chosen = tuple(sorted((k, v) for k, v in variants.items() if v != "fixed"))
        return cls(family.name, family.link(link).name, chosen, family)

    @property
    def variants(self) -> dict[str, str]:
        return dict(self.variant)

    @property
    def key(self) -> str:
        """'gaussian|identity|sigma=learned': the model as one string, for caches."""
        return "|".join([self.name, self.link, ",".join(f"{k}={v}" for k, v in self.variant)])

    @property
    def stem(self) -> str:
        """File stem of its documents: the family, the link unless it is the family's first,
        the learned parameters: ``gaussian``, ``bernoulli-logit``, ``gaussian-sigma-learned``."""
        parts = [self.name]
        if self.family is None or self.link != self.family.links[0].name:
            parts.append(self.link)
        parts += [f"{name}-{value}" for name, value in self.variant]
        return "-".join(parts)

    def function_name(self, loss_name: str, full: bool) -> str:
        """Its exported function: ``gaussian_mse``, ``bernoulli_logit_bce``, ``poisson_nll``."""
        what = "nll" if full else re.sub(r"\W", "_", loss_name.lower())
        what = what.removeprefix(f"{self.name}_")  # poisson_nll, not poisson_poisson_nll
        parts = [self.name]
        if self.link != "identity":
            parts.append(self.link)
        parts += [f"{name}_{value}" for name, value in self.variant]
        return re.sub(r"\W", "_", "_".join([*parts, what]))

    def title(self, latex: Callable[[object], str]) -> str:
        """'Gaussian, $\\sigma$ fixed', 'Gaussian, $\\sigma$ learned': the family's title and
        each parameter's setting, its symbol printed by ``latex`` (the documents' printer)."""
        parts = [self.family.title]
        for param in self.family.params:
            parts.append(f"${latex(param.symbol)}$ {self.variants.get(param.name, 'fixed')}")
        return ", ".join(parts)

    @property
    def cli_args(self) -> list[str]:
        """Its options on the command line: ``--link logit``, ``--sigma learned``."""
        words = []
        if self.family is None or self.link != self.family.links[0].name:
            words += ["--link", self.link]
        for name, value in self.variant:
            words += [f"--{name}", value]
        return words

    @property
    def variant_args(self) -> str:
        """Its learned parameters as options, each after a space: `` --sigma learned``."""
        return "".join(f" --{name} {value}" for name, value in self.variant)

    @property
    def variant_words(self) -> str:
        """Its learned parameters in prose, each after a comma: ``, sigma learned``."""
        return "".join(f", {name} {value}" for name, value in self.variant)


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
