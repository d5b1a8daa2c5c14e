"""The declarative specification of a distribution: what a family file fills in."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from ..errors import UnknownChoiceError
from .references import LearnedReferences, References
from .rules import Rule
from .supports import (  # noqa: F401  (what family files import, with the declaration types)
    BINARY,
    BOUNDED_COUNT,
    CIRCLE,
    CLOSED_UNIT,
    COUNT,
    COUNTS,
    INTEGERS,
    MULTILABEL,
    NONNEGATIVE,
    ONE_HOT,
    POSITIVE,
    POSITIVE_REALS,
    REAL,
    SIMPLEX,
    UNIT,
    VECTOR,
    Domain,
    Support,
    domain,
)


@dataclass(frozen=True)
class Learned:
    """One way for the model to predict a nuisance parameter: a further output, a "head".

    ``to_param`` maps the head's value to the parameter (sigma = sqrt(v) when the head is the
    variance v); ``argument`` names the head's input in exported functions.
    """

    variant: str  # the keyword value: "learned", "learned-log"
    argument: str  # "var"
    latex: str  # "v", printed v_theta(x_i)
    domain: Domain  # a Domain, or its name
    to_param: Callable[[sp.Expr], sp.Expr]
    description: str
    convention: Convention | None = None  # the loss people know for this variant
    references: LearnedReferences | None = None
    mle_name: str = ""  # the constant model's MLE, when learning this changes it
    mle_note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "domain", domain(self.domain))


def learned_itself(argument: str, latex: str, **typed: Any) -> Learned:
    """The common learned form: the model's second output is the (positive) parameter itself;
    ``typed``: its convention, references and MLE text (``Learned``'s fields)."""
    return Learned(
        "learned", argument, latex, "positive", lambda v: v, "the model's second output", **typed
    )


@dataclass(frozen=True)
class Param:
    """A nuisance parameter of a family (sigma, b): fixed by default, or learned by the model."""

    name: str
    symbol: sp.Symbol
    description: str
    default: float = 1.0
    learned: tuple[Learned, ...] = ()
    domain: Domain = POSITIVE_REALS  # or its name: "unit" for a quantile in (0, 1)
    integer: bool = False  # a positive integer, such as a number of trials

    def __post_init__(self) -> None:
        object.__setattr__(self, "domain", domain(self.domain))

    @property
    def variants(self) -> tuple[str, ...]:
        return ("fixed", *(option.variant for option in self.learned))

    def sample(self, rng: random.Random) -> float | int:
        if self.integer:
            return rng.randint(6, 12)  # at least the largest target the families sample
        return self.domain.sample_parameter(rng)

    @property
    def valid(self) -> str:
        """An elementwise condition on the parameter's array that every backend evaluates."""
        if self.integer:
            return f"({self.name} > 0) & ({self.name} == {self.name}.round())"
        return self.domain.condition(self.name)

    @property
    def requirement(self) -> str:
        """What ``valid`` demands, in words, for error messages."""
        if self.integer:
            return "be a positive integer"
        return self.domain.requirement


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
    output_domain: Domain  # a Domain, or its name
    reference: Callable[[Any], Any]
    rewrites: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_domain", domain(self.output_domain))


@dataclass(frozen=True)
class Convention:
    """The loss that people know for a family under a link."""

    loss_name: str  # short name shown in documents: "MSE"
    long_name: str  # "mean squared error"
    sum_name: str | None = None  # name of the summed form, if it has one: "SSE"
    torch: str | None = None  # the torch.nn.functional counterpart, for documents
    scale: sp.Expr = sp.Integer(1)  # the convention's positive factor (1/2 for gaussian_nll_loss)
    offset: sp.Expr = sp.Integer(0)  # a constant it adds (1 in 1 - cos(y - mu), zero at best)


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
    target: Literal["scalar", "onehot"]  # "onehot": any vector over a last axis of classes
    support: Support
    predicted: str
    params: tuple[Param, ...]
    density: Callable[..., sp.Expr]
    statement: Callable[[str], str]
    links: tuple[Link, ...]
    conventions: Mapping[str, Convention]
    references: References
    # the verifier's sampler of targets, when the support's own does not suit the family
    sample_target: Callable[[random.Random, int], Any] | None = field(default=None, compare=False)
    canonical_link: str | None = None  # for exponential-family members: the canonical link
    notes: tuple[tuple[str, str], ...] = ()  # (heading, text) sections for the documents
    mle_note: str = ""  # the constant model's MLE in words, when no closed form is solved
    mle_name: str = ""  # its short name for the gallery index: "median", "class frequencies"
    # symbols beyond the scalar parameters (a precision matrix's entries): their values at
    # K classes, drawn at random when given a generator (for the verifier), else the defaults
    constants: Callable[[int, random.Random | None], dict] | None = None
    # how to declare this family again in another process, (function, arguments), for
    # families outside the registry (a user's density); registered ones go by name
    recipe: tuple[Callable[..., Family], tuple] | None = field(default=None, compare=False)
    # the exact NLL, (target, parameter, **nuisance) -> expression, written so that it keeps
    # its digits at extreme parameters (a huge shape k); the verifier checks it equals the
    # derived NLL, and ``stable_nll_note`` says in the document what was rewritten
    stable_nll: Callable[..., sp.Expr] | None = field(default=None, compare=False)
    stable_nll_note: str = ""

    def __reduce__(self):
        if self.recipe is not None:
            return self.recipe
        from ..families import get

        return get, (self.name,)

    def draw_target(self, rng: random.Random, num_classes: int) -> Any:
        """A random target for the verifier: the family's own sampler, else its support's."""
        sample = self.sample_target or self.support.sample
        if sample is None:
            raise TypeError(
                f"{self.name}: the support {self.support} has no sampler; declare sample_target"
            )
        return sample(rng, num_classes)

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
        option = self.learned_option(variants or {})
        if option is not None:
            return option.convention
        return self.conventions[self.link(link).name]

    def learned_option(self, variants: Mapping[str, str]) -> Learned | None:
        """The one learned form ``variants`` chooses; None when every parameter is fixed."""
        chosen = self.learned(variants)
        if len(chosen) > 1:
            from ..errors import NotSupportedError

            raise NotSupportedError(
                f"{self.name}: one learned parameter at a time; got {', '.join(sorted(chosen))}"
            )
        return next((option for _, option in chosen.values()), None)

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
