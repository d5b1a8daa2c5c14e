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
from decimal import Decimal
from typing import TYPE_CHECKING

import sympy as sp

from ..errors import MlesymError

if TYPE_CHECKING:
    from .family import Family


@dataclass(frozen=True)
class Model:
    """(family, link, variant): a family's name, a link's name, and the learned forms of the
    parameters that are not fixed, by parameter name. Compared and hashed by those three."""

    name: str
    link: str
    variant: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # fixed parameters at given values (exact text)
    family: Family | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        family: Family,
        link: str | None = None,
        variants: Mapping[str, str] | None = None,
        values: Mapping[str, sp.Rational] | None = None,
    ) -> Model:
        """The model of ``family`` under ``link`` (its first when None) with ``variants``
        (param -> 'fixed' or a learned form) and ``values`` (param -> exact number for a
        fixed one), validated against the family's declaration."""
        variants = dict(variants or {})
        family.learned(variants)  # unknown names and values raise with the valid ones
        chosen = tuple(sorted((k, v) for k, v in variants.items() if v != "fixed"))
        given = tuple(sorted((k, str(sp.Rational(v))) for k, v in (values or {}).items()))
        return cls(family.name, family.link(link).name, chosen, given, family)

    @property
    def settings(self) -> dict[str, object]:
        """Learned forms and values together, as ``derive`` takes them."""
        return {**dict(self.variant), **{k: sp.Rational(v) for k, v in self.values}}

    @property
    def variants(self) -> dict[str, str]:
        return dict(self.variant)

    @property
    def key(self) -> str:
        """'gaussian|identity|sigma=learned': the model as one string, for caches."""
        settings = [*(f"{k}={v}" for k, v in self.variant), *(f"{k}:{v}" for k, v in self.values)]
        return "|".join([self.name, self.link, ",".join(settings)])

    @property
    def stem(self) -> str:
        """File stem of its documents: the family, the link unless it is the family's first,
        the learned parameters: ``gaussian``, ``bernoulli-logit``, ``gaussian-sigma-learned``."""
        parts = [self.name]
        if self.family is None or self.link != self.family.links[0].name:
            parts.append(self.link)
        parts += [f"{name}-{value}" for name, value in self.variant]
        parts += [f"{name}-{_slug(value)}" for name, value in self.values]
        return "-".join(parts)

    def function_name(self, loss_name: str, full: bool) -> str:
        """Its exported function: ``gaussian_mse``, ``bernoulli_logit_bce``, ``poisson_nll``."""
        what = "nll" if full else re.sub(r"\W", "_", loss_name.lower())
        what = what.removeprefix(f"{self.name}_")  # poisson_nll, not poisson_poisson_nll
        parts = [self.name]
        if self.link != "identity":
            parts.append(self.link)
        parts += [f"{name}_{value}" for name, value in self.variant]
        parts += [f"{name}_{_slug(value)}" for name, value in self.values]
        return re.sub(r"\W", "_", "_".join([*parts, what]))

    def title(self, latex: Callable[[object], str]) -> str:
        """'Gaussian, $\\sigma$ fixed', 'Gaussian, $\\sigma$ learned': the family's title and
        each parameter's setting, its symbol printed by ``latex`` (the documents' printer)."""
        parts = [self.family.title]
        given = dict(self.values)
        for param in self.family.params:
            if param.name in given:
                parts.append(f"${latex(param.symbol)} = {shown_value(given[param.name])}$")
            else:
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
        for name, value in self.values:
            words += [f"--{name}", shown_value(value)]
        return words

    @property
    def variant_args(self) -> str:
        """Its learned parameters as options, each after a space: `` --sigma learned``."""
        return "".join(f" --{name} {value}" for name, value in self.variant)

    @property
    def variant_words(self) -> str:
        """Its learned parameters in prose, each after a comma: ``, sigma learned``."""
        return "".join(f", {name} {value}" for name, value in self.variant)


def shown_value(value: str) -> str:
    """An exact value as options and titles write it: 269/200 as 1.345; 1/9 stays 1/9."""
    number = sp.Rational(value)
    q = number.q
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    if q == 1:  # a terminating decimal
        return format(Decimal(number.p) / Decimal(number.q), "f").rstrip("0").rstrip(".") or "0"
    return f"{number.p}/{number.q}"


def _slug(value: str) -> str:
    """An exact value in a file name: 1.345, or 1over9."""
    return shown_value(value).replace("/", "over")


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


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?\d+/\d+")


def parameter_values(family: Family, settings: Mapping) -> tuple[dict[str, str], dict]:
    """Split ``settings`` into learned forms (names) and values of fixed parameters (exact
    numbers: 1.345 is 269/200, '1/9' is 1/9), each checked against its parameter's domain;
    values by parameter name."""
    params = {p.name: p for p in family.params}
    variants: dict[str, str] = {}
    values: dict[str, sp.Rational] = {}
    for name, setting in settings.items():
        param = params.get(name)
        if param is None or (isinstance(setting, str) and setting in param.variants):
            variants[name] = setting  # a learned form, or a name the derivation refuses
            continue
        values[name] = _value(param, setting)
    return variants, values


def _value(param, setting) -> sp.Expr:
    """A fixed parameter's value, exact, in its domain; a one-line error otherwise."""
    learned = "".join(f", {v!r}" for v in param.variants[1:])
    accepted = f"'fixed'{learned} or a number such as 2, 1.345 or 1/9"
    if isinstance(setting, sp.Rational):
        setting = str(setting)
    if isinstance(setting, bool) or not isinstance(setting, int | float | str):
        raise MlesymError(f"{param.name} must be {accepted}; got {setting!r}")
    text = (setting if isinstance(setting, str) else repr(setting)).strip()
    if len(text) > 40 or not _NUMBER.fullmatch(text):
        raise MlesymError(f"{param.name} must be {accepted}; got {text[:40]!r}")
    value = sp.Rational(text)
    fine = value.is_positive and (value.is_integer or not param.integer)
    if param.domain.bounds is not None:  # (0, 1) for a quantile, (1, 2) for a Tweedie power
        low, high = (sp.Rational(repr(b)) for b in param.domain.bounds)
        fine = fine and low < value < high
    if not fine:
        raise MlesymError(
            f"{param.name} ({param.description}) must {param.requirement}; got {text}"
        )
    if value > 10**30 or value.q > 10**30:
        raise MlesymError(
            f"{param.name} = {text} is beyond what a check can decide (1e-30 to 1e30)"
        )
    return value
