"""Export the gradient and Hessian of a vector family's loss in its K raw outputs, for NumPy,
PyTorch or JAX: arrays (..., K) and (..., K, K), or the Hessian's diagonal (..., K), which is
what a boosting library's multiclass objective takes.

The expressions are those of ``engine.class_second_order`` (verified at K = 2 and 3); the
Hessian is assembled as diag(D) + sum_m s_m a_m a_m^T, the softmax covariance
diag(p) - p p^T among its terms, with p = exp(z - logsumexp(z)), which cannot overflow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from .._version import __version__
from ..engine.class_second_order import ClassSecondOrder, class_derivatives, softmax_at
from ..engine.derivation import Derivation
from ..engine.functions.logsumexp import logsumexp
from ..engine.symbols import PRECISION, Output, i, j, k, x, y
from ..errors import NotSupportedError, UnknownChoiceError
from . import backends, runtime
from .gradients import _IMPORTS, _REAL, _exportable, gradient_command, gradient_name
from .source import (
    INPUT,
    TARGET,
    ArrayPrinter,
    ClassSum,
    KeepDims,
    LogSumExp,
    PlainPrinter,
    _environment,
    array_expression,
    compiled,
)

HESSIANS = ("exact", "fisher", "diagonal")

_CLASS_TARGET = {
    "numpy": """def _class_target(value, input, indices):
    array = numpy.asarray(value)
    if indices and array.dtype.kind in "biu" and array.ndim == input.ndim - 1:
        classes = input.shape[-1]
        if array.size and (array.min() < 0 or array.max() >= classes):
            raise ValueError(f"class indices must lie in 0..{classes - 1}")
        return numpy.eye(classes, dtype=input.dtype)[array]
    return _real(array, "target", input)""",
    "torch": """def _class_target(value, input, indices):
    array = torch.as_tensor(value)
    integer = not (array.is_floating_point() or array.is_complex())
    if indices and integer and array.ndim == input.ndim - 1:
        classes = input.shape[-1]
        if array.numel() and (int(array.min()) < 0 or int(array.max()) >= classes):
            raise ValueError(f"class indices must lie in 0..{classes - 1}")
        return torch.nn.functional.one_hot(array.long(), classes).to(input.dtype)
    return _real(array, "target", input)""",
    "jax": """def _class_target(value, input, indices):
    array = jnp.asarray(value)
    integer = jnp.issubdtype(array.dtype, jnp.integer) or array.dtype == bool
    if indices and integer and array.ndim == input.ndim - 1:
        classes = input.shape[-1]
        if array.size and (int(array.min()) < 0 or int(array.max()) >= classes):
            raise ValueError(f"class indices must lie in 0..{classes - 1}")
        return jax.nn.one_hot(array, classes, dtype=input.dtype)
    return _real(array, "target", input)""",
}
_EYE = {
    "numpy": "numpy.eye(input.shape[-1], dtype=input.dtype)",
    "torch": "torch.eye(input.shape[-1], dtype=input.dtype, device=input.device)",
    "jax": "jnp.eye(input.shape[-1], dtype=input.dtype)",
}
_FILLED = {
    "numpy": "numpy.full_like(input, {0})",
    "torch": "torch.full_like(input, {0})",
    "jax": "jnp.full_like(input, {0})",
}


class Softmax(sp.Function):
    """The softmax of an array over its last axis, as exp(z - max) / sum exp(z - max)."""

    nargs = 1


class PrecisionTimes(sp.Function):
    """Sigma^(-1) r along the last axis, for the fixed covariance (its Cholesky factor)."""

    nargs = 1


class PrecisionDiagonal(sp.Function):
    """The diagonal of Sigma^(-1), one entry per class."""

    nargs = 0


def _lowered_precision(expr: sp.Expr) -> sp.Expr:
    """sum_j Lambda_kj (z_j - y_j) as PrecisionTimes(z - y); Lambda_kk as its diagonal."""
    residual = Output(x[i], j) - y[i, j]

    def times(total: sp.Sum) -> sp.Expr:
        if sp.expand(total.function - PRECISION[k, j] * residual) != 0:
            raise NotSupportedError(f"no array form for {total}")
        return PrecisionTimes(Output(x[i], k) - y[i, k])

    expr = expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(PRECISION), times)
    return expr.xreplace({PRECISION[k, k]: PrecisionDiagonal()})


def _per_class(expr: sp.Expr) -> sp.Expr:
    """A per-class expression over arrays (..., K): per-sample parts keep a class axis, and
    exp(z_k - logsumexp z) is the softmax (to its last digits where |z| ~ 1e3)."""
    expr = array_expression(_lowered_precision(expr))
    expr = expr.replace(sp.exp(INPUT - LogSumExp(INPUT)), Softmax(INPUT))
    return expr.replace(ClassSum, lambda u: KeepDims(ClassSum(u))).replace(
        LogSumExp, lambda u: KeepDims(LogSumExp(u))
    )


def _fisher_is_exact(result: ClassSecondOrder) -> bool:
    """The Hessian depends on the target only through sums over the classes (N = sum_k y_k,
    fixed per sample): it is its own expectation given N."""
    parts = [result.diagonal, *result.softmax, *(e for pair in result.outer for e in pair)]
    outside = [e.replace(sp.Sum, lambda *args: sp.S.One) for e in parts]
    return not any(e.has(y) for e in outside)


def class_gradient_source(
    d: Derivation, backend: str = "numpy", full: bool = False, hessian: str = "exact"
) -> str:
    """The Python source of ``gradient_function`` for a vector family."""
    if hessian not in HESSIANS:
        raise UnknownChoiceError("hessian", hessian, HESSIANS)
    if backend not in _REAL:
        raise NotSupportedError(
            f"no gradient export for the {backend} backend yet; choose from {', '.join(_REAL)}"
        )
    try:
        result = class_derivatives(d, full)
    except NotImplementedError as error:
        raise NotSupportedError(f"no gradient export yet: {error}") from None
    if hessian == "fisher" and not _fisher_is_exact(result):
        raise NotSupportedError(
            f"{d.family.name}: the expected Hessian is derived where the Hessian is free of "
            "the target (a canonical link); use hessian='exact' or 'diagonal'"
        )
    p = softmax_at(k)
    diagonal = result.diagonal + sum(c * p for c in result.softmax)
    outer = [*result.outer, *((-c, p) for c in result.softmax)]
    only_diagonal = hessian == "diagonal"
    per_class = [result.gradient, result.full_diagonal if only_diagonal else diagonal]
    if not only_diagonal:
        per_class += [a for _, a in outer]
    per_sample = [] if only_diagonal else [s for s, _ in outer]
    exprs = [_exportable(_per_class(e)) for e in per_class]
    exprs += [_exportable(array_expression(e)) for e in per_sample]
    common, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("common"), order="none")
    common = [(name, _exportable(value)) for name, value in common]
    reduced = [_exportable(e) for e in reduced]
    printer = ArrayPrinter(backend)
    varying = {INPUT, TARGET}
    for name, value in common:
        if value.free_symbols & varying:
            varying.add(name)

    def filled(e: sp.Expr) -> str:  # a per-class value free of the data: shaped like input
        text = printer.doprint(e)
        if e.free_symbols & varying:
            return text
        if e.has(PrecisionDiagonal):  # one value per class, broadcast over the samples
            return f"{chosen.namespace}.zeros_like(input) + {text}"
        return _FILLED[backend].format(text)

    chosen = backends.get(backend)
    count = len(per_class)
    gradient_text, diagonal_text, *vectors = [filled(e) for e in reduced[:count]]
    scalars = [  # per sample: broadcast against (..., K, K)
        f"({printer.doprint(e)})[..., None, None]"
        if e.free_symbols & varying
        else f"({printer.doprint(e)})"
        for e in reduced[count:]
    ]
    printed_common = [(str(name), printer.doprint(value)) for name, value in common]
    precision = result.precision != 0 and not only_diagonal  # + c Sigma^(-1), in the template
    if result.precision != 0:
        printer.helpers.update({"_cholesky", "_precision"} if precision else {"_cholesky"})
    helpers, uses_math = runtime.helper_source(
        chosen.runtime_module, printer.helpers, chosen.namespace
    )
    code = gradient_text + diagonal_text + "".join(vectors + scalars)
    code += "".join(v for _, v in printed_common)
    plain = PlainPrinter()
    params = [p for p in d.family.params if p.symbol in (d.nll if full else d.loss).free_symbols]
    words = ["input", "target", "*", *(f"{p.name}={p.default}" for p in params)]
    if result.precision != 0:
        words.append("covariance=None")
    return (
        _environment()
        .get_template("class_gradient.py.j2")
        .render(
            name=gradient_name(d, full, hessian),
            signature=", ".join([*words, "sample_weight=None"]),
            family=d.family,
            link=d.link,
            convention=d.convention,
            full=full,
            library=chosen.words["library"],
            version=__version__,
            command=gradient_command(d, backend, full, hessian),
            hessian=hessian,
            indices=d.family.support.one_hot,
            expression_text=plain.doprint(d.nll if full else d.loss),
            gradient_math=plain.doprint(_shown(result.gradient)),
            diagonal_math=plain.doprint(_shown(result.full_diagonal)),
            entry_math=plain.doprint(_shown(_entry(result))),
            common=printed_common,
            gradient=gradient_text,
            diagonal=diagonal_text,
            outer=list(zip(scalars, vectors, strict=True)),
            params=params,
            xp=chosen.namespace,
            imports=_IMPORTS[backend],
            real=_REAL[backend],
            class_target=_CLASS_TARGET[backend],
            eye=_EYE[backend],
            covariance=result.precision != 0,
            precision=printer.doprint(result.precision) if precision else None,
            helpers=helpers,
            needs_math=uses_math or "math." in code,
        )
    )


def _entry(result: ClassSecondOrder) -> sp.Expr:
    row, column = sp.symbols("k l", integer=True, positive=True)
    return result.hessian_entry(row, column)


def _shown(expr: sp.Expr) -> sp.Expr:
    """p_k for exp(z_k - logsumexp z), in the docstring."""
    p = sp.Function("p")

    def softmax(e: sp.Expr) -> sp.Expr:
        rest = e.args[0].xreplace({lse: 0 for lse in e.args[0].atoms(logsumexp)})
        return p(rest.args[1]) if isinstance(rest, Output) else e

    return expr.replace(lambda e: isinstance(e, sp.exp) and e.args[0].has(logsumexp), softmax)


def compile_class_gradient(
    d: Derivation, backend: str = "numpy", full: bool = False, hessian: str = "exact"
) -> Callable[..., Any]:
    code = class_gradient_source(d, backend, full, hessian)
    return compiled(code, gradient_name(d, full, hessian), backend)
