"""Export a derived loss as vectorized Python source, and compile that source.

The per-sample loss of a derivation is written in y_i and f_theta(x_i); here it becomes an
array expression in ``target`` and ``input`` (PyTorch's names), sums over classes become
reductions over the last axis, and the printer emits overflow-free forms (softplus as
``logaddexp``, log-sum-exp shifted by its maximum). What ``mlesym export`` prints is exactly
the source that ``loss_function`` runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.str import StrPrinter

from . import __version__
from .derivation import Derivation
from .errors import UnknownChoiceError
from .symbols import Output, k, sigmoid, softplus, y

BACKENDS = ("numpy",)
REDUCTIONS = ("none", "mean", "sum")

INPUT = sp.Symbol("input", real=True)
TARGET = sp.Symbol("target", real=True)
PICKED = sp.Symbol("picked", real=True)  # input at the target class, for class-index targets


class ClassSum(sp.Function):
    """Sum of an array expression over its last axis (the classes)."""

    nargs = 1


class LogSumExp(sp.Function):
    """log sum_k exp(z_k) over the last axis, computed without overflow."""

    nargs = 1


def array_expression(per_sample: sp.Expr) -> sp.Expr:
    """Rewrite a per-sample expression in y_i, f_theta(x_i) into one in target, input."""
    expr = per_sample.replace(
        lambda e: (
            isinstance(e, sp.log)
            and isinstance(e.args[0], sp.Sum)
            and isinstance(e.args[0].function, sp.exp)
            and isinstance(e.args[0].function.args[0], Output)
        ),
        lambda e: LogSumExp(INPUT),
    )
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: ClassSum(e.function))
    expr = expr.replace(Output, lambda *args: INPUT)
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == y, lambda e: TARGET)
    leftover = expr.free_symbols - {INPUT, TARGET} - set(_parameters(expr))
    if leftover or expr.has(k):
        raise ValueError(f"cannot vectorize {per_sample}: left with {leftover}")
    return expr


def class_index_form(expr: sp.Expr) -> sp.Expr | None:
    """The loss for class-index targets, or None when it is not linear in a one-hot target.

    With a one-hot target, sum_k y_k h(z_k) = h(z_target): each ``ClassSum(target * h)``
    becomes ``h(picked)``, where ``picked`` is the input at the target class. This holds
    only when ``h`` acts on each class's input alone (no other sum over classes inside).
    """

    def pick(arg: sp.Expr) -> sp.Expr:
        h, factor = arg.as_independent(TARGET, as_Add=False)
        if factor != TARGET or h.has(ClassSum, LogSumExp):
            raise _NotLinear
        return h.xreplace({INPUT: PICKED})

    try:
        result = expr.replace(ClassSum, pick)
    except _NotLinear:
        return None
    return None if result.has(TARGET) else result


class _NotLinear(Exception):
    pass


def _parameters(expr: sp.Expr) -> list[sp.Symbol]:
    return sorted((s for s in expr.free_symbols if s not in (INPUT, TARGET)), key=lambda s: s.name)


class LossPrinter(NumPyPrinter):
    """NumPy code with the stable forms the derivation names."""

    def _print_softplus(self, expr: softplus) -> str:
        return f"numpy.logaddexp(0, {self._print(expr.args[0])})"

    def _print_sigmoid(self, expr: sigmoid) -> str:
        return f"(1 / (1 + numpy.exp(-{self.parenthesize(expr.args[0], 50)})))"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        from .printing import is_negative_term

        terms = sorted(expr.as_ordered_terms(), key=is_negative_term)  # a - b, not -b + a
        text = self._print(terms[0])
        for term in terms[1:]:
            if is_negative_term(term):
                text += f" - {self.parenthesize(-term, 40)}"
            else:
                text += f" + {self.parenthesize(term, 40)}"
        return text

    def _print_ClassSum(self, expr: ClassSum) -> str:
        return f"numpy.sum({self._print(expr.args[0])}, axis=-1)"

    def _print_LogSumExp(self, expr: LogSumExp) -> str:
        return f"_logsumexp({self._print(expr.args[0])})"


class PlainPrinter(StrPrinter):
    """Plain-text math for docstrings: y_i, f(x_i)_k, sum_{k=1..K}(...)."""

    def _print_Output(self, expr: Output) -> str:
        text = f"f(x_{self._print(expr.args[0].indices[0])})"
        return text if len(expr.args) == 1 else f"{text}_{self._print(expr.args[1])}"

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        return f"{self._print(expr.base.label)}_{''.join(map(self._print, expr.indices))}"

    def _print_Sum(self, expr: sp.Sum) -> str:
        text = self._print(expr.function)
        for index, lower, upper in expr.limits:
            text = f"sum_{{{index}={lower}..{upper}}}({text})"
        return text


def source(d: Derivation, full: bool = False, reduction: str = "mean") -> str:
    """The Python source of the exported loss of ``d``."""
    from .render import environment

    check_reduction(reduction)
    per_sample = d.nll if full else d.loss
    expr = array_expression(per_sample)
    params = [p for p in d.family.params if p.symbol in expr.free_symbols]
    name = function_name(d, full)
    vector = d.family.target == "onehot"
    return (
        environment("py")
        .get_template("loss.py.j2")
        .render(
            name=name,
            family=d.family,
            link=d.link,
            convention=d.family.convention(d.link.name),
            full=full,
            expression=LossPrinter().doprint(expr),
            index_expression=_print_optional(class_index_form(expr)) if vector else None,
            params=params,
            reduction=reduction,
            vector=vector,
            uses_logsumexp=expr.has(LogSumExp),
            version=__version__,
            expression_text=PlainPrinter().doprint(per_sample),
        )
    )


def _print_optional(expr: sp.Expr | None) -> str | None:
    return None if expr is None else LossPrinter().doprint(expr)


def function_name(d: Derivation, full: bool) -> str:
    convention = d.family.convention(d.link.name)
    what = "nll" if full else convention.loss_name.lower()
    parts = [d.family.name] + ([] if d.link.name == "identity" else [d.link.name]) + [what]
    return re.sub(r"\W", "_", "_".join(parts))


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise UnknownChoiceError("reduction", reduction, REDUCTIONS)


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise UnknownChoiceError("backend", backend, BACKENDS)


def compile_loss(
    d: Derivation, backend: str = "numpy", reduction: str = "mean", full: bool = False
) -> Callable[..., Any]:
    """Compile the exported source of ``d`` and return its loss function."""
    check_backend(backend)
    check_reduction(reduction)
    return _compiled(source(d, full=full, reduction=reduction), function_name(d, full))


@cache
def _compiled(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": f"mlesym.generated.{name}"}
    exec(compile(code, f"<mlesym:{name}>", "exec"), namespace)  # our own generated source
    fn = namespace[name]
    fn.__mlesym_source__ = code
    return fn
