"""Export the gradient and Hessian of a derived loss in the raw model outputs, for NumPy,
PyTorch or JAX: what a boosting library's custom objective returns.

The expressions are those of ``engine.second_order`` (SymPy's derivatives of the verified
loss), off the kinks; they are printed by the same ``ArrayPrinter`` as the losses, so each
stable function (softplus, sigmoid, xlogy, log-gamma) keeps its overflow-free spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from .._version import __version__
from ..engine.derivation import Derivation
from ..engine.functions.logistic import sigmoid
from ..engine.mle import outputs_of
from ..engine.second_order import almost_everywhere, derivatives, fisher
from ..engine.symbols import Head
from ..errors import NotSupportedError, UnknownChoiceError
from . import backends, runtime
from .source import (
    INPUT,
    TARGET,
    ArrayPrinter,
    PlainPrinter,
    _environment,
    array_expression,
    check_backend,
    compiled,
)

_REAL = {
    "numpy": """def _real(value, name, like=None):
    array = numpy.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if like is not None:
        return array.astype(like.dtype, copy=False)
    dtype = array.dtype if array.dtype == numpy.float32 else numpy.float64
    return array.astype(dtype, copy=False)""",
    "torch": """def _real(value, name, like=None):
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be a tensor of real numbers") from None
    if tensor.is_complex():
        raise ValueError(f"{name} must be a tensor of real numbers; got dtype {tensor.dtype}")
    if like is not None:
        return tensor.to(like.dtype)
    return tensor if tensor.is_floating_point() else tensor.to(torch.float64)""",
    "jax": """def _real(value, name, like=None):
    array = jnp.asarray(value)
    if jnp.issubdtype(array.dtype, jnp.complexfloating):
        raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if like is not None:
        return array.astype(like.dtype)
    return array if jnp.issubdtype(array.dtype, jnp.floating) else array.astype(float)""",
}
_IMPORTS = {
    "numpy": "import numpy",
    "torch": "import torch",
    "jax": "import jax\nimport jax.numpy as jnp\nimport jax.scipy.special  # noqa: F401",
}


class Trigamma(sp.Function):
    """psi'(u): polygamma(1, u), exported as the runtime's _trigamma."""


def _exportable(expr: sp.Expr) -> sp.Expr:
    """Derivatives of log-gamma as functions the backends spell (digamma, trigamma), and
    1 - sigmoid(u) as sigmoid(-u), which keeps its digits for large u."""
    u = sp.Wild("u")
    expr = expr.replace(1 - sigmoid(u), sigmoid(-u))
    return expr.replace(
        sp.polygamma,
        lambda order, u: (
            sp.digamma(u, evaluate=False) if order == 0 else Trigamma(u) if order == 1 else None
        ),
    )


RESIDUAL = sp.Symbol("residual", real=True)
FILLED = {  # an array like input holding a value free of it, in one pass
    "numpy": "numpy.full_like({0}, {1})",
    "jax": "jnp.full_like({0}, {1})",
}


def _in_residual(expr: sp.Expr) -> sp.Expr:
    """The expression in residual = input - target where it depends on them only through it
    (a location family): (input - target)**2 expanded loses every digit when both are 1e8."""
    if not expr.has(TARGET):
        return expr
    shifted = expr.xreplace({INPUT: TARGET + RESIDUAL})
    try:
        factored = sp.factor(sp.together(shifted))
    except (sp.PolynomialError, NotImplementedError):
        factored = shifted
    best = min((shifted, factored), key=sp.count_ops)
    return expr if best.has(TARGET) else best


HESSIANS = ("exact", "fisher")


def gradient_source(
    d: Derivation, backend: str = "numpy", full: bool = False, hessian: str = "exact"
) -> str:
    """The Python source of ``gradient_function``: (gradient, Hessian) in the raw outputs;
    ``hessian="fisher"``: the expected Hessian (``engine.second_order.fisher``) instead."""
    check_backend(backend)
    if d.family.target != "scalar":  # K outputs: a per-class gradient, a K x K Hessian
        from .class_gradients import class_gradient_source

        return class_gradient_source(d, backend, full, hessian)
    if hessian not in HESSIANS:
        raise UnknownChoiceError("hessian", hessian, HESSIANS)
    if backend not in _REAL:
        raise NotSupportedError(
            f"no gradient export for the {backend} backend yet; choose from {', '.join(_REAL)}"
        )
    try:
        gradient, matrix_of = derivatives(d, full)
    except NotImplementedError as error:
        raise NotSupportedError(f"no gradient export yet: {error}") from None
    expected = hessian == "fisher"
    hessian = sp.Matrix([[fisher(d, full)]]) if expected else matrix_of
    chosen = backends.get(backend)
    printer = ArrayPrinter(backend)
    kinks = any(e.has(sp.DiracDelta, sp.Heaviside) for e in [*gradient, *hessian])
    smooth = [_exported(g) for g in gradient]
    matrix = [[_exported(h) for h in row] for row in hessian.tolist()]
    per_sample = d.nll if full else d.loss
    heads = sorted({type(h) for h in per_sample.atoms(Head)}, key=lambda h: h.argument)

    symbols = set().union(*(e.free_symbols for e in [*smooth, *sum(matrix, [])]))
    size = len(smooth)
    common, reduced = sp.cse(  # one pass for what gradient and Hessian share (a sigmoid)
        [*smooth, *sum(matrix, [])], symbols=sp.numbered_symbols("common"), order="none"
    )
    common = [(name, _exportable(value)) for name, value in common]  # rebuilt: digamma again
    reduced = [_exportable(e) for e in reduced]
    smooth = reduced[:size]
    matrix = [reduced[size + r * size : size + (r + 1) * size] for r in range(size)]
    if sum(e.count(RESIDUAL) for e in [*reduced, *(v for _, v in common)]) == 1:
        inline = {RESIDUAL: sp.Add(INPUT, -TARGET, evaluate=False)}  # no array kept alive
        common = [(name, value.xreplace(inline)) for name, value in common]
        smooth = [e.xreplace(inline) for e in smooth]
        matrix = [[e.xreplace(inline) for e in row] for row in matrix]
    varying = {INPUT, RESIDUAL}
    for name, value in common:
        if value.free_symbols & varying:
            varying.add(name)

    def shaped(e: sp.Expr) -> str:  # free of input (a Hessian of 1): broadcast to its shape
        text = printer.doprint(e)
        if e.free_symbols & varying:
            return text
        return FILLED.get(backend, "({1})*ones").format(printer.doprint(INPUT), text)

    printed_common = [(str(name), printer.doprint(value)) for name, value in common]
    printed = [shaped(g) for g in smooth]
    printed_matrix = [[shaped(h) for h in row] for row in matrix]
    params = [p for p in d.family.params if p.symbol in symbols]
    helpers, uses_math = runtime.helper_source(
        chosen.runtime_module, printer.helpers, chosen.namespace
    )
    words = ["input", "target", *(h.argument for h in heads), "*"]
    words += [f"{p.name}={p.default}" for p in params] + ["sample_weight=None"]
    plain = PlainPrinter()
    outputs = [_output_name(o) for o in outputs_of(d)]
    code = (
        "".join(printed) + "".join(sum(printed_matrix, [])) + "".join(v for _, v in printed_common)
    )
    return (
        _environment()
        .get_template("gradient.py.j2")
        .render(
            name=gradient_name(d, full, expected),
            signature=", ".join(words),
            family=d.family,
            link=d.link,
            convention=d.convention,
            full=full,
            library=chosen.words["library"],
            version=__version__,
            command=_command(d, backend, full, expected),
            fisher=expected,
            expression_text=plain.doprint(per_sample),
            outputs=outputs,
            kinks=kinks,
            gradient_text=[plain.doprint(almost_everywhere(g)) for g in gradient],
            hessian_text=[
                [plain.doprint(almost_everywhere(h)) for h in row] for row in hessian.tolist()
            ],
            common=printed_common,
            gradient=printed,
            hessian=printed_matrix,
            heads=heads,
            params=params,
            xp=chosen.namespace,
            imports=_IMPORTS.get(backend, f"import {chosen.module}"),
            real=_REAL[backend],
            helpers=helpers,
            needs_math=uses_math or "math." in code,
            needs_ones="*ones" in code,
            needs_residual=any(
                e.has(RESIDUAL) for e in [*smooth, *sum(matrix, []), *(v for _, v in common)]
            ),
        )
    )


def _exported(derivative: sp.Expr) -> sp.Expr:
    return _in_residual(_exportable(array_expression(almost_everywhere(derivative))))


def gradient_name(d: Derivation, full: bool, fisher: bool = False) -> str:
    name = d.model.function_name(d.convention.loss_name, full)
    return name + ("_grad_fisher" if fisher else "_grad_hess")


def _output_name(out) -> str:
    return type(out).argument if isinstance(out, Head) else "input"


def _command(d: Derivation, backend: str, full: bool, fisher: bool = False) -> str:
    words = [f"mlesym.gradient_function({d.family.name!r}"]
    if d.link.name != (d.family.links[0].name):
        words.append(f"link={d.link.name!r}")
    if backend != "numpy":
        words.append(f"backend={backend!r}")
    words += [f"{k}={v!r}" for k, v in d.variant.items() if v != "fixed"]
    words += [f"{k}={str(v)!r}" for k, v in d.values.items()]
    if full:
        words.append("full=True")
    if fisher:
        words.append("hessian='fisher'")
    return ", ".join(words) + ")"


def compile_gradient(
    d: Derivation, backend: str = "numpy", full: bool = False, hessian: str = "exact"
) -> Callable[..., Any]:
    """Compile ``gradient_source`` and return its function."""
    if d.family.target != "scalar":
        from .class_gradients import compile_class_gradient

        return compile_class_gradient(d, backend, full, hessian)
    code = gradient_source(d, backend, full, hessian)
    return compiled(code, gradient_name(d, full, hessian == "fisher"), backend)
