"""The array backends an exported loss can be written for: a registry, as einops keeps one.

A backend is a ``Backend`` entry: the name of its array namespace in the generated source,
the backends whose spellings it falls back to, the spellings of the exporter's own lowered
operations (sums over classes, the fused softplus), its template and the module it needs.
The spellings of the named functions come from their declarations
(``engine.functions``), looked up through ``derives_from``. ``register`` adds one.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import UnknownChoiceError


@dataclass(frozen=True)
class Backend:
    """One array library, as the exporter writes for it."""

    name: str
    namespace: str  # how the generated source names the array module: numpy, torch, jnp
    module: str  # what must be importable for the backend to run
    template: str  # the loss template
    calls: Mapping[str, str] = field(default_factory=dict)  # lowered operations, overrides
    derives_from: tuple[str, ...] = ()  # backends whose function spellings it falls back to
    runtime: str = ""  # the module of export/runtime/ its helpers come from (default: name)
    always: tuple[str, ...] = ()  # the helpers its template calls itself
    words: Mapping[str, str] = field(default_factory=dict)  # its spellings in the skeleton

    def available(self) -> bool:
        """Whether the backend's library is installed."""
        return importlib.util.find_spec(self.module) is not None

    @property
    def install_hint(self) -> str:
        return f"pip install 'mlesym[{self.name}]'"

    def table(self) -> dict[str, str]:
        """Function name -> call template: every declared function that has a spelling
        for this backend, then the exporter's own operations."""
        from ..engine.functions import by_name  # SymPy: only once a loss is written

        if self.name not in _TABLES:
            chain = (self.name, *self.derives_from)
            table = {}
            for name, named in by_name().items():
                template, _ = named.spelling(chain, self.namespace)
                if template is not None:
                    table[name] = template
            _TABLES[self.name] = {**table, **self.calls}
        return _TABLES[self.name]

    def helpers(self, name: str) -> tuple[str, ...]:
        """The runtime helpers the spelling of function ``name`` calls."""
        from ..engine.functions import by_name

        named = by_name().get(name)
        if named is None:
            return LOWERED_HELPERS.get(name, ())
        return named.spelling((self.name, *self.derives_from), self.namespace)[1]

    @property
    def runtime_module(self) -> str:
        return self.runtime or self.name


LOWERED_HELPERS = {  # the helpers of the exporter's own operations (their names in every backend)
    "LogSumExp": ("_logsumexp",),
    "Quadratic": ("_quadratic", "_cholesky"),
    "LogDetCovariance": ("_logdet",),
    "StirlingLogFactorial": ("_stirling",),
    "ShiftedSoftplus": ("_softplus",),
    "Trigamma": ("_trigamma",),
    "Softmax": ("_softmax",),
    "LogisticDensity": ("_logistic_density",),
    "PrecisionTimes": ("_precision_times",),
    "PrecisionDiagonal": ("_precision_diagonal",),
}


_TABLES: dict[str, dict[str, str]] = {}


def _lowered(xp: str) -> dict[str, str]:
    """The exporter's lowered operations, alike in every backend but for the namespace."""
    axis = "dim" if xp == "torch" else "axis"
    return {
        "Where": f"{xp}.where({{0}}, {{1}}, {{2}})",
        "LogSumExp": "_logsumexp({0})",
        "ClassSum": f"{xp}.sum({{0}}, {axis}=-1)",
        "NumClasses": "input.shape[-1]",
        "Quadratic": "_quadratic({0}, chol)",
        "LogDetCovariance": "_logdet(chol)",
        "KeepDims": "{0}[..., None]",
        "StirlingLogFactorial": "_stirling({0})",
        "Trigamma": "_trigamma({0})",
        "Softmax": "_softmax({0})",
        "LogisticDensity": "_logistic_density({0})",
        "PrecisionTimes": "_precision_times({0}, chol)",
        "PrecisionDiagonal": "_precision_diagonal(chol, input.shape[-1], input.dtype)",
    }


def _where_softplus(xp: str) -> dict[str, str]:
    """softplus(u) as max(u, 0) + log1p(exp(-|u|)) in where-forms, so that the gradient at
    u = 0 is sigmoid(0) = 1/2, not 0 or 1."""
    return {
        "PositivePart": f"{xp}.where({{0}} >= 0, {{0}}, 0.0)",
        "SoftplusTail": f"{xp}.log1p({xp}.exp(-{xp}.where({{0}} >= 0, {{0}}, -({{0}}))))",
    }


REDUCTIONS = ("none", "mean", "sum")  # as in PyTorch

_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    """Add ``backend`` to the registry (replacing one of the same name)."""
    _REGISTRY[backend.name] = backend
    _TABLES.pop(backend.name, None)
    return backend


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def names() -> tuple[str, ...]:
    """The registered backends' names, NumPy (the default) first."""
    return tuple(_REGISTRY)


def get(name: str) -> Backend:
    if name not in _REGISTRY:
        raise UnknownChoiceError("backend", name, names())
    return _REGISTRY[name]


NUMPY_WORDS = {  # printf-style (Jinja's format filter): %s, or %(x)s and friends
    "library": "NumPy",
    "xp": "numpy",
    "axis": "axis",
    "asarray": "numpy.asarray",
    "shape": "%s.shape",
    "size": "%s.size",
    "ndim": "%s.ndim",
    "to_dtype": "%s.astype(dtype, copy=False)",
    "is_index": '%s.dtype.kind in "iu"',
    "as_index": "%s.astype(numpy.intp, copy=False)",
    "gather": "numpy.take_along_axis(%(x)s, %(index)s[..., None], axis=-1)[..., 0]",
    "keep_index": "numpy.where(%(mask)s, %(x)s, 0)",
    "keep": "numpy.where(%(mask)s, %(x)s, 0.0)",
    "mask_weight": "%s",
    "zero_where": "numpy.where(%(c)s, 0.0, %(x)s)",
    "outside_unit": "bool(((%(x)s < 0) | (%(x)s > 1)).any())",
}
TORCH_WORDS = {
    "library": "PyTorch",
    "xp": "torch",
    "axis": "dim",
    "asarray": "torch.as_tensor",
    "shape": "tuple(%s.shape)",
    "size": "%s.numel()",
    "ndim": "%s.dim()",
    "to_dtype": "%s.to(dtype)",
    "is_index": "not %s.is_floating_point()",
    "as_index": "%s.long()",
    "gather": "torch.gather(%(x)s, -1, %(index)s[..., None])[..., 0]",
    "keep_index": "torch.where(%(mask)s, %(x)s, torch.zeros_like(%(x)s))",
    "keep": "torch.where(%(mask)s, %(x)s, torch.zeros_like(%(x)s))",
    "mask_weight": "%s.to(dtype)",
    "zero_where": "torch.where(%(c)s, torch.zeros_like(per_class), %(x)s)",
    "outside_unit": "%(x)s.numel() and _outside(%(x)s, 0, 1)",
}
JAX_WORDS = {
    **NUMPY_WORDS,
    "library": "JAX",
    "xp": "jnp",
    "asarray": "jnp.asarray",
    "to_dtype": "%s.astype(dtype)",
    "outside_unit": "check and bool(((%(x)s < 0) | (%(x)s > 1)).any())",
}

NUMPY = register(
    Backend(
        "numpy",
        namespace="numpy",
        module="numpy",
        template="loss_numpy.py.j2",
        always=("_as_real_array", "_reduce", "_sample_weight"),
        words=NUMPY_WORDS,
        calls={**_lowered("numpy"), "ShiftedSoftplus": "_softplus({0}, shift={1}, scale={2})"},
    )
)
TORCH = register(
    Backend(
        "torch",
        namespace="torch",
        module="torch",
        template="loss_torch.py.j2",
        always=("_as_real_tensor", "_outside", "_reduce", "_sample_weight"),
        words=TORCH_WORDS,
        calls={**_lowered("torch"), **_where_softplus("torch")},
    )
)
JAX = register(
    Backend(
        "jax",
        namespace="jnp",
        module="jax",
        template="loss_jax.py.j2",
        always=("_concrete", "_reduce", "_sample_weight"),
        words=JAX_WORDS,
        calls={**_lowered("jnp"), **_where_softplus("jnp")},
    )
)
