"""Supports and domains as objects with behaviour, in the style of
``torch.distributions.constraints``: where a target lives (``Support``) and where a
parameter or a raw model output lives (``Domain``).

Each object carries everything any part of mlesym asks of it: its LaTeX and its name on
the command line, membership as an array condition with its message, how to sample it
(for the verifier and the checker), the points of a discrete support, the interval of a
continuous one, plot targets and ranges, and the SymPy assumptions of a symbol in it. A new
support or domain is one object; nothing else is edited for it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# -- domains: parameters and raw model outputs ---------------------------------------------

DOMAINS: dict[str, Domain] = {}  # every domain by name: each registers itself
SUPPORTS: dict[str, Support] = {}  # every support by name (and alias)


class _Constraint:
    """Equality by kind and name; never with a string (one vocabulary: the objects)."""

    name: str

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            kind = type(self).__name__.lower()
            raise TypeError(f"compare the {kind} {self.name!r} with an object, not {other!r}")
        return type(other) is type(self) and other.name == self.name  # type: ignore[attr-defined]

    def __hash__(self) -> int:  # the name's hash: a lookup in a dict keyed by names fails loudly
        return hash(self.name)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False)
class Domain(_Constraint):
    """Where a parameter or a raw model output lives.

    ``draw`` is the verifier's sampler for a model output (``size`` values; a simplex draws
    one probability vector); ``plot_range`` the x-axis of a loss plotted against it;
    ``neutral`` the value a learned head is held at in a plot (sigma = 1, log sigma = 0).
    """

    name: str
    latex: str
    valid: str  # an elementwise condition on an array called {name}, in every backend
    requirement: str  # what ``valid`` demands, in words: "be positive"
    assumptions: dict = field(default_factory=dict, hash=False, compare=False)
    plot_range: tuple[float, float] = (-4.0, 4.0)
    neutral: float = 0.0
    draw: Callable[[random.Random, int], list[float]] = field(
        default=lambda rng, size: [rng.gauss(0.0, 2.0) for _ in range(size)],
        hash=False,
        compare=False,
    )
    sample_parameter: Callable[[random.Random], float] = field(
        default=lambda rng: rng.uniform(0.3, 3.0), hash=False, compare=False
    )
    # what an exported loss demands of an array in this domain: nonnegative values (a
    # positive parameter predicted as it is; a learned one is clamped below at eps), or
    # probabilities in [0, 1], one per class when ``vector``
    nonnegative: bool = False
    probability: bool = False
    vector: bool = False
    bounds: tuple[float, float] | None = None  # an open interval a parameter lies in: (1, 2)

    def __post_init__(self) -> None:
        DOMAINS.setdefault(self.name, self)

    def condition(self, name: str) -> str:
        """``valid`` for the array called ``name``."""
        return self.valid.format(name=name)

    def __reduce__(self):
        return domain, (self.name,)


def _simplex_draw(rng: random.Random, size: int) -> list[float]:
    raw = [rng.uniform(0.1, 1.0) for _ in range(size)]
    return [r / sum(raw) for r in raw]


REAL_LINE = Domain("real", r"\mathbb{R}", "{name} == {name}", "be a real number", {"real": True})
POSITIVE_REALS = Domain(
    "positive",
    r"(0, \infty)",
    "{name} > 0",
    "be positive",
    {"positive": True},
    plot_range=(0.05, 6.0),
    neutral=1.0,
    draw=lambda rng, size: [rng.uniform(0.1, 3.0) for _ in range(size)],
    nonnegative=True,
)
UNIT_INTERVAL = Domain(
    "unit",
    "(0, 1)",
    "({name} > 0) & ({name} < 1)",
    "lie in (0, 1)",
    {"positive": True},
    plot_range=(0.01, 0.99),
    neutral=0.5,
    draw=lambda rng, size: [rng.uniform(0.02, 0.98) for _ in range(size)],
    sample_parameter=lambda rng: rng.uniform(0.05, 0.95),
    probability=True,
    bounds=(0.0, 1.0),
)
TWEEDIE_POWERS = Domain(
    "power",
    "(1, 2)",
    "({name} > 1) & ({name} < 2)",
    "lie in (1, 2)",
    {"positive": True},
    plot_range=(1.05, 1.95),
    neutral=1.5,
    draw=lambda rng, size: [rng.uniform(1.1, 1.9) for _ in range(size)],
    sample_parameter=lambda rng: rng.uniform(1.1, 1.9),
    bounds=(1.0, 2.0),
)
PROBABILITY_SIMPLEX = Domain(
    "simplex",
    r"\Delta^{K-1}",
    "({name} >= 0) & ({name} <= 1)",
    "be probabilities",
    {"positive": True},
    plot_range=(0.01, 0.99),
    neutral=0.5,
    draw=_simplex_draw,
    probability=True,
    vector=True,
)


def domain(name: str | Domain) -> Domain:
    """The domain called ``name`` (a Domain is returned as it is)."""
    if isinstance(name, Domain):
        return name
    from ..errors import UnknownChoiceError

    if name not in DOMAINS:
        raise UnknownChoiceError("domain", name, DOMAINS)
    return DOMAINS[name]


# -- supports: targets -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Support(_Constraint):
    """Where the target lives: its LaTeX, its name on the command line, how to integrate or
    enumerate over it, how to sample it, and how an exported loss tells a target outside it.

    ``invalid`` is an elementwise boolean expression in ``target`` (and the family's parameter
    names) that NumPy, PyTorch and JAX arrays all evaluate; ``message`` is the error for it.
    """

    name: str
    latex: str
    invalid: str | None = None
    message: str = ""
    bound: str | None = None  # the parameter bounding a count from above (binomial N)
    discrete: bool = False
    vector: bool = False  # targets are vectors over a last axis of classes or coordinates
    interval: tuple[float, float] = (float("-inf"), float("inf"))
    sample: Callable[[random.Random, int], Any] | None = field(
        default=None, hash=False, compare=False
    )  # a random target, (rng, number of classes) -> target; None: the family gives one
    plot_targets: tuple = ()  # a few targets, for plots of losses not a function of y - f
    assumptions: dict = field(default_factory=dict, hash=False, compare=False)
    measure: str = ""  # how a density is normalized over it, in words
    enumerate: Callable[[int, int | None], list[Any]] | None = field(
        default=None, hash=False, compare=False
    )
    aliases: tuple[str, ...] = ()  # other names the command line accepts
    special: tuple = ()  # targets where losses often part ways (y = 0 of a count): always tried
    atom: float | None = None  # a point mass of a mixed support (the Tweedie's y = 0)

    @property
    def binary(self) -> bool:
        return self.name == BINARY_NAME

    @property
    def positive(self) -> bool:
        """Targets are positive reals (stable forms may use log y)."""
        return self.interval == (0.0, float("inf")) and not self.discrete and self.atom is None

    @property
    def one_hot(self) -> bool:
        return self.name == ONE_HOT_NAME

    @property
    def counts_below_a_bound(self) -> bool:
        """Targets are counts up to 1 (binary) or N (binomial): 1 - y and N - y are >= 0."""
        return self.binary or (self.discrete and self.bound is not None)

    def __post_init__(self) -> None:
        for name in (self.name, *self.aliases):
            SUPPORTS.setdefault(name, self)

    def __reduce__(self):
        return support, (self.name,)

    def contains(self, other: Support) -> bool:
        """Whether every target of ``other`` is a target of this support, with the same kind
        of measure (counting or length): a count family is a likelihood for binary targets,
        a Gaussian is not (its density is not a probability at y = 0)."""
        return other.name in (self.name, *CONTAINED.get(self.name, ()))

    def points(self, num_classes: int = 3, bound: int | None = None) -> list[Any]:
        """Every point of a discrete support (one-hot vectors of length ``num_classes``).

        Counts are truncated at 1000, where the tails of the rates used here are below
        1e-300; a bounded count runs from 0 to ``bound``.
        """
        if self.enumerate is None:
            raise ValueError(f"the support {self.name!r} is not finite")
        return self.enumerate(num_classes, bound)


BINARY_NAME, ONE_HOT_NAME = "binary", "onehot"


CONTAINED = {  # support -> the smaller supports whose targets it holds, by the same measure
    "real": ("positive", "unit", "circle"),
    "positive": ("unit",),
    "closed-unit": ("unit",),
    "integers": ("count", "bounded-count", BINARY_NAME),
    "count": ("bounded-count", BINARY_NAME),
    "bounded-count": (BINARY_NAME,),  # N >= 1
}


def support(name: str | Support) -> Support:
    """The support called ``name`` (or one of its aliases); a Support is returned as it is."""
    if isinstance(name, Support):
        return name
    from ..errors import UnknownChoiceError

    if name not in SUPPORTS:
        raise UnknownChoiceError("support", name, sorted({s.name for s in SUPPORTS.values()}))
    return SUPPORTS[name]


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _one_hot(rng: random.Random, num_classes: int) -> list[int]:
    hot = rng.randrange(num_classes)
    return [1 if c == hot else 0 for c in range(num_classes)]


REAL = Support(
    "real",
    r"y \in \mathbb{R}",
    sample=lambda rng, num: rng.gauss(0.0, 2.0),
    plot_targets=(-1.0, 0.0, 2.0),
    assumptions={"real": True},
    measure="the integral over the real line",
)
BINARY = Support(
    BINARY_NAME,
    r"y \in \{0, 1\}",
    discrete=True,
    sample=lambda rng, num: rng.randint(0, 1),
    plot_targets=(0.0, 1.0),
    assumptions={"integer": True, "nonnegative": True},
    measure="the sum over y in {0, 1}",
    enumerate=lambda num, bound: [0, 1],
    special=(0, 1),
)
POSITIVE = Support(
    "positive",
    r"y \in (0, \infty)",
    "target <= 0",
    "target must be positive",
    interval=(0.0, float("inf")),
    sample=lambda rng, num: rng.gammavariate(2.0, 1.0),
    plot_targets=(0.5, 1.0, 3.0),
    assumptions={"positive": True},
    measure="the integral over y > 0",
)
COUNT = Support(
    "count",
    r"y \in \{0, 1, 2, \dots\}",
    "target < 0",
    "target counts must be nonnegative",
    discrete=True,
    sample=lambda rng, num: rng.randint(0, 12),
    plot_targets=(0.0, 2.0, 5.0),
    assumptions={"integer": True, "nonnegative": True},
    measure="the sum over y = 0, 1, 2, ...",
    enumerate=lambda num, bound: list(range(1000)),
    aliases=("nonnegative-integers",),
    special=(0, 1),
)
ONE_HOT = Support(
    ONE_HOT_NAME,
    r"y \in \{0, 1\}^{K},\ \sum_{k} y_{k} = 1",
    discrete=True,
    vector=True,
    sample=_one_hot,
    plot_targets=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    measure="the sum over the K one-hot vectors",
    enumerate=lambda num, bound: [[int(c == h) for c in range(num)] for h in range(num)],
)
NONNEGATIVE = Support(
    "nonnegative",
    r"y \in [0, \infty)",
    "target < 0",
    "target must be nonnegative",
    interval=(0.0, float("inf")),
    sample=lambda rng, num: 0.0 if rng.random() < 0.3 else rng.gammavariate(2.0, 1.0),
    plot_targets=(0.0, 1.0, 3.0),
    assumptions={"nonnegative": True},
    measure="the point mass at y = 0 plus the integral over y > 0",
    special=(0,),
    atom=0.0,
)
MULTILABEL = Support(
    "multilabel",
    r"y \in \{0, 1\}^{K}",
    discrete=True,
    vector=True,
    sample=lambda rng, num: [rng.randint(0, 1) for _ in range(num)],
    plot_targets=((1.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    measure="the sum over the 2^K binary vectors",
    enumerate=lambda num, bound: [[(h >> c) & 1 for c in range(num)] for h in range(2**num)],
)
UNIT = Support(
    "unit",
    r"y \in (0, 1)",
    "(target <= 0) | (target >= 1)",
    "target must lie in (0, 1)",
    interval=(0.0, 1.0),
    sample=lambda rng, num: rng.betavariate(2.0, 3.0),
    plot_targets=(0.2, 0.5, 0.8),
    assumptions={"positive": True},
    measure="the integral over 0 < y < 1",
)
BOUNDED_COUNT = Support(
    "bounded-count",
    r"y \in \{0, 1, \dots, N\}",
    "(target < 0) | (target > N)",
    "target counts must lie in [0, N]",
    bound="N",
    discrete=True,
    sample=lambda rng, num: rng.randint(0, 5),
    plot_targets=(0.0, 3.0, 8.0),
    assumptions={"integer": True, "nonnegative": True},
    enumerate=lambda num, bound: list(range(int(bound) + 1)),
    special=(0,),
)
COUNTS = Support(
    "counts",
    r"y \in \{0, 1, 2, \dots\}^{K}",
    "target < 0",
    "target counts must be nonnegative",
    discrete=True,
    vector=True,
    plot_targets=((3.0, 1.0, 0.0), (0.0, 2.0, 2.0)),
    enumerate=lambda num, bound: [list(v) for v in _compositions(int(bound), num)],
)
SIMPLEX = Support(
    "simplex",
    r"y \in (0, 1)^{K},\ \sum_{k} y_{k} = 1",
    "(target <= 0) | (target >= 1) | (abs(target.sum(-1)[..., None] - 1) > 1e-6)",
    "target rows must be probability vectors: entries in (0, 1) that sum to 1",
    vector=True,
    plot_targets=((0.6, 0.3, 0.1), (0.2, 0.3, 0.5)),
)
INTEGERS = Support(
    "integers",
    r"y \in \mathbb{Z}",
    "(target != target.round()) & (target == target)",  # NaN is not an invalid value
    "target must hold integers",
    discrete=True,
    sample=lambda rng, num: rng.randint(-6, 6),
    plot_targets=(-2.0, 0.0, 3.0),
    assumptions={"integer": True},
    measure="the sum over the integers",
    special=(0,),
)
VECTOR = Support(
    "vector",
    r"y \in \mathbb{R}^{K}",
    vector=True,
    sample=lambda rng, num: [rng.gauss(0.0, 2.0) for _ in range(num)],
)
CLOSED_UNIT = Support(
    "closed-unit",
    r"y \in [0, 1]",
    "(target < 0) | (target > 1)",
    "target must lie in [0, 1]",
    interval=(0.0, 1.0),
    sample=lambda rng, num: rng.betavariate(2.0, 3.0),
    plot_targets=(0.1, 0.5, 0.9),
    assumptions={"nonnegative": True},
)
CIRCLE = Support(
    "circle",
    r"y \in [-\pi, \pi)",
    "(target < -3.141592653589793) | (target > 3.141592653589793)",
    "target must be an angle in [-pi, pi]",
    interval=(-math.pi, math.pi),
    sample=lambda rng, num: rng.uniform(-3.0, 3.0),
    assumptions={"real": True},
)


# the supports each checker works on: identify's normalizer integrates over these, and a
# user's density may be declared on these (by name or alias)
IDENTIFY_SUPPORTS = (REAL, POSITIVE, BINARY, COUNT, ONE_HOT, MULTILABEL)
DENSITY_SUPPORTS = (REAL, POSITIVE, UNIT, INTEGERS, COUNT)


def by_name(supports: tuple[Support, ...]) -> dict[str, Support]:
    """Each support of ``supports`` under its name and its aliases."""
    return {name: s for s in supports for name in (s.name, *s.aliases)}
