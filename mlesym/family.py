"""The declarative specification of a distribution: what a family file fills in."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from .errors import UnknownChoiceError

Domain = Literal["real", "positive", "unit", "simplex"]


@dataclass(frozen=True)
class Support:
    """Where the target lives: its LaTeX, and how to integrate or enumerate over it."""

    name: Literal["real", "positive", "binary", "onehot", "count"]
    latex: str

    @property
    def discrete(self) -> bool:
        return self.name not in ("real", "positive")

    @property
    def interval(self) -> tuple[float, float]:
        """The range of a continuous support, for integrating a density over it."""
        return (0.0, float("inf")) if self.name == "positive" else (float("-inf"), float("inf"))

    def points(self, num_classes: int = 3) -> list[Any]:
        """Every point of a discrete support (one-hot vectors of length ``num_classes``).

        Counts are truncated at 1000, where the tails of the rates used here are below 1e-300.
        """
        if self.name == "count":
            return list(range(1000))
        if self.name == "binary":
            return [0, 1]
        if self.name == "onehot":
            return [[int(c == hot) for c in range(num_classes)] for hot in range(num_classes)]
        raise ValueError(f"the support {self.name!r} is not finite")


REAL = Support("real", r"y \in \mathbb{R}")
BINARY = Support("binary", r"y \in \{0, 1\}")
POSITIVE = Support("positive", r"y \\in (0, \\infty)")
COUNT = Support("count", r"y \\in \\{0, 1, 2, \\dots\\}")
ONE_HOT = Support("onehot", r"y \in \{0, 1\}^{K},\ \sum_{k} y_{k} = 1")


@dataclass(frozen=True)
class Learned:
    """One way for the model to predict a nuisance parameter: a further output, a "head".

    ``to_param`` maps the head's value to the parameter (sigma = sqrt(v) when the head is the
    variance v); ``argument`` names the head's input in exported functions.
    """

    variant: str  # the keyword value: "learned", "learned-log"
    argument: str  # "var"
    latex: str  # "v", printed v_theta(x_i)
    domain: Domain
    to_param: Callable[[sp.Expr], sp.Expr]
    description: str


@dataclass(frozen=True)
class Param:
    """A nuisance parameter of a family (sigma, b): fixed by default, or learned by the model."""

    name: str
    symbol: sp.Symbol
    description: str
    default: float = 1.0
    learned: tuple[Learned, ...] = ()
    domain: Domain = "positive"  # "unit" for a parameter in (0, 1), such as a quantile

    @property
    def variants(self) -> tuple[str, ...]:
        return ("fixed", *(option.variant for option in self.learned))

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(0.05, 0.95) if self.domain == "unit" else rng.uniform(0.3, 3.0)


@dataclass(frozen=True)
class Rewrite:
    """A named identity applied to the per-sample log-density, shown as one step.

    ``on_support`` marks identities that hold only for targets in the support (a one-hot
    vector's entries sum to one); the verifier samples the support, so it checks them too.
    """

    rule: str
    title: str
    explanation: str
    apply: Callable[[sp.Expr], sp.Expr]
    on_support: bool = False


@dataclass(frozen=True)
class Link:
    """How the model's raw output f_theta(x_i) becomes the predicted parameter.

    ``parameter`` gives that parameter for sample ``i`` (and class ``k`` for vector targets)
    in terms of ``Output``; ``output_domain`` says what raw outputs look like; ``reference``
    is the same map written by hand in NumPy (for tests); ``rewrites`` are the identities
    that put the log-density into its conventional form.
    """

    name: str
    description: str
    parameter: Callable[[], sp.Expr]
    output_domain: Domain
    reference: Callable[[Any], Any]
    rewrites: tuple[Rewrite, ...] = ()


@dataclass(frozen=True)
class Convention:
    """The loss that people know for a family under a link."""

    loss_name: str  # short name shown in documents: "MSE"
    long_name: str  # "mean squared error"
    sum_name: str | None = None  # name of the summed form, if it has one: "SSE"
    torch: str | None = None  # the torch.nn.functional counterpart, for documents
    scale: sp.Expr = sp.Integer(1)  # the convention's positive factor (1/2 for gaussian_nll_loss)


@dataclass(frozen=True)
class References:
    """Independent references used only by tests: SciPy's log-density, hand-written losses.

    ``logpdf(target, parameter, **nuisance)``: elementwise log-density from scipy.stats.
    ``loss[link](input, target)``: the conventional per-sample loss written by hand in NumPy.
    ``torch[link](input, target, reduction)``: the torch.nn.functional call, if any.
    ``constant_mle(targets)``: the parameter that a constant model fits, in closed form.
    """

    logpdf: Callable[..., Any]
    loss: Mapping[str, Callable[..., Any]]
    torch: Mapping[str, Callable[..., Any]]
    constant_mle: Callable[[Any], Any]


def variant_key(variants: Mapping[str, str]) -> str:
    """'sigma=learned' for the variants that are not 'fixed', in name order; '' if none."""
    return ",".join(f"{k}={v}" for k, v in sorted(variants.items()) if v != "fixed")


@dataclass(frozen=True)
class Family:
    """A distribution declared once: density, parameters, links, conventions and references.

    ``density(target, parameter, **nuisance)`` returns the pdf or pmf of one sample as a
    textbook writes it; for one-hot targets, ``target`` and ``parameter`` are the k-th
    components and the density is a product over k. ``statement(parameter)`` is the LaTeX
    of the sampling statement, e.g. ``\\mathcal{N}(\\mu, \\sigma^2)``.
    """

    name: str
    title: str
    summary: str
    target: Literal["scalar", "onehot"]
    support: Support
    predicted: str
    params: tuple[Param, ...]
    density: Callable[..., sp.Expr]
    statement: Callable[[str], str]
    links: tuple[Link, ...]
    conventions: Mapping[str, Convention]
    sample_target: Callable[[random.Random, int], Any]
    references: References
    canonical_link: str | None = None  # for exponential-family members: the canonical link
    notes: tuple[tuple[str, str], ...] = ()  # (heading, text) sections for the documents
    mle_note: str = ""  # the constant model's MLE in words, when no closed form is solved
    mle_name: str = ""  # its short name for the gallery index: "median", "class frequencies"
    variant_conventions: Mapping[str, Convention] = field(default_factory=dict)
    variant_references: Mapping[str, Any] = field(default_factory=dict)

    def link(self, name: str | None = None) -> Link:
        """The link called ``name``; the first declared one when ``name`` is None."""
        if name is None:
            return self.links[0]
        for link in self.links:
            if link.name == name:
                return link
        raise UnknownChoiceError("link", name, self.link_names, f"for family {self.name!r}")

    @property
    def link_names(self) -> tuple[str, ...]:
        return tuple(link.name for link in self.links)

    def convention(
        self, link: str | None = None, variants: Mapping[str, str] | None = None
    ) -> Convention:
        key = variant_key(variants or {})
        if key:
            return self.variant_conventions[key]
        return self.conventions[self.link(link).name]

    def learned(self, variants: Mapping[str, str]) -> dict[str, tuple[Param, Learned]]:
        """Check ``variants`` (param name -> 'fixed' or a learned form); return the learned ones."""
        params = {p.name: p for p in self.params}
        chosen: dict[str, tuple[Param, Learned]] = {}
        for name, value in variants.items():
            if name not in params:
                raise UnknownChoiceError(
                    "option", name, ["link", *params], f"for family {self.name!r}"
                )
            param = params[name]
            if value not in param.variants:
                raise UnknownChoiceError(f"value for {name}", value, param.variants)
            for option in param.learned:
                if option.variant == value:
                    chosen[name] = (param, option)
        return chosen
