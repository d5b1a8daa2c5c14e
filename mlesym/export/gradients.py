"""Export the gradient and Hessian of a derived loss in the raw model outputs, for NumPy,
PyTorch or JAX: what a boosting library's custom objective returns.

The expressions are those of ``engine.second_order`` (SymPy's derivatives of the verified
loss), off the kinks; they are printed by the same ``ArrayPrinter`` as the losses, so each
stable function (softplus, sigmoid, xlogy, log-gamma) keeps its overflow-free spelling.
"""

from __future__ import annotations

import re
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


class LogisticDensity(sp.Function):
    """sigmoid(u) sigmoid(-u), the logistic Hessian, from one exponential (runtime's
    _logistic_density)."""

    nargs = 1


def _logistic_densities(expr: sp.Expr) -> sp.Expr:
    """Each product sigmoid(u) sigmoid(-u) as LogisticDensity(u), then the terms that share
    one collected: r s(u) s(-u) + y s(u) s(-u) = (r + y) L(u)."""

    def fold(product: sp.Mul) -> sp.Expr:
        factors = list(product.args)
        for f in factors:
            if isinstance(f, sigmoid) and sigmoid(-f.args[0]) in factors:
                factors.remove(f)
                factors.remove(sigmoid(-f.args[0]))
                return fold(sp.Mul(*factors)) * LogisticDensity(f.args[0])
        return product

    expr = expr.replace(lambda e: isinstance(e, sp.Mul), fold)
    densities = list(expr.atoms(LogisticDensity))
    return sp.collect(expr, densities) if densities and expr.is_Add else expr


def _exportable(expr: sp.Expr) -> sp.Expr:
    """Derivatives of log-gamma as functions the backends spell (digamma, trigamma), and
    1 - sigmoid(u) as sigmoid(-u) (and sigmoid(u) - 1 as -sigmoid(-u)), which keeps its
    digits for large u."""
    u = sp.Wild("u")
    expr = expr.replace(1 - sigmoid(u), sigmoid(-u)).replace(sigmoid(u) - 1, -sigmoid(-u))
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
    smooth, matrix, pairs = _paired(smooth, matrix)
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
    varying = {INPUT, RESIDUAL, *(s for p, q, _ in pairs for s in (p, q))}
    for name, value in common:
        if value.free_symbols & varying:
            varying.add(name)

    def shaped(e: sp.Expr) -> str:  # free of input (a Hessian of 1): broadcast to its shape
        text = printer.doprint(e)
        if e.free_symbols & varying:
            return text
        return FILLED.get(backend, "({1})*ones").format(printer.doprint(INPUT), text)

    printed_common = [  # each pair first: its argument is written out, needing no common
        (f"{p}, {q}", f"_logistic_pair({printer.doprint(u)})") for p, q, u in pairs
    ] + [(str(name), printer.doprint(value)) for name, value in common]
    if pairs:
        printer.helpers.add("_logistic_pair")
    printed = [shaped(g) for g in smooth]
    printed_matrix = [[shaped(h) for h in row] for row in matrix]
    printed_lines = _freed(
        [
            *printed_common,
            *((f"grad{k}", g) for k, g in enumerate(printed)),
            *(
                (f"hess{r}{c}", h)
                for r, row in enumerate(printed_matrix)
                for c, h in enumerate(row)
            ),
        ],
        {word.strip() for name, _ in printed_common for word in name.split(",")},
    )
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
            name=gradient_name(d, full, "fisher" if expected else "exact"),
            signature=", ".join(words),
            family=d.family,
            link=d.link,
            convention=d.convention,
            full=full,
            library=chosen.words["library"],
            version=__version__,
            command=gradient_command(d, backend, full, "fisher" if expected else "exact"),
            fisher=expected,
            expression_text=plain.doprint(per_sample),
            outputs=outputs,
            kinks=kinks,
            gradient_text=[plain.doprint(almost_everywhere(g)) for g in gradient],
            hessian_text=[
                [plain.doprint(almost_everywhere(h)) for h in row] for row in hessian.tolist()
            ],
            common=printed_lines,
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


def _freed(lines: list[tuple[str, str]], temporary: set[str]) -> list[tuple[str, str, list]]:
    """Each line (name, value) with the temporaries whose last use it is, to ``del`` after
    it: an array is freed as soon as nothing needs it (peak memory, not only time)."""
    last: dict[str, int] = {}
    for index, (_, value) in enumerate(lines):
        for word in re.findall(r"\b\w+\b", value):
            if word in temporary:
                last[word] = index
    return [
        (name, value, sorted((t for t, at in last.items() if at == index), key=str))
        for index, (name, value) in enumerate(lines)
    ]


def _paired(smooth: list, matrix: list) -> tuple[list, list, list]:
    """Where both sigmoid(u) and sigmoid(-u) appear, one call gives both (one exponential,
    not two): each becomes a symbol of the pair, and the logistic density their product."""
    every = [*smooth, *sum(matrix, [])]
    found = set().union(*(e.atoms(sigmoid) for e in every))
    pairs, swap = [], {}
    for s in sorted(found, key=sp.default_sort_key):
        u = s.args[0]
        if sigmoid(-u) in found and not u.could_extract_minus_sign() and s not in swap:
            k = len(pairs)
            p, q = (sp.Symbol(f"sigmoid{2 * k + m}", positive=True) for m in (0, 1))
            pairs.append((p, q, u))
            swap |= {s: p, sigmoid(-u): q, LogisticDensity(u): p * q}
    if not pairs:
        return smooth, matrix, []
    return (
        [e.xreplace(swap) for e in smooth],
        [[e.xreplace(swap) for e in row] for row in matrix],
        pairs,
    )


def _exported(derivative: sp.Expr) -> sp.Expr:
    expr = _exportable(array_expression(almost_everywhere(derivative)))
    return _in_residual(_logistic_densities(expr))


SUFFIXES = {"exact": "_grad_hess", "fisher": "_grad_fisher", "diagonal": "_grad_diag"}


def gradient_name(d: Derivation, full: bool, hessian: str = "exact") -> str:
    return d.model.function_name(d.convention.loss_name, full) + SUFFIXES[hessian]


def _output_name(out) -> str:
    return type(out).argument if isinstance(out, Head) else "input"


def gradient_command(d: Derivation, backend: str, full: bool, hessian: str = "exact") -> str:
    """The ``mlesym.gradient_function(...)`` call that regenerates the source."""
    words = [f"mlesym.gradient_function({d.family.name!r}"]
    if d.link.name != (d.family.links[0].name):
        words.append(f"link={d.link.name!r}")
    if backend != "numpy":
        words.append(f"backend={backend!r}")
    words += [f"{k}={v!r}" for k, v in d.variant.items() if v != "fixed"]
    words += [f"{k}={str(v)!r}" for k, v in d.values.items()]
    if full:
        words.append("full=True")
    if hessian != "exact":
        words.append(f"hessian={hessian!r}")
    return ", ".join(words) + ")"


def compile_gradient(
    d: Derivation, backend: str = "numpy", full: bool = False, hessian: str = "exact"
) -> Callable[..., Any]:
    """Compile ``gradient_source`` and return its function."""
    if d.family.target != "scalar":
        from .class_gradients import compile_class_gradient

        return compile_class_gradient(d, backend, full, hessian)
    code = gradient_source(d, backend, full, hessian)
    return compiled(code, gradient_name(d, full, hessian), backend)
